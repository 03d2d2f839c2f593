package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// exportOnly are the export and template commands' flags without an
// environment variable: arguments of a one-off command, like token's.
var exportOnly = []string{"entity", "format", "out", "identity-hashes", "role", "region", "institution", "subject"}

func TestExportFlags(t *testing.T) {
	captureOutput(t)
	var sets []*flag.FlagSet
	parsingFlags = func(fs *flag.FlagSet) { sets = append(sets, fs) }
	t.Cleanup(func() { parsingFlags = nil })
	for _, args := range [][]string{{"export", "-h"}, {"template", "regions", "-h"}} {
		if err := run(context.Background(), args); !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("%v: %v", args, err)
		}
	}
	for _, fs := range sets {
		fs.VisitAll(func(f *flag.Flag) {
			if _, ok := flagEnv[f.Name]; !ok && !slices.Contains(exportOnly, f.Name) {
				t.Errorf("%s --%s has no environment variable in flagEnv", fs.Name(), f.Name)
			}
		})
	}
}

func TestExportCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "tuoyu.db")
	_, errOut := captureOutput(t)
	if err := run(ctx, []string{"seed", "--scale", "district", "--as-of", "2025-06-16", "--db", path}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "children.csv")
	if err := run(ctx, []string{"export", "--db", path, "--entity", "children", "--role", "CITY_REGULATOR", "--region", "500100", "--out", out}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 100 || recs[0][2] != "姓名" || !strings.Contains(recs[1][2], "*") {
		t.Fatalf("export as a city regulator: %d rows, first %q: want masked names", len(recs), recs[1])
	}
	if !strings.Contains(errOut.take(), "rows written") {
		t.Error("no summary on stderr")
	}
	// An unknown role writes nothing.
	bad := filepath.Join(dir, "bad.csv")
	if err := run(ctx, []string{"export", "--db", path, "--entity", "children", "--role", "ROOT", "--out", bad}); err == nil {
		t.Fatal("export with role ROOT succeeded")
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Errorf("a refused export left %s behind", bad)
	}
	tpl := filepath.Join(dir, "t.xlsx")
	if err := run(ctx, []string{"template", "health_records", "--out", tpl}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(tpl)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); got[0] != "健康记录" {
		t.Errorf("template sheets %q", got)
	}
	if err := run(ctx, []string{"template", "nothing"}); err == nil {
		t.Error("template of an unknown entity succeeded")
	}
}
