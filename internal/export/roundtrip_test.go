package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/ingest"
	"github.com/tuoyu/tuoyu/internal/kpi"
	"github.com/tuoyu/tuoyu/internal/pii"
	"github.com/tuoyu/tuoyu/internal/registry"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// TestRoundTrip exports every entity of the district demo (重庆市 › 大足区)
// as its district regulator (who sees the district's rows in clear), imports
// the files in registry order into an empty database, and requires the same
// registry and the same KPI values:
//
//   - registry: every entity exported again from the new database, as the
//     same viewer, holds the same rows (compared as sorted CSV records: rows
//     are keyed by natural keys, and internal IDs differ between the two
//     databases);
//   - KPIs: every indicator of the catalogue, for every region (matched by
//     code), as of the demo's today and over its last full year.
//
// The district scale: the role that sees every row of it in clear is its
// district regulator (a city's rows are masked for its city regulator), and
// it keeps the test to a minute on both dialects.
//
// Identity documents travel as keyed hashes (Options.IdentityHashes on
// export, ingest.Options.TrustedHashes on import: the operator's
// --identity-hashes), and both databases share the PII key, as two
// deployments moving data would. Every entity must come back with the same
// rows and every KPI with the same values.
func TestRoundTrip(t *testing.T) {
	a := seeded(t)
	b := testdb.Open(t)
	hasher := testHasher(t)
	// The institutions' IDs in both databases, by credit code, for the
	// entities only an institution's own staff may import.
	insts, err := a.Client.Institution.Query().Order(ent.Asc("id")).All(testdb.Ctx())
	if err != nil {
		t.Fatal(err)
	}
	exported := map[string][][]string{} // entity → CSV files as districtRegulator
	for _, e := range registry.All() {
		exported[e.Name] = canonicalFile(t, exportFile(t, a.Client, districtRegulator, e.Name, "csv"))
	}
	importErrors := map[string][]ingest.RowError{}
	for i, e := range registry.All() {
		// Half the entities travel as CSV, half as XLSX: both readers and
		// both writers take part.
		format := []string{"csv", "xlsx"}[i%2]
		if !staffWrites[e.Name] {
			data := exportFile(t, a.Client, districtRegulator, e.Name, format)
			importErrors[e.Name] = append(importErrors[e.Name], importFile(t, b.Client, regulatorOf(e), e.Name, format, data, hasher)...)
			continue
		}
		for _, in := range insts {
			inB, err := b.Client.Institution.Query().Where(institution.CreditCode(in.CreditCode)).OnlyID(testdb.Ctx())
			if err != nil {
				t.Fatalf("institution %s after the round trip: %v", in.CreditCode, err)
			}
			data := exportFile(t, a.Client, staffOf(in.ID), e.Name, format)
			importErrors[e.Name] = append(importErrors[e.Name], importFile(t, b.Client, staffOf(inB), e.Name, format, data, hasher)...)
		}
	}
	for _, e := range registry.All() {
		got := canonicalFile(t, exportFile(t, b.Client, districtRegulator, e.Name, "csv"))
		want := exported[e.Name]
		same := slices.Equal(joined(want), joined(got))
		if errs := importErrors[e.Name]; !same || len(errs) > 0 {
			t.Errorf("%s: %d import errors (first %+v); %d rows exported, %d after the round trip; first difference:\n%s",
				e.Name, len(errs), errs[:min(3, len(errs))], len(want), len(got), firstDiff(joined(want), joined(got)))
		}
	}
	wantKPI, gotKPI := kpis(t, a), kpis(t, b)
	if len(wantKPI) == 0 || len(wantKPI) != len(gotKPI) {
		t.Fatalf("%d KPI values before, %d after", len(wantKPI), len(gotKPI))
	}
	differ := map[kpi.Key]string{}
	for i := range wantKPI {
		if wantKPI[i] != gotKPI[i] {
			if _, ok := differ[wantKPI[i].key]; !ok {
				differ[wantKPI[i].key] = fmt.Sprintf("  want %s\n  got  %s", wantKPI[i].line, gotKPI[i].line)
			}
		}
	}
	for _, ind := range kpi.Catalogue {
		if d, differs := differ[ind.Key]; differs {
			t.Errorf("KPI %s differs after the round trip:\n%s", ind.Key, d)
		}
	}
}

// staffWrites are the entities only an institution's own staff may import:
// they travel one institution at a time, exported as that institution's
// staff (whose row policy scopes the rows) and imported as the staff of
// the same institution in the new database.
var staffWrites = map[string]bool{"staff": true, "certifications": true, "children": true, "enrolments": true, "health_records": true}

func exportFile(t *testing.T, client *ent.Client, v *auth.Viewer, entity, format string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := Write(as(v), client, &buf, Options{Entity: entity, Format: format, IdentityHashes: true}); err != nil {
		t.Fatalf("export %s as %s: %v", entity, v.Role, err)
	}
	return buf.Bytes()
}

func importFile(t *testing.T, client *ent.Client, v *auth.Viewer, entity, format string, data []byte, h *pii.Hasher) []ingest.RowError {
	t.Helper()
	res, err := ingest.Import(as(v), client, bytes.NewReader(data), int64(len(data)),
		ingest.Options{Entity: entity, FileName: entity + "." + format, Hasher: h, TrustedHashes: true})
	if err != nil {
		t.Fatalf("import %s.%s as %s: %v", entity, format, v.Role, err)
	}
	if res.ErrorCount > 0 && len(res.Errors) == 0 {
		return []ingest.RowError{{Message: "errors not listed"}}
	}
	return res.Errors
}

func staffOf(id int) *auth.Viewer {
	return &auth.Viewer{Subject: fmt.Sprintf("staff-%d", id), Role: auth.InstitutionStaff, InstitutionID: id}
}

// regulatorOf is the viewer importing a regulator's entity: the regulator
// of the province (重庆市 500000), whose scope holds the whole demo.
func regulatorOf(registry.Entity) *auth.Viewer {
	return &auth.Viewer{Subject: "import", Role: auth.ProvinceRegulator, RegionCode: "500000"}
}

// canonicalFile is a CSV file's records, header first, rows sorted: rows
// are identified by their natural keys, and their order (by internal ID)
// differs between databases.
func canonicalFile(t *testing.T, file []byte) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(file, []byte(utf8BOM)))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(recs[1:], func(a, b []string) int { return slices.Compare(a, b) })
	return recs
}

func joined(recs [][]string) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = strings.Join(r, "\x1f")
	}
	return out
}

func firstDiff(want, got []string) string {
	for i := range max(len(want), len(got)) {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			return fmt.Sprintf("  want %q\n  got  %q", strings.ReplaceAll(w, "\x1f", "|"), strings.ReplaceAll(g, "\x1f", "|"))
		}
	}
	return ""
}

type kpiValue struct {
	key  kpi.Key
	line string
}

// kpis evaluates every indicator for every region, as lines "key region
// point group numerator denominator value", sorted.
func kpis(t *testing.T, d *testdb.DB) []kpiValue {
	t.Helper()
	ctx := testdb.Ctx()
	regions, err := d.Client.Region.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[int]string{}
	ids := make([]int, len(regions))
	for i, r := range regions {
		codes[r.ID], ids[i] = r.Code, r.ID
	}
	keys := make([]kpi.Key, len(kpi.Catalogue))
	for i, ind := range kpi.Catalogue {
		keys[i] = ind.Key
	}
	year := civil.D(testAsOf.Year()-1, time.January, 1)
	points := []kpi.Point{
		{AsOf: testAsOf, From: civil.AddMonths(testAsOf, -12), To: testAsOf},
		{AsOf: year.AddDate(1, 0, -1), From: year, To: year.AddDate(1, 0, 0)},
	}
	res, err := kpi.New(d.Client, d.Driver, testdb.Dialect()).Evaluate(context.WithoutCancel(ctx), kpi.Query{Keys: keys, RegionIDs: ids, Points: points})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]kpiValue, len(res))
	for i, r := range res {
		out[i] = kpiValue{r.Key, fmt.Sprintf("%s %s %d %s %v %s %s", r.Key, codes[r.RegionID], r.Point, r.Group, r.Numerator, fmtp(r.Denominator), fmtp(r.Value))}
	}
	slices.SortFunc(out, func(a, b kpiValue) int { return strings.Compare(a.line, b.line) })
	return out
}

func fmtp(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.9g", *p)
}

// TestMaskedExportDoesNotImport: what an ordinary export holds cannot pass
// for real data. A city regulator's export of children (masked names, birth
// dates and identity numbers) and anyone's export of the ban list (the
// stored masked numbers) are refused row by row, and nothing is written.
func TestMaskedExportDoesNotImport(t *testing.T) {
	a := seeded(t)
	b := testdb.Open(t)
	h := testHasher(t)
	for _, name := range []string{"regions", "institutions"} {
		data := exportFile(t, a.Client, districtRegulator, name, "csv")
		if errs := importFile(t, b.Client, regulatorOf(registry.Entity{}), name, "csv", data, h); len(errs) > 0 {
			t.Fatalf("import %s: %+v", name, errs[:min(3, len(errs))])
		}
	}
	inst := b.Client.Institution.Query().FirstIDX(testdb.Ctx())
	tests := []struct {
		entity string
		from   *auth.Viewer // exports
		to     *auth.Viewer // imports
	}{
		{"children", cityRegulator, staffOf(inst)},
		{"ban_list", districtRegulator, regulatorOf(registry.Entity{})},
	}
	for _, tt := range tests {
		t.Run(tt.entity, func(t *testing.T) {
			var buf bytes.Buffer
			n, err := Write(as(tt.from), a.Client, &buf, Options{Entity: tt.entity, Format: "csv"})
			if err != nil || n == 0 {
				t.Fatalf("export: %d rows, %v", n, err)
			}
			res, err := ingest.Import(as(tt.to), b.Client, bytes.NewReader(buf.Bytes()), int64(buf.Len()),
				ingest.Options{Entity: tt.entity, FileName: tt.entity + ".csv", Hasher: h})
			if err != nil {
				t.Fatal(err)
			}
			if res.ErrorCount < n || res.Created+res.Updated > 0 {
				t.Errorf("import of a masked export: %d rows, %d errors, %d created, %d updated; want every row refused", n, res.ErrorCount, res.Created, res.Updated)
			}
		})
	}
	if c := b.Client.Child.Query().CountX(testdb.Ctx()); c != 0 {
		t.Errorf("%d children written from a masked export", c)
	}
	if c := b.Client.BanListEntry.Query().CountX(testdb.Ctx()); c != 0 {
		t.Errorf("%d ban-list entries written from an export", c)
	}
}
