package schema

import (
	"context"
	"fmt"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/finding"
	"github.com/tuoyu/tuoyu/ent/hook"
	"github.com/tuoyu/tuoyu/ent/inspection"
	"github.com/tuoyu/tuoyu/ent/predicate"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/bulkload"
)

// Inspection is a supervisory visit to an institution by a regulator.
type Inspection struct{ ent.Schema }

// Mixin of the Inspection.
func (Inspection) Mixin() []ent.Mixin { return []ent.Mixin{TimestampsMixin{}} }

// Fields of the Inspection.
func (Inspection) Fields() []ent.Field {
	return []ent.Field{
		field.Int("institution_id").
			Comment("The inspected institution. Cannot change (CONFLICT) once the inspection recorded a finding reported rectified or verified, or as a re-inspection verified findings."),
		dateField("inspected_on", "Day of the visit. Not after the deadline of a finding it recorded (BAD_USER_INPUT), nor after the rectifiedAt or correctedAt of one (CONFLICT); cannot change (CONFLICT) once, as a re-inspection, it verified findings: their correctedAt is this day.", entgql.OrderField("INSPECTED_ON")),
		field.Enum("kind").
			Values("ROUTINE", "SPECIAL", "FOLLOW_UP", "COMPLAINT").
			Annotations(EnumDoc{"ROUTINE": "日常 routine inspection.", "SPECIAL": "专项 special (thematic) inspection.", "FOLLOW_UP": "复查 follow-up of earlier findings.", "COMPLAINT": "投诉核查 inspection to verify a complaint."}).
			Comment("ROUTINE 日常, SPECIAL 专项, FOLLOW_UP 复查, COMPLAINT 投诉核查. A FOLLOW_UP that verified findings (verifyFinding) stays FOLLOW_UP (CONFLICT).").
			Annotations(entgql.Type("InspectionKind")),
		field.String("inspector").
			NotEmpty().
			MaxLen(200).
			Comment("Inspecting authority or team."),
		field.Enum("outcome").
			Values("PASSED", "CORRECTIONS_REQUIRED", "FAILED").
			Annotations(EnumDoc{"PASSED": "No violations, or only corrected on the spot.", "CORRECTIONS_REQUIRED": "Findings must be corrected by their deadlines.", "FAILED": "Failed: serious findings; sanctions may follow."}).
			Comment("Overall outcome.").
			Annotations(entgql.Type("InspectionOutcome")),
	}
}

// Edges of the Inspection.
func (Inspection) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("institution", Institution.Type).
			Ref("inspections").
			Field("institution_id").
			Unique().
			Required().
			Comment("The inspected institution."),
		edge.To("findings", Finding.Type).
			Comment("Findings recorded during the visit."),
		edge.To("verified_findings", Finding.Type).
			Comment("Earlier findings whose rectification this re-inspection verified (verifyFinding).").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Indexes of the Inspection.
func (Inspection) Indexes() []ent.Index {
	return []ent.Index{index.Fields("institution_id"), index.Fields("inspected_on")}
}

// Hooks of the Inspection.
func (Inspection) Hooks() []ent.Hook {
	return []ent.Hook{inspectionKeepsFindings}
}

// inspectionKeepsFindings keeps findings consistent with the inspections
// that recorded and verified them when an inspection is created or updated:
//
//   - findings attached to it (findingIDs, addFindingIDs) and, when its
//     day or institution changes, the findings it recorded must fit it as
//     placeFinding says (deadline not before its day; a finding reported
//     rectified or verified stays with its institution and dates);
//   - a re-inspection that verified findings (verifiedFindings) keeps its
//     kind (FOLLOW_UP), institution and day: each verification rests on
//     them, correctedAt is its day, and a verification is final (CONFLICT).
func inspectionKeepsFindings(next gen.Mutator) gen.Mutator {
	return hook.InspectionFunc(func(ctx context.Context, m *gen.InspectionMutation) (gen.Value, error) {
		if bulkload.From(ctx) || !m.Op().Is(gen.OpCreate|gen.OpUpdateOne) {
			return next.Mutate(ctx, m)
		}
		added := m.FindingsIDs()
		_, moveDay := m.InspectedOn()
		newInstitution, moveInstitution := m.InstitutionID()
		newKind, setKind := m.Kind()
		id, update := m.ID()
		if len(added) == 0 && !(update && (moveDay || moveInstitution || setKind)) {
			return next.Mutate(ctx, m)
		}
		day, _ := mutationTime(ctx, m, "inspected_on")
		institution := newInstitution
		if !moveInstitution {
			old, err := m.OldInstitutionID(ctx)
			if err != nil {
				return nil, fmt.Errorf("inspection findings: %w", err)
			}
			institution = old
		}
		if update && moveInstitution {
			old, err := m.OldInstitutionID(ctx)
			if err != nil {
				return nil, fmt.Errorf("inspection findings: %w", err)
			}
			moveInstitution = old != newInstitution
		}
		if update && moveDay {
			old, err := m.OldInspectedOn(ctx)
			if err != nil {
				return nil, fmt.Errorf("inspection findings: %w", err)
			}
			moveDay = !old.Equal(day)
		}
		sys := privacy.DecisionContext(ctx, privacy.Allow)
		c := m.Client()
		if len(added) > 0 {
			field := "findingIDs"
			if update {
				field = "addFindingIDs"
			}
			fs, err := c.Finding.Query().Where(finding.IDIn(added...)).WithInspection().All(sys)
			if err != nil {
				return nil, fmt.Errorf("inspection findings: %w", err)
			}
			if err := placeFindings(fs, institution, day, field); err != nil {
				return nil, err
			}
		}
		if !update || !(moveDay || moveInstitution || setKind) {
			return next.Mutate(ctx, m)
		}
		if moveDay || moveInstitution {
			fs, err := c.Finding.Query().Where(finding.InspectionID(id)).WithInspection().All(sys)
			if err != nil {
				return nil, fmt.Errorf("inspection findings: %w", err)
			}
			field := "institution_id"
			if moveDay {
				field = "inspected_on" // a day and an institution changed at once: the day is named
			}
			if err := placeFindings(fs, institution, day, field); err != nil {
				return nil, err
			}
		}
		verified, err := c.Finding.Query().Where(finding.VerifiedByID(id)).Exist(sys)
		if err != nil {
			return nil, fmt.Errorf("inspection findings: %w", err)
		}
		if !verified {
			return next.Mutate(ctx, m)
		}
		const why = "the re-inspection verified findings (verifiedFindings): a verification is final and rests on its kind, institution and day"
		switch {
		case setKind && newKind != inspection.KindFOLLOW_UP:
			return nil, &apperr.FieldError{Field: "kind", Message: "cannot change: " + why, Kind: apperr.ErrConflict}
		case moveInstitution:
			return nil, &apperr.FieldError{Field: "institution_id", Message: "cannot change: " + why, Kind: apperr.ErrConflict}
		case moveDay:
			return nil, &apperr.FieldError{Field: "inspected_on", Message: "cannot change: " + why + " (correctedAt is its day)", Kind: apperr.ErrConflict}
		}
		return next.Mutate(ctx, m)
	})
}

// placeFindings applies placeFinding to each of fs.
func placeFindings(fs []*gen.Finding, institution int, day time.Time, field string) error {
	for _, f := range fs {
		if err := placeFinding(f, institution, day, field); err != nil {
			return err
		}
	}
	return nil
}

// Policy of the Inspection: see policy.go.
func (Inspection) Policy() ent.Policy {
	return policy(scoped[predicate.Inspection, *gen.InspectionQuery](readRegistry, inspection.HasInstitutionWith), regulatorWriters...)
}

// Annotations of the Inspection.
func (Inspection) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A supervisory visit (监督检查) to an institution by a regulator, with its outcome and findings."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
