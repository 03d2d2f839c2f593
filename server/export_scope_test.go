package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// TestExportCommandChecksScope: the export command refuses an unknown
// institution or an INSTITUTION_STAFF --region other than its
// institution's, which would stand in the audit trail, and warns about a
// region not in the database; and it refuses an --out whose extension is not a
// format or contradicts --format (export and template alike). Both
// dialects.
func TestExportCommandChecksScope(t *testing.T) {
	ctx := context.Background()
	args := slices.DeleteFunc(databaseArgs(t), func(s string) bool { return s == "--demo=false" })
	_, errOut := captureOutput(t)
	if err := run(ctx, append([]string{"seed", "--scale", "district", "--as-of", "2025-06-16"}, args...)); err != nil {
		t.Fatal(err)
	}
	cfg := db.Defaults()
	if args[0] == "--db" {
		cfg.SQLitePath = args[1]
	} else {
		cfg.URL = args[1]
	}
	d, err := db.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := d.Client().Institution.Query().WithRegion().Order(institution.ByID()).First(testdb.Ctx())
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	id, own := strconv.Itoa(inst.ID), inst.Edges.Region.Code
	dir := t.TempDir()
	out := filepath.Join(dir, "out.csv")
	export := func(extra ...string) error {
		return run(ctx, append(append([]string{"export", "--entity", "children", "--out", out}, extra...), args...))
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"staff of another region", []string{"--role", "INSTITUTION_STAFF", "--institution", id, "--region", "110000"}, "not the region of institution"},
		{"unknown institution", []string{"--role", "INSTITUTION_STAFF", "--institution", "999999999"}, "no such institution"},
	} {
		err := export(c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
		if _, serr := os.Stat(out); !os.IsNotExist(serr) {
			t.Fatalf("%s: a refused export wrote %s", c.name, out)
		}
	}
	// A region not in the database may still hold rows (scopes match by
	// code prefix): a warning, not a refusal.
	if err := export("--role", "DISTRICT_REGULATOR", "--region", "110101"); err != nil {
		t.Errorf("unknown region: %v, want a warning only", err)
	}
	if !strings.Contains(errOut.take(), "warning: no region 110101") {
		t.Error("unknown region: no warning on stderr")
	}
	for _, extra := range [][]string{
		{"--role", "INSTITUTION_STAFF", "--institution", id, "--region", own},
		{"--role", "INSTITUTION_STAFF", "--institution", id},
	} {
		if err := export(extra...); err != nil {
			t.Errorf("%v: %v", extra, err)
		}
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"template", "children", "--out", filepath.Join(dir, "x.pdf")}, "must end in .csv or .xlsx"},
		{[]string{"template", "children", "--format", "csv", "--out", filepath.Join(dir, "y.xlsx")}, "--format is csv"},
		{[]string{"template", "children", "--format", "xlsx", "--out", filepath.Join(dir, "y.csv")}, "--format is xlsx"},
		{append([]string{"export", "--entity", "regions", "--role", "PROVINCE_REGULATOR", "--region", "500000", "--format", "xlsx", "--out", filepath.Join(dir, "z.csv")}, args...), "--format is xlsx"},
	} {
		if err := run(ctx, c.args); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: err = %v, want %q", c.args[0], c.args[len(c.args)-1], err, c.want)
		}
	}
	for _, name := range []string{"x.pdf", "y.xlsx", "y.csv", "z.csv"} {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("a refused command wrote %s", name)
		}
	}
	for _, c := range [][]string{
		{"template", "children", "--out", filepath.Join(dir, "t.csv")},
		{"template", "children", "--format", "xlsx", "--out", filepath.Join(dir, "t.xlsx")},
	} {
		if err := run(ctx, c); err != nil {
			t.Errorf("%v: %v", c, err)
		}
	}
}
