package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/ident"
	"github.com/tuoyu/tuoyu/internal/ingest"
	"github.com/tuoyu/tuoyu/internal/pii"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// The import benchmarks measure health_records, the largest file a
// province sends: a class-by-class morning-check export of one institution
// (importChildren children × days), imported by its staff through
// ingest.Import, against the floor of loading the same CSV into a bare
// table with the database's own bulk loader (sqlite3 .import, psql \copy).
//
//	TEST_DIALECT=sqlite go test ./bench/ -run '^$' -bench 'Import' -benchtime 1x -count 5
//	TEST_DATABASE_URL=postgres://… go test ./bench/ -run '^$' -bench 'Import' -benchtime 1x -count 5
//
// IMPORT_ROWS sets the file's rows (default 100,000).
const importChildren = 2000

func importRows() int {
	if n, err := strconv.Atoi(os.Getenv("IMPORT_ROWS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// importFixture is a database with one institution and its enrolled children.
type importFixture struct {
	db     *testdb.DB
	hasher *pii.Hasher
	credit string
	ids    []string // children's ID numbers
	viewer *auth.Viewer
}

func newImportFixture(b *testing.B) *importFixture {
	d := testdb.Open(b)
	ctx := testdb.Ctx()
	c := d.Client
	h, err := pii.NewHasher([]byte("bench-import-key-0123456789abcdef"))
	if err != nil {
		b.Fatal(err)
	}
	prov := c.Region.Create().SetCode("210000").SetName("辽宁省").SetLevel(region.LevelPROVINCE).SaveX(ctx)
	first17 := "91210102MA0000001"
	check, _ := ident.CreditCodeCheckChar(first17)
	credit := first17 + string(check)
	inst := c.Institution.Create().SetName("晨检托育中心").SetCreditCode(credit).
		SetForm(institution.FormCENTER).SetLegalNature(institution.LegalNatureNONPROFIT).SetOwnership(institution.OwnershipPRIVATE).
		SetServiceModes([]schematype.ServiceMode{schematype.ServiceModeFullDay}).SetOpenedAt(civil.D(2020, 1, 1)).
		SetRegion(prov).SaveX(ctx)
	f := &importFixture{db: d, hasher: h, credit: credit, viewer: &auth.Viewer{Subject: "bench", Role: auth.InstitutionStaff, InstitutionID: inst.ID}}
	for i := 0; i < importChildren; i++ {
		first := fmt.Sprintf("21010220230%d%02d%03d", 1+i%9, 1+i%28, i%1000)
		cc, _ := ident.IDNumberCheckChar(first)
		id := first + string(cc)
		f.ids = append(f.ids, id)
		k := c.Child.Create().SetName(fmt.Sprintf("幼儿%d", i)).SetSex(child.SexFEMALE).SetBirthDate(civil.D(2023, 1, 1)).
			SetIDDocumentType(child.IDDocumentTypeRESIDENT_ID).SetIDNumberHash(h.Hash(id)).SetIDNumberMasked(pii.MaskIDNumber(id)).SaveX(ctx)
		c.Enrolment.Create().SetChild(k).SetInstitution(inst).SetServiceMode(schematype.ServiceModeFullDay).
			SetStartDate(civil.D(2020, 1, 1)).ExecX(ctx)
	}
	return f
}

// healthCSV writes rows morning checks starting on day0 to a file in dir.
func (f *importFixture) healthCSV(b *testing.B, dir string, rows int, day0 time.Time) string {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"机构统一社会信用代码", "儿童证件号码", "记录类型", "日期", "晨午检", "体温(℃)", "结果"})
	for i := 0; i < rows; i++ {
		day := day0.AddDate(0, 0, i/len(f.ids))
		_ = w.Write([]string{f.credit, f.ids[i%len(f.ids)], "DAILY_CHECK", day.Format("2006-01-02"), "MORNING", "36.5", "NORMAL"})
	}
	w.Flush()
	p := filepath.Join(dir, fmt.Sprintf("health-%s.csv", day0.Format("20060102")))
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkImportHealthRecords imports a new file per iteration (new days,
// so every row is created) and reports rows/s.
func BenchmarkImportHealthRecords(b *testing.B) {
	f := newImportFixture(b)
	dir := b.TempDir()
	rows := importRows()
	days := (rows + importChildren - 1) / importChildren
	files := make([]string, b.N)
	for i := range files {
		files[i] = f.healthCSV(b, dir, rows, civil.D(2021, 1, 1).AddDate(0, 0, i*days))
	}
	ctx := auth.NewContext(context.Background(), f.viewer)
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for i := 0; i < b.N; i++ {
		data, err := os.ReadFile(files[i])
		if err != nil {
			b.Fatal(err)
		}
		res, err := ingest.Import(ctx, f.db.Client, bytes.NewReader(data), int64(len(data)), ingest.Options{Entity: "health_records", FileName: files[i], Hasher: f.hasher})
		if err != nil {
			b.Fatal(err)
		}
		if res.ErrorCount > 0 || res.Created != rows {
			b.Fatalf("created %d of %d rows; errors %+v", res.Created, rows, res.Errors[:min(3, len(res.Errors))])
		}
	}
	b.ReportMetric(float64(rows*b.N)/time.Since(start).Seconds(), "rows/s")
	b.ReportMetric(float64(rows*b.N)/(cpuTime()-cpu0).Seconds(), "rows/cpu-s")
}

// cpuTime is the CPU (user + system) this process has used: on a loaded
// machine wall-clock rates measure the neighbours; with SQLite (in
// process) this is the import's whole cost.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkImportHealthRecordsFloor loads the same CSV into a bare table
// with the database's own loader, as a separate process like the import.
func BenchmarkImportHealthRecordsFloor(b *testing.B) {
	dir := b.TempDir()
	f := &importFixture{credit: "91210102MA00000010"}
	for i := 0; i < importChildren; i++ {
		f.ids = append(f.ids, fmt.Sprintf("2101022023%08d", i))
	}
	rows := importRows()
	file := f.healthCSV(b, dir, rows, civil.D(2021, 1, 1))
	const table = `CREATE TABLE floor_health (credit_code text, id_number text, kind text, day date, session text, temperature_c numeric, result text)`
	var load func(i int) error
	var cpu time.Duration // the loader process's CPU
	if testdb.Dialect() == dialect.Postgres {
		d := testdb.Open(b)
		if _, err := d.SQL.Exec(table); err != nil {
			b.Fatal(err)
		}
		url := dbURL(b, d.SQL)
		load = func(int) error {
			out, err := exec.Command("psql", url, "-q", "-c", `\copy floor_health FROM '`+file+`' WITH (FORMAT csv, HEADER true)`).CombinedOutput()
			if err != nil {
				return fmt.Errorf("%v: %s", err, out)
			}
			return nil
		}
	} else {
		load = func(i int) error {
			path := filepath.Join(dir, fmt.Sprintf("floor%d.db", i))
			cmd := exec.Command("sqlite3", path)
			cmd.Stdin = bytes.NewBufferString(table + ";\n.mode csv\n.import --skip 1 " + file + " floor_health\n")
			out, err := cmd.CombinedOutput()
			if err != nil || len(out) > 0 {
				return fmt.Errorf("%v: %s", err, out)
			}
			cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			return nil
		}
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if err := load(i); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/time.Since(start).Seconds(), "rows/s")
	if cpu > 0 {
		b.ReportMetric(float64(rows*b.N)/cpu.Seconds(), "rows/cpu-s")
	}
}

// dbURL is the URL psql connects with to the test's database.
func dbURL(b *testing.B, db *sql.DB) string {
	var name string
	if err := db.QueryRow("SELECT current_database()").Scan(&name); err != nil {
		b.Fatal(err)
	}
	base := os.Getenv("TEST_DATABASE_URL")
	u, err := urlWithDB(base, name)
	if err != nil {
		b.Fatal(err)
	}
	return u
}

func urlWithDB(base, name string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}
