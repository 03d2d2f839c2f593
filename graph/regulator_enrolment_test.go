package graph_test

import (
	"testing"

	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// TestRegulatorEndsOrMovesEnrolmentsOnly (README "Roles"): a regulator's
// updateEnrolment ends an enrolment of its region or moves it to another
// institution there (with that institution's seat, or none); the child,
// start date and service mode are the case record staff keep: FORBIDDEN on
// the input field, and nothing is written. Staff still change them.
func TestRegulatorEndsOrMovesEnrolmentsOnly(t *testing.T) {
	s := gqltest.New(t)
	f := newPersonal(t, s.Client)
	ctx := testdb.Ctx()
	const upd = `mutation($id: ID!, $in: UpdateEnrolmentInput!) { updateEnrolment(id: $id, input: $in) { id } }`
	id := nodeID(f.enrolA.ID)
	for _, tc := range []struct {
		in    map[string]any
		field string
	}{
		{map[string]any{"serviceMode": "HOURLY"}, "serviceMode"},
		{map[string]any{"childID": nodeID(f.childC.ID)}, "childID"},
		{map[string]any{"startDate": "2020-01-01"}, "startDate"},
		{map[string]any{"endDate": "2025-01-01", "startDate": "2024-09-02"}, "startDate"},
	} {
		for _, v := range []auth.Viewer{districtViewer, cityViewer, provinceViewer} {
			resp := s.DoAs(t, v, upd, map[string]any{"id": id, "in": tc.in})
			wantCodeField(t, resp, "FORBIDDEN", tc.field)
		}
	}
	// Another district's enrolment: its scope is checked first (id), so
	// the answer says nothing of its fields.
	wantCodeField(t, s.DoAs(t, districtViewer, upd, map[string]any{"id": nodeID(f.enrolB.ID), "in": map[string]any{"startDate": "2020-01-01"}}), "FORBIDDEN", "id")
	after := s.Client.Enrolment.GetX(ctx, f.enrolA.ID)
	if after.ChildID != f.childA.ID || after.ServiceMode != f.enrolA.ServiceMode || !after.StartDate.Equal(f.enrolA.StartDate) || after.EndDate != nil {
		t.Fatalf("the refused updates wrote: %+v", after)
	}

	// What a regulator may do: end it, correct the reason, and move it
	// (city: A in 和平, B in 沈河).
	if resp := s.DoAs(t, districtViewer, upd, map[string]any{"id": id, "in": map[string]any{"endDate": "2025-01-01", "exitReason": "MOVED"}}); len(resp.Errors) > 0 {
		t.Fatalf("ending: %s", resp.Body)
	}
	if resp := s.DoAs(t, districtViewer, upd, map[string]any{"id": id, "in": map[string]any{"clearExitReason": true}}); len(resp.Errors) > 0 {
		t.Fatalf("clearing the reason: %s", resp.Body)
	}
	// Reopening it is the institution's; re-sending the stored start date
	// and mode (an import sends whole rows) is no change.
	wantCodeField(t, s.DoAs(t, districtViewer, upd, map[string]any{"id": id, "in": map[string]any{"clearEndDate": true}}), "FORBIDDEN", "clearEndDate")
	same := map[string]any{"startDate": "2024-09-01", "serviceMode": "FULL_DAY", "childID": nodeID(f.childA.ID), "endDate": "2025-02-01"}
	if resp := s.DoAs(t, districtViewer, upd, map[string]any{"id": id, "in": same}); len(resp.Errors) > 0 {
		t.Fatalf("stored values re-sent: %s", resp.Body)
	}
	if resp := s.DoAs(t, cityViewer, upd, map[string]any{"id": id, "in": map[string]any{"institutionID": nodeID(f.instB.ID), "clearSeat": true}}); len(resp.Errors) > 0 {
		t.Fatalf("moving: %s", resp.Body)
	}
	// Staff keep the case record: B's staff correct the start date.
	if resp := s.DoAs(t, f.staffOfB(), upd, map[string]any{"id": id, "in": map[string]any{"startDate": "2024-09-02"}}); len(resp.Errors) > 0 {
		t.Fatalf("staff correcting the start date: %s", resp.Body)
	}
}
