package filing_test

import (
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/demo"
	filingflow "github.com/tuoyu/tuoyu/internal/filing"
	"github.com/tuoyu/tuoyu/internal/pii"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// TestDemoFilingsFollowTheWorkflow: the demo's filings (a trusted bulk
// load: the hook's rules do not run; then backfilled) have days, statuses
// and histories the workflow can produce, so FILING_RATE agrees with their
// status on the demo too.
func TestDemoFilingsFollowTheWorkflow(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the district demo")
	}
	d := testdb.Open(t)
	h, err := pii.NewHasher([]byte("tuoyu-demo-test-key-0123456789ab"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(testdb.Ctx(), d.Client, demo.Options{Scale: demo.ScaleDistrict, AsOf: civil.D(2026, time.March, 16), Hasher: h}); err != nil {
		t.Fatal(err)
	}
	problems, err := filingflow.Inconsistencies(testdb.Ctx(), d.SQL)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("demo %s", p)
	}
}
