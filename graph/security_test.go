package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/contrib/entgql"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/tuoyu/tuoyu/ent/auditlog"
	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/audit"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/metrics"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// idCard is an ID-card-shaped value a client might send; it must never come
// back in a message or reach the log.
const idCard = "110101199003074514"

// TestIntVariablesCoercedBeforeLimits (issue 7 item 2): an Int sent as a
// numeric string, or as a number beyond 32 bits, is refused before any
// limit or resolver runs, wherever it sits: a page size, a KPI argument, an
// Int field of a mutation input, an Int list in a filter. Before the fix the
// page cap and the complexity estimate skipped the string ("1000000") and the
// resolver read it as a number, returning every row. A Float must be a JSON
// number too, as the spec's input coercion says (gqlgen parses "41.68").
func TestIntVariablesCoercedBeforeLimits(t *testing.T) {
	s := gqltest.New(t, gqltest.Trusted())
	tr := buildTree(t, s.Client, 3)
	region := nodeID(tr.city.ID)
	tests := []struct {
		name      string
		query     string
		vars      map[string]any
		wantCode  string
		wantField string
	}{
		{"page size as a string", `query($n: Int) { institutions(first: $n) { edges { node { id } } } }`,
			map[string]any{"n": "1000000"}, "BAD_USER_INPUT", "first"},
		{"page size as a small string", `query($n: Int) { institutions(last: $n) { totalCount } }`,
			map[string]any{"n": "5"}, "BAD_USER_INPUT", "last"},
		{"page size beyond 32 bits", `query($n: Int) { institutions(first: $n) { totalCount } }`,
			map[string]any{"n": 4294967396}, "BAD_USER_INPUT", "first"},
		{"page size as a number above the cap", `query($n: Int) { institutions(first: $n) { totalCount } }`,
			map[string]any{"n": 1000000}, "BAD_USER_INPUT", "first"},
		{"nested page size as a string", `query($n: Int) { regions(first: 1) { edges { node { institutions(first: $n) { totalCount } } } } }`,
			map[string]any{"n": "100000"}, "BAD_USER_INPUT", "first"},
		{"KPI ranking size as a string", `query($n: Int, $p: ID!) { indicatorRanking(key: SEATS_PER_1000, parentRegionID: $p, level: DISTRICT, first: $n) { value } }`,
			map[string]any{"n": "100000", "p": region}, "BAD_USER_INPUT", "first"},
		{"Int in a mutation input as a string", `mutation($in: CreateSurveyInput!) { createSurvey(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"regionID": region, "kind": "SATISFACTION", "date": "2025-01-01", "respondents": "10", "positive": 1}}, "BAD_USER_INPUT", "input.respondents"},
		{"Int in a mutation input beyond 32 bits", `mutation($in: CreateSurveyInput!) { createSurvey(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"regionID": region, "kind": "SATISFACTION", "date": "2025-01-01", "respondents": 3000000000, "positive": 1}}, "BAD_USER_INPUT", "input.respondents"},
		{"Int literal beyond 32 bits", `mutation($r: ID!) { createSurvey(input: {regionID: $r, kind: SATISFACTION, date: "2025-01-01", respondents: 3000000000, positive: 1}) { id } }`,
			map[string]any{"r": region}, "BAD_USER_INPUT", "input.respondents"},
		{"Int list in a filter as strings", `query($l: [Int!]) { certifications(where: {levelIn: $l}) { totalCount } }`,
			map[string]any{"l": []any{"1", "2"}}, "BAD_USER_INPUT", "where.levelIn[0]"},
		{"Int in a filter object as a string", `query($w: CertificationWhereInput) { certifications(where: $w) { totalCount } }`,
			map[string]any{"w": map[string]any{"levelGT": "1"}}, "BAD_USER_INPUT", "where.levelGT"},
		{"Float as a string", `query($lat: Float!) { nearbyInstitutions(latitude: $lat, longitude: 123.43) { distanceMeters } }`,
			map[string]any{"lat": "41.8"}, "BAD_USER_INPUT", "latitude"},
		{"Float in a filter as a string", `query($w: InstitutionWhereInput) { institutions(where: $w) { totalCount } }`,
			map[string]any{"w": map[string]any{"latitudeGT": "41"}}, "BAD_USER_INPUT", "where.latitudeGT"},
		// JSON numbers are fine and reach the limits as numbers.
		{"Float as a number", `query($lat: Float!) { nearbyInstitutions(latitude: $lat, longitude: 123.43) { distanceMeters } }`,
			map[string]any{"lat": 41.8}, "", ""},
		{"Float as a whole number", `query($lat: Float!) { nearbyInstitutions(latitude: $lat, longitude: 123.43) { distanceMeters } }`,
			map[string]any{"lat": 41}, "", ""},
		{"page size as a number", `query($n: Int) { institutions(first: $n) { edges { node { id } } } }`,
			map[string]any{"n": 2}, "", ""},
		{"Int list as numbers", `query($l: [Int!]) { certifications(where: {levelIn: $l}) { totalCount } }`,
			map[string]any{"l": []any{1, 2}}, "", ""},
		{"Int in a mutation input as a number", `mutation($in: CreateSurveyInput!) { createSurvey(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"regionID": region, "kind": "SATISFACTION", "date": "2025-01-01", "respondents": 10, "positive": 1}}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := s.Do(t, tc.query, tc.vars)
			if tc.wantCode == "" {
				if len(resp.Errors) > 0 {
					t.Fatalf("unexpected errors: %s", resp.Body)
				}
				return
			}
			if len(resp.Errors) != 1 || resp.Errors[0].Code() != tc.wantCode || resp.Errors[0].Field() != tc.wantField {
				t.Fatalf("errors = %s; want one %s on %q", resp.Body, tc.wantCode, tc.wantField)
			}
			if string(resp.Data) != "null" {
				t.Errorf("data = %s; want null (refused before execution)", resp.Data)
			}
		})
	}

	// The complexity estimate sees the coerced number: three nested
	// connections of 100 sent as a JSON number are refused.
	resp := s.Do(t, `query($n: Int) { regions(first: $n) { edges { node { subregions(first: $n) { edges { node { institutions(first: $n) { edges { node { id name } } } } } } } } } }`,
		map[string]any{"n": 100})
	if got := resp.Codes(); !slices.Equal(got, []string{graph.CodeComplexity}) {
		t.Fatalf("codes = %v; want %s: %s", got, graph.CodeComplexity, resp.Body)
	}
}

// TestBadInputIsBadUserInput (issue 7 item 9): malformed IDs, cursors,
// oversized filters and lists, NUL bytes, detaching required rows and
// references to missing rows are BAD_USER_INPUT with the field (or
// NOT_FOUND), never INTERNAL, on every root field where they can be sent.
func TestBadInputIsBadUserInput(t *testing.T) {
	s := gqltest.New(t, gqltest.Trusted())
	f := newPersonal(t, s.Client)
	many := func(n int, v string) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = v
		}
		return out
	}
	tests := []struct {
		name      string
		query     string
		vars      map[string]any
		wantCode  string
		wantField string
	}{
		{"node id not a number (literal)", `{ node(id: "abc") { id } }`, nil, "BAD_USER_INPUT", "id"},
		{"node id not a number (variable)", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": "abc"}, "BAD_USER_INPUT", "id"},
		{"node id beyond 64 bits", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": "99999999999999999999999"}, "BAD_USER_INPUT", "id"},
		{"node id of no record", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": idCard}, "NOT_FOUND", ""},
		{"nodes id not a number", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []any{nodeID(f.childA.ID), "x"}}, "BAD_USER_INPUT", "ids[1]"},
		{"nodes above the cap", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": many(graph.MaxNodeIDs+1, nodeID(f.childA.ID))}, "BAD_USER_INPUT", "ids"},
		{"nodes above the cap through a variable used first by a filter", `query($ids: [ID!]!) { regions(first: 1, where: {idIn: $ids}) { totalCount } nodes(ids: $ids) { id } }`, map[string]any{"ids": many(graph.MaxNodeIDs+1, nodeID(f.childA.ID))}, "BAD_USER_INPUT", "ids"},
		{"where regionID not a number", `{ institutions(where: {regionID: "abc"}) { totalCount } }`, nil, "BAD_USER_INPUT", "where.regionID"},
		{"where ID list entry not a number", `query($w: ChildWhereInput) { children(where: $w) { totalCount } }`, map[string]any{"w": map[string]any{"idIn": []any{"1", "x"}}}, "BAD_USER_INPUT", "where.idIn[1]"},
		{"KPI regionIds not a number", `{ indicatorValues(keys: [SEATS_PER_1000], regionIDs: ["abc"]) { value } }`, nil, "BAD_USER_INPUT", "regionIDs[0]"},
		{"KPI regionId not a number", `{ indicatorBreakdown(key: SEATS_PER_1000, regionID: "abc", by: AGE_BAND) { dimension } }`, nil, "BAD_USER_INPUT", "regionID"},
		{"bad after cursor", `{ children(after: "bogus") { totalCount } }`, nil, "BAD_USER_INPUT", "after"},
		{"bad before cursor on a nested edge", `{ institutions { edges { node { seats(before: "%%%", last: 1) { totalCount } } } } }`, nil, "BAD_USER_INPUT", "before"},
		{"cursor carrying a map as its sort value", `query($c: Cursor) { institutions(after: $c, orderBy: {field: NAME, direction: ASC}) { totalCount } }`, map[string]any{"c": craftedCursor(t, map[string]any{"a": 1})}, "BAD_USER_INPUT", "after"},
		{"cursor carrying a list as its sort value (literal)", `{ institutions(after: "` + craftedCursor(t, []any{1, 2}) + `", orderBy: {field: NAME, direction: ASC}) { totalCount } }`, nil, "BAD_USER_INPUT", "after"},
		{"time without a time of day (literal)", `{ institutions(where: {createdAtGT: "2026-01-01"}) { totalCount } }`, nil, "BAD_USER_INPUT", "where.createdAtGT"},
		{"time that is no time (variable)", `query($t: Time) { auditLogs(where: {atGT: $t}) { totalCount } }`, map[string]any{"t": "yesterday"}, "BAD_USER_INPUT", "where.atGT"},
		{"time given as a number", `{ institutions(where: {updatedAtLT: 12}) { totalCount } }`, nil, "BAD_USER_INPUT", "where.updatedAtLT"},
		{"oversized filter list", `query($w: InstitutionWhereInput) { institutions(where: $w) { totalCount } }`, map[string]any{"w": map[string]any{"nameIn": many(graph.MaxListItems+1, "a")}}, "BAD_USER_INPUT", "where.nameIn"},
		{"filter nested too deep", `query($w: InstitutionWhereInput) { institutions(where: $w) { totalCount } }`, map[string]any{"w": nestedNot(graph.MaxInputDepth + 2)}, "BAD_USER_INPUT", ""},
		{"NUL byte in a filter (literal)", `{ institutions(where: {name: "a\u0000b"}) { totalCount } }`, nil, "BAD_USER_INPUT", "where.name"},
		{"NUL byte in a filter (variable)", `query($n: String) { institutions(where: {nameContains: $n}) { totalCount } }`, map[string]any{"n": "a\x00b"}, "BAD_USER_INPUT", "where.nameContains"},
		{"NUL byte in a mutation", `mutation($in: CreateRegionInput!) { createRegion(input: $in) { id } }`, map[string]any{"in": map[string]any{"code": "210104", "name": "x\x00", "level": "DISTRICT", "parentID": nodeID(f.city.ID)}}, "BAD_USER_INPUT", "input.name"},
		{"clearEnrolments of a child", `mutation($id: ID!) { updateChild(id: $id, input: {clearEnrolments: true}) { id } }`, map[string]any{"id": nodeID(f.childA.ID)}, "BAD_USER_INPUT", "clearEnrolments"},
		{"reference to a missing institution", `mutation($i: ID!) { createSeat(input: {institutionID: $i, ageBand: TODDLER, openedAt: "2024-01-01"}) { id } }`, map[string]any{"i": nodeID(f.instA.ID + 1000)}, "BAD_USER_INPUT", "institutionID"},
		{"reference to a missing region", `mutation($r: ID!) { createSurvey(input: {regionID: $r, kind: SATISFACTION, date: "2025-01-01", respondents: 1, positive: 1}) { id } }`, map[string]any{"r": nodeID(f.city.ID + 1000)}, "BAD_USER_INPUT", "regionID"},
		{"update of a missing record", `mutation($id: ID!) { updateRegion(id: $id, input: {name: "x"}) { id } }`, map[string]any{"id": idCard}, "NOT_FOUND", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := s.Do(t, tc.query, tc.vars)
			if len(resp.Errors) != 1 || resp.Errors[0].Code() != tc.wantCode {
				t.Fatalf("errors = %s; want one %s", resp.Body, tc.wantCode)
			}
			if tc.wantCode == "BAD_USER_INPUT" && tc.wantField != "" && resp.Errors[0].Field() != tc.wantField {
				t.Fatalf("field = %q; want %q: %s", resp.Errors[0].Field(), tc.wantField, resp.Body)
			}
			if tc.wantCode == "BAD_USER_INPUT" && resp.Errors[0].Field() == "" {
				t.Fatalf("no extensions.field: %s", resp.Body)
			}
			assertNoLeak(t, resp.Body)
			for _, v := range []string{idCard, "abc", "bogus", "\\u0000"} {
				if strings.Contains(resp.Errors[0].Message, v) {
					t.Errorf("message repeats %q: %s", v, resp.Body)
				}
			}
		})
	}
}

// craftedCursor is a cursor as the server encodes them, for ID 1 with
// value as its sort value: one a client could build by hand.
func craftedCursor(t *testing.T, value any) string {
	t.Helper()
	var b strings.Builder
	entgql.Cursor[int]{ID: 1, Value: value}.MarshalGQL(&b)
	return strings.Trim(b.String(), `"`)
}

// nestedNot is a where filter of depth n: {not: {not: … {name: "a"}}}.
func nestedNot(n int) map[string]any {
	w := map[string]any{"name": "a"}
	for range n {
		w = map[string]any{"not": w}
	}
	return w
}

// TestMessagesNameTheFieldNeverTheValue (issue 7 item 10): messages from
// parsing, validation, variable coercion, unknown operation names and
// NOT_FOUND never repeat what the client sent.
func TestMessagesNameTheFieldNeverTheValue(t *testing.T) {
	s := gqltest.New(t, gqltest.Trusted())
	newPersonal(t, s.Client)
	tests := []struct {
		name, query, operation string
		vars                   map[string]any
	}{
		{"string literal for an Int", `{ regions(first: "` + idCard + `") { totalCount } }`, "", nil},
		{"Int literal out of range", `{ regions(first: ` + idCard + `) { totalCount } }`, "", nil},
		{"Int literal for a String", `{ regions(where: {name: ` + idCard + `}) { totalCount } }`, "", nil},
		{"unknown enum literal", `{ institutions(where: {form: X` + idCard + `}) { totalCount } }`, "", nil},
		{"string literal for an enum", `{ institutions(where: {form: "` + idCard + `"}) { totalCount } }`, "", nil},
		{"parse error on a token", `{ regions(first: 1) { ` + idCard + ` } }`, "", nil},
		{"unterminated string", `{ regions(where: {name: "` + idCard + `) { totalCount } }`, "", nil},
		{"unknown operationName", `query A { regions { totalCount } }`, "Op" + idCard, nil},
		{"unknown enum variable", `query($f: InstitutionForm) { institutions(where: {form: $f}) { totalCount } }`, "", map[string]any{"f": idCard}},
		{"wrong variable type", `query($b: Boolean) { regions(where: {nameHasPrefix: "x"}) { totalCount } institutions(where: {hasSeats: $b}) { totalCount } }`, "", map[string]any{"b": idCard}},
		{"node not found", `{ node(id: "` + idCard + `") { id } }`, "", nil},
		{"nodes not found", `{ nodes(ids: ["` + idCard + `"]) { id } }`, "", nil},
		{"update not found", `mutation { updateRegion(id: "` + idCard + `", input: {name: "x"}) { id } }`, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"query": tc.query, "operationName": tc.operation, "variables": tc.vars})
			req, _ := http.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp := s.Send(t, req)
			if len(resp.Errors) == 0 {
				t.Fatalf("no error: %s", resp.Body)
			}
			for _, e := range resp.Errors {
				if e.Code() == "" || e.Code() == graph.CodeInternal {
					t.Errorf("code %q: %s", e.Code(), resp.Body)
				}
				if strings.Contains(e.Message, idCard) || strings.Contains(e.Message, "1101011990") {
					t.Errorf("message repeats the value: %s", resp.Body)
				}
			}
		})
	}
}

// captureLog sends slog's default output to a buffer for the test.
func captureLog(t *testing.T) *syncBuffer {
	t.Helper()
	buf := &syncBuffer{}
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(buf, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
	return buf
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(b.b.String()), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// TestOneLogLinePerRequest (issue 7 item 11): a request with many failing
// fields writes at most one structured line, without client values: 100
// unknown IDs write none (NOT_FOUND is not an error of the server), an audit
// failure over many children writes one ERROR line that names fields, not
// the ID-card-shaped value the client sent.
func TestOneLogLinePerRequest(t *testing.T) {
	buf := captureLog(t)
	s := gqltest.New(t, gqltest.WithHandlerOptions(graph.HandlerOptions{AuditWriter: &failingWriter{}}))
	f := newPersonal(t, s.Client)

	ids := make([]any, graph.MaxNodeIDs)
	for i := range ids {
		ids[i] = fmt.Sprint(110101199003070000 + i)
	}
	resp := s.DoAs(t, districtViewer, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids})
	if len(resp.Errors) == 0 {
		t.Fatalf("want NOT_FOUND errors: %s", resp.Body)
	}
	if l := buf.lines(); len(l) != 0 {
		t.Fatalf("%d log lines for NOT_FOUND IDs; want 0:\n%s", len(l), strings.Join(l, "\n"))
	}

	// An INTERNAL (audit store down) on a request that also carried an
	// ID-card-shaped value: one line.
	resp = s.DoAs(t, districtViewer, `query($n: ID) { children(where: {idNEQ: $n}) { edges { node { id name } } } a: node(id: "`+nodeID(f.childA.ID)+`") { ... on Child { name } } }`,
		map[string]any{"n": idCard})
	if got := resp.Codes(); !slices.Equal(got, []string{graph.CodeInternal}) {
		t.Fatalf("codes = %v; want INTERNAL: %s", got, resp.Body)
	}
	lines := buf.lines()
	if len(lines) != 1 {
		t.Fatalf("%d log lines; want 1:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
		t.Fatalf("log line is not structured JSON: %v: %s", err, lines[0])
	}
	if line["level"] != "ERROR" || line["internal"] == nil {
		t.Errorf("line = %s; want an ERROR with the count of internal errors", lines[0])
	}
	for _, v := range []string{idCard, "1101011990", "张明"} {
		if strings.Contains(lines[0], v) {
			t.Errorf("log line holds a client value %q: %s", v, lines[0])
		}
	}
}

// TestFilteredReadsAreAudited (issue 7 item 7): an operation that filters or
// selects child, enrolment or health-record rows writes an audit row
// whatever it returns: IDs only, a totalCount only, cursors only, through
// node/nodes and nested edges; the filter's field names are recorded,
// never its values.
func TestFilteredReadsAreAudited(t *testing.T) {
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
		{"health records by result, ids only", districtViewer,
			`{ healthRecords(where: {result: ABNORMAL}) { edges { node { id } } } }`, nil,
			[]row{{"HealthRecord", sortedIDs(f.healthA.ID), []string{"id", "where.result"}}}},
		{"children by residence, ids only", cityViewer,
			`query($r: ID!) { children(where: {residenceRegionID: $r}) { edges { node { id } } } }`, map[string]any{"r": nodeID(f.subA.ID)},
			[]row{{"Child", sortedIDs(f.childA.ID, f.childC.ID), []string{"id", "where.residenceRegionID"}}}},
		{"count only", cityViewer,
			`{ healthRecords(where: {result: ABNORMAL}) { totalCount } }`, nil,
			[]row{{"HealthRecord", nil, []string{"totalCount", "where.result"}}}},
		{"count only, no filter", districtViewer,
			`{ children { totalCount } }`, nil,
			[]row{{"Child", nil, []string{"totalCount"}}}},
		{"empty result of a filter", districtViewer,
			`{ children(where: {residenceRegionIDIsNil: true}) { edges { node { id } } } }`, nil,
			[]row{{"Child", nil, []string{"where.residenceRegionIDIsNil"}}}},
		{"cursors only", districtViewer,
			`query($r: ID!) { enrolments(where: {hasChildWith: {residenceRegionID: $r}}) { edges { cursor } } }`, map[string]any{"r": nodeID(f.subA.ID)},
			[]row{{"Enrolment", sortedIDs(f.enrolA.ID), []string{"cursor", "where.hasChildWith.residenceRegionID"}}}},
		{"node id only", districtViewer,
			`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": nodeID(f.healthA.ID)},
			[]row{{"HealthRecord", sortedIDs(f.healthA.ID), []string{"id"}}}},
		{"nodes typename and id", districtViewer,
			`query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, map[string]any{"ids": []any{nodeID(f.childA.ID), nodeID(f.enrolA.ID)}},
			[]row{{"Child", sortedIDs(f.childA.ID), []string{"id"}}, {"Enrolment", sortedIDs(f.enrolA.ID), []string{"id"}}}},
		{"nested edge, count only", f.staffOfA(),
			`{ institutions { edges { node { healthRecords { totalCount } } } } }`, nil,
			[]row{{"HealthRecord", nil, []string{"totalCount"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(auditRows(t, s.Client))
			resp := s.DoAs(t, tc.viewer, tc.query, tc.vars)
			if len(resp.Errors) > 0 {
				t.Fatal(resp.Body)
			}
			var got []row
			for _, r := range auditRows(t, s.Client)[before:] {
				got = append(got, auditRowOf(r))
				if strings.Contains(jsonOf(t, r), "ABNORMAL") || strings.Contains(jsonOf(t, r), "FEMALE") {
					t.Errorf("audit row holds a filter value: %s", jsonOf(t, r))
				}
			}
			for i := range got {
				if len(got[i].IDs) == 0 {
					got[i].IDs = nil
				}
			}
			slices.SortFunc(got, func(a, b row) int { return strings.Compare(a.Entity, b.Entity) })
			if jsonOf(t, got) != jsonOf(t, tc.want) {
				t.Errorf("rows\n got %s\nwant %s", jsonOf(t, got), jsonOf(t, tc.want))
			}
		})
	}
	if n := s.Client.AuditLog.Query().Where(auditlog.EntityType("Staff")).CountX(testdb.Ctx()); n != 0 {
		t.Errorf("%d Staff rows", n)
	}
}

// blockingWriter is an audit store that holds every write until released,
// so a test can keep an operation in flight.
type blockingWriter struct {
	entered chan struct{}
	release chan struct{}
}

func (w *blockingWriter) Write(ctx context.Context, _ []audit.Record) error {
	w.entered <- struct{}{}
	select {
	case <-w.release:
	case <-ctx.Done():
	}
	return nil
}

// TestKPIOperationsTakeTurnsServerWide: beyond each principal's slots, the
// server runs at most KPIOperations operations computing indicators at
// once; another principal's operation waits its turn rather than being
// refused, and runs when the slot frees.
func TestKPIOperationsTakeTurnsServerWide(t *testing.T) {
	w := &blockingWriter{entered: make(chan struct{}, 4), release: make(chan struct{})}
	s := gqltest.New(t, gqltest.WithHandlerOptions(graph.HandlerOptions{AuditWriter: w, KPIOperations: 1}))
	f := newPersonal(t, s.Client)
	// Reads children, so its audit write blocks while it holds the slot.
	const holding = `query($r: ID!) { indicatorValues(keys: [SEATS_PER_1000], regionIDs: [$r]) { value } children { edges { node { name } } } }`
	first := make(chan gqltest.Response, 1)
	go func() { first <- s.DoAs(t, provinceViewer, holding, map[string]any{"r": nodeID(f.province.ID)}) }()
	<-w.entered
	second := make(chan gqltest.Response, 1)
	go func() {
		second <- s.DoAs(t, cityViewer, `query($r: ID!) { indicatorValues(keys: [SEATS_PER_1000], regionIDs: [$r]) { value } }`, map[string]any{"r": nodeID(f.city.ID)})
	}()
	select {
	case r := <-second:
		t.Fatalf("another principal's KPI operation ran beside the one holding the server's only slot: %d %s", r.Status, r.Body)
	case <-time.After(300 * time.Millisecond):
	}
	// Operations that compute no indicator do not wait.
	if r := s.DoAs(t, cityViewer, `{ regions { totalCount } }`, nil); len(r.Errors) != 0 {
		t.Fatalf("non-KPI request held up: %s", r.Body)
	}
	close(w.release)
	for name, ch := range map[string]chan gqltest.Response{"first": first, "second": second} {
		if r := <-ch; len(r.Errors) != 0 || r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", name, r.Status, r.Body)
		}
	}
}

// TestOperationsTakeTurnsServerWide: the server executes at most
// Operations operations other than KPI ones at once; a further one waits
// its turn (it is not refused) and runs when the turn frees, while KPI
// operations, which take their own turns, do not wait behind lists.
func TestOperationsTakeTurnsServerWide(t *testing.T) {
	w := &blockingWriter{entered: make(chan struct{}, 4), release: make(chan struct{})}
	s := gqltest.New(t, gqltest.WithHandlerOptions(graph.HandlerOptions{AuditWriter: w, Operations: 1}))
	f := newPersonal(t, s.Client)
	waitsBefore, waitedBefore := turnWaits(t, "other")
	// Reads children, so its audit write blocks while it holds the turn.
	first := make(chan gqltest.Response, 1)
	go func() { first <- s.DoAs(t, provinceViewer, `{ children { edges { node { name } } } }`, nil) }()
	<-w.entered
	second := make(chan gqltest.Response, 1)
	go func() { second <- s.DoAs(t, cityViewer, `{ regions { totalCount } }`, nil) }()
	select {
	case r := <-second:
		t.Fatalf("a second operation ran beside the one holding the server's only turn: %d %s", r.Status, r.Body)
	case <-time.After(300 * time.Millisecond):
	}
	// An operation computing indicators takes a KPI turn instead.
	if r := s.DoAs(t, cityViewer, `query($r: ID!) { indicatorValues(keys: [SEATS_PER_1000], regionIDs: [$r]) { value } }`, map[string]any{"r": nodeID(f.city.ID)}); len(r.Errors) != 0 {
		t.Fatalf("KPI request held up behind a list: %s", r.Body)
	}
	close(w.release)
	for name, ch := range map[string]chan gqltest.Response{"first": first, "second": second} {
		if r := <-ch; len(r.Errors) != 0 || r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	// Both waits are observed, the second's at least the 300 ms it was held.
	waits, waited := turnWaits(t, "other")
	if waits-waitsBefore != 2 || waited-waitedBefore < 0.3 {
		t.Errorf("tuoyu_operation_turn_wait_seconds{kind=other}: %d waits, %.3f s in all; want 2 and at least 0.3 s", waits-waitsBefore, waited-waitedBefore)
	}
}

// turnWaits reads tuoyu_operation_turn_wait_seconds{kind}: how many waits,
// and their sum in seconds.
func turnWaits(t *testing.T, kind string) (uint64, float64) {
	t.Helper()
	var m dto.Metric
	if err := metrics.TurnWait.WithLabelValues(kind).(prometheus.Histogram).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
}

// TestKPIRequestsAreBounded (issue 7 item 6): a period longer than 5 years
// is BAD_USER_INPUT; a KPI request's complexity grows with its span (a
// 5-year period over 500 regions is refused, a month is not); and one
// principal runs at most KPISlots operations computing indicators at once:
// the next is RATE_LIMITED (HTTP 429, Retry-After) while another principal
// is served.
func TestKPIRequestsAreBounded(t *testing.T) {
	w := &blockingWriter{entered: make(chan struct{}, 4), release: make(chan struct{})}
	s := gqltest.New(t, gqltest.WithHandlerOptions(graph.HandlerOptions{AuditWriter: w, KPISlots: 1, KPISlotWait: 50 * time.Millisecond}))
	f := newPersonal(t, s.Client)
	province := nodeID(f.province.ID)

	resp := s.DoAs(t, provinceViewer, `query($r: ID!) { indicatorValues(keys: [DAILY_CHECK_RATE], regionIDs: [$r], from: "2000-01-01", to: "2026-01-01") { value } }`, map[string]any{"r": province})
	if len(resp.Errors) != 1 || resp.Errors[0].Code() != graph.CodeBadUserInput || resp.Errors[0].Field() != "to" {
		t.Fatalf("26-year period: %s; want BAD_USER_INPUT on to", resp.Body)
	}
	resp = s.DoAs(t, provinceViewer, `query($r: ID!) { indicatorValues(keys: [DAILY_CHECK_RATE], regionIDs: [$r], from: "2021-01-01", to: "2026-01-01") { value } }`, map[string]any{"r": province})
	if len(resp.Errors) != 0 {
		t.Fatalf("5-year period refused: %s", resp.Body)
	}

	regions := make([]any, 500)
	for i := range regions {
		regions[i] = province
	}
	const wide = `query($r: [ID!]!, $from: Date, $to: Date) { indicatorValues(keys: [DAILY_CHECK_RATE, ENROLMENT_RATE], regionIDs: $r, from: $from, to: $to) { value } }`
	resp = s.DoAs(t, provinceViewer, wide, map[string]any{"r": regions, "from": "2021-01-01", "to": "2026-01-01"})
	if got := resp.Codes(); !slices.Equal(got, []string{graph.CodeComplexity}) {
		t.Fatalf("5 years × 500 regions: codes %v; want %s", got, graph.CodeComplexity)
	}
	resp = s.DoAs(t, provinceViewer, wide, map[string]any{"r": regions[:1], "from": "2025-01-01", "to": "2025-02-01"})
	if len(resp.Errors) != 0 {
		t.Fatalf("one month × 1 region refused: %s", resp.Body)
	}
	// keys as a single value (valid GraphQL for a list) costs the same:
	// written in the document, and as a variable that coercion wraps.
	for name, tc := range map[string]struct {
		query string
		vars  map[string]any
	}{
		"literal":  {`query($r: [ID!]!) { indicatorValues(keys: DAILY_CHECK_RATE, regionIDs: $r, from: "2021-01-01", to: "2026-01-01") { value } }`, map[string]any{"r": regions}},
		"variable": {`query($r: [ID!]!, $k: [IndicatorKey!]!) { indicatorValues(keys: $k, regionIDs: $r, from: "2021-01-01", to: "2026-01-01") { value } }`, map[string]any{"r": regions, "k": "DAILY_CHECK_RATE"}},
	} {
		resp = s.DoAs(t, provinceViewer, tc.query, tc.vars)
		if got := resp.Codes(); !slices.Equal(got, []string{graph.CodeComplexity}) {
			t.Fatalf("keys as a single value (%s): codes %v; want %s", name, got, graph.CodeComplexity)
		}
	}

	// One operation of the province holds its only slot (its audit write
	// blocks); a second one of the same principal is refused, another
	// principal is served.
	const dashboard = `query($r: ID!) { indicatorValues(keys: [SEATS_PER_1000], regionIDs: [$r]) { value } children { edges { node { name } } } }`
	first := make(chan gqltest.Response, 1)
	go func() { first <- s.DoAs(t, provinceViewer, dashboard, map[string]any{"r": province}) }()
	<-w.entered
	resp = s.DoAs(t, provinceViewer, `query($r: ID!) { indicatorValues(keys: [SEATS_PER_1000], regionIDs: [$r]) { value } }`, map[string]any{"r": province})
	if got := resp.Codes(); resp.Status != http.StatusTooManyRequests || !slices.Equal(got, []string{graph.CodeRateLimited}) {
		t.Fatalf("second KPI request of the same principal: %d %v; want 429 RATE_LIMITED: %s", resp.Status, got, resp.Body)
	}
	other := s.DoAs(t, cityViewer, `query($r: ID!) { indicatorValues(keys: [SEATS_PER_1000], regionIDs: [$r]) { value } }`, map[string]any{"r": nodeID(f.city.ID)})
	if len(other.Errors) != 0 || other.Status != http.StatusOK {
		t.Fatalf("another principal starved: %d %s", other.Status, other.Body)
	}
	// Non-KPI operations of the same principal are not held up.
	if r := s.DoAs(t, provinceViewer, `{ regions { totalCount } }`, nil); len(r.Errors) != 0 {
		t.Fatalf("non-KPI request refused: %s", r.Body)
	}
	close(w.release)
	if r := <-first; len(r.Errors) != 0 || r.Status != http.StatusOK {
		t.Fatalf("first request: %d %s", r.Status, r.Body)
	}
	// The slot is free again.
	if r := s.DoAs(t, provinceViewer, `query($r: ID!) { indicatorValues(keys: [SEATS_PER_1000], regionIDs: [$r]) { value } }`, map[string]any{"r": province}); len(r.Errors) != 0 {
		t.Fatalf("after release: %s", r.Body)
	}
}
