package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/complaint"
	"github.com/tuoyu/tuoyu/ent/predicate"
)

// Complaint is a complaint received about an institution.
type Complaint struct{ ent.Schema }

// Mixin of the Complaint.
func (Complaint) Mixin() []ent.Mixin {
	return []ent.Mixin{TimestampsMixin{}}
}

// Fields of the Complaint.
func (Complaint) Fields() []ent.Field {
	return []ent.Field{
		field.Int("institution_id").
			Comment("The institution complained about."),
		dateField("received_at", "Day the complaint was received.", entgql.OrderField("RECEIVED_AT")),
		optionalDateField("closed_at", "Day it was closed; null while open."),
		field.Enum("channel").
			Values("HOTLINE", "ONLINE", "LETTER", "VISIT", "OTHER").
			Annotations(EnumDoc{"HOTLINE": "By telephone hotline (12345 or 12320).", "ONLINE": "Through an online portal or app.", "LETTER": "By letter.", "VISIT": "In person at the commission.", "OTHER": "Any other channel."}).
			Comment("How it arrived: HOTLINE (12345/12320), ONLINE, LETTER, VISIT, OTHER.").
			Annotations(entgql.Type("ComplaintChannel")),
		field.String("category").
			NotEmpty().
			MaxLen(100).
			Comment("Subject, e.g. 安全, 收费, 卫生."),
		field.String("resolution").
			MaxLen(2000).
			Optional().
			Comment("How it was resolved."),
	}
}

// Edges of the Complaint.
func (Complaint) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("institution", Institution.Type).
			Ref("complaints").
			Field("institution_id").
			Unique().
			Required().
			Comment("The institution complained about."),
	}
}

// Indexes of the Complaint.
func (Complaint) Indexes() []ent.Index {
	return []ent.Index{index.Fields("institution_id"), index.Fields("received_at")}
}

// Hooks of the Complaint.
func (Complaint) Hooks() []ent.Hook {
	return []ent.Hook{orderedDatesHook("received_at", "closed_at", true)}
}

// Policy of the Complaint: see policy.go.
func (Complaint) Policy() ent.Policy {
	return policy(scoped[predicate.Complaint, *gen.ComplaintQuery](readRegistry, complaint.HasInstitutionWith), regulatorWriters...)
}

// Annotations of the Complaint.
func (Complaint) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A complaint received about an institution, from receipt to resolution."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
