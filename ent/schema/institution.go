package schema

import (
	"context"
	"fmt"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/predicate"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/ident"
	"github.com/tuoyu/tuoyu/internal/kpi/kpistore"
	"github.com/tuoyu/tuoyu/internal/nearby/s2cell"
)

// Institution is a childcare provider registered with a health commission:
// a 托育机构, a kindergarten offering 托班, an employer, community or home
// setting, or a guidance centre.
type Institution struct{ ent.Schema }

// Mixin of the Institution.
func (Institution) Mixin() []ent.Mixin {
	return []ent.Mixin{
		TimestampsMixin{},
		IntervalMixin{
			From: "opened_at", FromComment: "Day the institution opened for service.",
			To: "closed_at", ToComment: "Day it closed (exclusive: closed on and after this day); null while open.",
		},
	}
}

// Fields of the Institution.
func (Institution) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			NotEmpty().
			MaxLen(200).
			Comment("Registered name.").
			Annotations(entgql.OrderField("NAME")),
		field.String("credit_code").
			Unique().
			Validate(ident.ValidateCreditCode).
			Comment("统一社会信用代码 (GB 32100): 18 characters with a check character.").
			Annotations(entgql.OrderField("CREDIT_CODE")),
		field.Enum("form").
			Values("CENTER", "KINDERGARTEN", "EMPLOYER", "COMMUNITY", "HOME", "GUIDANCE_CENTER").
			Annotations(EnumDoc{"CENTER": "托育机构 dedicated childcare centre.", "KINDERGARTEN": "幼儿园 with 托班 classes; counts toward KINDERGARTEN_CHILDCARE_SHARE and the filing rate only with at least one open seat.", "EMPLOYER": "用人单位办托 employer-run childcare.", "COMMUNITY": "社区托育点/驿站 community childcare point.", "HOME": "家庭托育点 home-based childcare.", "GUIDANCE_CENTER": "托育综合服务中心 guidance centre; counted by GUIDANCE_CENTERS."}).
			Comment("Form of provision: CENTER 托育机构, KINDERGARTEN 幼儿园(托班), EMPLOYER 用人单位办托, COMMUNITY 社区托育点/驿站, HOME 家庭托育点, GUIDANCE_CENTER 托育综合服务中心.").
			Annotations(entgql.Type("InstitutionForm"), entgql.OrderField("FORM")),
		field.Enum("legal_nature").
			Values("PUBLIC_UNIT", "NONPROFIT", "FOR_PROFIT").
			Annotations(EnumDoc{"PUBLIC_UNIT": "事业单位 public institution.", "NONPROFIT": "社会服务机构 non-profit social service organisation.", "FOR_PROFIT": "营利性 for-profit enterprise."}).
			Comment("Legal registration: PUBLIC_UNIT 事业单位, NONPROFIT 社会服务机构, FOR_PROFIT 营利性.").
			Annotations(entgql.Type("LegalNature")),
		field.Enum("ownership").
			Values("PUBLIC", "PRIVATE", "PUBLIC_PRIVATE", "PRIVATE_SUBSIDISED").
			Annotations(EnumDoc{"PUBLIC": "公办 publicly owned and run.", "PRIVATE": "民办 privately owned and run.", "PUBLIC_PRIVATE": "公建民营 publicly built, privately run.", "PRIVATE_SUBSIDISED": "民办公助 private with public subsidy."}).
			Comment("Ownership model: PUBLIC 公办, PRIVATE 民办, PUBLIC_PRIVATE 公建民营, PRIVATE_SUBSIDISED 民办公助.").
			Annotations(entgql.Type("Ownership")),
		field.JSON("service_modes", []schematype.ServiceMode{}).
			Comment("Service modes offered (全日托, 半日托, 计时托, 临时托); at least one.").
			Annotations(entgql.Type("[ServiceMode!]")),
		field.String("address").
			MaxLen(300).
			Optional().
			Comment("Street address."),
		field.Float("latitude").
			Range(-90, 90).
			Optional().
			Nillable().
			Comment("WGS-84 latitude in degrees."),
		field.Float("longitude").
			Range(-180, 180).
			Optional().
			Nillable().
			Comment("WGS-84 longitude in degrees."),
		field.Int64("s2_cell").
			Optional().
			Nillable().
			Comment("S2 leaf cell of (latitude, longitude) as a signed int64; set by a hook whenever the coordinates change, null without them. The spatial index of nearbyInstitutions.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("monthly_fee").
			NonNegative().
			Optional().
			Nillable().
			Comment("Published monthly fee for full-day care, in yuan (市场价 or 协议价)."),
		field.Int("inclusive_monthly_fee").
			NonNegative().
			Optional().
			Nillable().
			Comment("普惠 monthly fee for full-day care, in yuan; what parents pay while the institution holds a valid inclusive designation."),
		field.Enum("status").
			Values("PREPARING", "OPERATING", "SUSPENDED", "CLOSED").
			Default("OPERATING").
			Annotations(EnumDoc{"PREPARING": "Being set up, not yet serving.", "OPERATING": "Serving children.", "SUSPENDED": "Temporarily closed.", "CLOSED": "Closed for good."}).
			Comment("Operating status as last reported. KPIs use opened_at/closed_at, not this field.").
			Annotations(entgql.Type("InstitutionStatus")),
		field.Int("region_id").
			Comment("The lowest known region of the institution, normally a subdistrict."),
	}
}

// Hooks of the Institution.
func (Institution) Hooks() []ent.Hook {
	return []ent.Hook{validServiceModes, maintainS2Cell, kpistore.InstitutionHook}
}

// maintainS2Cell keeps s2_cell equal to the leaf cell of the coordinates
// (null when either is missing), so the spatial index can never disagree
// with them. A bulk update must set both coordinates or neither: the old
// values of many rows are not at hand.
func maintainS2Cell(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, mu ent.Mutation) (ent.Value, error) {
		m, ok := mu.(*gen.InstitutionMutation)
		if !ok {
			return next.Mutate(ctx, mu)
		}
		lat, latSet := m.Latitude()
		lng, lngSet := m.Longitude()
		latCleared, lngCleared := m.LatitudeCleared(), m.LongitudeCleared()
		if !latSet && !lngSet && !latCleared && !lngCleared {
			m.ResetS2Cell() // only the coordinates decide the cell
			return next.Mutate(ctx, mu)
		}
		if !m.Op().Is(ent.OpCreate) && (!latSet && !latCleared || !lngSet && !lngCleared) {
			if !m.Op().Is(ent.OpUpdateOne) {
				return nil, apperr.Invalid("latitude", "a bulk update must set latitude and longitude together")
			}
			if !latSet && !latCleared {
				old, err := m.OldLatitude(ctx)
				if err != nil {
					return nil, fmt.Errorf("institution s2 cell: old latitude: %w", err)
				}
				if old != nil {
					lat, latSet = *old, true
				}
			}
			if !lngSet && !lngCleared {
				old, err := m.OldLongitude(ctx)
				if err != nil {
					return nil, fmt.Errorf("institution s2 cell: old longitude: %w", err)
				}
				if old != nil {
					lng, lngSet = *old, true
				}
			}
		}
		if latSet && lngSet && !latCleared && !lngCleared {
			m.SetS2Cell(s2cell.ID(lat, lng))
		} else {
			m.ClearS2Cell()
		}
		return next.Mutate(ctx, mu)
	})
}

// validServiceModes requires at least one known, non-repeated service mode.
// (ent's JSON fields have no Validate, so the rule is a hook.)
func validServiceModes(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		v, ok := m.Field("service_modes")
		if !ok {
			return next.Mutate(ctx, m)
		}
		modes, _ := v.([]schematype.ServiceMode)
		if len(modes) == 0 {
			return nil, apperr.Invalid("service_modes", "at least one service mode is required")
		}
		seen := map[schematype.ServiceMode]bool{}
		for _, mode := range modes {
			var check schematype.ServiceMode
			if seen[mode] || check.UnmarshalGQL(string(mode)) != nil {
				return nil, apperr.Invalid("service_modes", "service modes must be known values without repeats")
			}
			seen[mode] = true
		}
		return next.Mutate(ctx, m)
	})
}

// Edges of the Institution.
func (Institution) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("region", Region.Type).
			Ref("institutions").
			Field("region_id").
			Unique().
			Required().
			Comment("The lowest known region of the institution."),
		edge.To("filings", Filing.Type).
			Comment("Filings (备案) of this institution.").
			Annotations(entgql.RelayConnection(), noWherePredicate),
		edge.To("designations", InclusiveDesignation.Type).
			Comment("普惠 designations of this institution.").
			Annotations(entgql.RelayConnection()),
		edge.To("seats", Seat.Type).
			Comment("Filed seats (托位).").
			Annotations(entgql.RelayConnection()),
		edge.To("staff", Staff.Type).
			Comment("Staff employed here.").
			Annotations(entgql.RelayConnection(), noWherePredicate),
		edge.To("enrolments", Enrolment.Type).
			Comment("Enrolments of children.").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput)),
		edge.To("health_records", HealthRecord.Type).
			Comment("Health records taken here.").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput)),
		edge.To("inspections", Inspection.Type).
			Comment("Supervisory inspections.").
			Annotations(entgql.RelayConnection(), noWherePredicate),
		edge.To("complaints", Complaint.Type).
			Comment("Complaints about this institution.").
			Annotations(entgql.RelayConnection(), noWherePredicate),
		edge.To("incidents", Incident.Type).
			Comment("Reported safety incidents.").
			Annotations(entgql.RelayConnection(), noWherePredicate),
	}
}

// Indexes of the Institution.
func (Institution) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("region_id"),
		index.Fields("form"),
		// nearbyInstitutions scans ranges of this column.
		index.Fields("s2_cell"),
	}
}

// Policy of the Institution: see policy.go.
func (Institution) Policy() ent.Policy {
	return policy(scoped[predicate.Institution, *gen.InstitutionQuery](readDirectory, institution.And), regulatorWriters...)
}

// Annotations of the Institution.
func (Institution) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A childcare provider registered with a health commission: a 托育机构, a kindergarten with 托班, an employer, community or home setting, or a guidance centre. Open over [openedAt, closedAt)."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
