package idempotency_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/idempotencyrecord"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/survey"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/idempotency"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

const createSurvey = `mutation Create($in: CreateSurveyInput!) { createSurvey(input: $in) { id respondents positive } }`

// send POSTs a GraphQL request with the given Idempotency-Key header values
// to h, as viewer when not nil.
func send(t *testing.T, h http.Handler, viewer *auth.Viewer, query string, vars map[string]any, keys ...string) (*httptest.ResponseRecorder, gqltest.Response) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for _, k := range keys {
		req.Header.Add(idempotency.Header, k)
	}
	if viewer != nil {
		req = req.WithContext(auth.NewContext(req.Context(), viewer))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var resp gqltest.Response
	resp.Status, resp.Body = rec.Code, rec.Body.String()
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("not JSON: %s", rec.Body)
	}
	return rec, resp
}

func seedRegion(t *testing.T, c *ent.Client) int {
	t.Helper()
	r, err := c.Region.Create().SetCode("210000").SetName("辽宁省").SetLevel(region.LevelPROVINCE).Save(testdb.Ctx())
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func surveyInput(regionID, respondents int) map[string]any {
	return map[string]any{"in": map[string]any{"kind": "SATISFACTION", "date": "2026-10-01", "respondents": respondents, "positive": 1, "regionID": regionID}}
}

func countSurveys(t *testing.T, c *ent.Client) int {
	t.Helper()
	n, err := c.Survey.Query().Where(survey.Respondents(10)).Count(testdb.Ctx())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestIdempotencyKey: the same key and request replays the first response
// and writes nothing; a different request under the key is CONFLICT; keys
// are per principal; malformed keys are BAD_REQUEST; queries ignore the
// header; an expired record no longer replays and is purged.
func TestIdempotencyKey(t *testing.T) {
	s := gqltest.New(t)
	rid := seedRegion(t, s.Client)
	zhang := &auth.Viewer{Subject: "zhang", Role: auth.ProvinceRegulator, RegionCode: "210000"}
	li := &auth.Viewer{Subject: "li", Role: auth.ProvinceRegulator, RegionCode: "210000"}
	const key = "8e03978e-40d5-43e8-bc93-6894a57f9324"

	rec, first := send(t, s.Handler, zhang, createSurvey, surveyInput(rid, 10), key)
	if len(first.Errors) > 0 || rec.Header().Get(idempotency.ReplayedHeader) != "" {
		t.Fatalf("first: %s", first.Body)
	}
	for i, k := range []string{key, `"` + key + `"`} { // the structured-field form is the same key
		rec, again := send(t, s.Handler, zhang, createSurvey, surveyInput(rid, 10), k)
		if again.Body != first.Body || rec.Header().Get(idempotency.ReplayedHeader) != "true" {
			t.Fatalf("retry %d: %s (replayed %q); want the first response %s", i, again.Body, rec.Header().Get(idempotency.ReplayedHeader), first.Body)
		}
	}
	if n := countSurveys(t, s.Client); n != 1 {
		t.Fatalf("%d surveys after retries; want 1", n)
	}

	for _, tc := range []struct {
		name  string
		query string
		vars  map[string]any
	}{
		{"different variables", createSurvey, surveyInput(rid, 11)},
		{"different document", `mutation Create($in: CreateSurveyInput!) { createSurvey(input: $in) { id } }`, surveyInput(rid, 10)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, resp := send(t, s.Handler, zhang, tc.query, tc.vars, key)
			if resp.Status != http.StatusOK || len(resp.Errors) != 1 || resp.Errors[0].Code() != "CONFLICT" || resp.Errors[0].Field() != idempotency.Header || string(resp.Data) != "null" && len(resp.Data) != 0 {
				t.Fatalf("%s", resp.Body)
			}
		})
	}
	// Another principal's key space is separate: li's request runs.
	if _, resp := send(t, s.Handler, li, createSurvey, surveyInput(rid, 10), key); len(resp.Errors) > 0 || resp.Body == first.Body {
		t.Fatalf("li: %s", resp.Body)
	}
	if n := countSurveys(t, s.Client); n != 2 {
		t.Fatalf("%d surveys; want 2 (zhang's and li's)", n)
	}
	// The same subject in another scope (another token of zhang's, for a
	// district) gets no replay of the province's response: its own request
	// runs, here refused by its write scope.
	zhangDistrict := &auth.Viewer{Subject: "zhang", Role: auth.DistrictRegulator, RegionCode: "210102"}
	if rec, resp := send(t, s.Handler, zhangDistrict, createSurvey, surveyInput(rid, 10), key); rec.Header().Get(idempotency.ReplayedHeader) != "" || len(resp.Errors) != 1 || resp.Errors[0].Code() != "FORBIDDEN" {
		t.Fatalf("the same subject in a district scope: %s (replayed %q); want its own FORBIDDEN", resp.Body, rec.Header().Get(idempotency.ReplayedHeader))
	}
	if n := countSurveys(t, s.Client); n != 2 {
		t.Fatalf("%d surveys; want 2", n)
	}

	// Malformed keys are refused before anything runs.
	for _, keys := range [][]string{{""}, {strings.Repeat("k", 256)}, {"two words"}, {"ключ"}, {`a"b`}, {"k1", "k2"}} {
		_, resp := send(t, s.Handler, zhang, createSurvey, surveyInput(rid, 12), keys...)
		if resp.Status != http.StatusBadRequest || len(resp.Errors) != 1 || resp.Errors[0].Code() != "BAD_REQUEST" || resp.Errors[0].Field() != idempotency.Header {
			t.Fatalf("key %q: %d %s", keys, resp.Status, resp.Body)
		}
	}
	if n, _ := s.Client.Survey.Query().Where(survey.Respondents(12)).Count(testdb.Ctx()); n != 0 {
		t.Fatalf("a request with a malformed key wrote %d rows", n)
	}
	// A key of 255 characters is fine.
	if _, resp := send(t, s.Handler, zhang, createSurvey, surveyInput(rid, 13), strings.Repeat("k", 255)); len(resp.Errors) > 0 {
		t.Fatalf("255-character key: %s", resp.Body)
	}

	// Queries ignore the header.
	q := `{ surveys(first: 5) { totalCount } }`
	for range 2 {
		rec, resp := send(t, s.Handler, zhang, q, nil, key)
		if len(resp.Errors) > 0 || rec.Header().Get(idempotency.ReplayedHeader) != "" {
			t.Fatalf("query: %s", resp.Body)
		}
	}

	// A failed mutation records nothing: the retry runs again.
	bad := surveyInput(rid, 10)
	bad["in"].(map[string]any)["regionID"] = rid + 999
	for i := range 2 {
		rec, resp := send(t, s.Handler, zhang, createSurvey, bad, "failing-key")
		if len(resp.Errors) == 0 || rec.Header().Get(idempotency.ReplayedHeader) != "" {
			t.Fatalf("failing mutation %d: %s", i, resp.Body)
		}
	}

	// After 24 h the record expires: the same key runs again, and Purge
	// deletes what has expired.
	ctx := testdb.Ctx()
	past := time.Now().Add(-time.Minute)
	if _, err := s.Client.IdempotencyRecord.Update().Where(idempotencyrecord.PrincipalHasPrefix("sub:zhang|")).SetExpiresAt(past).Save(ctx); err != nil {
		t.Fatal(err)
	}
	if _, resp := send(t, s.Handler, zhang, createSurvey, surveyInput(rid, 10), key); len(resp.Errors) > 0 || resp.Body == first.Body {
		t.Fatalf("after expiry: %s", resp.Body)
	}
	if n := countSurveys(t, s.Client); n != 3 {
		t.Fatalf("%d surveys; want 3", n)
	}
	if _, err := s.Client.IdempotencyRecord.Update().Where(idempotencyrecord.PrincipalHasPrefix("sub:li|")).SetExpiresAt(past).Save(ctx); err != nil {
		t.Fatal(err)
	}
	// The handler's own purge (started by the first request, in the
	// background) may already have taken some of them: together they must
	// delete exactly li's record and zhang's 255-character key.
	n, err := idempotency.Purge(ctx, s.Client, time.Now())
	if err != nil || n > 2 {
		t.Fatalf("purge: %d, %v; want at most li's record and zhang's 255-character key", n, err)
	}
	left, err := s.Client.IdempotencyRecord.Query().All(ctx)
	if err != nil || len(left) != 1 || !strings.HasPrefix(left[0].Principal, "sub:zhang|") || !left[0].ExpiresAt.After(time.Now()) {
		t.Fatalf("records left: %d (%v); want only zhang's renewed key", len(left), err)
	}
}
