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

// errKPIDifferences makes `tuoyu kpi verify` exit non-zero.
var errKPIDifferences = errors.New("kpi verify: the precomputed data differ from the registry")

// kpiCmd: `tuoyu kpi verify [--region CODE] [--months N]`.
func kpiCmd(ctx context.Context, args []string) error {
	fs := newFlagSet("kpi", "", "")
	fs.SetOutput(stderr)
	c := bindCommon(fs)
	code := fs.String("region", "", "region code whose subtree to verify (default: every region)")
	months := fs.Int("months", 3, "also compare every indicator, fast vs live, as of the end of each of the last N months")
	if len(args) > 0 && isHelp(args[0]) {
		fs.Usage() // kpi -h: the usage of its one subcommand
		return flag.ErrHelp
	}
	if len(args) == 0 || args[0] != "verify" {
		return errors.New(`kpi: the only subcommand is "verify"`)
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	// A verification recomputes from millions of health records: a batch
	// job, not a request. Unless set, the statement timeout is an hour.
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
	sys := system(ctx)
	var (
		institutions []int
		regions      []int
	)
	if *code != "" {
		r, err := a.client.Region.Query().Where(region.Code(*code)).Only(sys)
		if err != nil {
			return fmt.Errorf("kpi verify: --region %s: %w", *code, err)
		}
		regions = a.client.Region.QueryChildren(r).IDsX(sys)
		regions = append(regions, r.ID)
		// Institutions of the subtree: codes share the region's prefix.
		sub, err := a.client.Region.Query().Where(region.CodeHasPrefix(trimZeros(r.Code))).IDs(sys)
		if err != nil {
			return fmt.Errorf("kpi verify: %w", err)
		}
		if institutions, err = a.client.Institution.Query().Where(institution.RegionIDIn(sub...)).IDs(sys); err != nil {
			return fmt.Errorf("kpi verify: %w", err)
		}
		if len(institutions) == 0 {
			institutions = []int{0}
		}
	} else {
		roots, err := a.client.Region.Query().Where(region.Not(region.HasParent())).All(sys)
		if err != nil {
			return fmt.Errorf("kpi verify: %w", err)
		}
		for _, r := range roots {
			regions = append(regions, r.ID)
			regions = append(regions, a.client.Region.QueryChildren(r).IDsX(sys)...)
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
	for m := 1; m <= *months; m++ {
		to := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1-m, 0)
		points = append(points, kpi.Point{AsOf: to.AddDate(0, 0, -1), From: to.AddDate(0, -1, 0), To: to})
	}
	if len(points) > 0 && len(regions) > 0 {
		start = time.Now()
		q := kpi.Query{Keys: schematype.IndicatorKeys, RegionIDs: regions, Points: points}
		got, err := engine.Evaluate(sys, q)
		if err != nil {
			return err
		}
		want, err := engine.Live().Evaluate(sys, q)
		if err != nil {
			return err
		}
		n := 0
		for i := range got {
			g, w := got[i], want[i]
			if g.Numerator != w.Numerator || !sameOrBothNil(g.Denominator, w.Denominator) {
				n++
				fmt.Fprintf(stdout, "%s region %d %s..%s: fast %v/%v, live %v/%v\n", w.Key, w.RegionID,
					points[w.Point].From.Format(time.DateOnly), points[w.Point].To.Format(time.DateOnly),
					g.Numerator, deref(g.Denominator), w.Numerator, deref(w.Denominator))
			}
		}
		fmt.Fprintf(stderr, "kpi verify: %d indicator values (%d regions × %d indicators × %d months), fast vs live: %d differences (%s)\n",
			len(got), len(regions), len(q.Keys), len(points), n, time.Since(start).Round(time.Millisecond))
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
