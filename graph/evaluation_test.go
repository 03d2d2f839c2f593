package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/evaluationitem"
	"github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/incident"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/evaluation"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

var (
	cityReg     = auth.Viewer{Subject: "city", Role: auth.CityRegulator, RegionCode: "210100"}
	otherCity   = auth.Viewer{Subject: "dalian", Role: auth.CityRegulator, RegionCode: "210200"}
	provReg     = auth.Viewer{Subject: "prov", Role: auth.ProvinceRegulator, RegionCode: "210000"}
	otherProv   = auth.Viewer{Subject: "jilin", Role: auth.ProvinceRegulator, RegionCode: "220000"}
	districtReg = auth.Viewer{Subject: "district", Role: auth.DistrictRegulator, RegionCode: "210102"}
	evalBI      = auth.Viewer{Subject: "bi", Role: auth.BIService, RegionCode: "210000"}
	publicV     = auth.Viewer{Role: auth.Public}
)

// evalFixture: 沈阳 (tree) with 4 institutions, 2 of them filed (filing
// rate 50 %), one incident this year; 大连 exists as another city; 吉林 as
// another province.
func evalFixture(t *testing.T, c *ent.Client) *tree {
	t.Helper()
	ctx := testdb.Ctx()
	tr := buildTree(t, c, 4)
	newRegion(t, c, "210200", "大连市", region.LevelCITY, tr.province)
	newRegion(t, c, "220000", "吉林省", region.LevelPROVINCE, nil)
	for _, i := range []int{0, 1} {
		c.Filing.Create().SetInstitution(tr.institutions[i]).SetSubmittedAt(civil.D(2023, 1, 2)).SetStatus(filing.StatusFILED).SetReceiptAt(civil.D(2023, 1, 5)).ExecX(ctx)
	}
	today := civil.Today(time.UTC)
	c.Incident.Create().SetInstitution(tr.institutions[2]).SetSeverity(incident.SeverityMINOR).SetKind("跌落").
		SetOccurredAt(today).SetReportedAt(today).ExecX(ctx)
	return tr
}

type evalResp struct {
	ID     string
	Status string
	Items  []struct {
		Item struct {
			ID       string
			Points   float64
			AutoRule *string
		}
		SelfScore   *float64
		AutoScore   *float64
		AutoBasis   string
		ReviewScore *float64
	}
	SelfTotal   float64
	ReviewTotal *float64
	ExportPath  string
}

const evalFields = `id status selfTotal reviewTotal exportPath items { item { id points autoRule } selfScore autoScore autoBasis reviewScore }`

func startEval(t *testing.T, s *gqltest.Server, v auth.Viewer, cityID int) (evalResp, gqltest.Response) {
	t.Helper()
	resp := s.DoAs(t, v, `mutation($c: ID!, $y: Int!) { startCityEvaluation(cityId: $c, year: $y) { `+evalFields+` } }`,
		map[string]any{"c": cityID, "y": time.Now().UTC().Year()})
	var out struct{ StartCityEvaluation evalResp }
	if len(resp.Errors) == 0 {
		resp.Decode(t, &out)
	}
	return out.StartCityEvaluation, resp
}

func code(resp gqltest.Response) string {
	if len(resp.Errors) == 0 {
		return ""
	}
	return resp.Errors[0].Code()
}

// The built-in Liaoning scheme: six sections adding up to 100, loaded
// idempotently.
func TestLiaoningScheme(t *testing.T) {
	if err := evaluation.Liaoning.Validate(); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"党政责任": 25, "政策支持": 24, "服务供给": 16, "创新融合": 10, "监管服务": 10, "服务质量": 15}
	for _, sec := range evaluation.Liaoning.Sections {
		if want[sec.Name] != sec.Points {
			t.Errorf("section %s: %d points", sec.Name, sec.Points)
		}
	}
	if evaluation.Liaoning.Total() != 100 {
		t.Fatalf("total %d", evaluation.Liaoning.Total())
	}
	s := gqltest.New(t)
	evalFixture(t, s.Client)
	ctx := testdb.Ctx()
	for range 2 {
		if err := evaluation.EnsureBuiltin(ctx, s.Client); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Client.EvaluationScheme.Query().CountX(ctx); n != 1 {
		t.Errorf("%d schemes after two loads", n)
	}
	if n := s.Client.EvaluationItem.Query().CountX(ctx); n != 28 {
		t.Errorf("%d items after two loads, want 28", n)
	}
	var out struct {
		EvaluationSchemes []struct {
			Code        string
			TotalPoints int
			Sections    []struct {
				Name   string
				Points int
				Items  []struct{ Points float64 }
			}
		}
	}
	s.DoAs(t, publicV, `{ evaluationSchemes { code totalPoints sections { name points items { points } } } }`, nil).Decode(t, &out)
	if len(out.EvaluationSchemes) != 1 || out.EvaluationSchemes[0].TotalPoints != 100 || len(out.EvaluationSchemes[0].Sections) != 6 {
		t.Fatalf("schemes %+v", out.EvaluationSchemes)
	}
}

// loadEvaluationScheme: province regulators, for their own province, with
// consistent points.
func TestLoadEvaluationSchemeScope(t *testing.T) {
	s := gqltest.New(t)
	evalFixture(t, s.Client)
	const m = `mutation($in: EvaluationSchemeInput!) { loadEvaluationScheme(input: $in) { code totalPoints sections { items { content } } } }`
	in := func(prov string, pts int) map[string]any {
		return map[string]any{"in": map[string]any{"code": "JL-2024", "name": "吉林省评估指标", "provinceCode": prov, "sections": []any{
			map[string]any{"no": 1, "name": "党政责任", "points": pts, "items": []any{
				map[string]any{"content": "甲", "points": 6}, map[string]any{"content": "乙", "points": 4, "autoRule": "FILING_RATE"}}}}}}
	}
	for _, v := range []auth.Viewer{cityReg, districtReg, publicV, evalBI} {
		if c := code(s.DoAs(t, v, m, in("220000", 10))); c != "FORBIDDEN" {
			t.Errorf("%s: %q, want FORBIDDEN", v.Role, c)
		}
	}
	if resp := s.DoAs(t, provReg, m, in("220000", 10)); code(resp) != "FORBIDDEN" || resp.Errors[0].Field() != "input.provinceCode" {
		t.Errorf("another province's scheme: %s", resp.Body)
	}
	if resp := s.DoAs(t, otherProv, m, in("220000", 11)); code(resp) != "BAD_USER_INPUT" || resp.Errors[0].Field() != "input.sections[0].points" {
		t.Errorf("items not adding up: %s", resp.Body)
	}
	var out struct{ LoadEvaluationScheme struct{ TotalPoints int } }
	s.DoAs(t, otherProv, m, in("220000", 10)).Decode(t, &out)
	if out.LoadEvaluationScheme.TotalPoints != 10 {
		t.Errorf("loaded %+v", out)
	}
	if n := s.Client.EvaluationItem.Query().Where(evaluationitem.AutoRuleEQ(evaluationitem.AutoRuleFILING_RATE)).CountX(testdb.Ctx()); n != 1 {
		t.Errorf("%d FILING_RATE items", n)
	}
}

// The whole workflow with each role: only the city's regulators start,
// edit and submit; only the province reviews; data-decided items are
// pre-filled with their basis; overrides need a reason; the XLSX has the
// annex layout.
func TestCityEvaluationWorkflow(t *testing.T) {
	s := gqltest.New(t)
	tr := evalFixture(t, s.Client)
	for _, v := range []auth.Viewer{otherCity, provReg, districtReg, publicV, evalBI, {Subject: "staff", Role: auth.InstitutionStaff, InstitutionID: tr.institutions[0].ID}} {
		if _, resp := startEval(t, s, v, tr.city.ID); code(resp) != "FORBIDDEN" {
			t.Errorf("%s %s started: %s", v.Role, v.RegionCode, resp.Body)
		}
	}
	ev, resp := startEval(t, s, cityReg, tr.city.ID)
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Body)
	}
	if ev.Status != "DRAFT" || len(ev.Items) != 28 {
		t.Fatalf("started %s with %d items", ev.Status, len(ev.Items))
	}
	if _, resp := startEval(t, s, cityReg, tr.city.ID); code(resp) != "CONFLICT" {
		t.Errorf("second start: %s", resp.Body)
	}
	byRule := map[string]int{}
	for i, it := range ev.Items {
		if it.Item.AutoRule != nil {
			byRule[*it.Item.AutoRule] = i
		}
	}
	filingRow, safetyRow, seatsRow := ev.Items[byRule["FILING_RATE"]], ev.Items[byRule["SAFETY_AND_SATISFACTION"]], ev.Items[byRule["SEATS_AND_ENROLMENT_VS_PROVINCE"]]
	if filingRow.AutoScore == nil || *filingRow.AutoScore != 1 || !strings.Contains(filingRow.AutoBasis, "50.0%") {
		t.Errorf("filing rate 50%%: auto %v basis %q; want 1 (2 − 1)", filingRow.AutoScore, filingRow.AutoBasis)
	}
	if filingRow.SelfScore == nil || *filingRow.SelfScore != 1 {
		t.Errorf("self-score not pre-filled from the data: %v", filingRow.SelfScore)
	}
	if safetyRow.AutoScore == nil || *safetyRow.AutoScore != 0 || !strings.Contains(safetyRow.AutoBasis, "安全事故 1 起") {
		t.Errorf("incident: auto %v basis %q; want 0", safetyRow.AutoScore, safetyRow.AutoBasis)
	}
	if seatsRow.AutoScore != nil || !strings.Contains(seatsRow.AutoBasis, "无数据") {
		t.Errorf("no population data: auto %v basis %q; want undecided", seatsRow.AutoScore, seatsRow.AutoBasis)
	}

	const upd = `mutation($e: ID!, $i: ID!, $in: CityEvaluationItemInput!) { updateCityEvaluationItem(evaluationId: $e, itemId: $i, input: $in) { selfScore note evidence { title url fileSha256 } } }`
	first := ev.Items[0]
	good := map[string]any{"selfScore": 5, "note": "已成立领导小组", "evidence": []any{map[string]any{"title": "关于成立托育工作领导小组的通知", "issuer": "沈阳市人民政府办公室", "issuedOn": "2024-03-01", "url": "https://example.gov.cn/a.pdf"}}}
	for _, v := range []auth.Viewer{provReg, otherCity, districtReg, publicV} {
		if c := code(s.DoAs(t, v, upd, map[string]any{"e": ev.ID, "i": first.Item.ID, "in": good})); c != "FORBIDDEN" && c != "NOT_FOUND" {
			t.Errorf("%s %s edited the draft: %q", v.Role, v.RegionCode, c)
		}
	}
	for in, field := range map[string]string{`{"selfScore": 7}`: "input.selfScore", `{"selfScore": -1}`: "input.selfScore",
		`{"evidence": [{"title": "t", "issuer": "i", "issuedOn": "2024-01-01"}]}`:                      "input.evidence[0].url",
		`{"evidence": [{"title": "t", "issuer": "i", "issuedOn": "2024-01-01", "url": "ftp://x/y"}]}`:  "input.evidence[0].url",
		`{"evidence": [{"title": "t", "issuer": "i", "issuedOn": "2024-01-01", "fileSha256": "abc"}]}`: "input.evidence[0].fileSha256"} {
		resp := s.DoAs(t, cityReg, upd, map[string]any{"e": ev.ID, "i": first.Item.ID, "in": jsonMap(t, in)})
		if code(resp) != "BAD_USER_INPUT" || resp.Errors[0].Field() != field {
			t.Errorf("%s: %s", in, resp.Body)
		}
	}
	s.DoAs(t, cityReg, upd, map[string]any{"e": ev.ID, "i": first.Item.ID, "in": good}).Decode(t, &struct{}{})

	const submit = `mutation($e: ID!) { submitCityEvaluation(id: $e) { status } }`
	if resp := s.DoAs(t, cityReg, submit, map[string]any{"e": ev.ID}); code(resp) != "BAD_USER_INPUT" {
		t.Errorf("submitted with unscored items: %s", resp.Body)
	}
	for _, it := range ev.Items[1:] {
		if it.SelfScore == nil {
			s.DoAs(t, cityReg, upd, map[string]any{"e": ev.ID, "i": it.Item.ID, "in": map[string]any{"selfScore": it.Item.Points}}).Decode(t, &struct{}{})
		}
	}
	if c := code(s.DoAs(t, provReg, submit, map[string]any{"e": ev.ID})); c != "FORBIDDEN" {
		t.Errorf("province submitted: %q", c)
	}
	s.DoAs(t, cityReg, submit, map[string]any{"e": ev.ID}).Decode(t, &struct{}{})
	if resp := s.DoAs(t, cityReg, upd, map[string]any{"e": ev.ID, "i": first.Item.ID, "in": good}); code(resp) != "CONFLICT" || resp.Errors[0].Field() != "evaluationId" {
		t.Errorf("edited after submission: %s", resp.Body)
	}

	const review = `mutation($e: ID!, $i: ID!, $in: EvaluationReviewInput!) { reviewCityEvaluationItem(evaluationId: $e, itemId: $i, input: $in) { reviewScore overrideReason } }`
	for _, v := range []auth.Viewer{cityReg, otherProv, districtReg, publicV} {
		if c := code(s.DoAs(t, v, review, map[string]any{"e": ev.ID, "i": first.Item.ID, "in": map[string]any{"score": 5}})); c != "FORBIDDEN" && c != "NOT_FOUND" {
			t.Errorf("%s %s reviewed: %q", v.Role, v.RegionCode, c)
		}
	}
	if resp := s.DoAs(t, provReg, review, map[string]any{"e": ev.ID, "i": filingRow.Item.ID, "in": map[string]any{"score": 2}}); code(resp) != "BAD_USER_INPUT" || resp.Errors[0].Field() != "input.overrideReason" {
		t.Errorf("override without a reason: %s", resp.Body)
	}
	var rev struct {
		ReviewCityEvaluationItem struct{ OverrideReason string }
	}
	s.DoAs(t, provReg, review, map[string]any{"e": ev.ID, "i": filingRow.Item.ID, "in": map[string]any{"score": 2, "overrideReason": "未备案的两家已于年底前关停"}}).Decode(t, &rev)
	if rev.ReviewCityEvaluationItem.OverrideReason == "" {
		t.Error("override reason not kept")
	}
	const complete = `mutation($e: ID!) { completeCityEvaluationReview(id: $e) { status } }`
	if c := code(s.DoAs(t, provReg, complete, map[string]any{"e": ev.ID})); c != "BAD_USER_INPUT" {
		t.Errorf("completed with unreviewed items: %q", c)
	}
	for _, it := range ev.Items {
		if it.Item.ID != filingRow.Item.ID {
			sc := it.Item.Points
			if it.AutoScore != nil {
				sc = *it.AutoScore
			}
			s.DoAs(t, provReg, review, map[string]any{"e": ev.ID, "i": it.Item.ID, "in": map[string]any{"score": sc}}).Decode(t, &struct{}{})
		}
	}
	if c := code(s.DoAs(t, cityReg, complete, map[string]any{"e": ev.ID})); c != "FORBIDDEN" {
		t.Errorf("city completed the review: %q", c)
	}
	var done struct{ CompleteCityEvaluationReview struct{ Status string } }
	s.DoAs(t, provReg, complete, map[string]any{"e": ev.ID}).Decode(t, &done)
	if done.CompleteCityEvaluationReview.Status != "REVIEWED" {
		t.Fatalf("status %s", done.CompleteCityEvaluationReview.Status)
	}

	// Reading: the city's and the province's regulators only.
	const get = `query($e: ID!) { cityEvaluation(id: $e) { ` + evalFields + ` } }`
	for _, v := range []auth.Viewer{otherCity, otherProv, districtReg} {
		var none struct{ CityEvaluation *evalResp }
		s.DoAs(t, v, get, map[string]any{"e": ev.ID}).Decode(t, &none)
		if none.CityEvaluation != nil {
			t.Errorf("%s %s read the evaluation", v.Role, v.RegionCode)
		}
	}
	if c := code(s.DoAs(t, publicV, `{ cityEvaluations { id } }`, nil)); c != "FORBIDDEN" {
		t.Errorf("PUBLIC listed evaluations: %q", c)
	}
	// A district regulator is told why, not given the role's generic text.
	if resp := s.DoAs(t, districtReg, `{ cityEvaluations { id } }`, nil); code(resp) != "FORBIDDEN" || !strings.Contains(resp.Errors[0].Message, "city evaluations are read by") {
		t.Errorf("district regulator listing evaluations: %s", resp.Body)
	}
	var got struct{ CityEvaluation evalResp }
	s.DoAs(t, provReg, get, map[string]any{"e": ev.ID}).Decode(t, &got)
	if got.CityEvaluation.ReviewTotal == nil || got.CityEvaluation.SelfTotal == 0 {
		t.Errorf("totals %+v", got.CityEvaluation)
	}

	// XLSX export: same auth; 404 for viewers who may not read it.
	h := evaluation.ExportHandler(s.Client)
	fetch := func(v auth.Viewer) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, got.CityEvaluation.ExportPath, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req.WithContext(auth.NewContext(req.Context(), &v)))
		return rec
	}
	for _, v := range []auth.Viewer{publicV, otherCity, districtReg} {
		if rec := fetch(v); rec.Code != http.StatusNotFound {
			t.Errorf("%s %s export: %d", v.Role, v.RegionCode, rec.Code)
		}
	}
	rec := fetch(cityReg)
	if rec.Code != http.StatusOK {
		t.Fatalf("export: %d %s", rec.Code, rec.Body.String())
	}
	rows := selfAssessmentRows(t, rec.Body.Bytes())
	if strings.Join(rows[2][:4], "|") != "指标内容|分值|自评分|佐证材料" {
		t.Errorf("header %v", rows[2])
	}
	if rows[3][0] != "（一）党政责任25分" || !strings.HasPrefix(rows[4][0], "1. 党政领导亲自抓") || rows[4][2] != "5" || !strings.Contains(rows[4][3], "关于成立托育工作领导小组的通知") {
		t.Errorf("first rows %q / %q", rows[3], rows[4])
	}
	last := rows[len(rows)-1]
	if last[0] != "合计" || last[1] != "100" || last[2] != strconv.FormatFloat(got.CityEvaluation.SelfTotal, 'f', -1, 64) {
		t.Errorf("total row %q", last)
	}
}

// The pre-fill rules' arithmetic (seed 000 三.5, 三.4, 五.2, 五.5).
func TestEvaluationAutoRules(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, c := range []struct {
		rule  evaluationitem.AutoRule
		pts   float64
		facts evaluation.Facts
		want  *float64
	}{
		{evaluationitem.AutoRuleSEATS_AND_ENROLMENT_VS_PROVINCE, 4, evaluation.Facts{CitySeats: f(3), ProvinceSeats: f(4), CityEnrolment: f(0.1), ProvinceEnrolment: f(0.08)}, f(2)},
		{evaluationitem.AutoRuleSEATS_AND_ENROLMENT_VS_PROVINCE, 4, evaluation.Facts{CitySeats: f(3), ProvinceSeats: f(4), CityEnrolment: f(0.05), ProvinceEnrolment: f(0.08)}, f(0)},
		{evaluationitem.AutoRuleSEATS_AND_ENROLMENT_VS_PROVINCE, 4, evaluation.Facts{CitySeats: f(4), ProvinceSeats: f(4), CityEnrolment: f(0.08), ProvinceEnrolment: f(0.08)}, f(4)},
		{evaluationitem.AutoRuleSEATS_AND_ENROLMENT_VS_PROVINCE, 4, evaluation.Facts{CitySeats: f(4), ProvinceSeats: f(4)}, nil},
		{evaluationitem.AutoRuleGUIDANCE_AND_EMPLOYER, 4, evaluation.Facts{GuidanceCentres: 1}, f(3)},
		{evaluationitem.AutoRuleGUIDANCE_AND_EMPLOYER, 4, evaluation.Facts{GuidanceCentres: 2, EmployerInstitutions: 1}, f(4)},
		{evaluationitem.AutoRuleGUIDANCE_AND_EMPLOYER, 4, evaluation.Facts{EmployerInstitutions: 1}, f(1)},
		{evaluationitem.AutoRuleFILING_RATE, 2, evaluation.Facts{CityFiling: f(1)}, f(2)},
		{evaluationitem.AutoRuleFILING_RATE, 2, evaluation.Facts{CityFiling: f(0.99)}, f(1)},
		{evaluationitem.AutoRuleFILING_RATE, 2, evaluation.Facts{}, nil},
		{evaluationitem.AutoRuleSAFETY_AND_SATISFACTION, 2, evaluation.Facts{Incidents: 1, CitySatisfaction: f(0.95)}, f(0)},
		{evaluationitem.AutoRuleSAFETY_AND_SATISFACTION, 2, evaluation.Facts{CitySatisfaction: f(0.89)}, f(1)},
		{evaluationitem.AutoRuleSAFETY_AND_SATISFACTION, 2, evaluation.Facts{CitySatisfaction: f(0.9)}, f(2)},
		{evaluationitem.AutoRuleSAFETY_AND_SATISFACTION, 2, evaluation.Facts{}, nil},
	} {
		o := evaluation.Apply(c.rule, c.pts, c.facts)
		if (o.Score == nil) != (c.want == nil) || (o.Score != nil && *o.Score != *c.want) || o.Basis == "" {
			t.Errorf("%s %+v: %v (%s), want %v", c.rule, c.facts, fmtp(o.Score), o.Basis, fmtp(c.want))
		}
	}
}

func fmtp(v *float64) string {
	if v == nil {
		return "nil"
	}
	return fmt.Sprint(*v)
}

func jsonMap(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// refreshCityEvaluation re-reads the data for a DRAFT: once every
// institution is filed, 五.2 is no longer reduced, and its self-score,
// still the data's proposal, moves with it (1 → 2); a self-score the city
// changed (三.4: auto 0, city 1) stays.
func TestRefreshCityEvaluation(t *testing.T) {
	s := gqltest.New(t)
	tr := evalFixture(t, s.Client)
	ev, resp := startEval(t, s, cityReg, tr.city.ID)
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Body)
	}
	const upd = `mutation($e: ID!, $i: ID!, $in: CityEvaluationItemInput!) { updateCityEvaluationItem(evaluationId: $e, itemId: $i, input: $in) { selfScore } }`
	var guidanceItem string
	for _, it := range ev.Items {
		if it.Item.AutoRule != nil && *it.Item.AutoRule == "GUIDANCE_AND_EMPLOYER" {
			guidanceItem = it.Item.ID
			if it.AutoScore == nil || *it.AutoScore != 0 {
				t.Fatalf("三.4 auto %v, want 0 (no guidance centre, no employer institution)", fmtp(it.AutoScore))
			}
		}
	}
	s.DoAs(t, cityReg, upd, map[string]any{"e": ev.ID, "i": guidanceItem, "in": map[string]any{"selfScore": 1}}).Decode(t, &struct{}{})
	ctx := testdb.Ctx()
	for _, i := range []int{2, 3} {
		s.Client.Filing.Create().SetInstitution(tr.institutions[i]).SetSubmittedAt(civil.D(2023, 1, 2)).SetStatus(filing.StatusFILED).SetReceiptAt(civil.D(2023, 1, 5)).ExecX(ctx)
	}
	const refresh = `mutation($e: ID!) { refreshCityEvaluation(id: $e) { ` + evalFields + ` } }`
	if c := code(s.DoAs(t, provReg, refresh, map[string]any{"e": ev.ID})); c != "FORBIDDEN" {
		t.Errorf("province refreshed: %q", c)
	}
	var out struct{ RefreshCityEvaluation evalResp }
	s.DoAs(t, cityReg, refresh, map[string]any{"e": ev.ID}).Decode(t, &out)
	for _, it := range out.RefreshCityEvaluation.Items {
		if it.Item.AutoRule != nil && *it.Item.AutoRule == "FILING_RATE" {
			if it.AutoScore == nil || *it.AutoScore != 2 || !strings.Contains(it.AutoBasis, "100.0%") {
				t.Errorf("after filing all: auto %v basis %q", fmtp(it.AutoScore), it.AutoBasis)
			}
			if it.SelfScore == nil || *it.SelfScore != 2 {
				t.Errorf("the pre-filled self-score did not move with the data: %v, want 2", fmtp(it.SelfScore))
			}
		}
		if it.Item.ID == guidanceItem && (it.SelfScore == nil || *it.SelfScore != 1) {
			t.Errorf("refresh overwrote the city's own self-score: %v, want 1", fmtp(it.SelfScore))
		}
	}
}

// selfAssessmentRows reads the 自评表 sheet of an evaluation's XLSX export.
func selfAssessmentRows(t *testing.T, xlsx []byte) [][]string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows("自评表")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
