// Package evaluation is the demonstration-city self-evaluation (示范城市创建
// 评估, seed 000): provinces' indicator systems as data (schemes of
// sections and items with points and deduction rules), each city's yearly
// self-evaluation with evidence, the province's review, scores pre-filled
// from the KPI engine where the data can decide an item, and the filled
// table as XLSX.
//
// Write scope (tested per role): a city's regulators (CITY_REGULATOR of
// that city) start, fill and submit its DRAFT; the regulators of its
// province (PROVINCE_REGULATOR) review it once SUBMITTED; a province
// regulator loads schemes for its own province. Every other viewer is
// refused. The checks are here; ent's policy lets no viewer write these
// entities directly, so writes run as the system after the checks.
package evaluation

import (
	"context"
	"fmt"
	"math"
	"sort"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/cityevaluation"
	"github.com/tuoyu/tuoyu/ent/cityevaluationitem"
	"github.com/tuoyu/tuoyu/ent/evaluationitem"
	"github.com/tuoyu/tuoyu/ent/evaluationscheme"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/auth"
)

// SchemeInput is a scheme as published.
type SchemeInput struct {
	Code, Name, Source string
	// ProvinceCode is the issuing province's GB/T 2260 code.
	ProvinceCode string
	Sections     []SectionInput
}

// SectionInput is one section (一)…(六) with its items in order.
type SectionInput struct {
	No     int
	Name   string
	Points int
	Items  []ItemInput
}

// ItemInput is one item; items are numbered 1… in their section's order.
type ItemInput struct {
	Content string
	Points  float64
	Rules   string
	// Auto is the pre-fill rule, "" for none.
	Auto evaluationitem.AutoRule
}

// Total is the sum of the sections' points.
func (s SchemeInput) Total() int {
	t := 0
	for _, sec := range s.Sections {
		t += sec.Points
	}
	return t
}

// Validate checks the scheme's arithmetic: sections numbered 1, 2, … in
// order, every section's items adding up to its points, texts present.
// Fields are named as the client wrote them (input.sections[2].points).
func (s SchemeInput) Validate() error {
	if s.Code == "" || len(s.Code) > 40 {
		return apperr.Invalid("input.code", "must be 1 to 40 characters")
	}
	if s.Name == "" {
		return apperr.Invalid("input.name", "is required")
	}
	if len(s.Sections) == 0 {
		return apperr.Invalid("input.sections", "needs at least one section")
	}
	for i, sec := range s.Sections {
		at := fmt.Sprintf("input.sections[%d]", i)
		// Numbers follow the list: the annex's (一)…(六) are 1…6, and a gap
		// or a reordering would leave the XLSX and the totals without a section.
		if sec.No != i+1 {
			return apperr.Invalid(at+".no", fmt.Sprintf("must be %d: sections are numbered 1, 2, … in list order", i+1))
		}
		if sec.Name == "" {
			return apperr.Invalid(at+".name", "is required")
		}
		if sec.Points < 1 {
			return apperr.Invalid(at+".points", "must be positive")
		}
		if len(sec.Items) == 0 {
			return apperr.Invalid(at+".items", "needs at least one item")
		}
		sum := 0.0
		for j, it := range sec.Items {
			iat := fmt.Sprintf("%s.items[%d]", at, j)
			if it.Content == "" {
				return apperr.Invalid(iat+".content", "is required")
			}
			if !(it.Points > 0) {
				return apperr.Invalid(iat+".points", "must be positive")
			}
			if it.Auto != "" && evaluationitem.AutoRuleValidator(it.Auto) != nil {
				return apperr.Invalid(iat+".autoRule", "is not a known pre-fill rule")
			}
			sum += it.Points
		}
		if math.Abs(sum-float64(sec.Points)) > 1e-9 {
			return apperr.Invalid(at+".points", "must equal the sum of the section's items' points")
		}
	}
	return nil
}

// Builtin are the schemes shipped with tuoyu.
var Builtin = []SchemeInput{Liaoning}

// system is ctx with the system's decision (after the workflow's checks).
func system(ctx context.Context) context.Context { return privacy.DecisionContext(ctx, privacy.Allow) }

// LoadScheme is loadEvaluationScheme: a province regulator loads (or
// reloads, by code) a scheme for its own province.
func LoadScheme(ctx context.Context, client *ent.Client, in SchemeInput) (*ent.EvaluationScheme, error) {
	v := auth.FromContext(ctx)
	if v.Role != auth.ProvinceRegulator {
		return nil, apperr.Forbidden("only a province regulator loads evaluation schemes")
	}
	if in.ProvinceCode != v.RegionCode {
		return nil, &apperr.FieldError{Field: "input.provinceCode", Message: "must be the code of your own province", Kind: apperr.ErrForbidden}
	}
	return load(ctx, client, in)
}

// EnsureBuiltin loads the built-in schemes whose province exists and whose
// code is not loaded yet. It never reloads one: a province regulator may
// have completed LN-2022 with loadEvaluationScheme, and evaluations may
// have been submitted against it. The demo generator runs it, and starting
// an evaluation in such a province runs it when the province has no scheme yet.
func EnsureBuiltin(ctx context.Context, client *ent.Client) error {
	for _, in := range Builtin {
		ok, err := client.Region.Query().Where(region.Code(in.ProvinceCode)).Exist(system(ctx))
		if err != nil {
			return fmt.Errorf("evaluation: builtin %s: %w", in.Code, err)
		}
		if !ok {
			continue
		}
		loaded, err := client.EvaluationScheme.Query().Where(evaluationscheme.Code(in.Code)).Exist(system(ctx))
		if err != nil {
			return fmt.Errorf("evaluation: builtin %s: %w", in.Code, err)
		}
		if loaded {
			continue
		}
		if _, err := load(ctx, client, in); err != nil {
			return fmt.Errorf("evaluation: builtin %s: %w", in.Code, err)
		}
	}
	return nil
}

// frozenMessage ends every refusal to change a scheme that a SUBMITTED or
// REVIEWED evaluation was scored against.
const frozenMessage = "a SUBMITTED or REVIEWED evaluation was scored against this scheme, and its items, points and texts must stay as they were scored; load the new text under a new code (new evaluations use the province's newest scheme)"

// load upserts the scheme by code and its items by (section, item).
//
// An existing item keeps its ID, so the evaluations referring to it stay
// valid. What a reload may change depends on the scheme's evaluations:
//   - none, or DRAFTs only: texts, points and rules change in place; a new
//     item gets an unscored row in every DRAFT; an item whose points or
//     pre-fill rule changed loses, in DRAFTs, the data's score and basis
//     (refreshCityEvaluation recomputes them), the self-score the data had
//     proposed, and any self-score above its new points (see clearDraftRows).
//   - any SUBMITTED or REVIEWED: nothing may change (CONFLICT naming the
//     first difference); an identical reload is a no-op. Versioning by code
//     is the design: a corrected text is a new scheme.
//
// Removing an item is CONFLICT when a DRAFT's row for it holds the city's
// work (holdsWork); rows that hold none go with the item. The checks run
// before the first write, and the mutation's transaction rolls back
// everything on any later failure.
func load(ctx context.Context, client *ent.Client, in SchemeInput) (*ent.EvaluationScheme, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	sys := system(ctx)
	prov, err := client.Region.Query().Where(region.Code(in.ProvinceCode), region.LevelEQ(region.LevelPROVINCE)).Only(sys)
	if ent.IsNotFound(err) {
		return nil, apperr.Invalid("input.provinceCode", "names no province")
	}
	if err != nil {
		return nil, fmt.Errorf("evaluation: province: %w", err)
	}
	s, err := client.EvaluationScheme.Query().Where(evaluationscheme.Code(in.Code)).Only(sys)
	if ent.IsNotFound(err) {
		return create(ctx, client, prov.ID, in)
	}
	if err != nil {
		return nil, fmt.Errorf("evaluation: scheme: %w", err)
	}
	if s.RegionID != prov.ID {
		return nil, &apperr.FieldError{Field: "input.code", Message: "is the code of another province's scheme; choose another code", Kind: apperr.ErrConflict}
	}
	evals, err := lockedEvaluations(ctx, client, s.ID)
	if err != nil {
		return nil, err
	}
	var drafts []int
	frozen := false
	for _, e := range evals {
		if e.Status == cityevaluation.StatusDRAFT {
			drafts = append(drafts, e.ID)
		} else {
			frozen = true
		}
	}
	existing, err := client.EvaluationItem.Query().Where(evaluationitem.SchemeID(s.ID)).All(sys)
	if err != nil {
		return nil, fmt.Errorf("evaluation: items: %w", err)
	}
	d := diff(existing, in)
	if frozen {
		if field := d.first(s, in); field != "" {
			return nil, &apperr.FieldError{Field: field, Message: "differs from the loaded scheme, but " + frozenMessage, Kind: apperr.ErrConflict}
		}
		return s, nil
	}
	var removedIDs []int
	for _, it := range d.removed {
		removedIDs = append(removedIDs, it.ID)
	}
	if len(removedIDs) > 0 {
		rows, err := client.CityEvaluationItem.Query().Where(cityevaluationitem.ItemIDIn(removedIDs...)).All(sys)
		if err != nil {
			return nil, fmt.Errorf("evaluation: rows of removed items: %w", err)
		}
		for _, r := range rows {
			if !holdsWork(r) {
				continue
			}
			var it *ent.EvaluationItem
			for _, x := range d.removed {
				if x.ID == r.ItemID {
					it = x
				}
			}
			return nil, &apperr.FieldError{Field: "input.sections", Kind: apperr.ErrConflict,
				Message: fmt.Sprintf("must keep item %d.%d: a city's evaluation holds its work on it (a self-score, a note or evidence); keep the item, or load the new text under a new code", it.SectionNo, it.ItemNo)}
		}
	}
	s, err = s.Update().SetName(in.Name).SetSource(in.Source).SetTotalPoints(in.Total()).Save(sys)
	if err != nil {
		return nil, fmt.Errorf("evaluation: scheme: %w", err)
	}
	for _, c := range d.changed {
		u := c.old.Update().SetSectionName(c.sec.Name).SetSectionPoints(c.sec.Points).SetContent(c.in.Content).
			SetPoints(c.in.Points).SetDeductionRules(c.in.Rules)
		if c.in.Auto == "" {
			u.ClearAutoRule()
		} else {
			u.SetAutoRule(c.in.Auto)
		}
		if err := u.Exec(sys); err != nil {
			return nil, fmt.Errorf("evaluation: item %d.%d: %w", c.old.SectionNo, c.old.ItemNo, err)
		}
		if c.scoring && len(drafts) > 0 {
			if err := clearDraftRows(ctx, client, drafts, c.old.ID, c.in.Points); err != nil {
				return nil, err
			}
		}
	}
	if len(removedIDs) > 0 {
		// The drafts' rows of removed items hold no work (checked above).
		if _, err := client.CityEvaluationItem.Delete().Where(cityevaluationitem.ItemIDIn(removedIDs...)).Exec(sys); err != nil {
			return nil, fmt.Errorf("evaluation: rows of removed items: %w", err)
		}
	}
	for _, it := range d.removed {
		if err := client.EvaluationItem.DeleteOne(it).Exec(sys); err != nil {
			return nil, fmt.Errorf("evaluation: remove item %d.%d: %w", it.SectionNo, it.ItemNo, err)
		}
	}
	for _, a := range d.added {
		it, err := newItem(client, s.ID, a.sec, a.no, a.in).Save(sys)
		if err != nil {
			return nil, fmt.Errorf("evaluation: item %d.%d: %w", a.sec.No, a.no, err)
		}
		if len(drafts) == 0 {
			continue
		}
		rows := make([]*ent.CityEvaluationItemCreate, len(drafts))
		for i, e := range drafts {
			rows[i] = client.CityEvaluationItem.Create().SetEvaluationID(e).SetItemID(it.ID)
		}
		if err := client.CityEvaluationItem.CreateBulk(rows...).Exec(sys); err != nil {
			return nil, fmt.Errorf("evaluation: draft rows of item %d.%d: %w", a.sec.No, a.no, err)
		}
	}
	return s, nil
}

// create inserts a new scheme with its items.
func create(ctx context.Context, client *ent.Client, provinceID int, in SchemeInput) (*ent.EvaluationScheme, error) {
	sys := system(ctx)
	s, err := client.EvaluationScheme.Create().SetCode(in.Code).SetName(in.Name).SetSource(in.Source).
		SetRegionID(provinceID).SetTotalPoints(in.Total()).Save(sys)
	if err != nil {
		return nil, fmt.Errorf("evaluation: scheme: %w", err)
	}
	var items []*ent.EvaluationItemCreate
	for _, sec := range in.Sections {
		for j, it := range sec.Items {
			items = append(items, newItem(client, s.ID, sec, j+1, it))
		}
	}
	if err := client.EvaluationItem.CreateBulk(items...).Exec(sys); err != nil {
		return nil, fmt.Errorf("evaluation: items: %w", err)
	}
	return s, nil
}

func newItem(client *ent.Client, schemeID int, sec SectionInput, no int, it ItemInput) *ent.EvaluationItemCreate {
	c := client.EvaluationItem.Create().SetSchemeID(schemeID).SetSectionNo(sec.No).SetSectionName(sec.Name).
		SetSectionPoints(sec.Points).SetItemNo(no).SetContent(it.Content).SetPoints(it.Points).SetDeductionRules(it.Rules)
	if it.Auto != "" {
		c.SetAutoRule(it.Auto)
	}
	return c
}

// lockedEvaluations reads the scheme's evaluations. On PostgreSQL it locks
// their rows until the reload commits, so that a city submitting at the
// same moment either waits for the reload (and submits the reloaded items)
// or has already committed (and the reload sees SUBMITTED). SQLite
// serialises writers (BEGIN IMMEDIATE) and needs no lock.
func lockedEvaluations(ctx context.Context, client *ent.Client, schemeID int) ([]*ent.CityEvaluation, error) {
	evals, err := client.CityEvaluation.Query().Where(cityevaluation.SchemeID(schemeID)).
		Modify(func(s *sql.Selector) {
			if s.Dialect() == dialect.Postgres {
				s.ForUpdate()
			}
		}).All(system(ctx))
	if err != nil {
		return nil, fmt.Errorf("evaluation: evaluations of the scheme: %w", err)
	}
	return evals, nil
}

// clearDraftRows resets, in the DRAFTs evals, the row of an item whose
// points or pre-fill rule a reload changed: the data's score and basis
// were computed for the old item (refreshCityEvaluation recomputes them),
// a self-score equal to that score was the data's proposal and goes with
// it, and a self-score above the new points could never be submitted.
// A self-score the city chose within the new points stays.
func clearDraftRows(ctx context.Context, client *ent.Client, evals []int, itemID int, points float64) error {
	sys := system(ctx)
	rows, err := client.CityEvaluationItem.Query().
		Where(cityevaluationitem.EvaluationIDIn(evals...), cityevaluationitem.ItemID(itemID)).All(sys)
	if err != nil {
		return fmt.Errorf("evaluation: draft rows: %w", err)
	}
	for _, r := range rows {
		u := r.Update().ClearAutoScore().SetAutoBasis("")
		if r.SelfScore != nil && (*r.SelfScore > points || (r.AutoScore != nil && *r.AutoScore == *r.SelfScore)) {
			u.ClearSelfScore()
		}
		if err := u.Exec(sys); err != nil {
			return fmt.Errorf("evaluation: draft row: %w", err)
		}
	}
	return nil
}

// holdsWork reports whether a row holds a city's or the province's work:
// a self-score other than the one the data proposed (prefill.go), a note,
// evidence, or a review. A row that holds none is the data's alone, and
// goes with its item when a reload removes the item.
func holdsWork(r *ent.CityEvaluationItem) bool {
	proposed := r.SelfScore != nil && r.AutoScore != nil && *r.SelfScore == *r.AutoScore
	return (r.SelfScore != nil && !proposed) || r.Note != "" || len(r.Evidence) > 0 ||
		r.ReviewScore != nil || r.ReviewComment != "" || r.OverrideReason != ""
}

// schemeDiff is what a reload changes, item by item (matched by section and item number).
type schemeDiff struct {
	changed []changedItem
	added   []addedItem
	removed []*ent.EvaluationItem
	// where holds the input path of every changed field, in input order.
	where []string
}

type changedItem struct {
	old *ent.EvaluationItem
	sec SectionInput
	in  ItemInput
	// scoring: the points or the pre-fill rule changed (not only texts).
	scoring bool
}

type addedItem struct {
	sec SectionInput
	no  int
	in  ItemInput
}

func diff(existing []*ent.EvaluationItem, in SchemeInput) schemeDiff {
	type key struct{ sec, no int }
	old := map[key]*ent.EvaluationItem{}
	for _, it := range existing {
		old[key{it.SectionNo, it.ItemNo}] = it
	}
	var d schemeDiff
	for i, sec := range in.Sections {
		for j, it := range sec.Items {
			at := fmt.Sprintf("input.sections[%d]", i)
			k := key{sec.No, j + 1}
			o := old[k]
			if o == nil {
				d.added = append(d.added, addedItem{sec, j + 1, it})
				d.where = append(d.where, fmt.Sprintf("%s.items[%d]", at, j))
				continue
			}
			delete(old, k)
			oldAuto := evaluationitem.AutoRule("")
			if o.AutoRule != nil {
				oldAuto = *o.AutoRule
			}
			var fields []string
			if o.SectionName != sec.Name {
				fields = append(fields, at+".name")
			}
			if o.SectionPoints != sec.Points {
				fields = append(fields, at+".points")
			}
			iat := fmt.Sprintf("%s.items[%d]", at, j)
			if o.Content != it.Content {
				fields = append(fields, iat+".content")
			}
			if o.Points != it.Points {
				fields = append(fields, iat+".points")
			}
			if o.DeductionRules != it.Rules {
				fields = append(fields, iat+".deductionRules")
			}
			if oldAuto != it.Auto {
				fields = append(fields, iat+".autoRule")
			}
			if len(fields) > 0 {
				d.changed = append(d.changed, changedItem{old: o, sec: sec, in: it, scoring: o.Points != it.Points || oldAuto != it.Auto})
				d.where = append(d.where, fields...)
			}
		}
	}
	for _, o := range old {
		d.removed = append(d.removed, o)
	}
	sort.Slice(d.removed, func(a, b int) bool {
		x, y := d.removed[a], d.removed[b]
		return x.SectionNo < y.SectionNo || (x.SectionNo == y.SectionNo && x.ItemNo < y.ItemNo)
	})
	return d
}

// first is the input path of the first difference between the loaded
// scheme s and in, or "" when a reload would change nothing.
func (d schemeDiff) first(s *ent.EvaluationScheme, in SchemeInput) string {
	switch {
	case s.Name != in.Name:
		return "input.name"
	case s.Source != in.Source:
		return "input.source"
	case len(d.where) > 0:
		return d.where[0]
	case len(d.removed) > 0:
		return "input.sections"
	}
	return ""
}

// Section is a scheme's section with its items, for display.
type Section struct {
	No     int
	Name   string
	Points int
	Items  []*ent.EvaluationItem
}

// Sections groups a scheme's items by section, in order.
func Sections(ctx context.Context, client *ent.Client, schemeID int) ([]Section, error) {
	items, err := client.EvaluationItem.Query().Where(evaluationitem.SchemeID(schemeID)).
		Order(ent.Asc(evaluationitem.FieldSectionNo), ent.Asc(evaluationitem.FieldItemNo)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("evaluation: sections: %w", err)
	}
	var out []Section
	for _, it := range items {
		if n := len(out); n == 0 || out[n-1].No != it.SectionNo {
			out = append(out, Section{No: it.SectionNo, Name: it.SectionName, Points: it.SectionPoints})
		}
		out[len(out)-1].Items = append(out[len(out)-1].Items, it)
	}
	return out, nil
}
