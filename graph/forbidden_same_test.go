package graph_test

import (
	"testing"

	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// TestForbiddenReferenceSaysNothingOfExistence (README "Errors"): a
// reference to a record that does not exist and one to a record outside the
// viewer's write scope get the same code, field and message, so a write
// cannot probe which records exist elsewhere. Who registered a child is said
// only to staff who can read the child.
func TestForbiddenReferenceSaysNothingOfExistence(t *testing.T) {
	s := gqltest.New(t)
	f := newPersonal(t, s.Client)
	ctx := testdb.Ctx()
	const missing = 1 << 20 // added to an ID of the type: no such row
	// D: registered by B, never enrolled at A (A cannot read it);
	// E: registered by B, enrolled at A (A reads it).
	childD := s.Client.Child.Create().SetName("周一").SetSex("MALE").SetBirthDate(civil.D(2024, 2, 1)).
		SetRegisteredByInstitutionID(f.instB.ID).SaveX(ctx)
	childE := s.Client.Child.Create().SetName("吴二").SetSex("MALE").SetBirthDate(civil.D(2024, 2, 1)).
		SetRegisteredByInstitutionID(f.instB.ID).SaveX(ctx)
	s.Client.Enrolment.Create().SetChild(childE).SetInstitution(f.instA).
		SetServiceMode(schematype.ServiceModeFullDay).SetStartDate(civil.D(2024, 9, 1)).SaveX(ctx)

	const (
		inspection  = `mutation($i: ID!) { createInspection(input: {institutionID: $i, inspectedOn: "2026-01-05", kind: ROUTINE, inspector: "x", outcome: PASSED}) { id } }`
		institution = `mutation($i: ID!) { updateInstitution(id: $i, input: {name: "x"}) { id } }`
		addSeat     = `mutation($a: ID!, $i: ID!) { updateInstitution(id: $a, input: {addSeatIDs: [$i]}) { id } }`
		enrol       = `mutation($i: ID!) { updateEnrolment(id: $i, input: {endDate: "2026-01-05", exitReason: MOVED}) { id } }`
		updChild    = `mutation($i: ID!) { updateChild(id: $i, input: {guardianPhone: "13900000000"}) { id } }`
	)
	seatB := s.Client.Seat.Create().SetInstitution(f.instB).SetAgeBand("INFANT").SetOpenedAt(civil.D(2023, 1, 1)).SaveX(ctx)
	vars := func(id int, extra ...any) map[string]any {
		m := map[string]any{"i": nodeID(id)}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i].(string)] = extra[i+1]
		}
		return m
	}
	tests := []struct {
		name            string
		viewer          auth.Viewer
		doc             string
		elsewhere, none map[string]any
		field           string
	}{
		{"createInspection institutionID", districtViewer, inspection, vars(f.instB.ID), vars(f.instB.ID + missing), "institutionID"},
		{"updateInstitution id", districtViewer, institution, vars(f.instB.ID), vars(f.instB.ID + missing), "id"},
		{"updateInstitution addSeatIDs", districtViewer, addSeat, vars(seatB.ID, "a", nodeID(f.instA.ID)), vars(seatB.ID+missing, "a", nodeID(f.instA.ID)), "addSeatIDs"},
		{"updateEnrolment id", districtViewer, enrol, vars(f.enrolB.ID), vars(f.enrolB.ID + missing), "id"},
		{"updateEnrolment id, staff", f.staffOfA(), enrol, vars(f.enrolB.ID), vars(f.enrolB.ID + missing), "id"},
		{"updateChild of a child another institution registered, unreadable", f.staffOfA(), updChild, vars(childD.ID), vars(childD.ID + missing), "id"},
		{"updateChild of a child of another district", f.staffOfA(), updChild, vars(f.childB.ID), vars(f.childB.ID + missing), "id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := s.DoAs(t, tc.viewer, tc.doc, tc.elsewhere)
			b := s.DoAs(t, tc.viewer, tc.doc, tc.none)
			wantCodeField(t, a, "FORBIDDEN", tc.field)
			wantCodeField(t, b, "FORBIDDEN", tc.field)
			if a.Errors[0].Message != b.Errors[0].Message {
				t.Errorf("messages differ:\n out of scope %q\n missing      %q", a.Errors[0].Message, b.Errors[0].Message)
			}
		})
	}

	// A child A's staff can read but B registered: FORBIDDEN on id, with the
	// reason (A knows the child; only B corrects its record).
	resp := s.DoAs(t, f.staffOfA(), updChild, vars(childE.ID))
	wantCodeField(t, resp, "FORBIDDEN", "id")
	unreadable := s.DoAs(t, f.staffOfA(), updChild, vars(childD.ID))
	if resp.Errors[0].Message == unreadable.Errors[0].Message {
		t.Errorf("a readable child registered elsewhere is answered like a missing one: %q", resp.Errors[0].Message)
	}
}
