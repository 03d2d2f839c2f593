package kpi_test

import (
	"testing"

	"entgo.io/ent/dialect"

	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/ent/seat"
	"github.com/tuoyu/tuoyu/internal/kpi"
	"github.com/tuoyu/tuoyu/internal/kpi/kpifixture"
	"github.com/tuoyu/tuoyu/internal/testdb"
	"github.com/tuoyu/tuoyu/migrate"
)

// cachingSetup is setup with a result cache of maxResults, on PostgreSQL
// (SQLite keeps nothing: TestSQLiteKeepsNothing).
func cachingSetup(t *testing.T, maxResults int) (*testdb.DB, *kpifixture.Fixture, *kpi.Engine) {
	t.Helper()
	if testdb.Dialect() != dialect.Postgres {
		t.Skip("the result cache is PostgreSQL's (checked in the PostgreSQL pass)")
	}
	d, f, engine := setup(t)
	return d, f, engine.WithResultCache(maxResults)
}

// evaluateCounting evaluates q and reports the statements it sent.
func evaluateCounting(t *testing.T, d *testdb.DB, engine *kpi.Engine, q kpi.Query) ([]kpi.Result, int64) {
	t.Helper()
	var (
		res []kpi.Result
		err error
	)
	n := d.Count(func() { res, err = engine.Evaluate(testdb.Ctx(), q) })
	if err != nil {
		t.Fatal(err)
	}
	return res, n
}

// TestKeptAnswerUntilTheDataChanges: asked again over unchanged data, the
// engine reads only the data version and gives the same answer; after a
// write, whether through tuoyu or straight in SQL, it computes again and
// the answer is the live engine's.
func TestKeptAnswerUntilTheDataChanges(t *testing.T) {
	d, f, engine := cachingSetup(t, kpi.DefaultResultCache)
	q := coalesceQuery(f)
	first, _ := evaluateCounting(t, d, engine, q)
	again, n := evaluateCounting(t, d, engine, q)
	if n != 1 || !sameResults(again, first) {
		t.Fatalf("asked again over unchanged data: %d statements (want 1, the version), same answer %v", n, sameResults(again, first))
	}
	writes := []struct {
		name  string
		write func() error
	}{
		{"a seat created through ent", func() error {
			return d.Client.Seat.Create().SetInstitution(f.A).SetAgeBand(seat.AgeBandTODDLER).SetInclusive(true).SetOpenedAt(f.A.OpenedAt).Exec(testdb.Ctx())
		}},
		{"population changed in SQL, outside tuoyu", func() error {
			// (Registry rows the precomputed data derive from must be
			// written through tuoyu; population figures are read as they are.)
			_, err := d.SQL.ExecContext(testdb.Ctx(), `UPDATE population_stats SET resident_population = resident_population + 1000`)
			return err
		}},
	}
	prev := first
	for _, w := range writes {
		if err := w.write(); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		got, n := evaluateCounting(t, d, engine, q)
		if n <= 1 {
			t.Errorf("after %s: %d statements; want the version, then the evaluation", w.name, n)
		}
		want, err := engine.Live().Evaluate(testdb.Ctx(), q)
		if err != nil {
			t.Fatal(err)
		}
		if !sameResults(got, want) {
			t.Errorf("after %s: the answer differs from the live engine's", w.name)
		}
		if sameResults(got, prev) {
			t.Errorf("after %s: the answer did not change: the test proves nothing", w.name)
		}
		prev = got
	}
}

// TestAnswerAWriteOverlappedIsNotGivenAgain: a write that commits after an
// evaluation read the version, while its statements run, leaves the
// answer unusable: the next request computes again and sees the write.
func TestAnswerAWriteOverlappedIsNotGivenAgain(t *testing.T) {
	d, f, engine := cachingSetup(t, kpi.DefaultResultCache)
	q := coalesceQuery(f)
	q.Keys = []kpi.Key{schematype.SeatsPer1000}
	wrote := false
	restore := kpi.SetVersionRead(func() {
		if wrote {
			return
		}
		wrote = true
		if err := d.Client.Seat.Create().SetInstitution(f.A).SetAgeBand(seat.AgeBandTODDLER).SetInclusive(true).SetOpenedAt(f.A.OpenedAt).Exec(testdb.Ctx()); err != nil {
			t.Error(err)
		}
	})
	defer restore()
	if _, err := engine.Evaluate(testdb.Ctx(), q); err != nil {
		t.Fatal(err)
	}
	if !wrote {
		t.Fatal("the hook did not run: the test proves nothing")
	}
	got, n := evaluateCounting(t, d, engine, q)
	if n == 1 {
		t.Error("the answer of an evaluation a write overlapped was given again")
	}
	want, err := engine.Live().Evaluate(testdb.Ctx(), q)
	if err != nil {
		t.Fatal(err)
	}
	if !sameResults(got, want) {
		t.Error("the answer after the overlapping write differs from the live engine's")
	}
}

// TestResultCacheBound: the cache holds at most its bound in results,
// dropping the least recently used answer, and never an answer larger than
// the bound.
func TestResultCacheBound(t *testing.T) {
	d, f, probe := cachingSetup(t, kpi.DefaultResultCache)
	q := coalesceQuery(f)
	one, _ := evaluateCounting(t, d, probe, q)
	engine := probe.WithResultCache(len(one)) // room for one answer of q's size
	other := q
	other.RegionIDs = []int{f.D2.ID, f.D1.ID} // another question, as many results
	evaluateCounting(t, d, engine, q)
	evaluateCounting(t, d, engine, other)
	if answers, results := kpi.CachedAnswers(engine); answers != 1 || results != len(one) {
		t.Errorf("held %d answers, %d results; want 1 answer of %d", answers, results, len(one))
	}
	if _, n := evaluateCounting(t, d, engine, other); n != 1 {
		t.Errorf("the most recent answer was not kept (%d statements)", n)
	}
	if _, n := evaluateCounting(t, d, engine, q); n == 1 {
		t.Error("the least recently used answer was kept beyond the bound")
	}
	small := probe.WithResultCache(len(one) - 1)
	evaluateCounting(t, d, small, q)
	if answers, _ := kpi.CachedAnswers(small); answers != 0 {
		t.Error("an answer larger than the bound was kept")
	}
}

// TestSQLiteKeepsNothing: without a data version, SQLite never caches;
// the engine is the uncached one.
func TestSQLiteKeepsNothing(t *testing.T) {
	if testdb.Dialect() != dialect.SQLite {
		t.Skip("checked in the SQLite pass")
	}
	d, f, engine := setup(t)
	if engine.WithResultCache(kpi.DefaultResultCache) != engine {
		t.Fatal("WithResultCache on SQLite returned a caching engine")
	}
	_, one := evaluateCounting(t, d, engine, coalesceQuery(f))
	if _, again := evaluateCounting(t, d, engine, coalesceQuery(f)); again != one {
		t.Errorf("asked again: %d statements; want %d", again, one)
	}
}

// TestNothingKeptWhileATableLacksTheTrigger: a database where a tracked
// table does not note its writes (migrated without the triggers, or one
// dropped by hand) could change under a kept answer unseen, so nothing is
// kept until migrate puts the trigger back.
func TestNothingKeptWhileATableLacksTheTrigger(t *testing.T) {
	d, f, engine := cachingSetup(t, kpi.DefaultResultCache)
	if _, err := d.SQL.ExecContext(testdb.Ctx(), `DROP TRIGGER tuoyu_data_changed ON seats`); err != nil {
		t.Fatal(err)
	}
	q := coalesceQuery(f)
	evaluateCounting(t, d, engine, q)
	if _, n := evaluateCounting(t, d, engine, q); n <= 1 {
		t.Fatalf("asked again with seats untracked: %d statements; want a full evaluation", n)
	}
	if answers, _ := kpi.CachedAnswers(engine); answers != 0 {
		t.Fatalf("%d answers kept with seats untracked", answers)
	}
	if _, err := migrate.Apply(testdb.Ctx(), d.SQL, d.Dialect, nil); err != nil {
		t.Fatal(err)
	}
	evaluateCounting(t, d, engine, q)
	if _, n := evaluateCounting(t, d, engine, q); n != 1 {
		t.Fatalf("asked again once migrate restored the trigger: %d statements; want 1", n)
	}
}

// TestRankingKeptToo: a ranking asked again over unchanged data reads the
// tree (to list the level's regions) and the version, nothing more.
func TestRankingKeptToo(t *testing.T) {
	d, f, engine := cachingSetup(t, kpi.DefaultResultCache)
	rank := func() ([]kpi.Result, int64) {
		var (
			res []kpi.Result
			err error
		)
		n := d.Count(func() {
			res, err = engine.Rank(testdb.Ctx(), schematype.FilingRate, f.C.ID, "DISTRICT", kpi.Point{AsOf: kpifixture.AsOf}, false)
		})
		if err != nil {
			t.Fatal(err)
		}
		return res, n
	}
	first, _ := rank()
	again, n := rank()
	if n != 2 || !sameResults(again, first) {
		t.Errorf("ranking asked again: %d statements (want 2: tree, version), same answer %v", n, sameResults(again, first))
	}
}
