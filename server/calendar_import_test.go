package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/internal/workday"
)

// TestImportWorkCalendarThroughGraphQL loads next year's official calendar
// the way an operator does it once the notice is published: importData with
// entity WORK_CALENDAR on the real server (real importer, real job queue,
// both dialects). A corrected notice replaces the year and reports the day
// it removed in deletedCount; a district regulator's file fails as a whole
// with FORBIDDEN. Deadlines in that year then resolve (filingsDue).
func TestImportWorkCalendarThroughGraphQL(t *testing.T) {
	dbArgs := databaseArgs(t)
	base, _ := startServe(t, dbArgs...)
	mint := tokenMinter(t, dbArgs, "cal")
	token := func(role, region string) string { return mint("--role", role, "--region", region) }
	province, district := token("PROVINCE_REGULATOR", "210000"), token("DISTRICT_REGULATOR", "210102")

	year := workday.Builtin().LastYear() + 1
	monday := time.Date(year, time.October, 1, 0, 0, 0, 0, time.UTC)
	for monday.Weekday() != time.Monday {
		monday = monday.AddDate(0, 0, 1)
	}
	day := func(offset int) string { return monday.AddDate(0, 0, offset).Format("2006-01-02") }
	notice := "日期,调休上班,节假日名称\n" + day(0) + ",否,国庆节\n" + day(1) + ",否,国庆节\n" + day(-2) + ",是,国庆节\n"
	corrected := "date,workday,name\n" + day(0) + ",否,国庆节\n" + day(-2) + ",是,国庆节\n"

	type job struct {
		State                                      string
		CreatedCount, UnchangedCount, DeletedCount int
		ErrorCount                                 int
		RowErrors                                  []struct {
			Row    int
			Column *string
			Code   string
		}
	}
	upload := func(bearer, csv string) job {
		t.Helper()
		const q = `mutation($file: Upload!) { importData(entity: WORK_CALENDAR, file: $file) {
		  state createdCount unchangedCount deletedCount errorCount rowErrors { row column code } } }`
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		ops, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]any{"file": nil}})
		_ = mw.WriteField("operations", string(ops))
		_ = mw.WriteField("map", `{"0": ["variables.file"]}`)
		fw, _ := mw.CreateFormFile("0", "calendar.csv")
		_, _ = io.WriteString(fw, csv)
		_ = mw.Close()
		req, _ := http.NewRequest(http.MethodPost, base+"/query", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+bearer)
		req.Header.Set("Apollo-Require-Preflight", "true")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r struct {
			Data   struct{ ImportData *job }
			Errors []any
		}
		raw, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(raw, &r); err != nil || r.Data.ImportData == nil {
			t.Fatalf("importData: %d %s", resp.StatusCode, raw)
		}
		return *r.Data.ImportData
	}

	// The role is a problem of the whole file: row 0 and column null, not "".
	if j := upload(district, notice); j.State != "FAILED" || j.ErrorCount != 1 || j.RowErrors[0].Code != "FORBIDDEN" ||
		j.RowErrors[0].Row != 0 || j.RowErrors[0].Column != nil {
		t.Fatalf("district regulator: %+v, want FAILED with one FORBIDDEN error of the whole file", j)
	}
	if j := upload(province, notice); j.State != "SUCCEEDED" || j.CreatedCount != 3 {
		t.Fatalf("notice: %+v, want SUCCEEDED with 3 created", j)
	}
	if j := upload(province, corrected); j.State != "SUCCEEDED" || j.UnchangedCount != 2 || j.DeletedCount != 1 {
		t.Fatalf("corrected notice: %+v, want 2 unchanged and 1 deleted", j)
	}
	// The year is now covered, by the loaded days: a public query shows them.
	r := post(t, base+"/query", "", fmt.Sprintf(`{ workCalendar(year: %d) { covered loaded lastKnownYear days { date workday name } } }`, year))
	if len(r.Errors) > 0 {
		t.Fatalf("workCalendar: %+v", r.Errors)
	}
	cal := r.Data["workCalendar"].(map[string]any)
	days := cal["days"].([]any)
	if cal["covered"] != true || cal["loaded"] != true || int(cal["lastKnownYear"].(float64)) != year || len(days) != 2 ||
		days[0].(map[string]any)["date"] != day(-2) || days[0].(map[string]any)["workday"] != true {
		t.Fatalf("workCalendar(%d) = %+v", year, cal)
	}
	r = post(t, base+"/query", "", fmt.Sprintf(`{ workCalendar(year: %d) { covered loaded days { date } } }`, year+1))
	if cal := r.Data["workCalendar"].(map[string]any); cal["covered"] != false || cal["loaded"] != false || len(cal["days"].([]any)) != 0 {
		t.Fatalf("workCalendar(%d) = %+v, want not covered", year+1, cal)
	}
}
