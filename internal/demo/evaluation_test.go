package demo

import (
	"testing"

	"github.com/tuoyu/tuoyu/ent/cityevaluation"
	"github.com/tuoyu/tuoyu/ent/cityevaluationitem"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// The city-scale demo data (辽宁省 › 沈阳市; the district scale is 大足区, whose
// province has no scheme) holds one city's evaluation in progress: a DRAFT with the
// data-decided items pre-filled and the first two sections self-scored
// with evidence, the rest still open.
func TestDemoEvaluationInProgress(t *testing.T) {
	ctx := testdb.Ctx()
	_, client := openTestDB(t)
	if _, err := Load(ctx, client, Options{Scale: ScaleCity, AsOf: testAsOf, Hasher: testHasher(t)}); err != nil {
		t.Fatal(err)
	}
	e, err := client.CityEvaluation.Query().Only(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != cityevaluation.StatusDRAFT || e.Year != testAsOf.AddDate(0, 0, -1).Year() {
		t.Errorf("evaluation %s %d", e.Status, e.Year)
	}
	rows := client.CityEvaluationItem.Query().Where(cityevaluationitem.EvaluationID(e.ID)).AllX(ctx)
	var scored, open, auto, evidence int
	for _, r := range rows {
		switch {
		case r.SelfScore != nil:
			scored++
		default:
			open++
		}
		if r.AutoBasis != "" {
			auto++
		}
		if len(r.Evidence) > 0 {
			evidence++
		}
	}
	if len(rows) != 28 || scored == 0 || open == 0 || auto != 4 || evidence != 13 {
		t.Errorf("%d rows: %d scored, %d open, %d pre-filled, %d with evidence; want 28 rows, both scored and open, 4 pre-filled, 13 with evidence", len(rows), scored, open, auto, evidence)
	}
}
