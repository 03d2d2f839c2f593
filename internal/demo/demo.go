// Package demo generates deterministic synthetic data for tuoyu at three
// scales and bulk-loads it through the ent client.
//
// The data describe a plausible childcare (托育) landscape: a real region
// tree (重庆市 › 大足区 at district scale, 辽宁省 › 沈阳市 at city scale, all
// of 辽宁省 at province scale) with synthetic subdistricts, yearly population
// statistics, institutions of every form with published fees, filings
// (receipts numbered), inclusive (普惠) designations and seats, staff with certificates, children with enrolments
// and health records (including daily morning checks over the last months),
// inspections, complaints, incidents, parent surveys and the plan targets of
// the seed policy documents. Every KPI of design.md §3 has data to compute.
//
// Generation is deterministic: the same Scale, Seed and AsOf always produce
// the same rows (timestamps created_at/updated_at aside), because all
// randomness comes from PCG generators derived from Seed and nothing reads
// the clock or depends on map iteration order. The region tree itself does
// not depend on Seed.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/serversecret"
	"github.com/tuoyu/tuoyu/internal/pii"
)

// Scale selects how much data to generate.
type Scale string

// The scales. City is the default.
const (
	// ScaleDistrict is one district (重庆市大足区): about 36 institutions.
	ScaleDistrict Scale = "district"
	// ScaleCity is one city (辽宁省沈阳市): about 360 institutions.
	ScaleCity Scale = "city"
	// ScaleProvince is one province (辽宁省, 14 cities): about 5,000
	// institutions and millions of health records.
	ScaleProvince Scale = "province"
)

// ParseScale parses a scale name ("district", "city" or "province", case
// insensitive); the empty string means ScaleCity.
func ParseScale(s string) (Scale, error) {
	switch Scale(strings.ToLower(strings.TrimSpace(s))) {
	case "", ScaleCity:
		return ScaleCity, nil
	case ScaleDistrict:
		return ScaleDistrict, nil
	case ScaleProvince:
		return ScaleProvince, nil
	}
	return "", fmt.Errorf("demo: unknown scale %q (want district, city or province)", s)
}

// Options configure Load.
type Options struct {
	// Scale selects the amount of data; empty means ScaleCity.
	Scale Scale
	// Seed selects the random data; 0 means 1.
	Seed int64
	// AsOf is the data's "today", a UTC-midnight date: every record is
	// dated on or before the day before AsOf. Required.
	AsOf time.Time
	// Hasher hashes staff and child ID-card numbers. Required.
	Hasher *pii.Hasher
	// Progress, if not nil, is called at the start and end of each table
	// and at least every half second of work in between.
	Progress func(Progress)
}

// Progress reports how far Load has got.
type Progress struct {
	// Table is the table being written (its SQL name, e.g. "health_records"),
	// or "plan" while the data are being generated in memory.
	Table string
	// Done is the number of rows written to Table so far, Total the number
	// it will have.
	Done, Total int
	// Elapsed is the time since Load started.
	Elapsed time.Duration
}

// Summary reports what Load wrote.
type Summary struct {
	// Counts maps each table's SQL name to the number of rows written.
	Counts map[string]int
	// Elapsed is the total time Load took.
	Elapsed time.Duration
}

// ErrNotEmpty is returned by Load when the database already has regions.
var ErrNotEmpty = errors.New("demo: the database already has data (regions); load demo data only into an empty database")

// ErrInterrupted is returned by CheckComplete when a demo load into the
// database started but never finished (interrupted, killed, failed): the
// database holds part of the demo and its precomputed KPI data were never
// built, so every indicator would be silently wrong.
var ErrInterrupted = errors.New("demo: the demo data load into this database was interrupted; the database holds part of the demo and its indicators would be wrong")

// incompleteMarker names the server_secrets row Load writes before its
// first table and deletes after its last step: a database that still has
// it holds an unfinished load. A marker written first (rather than a
// "complete" one written last) leaves databases loaded before it existed,
// and databases never loaded with demo data, valid.
const incompleteMarker = "demo_load_incomplete"

// Load generates the data for opts and writes it with client, which must
// be connected to a migrated, empty database (see IsEmpty) and must not be
// a transaction's client: Load opens its own transactions. It writes in
// multi-row INSERT statements, a few per transaction, marked as a trusted
// bulk load (internal/bulkload): the generator itself guarantees that no
// child has overlapping full- or half-day enrolments and that no staff
// member is on the ban list. On error, tables already written stay written
// (one transaction per province-scale load would hold the database for
// minutes), but the database stays marked as unfinished: CheckComplete
// reports it until the database is recreated.
func Load(ctx context.Context, client *ent.Client, opts Options) (Summary, error) {
	start := time.Now()
	if err := opts.normalise(); err != nil {
		return Summary{}, err
	}
	empty, err := IsEmpty(ctx, client)
	if err != nil {
		return Summary{}, err
	}
	if !empty {
		return Summary{}, ErrNotEmpty
	}
	// The marker is written by the system (server_secrets has no API).
	sys := privacy.DecisionContext(ctx, privacy.Allow)
	if err := setIncomplete(sys, client); err != nil {
		return Summary{}, err
	}
	l := newLoader(client, opts, start)
	if err := l.run(ctx); err != nil {
		return Summary{Counts: l.counts, Elapsed: time.Since(start)}, err
	}
	// Not ctx: a load that has finished is complete even if it was
	// cancelled a moment later.
	if _, err := client.ServerSecret.Delete().Where(serversecret.Name(incompleteMarker)).
		Exec(privacy.DecisionContext(context.WithoutCancel(ctx), privacy.Allow)); err != nil {
		return Summary{Counts: l.counts, Elapsed: time.Since(start)}, fmt.Errorf("demo: mark the load complete: %w", err)
	}
	return Summary{Counts: l.counts, Elapsed: time.Since(start)}, nil
}

// setIncomplete writes the unfinished-load marker (again, after a load that
// failed before its first region).
func setIncomplete(ctx context.Context, client *ent.Client) error {
	exists, err := client.ServerSecret.Query().Where(serversecret.Name(incompleteMarker)).Exist(ctx)
	if err == nil && !exists {
		err = client.ServerSecret.Create().SetName(incompleteMarker).SetValue([]byte(time.Now().UTC().Format(time.RFC3339))).Exec(ctx)
	}
	if err != nil {
		return fmt.Errorf("demo: mark the load as started: %w", err)
	}
	return nil
}

// CheckComplete returns ErrInterrupted when a demo load into the database
// started and did not finish, nil otherwise (no demo load, or a finished
// one). An unfinished load that wrote no region yet does not count: the
// database is empty and the next Load starts afresh.
func CheckComplete(ctx context.Context, client *ent.Client) error {
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	marked, err := client.ServerSecret.Query().Where(serversecret.Name(incompleteMarker)).Exist(ctx)
	if err != nil {
		return fmt.Errorf("demo: check for an unfinished load: %w", err)
	}
	if !marked {
		return nil
	}
	empty, err := IsEmpty(ctx, client)
	if err != nil || empty {
		return err
	}
	return ErrInterrupted
}

// normalise applies defaults and rejects missing or invalid options.
func (o *Options) normalise() error {
	s, err := ParseScale(string(o.Scale))
	if err != nil {
		return err
	}
	o.Scale = s
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Hasher == nil {
		return errors.New("demo: Options.Hasher is required")
	}
	if o.AsOf.IsZero() {
		return errors.New("demo: Options.AsOf is required")
	}
	if o.AsOf.Location() != time.UTC || o.AsOf.Hour() != 0 || o.AsOf.Minute() != 0 || o.AsOf.Second() != 0 || o.AsOf.Nanosecond() != 0 {
		return errors.New("demo: Options.AsOf must be a UTC-midnight date (civil.D)")
	}
	return CheckAsOf(o.AsOf)
}

// The years an as-of date may fall in: the range the generator's dated
// histories (institutions opened years before, children born up to three
// years before) and calendars are built for.
const (
	MinAsOfYear = 2015
	MaxAsOfYear = 2190
)

// CheckAsOf reports whether day (a civil date) can be the data's "today":
// its year must be in [MinAsOfYear, MaxAsOfYear].
func CheckAsOf(day time.Time) error {
	if y := day.Year(); y < MinAsOfYear || y > MaxAsOfYear {
		return fmt.Errorf("the demo data's date must be in the years %d to %d", MinAsOfYear, MaxAsOfYear)
	}
	return nil
}

// IsEmpty reports whether the database has no regions, i.e. nothing to
// conflict with demo data.
func IsEmpty(ctx context.Context, client *ent.Client) (bool, error) {
	exists, err := client.Region.Query().Exist(ctx)
	if err != nil {
		return false, fmt.Errorf("demo: check for regions: %w", err)
	}
	return !exists, nil
}

// PrintProgress returns a Progress callback that writes one human-readable
// line per call to w: the table, rows done of total, percentage, and the
// rate in rows per second since the table started.
func PrintProgress(w io.Writer) func(Progress) {
	var (
		table   string
		started time.Duration
	)
	return func(p Progress) {
		if p.Table != table {
			table, started = p.Table, p.Elapsed
		}
		pct := 100.0
		if p.Total > 0 {
			pct = 100 * float64(p.Done) / float64(p.Total)
		}
		rate := ""
		if d := p.Elapsed - started; d > 0 && p.Done > 0 && p.Table != "plan" {
			rate = fmt.Sprintf("  %8.0f rows/s", float64(p.Done)/d.Seconds())
		}
		fmt.Fprintf(w, "demo: %-22s %9d/%-9d %5.1f%%%s  [%s]\n",
			p.Table, p.Done, p.Total, pct, rate, p.Elapsed.Round(100*time.Millisecond))
	}
}
