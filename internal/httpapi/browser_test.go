package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/demo"
	"github.com/tuoyu/tuoyu/internal/httpapi"
)

// chromiumPath finds Debian's chromium. In CI (CI set) a missing browser
// fails the test; elsewhere it skips.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (apt-get install chromium); .ci/run installs it")
	}
	t.Skip("chromium is not installed (apt-get install chromium)")
	return ""
}

// TestGraphiQLInBrowser drives the real GraphiQL page in headless Chromium:
// an anonymous first visit shows the token bar and no
// INTROSPECTION_DISABLED; a token pasted once applies to every tab; two
// example tabs run and their result panes hold exactly what the API
// answers a regulator.
func TestGraphiQLInBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	s := startServer(t)
	ctx := context.Background()
	if _, err := demo.Load(privacy.DecisionContext(ctx, privacy.Allow), s.Client, demo.Options{
		Scale: demo.ScaleDistrict, AsOf: civil.Today(time.UTC), Hasher: s.Hasher,
	}); err != nil {
		t.Fatalf("demo data: %v", err)
	}
	token := s.tokenFor(t, "500000") // the district demo is 重庆市大足区

	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(alloc, chromedp.WithLogf(t.Logf))
	defer cancelBrowser()
	bctx, cancel := context.WithTimeout(bctx, 3*time.Minute)
	defer cancel()

	// Anonymous first visit: the token bar explains what to do; GraphiQL
	// does not introspect, so no INTROSPECTION_DISABLED anywhere.
	if err := chromedp.Do(bctx,
		chromedp.Navigate(s.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#tuoyu-token-bar[data-state="anonymous"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.graphiql-execute-button`)),
		chromedp.Sleep(time.Second), // let any introspection land
	); err != nil {
		t.Fatalf("load page: %v", err)
	}
	status, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`#tuoyu-token-status`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(status, "token") || !strings.Contains(status, "PUBLIC") {
		t.Errorf("token bar on an anonymous visit says %q", status)
	}
	page, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(page, "INTROSPECTION_DISABLED") {
		t.Errorf("an anonymous first visit shows INTROSPECTION_DISABLED:\n%.2000s", page)
	}
	if got := s.seen(); len(got) != 0 {
		t.Errorf("an anonymous first visit sent GraphQL requests %+v; want none (no introspection)", got)
	}

	// Paste the token once.
	if err := chromedp.Do(bctx,
		chromedp.SendKeys(chromedp.CSS(`#tuoyu-token`), token),
		chromedp.Click(chromedp.CSS(`#tuoyu-token-apply`)),
		chromedp.WaitVisible(chromedp.CSS(`#tuoyu-token-bar[data-state="token"]`)),
	); err != nil {
		t.Fatalf("paste token: %v", err)
	}

	previous := ""
	// "Institutions with region and seat counts" and "Look up any node"
	// (with its variables).
	for _, i := range []int{0, 3} {
		tab := httpapi.ExampleTabs[i]
		got := runTab(t, bctx, i, previous)
		b, _ := json.MarshalIndent(got, "", "  ")
		previous = string(b)
		want := s.post(t, token, tab.Query, tab.Variables)
		if !reflect.DeepEqual(got["data"], want["data"]) || got["errors"] != nil {
			t.Errorf("tab %d %q: result pane\n%.1000v\nwant the API's answer to a regulator\n%.1000v", i, tab.Name, got, want)
		}
		if data, _ := json.Marshal(got["data"]); !strings.Contains(string(data), `"name"`) {
			t.Errorf("tab %d %q: no rows in the result: %s", i, tab.Name, data)
		}
	}

	// The same through a tab's Headers editor: forget the token, put it
	// into tab 0's headers only, run tab 0, then tab 3 (no headers of its
	// own) runs with it too.
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS(`#tuoyu-token-forget`)),
		chromedp.WaitVisible(chromedp.CSS(`#tuoyu-token-bar[data-state="anonymous"]`)),
	); err != nil {
		t.Fatalf("forget token: %v", err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`(() => { document.querySelectorAll('.graphiql-tab-button')[0].click(); return true; })()`)); err != nil {
		t.Fatal(err)
	}
	headers, _ := json.Marshal(`{"Authorization": "Bearer ` + token + `"}`)
	if err := chromedp.Do(bctx,
		chromedp.Sleep(500*time.Millisecond),
		// Open the Headers editor and type into it.
		chromedp.Evaluate[chromedp.Void](`Array.from(document.querySelectorAll('.graphiql-editor-tools button')).find(b => b.textContent.trim() === 'Headers').click()`),
		chromedp.Sleep(300*time.Millisecond),
		chromedp.Evaluate[chromedp.Void](`(() => { const cm = document.querySelectorAll('.graphiql-editor-tool .CodeMirror')[1].CodeMirror; cm.focus(); cm.setValue(`+string(headers)+`); })()`),
		chromedp.Sleep(300*time.Millisecond),
	); err != nil {
		t.Fatalf("set tab 0 headers: %v", err)
	}
	runTab(t, bctx, 0, "")
	wctx, wcancel := context.WithTimeout(bctx, 10*time.Second)
	defer wcancel()
	if err := chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS(`#tuoyu-token-bar[data-state="token"]`))); err != nil {
		t.Fatalf("a token in one tab's Headers was not taken up for all tabs: %v", err)
	}
	before := len(s.seen())
	got := runTab(t, bctx, 3, "")
	want := s.post(t, token, httpapi.ExampleTabs[3].Query, httpapi.ExampleTabs[3].Variables)
	if !reflect.DeepEqual(got["data"], want["data"]) || got["errors"] != nil {
		t.Errorf("tab 3 after a token in tab 0's Headers: %.1000v, want %.1000v", got, want)
	}
	if after := s.seen(); len(after) <= before {
		t.Errorf("tab 3 sent no request")
	}

	seen := s.seen()
	var introspected bool
	for _, r := range seen {
		if !r.Authorized {
			t.Errorf("request %q went out without the token", r.OperationName)
		}
		introspected = introspected || r.OperationName == "IntrospectionQuery"
	}
	if !introspected {
		t.Errorf("no introspection with the token (requests %+v): docs and completion stay empty", seen)
	}
}

// runTab selects GraphiQL tab i, runs it and returns the result pane's
// JSON once it differs from previous (the pane of the tab run before).
func runTab(t *testing.T, ctx context.Context, i int, previous string) map[string]any {
	t.Helper()
	clicked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const b = document.querySelectorAll('.graphiql-tab-button'); if (b.length <= `+itoa(i)+`) return false; b[`+itoa(i)+`].click(); return true; })()`))
	if err != nil || !clicked {
		t.Fatalf("tab %d: select: %v (tab found: %v)", i, err, clicked)
	}
	if err := chromedp.Do(ctx,
		chromedp.Sleep(200*time.Millisecond),
		// Empty the pane, so that the result read below is this run's.
		chromedp.Evaluate[chromedp.Void](`(() => { const cm = document.querySelector('.result-window .CodeMirror'); if (cm) cm.CodeMirror.setValue(''); })()`),
		chromedp.Click(chromedp.CSS(`.graphiql-execute-button`)),
	); err != nil {
		t.Fatalf("tab %d: run: %v", i, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const cm = document.querySelector('.result-window .CodeMirror'); return cm ? cm.CodeMirror.getValue() : ''; })()`))
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		if text != "" && text != previous && json.Unmarshal([]byte(text), &out) == nil {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("tab %d: no JSON in the result pane after 30 s: %q", i, text)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// post runs query with token over HTTP and returns the decoded response.
func (s *testServer) post(t *testing.T, token, query, variables string) map[string]any {
	t.Helper()
	req := map[string]any{"query": query}
	if variables != "" {
		req["variables"] = json.RawMessage(variables)
	}
	body, _ := json.Marshal(req)
	r := send(t, http.MethodPost, s.URL+"/query", string(body), map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + token})
	var out map[string]any
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatal(errors.Join(err, errors.New(r.body)))
	}
	return out
}
