package graph_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/auditlog"
	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/audit"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// auditRows returns every audit row, oldest first and by entity type.
func auditRows(t testing.TB, c *ent.Client) []*ent.AuditLog {
	t.Helper()
	return c.AuditLog.Query().Order(ent.Asc(auditlog.FieldID)).AllX(testdb.Ctx())
}

// auditRow is what the audit tests compare of a row: the entity, the IDs
// read and the field names.
type auditRow struct {
	Entity string
	IDs    []int
	Fields []string
}

func auditRowOf(r *ent.AuditLog) auditRow { return auditRow{r.EntityType, r.EntityIds, r.Fields} }

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func sortedIDs(xs ...int) []int { slices.Sort(xs); return xs }

// TestAuditOneRowPerOperationAndEntityType: a query reading children's names
// and birth dates and their health records writes exactly one row per entity
// type, with who, what and which, and no value.
func TestAuditOneRowPerOperationAndEntityType(t *testing.T) {
	s := gqltest.New(t)
	f := newPersonal(t, s.Client)
	const query = `query ChildHealth {
	  children(first: 10) { edges { node { id name again: name birthDate
	    healthRecords(first: 10) { edges { node { id heightCm weightKg notes } } } } } }
	}`
	before := time.Now().Add(-time.Second)
	var got struct {
		Children struct {
			Edges []struct{ Node struct{ Name string } }
		}
	}
	s.DoAs(t, districtViewer, query, nil).Decode(t, &got)
	if len(got.Children.Edges) != 2 {
		t.Fatalf("children = %+v; want A and C", got.Children.Edges)
	}
	rows := auditRows(t, s.Client)
	if len(rows) != 2 {
		t.Fatalf("%d audit rows; want 2 (Child, HealthRecord): %s", len(rows), jsonOf(t, rows))
	}
	want := []struct {
		entity string
		ids    []int
		fields []string
	}{
		{"Child", sortedIDs(f.childA.ID, f.childC.ID), []string{"birthDate", "id", "name"}},
		{"HealthRecord", sortedIDs(f.healthA.ID), []string{"heightCm", "id", "notes", "weightKg"}},
	}
	slices.SortFunc(rows, func(a, b *ent.AuditLog) int { return strings.Compare(a.EntityType, b.EntityType) })
	for i, r := range rows {
		w := want[i]
		if r.EntityType != w.entity || !slices.Equal(r.EntityIds, w.ids) || !slices.Equal(r.Fields, w.fields) {
			t.Errorf("row %d: %s %v %v; want %s %v %v", i, r.EntityType, r.EntityIds, r.Fields, w.entity, w.ids, w.fields)
		}
		if r.Subject != districtViewer.Subject || r.Role != "DISTRICT_REGULATOR" || r.RegionCode != "210102" ||
			r.InstitutionID != 0 || r.Operation != "ChildHealth" || r.DocumentHash != sha256Hex(query) {
			t.Errorf("row %d: who/what = %s %s %s %d %s %s", i, r.Subject, r.Role, r.RegionCode, r.InstitutionID, r.Operation, r.DocumentHash)
		}
		if r.At.Before(before) || r.At.After(time.Now().Add(time.Second)) {
			t.Errorf("row %d at %v; want about now", i, r.At)
		}
	}
	// Never a value, clear or masked.
	assertNoPersonalValue(t, f, jsonOf(t, rows), true)

	// Running the operation again writes again: one row per entity type per operation.
	s.DoAs(t, districtViewer, query, nil).Decode(t, &got)
	if n := len(auditRows(t, s.Client)); n != 4 {
		t.Errorf("%d rows after the second run; want 4", n)
	}
}

// TestAuditNothingSensitiveNoRow: institutions, seats, staff, regions and
// the audit trail itself are not reads of children's rows (IDs and counts of
// children, enrolments and health records are: TestFilteredReadsAreAudited).
func TestAuditNothingSensitiveNoRow(t *testing.T) {
	s := gqltest.New(t)
	newPersonal(t, s.Client)
	for _, q := range []string{
		`{ institutions(first: 10) { totalCount edges { node { id name seats { totalCount } } } } }`,
		`{ staff { edges { node { id name } } } regions(where: {code: "210102"}) { edges { node { id } } } }`,
	} {
		if resp := s.DoAs(t, districtViewer, q, nil); len(resp.Errors) > 0 {
			t.Fatalf("%s: %s", q, resp.Body)
		}
	}
	if resp := s.DoAs(t, provinceViewer, `{ auditLogs { totalCount edges { node { entityType fields } } } }`, nil); len(resp.Errors) > 0 {
		t.Fatal(resp.Body)
	}
	if rows := auditRows(t, s.Client); len(rows) != 0 {
		t.Fatalf("audit rows written for non-sensitive reads: %s", jsonOf(t, rows))
	}
}

// TestAuditEveryPath: nested edges, node, nodes, masked reads and mutation
// results are audited with the IDs of the records actually read.
func TestAuditEveryPath(t *testing.T) {
	s := gqltest.New(t)
	f := newPersonal(t, s.Client)
	type row = auditRow
	tests := []struct {
		name   string
		viewer auth.Viewer
		query  string
		vars   map[string]any
		want   []row
	}{
		{"institution → enrolments → child", f.staffOfA(),
			`query Nested { institutions { edges { node { enrolments { edges { node { startDate child { name } } } } } } } }`, nil,
			[]row{{"Child", sortedIDs(f.childA.ID), []string{"name"}}, {"Enrolment", sortedIDs(f.enrolA.ID), []string{"child", "startDate"}}}},
		{"node", f.staffOfA(),
			`query ByNode($id: ID!) { node(id: $id) { id ... on Child { guardianPhone residenceRegion { name } } } }`, map[string]any{"id": nodeID(f.childA.ID)},
			[]row{{"Child", sortedIDs(f.childA.ID), []string{"guardianPhone", "id", "residenceRegion"}}}},
		{"nodes", districtViewer,
			`query ByNodes($ids: [ID!]!) { nodes(ids: $ids) { ... on Child { name } ... on HealthRecord { temperatureC kind } } }`,
			map[string]any{"ids": []string{nodeID(f.childA.ID), nodeID(f.healthA.ID), nodeID(f.childC.ID)}},
			[]row{{"Child", sortedIDs(f.childA.ID, f.childC.ID), []string{"name"}}, {"HealthRecord", sortedIDs(f.healthA.ID), []string{"kind", "temperatureC"}}}},
		{"health record → child, masked for the city", cityViewer,
			`query CityHealth { healthRecords { edges { node { heightCm child { sex birthDate } } } } }`, nil,
			[]row{{"Child", sortedIDs(f.childA.ID, f.childB.ID), []string{"birthDate", "sex"}}, {"HealthRecord", sortedIDs(f.healthA.ID, f.healthB.ID), []string{"child", "heightCm"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(auditRows(t, s.Client))
			if resp := s.DoAs(t, tc.viewer, tc.query, tc.vars); len(resp.Errors) > 0 {
				t.Fatal(resp.Body)
			}
			var got []row
			for _, r := range auditRows(t, s.Client)[before:] {
				if r.Subject != tc.viewer.Subject || r.Role != string(tc.viewer.Role) || r.InstitutionID != tc.viewer.InstitutionID {
					t.Errorf("row of %s/%s/%d; want the viewer", r.Subject, r.Role, r.InstitutionID)
				}
				got = append(got, auditRowOf(r))
			}
			slices.SortFunc(got, func(a, b row) int { return strings.Compare(a.Entity, b.Entity) })
			if jsonOf(t, got) != jsonOf(t, tc.want) {
				t.Errorf("rows\n got %s\nwant %s", jsonOf(t, got), jsonOf(t, tc.want))
			}
		})
	}

	t.Run("mutation result, written in the mutation's transaction", func(t *testing.T) {
		before := len(auditRows(t, s.Client))
		var got struct{ CreateChild struct{ ID, Name string } }
		s.DoAs(t, f.staffOfA(), `mutation Register { createChild(input: {name: "孙丽", sex: FEMALE, birthDate: "2024-03-17"}) { id name } }`, nil).Decode(t, &got)
		rows := auditRows(t, s.Client)[before:]
		if len(rows) != 1 || rows[0].EntityType != "Child" || rows[0].Operation != "Register" ||
			len(rows[0].EntityIds) != 1 || nodeID(rows[0].EntityIds[0]) != got.CreateChild.ID || !slices.Equal(rows[0].Fields, []string{"id", "name"}) {
			t.Fatalf("rows = %s; want one Child row for %s", jsonOf(t, rows), got.CreateChild.ID)
		}
	})
}

// failingWriter is an audit store that is down.
type failingWriter struct {
	mu    sync.Mutex
	calls int
}

func (w *failingWriter) Write(context.Context, []audit.Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls++
	return errors.New("audit store down")
}

// TestAuditFailureWithholdsTheResponse: when the audit row cannot be written,
// no data leaves the server (data null, one INTERNAL error), and a mutation
// is rolled back; operations without sensitive reads are unaffected.
func TestAuditFailureWithholdsTheResponse(t *testing.T) {
	w := &failingWriter{}
	s := gqltest.New(t, gqltest.WithHandlerOptions(graph.HandlerOptions{AuditWriter: w}))
	f := newPersonal(t, s.Client)

	resp := s.DoAs(t, districtViewer, `query ChildHealth { children { edges { node { name healthRecords { edges { node { heightCm } } } } } } }`, nil)
	if string(resp.Data) != "null" || len(resp.Errors) != 1 || resp.Errors[0].Code() != graph.CodeInternal || resp.Errors[0].Message != "audit log unavailable" {
		t.Fatalf("response = %s; want data null and one INTERNAL \"audit log unavailable\"", resp.Body)
	}
	assertNoPersonalValue(t, f, resp.Body, true)
	if strings.Contains(resp.Body, "audit store down") {
		t.Errorf("the cause leaks: %s", resp.Body)
	}
	if w.calls != 1 {
		t.Errorf("writer called %d times; want 1", w.calls)
	}

	// A mutation whose audit write fails is rolled back: no data, no child.
	children := s.Client.Child.Query().CountX(testdb.Ctx())
	resp = s.DoAs(t, f.staffOfA(), `mutation { createChild(input: {name: "孙丽", sex: FEMALE, birthDate: "2024-03-17"}) { id name } }`, nil)
	if string(resp.Data) != "null" || len(resp.Errors) != 1 || resp.Errors[0].Code() != graph.CodeInternal {
		t.Fatalf("mutation response = %s; want data null and one INTERNAL", resp.Body)
	}
	if n := s.Client.Child.Query().CountX(testdb.Ctx()); n != children {
		t.Errorf("children %d → %d: the mutation was not rolled back", children, n)
	}

	// Nothing sensitive read: the writer is not asked and the data comes back.
	calls := w.calls
	var ok struct{ Institutions struct{ TotalCount int } }
	s.DoAs(t, districtViewer, `{ institutions { totalCount edges { node { id } } } }`, nil).Decode(t, &ok)
	if ok.Institutions.TotalCount != 1 || w.calls != calls {
		t.Errorf("totalCount %d, writer calls %d → %d; want 1 and no call", ok.Institutions.TotalCount, calls, w.calls)
	}
}

// TestAuditLogReadableByProvinceOnly: the province regulator reads the audit
// trail through the API; every other role is refused (FORBIDDEN from the
// AuditLog policy), and nobody can write it.
func TestAuditLogReadableByProvinceOnly(t *testing.T) {
	s := gqltest.New(t)
	f := newPersonal(t, s.Client)
	s.DoAs(t, districtViewer, `query Look { children { edges { node { name } } } }`, nil).Decode(t, &struct{}{})

	const q = `{ auditLogs { totalCount edges { node { subject role regionCode operation entityType entityIds fields documentHash } } } }`
	var got struct {
		AuditLogs struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					Subject, Role, Operation, EntityType string
					EntityIds                            []int
					Fields                               []string
				}
			}
		}
	}
	s.DoAs(t, provinceViewer, q, nil).Decode(t, &got)
	if got.AuditLogs.TotalCount != 1 || got.AuditLogs.Edges[0].Node.Subject != districtViewer.Subject ||
		got.AuditLogs.Edges[0].Node.Operation != "Look" || !slices.Equal(got.AuditLogs.Edges[0].Node.Fields, []string{"name"}) {
		t.Fatalf("province regulator reads %+v", got.AuditLogs)
	}
	for _, v := range []auth.Viewer{districtViewer, cityViewer, f.staffOfA(), biViewer, publicViewer} {
		resp := s.DoAs(t, v, q, nil)
		if !slices.Equal(resp.Codes(), []string{"FORBIDDEN"}) || string(resp.Data) != "null" {
			t.Errorf("%s: %s; want FORBIDDEN and no data", v.Role, resp.Body)
		}
	}
	// The schema has no mutation for audit logs, and the ent policy refuses
	// every write by a viewer.
	err := s.Client.AuditLog.Create().SetSubject("x").SetRole("x").SetDocumentHash("x").SetEntityType("Child").
		SetEntityIds([]int{1}).SetFields([]string{"name"}).Exec(auth.NewContext(context.Background(), &provinceViewer))
	if err == nil {
		t.Error("a province regulator wrote an audit row")
	}
}

// TestAuditRecordJSONHasNoValues: the default writer stores only what
// AuditRecord carries; a sanity check that the stored JSON columns are the
// IDs and field names.
func TestAuditRecordJSONHasNoValues(t *testing.T) {
	s := gqltest.New(t)
	f := newPersonal(t, s.Client)
	s.DoAs(t, f.staffOfA(), `{ children { edges { node { name birthDate guardianName guardianPhone healthRecords { edges { node { heightCm weightKg headCm temperatureC notes } } } } } } }`, nil).Decode(t, &struct{}{})
	var raw []string
	rows, err := s.SQL.QueryContext(testdb.Ctx(), "SELECT entity_ids, fields FROM audit_logs")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var idsJSON, fieldsJSON string
		if err := rows.Scan(&idsJSON, &fieldsJSON); err != nil {
			t.Fatal(err)
		}
		var fields []string
		if err := json.Unmarshal([]byte(fieldsJSON), &fields); err != nil {
			t.Fatalf("fields column %q: %v", fieldsJSON, err)
		}
		raw = append(raw, idsJSON, fieldsJSON)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(raw) != 4 {
		t.Fatalf("columns %v; want two rows", raw)
	}
	assertNoPersonalValue(t, f, strings.Join(raw, " "), true)
}
