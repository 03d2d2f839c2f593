package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/ident"
	"github.com/tuoyu/tuoyu/internal/ingest"
	"github.com/tuoyu/tuoyu/internal/registry"
)

// importCmd imports one CSV or XLSX file of a registry entity (README
// "Import") as a named viewer: by default a province regulator of the
// database's province; --institution makes it that institution's staff,
// which children, enrolments, health records, staff and certificates need.
// The result goes to stdout as JSON; progress and the error summary go to
// stderr. Any error of the file writes nothing and exits non-zero.
func importCmd(ctx context.Context, args []string) error {
	fs := newFlagSet("import", "", "")
	fs.SetOutput(stderr)
	c := bindCommon(fs)
	entity := fs.String("entity", env("TUOYU_IMPORT_ENTITY", ""), "what the file holds, one of "+strings.Join(registry.Names(), ", ")+" (env TUOYU_IMPORT_ENTITY)")
	file := fs.String("file", env("TUOYU_IMPORT_FILE", ""), "the CSV or XLSX file to import (env TUOYU_IMPORT_FILE)")
	dryRun := fs.Bool("dry-run", envBool("TUOYU_IMPORT_DRY_RUN", false), "validate the whole file and report, writing nothing (env TUOYU_IMPORT_DRY_RUN)")
	format := fs.String("format", env("TUOYU_IMPORT_FORMAT", ""), "csv or xlsx; empty = from the file's name and content (env TUOYU_IMPORT_FORMAT)")
	encoding := fs.String("encoding", env("TUOYU_IMPORT_ENCODING", ""), "CSV encoding utf-8 or gb18030 (GBK); empty = detect (env TUOYU_IMPORT_ENCODING)")
	report := fs.String("error-report", env("TUOYU_IMPORT_ERROR_REPORT", ""), "when the file has errors, write it here as XLSX with an error column and the bad cells highlighted (env TUOYU_IMPORT_ERROR_REPORT)")
	subject := fs.String("subject", defaultSubject(), "who imports: named in the audit trail")
	roleName := fs.String("role", "", "the importer's role; default PROVINCE_REGULATOR, or INSTITUTION_STAFF with --institution")
	regionCode := fs.String("region", "", "GB/T 2260 code of a regulator's region, of the role's level; default the database's province")
	inst := fs.String("institution", "", "credit code (统一社会信用代码) or ID of the institution whose staff imports")
	// No environment variable on purpose: trusting keyed hashes is an
	// operator's decision per command, never a deployment default.
	hashes := fs.Bool("identity-hashes", false, "accept identity cells HASH:<keyed hash>:<masked> written by tuoyu export --identity-hashes; both databases must share --pii-key (moving data between databases; operator only, not available to importData)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("import: unexpected argument %q", fs.Arg(0))
	}
	if _, ok := registry.Lookup(*entity); !ok {
		return fmt.Errorf("import: --entity must be one of %s", strings.Join(registry.Names(), ", "))
	}
	if *file == "" {
		return errors.New("import: --file is required")
	}
	f, err := os.Open(*file)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	a, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer a.close()
	v, err := importViewer(system(ctx), a.client, strings.TrimSpace(*subject), *roleName, strings.TrimSpace(*regionCode), strings.TrimSpace(*inst))
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	bar := newProgress(stderr)
	opts := ingest.Options{
		Entity: *entity, FileName: *file, Format: *format, Encoding: *encoding, DryRun: *dryRun,
		Hasher: a.hasher, Location: a.loc, Progress: bar.update, TrustedHashes: *hashes,
	}
	res, err := ingest.Import(auth.NewContext(ctx, v), a.client, f, st.Size(), opts)
	bar.done()
	if err != nil {
		return err
	}
	if res.Errors == nil {
		res.Errors = []ingest.RowError{} // a script reads "errors": [], not null
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		return err
	}
	if res.ErrorCount == 0 {
		verb := "imported"
		if res.DryRun {
			verb = "validated (dry run, nothing written)"
		}
		fmt.Fprintf(stderr, "%s %d rows of %s: %d created, %d updated, %d unchanged", verb, res.Rows, res.Entity, res.Created, res.Updated, res.Unchanged)
		if res.Deleted > 0 {
			fmt.Fprintf(stderr, ", %d removed", res.Deleted)
		}
		fmt.Fprintln(stderr)
		return nil
	}
	for _, e := range res.Errors[:min(len(res.Errors), 20)] {
		fmt.Fprintf(stderr, "%s: %s (%s)\n", e.Where(), e.Message, e.Code)
	}
	if res.ErrorCount > 20 {
		fmt.Fprintf(stderr, "… and %d more (all of the first %d are in the JSON on stdout)\n", res.ErrorCount-20, len(res.Errors))
	}
	if *report != "" {
		opts.ErrorCount = res.ErrorCount
		if err := writeReport(*report, f, st.Size(), opts, res.Errors); err != nil {
			return fmt.Errorf("import: error report: %w", err)
		}
		fmt.Fprintf(stderr, "error report: %s\n", *report)
	}
	return fmt.Errorf("import: %d errors in %s; nothing was written", res.ErrorCount, *file)
}

func writeReport(path string, file io.ReaderAt, size int64, opts ingest.Options, errs []ingest.RowError) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := ingest.WriteErrorReport(out, file, size, opts, errs); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// institutionByFlag finds the institution --institution names: a valid
// credit code is looked up as one first (many codes are all digits, e.g.
// 912101024190226944), then a number as an ID.
func institutionByFlag(ctx context.Context, client *ent.Client, inst string) (*ent.Institution, error) {
	id, idErr := strconv.Atoi(inst)
	isCode := ident.ValidateCreditCode(inst) == nil
	if !isCode && idErr != nil {
		return nil, errors.New("--institution must be a credit code (统一社会信用代码) or an institution ID")
	}
	if isCode {
		in, err := client.Institution.Query().Where(institution.CreditCode(inst)).WithRegion().Only(ctx)
		if err == nil || !ent.IsNotFound(err) || idErr != nil {
			return in, notFoundFlag(err)
		}
	}
	in, err := client.Institution.Query().Where(institution.ID(id)).WithRegion().Only(ctx)
	return in, notFoundFlag(err)
}

func notFoundFlag(err error) error {
	if ent.IsNotFound(err) {
		return errors.New("--institution names no institution in this database")
	}
	return err
}

// importViewer is who the import acts as. Without flags: a province
// regulator of the database's only province (what an operator loading a
// province's data is). --institution (credit code or ID) makes the
// viewer that institution's staff; --role and --region choose any other
// regulator scope. The viewer is validated as a token's would be.
func importViewer(ctx context.Context, client *ent.Client, subject, roleName, regionCode, inst string) (*auth.Viewer, error) {
	if subject == "" {
		return nil, errors.New("--subject is required: the audit trail names who imported")
	}
	v := &auth.Viewer{Subject: subject}
	switch {
	case roleName != "":
		r, err := parseRole(roleName, []auth.Role{auth.ProvinceRegulator, auth.CityRegulator, auth.DistrictRegulator, auth.InstitutionStaff})
		if err != nil {
			return nil, err
		}
		v.Role = r
	case inst != "":
		v.Role = auth.InstitutionStaff
	default:
		v.Role = auth.ProvinceRegulator
	}
	if v.Role == auth.InstitutionStaff {
		if inst == "" {
			return nil, errors.New("INSTITUTION_STAFF needs --institution (credit code or ID)")
		}
		in, err := institutionByFlag(ctx, client, inst)
		if err != nil {
			return nil, err
		}
		v.InstitutionID = in.ID
		if in.Edges.Region != nil {
			v.RegionCode = in.Edges.Region.Code
		}
	} else {
		if inst != "" {
			return nil, errors.New("--institution is for INSTITUTION_STAFF only")
		}
		if regionCode == "" {
			if v.Role != auth.ProvinceRegulator {
				return nil, fmt.Errorf("%s needs --region", v.Role)
			}
			codes, err := client.Region.Query().Where(region.LevelEQ(region.LevelPROVINCE)).Select(region.FieldCode).Strings(ctx)
			if err != nil {
				return nil, err
			}
			switch len(codes) {
			case 0:
				return nil, errors.New("the database has no province yet: give --region with the province's code (e.g. --region 210000) to import the regions")
			case 1:
			default:
				return nil, fmt.Errorf("the database has %d provinces: give --region", len(codes))
			}
			regionCode = codes[0]
		}
		v.RegionCode = regionCode
	}
	if err := v.Validate(); err != nil {
		return nil, fmt.Errorf("%s (%s)", viewerReason(err), scopeHint[v.Role])
	}
	return v, nil
}

// progress draws one self-overwriting line on stderr: rows read while
// validating, then rows written with rate and ETA, at most 5 times a second.
type progress struct {
	w       io.Writer
	start   time.Time
	last    time.Time
	drawn   bool
	writing bool
}

func newProgress(w io.Writer) *progress { return &progress{w: w, start: time.Now()} }

func (p *progress) update(done, total int) {
	now := time.Now()
	if now.Sub(p.last) < 200*time.Millisecond && done != total {
		return
	}
	if total > 0 && !p.writing {
		p.writing, p.start = true, now // the rate of the writing phase alone
	}
	p.last = now
	secs := now.Sub(p.start).Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(done) / secs
	}
	line := fmt.Sprintf("reading %d rows (%.0f rows/s)", done, rate)
	if total > 0 {
		eta := "?"
		if rate > 0 {
			eta = (time.Duration(float64(total-done)/rate) * time.Second).Round(time.Second).String()
		}
		line = fmt.Sprintf("writing %d/%d rows %3.0f%% (%.0f rows/s, ETA %s)", done, total, 100*float64(done)/float64(total), rate, eta)
	}
	fmt.Fprintf(p.w, "\r%-70s", line)
	p.drawn = true
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
