package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/tuoyu/tuoyu/internal/dashboard"
	"github.com/tuoyu/tuoyu/internal/persisted"
)

// artifactsDir is where the browser test saves screenshots and exports:
// $TUOYU_ARTIFACTS/dashboard, else artifacts/dashboard at the repository
// root (git-ignored).
func artifactsDir(t *testing.T) string {
	dir := filepath.Join("..", "artifacts", "dashboard")
	if base := os.Getenv("TUOYU_ARTIFACTS"); base != "" {
		dir = filepath.Join(base, "dashboard")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	return abs
}

// chromiumPath finds headless Chromium: $TUOYU_CHROMIUM, else Debian's.
func chromiumPath() string {
	if p := os.Getenv("TUOYU_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// gqlDo posts one dashboard operation, as the page does.
func gqlDo(t *testing.T, base, token, op string, vars map[string]any, out any) {
	t.Helper()
	ops, err := dashboard.Operations()
	if err != nil {
		t.Fatal(err)
	}
	var doc string
	for _, o := range ops {
		if o.Name == op {
			doc = o.Document
		}
	}
	body, _ := json.Marshal(map[string]any{"query": doc, "operationName": op, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, base+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []any           `json:"errors"`
	}
	if err := json.Unmarshal(raw, &r); err != nil || len(r.Errors) > 0 || res.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %.500s", op, res.StatusCode, raw)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatal(err)
	}
}

type indicatorValue struct {
	Key         string   `json:"key"`
	Value       *float64 `json:"value"`
	Numerator   float64  `json:"numerator"`
	Denominator *float64 `json:"denominator"`
	Suppressed  bool     `json:"suppressed"`
}

type overviewData struct {
	Node struct {
		ID         string           `json:"id"`
		Name       string           `json:"name"`
		Indicators []indicatorValue `json:"indicators"`
	} `json:"node"`
}

type childrenData struct {
	Node struct {
		Children struct {
			Edges []struct {
				Node struct {
					ID         string           `json:"id"`
					Code       string           `json:"code"`
					Name       string           `json:"name"`
					Boundary   *string          `json:"boundary"`
					Indicators []indicatorValue `json:"indicators"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"children"`
	} `json:"node"`
}

// workInst is an institution as the work lists show it.
type workInst struct {
	Name   string
	Region struct {
		Name, Level string
		Parent      *struct{ Name string }
	}
}

// place is the page's region column (web/src/main.js placeOf).
func (i workInst) place() string {
	if i.Region.Parent != nil && i.Region.Level == "SUBDISTRICT" {
		return i.Region.Parent.Name + " · " + i.Region.Name
	}
	return i.Region.Name
}

type workDeadline struct {
	Kind            string
	WorkingDaysLeft int
	DaysOverdue     int
	Filing          struct {
		ID          string
		Institution workInst
	}
}

type rectifiedPage struct {
	Rectified struct {
		PageInfo struct {
			HasNextPage bool
			EndCursor   string
		}
		Edges []struct {
			Node struct {
				Institution workInst
				Findings    []struct {
					ID, Status  string
					RectifiedAt *string
				}
			}
		}
	}
}

type workData struct {
	FilingsDue, FilingsOverdue []workDeadline
	FindingsOverdue            []struct {
		DaysOverdue int
		Finding     struct {
			ID         string
			Inspection struct{ Institution workInst }
		}
	}
	ComplaintsOverdue []struct {
		DaysOverdue int
		Complaint   struct {
			ID          string
			Institution workInst
		}
	}
	rectifiedPage
}

// workRow is one row of a work-list table: its data-id, the institution and
// region columns, and the last column (days left, overdue or waiting).
type workRow struct{ ID, Inst, Place, Last string }

// wantWork reads DashWork (and DashWorkRectified pages) as the page does
// and returns the rows each section must show, in order.
func wantWork(t *testing.T, base, token, region, prefix, asOf string, within int) map[string][]workRow {
	t.Helper()
	var d workData
	gqlDo(t, base, token, "DashWork", map[string]any{"region": region, "prefix": prefix, "within": within, "asOf": asOf}, &d)
	days := func(n int) string { return fmtCount(float64(n)) }
	out := map[string][]workRow{}
	for _, x := range d.FilingsDue {
		out["filings-due"] = append(out["filings-due"], workRow{x.Filing.ID + ":" + x.Kind, x.Filing.Institution.Name, x.Filing.Institution.place(), days(x.WorkingDaysLeft)})
	}
	for _, x := range d.FilingsOverdue {
		out["filings-overdue"] = append(out["filings-overdue"], workRow{x.Filing.ID + ":" + x.Kind, x.Filing.Institution.Name, x.Filing.Institution.place(), days(x.DaysOverdue)})
	}
	for _, x := range d.FindingsOverdue {
		i := x.Finding.Inspection.Institution
		out["findings-overdue"] = append(out["findings-overdue"], workRow{x.Finding.ID, i.Name, i.place(), days(x.DaysOverdue)})
	}
	for _, x := range d.ComplaintsOverdue {
		i := x.Complaint.Institution
		out["complaints-overdue"] = append(out["complaints-overdue"], workRow{x.Complaint.ID, i.Name, i.place(), days(x.DaysOverdue)})
	}
	// Awaiting verification: RECTIFIED on or before asOf, longest waiting first.
	type waiting struct {
		row workRow
		on  string
	}
	var ws []waiting
	day, _ := time.Parse(time.DateOnly, asOf)
	page := d.rectifiedPage
	for {
		for _, e := range page.Rectified.Edges {
			for _, f := range e.Node.Findings {
				if f.Status != "RECTIFIED" || f.RectifiedAt == nil || *f.RectifiedAt > asOf {
					continue
				}
				on, _ := time.Parse(time.DateOnly, *f.RectifiedAt)
				ws = append(ws, waiting{workRow{f.ID, e.Node.Institution.Name, e.Node.Institution.place(), days(int(day.Sub(on).Hours() / 24))}, *f.RectifiedAt})
			}
		}
		if !page.Rectified.PageInfo.HasNextPage {
			break
		}
		after := page.Rectified.PageInfo.EndCursor
		page = rectifiedPage{}
		gqlDo(t, base, token, "DashWorkRectified", map[string]any{"prefix": prefix, "asOf": asOf, "after": after}, &page)
	}
	sort.SliceStable(ws, func(i, j int) bool { return ws[i].on < ws[j].on })
	for _, w := range ws {
		out["rectified"] = append(out["rectified"], w.row)
	}
	return out
}

// fmtValue is the page's number format (web/src/main.js fmtValue).
func fmtValue(v *float64, unit string, suppressed bool) string {
	switch {
	case suppressed:
		return "已抑制"
	case v == nil:
		return "—"
	case unit == "RATIO":
		return fmt.Sprintf("%.1f%%", *v*100)
	case unit == "PER_1000":
		return fmt.Sprintf("%.2f‰", *v)
	}
	return fmtCount(*v)
}

func fmtCount(v float64) string {
	if v != math.Trunc(v) {
		return fmt.Sprintf("%.2f", v)
	}
	s := fmt.Sprintf("%d", int64(v))
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// TestDashboardInBrowser runs the server as `go run ./server` does (city
// demo on a fresh SQLite file, --allow-list with an unrelated document),
// signs in with a development token in headless Chromium and walks the
// dashboard: overview, drill-down into a district, trend, map, exports,
// work lists (then a BI API key, which is refused them).
// Numbers on the page must equal the GraphQL values for the same region and
// dates; no console errors; no request may leave the host. Screenshots go
// to artifactsDir.
func TestDashboardInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: not in -short")
	}
	if os.Getenv("TEST_DIALECT") != "sqlite" && os.Getenv("TEST_DATABASE_URL") != "" {
		t.Skip("the browser test runs in the SQLite pass (TEST_DIALECT=sqlite); the dashboard reads only GraphQL, which both dialects serve alike")
	}
	chromium := chromiumPath()
	if chromium == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is missing: .ci/run installs it (apt-get install chromium fonts-noto-cjk)")
		}
		t.Skip("chromium not found (set TUOYU_CHROMIUM or apt-get install chromium)")
	}
	arts := artifactsDir(t)
	tmp := t.TempDir()
	path := filepath.Join(tmp, "dash.db")

	// An allow list that does not name the dashboard's documents: the server
	// adds them at start-up.
	allow := filepath.Join(tmp, "allow.json")
	other := "query Other { __typename }"
	if b, _ := json.Marshal(map[string]string{persisted.Hash(other): other}); os.WriteFile(allow, b, 0o600) != nil {
		t.Fatal("writing allow list")
	}

	_, _ = captureOutput(t)
	base := serveInProcess(t, "--db", path, "--demo-scale", "city", "--allow-list", allow,
		// The KPIs of a city on SQLite take seconds; on a loaded CI machine
		// more than the default 30 s, which is not what this test is about.
		"--request-timeout", "5m",
		// No region reaches this many children, so every child-based cell is
		// suppressed for the BI account at the end (regulators see values).
		"--suppression-k", "1000000").base

	out := &syncBuffer{}
	stdout = out
	if err := run(context.Background(), []string{"token", "--db", path, "--role", "CITY_REGULATOR", "--region", "210100", "--subject", "dash.test"}); err != nil {
		t.Fatal(err)
	}
	token := oneLine(t, out.take())

	// Allow-list mode: the dashboard's operations run, others do not.
	if r := post(t, base+"/query", "Bearer "+token, "{ indicatorCatalog { key } }"); r.code() != persisted.CodeNotAllowed {
		t.Fatalf("unlisted document: %+v", r)
	}
	var viewer struct {
		Viewer struct {
			Role   string `json:"role"`
			Region struct{ ID, Name string }
		} `json:"viewer"`
	}
	gqlDo(t, base, token, "DashViewer", nil, &viewer)
	if viewer.Viewer.Role != "CITY_REGULATOR" || viewer.Viewer.Region.Name != "沈阳市" {
		t.Fatalf("viewer: %+v", viewer)
	}
	var cat struct {
		IndicatorCatalog []struct{ Key, Unit string } `json:"indicatorCatalog"`
	}
	gqlDo(t, base, token, "DashCatalog", nil, &cat)
	units := map[string]string{}
	for _, c := range cat.IndicatorCatalog {
		units[c.Key] = c.Unit
	}

	now := time.Now()
	asOf := now.Format("2006-01-02")
	period := time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, time.UTC)
	vars := func(region string) map[string]any {
		return map[string]any{
			"region": region, "asOf": asOf,
			"from": period.Format("2006-01-02"), "to": period.AddDate(0, 1, 0).Format("2006-01-02"),
		}
	}
	city := viewer.Viewer.Region.ID

	// The browser: fresh profile, no network beyond loopback expected.
	downloads := filepath.Join(tmp, "downloads")
	_ = os.MkdirAll(downloads, 0o755)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(filepath.Join(tmp, "profile")),
		chromedp.WindowSize(1400, 1000),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	bctx, cancelTimeout := context.WithTimeout(bctx, 15*time.Minute)
	defer cancelTimeout()

	var mu sync.Mutex
	var problems, external []string
	host := strings.TrimPrefix(base, "http://")
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	if err := chromedp.Listen(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if string(e.Type) == "error" {
				var args []string
				for _, a := range e.Args {
					args = append(args, fmt.Sprint(a.Value))
				}
				problems = append(problems, "console.error: "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg := fmt.Sprintf("exception: %s at %s:%d:%d", d.Text, d.URL, d.LineNumber+1, d.ColumnNumber+1)
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			problems = append(problems, msg)
		case *log.EventEntryAdded:
			if string(e.Entry.Level) == "error" {
				problems = append(problems, "log: "+e.Entry.Text+" "+e.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			u, err := url.Parse(e.Request.URL)
			if err != nil || (u.Scheme != "data" && u.Scheme != "blob" && u.Host != host) {
				external = append(external, e.Request.URL)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(bctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(bctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := chromedp.CallBrowser(bctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads, EventsEnabled: &yes}); err != nil {
		t.Fatal(err)
	}
	fail := func(step string, err error) {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("%s: %v (problems so far: %v)", step, err, problems)
	}
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, actions...); err != nil {
			fail(step, err)
		}
	}
	eval := func(step, expr string, out any) {
		t.Helper()
		raw, err := chromedp.Run(bctx, chromedp.Evaluate[[]byte](expr))
		if err != nil {
			fail(step, err)
		}
		if err := json.Unmarshal(raw, out); err != nil {
			fail(step, err)
		}
	}
	text := func(step, sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			fail(step, err)
		}
		return s
	}
	shot := func(name string) {
		t.Helper()
		_ = chromedp.Do(bctx, chromedp.Sleep(300*time.Millisecond))
		buf, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			fail("screenshot "+name, err)
		}
		if err := os.WriteFile(filepath.Join(arts, name), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	visible := func(sel string) chromedp.Action[chromedp.Void] { return chromedp.WaitVisible(chromedp.CSS(sel)) }
	click := func(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }

	start := fmt.Sprintf("%s/dashboard#asOf=%s&period=%s", base, asOf, period.Format("2006-01"))
	do("open", chromedp.Navigate(start), visible("#token"))
	shot("signin.png")
	do("sign in", chromedp.SetValue(chromedp.CSS("#token"), token), click("#signin"),
		visible(`.card[data-key="FILING_RATE"] .value`))

	// First meaningful paint: reload with the credential in sessionStorage
	// and time navigation start → indicator cards in the DOM.
	var paint float64
	var href, cookie string
	do("reload", chromedp.Reload(), visible(`#drill-table tbody tr`))
	eval("paint", `window.__tuoyuCardsPainted`, &paint)
	eval("href", `location.href`, &href)
	eval("cookie", `document.cookie`, &cookie)
	who := text("who", "#who")
	t.Logf("first meaningful paint (navigation start → 14 indicator cards), city demo over loopback: %.0f ms", paint)
	_ = os.WriteFile(filepath.Join(arts, "first-paint.txt"), fmt.Appendf(nil, "%.0f ms\n", paint), 0o644)
	if strings.Contains(href, token) || cookie != "" {
		t.Fatalf("credential leaked into URL or cookie: %q %q", href, cookie)
	}
	if !strings.Contains(who, "市级监管") || !strings.Contains(who, "沈阳市") {
		t.Fatalf("who = %q", who)
	}

	checkCards := func(region string) {
		t.Helper()
		var want overviewData
		gqlDo(t, base, token, "DashOverview", vars(region), &want)
		var got map[string]map[string]string
		eval("read cards", `Object.fromEntries([...document.querySelectorAll('.card')].map(c => [c.dataset.key,
			{value: c.querySelector('[data-field=value]').textContent, nd: (c.querySelector('[data-field=nd]') || {}).textContent || ''}]))`, &got)
		if len(got) != len(want.Node.Indicators) {
			t.Fatalf("%d cards; GraphQL has %d indicators", len(got), len(want.Node.Indicators))
		}
		for _, iv := range want.Node.Indicators {
			unit := units[iv.Key]
			if g := got[iv.Key]["value"]; g != fmtValue(iv.Value, unit, iv.Suppressed) {
				t.Errorf("%s %s: page shows %q; GraphQL value %v → %q", want.Node.Name, iv.Key, g, iv.Value, fmtValue(iv.Value, unit, iv.Suppressed))
			}
			if unit != "COUNT" {
				den := "—"
				if iv.Denominator != nil {
					den = fmtCount(*iv.Denominator)
				}
				num := fmtCount(iv.Numerator)
				if iv.Suppressed { // withheld, never 0 (main.js ndCell)
					num, den = "已抑制", "已抑制"
				}
				if g, w := got[iv.Key]["nd"], num+" / "+den; g != w {
					t.Errorf("%s %s: numerator/denominator %q; want %q", want.Node.Name, iv.Key, g, w)
				}
			}
		}
	}
	checkCards(city)
	// Every card, period indicators included, gets its 12-month sparkline.
	do("sparklines", chromedp.Poll[chromedp.Void](`[...document.querySelectorAll('.card')].every(c => c.querySelector('.spark canvas'))`))
	shot("overview-city.png")

	// Drill-down table: one row per district, cells equal GraphQL.
	var kids childrenData
	gqlDo(t, base, token, "DashChildren", vars(city), &kids)
	var rows []map[string]string
	eval("read table", `[...document.querySelectorAll('#drill-table tbody tr')].map(r => Object.fromEntries(
		[['code', r.dataset.code], ...[...r.querySelectorAll('td[data-key]')].map(td => [td.dataset.key, td.textContent])]))`, &rows)
	if len(rows) != len(kids.Node.Children.Edges) || len(rows) == 0 {
		t.Fatalf("%d rows; GraphQL has %d districts", len(rows), len(kids.Node.Children.Edges))
	}
	byCode := map[string]map[string]string{}
	for _, r := range rows {
		byCode[r["code"]] = r
	}
	district := kids.Node.Children.Edges[0].Node
	for _, e := range kids.Node.Children.Edges {
		if e.Node.Boundary == nil {
			t.Errorf("demo district %s has no boundary", e.Node.Name)
		}
		for _, iv := range e.Node.Indicators {
			if g, w := byCode[e.Node.Code][iv.Key], fmtValue(iv.Value, units[iv.Key], iv.Suppressed); g != w {
				t.Errorf("table %s %s = %q; want %q", e.Node.Name, iv.Key, g, w)
			}
		}
	}

	// Export the table: CSV and XLSX land in the download folder.
	do("export csv", click(`#drill button[data-export="csv"]`))
	csv := waitFile(t, filepath.Join(downloads, "drilldown-"+city+".csv"))
	if !strings.Contains(string(csv), district.Name) || strings.Count(string(csv), "\r\n") != len(rows)+1 {
		t.Fatalf("CSV export: %.300s", csv)
	}
	_ = os.WriteFile(filepath.Join(arts, "drilldown.csv"), csv, 0o644)
	do("export xlsx", click(`#drill button[data-export="xlsx"]`))
	if x := waitFile(t, filepath.Join(downloads, "drilldown-"+city+".xlsx")); !bytes.HasPrefix(x, []byte("PK\x03\x04")) || !bytes.Contains(x, []byte(district.Name)) {
		t.Fatal("XLSX export is not a zip holding the table")
	}

	// Drill into the first district; the breadcrumb leads back up.
	do("drill", click(fmt.Sprintf(`#drill-table tr[data-code="%s"]`, district.Code)),
		visible(fmt.Sprintf(`#crumbs strong[data-region="%s"]`, district.ID)),
		visible(`.card[data-key="FILING_RATE"] .value`))
	if crumbs := text("crumbs", "#crumbs"); !strings.Contains(crumbs, "沈阳市") || !strings.Contains(crumbs, district.Name) {
		t.Fatalf("breadcrumb %q", crumbs)
	}
	checkCards(district.ID)
	shot("overview-district.png")

	// Trend of the filing rate, comparing the district with the city.
	var trendRows int
	do("trend", click("#tab-trend"), visible(`#trend-table table tbody tr`))
	eval("trend rows", `document.querySelectorAll('#trend-table tbody tr').length`, &trendRows)
	if trendRows != 24 {
		t.Errorf("monthly trend has %d rows; want 24", trendRows)
	}
	shot("trend.png")
	do("trend png", click(`button[data-export="png"]`))
	if png := waitFile(t, filepath.Join(downloads, "trend-SEATS_PER_1000.png")); !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatal("chart export is not a PNG")
	}

	// Map of the city: district boundaries (choropleth) and institutions.
	do("map", click(`#crumbs a`), visible(`#crumbs strong`), click("#tab-map"), visible(`#map-chart canvas`),
		chromedp.Poll[chromedp.Void](`document.getElementById('map-note') && document.getElementById('map-note').textContent.length > 0`))
	note := text("map note", "#map-note")
	var inst struct {
		Institutions struct{ TotalCount int } `json:"institutions"`
	}
	gqlDo(t, base, token, "DashInstitutions", map[string]any{"prefix": "2101"}, &inst)
	if !strings.Contains(note, fmt.Sprintf("共 %d 家机构", inst.Institutions.TotalCount)) || !strings.Contains(note, "近似") {
		t.Fatalf("map note %q; want %d institutions and the approximate-boundary label", note, inst.Institutions.TotalCount)
	}
	checkMapProfile(t, base, token, do, eval)
	shot("map.png")

	// Ranking and breakdown of the city; then the English switch.
	do("ranking", click("#tab-ranking"), visible(`#ranking-chart canvas`))
	shot("ranking.png")
	var groups int
	do("breakdown", click("#tab-breakdown"), visible(`#breakdown-table tbody tr`))
	eval("breakdown rows", `document.querySelectorAll('#breakdown-table tbody tr').length`, &groups)
	if groups == 0 {
		t.Error("breakdown shows no group")
	}
	shot("breakdown.png")

	// Work lists of the city for the page's as-of date: every section shows
	// the rows of DashWork answered directly, in order, with its count in
	// the heading or 「无」 when empty. The demo gives every district an
	// overdue finding and an overdue complaint (README, Supervision), so
	// those two lists cannot be empty.
	type pageSection struct {
		Count   string
		Heading string
		Empty   string
		Rows    []workRow
	}
	checkWork := func(within int) map[string][]workRow {
		t.Helper()
		want := wantWork(t, base, token, city, "2101", asOf, within)
		var got map[string]pageSection
		eval("read work lists", `Object.fromEntries([...document.querySelectorAll('section.work')].map(s => [s.id.replace(/^work-/, ''), {
			count: s.dataset.count, heading: s.querySelector('h3').textContent, empty: (s.querySelector('.empty') || {}).textContent || '',
			rows: [...s.querySelectorAll('tbody tr')].map(r => ({id: r.dataset.id, inst: r.cells[0].textContent, place: r.cells[1].textContent, last: r.cells[r.cells.length - 1].textContent}))}]))`, &got)
		for _, sec := range []string{"filings-due", "filings-overdue", "findings-overdue", "complaints-overdue", "rectified"} {
			g, ok := got[sec]
			if !ok {
				t.Errorf("work lists: no section %s (page has %d)", sec, len(got))
				continue
			}
			w := want[sec]
			if g.Count != fmt.Sprint(len(w)) || !strings.Contains(g.Heading, fmt.Sprintf("(%d)", len(w))) {
				t.Errorf("work %s: count %s, heading %q; GraphQL has %d rows", sec, g.Count, g.Heading, len(w))
			}
			if len(w) == 0 && g.Empty != "无" {
				t.Errorf("work %s: empty list shows %q; want 无", sec, g.Empty)
			}
			if len(g.Rows) != len(w) {
				t.Errorf("work %s: %d rows on the page; GraphQL has %d", sec, len(g.Rows), len(w))
				continue
			}
			for i := range w {
				if g.Rows[i] != w[i] {
					t.Errorf("work %s row %d: page %+v; GraphQL %+v", sec, i, g.Rows[i], w[i])
					break
				}
			}
		}
		return want
	}
	// The view draws its summary once the lists arrived, or an error; a
	// view that never does (a placeholder) fails within two minutes.
	workShown := func(step string) {
		t.Helper()
		wctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
		defer cancel()
		if err := chromedp.Do(wctx, visible("#work-summary, #error")); err != nil {
			fail(step, err)
		}
		var msg string
		eval(step, `(document.getElementById('error') || {}).textContent || ''`, &msg)
		if msg != "" {
			t.Fatalf("%s: the work lists show an error: %s", step, msg)
		}
	}
	do("work lists", click("#tab-work"))
	workShown("work lists")
	work := checkWork(3)
	if len(work["findings-overdue"]) == 0 || len(work["complaints-overdue"]) == 0 {
		t.Errorf("demo city has %d overdue findings and %d overdue complaints on %s; want both > 0", len(work["findings-overdue"]), len(work["complaints-overdue"]), asOf)
	}
	t.Logf("work lists of %s on %s: %d filings due (3 working days), %d filings overdue, %d findings overdue, %d complaints overdue, %d awaiting verification",
		viewer.Viewer.Region.Name, asOf, len(work["filings-due"]), len(work["filings-overdue"]), len(work["findings-overdue"]), len(work["complaints-overdue"]), len(work["rectified"]))
	shot("work.png")
	do("work csv", click(`#work-findings-overdue button[data-export="csv"]`))
	wcsv := waitFile(t, filepath.Join(downloads, fmt.Sprintf("work-findings-overdue-210100-%s.csv", asOf)))
	if first := work["findings-overdue"][0]; !strings.Contains(string(wcsv), first.Inst) || strings.Count(string(wcsv), "\r\n") != len(work["findings-overdue"])+1 {
		t.Fatalf("work list CSV export: %.300s", wcsv)
	}
	// A longer horizon (the hash keeps it): the due list is re-read.
	do("work within", chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('within'); s.value = '10'; s.dispatchEvent(new Event('change')); })()`),
		chromedp.Poll[chromedp.Void](`location.hash.includes('within=10') && (!!document.getElementById('error') ||
			(document.querySelector('#work-filings-due h3') || {textContent: ''}).textContent.includes('10 个工作日内'))`))
	workShown("work within")
	checkWork(10)

	do("english", click("#lang"), chromedp.Poll[chromedp.Void](`document.getElementById('tab-overview') && document.getElementById('tab-overview').textContent === 'Overview'`))
	workShown("work lists (en)")
	if h := text("work heading (en)", "#work-complaints-overdue h3"); !strings.HasPrefix(h, "Complaints overdue") {
		t.Errorf("English work heading %q", h)
	}

	// A BI service account reads indicators but not work lists: the view
	// says so instead of showing empty tables.
	if err := run(context.Background(), []string{"apikey", "create", "--db", path, "--name", "dash BI", "--region", "210100"}); err != nil {
		t.Fatal(err)
	}
	key := oneLine(t, out.take())
	do("sign in as BI", click("#signout"), visible("#token"), chromedp.SetValue(chromedp.CSS("#token"), key), click("#signin"),
		visible("#error, #signin-error"))
	var refusal struct{ Code, Text string }
	eval("BI work lists", `(e => ({code: e.dataset.code || '', text: e.textContent}))(document.querySelector('#error, #signin-error'))`, &refusal)
	if refusal.Code != "FORBIDDEN" || !strings.Contains(refusal.Text, "cannot read them") || !strings.Contains(refusal.Text, "BI service") {
		t.Errorf("BI on the work lists sees %+v; want the FORBIDDEN explanation", refusal)
	}

	// Suppressed cells (README, Dashboard): the API sends numerator 0 and no
	// value or denominator; the BI account's ranking, breakdown and
	// drill-down, on screen and exported, say "suppressed", never 0.
	checkSuppressedBI(t, base, key, city, asOf, period, downloads, do, eval)

	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("console errors: %v", problems)
	}
	if len(external) > 0 {
		t.Errorf("requests left the host: %v", external)
	}
	t.Logf("screenshots and exports in %s", arts)
}

// waitFile waits up to 10 s for a download to complete.
func waitFile(t *testing.T, path string) []byte {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return b
		}
		time.Sleep(100 * time.Millisecond)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	t.Fatalf("download %s did not arrive; folder has %v", filepath.Base(path), names)
	return nil
}

// TestServeAllowListKeepsDashboard: with --allow-list naming none of the
// dashboard's documents, serve still runs every dashboard operation (they
// are merged in at start-up) and still refuses other documents. No browser
// needed.
func TestServeAllowListKeepsDashboard(t *testing.T) {
	tmp := t.TempDir()
	path := filepath.Join(tmp, "allow.db")
	allow := filepath.Join(tmp, "allow.json")
	other := "query Other { __typename }"
	if b, _ := json.Marshal(map[string]string{persisted.Hash(other): other}); os.WriteFile(allow, b, 0o600) != nil {
		t.Fatal("writing allow list")
	}
	_, _ = captureOutput(t)
	base := serveInProcess(t, "--db", path, "--demo-scale", "district", "--allow-list", allow).base
	out := &syncBuffer{}
	stdout = out
	if err := run(context.Background(), []string{"token", "--db", path, "--role", "PROVINCE_REGULATOR", "--region", "500000"}); err != nil {
		t.Fatal(err)
	}
	token := oneLine(t, out.take())
	if r := post(t, base+"/query", "Bearer "+token, other); r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("listed document refused: %+v", r)
	}
	if r := post(t, base+"/query", "Bearer "+token, "{ indicatorCatalog { key } }"); r.code() != persisted.CodeNotAllowed {
		t.Fatalf("unlisted document: %+v", r)
	}
	var v struct {
		Viewer struct {
			Role   string
			Region struct{ ID, Name string }
		}
	}
	gqlDo(t, base, token, "DashViewer", nil, &v)
	if v.Viewer.Role != "PROVINCE_REGULATOR" || v.Viewer.Region.Name != "重庆市" {
		t.Fatalf("viewer %+v", v)
	}
	var c struct{ IndicatorCatalog []struct{ Key string } }
	gqlDo(t, base, token, "DashCatalog", nil, &c)
	if len(c.IndicatorCatalog) < 14 {
		t.Fatalf("%d indicators", len(c.IndicatorCatalog))
	}
	var kids childrenData
	gqlDo(t, base, token, "DashChildren", map[string]any{"region": v.Viewer.Region.ID}, &kids)
	if len(kids.Node.Children.Edges) != 1 || kids.Node.Children.Edges[0].Node.Boundary == nil || len(kids.Node.Children.Edges[0].Node.Indicators) < 14 {
		t.Fatalf("children of 重庆市: %+v", kids)
	}
	// The page itself is served.
	res, err := http.Get(base + "/dashboard")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "DashOverview") {
		t.Fatalf("/dashboard: %d", res.StatusCode)
	}
}

// checkSuppressedBI walks, as the BI account key (English page), the views
// that show or export numerators of ENROLMENT_RATE, which the server
// suppresses for every region and group (--suppression-k above any count).
func checkSuppressedBI(t *testing.T, base, key, city, asOf string, period time.Time, downloads string,
	do func(string, ...chromedp.Action[chromedp.Void]), eval func(string, string, any)) {
	t.Helper()
	const ind = "ENROLMENT_RATE"
	var kids childrenData
	gqlDo(t, base, key, "DashChildren", map[string]any{"region": city, "asOf": asOf,
		"from": period.Format("2006-01-02"), "to": period.AddDate(0, 1, 0).Format("2006-01-02")}, &kids)
	for _, e := range kids.Node.Children.Edges {
		for _, iv := range e.Node.Indicators {
			if iv.Key == ind && (!iv.Suppressed || iv.Numerator != 0) {
				t.Fatalf("BI %s %s: %+v; the test needs it suppressed with numerator 0", e.Node.Name, ind, iv)
			}
		}
	}
	hash := func(view string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = %q`, fmt.Sprintf("view=%s&key=%s&dim=CHILD_REGION&region=%s&asOf=%s&period=%s&lang=en",
			view, ind, city, asOf, period.Format("2006-01"))))
	}
	// suppressedCSV checks that columns cols of every data row read "suppressed".
	suppressedCSV := func(name string, cols ...int) {
		t.Helper()
		raw := waitFile(t, filepath.Join(downloads, name))
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\ufeff")))).ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("%s: %v %q", name, err, raw)
		}
		for _, r := range recs[1:] {
			for _, c := range cols {
				if r[c] != "suppressed" {
					t.Errorf("%s: row %q column %q = %q; want suppressed", name, r[1], recs[0][c], r[c])
				}
			}
		}
	}
	do("BI ranking", hash("ranking"), chromedp.WaitVisible(chromedp.CSS(`#ranking-chart canvas`)),
		chromedp.Click(chromedp.CSS(`#main button[data-export="csv"]`)))
	suppressedCSV("ranking-"+ind+".csv", 2, 3, 4) // value, numerator, denominator

	var cells [][]string
	do("BI breakdown", hash("breakdown"), chromedp.WaitVisible(chromedp.CSS(`#breakdown-table tbody tr`)))
	eval("BI breakdown cells", `[...document.querySelectorAll('#breakdown-table tbody tr')].map(r => [...r.cells].map(c => c.textContent))`, &cells)
	for _, r := range cells {
		if len(r) != 4 || r[1] != "suppressed" || r[2] != "suppressed" || r[3] != "suppressed" {
			t.Errorf("BI breakdown row %q; want value, numerator and denominator suppressed", r)
		}
	}
	do("BI breakdown csv", chromedp.Click(chromedp.CSS(`#main button[data-export="csv"]`)))
	suppressedCSV("breakdown-"+ind+"-CHILD_REGION.csv", 1, 2, 3)

	var tips []string
	do("BI drill-down", hash("overview"), chromedp.WaitVisible(chromedp.CSS(`#drill-table tbody tr`)))
	eval("BI drill-down tooltips", fmt.Sprintf(`[...document.querySelectorAll('#drill-table td[data-key=%q]')].map(td => td.textContent + ' | ' + td.title)`, ind), &tips)
	if len(tips) != len(kids.Node.Children.Edges) {
		t.Errorf("BI drill-down: %d %s cells; want %d", len(tips), ind, len(kids.Node.Children.Edges))
	}
	for _, tip := range tips {
		if !strings.HasPrefix(tip, "suppressed | suppressed / suppressed") {
			t.Errorf("BI drill-down cell %q; want suppressed, with suppressed / suppressed in its tooltip", tip)
		}
	}
	var nd string
	eval("BI card", fmt.Sprintf(`document.querySelector('.card[data-key=%q] [data-field=nd]').textContent`, ind), &nd)
	if nd != "suppressed / suppressed" {
		t.Errorf("BI card %s numerator/denominator %q; want suppressed / suppressed", ind, nd)
	}
}

// checkMapProfile picks, on the map view, the first institution (by name) of
// the city that has a public profile with a receipt number and a fee, and
// checks that the side panel shows that profile (publicInstitution,
// README › Dashboard › Map: "click for the public profile").
func checkMapProfile(t *testing.T, base, token string, do func(string, ...chromedp.Action[chromedp.Void]), eval func(string, string, any)) {
	t.Helper()
	var page struct {
		Institutions struct {
			Edges []struct {
				Node struct {
					ID                  string
					Name                string
					Latitude, Longitude *float64
				}
			}
		} `json:"institutions"`
	}
	gqlDo(t, base, token, "DashInstitutions", map[string]any{"prefix": "2101"}, &page)
	type profile struct {
		PublicInstitution *struct {
			Institution struct{ Status string }
			Filing      struct {
				ReceiptNumber *string
				ReceiptDate   string
			}
			MonthlyFee *int
		} `json:"publicInstitution"`
	}
	for _, e := range page.Institutions.Edges {
		var p profile
		gqlDo(t, base, token, "DashProfile", map[string]any{"id": e.Node.ID}, &p)
		pi := p.PublicInstitution
		if e.Node.Latitude == nil || e.Node.Longitude == nil || pi == nil || pi.Filing.ReceiptNumber == nil || pi.MonthlyFee == nil {
			continue
		}
		var got map[string]string
		do("map profile "+e.Node.Name,
			chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.getElementById('profile-pick'); s.value = %q; s.dispatchEvent(new Event('change')); })()`, e.Node.ID)),
			chromedp.WaitVisible(chromedp.CSS(`#profile-public [data-field=receiptNumber]`)))
		eval("map profile fields", `Object.fromEntries([...document.querySelectorAll('#profile-public [data-field]')].map(e => [e.dataset.field, e.textContent]))`, &got)
		if got["receiptNumber"] != *pi.Filing.ReceiptNumber || got["receiptDate"] != pi.Filing.ReceiptDate ||
			got["monthlyFee"] != fmt.Sprintf("%s 元/月", fmtCount(float64(*pi.MonthlyFee))) || got["seats"] == "" {
			t.Errorf("map profile of %s shows %v; publicInstitution has receipt %s of %s, fee %d", e.Node.Name, got, *pi.Filing.ReceiptNumber, pi.Filing.ReceiptDate, *pi.MonthlyFee)
		}
		return
	}
	t.Error("no institution of the city's first page has a public profile with a receipt number and a fee")
}
