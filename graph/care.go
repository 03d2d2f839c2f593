package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/lib/pq"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/graph/model"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/audit"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/dailycheck"
	"github.com/tuoyu/tuoyu/internal/ident"
	"github.com/tuoyu/tuoyu/internal/pii"
)

// One identity per child (README "Identity, transfers and morning checks"):
// a child's identity document is stored as the keyed hash of its type and
// number, unique across children; staff's registrations belong to their
// institution; another institution enrols the child by presenting its number.

// childDocument validates number as a document of docType (RESIDENT_ID when
// nil) and returns what is stored of it. field names the input in errors.
func (r *Resolver) childDocument(field string, docType *child.IDDocumentType, number string) (child.IDDocumentType, identityNumber, error) {
	typ := child.IDDocumentTypeRESIDENT_ID
	if docType != nil {
		typ = *docType
	}
	n, err := ident.NormalizeDocument(string(typ), number)
	if err != nil {
		return typ, identityNumber{}, apperr.Invalid(field, ident.DocumentRule(string(typ)))
	}
	if r.hasher == nil {
		return typ, identityNumber{}, errors.New("graph: no ID-number hasher configured")
	}
	return typ, identityNumber{hash: r.hasher.Hash(ident.DocumentKey(string(typ), n)), masked: pii.MaskIDNumber(n)}, nil
}

// errIdentityTaken answers a second registration of the same document. It
// says nothing of the child or the institution that holds the record.
var errIdentityTaken = &apperr.FieldError{Field: "id_number", Message: "is already registered for a child", Kind: apperr.ErrConflict}

// identityTaken answers CONFLICT when a child other than self (0 on create)
// holds the document hash. The answer tells the viewer that some child
// holds the number, so it is an audited lookup (entity Child, field
// idNumber, with the holder's ID) kept even when the mutation then fails and
// rolls back — as the childIdNumber lookup of createEnrolment is — so that
// nobody can probe numbers unrecorded by failing the operation on purpose.
// It looks as the system (the viewer may not read the holder); the caller
// has run the row policy first, so a viewer who may not make this write
// cannot probe at all.
func (r *Resolver) identityTaken(ctx context.Context, hash string, self int) error {
	q := r.db(ctx).Child.Query().Where(child.IDNumberHash(hash))
	if self != 0 {
		q.Where(child.IDNEQ(self))
	}
	holder, err := q.FirstID(privacy.DecisionContext(ctx, privacy.Allow))
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("graph: look up a child's ID number: %w", err)
	}
	return identityLookup(ctx, []int{holder})
}

// identityLookup records an idNumber lookup that found a child (holders: its
// ID, none when unknown) and returns the CONFLICT answer; without a
// collector the answer would go unaudited, so it fails closed.
func identityLookup(ctx context.Context, holders []int) error {
	c := audit.FromContext(ctx)
	if c == nil {
		return errUnaudited
	}
	c.AddLookup("Child", holders, "idNumber")
	return errIdentityTaken
}

// identityConflict turns the unique-index violation of children's document
// hash into CONFLICT on idNumber (the only unique index on children). It is
// reached only when another transaction registered the number after
// identityTaken looked: the lookup is audited all the same, without the
// holder's ID (on PostgreSQL the failed statement leaves the transaction
// unable to read it).
func identityConflict(ctx context.Context, err error) error {
	if err == nil || !ent.IsConstraintError(err) {
		return err
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" || strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return identityLookup(ctx, nil)
	}
	return err
}

// createChild registers a child; staff's registration belongs to their
// institution. The row policy runs before the number is looked up, so a
// viewer who may not register children cannot probe numbers.
func (r *Resolver) createChild(ctx context.Context, input model.CreateChildInput) (*ent.Child, error) {
	b := r.db(ctx).Child.Create().SetInput(input.CreateChildInput)
	var hash string
	switch {
	case input.IDNumber != nil:
		typ, id, err := r.childDocument("id_number", input.IDDocumentType, *input.IDNumber)
		if err != nil {
			return nil, err
		}
		b.SetIDDocumentType(typ).SetIDNumberHash(id.hash).SetIDNumberMasked(id.masked)
		hash = id.hash
	case input.IDDocumentType != nil:
		return nil, apperr.Invalid("id_number", "is required with idDocumentType")
	}
	if v := auth.FromContext(ctx); v.Role == auth.InstitutionStaff {
		b.SetRegisteredByInstitutionID(v.InstitutionID)
	}
	if err := r.uniqueIdentity(ctx, b.Mutation(), hash, 0); err != nil {
		return nil, err
	}
	c, err := b.Save(ctx)
	return c, identityConflict(ctx, err)
}

// uniqueIdentity runs the row policy of the write m (Save runs it again),
// then refuses a document hash another child holds (identityTaken). An
// empty hash (no number given) checks nothing.
func (r *Resolver) uniqueIdentity(ctx context.Context, m ent.Mutation, hash string, self int) error {
	if hash == "" {
		return nil
	}
	if err := child.Policy.EvalMutation(ctx, m); err != nil {
		return err
	}
	return r.identityTaken(ctx, hash, self)
}

// updateChild updates a child; a new number is validated for the given or
// stored document type. With a number, the row policy runs first (Save runs
// it again): the stored type is then read as the system, and a child the
// viewer may not write is FORBIDDEN on id as without a number.
func (r *Resolver) updateChild(ctx context.Context, id int, input model.UpdateChildInput) (*ent.Child, error) {
	client := r.db(ctx)
	b := client.Child.UpdateOneID(id).SetInput(input.UpdateChildInput)
	switch {
	case input.IDNumber != nil:
		if err := child.Policy.EvalMutation(ctx, b.Mutation()); err != nil {
			return nil, err
		}
		docType := input.IDDocumentType
		if docType == nil {
			old, err := client.Child.Get(privacy.DecisionContext(ctx, privacy.Allow), id)
			if err != nil {
				return nil, err
			}
			docType = old.IDDocumentType
		}
		typ, doc, err := r.childDocument("id_number", docType, *input.IDNumber)
		if err != nil {
			return nil, err
		}
		if err := r.identityTaken(ctx, doc.hash, id); err != nil {
			return nil, err
		}
		b.SetIDDocumentType(typ).SetIDNumberHash(doc.hash).SetIDNumberMasked(doc.masked)
	case input.IDDocumentType != nil:
		return nil, apperr.Invalid("id_number", "is required with idDocumentType")
	}
	c, err := b.Save(ctx)
	return c, identityConflict(ctx, err)
}

// createEnrolment enrols the child named by childID or childIdNumber.
func (r *Resolver) createEnrolment(ctx context.Context, input model.CreateEnrolmentInput) (*ent.Enrolment, error) {
	childID, ctx, err := r.enrolmentChild(ctx, input)
	if err != nil {
		return nil, err
	}
	return r.db(ctx).Enrolment.Create().SetInput(input.CreateEnrolmentInput).SetChildID(childID).Save(ctx)
}

// enrolmentChild resolves the child of a new enrolment. By number, it looks
// the child up as the system (the viewer may not see it yet), audits the
// lookup, and returns a context in which the row policy lets the viewer
// attach this one child.
func (r *Resolver) enrolmentChild(ctx context.Context, input model.CreateEnrolmentInput) (int, context.Context, error) {
	switch {
	case (input.ChildID == nil) == (input.ChildIDNumber == nil):
		return 0, ctx, apperr.Invalid("childID", "give exactly one of childID and childIdNumber")
	case input.ChildID != nil:
		return *input.ChildID, ctx, nil
	}
	// Only staff enrol, and only at their institution: checked before the
	// lookup so nobody else can probe which numbers are registered.
	v := auth.FromContext(ctx)
	if v.Role != auth.InstitutionStaff || input.InstitutionID != v.InstitutionID {
		return 0, ctx, &apperr.FieldError{Field: "institution_id", Message: "only the institution's staff enrol by ID number", Kind: apperr.ErrForbidden}
	}
	_, doc, err := r.childDocument("childIdNumber", input.ChildIDDocumentType, *input.ChildIDNumber)
	if err != nil {
		return 0, ctx, err
	}
	id, err := r.db(ctx).Child.Query().
		Where(child.IDNumberHash(doc.hash)).
		OnlyID(privacy.DecisionContext(ctx, privacy.Allow))
	if ent.IsNotFound(err) {
		return 0, ctx, apperr.Invalid("childIdNumber", "matches no registered child")
	}
	if err != nil {
		return 0, ctx, err
	}
	if c := audit.FromContext(ctx); c != nil {
		c.AddLookup("Child", []int{id}, "childIdNumber") // the lookup itself, whatever the response selects
	}
	return id, auth.WithPresentedChild(ctx, id), nil
}

// recordDailyChecks maps the mutation onto internal/dailycheck. Every input
// error of the request is reported, each with its checks[i].field path.
func (r *Resolver) recordDailyChecks(ctx context.Context, class dailycheck.Class) ([]model.DailyCheckResult, error) {
	results, err := dailycheck.Record(ctx, r.db(ctx), class)
	var many dailycheck.Errors
	if errors.As(err, &many) {
		for _, e := range many[:len(many)-1] {
			graphql.AddError(ctx, e)
		}
		return nil, many[len(many)-1]
	}
	if err != nil {
		return nil, err
	}
	out := make([]model.DailyCheckResult, len(results))
	for i, res := range results {
		outcome := model.DailyCheckOutcomeUpdated
		if res.Created {
			outcome = model.DailyCheckOutcomeCreated
		}
		out[i] = model.DailyCheckResult{Index: res.Index, ChildID: res.ChildID, Outcome: outcome, Record: res.Record}
	}
	return out, nil
}
