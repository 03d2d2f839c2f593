package graph_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// TestIdentityConflictIsAnAuditedLookup (README "Identity, transfers and
// morning checks"): CONFLICT on idNumber tells the viewer that some child
// holds the number, so createChild and updateChild record it as a lookup
// (entity Child, field idNumber, the holder's ID) that is kept although the
// failed operation rolls everything else back; a viewer refused by the row
// policy gets FORBIDDEN before any lookup, and no row.
func TestIdentityConflictIsAnAuditedLookup(t *testing.T) {
	s := gqltest.New(t)
	f := newPersonal(t, s.Client)
	ctx := testdb.Ctx()
	taken := idNumber(t, "21010320250301123")
	holder, err := strconv.Atoi(registerChild(t, s, f.staffOfB(), "李一", map[string]any{"idNumber": taken}))
	if err != nil {
		t.Fatal(err)
	}
	lookups := func() (rows [][]int, subjects []string) {
		for _, r := range auditRows(t, s.Client) {
			if r.EntityType == "Child" && slices.Contains(r.Fields, "idNumber") {
				rows, subjects = append(rows, r.EntityIds), append(subjects, r.Subject+"/"+r.Operation)
			}
		}
		return rows, subjects
	}
	children := s.Client.Child.Query().CountX(ctx)

	// A batch: a free number first, the taken one last; the operation fails
	// and rolls back, the lookup stays.
	probe := `mutation Probe($free: String!, $taken: String!) {
	  b: createChild(input: {name: "x", sex: MALE, birthDate: "2025-03-01", idNumber: $free}) { id }
	  a: createChild(input: {name: "x", sex: MALE, birthDate: "2025-03-01", idNumber: $taken}) { id } }`
	resp := s.DoAs(t, f.staffOfA(), probe, map[string]any{"free": idNumber(t, "21010220250301124"), "taken": taken})
	wantCodeField(t, resp, "CONFLICT", "idNumber")
	if n := s.Client.Child.Query().CountX(ctx); n != children {
		t.Fatalf("children %d → %d: the failed operation wrote", children, n)
	}
	rows, who := lookups()
	if len(rows) != 1 || !slices.Equal(rows[0], []int{holder}) || who[0] != "staff-a/Probe" {
		t.Fatalf("idNumber lookups %v by %v; want one row [%d] by staff-a/Probe", rows, who, holder)
	}

	// Correcting a child of A's to the taken number: the same.
	own, _ := strconv.Atoi(registerChild(t, s, f.staffOfA(), "张二", nil))
	resp = s.DoAs(t, f.staffOfA(), `mutation Fix($id: ID!, $n: String!) { updateChild(id: $id, input: {idNumber: $n}) { id } }`,
		map[string]any{"id": nodeID(own), "n": taken})
	wantCodeField(t, resp, "CONFLICT", "idNumber")
	if rows, who = lookups(); len(rows) != 2 || !slices.Equal(rows[1], []int{holder}) || who[1] != "staff-a/Fix" {
		t.Fatalf("idNumber lookups %v by %v; want a second row [%d] by staff-a/Fix", rows, who, holder)
	}
	if s.Client.Child.Query().Where(child.ID(own), child.IDNumberHashNotNil()).ExistX(ctx) {
		t.Error("the refused correction was stored")
	}

	// Re-sending the child's own number is no conflict and no lookup.
	resp = s.DoAs(t, f.staffOfB(), `mutation Same($id: ID!, $n: String!) { updateChild(id: $id, input: {idNumber: $n}) { id } }`,
		map[string]any{"id": nodeID(holder), "n": taken})
	if len(resp.Errors) > 0 {
		t.Fatalf("own number again: %s", resp.Body)
	}

	// Refused by the row policy first: a regulator may not register
	// children, and A's staff may not correct B's child: FORBIDDEN, no lookup.
	resp = s.DoAs(t, districtViewer, `mutation { createChild(input: {name: "x", sex: MALE, birthDate: "2025-03-01", idNumber: "`+taken+`"}) { id } }`, nil)
	wantCodeField(t, resp, "FORBIDDEN", "")
	resp = s.DoAs(t, f.staffOfA(), `mutation($id: ID!, $n: String!) { updateChild(id: $id, input: {idNumber: $n}) { id } }`,
		map[string]any{"id": nodeID(f.childB.ID), "n": taken})
	wantCodeField(t, resp, "FORBIDDEN", "id")
	if rows, _ = lookups(); len(rows) != 2 {
		t.Errorf("%d idNumber lookups; want still 2", len(rows))
	}
}
