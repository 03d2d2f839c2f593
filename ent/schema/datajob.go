package schema

import (
	"context"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/predicate"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/auth"
)

// DataJob is one import or export run on the background queue
// (internal/jobs): what was asked, by whom, how far it got and how it
// ended. Its bytes (the uploaded file, the export's output) are DataChunks.
// Only the principal who submitted a job reads it; the queue writes it.
type DataJob struct{ ent.Schema }

// Fields of the DataJob.
func (DataJob) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").
			GoType(schematype.DataJobKind("")).
			Annotations(EnumDoc{"IMPORT": "A file read into the database.", "EXPORT": "Rows written out to a file."}).
			Comment("IMPORT or EXPORT."),
		field.String("entity").
			NotEmpty().
			MaxLen(64).
			Comment("The registry entity imported or exported (internal/registry name, e.g. institutions)."),
		field.Enum("format").
			GoType(schematype.DataFormat("")).
			Annotations(EnumDoc{"CSV": "Comma-separated values, UTF-8.", "XLSX": "Excel workbook."}).
			Comment("File format."),
		field.Enum("state").
			GoType(schematype.DataJobState("")).
			Default(string(schematype.DataJobStateQueued)).
			Annotations(EnumDoc{
				"QUEUED":    "Waiting for a worker.",
				"RUNNING":   "A worker is on it.",
				"SUCCEEDED": "Done: rows written (or, for a dry run, checked) or the export ready.",
				"FAILED":    "The file had invalid rows; nothing was written, see the errors.",
				"ERROR":     "The job could not run; nothing was written.",
			}).
			Comment("Where the job is."),
		field.Bool("dry_run").
			Default(false).
			Comment("Imports: check only, write nothing."),
		field.String("file_name").
			Optional().
			MaxLen(255).
			Comment("The uploaded file's name, as the client sent it."),
		field.String("file_hash").
			Optional().
			MaxLen(64).
			Comment("SHA-256 (hex) of the uploaded file or of the export's output."),
		field.Int64("file_size").
			Default(0).
			NonNegative().
			Comment("Bytes of the uploaded file or of the export's output."),
		field.Int("rows_done").
			Default(0).
			NonNegative().
			Comment("Rows processed so far (updated at a bounded rate)."),
		field.Int("rows_total").
			Default(0).
			NonNegative().
			Comment("Rows in the file (imports; 0 until known) or rows written (exports, when done)."),
		field.Int("created_count").
			Default(0).
			NonNegative().
			Comment("Imports: rows created."),
		field.Int("updated_count").
			Default(0).
			NonNegative().
			Comment("Imports: rows updated."),
		field.Int("unchanged_count").
			Default(0).
			NonNegative().
			Comment("Imports: rows already as in the file."),
		field.Int("deleted_count").
			Default(0).
			NonNegative().
			Comment("Imports: stored rows the file removed (only work-calendar files remove rows: the days of a year they no longer list)."),
		field.JSON("row_errors", []schematype.DataRowError{}).
			Optional().
			Comment("Imports: the first 1,000 row errors."),
		field.Int("error_count").
			Default(0).
			NonNegative().
			Comment("Imports: all row errors, of which row_errors holds the first 1,000."),
		field.String("error_message").
			Optional().
			MaxLen(500).
			Comment("State ERROR: what went wrong, without internal details."),
		field.Bytes("where_json").
			Optional().
			Comment("Exports: the filter (the entity's WhereInput as JSON)."),
		field.String("requester_subject").
			NotEmpty().
			MaxLen(300).
			Comment("Token subject or API key principal of the submitter: the only one who reads the job."),
		field.String("requester_role").
			NotEmpty().
			MaxLen(40).
			Comment("The submitter's role; the worker runs as this viewer."),
		field.String("requester_region").
			Optional().
			MaxLen(12).
			Comment("The submitter's region code."),
		field.Int("requester_institution").
			Default(0).
			Comment("The submitter's institution (INSTITUTION_STAFF), else 0."),
		field.String("requester_key_id").
			Optional().
			MaxLen(64).
			Comment("The API key id the submitter used, if any."),
		field.Time("created_at").
			Default(time.Now).
			Immutable().
			Comment("When the job was submitted."),
		field.Time("started_at").
			Optional().
			Nillable().
			Comment("When a worker last started it."),
		field.Time("finished_at").
			Optional().
			Nillable().
			Comment("When it ended."),
		field.Time("expires_at").
			Comment("When the job and its data are deleted by the expiry job."),
	}
}

// Edges of the DataJob.
func (DataJob) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("chunks", DataChunk.Type).
			Annotations(entsql.OnDelete(entsql.Cascade)).
			Comment("The job's stored bytes."),
	}
}

// Indexes of the DataJob.
func (DataJob) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("requester_subject", "created_at"),
		index.Fields("expires_at"),
		index.Fields("state"),
	}
}

// Policy of the DataJob: a viewer reads only the jobs it submitted (a
// regulator does not see others' jobs either); only the queue (trusted
// code) writes.
func (DataJob) Policy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{requesterOnly()},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}

// requesterOnly restricts DataJob reads to the viewer's own jobs. A job
// belongs to the whole principal that submitted it — subject, role,
// region, institution and API key — not to the subject alone: the same
// subject with another role or scope (a staff member moved to another
// institution, a regulator demoted, a second token of one account) must
// not read an export made under a wider scope.
func requesterOnly() privacy.QueryRule {
	return privacy.DataJobQueryRuleFunc(func(ctx context.Context, q *gen.DataJobQuery) error {
		v := auth.FromContext(ctx)
		if v.Role == auth.Public || v.Subject == "" {
			return privacy.Denyf("jobs belong to a signed-in principal")
		}
		// (literal columns: the schema cannot use code generated from itself)
		q.Where(predicate.DataJob(sql.AndPredicates(
			sql.FieldEQ("requester_subject", v.Subject),
			sql.FieldEQ("requester_role", string(v.Role)),
			sql.FieldEQ("requester_region", v.RegionCode),
			sql.FieldEQ("requester_institution", v.InstitutionID),
			sql.FieldEQ("requester_key_id", v.KeyID),
		)))
		return privacy.Allow
	})
}

// Annotations of the DataJob.
func (DataJob) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Table("data_jobs"),
		entgql.Skip(entgql.SkipAll),
		schema.Comment("A background import or export job, readable by its submitter only."),
	}
}

// DataChunk is a slice (at most 1 MiB) of a DataJob's bytes: the uploaded
// file or the export's output, stored in the database so that any server
// instance can run the job or serve the download, streamed in and out so
// memory stays bounded whatever the size.
type DataChunk struct{ ent.Schema }

// Fields of the DataChunk.
func (DataChunk) Fields() []ent.Field {
	return []ent.Field{
		field.Int("data_job_id").
			Comment("The job the bytes belong to."),
		field.Enum("part").
			Values("UPLOAD", "OUTPUT").
			Annotations(EnumDoc{"UPLOAD": "The uploaded file.", "OUTPUT": "The export's output."}).
			Comment("Which of the job's files this is a piece of."),
		field.Int("seq").
			NonNegative().
			Comment("Position of the chunk in its file, from 0."),
		field.Bytes("data").
			Comment("The bytes."),
	}
}

// Edges of the DataChunk.
func (DataChunk) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("job", DataJob.Type).
			Ref("chunks").
			Field("data_job_id").
			Unique().
			Required().
			Comment("The job."),
	}
}

// Indexes of the DataChunk.
func (DataChunk) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("data_job_id", "part", "seq").Unique(),
	}
}

// Policy of the DataChunk: only the queue and the download handler (trusted
// code, after checking the job's owner) read or write bytes.
func (DataChunk) Policy() ent.Policy { return systemOnly() }

// Annotations of the DataChunk.
func (DataChunk) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Table("data_chunks"),
		entgql.Skip(entgql.SkipAll),
		schema.Comment("A piece of a data job's file."),
	}
}
