package graph_test

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent/cityevaluationitem"
	"github.com/tuoyu/tuoyu/ent/evaluationitem"
	"github.com/tuoyu/tuoyu/ent/evaluationscheme"
	"github.com/tuoyu/tuoyu/ent/incident"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/evaluation"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

const loadScheme = `mutation($in: EvaluationSchemeInput!) { loadEvaluationScheme(input: $in) { code totalPoints } }`

// schemeVars is in as loadEvaluationScheme's variables.
func schemeVars(in evaluation.SchemeInput) map[string]any {
	var sections []any
	for _, sec := range in.Sections {
		var items []any
		for _, it := range sec.Items {
			m := map[string]any{"content": it.Content, "points": it.Points, "deductionRules": it.Rules}
			if it.Auto != "" {
				m["autoRule"] = string(it.Auto)
			}
			items = append(items, m)
		}
		sections = append(sections, map[string]any{"no": sec.No, "name": sec.Name, "points": sec.Points, "items": items})
	}
	return map[string]any{"in": map[string]any{"code": in.Code, "name": in.Name, "source": in.Source, "provinceCode": in.ProvinceCode, "sections": sections}}
}

// liaoningSplit is LN-2022 with section (六) as the complete annex would
// have it: five items of 3 points instead of one of 15 (README: how
// section 六 gets completed).
func liaoningSplit() evaluation.SchemeInput {
	in := evaluation.Liaoning
	in.Sections = append([]evaluation.SectionInput(nil), in.Sections...)
	six := in.Sections[5]
	six.Items = nil
	for i := range 5 {
		six.Items = append(six.Items, evaluation.ItemInput{Content: "服务质量条目" + strconv.Itoa(i+1), Points: 3})
	}
	in.Sections[5] = six
	return in
}

const updItem = `mutation($e: ID!, $i: ID!, $in: CityEvaluationItemInput!) { updateCityEvaluationItem(evaluationId: $e, itemId: $i, input: $in) { selfScore } }`

// scoreAll gives every row without a self-score its full points.
func scoreAll(t *testing.T, s *gqltest.Server, v auth.Viewer, ev evalResp) {
	t.Helper()
	for _, it := range ev.Items {
		if it.SelfScore == nil {
			s.DoAs(t, v, updItem, map[string]any{"e": ev.ID, "i": it.Item.ID, "in": map[string]any{"selfScore": it.Item.Points}}).Decode(t, &struct{}{})
		}
	}
}

// Finding 1: a reload never changes what a SUBMITTED evaluation scored.
// Splitting (六) after 沈阳 submitted is CONFLICT naming the first
// difference; the item keeps its 15 points and the city's 14; an identical
// reload is accepted and changes nothing.
func TestEvaluationReloadFrozenBySubmission(t *testing.T) {
	s := gqltest.New(t)
	tr := evalFixture(t, s.Client)
	ev, resp := startEval(t, s, cityReg, tr.city.ID)
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Body)
	}
	six := ev.Items[len(ev.Items)-1]
	scoreAll(t, s, cityReg, ev)
	s.DoAs(t, cityReg, updItem, map[string]any{"e": ev.ID, "i": six.Item.ID, "in": map[string]any{"selfScore": 14}}).Decode(t, &struct{}{})
	s.DoAs(t, cityReg, `mutation($e: ID!) { submitCityEvaluation(id: $e) { status } }`, map[string]any{"e": ev.ID}).Decode(t, &struct{}{})

	resp = s.DoAs(t, provReg, loadScheme, schemeVars(liaoningSplit()))
	if code(resp) != "CONFLICT" || resp.Errors[0].Field() != "input.sections[5].items[0].content" {
		t.Fatalf("reload of a submitted scheme: %s", resp.Body)
	}
	ctx := testdb.Ctx()
	if n := s.Client.EvaluationItem.Query().CountX(ctx); n != 28 {
		t.Errorf("%d items after the refused reload, want 28", n)
	}
	var got struct{ CityEvaluation evalResp }
	s.DoAs(t, cityReg, `query($e: ID!) { cityEvaluation(id: $e) { `+evalFields+` } }`, map[string]any{"e": ev.ID}).Decode(t, &got)
	last := got.CityEvaluation.Items[len(got.CityEvaluation.Items)-1]
	if last.Item.Points != 15 || last.SelfScore == nil || *last.SelfScore != 14 {
		t.Errorf("item (六) now %g points scored %v, want 15 and 14", last.Item.Points, fmtp(last.SelfScore))
	}
	// A changed title alone is refused too; an identical reload is not.
	renamed := evaluation.Liaoning
	renamed.Name += "（修订）"
	if resp := s.DoAs(t, provReg, loadScheme, schemeVars(renamed)); code(resp) != "CONFLICT" || resp.Errors[0].Field() != "input.name" {
		t.Errorf("renaming a submitted scheme: %s", resp.Body)
	}
	s.DoAs(t, provReg, loadScheme, schemeVars(evaluation.Liaoning)).Decode(t, &struct{}{})
	// The complete annex goes in under a new code; new evaluations use it.
	full := liaoningSplit()
	full.Code = "LN-2022-FULL"
	s.DoAs(t, provReg, loadScheme, schemeVars(full)).Decode(t, &struct{}{})
	dl, resp := startEval(t, s, otherCity, regionID(t, s, "210200"))
	if len(resp.Errors) > 0 || len(dl.Items) != 32 {
		t.Errorf("大连 started on the newest scheme with %d rows, want 32: %s", len(dl.Items), resp.Body)
	}
}

func regionID(t *testing.T, s *gqltest.Server, code string) int {
	t.Helper()
	return s.Client.Region.Query().Where(region.Code(code)).OnlyIDX(testdb.Ctx())
}

// Finding 1, drafts: a reload adds rows for new items to every DRAFT, and
// an item whose points shrink loses a self-score above them (沈阳 14 of 15)
// but keeps one within them (大连 2); the draft cannot be submitted with
// the new items unscored.
func TestEvaluationReloadUpdatesDrafts(t *testing.T) {
	s := gqltest.New(t)
	tr := evalFixture(t, s.Client)
	ctx := testdb.Ctx()
	dalianID := regionID(t, s, "210200")
	ev, resp := startEval(t, s, cityReg, tr.city.ID)
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Body)
	}
	dl, resp := startEval(t, s, otherCity, dalianID)
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Body)
	}
	six := ev.Items[len(ev.Items)-1].Item.ID
	scoreAll(t, s, cityReg, ev)
	s.DoAs(t, cityReg, updItem, map[string]any{"e": ev.ID, "i": six, "in": map[string]any{"selfScore": 14}}).Decode(t, &struct{}{})
	s.DoAs(t, otherCity, updItem, map[string]any{"e": dl.ID, "i": six, "in": map[string]any{"selfScore": 2}}).Decode(t, &struct{}{})

	s.DoAs(t, provReg, loadScheme, schemeVars(liaoningSplit())).Decode(t, &struct{}{})

	const refresh = `mutation($e: ID!) { refreshCityEvaluation(id: $e) { ` + evalFields + ` } }`
	var out struct{ RefreshCityEvaluation evalResp }
	s.DoAs(t, cityReg, refresh, map[string]any{"e": ev.ID}).Decode(t, &out)
	rows := out.RefreshCityEvaluation.Items
	if len(rows) != 32 {
		t.Fatalf("%d rows after the split, want 32", len(rows))
	}
	for _, r := range rows[27:] {
		if r.Item.Points != 3 {
			t.Errorf("section (六) item of %g points, want 3", r.Item.Points)
		}
		if r.SelfScore != nil {
			t.Errorf("section (六) row scored %v after the split, want none (14 > 3 cleared, new items unscored)", fmtp(r.SelfScore))
		}
	}
	if n := s.Client.CityEvaluationItem.Query().Where(cityevaluationitem.EvaluationID(atoi(t, dl.ID))).CountX(ctx); n != 32 {
		t.Errorf("大连's draft has %d rows, want 32 (added at the reload)", n)
	}
	kept := s.Client.CityEvaluationItem.Query().Where(cityevaluationitem.EvaluationID(atoi(t, dl.ID)), cityevaluationitem.ItemID(atoi(t, six))).OnlyX(ctx)
	if kept.SelfScore == nil || *kept.SelfScore != 2 {
		t.Errorf("大连's self-score 2 within the new 3 points: %v", fmtp(kept.SelfScore))
	}
	const submit = `mutation($e: ID!) { submitCityEvaluation(id: $e) { status } }`
	if resp := s.DoAs(t, cityReg, submit, map[string]any{"e": ev.ID}); code(resp) != "BAD_USER_INPUT" || resp.Errors[0].Field() != "id" {
		t.Errorf("submitted with five unscored items: %s", resp.Body)
	}
	for _, r := range rows[27:] {
		s.DoAs(t, cityReg, updItem, map[string]any{"e": ev.ID, "i": r.Item.ID, "in": map[string]any{"selfScore": 3}}).Decode(t, &struct{}{})
	}
	var done struct{ SubmitCityEvaluation struct{ Status string } }
	s.DoAs(t, cityReg, submit, map[string]any{"e": ev.ID}).Decode(t, &done)
	if done.SubmitCityEvaluation.Status != "SUBMITTED" {
		t.Errorf("status %s", done.SubmitCityEvaluation.Status)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Finding 3: leaving out an item that a city scored is CONFLICT on
// input.sections, naming the item, and nothing is written. Left unscored
// (the draft's row holds no work), the item goes with its row.
func TestEvaluationReloadRemovingScoredItem(t *testing.T) {
	s := gqltest.New(t)
	tr := evalFixture(t, s.Client)
	if _, resp := startEval(t, s, cityReg, tr.city.ID); len(resp.Errors) > 0 {
		t.Fatal(resp.Body)
	}
	ctx := testdb.Ctx()
	in := evaluation.Liaoning
	in.Name = "改名"
	in.Sections = append([]evaluation.SectionInput(nil), in.Sections...)
	one := in.Sections[0]
	dropped := one.Items[4]
	one.Items = one.Items[:4]
	one.Points -= int(dropped.Points)
	in.Sections[0] = one
	row := s.Client.CityEvaluationItem.Query().
		Where(cityevaluationitem.HasItemWith(evaluationitem.SectionNo(1), evaluationitem.ItemNo(5))).OnlyX(ctx)
	if row.SelfScore != nil && (row.AutoScore == nil || *row.AutoScore != *row.SelfScore) || row.Note != "" {
		t.Fatalf("a new draft's row of item 1.5 holds work: %+v", row)
	}

	// The city's note on the item is its work: the reload is refused.
	s.Client.CityEvaluationItem.UpdateOne(row).SetNote("已核实").ExecX(ctx)
	resp := s.DoAs(t, provReg, loadScheme, schemeVars(in))
	if code(resp) != "CONFLICT" || resp.Errors[0].Field() != "input.sections" || !strings.Contains(resp.Errors[0].Message, "item 1.5") {
		t.Fatalf("removing an item the city worked on: %s", resp.Body)
	}
	if n := s.Client.EvaluationItem.Query().CountX(ctx); n != 28 {
		t.Errorf("%d items, want 28", n)
	}
	if sc := s.Client.EvaluationScheme.Query().Where(evaluationscheme.Code("LN-2022")).OnlyX(ctx); sc.Name != evaluation.Liaoning.Name || sc.TotalPoints != 100 {
		t.Errorf("scheme written by a refused reload: %q %d", sc.Name, sc.TotalPoints)
	}

	// Without the note the row holds nothing of the city's: item and row go.
	s.Client.CityEvaluationItem.UpdateOne(row).SetNote("").ExecX(ctx)
	if resp := s.DoAs(t, provReg, loadScheme, schemeVars(in)); len(resp.Errors) > 0 {
		t.Fatalf("removing an item no one worked on: %s", resp.Body)
	}
	if n := s.Client.EvaluationItem.Query().CountX(ctx); n != 27 {
		t.Errorf("%d items, want 27", n)
	}
	if s.Client.CityEvaluationItem.Query().Where(cityevaluationitem.ID(row.ID)).ExistX(ctx) {
		t.Error("the draft's row of the removed item is still there")
	}
}

// Finding 8: sections are numbered 1, 2, … in list order.
func TestEvaluationSchemeSectionNumbers(t *testing.T) {
	s := gqltest.New(t)
	evalFixture(t, s.Client)
	in := evaluation.SchemeInput{Code: "JL-2024", Name: "吉林", ProvinceCode: "220000", Sections: []evaluation.SectionInput{
		{No: 2, Name: "党政责任", Points: 10, Items: []evaluation.ItemInput{{Content: "甲", Points: 10}}}}}
	if resp := s.DoAs(t, otherProv, loadScheme, schemeVars(in)); code(resp) != "BAD_USER_INPUT" || resp.Errors[0].Field() != "input.sections[0].no" {
		t.Errorf("a lone section numbered 2: %s", resp.Body)
	}
}

// Finding 4: errors name arguments and input fields as the client wrote
// them, and an unknown cityId is refused like another city's.
func TestEvaluationErrorFields(t *testing.T) {
	s := gqltest.New(t)
	tr := evalFixture(t, s.Client)
	if _, resp := startEval(t, s, cityReg, 999999); code(resp) != "FORBIDDEN" {
		t.Errorf("unknown cityId: %s", resp.Body)
	}
	ev, resp := startEval(t, s, cityReg, tr.city.ID)
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Body)
	}
	for _, c := range []struct {
		name, query string
		vars        map[string]any
		wantCode    string
		wantField   string
	}{
		{"item of no scheme", updItem, map[string]any{"e": ev.ID, "i": ev.ID, "in": map[string]any{"selfScore": 1}}, "BAD_USER_INPUT", "itemId"},
		{"second evidence without url", updItem, map[string]any{"e": ev.ID, "i": ev.Items[0].Item.ID, "in": map[string]any{"evidence": []any{
			map[string]any{"title": "t", "issuer": "i", "issuedOn": "2024-01-01", "url": "https://example.gov.cn/a.pdf"},
			map[string]any{"title": "t", "issuer": "i", "issuedOn": "2024-01-01"}}}}, "BAD_USER_INPUT", "input.evidence[1].url"},
		{"blank title", updItem, map[string]any{"e": ev.ID, "i": ev.Items[0].Item.ID, "in": map[string]any{"evidence": []any{
			map[string]any{"title": " ", "issuer": "i", "issuedOn": "2024-01-01", "url": "https://example.gov.cn/a.pdf"}}}}, "BAD_USER_INPUT", "input.evidence[0].title"},
		{"submit unscored", `mutation($e: ID!) { submitCityEvaluation(id: $e) { status } }`, map[string]any{"e": ev.ID}, "BAD_USER_INPUT", "id"},
		{"review a draft", `mutation($e: ID!, $i: ID!) { reviewCityEvaluationItem(evaluationId: $e, itemId: $i, input: {score: 1}) { id } }`, map[string]any{"e": ev.ID, "i": ev.Items[0].Item.ID}, "CONFLICT", "evaluationId"},
		{"complete a draft", `mutation($e: ID!) { completeCityEvaluationReview(id: $e) { status } }`, map[string]any{"e": ev.ID}, "CONFLICT", "id"},
	} {
		v := cityReg
		if strings.Contains(c.query, "review") || strings.Contains(c.query, "Review") {
			v = provReg
		}
		resp := s.DoAs(t, v, c.query, c.vars)
		if code(resp) != c.wantCode || resp.Errors[0].Field() != c.wantField {
			t.Errorf("%s: %s, want %s on %s", c.name, resp.Body, c.wantCode, c.wantField)
			continue
		}
		// The message is a sentence about the field, not a snake_case
		// name glued to one.
		if msg := resp.Errors[0].Message; !strings.HasPrefix(msg, c.wantField+" ") || strings.Contains(msg, "_") {
			t.Errorf("%s: message %q", c.name, msg)
		}
	}
}

// Finding 2: an incident's year is the calendar year in the server's time
// zone, whatever offset the client sent. 2024-12-31T21:00:00Z is
// 2025-01-01 05:00 in Asia/Shanghai: it counts for the later year, not
// the earlier, sent with Z or with +08:00, on both dialects.
func TestEvaluationIncidentYearInServerZone(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	year := time.Now().In(shanghai).Year() - 1 // a closed year: taken as of 31 December
	instant := time.Date(year-1, time.December, 31, 21, 0, 0, 0, time.UTC)
	for _, zone := range []*time.Location{time.UTC, time.FixedZone("UTC+8", 8*3600)} {
		t.Run(zone.String(), func(t *testing.T) {
			s := gqltest.New(t, gqltest.WithLocation(shanghai))
			tr := buildTree(t, s.Client, 2)
			ctx := testdb.Ctx()
			s.Client.Incident.Create().SetInstitution(tr.institutions[0]).SetSeverity(incident.SeverityMINOR).SetKind("跌落").
				SetOccurredAt(instant.In(zone)).SetReportedAt(instant.In(zone).Add(time.Hour)).ExecX(ctx)
			for y, want := range map[int]string{year - 1: "安全事故 0 起", year: "安全事故 1 起"} {
				resp := s.DoAs(t, cityReg, `mutation($c: ID!, $y: Int!) { startCityEvaluation(cityId: $c, year: $y) { `+evalFields+` } }`,
					map[string]any{"c": tr.city.ID, "y": y})
				var out struct{ StartCityEvaluation evalResp }
				resp.Decode(t, &out)
				found := false
				for _, it := range out.StartCityEvaluation.Items {
					if it.Item.AutoRule != nil && *it.Item.AutoRule == string(evaluationitem.AutoRuleSAFETY_AND_SATISFACTION) {
						found = true
						if !strings.Contains(it.AutoBasis, want) {
							t.Errorf("year %d: basis %q, want %q", y, it.AutoBasis, want)
						}
					}
				}
				if !found {
					t.Fatalf("year %d: no SAFETY_AND_SATISFACTION row", y)
				}
			}
		})
	}
}

// Finding 7: the XLSX's dimension covers the data (A1 to G and the total
// row), so readers that trust it (openpyxl read_only) see every cell.
func TestEvaluationExportDimension(t *testing.T) {
	s := gqltest.New(t)
	tr := evalFixture(t, s.Client)
	ev, resp := startEval(t, s, cityReg, tr.city.ID)
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Body)
	}
	req := httptest.NewRequest(http.MethodGet, ev.ExportPath, nil)
	rec := httptest.NewRecorder()
	evaluation.ExportHandler(s.Client).ServeHTTP(rec, req.WithContext(auth.NewContext(req.Context(), &cityReg)))
	if rec.Code != http.StatusOK {
		t.Fatalf("export: %d", rec.Code)
	}
	rows := selfAssessmentRows(t, rec.Body.Bytes())
	zr, err := zip.NewReader(bytes.NewReader(rec.Body.Bytes()), int64(rec.Body.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var sheet []byte
	for _, f := range zr.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			sheet, _ = io.ReadAll(rc)
			rc.Close()
		}
	}
	m := regexp.MustCompile(`<dimension ref="([^"]+)"`).FindSubmatch(sheet)
	want := "A1:G" + strconv.Itoa(len(rows)) // 3 heading rows, 6 sections, 28 items, the total: 38
	if m == nil || string(m[1]) != want || len(rows) != 38 {
		t.Errorf("dimension %q with %d rows, want %s", m, len(rows), want)
	}
}

// Finding 9: startCityEvaluation takes the province's newest scheme unless
// schemeCode names another of the province's schemes; a code of no scheme
// of the province (unknown, or another province's) is BAD_USER_INPUT.
func TestStartCityEvaluationSchemeCode(t *testing.T) {
	s := gqltest.New(t)
	tr := evalFixture(t, s.Client)
	if err := evaluation.EnsureBuiltin(testdb.Ctx(), s.Client); err != nil {
		t.Fatal(err)
	}
	full := liaoningSplit()
	full.Code = "LN-TEST"
	s.DoAs(t, provReg, loadScheme, schemeVars(full)).Decode(t, &struct{}{})
	jilin := evaluation.SchemeInput{Code: "JL-2024", Name: "吉林", ProvinceCode: "220000", Sections: []evaluation.SectionInput{
		{No: 1, Name: "党政责任", Points: 10, Items: []evaluation.ItemInput{{Content: "甲", Points: 10}}}}}
	s.DoAs(t, otherProv, loadScheme, schemeVars(jilin)).Decode(t, &struct{}{})
	const start = `mutation($c: ID!, $y: Int!, $s: String) { startCityEvaluation(cityId: $c, year: $y, schemeCode: $s) { scheme { code } items { id } } }`
	year := time.Now().UTC().Year()
	for _, sc := range []string{"NO-SUCH", "JL-2024"} {
		if resp := s.DoAs(t, cityReg, start, map[string]any{"c": tr.city.ID, "y": year, "s": sc}); code(resp) != "BAD_USER_INPUT" || resp.Errors[0].Field() != "schemeCode" {
			t.Errorf("schemeCode %s: %s", sc, resp.Body)
		}
	}
	var out struct {
		StartCityEvaluation struct {
			Scheme struct{ Code string }
			Items  []struct{ ID string }
		}
	}
	s.DoAs(t, cityReg, start, map[string]any{"c": tr.city.ID, "y": year, "s": "LN-2022"}).Decode(t, &out)
	if out.StartCityEvaluation.Scheme.Code != "LN-2022" || len(out.StartCityEvaluation.Items) != 28 {
		t.Errorf("started on %s with %d rows, want LN-2022 with 28", out.StartCityEvaluation.Scheme.Code, len(out.StartCityEvaluation.Items))
	}
	s.DoAs(t, otherCity, start, map[string]any{"c": regionID(t, s, "210200"), "y": year}).Decode(t, &out)
	if out.StartCityEvaluation.Scheme.Code != "LN-TEST" || len(out.StartCityEvaluation.Items) != 32 {
		t.Errorf("without schemeCode: %s with %d rows, want the newest, LN-TEST, with 32", out.StartCityEvaluation.Scheme.Code, len(out.StartCityEvaluation.Items))
	}
}
