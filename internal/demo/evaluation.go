package demo

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/cityevaluationitem"
	"github.com/tuoyu/tuoyu/ent/evaluationitem"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/evaluation"
	"github.com/tuoyu/tuoyu/internal/kpi"
)

// writeEvaluation loads the built-in evaluation schemes and starts one
// city's demonstration-city self-evaluation for the data's year: the first
// city (by code) of a province with a scheme, pre-filled from the data, its
// first two sections self-scored with notes and evidence, the rest still
// open — an evaluation in progress (DRAFT). Deterministic: it depends only
// on the generated data.
func (l *loader) writeEvaluation(ctx context.Context) error {
	if err := evaluation.EnsureBuiltin(ctx, l.client); err != nil {
		return err
	}
	l.progress("city_evaluations", 0, 1, true)
	var city *ent.Region
	for _, s := range evaluation.Builtin {
		c, err := l.client.Region.Query().
			Where(region.LevelEQ(region.LevelCITY), region.HasParentWith(region.Code(s.ProvinceCode))).
			Order(ent.Asc(region.FieldCode)).First(ctx)
		if ent.IsNotFound(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("demo: evaluation city: %w", err)
		}
		city = c
		break
	}
	if city == nil {
		return nil // no province with a built-in scheme in this tree
	}
	name := dialect.SQLite
	if l.limit == postgresParams {
		name = dialect.Postgres
	}
	svc := evaluation.Service{Client: l.client, KPI: kpi.New(l.client, clientDriver{l.client, name}, name), Today: l.opts.AsOf.AddDate(0, 0, -1)}
	viewer := auth.Viewer{Subject: "demo-city-regulator", Role: auth.CityRegulator, RegionCode: city.Code}
	vctx := auth.NewContext(ctx, &viewer)
	e, err := svc.Start(vctx, city.ID, svc.Today.Year())
	if err != nil {
		return fmt.Errorf("demo: start evaluation: %w", err)
	}
	rows, err := l.client.CityEvaluationItem.Query().Where(cityevaluationitem.EvaluationID(e.ID)).
		WithItem().Order(cityevaluationitem.ByItemField(evaluationitem.FieldSectionNo), cityevaluationitem.ByItemField(evaluationitem.FieldItemNo)).All(ctx)
	if err != nil {
		return fmt.Errorf("demo: evaluation rows: %w", err)
	}
	for _, r := range rows {
		it := r.Edges.Item
		if it.SectionNo > 2 || r.SelfScore != nil {
			continue
		}
		// Full marks but one point off every third item, so the table shows both.
		score := it.Points
		if it.ItemNo%3 == 0 {
			score--
		}
		note := fmt.Sprintf("%s第%d项：已按要求落实，见佐证材料。", it.SectionName, it.ItemNo)
		doc := evaluation.Evidence(fmt.Sprintf("%s关于%s的通知", city.Name, strings.TrimSuffix(firstClause(it.Content), "。")),
			city.Name+"人民政府办公室", fmt.Sprintf("%d-03-%02d", svc.Today.Year(), 1+it.ItemNo),
			fmt.Sprintf("https://example.gov.cn/%s/evaluation/%d-%d.pdf", city.Code, it.SectionNo, it.ItemNo))
		if _, err := svc.UpdateItem(vctx, e.ID, it.ID, evaluation.ItemUpdate{SelfScore: &score, Note: &note, Evidence: doc}); err != nil {
			return fmt.Errorf("demo: evaluation item %d.%d: %w", it.SectionNo, it.ItemNo, err)
		}
	}
	l.counts["city_evaluations"] = 1
	l.progress("city_evaluations", 1, 1, true)
	return nil
}

// firstClause is the text up to the first Chinese comma or full stop.
func firstClause(s string) string {
	if i := strings.IndexAny(s, "，；。"); i > 0 {
		return s[:i]
	}
	return s
}

// clientDriver lets the KPI engine read through an ent client (the loader
// has no driver of its own): reads only.
type clientDriver struct {
	c    *ent.Client
	name string
}

func (d clientDriver) Exec(ctx context.Context, query string, args, v any) error {
	a, _ := args.([]any)
	res, err := d.c.ExecContext(ctx, query, a...)
	if r, ok := v.(*sql.Result); ok && err == nil {
		*r = res
	}
	return err
}

func (d clientDriver) Query(ctx context.Context, query string, args, v any) error {
	a, _ := args.([]any)
	rows, err := d.c.QueryContext(ctx, query, a...)
	if err != nil {
		return err
	}
	r, ok := v.(*entsql.Rows)
	if !ok {
		rows.Close()
		return fmt.Errorf("demo: unexpected rows type %T", v)
	}
	*r = entsql.Rows{ColumnScanner: rows}
	return nil
}

func (d clientDriver) Tx(context.Context) (dialect.Tx, error) {
	return nil, fmt.Errorf("demo: no transactions through the KPI adapter")
}

func (d clientDriver) Close() error    { return nil }
func (d clientDriver) Dialect() string { return d.name }
