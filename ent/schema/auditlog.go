package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// AuditLog is one append-only record of an operation that read children's
// personal or health data (PIPL Art. 28/55: a processing record kept at least
// three years): who, in which role, which operation, which records and
// fields — never the values.
type AuditLog struct{ ent.Schema }

// Fields of the AuditLog.
func (AuditLog) Fields() []ent.Field {
	readOnly := entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)
	return []ent.Field{
		field.Time("at").
			Default(time.Now).
			Immutable().
			Comment("When the operation ran.").
			Annotations(readOnly, entgql.OrderField("AT")),
		field.String("subject").
			Comment("Who: the token subject or API key of the viewer."),
		field.String("role").
			Comment("The viewer's role."),
		field.String("region_code").
			Optional().
			Comment("The viewer's region scope, if any."),
		field.Int("institution_id").
			Optional().
			Comment("The viewer's institution (INSTITUTION_STAFF), 0 otherwise."),
		field.String("operation").
			Optional().
			Comment("The GraphQL operation name."),
		field.String("document_hash").
			Comment("SHA-256 of the GraphQL document, to find the exact query."),
		field.String("entity_type").
			Comment("Type of the records read, e.g. Child or HealthRecord."),
		field.JSON("entity_ids", []int{}).
			Comment("IDs of the records read."),
		field.JSON("fields", []string{}).
			Comment("Names of the sensitive fields read (never their values)."),
	}
}

// Indexes of the AuditLog.
func (AuditLog) Indexes() []ent.Index {
	return []ent.Index{index.Fields("at"), index.Fields("subject")}
}

// Policy of the AuditLog: PROVINCE_REGULATOR reads the rows of its region
// (auditScope); only the server writes, and nothing updates or deletes.
func (AuditLog) Policy() ent.Policy { return auditPolicy() }

// Annotations of the AuditLog.
func (AuditLog) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One append-only audit record: an operation that read children's personal or health data (who, when, which records and field names; never values). Readable by PROVINCE_REGULATOR only, and only the rows of its province: of the institutions in it (staff) and of the viewers whose region lies in it (regulators, BI accounts). The server's own rows that span every region (the retention purge) are read in the database only."),
		entgql.RelayConnection(),
		entgql.QueryField(),
	}
}
