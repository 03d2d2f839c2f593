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

	"github.com/tuoyu/tuoyu/ent"
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

// Validate checks the scheme's arithmetic: every section's items add up to
// its points, numbers are unique, texts present.
func (s SchemeInput) Validate() error {
	if s.Code == "" || len(s.Code) > 40 {
		return apperr.Invalid("code", "must be 1 to 40 characters")
	}
	if s.Name == "" {
		return apperr.Invalid("name", "is required")
	}
	if len(s.Sections) == 0 {
		return apperr.Invalid("sections", "at least one section is required")
	}
	seen := map[int]bool{}
	for _, sec := range s.Sections {
		if sec.No < 1 || seen[sec.No] {
			return apperr.Invalid("sections", "section numbers must be positive and unique")
		}
		seen[sec.No] = true
		if sec.Name == "" || sec.Points < 1 || len(sec.Items) == 0 {
			return apperr.Invalid("sections", "every section needs a name, positive points and at least one item")
		}
		sum := 0.0
		for _, it := range sec.Items {
			if it.Content == "" || it.Points <= 0 {
				return apperr.Invalid("sections", "every item needs content and positive points")
			}
			if it.Auto != "" && evaluationitem.AutoRuleValidator(it.Auto) != nil {
				return apperr.Invalid("sections", "unknown auto rule")
			}
			sum += it.Points
		}
		if math.Abs(sum-float64(sec.Points)) > 1e-9 {
			return apperr.Invalid("sections", fmt.Sprintf("the items of section %d add up to %g, not its %d points", sec.No, sum, sec.Points))
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
		return nil, &apperr.FieldError{Field: "province_code", Message: "must be the viewer's own province", Kind: apperr.ErrForbidden}
	}
	return load(ctx, client, in)
}

// EnsureBuiltin loads the built-in schemes whose province exists, and
// leaves the others; it is idempotent (a reload writes the same rows). The
// demo generator runs it, and starting an evaluation in such a province
// runs it when the province has no scheme yet.
func EnsureBuiltin(ctx context.Context, client *ent.Client) error {
	for _, in := range Builtin {
		ok, err := client.Region.Query().Where(region.Code(in.ProvinceCode)).Exist(system(ctx))
		if err != nil {
			return fmt.Errorf("evaluation: builtin %s: %w", in.Code, err)
		}
		if !ok {
			continue
		}
		if _, err := load(ctx, client, in); err != nil {
			return fmt.Errorf("evaluation: builtin %s: %w", in.Code, err)
		}
	}
	return nil
}

// load upserts the scheme by code and its items by (section, item): an
// existing item keeps its ID (so evaluations referring to it stay valid)
// and takes the new texts; items no longer in the scheme are deleted,
// which fails while an evaluation scores them.
func load(ctx context.Context, client *ent.Client, in SchemeInput) (*ent.EvaluationScheme, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	sys := system(ctx)
	prov, err := client.Region.Query().Where(region.Code(in.ProvinceCode), region.LevelEQ(region.LevelPROVINCE)).Only(sys)
	if ent.IsNotFound(err) {
		return nil, apperr.Invalid("province_code", "names no province")
	}
	if err != nil {
		return nil, fmt.Errorf("evaluation: province: %w", err)
	}
	s, err := client.EvaluationScheme.Query().Where(evaluationscheme.Code(in.Code)).Only(sys)
	switch {
	case ent.IsNotFound(err):
		s, err = client.EvaluationScheme.Create().SetCode(in.Code).SetName(in.Name).SetSource(in.Source).
			SetRegionID(prov.ID).SetTotalPoints(in.Total()).Save(sys)
	case err == nil:
		if s.RegionID != prov.ID {
			return nil, &apperr.FieldError{Field: "code", Message: "belongs to another province's scheme", Kind: apperr.ErrConflict}
		}
		s, err = s.Update().SetName(in.Name).SetSource(in.Source).SetTotalPoints(in.Total()).Save(sys)
	}
	if err != nil {
		return nil, fmt.Errorf("evaluation: scheme: %w", err)
	}
	existing, err := client.EvaluationItem.Query().Where(evaluationitem.SchemeID(s.ID)).All(sys)
	if err != nil {
		return nil, fmt.Errorf("evaluation: items: %w", err)
	}
	type key struct{ sec, no int }
	old := map[key]*ent.EvaluationItem{}
	for _, it := range existing {
		old[key{it.SectionNo, it.ItemNo}] = it
	}
	for _, sec := range in.Sections {
		for i, it := range sec.Items {
			k := key{sec.No, i + 1}
			var auto *evaluationitem.AutoRule
			if it.Auto != "" {
				a := it.Auto
				auto = &a
			}
			if o := old[k]; o != nil {
				delete(old, k)
				err = o.Update().SetSectionName(sec.Name).SetSectionPoints(sec.Points).SetContent(it.Content).
					SetPoints(it.Points).SetDeductionRules(it.Rules).SetNillableAutoRule(auto).
					Exec(sys)
				if err == nil && auto == nil {
					err = o.Update().ClearAutoRule().Exec(sys)
				}
			} else {
				err = client.EvaluationItem.Create().SetSchemeID(s.ID).SetSectionNo(sec.No).SetSectionName(sec.Name).
					SetSectionPoints(sec.Points).SetItemNo(i + 1).SetContent(it.Content).SetPoints(it.Points).
					SetDeductionRules(it.Rules).SetNillableAutoRule(auto).Exec(sys)
			}
			if err != nil {
				return nil, fmt.Errorf("evaluation: item %d.%d: %w", sec.No, i+1, err)
			}
		}
	}
	for k, o := range old {
		if err := client.EvaluationItem.DeleteOne(o).Exec(sys); err != nil {
			return nil, fmt.Errorf("evaluation: remove item %d.%d: %w", k.sec, k.no, err)
		}
	}
	return s, nil
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
