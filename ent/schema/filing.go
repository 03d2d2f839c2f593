package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/predicate"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
)

// Filing is one 备案 of an institution with the county-level health
// commission (托育机构登记和备案办法（试行）, 国卫办人口发〔2019〕25号).
type Filing struct{ ent.Schema }

// Mixin of the Filing.
func (Filing) Mixin() []ent.Mixin { return []ent.Mixin{TimestampsMixin{}} }

// Fields of the Filing.
func (Filing) Fields() []ent.Field {
	return []ent.Field{
		field.Int("institution_id").
			Comment("The institution that filed."),
		dateField("submitted_at", "Day the filing was submitted."),
		optionalDateField("receipt_at", "Day the receipt (回执) was issued; due within 5 working days of submission. An institution counts as filed from this day while the status is FILED or CHANGED."),
		field.Enum("status").
			Values("SUBMITTED", "FILED", "NONCOMPLIANT", "CHANGED", "CANCELLED").
			Annotations(EnumDoc{"SUBMITTED": "Submitted, awaiting review.", "FILED": "Accepted: receipt (回执) issued; counts as filed.", "NONCOMPLIANT": "A non-compliance notice was issued; does not count as filed.", "CHANGED": "Filed and since amended (变更备案); counts as filed.", "CANCELLED": "Withdrawn or cancelled (注销); no longer counts as filed, for earlier days either."}).
			Comment("SUBMITTED awaiting review, FILED receipt issued, NONCOMPLIANT notice issued, CHANGED filed and since amended, CANCELLED withdrawn.").
			Annotations(entgql.Type("FilingStatus"), entgql.OrderField("STATUS")),
		optionalDateField("noncompliance_notified_at", "Day the non-compliance notice was issued; due within 15 working days of submission."),
		field.JSON("documents", []schematype.FilingDocument{}).
			Optional().
			Comment("Documents attached to the filing.").
			Annotations(entgql.Type("[FilingDocument!]")),
	}
}

// Edges of the Filing.
func (Filing) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("institution", Institution.Type).
			Ref("filings").
			Field("institution_id").
			Unique().
			Required().
			Comment("The institution that filed."),
	}
}

// Indexes of the Filing.
func (Filing) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("institution_id"),
		index.Fields("receipt_at"),
		index.Fields("status"),
	}
}

// Hooks of the Filing.
func (Filing) Hooks() []ent.Hook {
	return []ent.Hook{
		orderedDatesHook("submitted_at", "receipt_at", true),
		orderedDatesHook("submitted_at", "noncompliance_notified_at", true),
	}
}

// Policy of the Filing: see policy.go.
func (Filing) Policy() ent.Policy {
	return policy(scoped[predicate.Filing, *gen.FilingQuery](readRegistry, filing.HasInstitutionWith), regulatorWriters...)
}

// Annotations of the Filing.
func (Filing) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One 备案 (filing) of an institution with the county-level health commission: submission, review, receipt (回执) or non-compliance notice. FILING_RATE counts institutions whose filing is FILED or CHANGED with a receipt."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
