package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/kpi"
	"github.com/tuoyu/tuoyu/internal/kpi/kpistore"
)

// errKPIDifferences makes `tuoyu kpi verify` (and a rebuild that did not
// make the data exact) exit non-zero.
var errKPIDifferences = errors.New("kpi verify: the precomputed data differ from the registry; `tuoyu kpi rebuild` rebuilds them")

// verifyRegionBatch is how many regions one fast-vs-live comparison
// evaluates at once: a province has about 1,500, and the live definitions
// read the registry once per batch.
const verifyRegionBatch = 200

// kpiCmd: `tuoyu kpi verify [--region CODE] [--months N]` and
// `tuoyu kpi rebuild`.
func kpiCmd(ctx context.Context, args []string) error {
	sub := ""
	if len(args) > 0 {
		sub = args[0]
	}
	fs := newFlagSet("kpi", "", "")
	fs.SetOutput(stderr)
	c := bindCommon(fs)
	var (
		code   *string
		months *int
	)
	if sub != "rebuild" {
		code = fs.String("region", "", "region code whose subtree to verify: its precomputed rows and every indicator of every region in it (default: every region)")
		months = fs.Int("months", 3, "also compare every indicator, fast vs live, as of the end of each of the last N months; 0 = the precomputed tables only")
	}
	if isHelp(sub) {
		fs.Usage() // kpi -h: the usage of its subcommands
		return flag.ErrHelp
	}
	if sub != "verify" && sub != "rebuild" {
		return errors.New(`kpi: the subcommands are "verify" and "rebuild"`)
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("kpi %s: unexpected argument %q (a region is given with --region CODE)", sub, fs.Arg(0))
	}
	if months != nil && *months < 0 {
		return fmt.Errorf("kpi verify: --months must be 0 or more, not %d", *months)
	}
	// A verification or a rebuild recomputes from millions of health
	// records: a batch job, not a request. Unless set, the statement
	// timeout is an hour.
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "statement-timeout" })
	if !set && os.Getenv(flagEnv["statement-timeout"]) == "" {
		c.DB.StatementTimeout = time.Hour
	}
	a, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer a.close()
	if sub == "rebuild" {
		return kpiRebuild(ctx, a)
	}
	return kpiVerify(ctx, a, *code, *months)
}

// kpiRebuild recomputes every precomputed table from the registry in one
// transaction (the repair after writes made outside tuoyu), then compares
// them with the registry again.
func kpiRebuild(ctx context.Context, a *app) error {
	sys := system(ctx)
	start := time.Now()
	if err := kpistore.RebuildAllClient(sys, a.client); err != nil {
		return fmt.Errorf("kpi rebuild: %w", err)
	}
	fmt.Fprintf(stderr, "kpi rebuild: precomputed tables rebuilt from the registry (%s)\n", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	diffs, err := kpistore.Verify(sys, a.db.Driver, a.db.Dialect, nil)
	if err != nil {
		return fmt.Errorf("kpi rebuild: verify: %w", err)
	}
	for _, d := range diffs {
		fmt.Fprintln(stdout, d)
	}
	fmt.Fprintf(stderr, "kpi rebuild: precomputed tables: %d differences (%s)\n", len(diffs), time.Since(start).Round(time.Millisecond))
	if len(diffs) > 0 {
		// Writes committed during the rebuild (SQLite) or a bug: the
		// numbers are still not exact.
		return errKPIDifferences
	}
	return nil
}

// kpiVerify compares the precomputed tables of the subtree of code (every
// region when empty) with the registry, then every indicator of every
// region of the subtree, fast vs live, as of the end of each of the last
// months months.
func kpiVerify(ctx context.Context, a *app, code string, months int) error {
	sys := system(ctx)
	var (
		institutions []int
		regions      []int
	)
	if code != "" {
		r, err := a.client.Region.Query().Where(region.Code(code)).Only(sys)
		if err != nil {
			return fmt.Errorf("kpi verify: --region %s: %w", code, err)
		}
		// The subtree: codes share the region's prefix.
		if regions, err = a.client.Region.Query().Where(region.CodeHasPrefix(trimZeros(r.Code))).IDs(sys); err != nil {
			return fmt.Errorf("kpi verify: %w", err)
		}
		if institutions, err = a.client.Institution.Query().Where(institution.RegionIDIn(regions...)).IDs(sys); err != nil {
			return fmt.Errorf("kpi verify: %w", err)
		}
		if len(institutions) == 0 {
			institutions = []int{0}
		}
	} else {
		var err error
		if regions, err = a.client.Region.Query().Order(region.ByCode()).IDs(sys); err != nil {
			return fmt.Errorf("kpi verify: %w", err)
		}
	}
	start := time.Now()
	diffs, err := kpistore.Verify(sys, a.db.Driver, a.db.Dialect, institutions)
	if err != nil {
		return err
	}
	for _, d := range diffs {
		fmt.Fprintln(stdout, d)
	}
	fmt.Fprintf(stderr, "kpi verify: precomputed tables: %d differences (%s)\n", len(diffs), time.Since(start).Round(time.Millisecond))
	bad := len(diffs)
	// Every indicator, fast vs live, for the regions and the last months.
	engine := kpi.New(a.client, a.db.Driver, a.db.Dialect)
	today := civil.Today(a.loc)
	var points []kpi.Point
	for m := 1; m <= months; m++ {
		to := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1-m, 0)
		points = append(points, kpi.Point{AsOf: to.AddDate(0, 0, -1), From: to.AddDate(0, -1, 0), To: to})
	}
	if len(points) > 0 && len(regions) > 0 {
		start = time.Now()
		values, n := 0, 0
		for lo := 0; lo < len(regions); lo += verifyRegionBatch {
			q := kpi.Query{Keys: schematype.IndicatorKeys, RegionIDs: regions[lo:min(len(regions), lo+verifyRegionBatch)], Points: points}
			got, err := engine.Evaluate(sys, q)
			if err != nil {
				return err
			}
			want, err := engine.Live().Evaluate(sys, q)
			if err != nil {
				return err
			}
			values += len(got)
			for i := range got {
				g, w := got[i], want[i]
				if g.Numerator != w.Numerator || !sameOrBothNil(g.Denominator, w.Denominator) {
					n++
					fmt.Fprintf(stdout, "%s region %d %s..%s: fast %v/%v, live %v/%v\n", w.Key, w.RegionID,
						points[w.Point].From.Format(time.DateOnly), points[w.Point].To.Format(time.DateOnly),
						g.Numerator, deref(g.Denominator), w.Numerator, deref(w.Denominator))
				}
			}
		}
		fmt.Fprintf(stderr, "kpi verify: %d indicator values (%d regions × %d indicators × %d months), fast vs live: %d differences (%s)\n",
			values, len(regions), len(schematype.IndicatorKeys), len(points), n, time.Since(start).Round(time.Millisecond))
		bad += n
	}
	if bad > 0 {
		return errKPIDifferences
	}
	return nil
}

// trimZeros is a region code without its trailing zeros: the prefix of its
// descendants' codes (210100 → 2101).
func trimZeros(code string) string {
	for len(code) > 2 && code[len(code)-1] == '0' && code[len(code)-2] == '0' {
		code = code[:len(code)-2]
	}
	return code
}

func sameOrBothNil(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) < 1e-9
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
