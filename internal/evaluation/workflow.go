package evaluation

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/cityevaluation"
	"github.com/tuoyu/tuoyu/ent/cityevaluationitem"
	"github.com/tuoyu/tuoyu/ent/evaluationitem"
	"github.com/tuoyu/tuoyu/ent/evaluationscheme"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/kpi"
)

// Service runs the workflow over a client (the request's, transactional
// for mutations) with the KPI engine for pre-filling and "today".
type Service struct {
	Client *ent.Client
	KPI    *kpi.Engine
	Today  time.Time
}

// role says what the viewer may do with a city's evaluation.
type role int

const (
	roleNone role = iota
	roleCity
	roleProvince
)

// roleFor is the viewer's role for the city with code: its own city
// regulators edit, the regulators of the province containing it review.
func roleFor(v *auth.Viewer, cityCode string) role {
	switch {
	case v.Role == auth.CityRegulator && v.RegionCode == cityCode:
		return roleCity
	case v.Role == auth.ProvinceRegulator && len(cityCode) == 6 && v.RegionCode == cityCode[:2]+"0000":
		return roleProvince
	}
	return roleNone
}

// errState is the CONFLICT of a step taken in the wrong state.
func errState(msg string) error {
	return &apperr.FieldError{Field: "status", Message: msg, Kind: apperr.ErrConflict}
}

// loadFor reads an evaluation with its city as the system and checks the
// viewer's role; an evaluation the viewer may not act on is NOT_FOUND
// unless the viewer can read it (then FORBIDDEN).
func (s Service) loadFor(ctx context.Context, id int, want role) (*ent.CityEvaluation, error) {
	e, err := s.Client.CityEvaluation.Query().Where(cityevaluation.ID(id)).WithRegion().Only(system(ctx))
	if ent.IsNotFound(err) {
		return nil, fmt.Errorf("evaluation: %w", apperr.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("evaluation: load: %w", err)
	}
	got := roleFor(auth.FromContext(ctx), e.Edges.Region.Code)
	if got == want {
		return e, nil
	}
	if got == roleNone {
		return nil, fmt.Errorf("evaluation: %w", apperr.ErrNotFound)
	}
	if want == roleCity {
		return nil, apperr.Forbidden("only the city's regulators edit its evaluation")
	}
	return nil, apperr.Forbidden("only the province's regulators review an evaluation")
}

// Start creates the city's DRAFT for year against its province's scheme
// (the built-in one is loaded first when the province has none), one row
// per item, and pre-fills the items the data can decide.
func (s Service) Start(ctx context.Context, cityID, year int) (*ent.CityEvaluation, error) {
	sys := system(ctx)
	city, err := s.Client.Region.Query().Where(region.ID(cityID)).WithParent().Only(sys)
	if ent.IsNotFound(err) {
		return nil, apperr.Invalid("city_id", "names no region")
	}
	if err != nil {
		return nil, fmt.Errorf("evaluation: city: %w", err)
	}
	if roleFor(auth.FromContext(ctx), city.Code) != roleCity {
		return nil, apperr.Forbidden("only the city's regulators start its evaluation")
	}
	if city.Level != region.LevelCITY || city.Edges.Parent == nil {
		return nil, apperr.Invalid("city_id", "must be a city (设区的市) below a province")
	}
	if year < 2000 || year > s.Today.Year() {
		return nil, apperr.Invalid("year", "must be between 2000 and the current year")
	}
	scheme, err := s.schemeOf(ctx, city.Edges.Parent.ID)
	if err != nil {
		return nil, err
	}
	exists, err := s.Client.CityEvaluation.Query().Where(cityevaluation.RegionID(cityID), cityevaluation.Year(year)).Exist(sys)
	if err != nil {
		return nil, fmt.Errorf("evaluation: existing: %w", err)
	}
	if exists {
		return nil, &apperr.FieldError{Field: "year", Message: "the city already has an evaluation for this year", Kind: apperr.ErrConflict}
	}
	e, err := s.Client.CityEvaluation.Create().SetSchemeID(scheme.ID).SetRegionID(cityID).SetYear(year).Save(sys)
	if err != nil {
		return nil, fmt.Errorf("evaluation: create: %w", err)
	}
	items, err := s.Client.EvaluationItem.Query().Where(evaluationitem.SchemeID(scheme.ID)).All(sys)
	if err != nil {
		return nil, fmt.Errorf("evaluation: items: %w", err)
	}
	creates := make([]*ent.CityEvaluationItemCreate, len(items))
	for i, it := range items {
		creates[i] = s.Client.CityEvaluationItem.Create().SetEvaluationID(e.ID).SetItemID(it.ID)
	}
	if err := s.Client.CityEvaluationItem.CreateBulk(creates...).Exec(sys); err != nil {
		return nil, fmt.Errorf("evaluation: rows: %w", err)
	}
	if err := s.prefill(ctx, e.ID, city, year); err != nil {
		return nil, err
	}
	return e, nil
}

// schemeOf is the newest scheme of the province, loading the built-in ones first when it has none.
func (s Service) schemeOf(ctx context.Context, provinceID int) (*ent.EvaluationScheme, error) {
	sys := system(ctx)
	q := func() (*ent.EvaluationScheme, error) {
		return s.Client.EvaluationScheme.Query().Where(evaluationscheme.RegionID(provinceID)).
			Order(ent.Desc(evaluationscheme.FieldID)).First(sys)
	}
	sc, err := q()
	if ent.IsNotFound(err) {
		if err := EnsureBuiltin(ctx, s.Client); err != nil {
			return nil, err
		}
		sc, err = q()
	}
	if ent.IsNotFound(err) {
		return nil, apperr.Invalid("city_id", "the city's province has no evaluation scheme; its province regulator loads one")
	}
	if err != nil {
		return nil, fmt.Errorf("evaluation: scheme: %w", err)
	}
	return sc, nil
}

// Refresh recomputes the pre-filled scores of a DRAFT (the data changed).
func (s Service) Refresh(ctx context.Context, id int) (*ent.CityEvaluation, error) {
	e, err := s.loadFor(ctx, id, roleCity)
	if err != nil {
		return nil, err
	}
	if e.Status != cityevaluation.StatusDRAFT {
		return nil, errState("only a DRAFT is re-computed")
	}
	city, err := s.Client.Region.Query().Where(region.ID(e.RegionID)).WithParent().Only(system(ctx))
	if err != nil {
		return nil, fmt.Errorf("evaluation: city: %w", err)
	}
	return e, s.prefill(ctx, e.ID, city, e.Year)
}

// ItemInput of UpdateItem: nil fields are left unchanged.
type ItemUpdate struct {
	SelfScore *float64
	Note      *string
	Evidence  []schematype.EvaluationEvidence // nil: unchanged; empty: cleared
}

// row returns the evaluation row of scheme item itemID.
func (s Service) row(ctx context.Context, evalID, itemID int) (*ent.CityEvaluationItem, error) {
	r, err := s.Client.CityEvaluationItem.Query().
		Where(cityevaluationitem.EvaluationID(evalID), cityevaluationitem.ItemID(itemID)).
		WithItem().Only(system(ctx))
	if ent.IsNotFound(err) {
		return nil, apperr.Invalid("item_id", "is not an item of this evaluation's scheme")
	}
	if err != nil {
		return nil, fmt.Errorf("evaluation: row: %w", err)
	}
	return r, nil
}

// checkScore keeps a score within [0, points].
func checkScore(field string, score float64, points float64) error {
	if score < 0 || score > points || score != score {
		return apperr.Invalid(field, fmt.Sprintf("must be between 0 and the item's %g points", points))
	}
	return nil
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// checkEvidence: title, issuer and date required; a URL (http or https) or
// a SHA-256 of the file identifies the document.
func checkEvidence(list []schematype.EvaluationEvidence) error {
	if len(list) > 50 {
		return apperr.Invalid("evidence", "at most 50 documents per item")
	}
	for _, d := range list {
		if strings.TrimSpace(d.Title) == "" || len(d.Title) > 500 {
			return apperr.Invalid("evidence", "every document needs a title of at most 500 bytes")
		}
		if strings.TrimSpace(d.Issuer) == "" || len(d.Issuer) > 200 {
			return apperr.Invalid("evidence", "every document needs an issuer of at most 200 bytes")
		}
		if _, err := civil.Parse(d.IssuedOn); err != nil {
			return apperr.Invalid("evidence", "every document needs its issue date as YYYY-MM-DD")
		}
		if d.URL == "" && d.FileSHA256 == "" {
			return apperr.Invalid("evidence", "every document needs a URL or the SHA-256 of its file")
		}
		if d.URL != "" {
			u, err := url.Parse(d.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(d.URL) > 2000 {
				return apperr.Invalid("evidence", "a document URL must be an http or https URL of at most 2000 bytes")
			}
		}
		if d.FileSHA256 != "" && !sha256Hex.MatchString(d.FileSHA256) {
			return apperr.Invalid("evidence", "a file hash must be 64 lowercase hex digits (SHA-256)")
		}
	}
	return nil
}

// UpdateItem sets the city's self-score, note or evidence of one item of a DRAFT.
func (s Service) UpdateItem(ctx context.Context, evalID, itemID int, in ItemUpdate) (*ent.CityEvaluationItem, error) {
	e, err := s.loadFor(ctx, evalID, roleCity)
	if err != nil {
		return nil, err
	}
	if e.Status != cityevaluation.StatusDRAFT {
		return nil, errState("only a DRAFT is edited; this evaluation was submitted")
	}
	r, err := s.row(ctx, evalID, itemID)
	if err != nil {
		return nil, err
	}
	u := r.Update()
	if in.SelfScore != nil {
		if err := checkScore("self_score", *in.SelfScore, r.Edges.Item.Points); err != nil {
			return nil, err
		}
		u.SetSelfScore(*in.SelfScore)
	}
	if in.Note != nil {
		if len(*in.Note) > 4000 {
			return nil, apperr.Invalid("note", "must be at most 4000 bytes")
		}
		u.SetNote(*in.Note)
	}
	if in.Evidence != nil {
		if err := checkEvidence(in.Evidence); err != nil {
			return nil, err
		}
		u.SetEvidence(in.Evidence)
	}
	out, err := u.Save(system(ctx))
	if err != nil {
		return nil, fmt.Errorf("evaluation: update item: %w", err)
	}
	return out, nil
}

// Submit sends a DRAFT whose items all carry a self-score to the province.
func (s Service) Submit(ctx context.Context, id int) (*ent.CityEvaluation, error) {
	e, err := s.loadFor(ctx, id, roleCity)
	if err != nil {
		return nil, err
	}
	if e.Status != cityevaluation.StatusDRAFT {
		return nil, errState("only a DRAFT is submitted")
	}
	missing, err := s.Client.CityEvaluationItem.Query().
		Where(cityevaluationitem.EvaluationID(id), cityevaluationitem.SelfScoreIsNil()).Count(system(ctx))
	if err != nil {
		return nil, fmt.Errorf("evaluation: submit: %w", err)
	}
	if missing > 0 {
		return nil, apperr.Invalid("self_score", fmt.Sprintf("%d items have no self-score yet", missing))
	}
	out, err := e.Update().SetStatus(cityevaluation.StatusSUBMITTED).SetSubmittedAt(time.Now().UTC()).
		SetSubmittedBy(auth.FromContext(ctx).Subject).Save(system(ctx))
	if err != nil {
		return nil, fmt.Errorf("evaluation: submit: %w", err)
	}
	return out, nil
}

// Review is the province's score of one item.
type Review struct {
	Score          float64
	Comment        string
	OverrideReason string
}

// ReviewItem records the province's score of one item of a SUBMITTED
// evaluation. A score other than the data's (autoScore) needs a reason.
func (s Service) ReviewItem(ctx context.Context, evalID, itemID int, in Review) (*ent.CityEvaluationItem, error) {
	e, err := s.loadFor(ctx, evalID, roleProvince)
	if err != nil {
		return nil, err
	}
	if e.Status != cityevaluation.StatusSUBMITTED {
		return nil, errState("only a SUBMITTED evaluation is reviewed")
	}
	r, err := s.row(ctx, evalID, itemID)
	if err != nil {
		return nil, err
	}
	if err := checkScore("score", in.Score, r.Edges.Item.Points); err != nil {
		return nil, err
	}
	if len(in.Comment) > 4000 || len(in.OverrideReason) > 4000 {
		return nil, apperr.Invalid("comment", "comment and reason must be at most 4000 bytes each")
	}
	overrides := r.AutoScore != nil && *r.AutoScore != in.Score
	if overrides && strings.TrimSpace(in.OverrideReason) == "" {
		return nil, apperr.Invalid("override_reason", "is required when the score differs from the score the data supports")
	}
	if !overrides {
		in.OverrideReason = ""
	}
	out, err := r.Update().SetReviewScore(in.Score).SetReviewComment(in.Comment).SetOverrideReason(in.OverrideReason).Save(system(ctx))
	if err != nil {
		return nil, fmt.Errorf("evaluation: review item: %w", err)
	}
	return out, nil
}

// CompleteReview closes the review once every item has the province's score.
func (s Service) CompleteReview(ctx context.Context, id int) (*ent.CityEvaluation, error) {
	e, err := s.loadFor(ctx, id, roleProvince)
	if err != nil {
		return nil, err
	}
	if e.Status != cityevaluation.StatusSUBMITTED {
		return nil, errState("only a SUBMITTED evaluation is reviewed")
	}
	missing, err := s.Client.CityEvaluationItem.Query().
		Where(cityevaluationitem.EvaluationID(id), cityevaluationitem.ReviewScoreIsNil()).Count(system(ctx))
	if err != nil {
		return nil, fmt.Errorf("evaluation: review: %w", err)
	}
	if missing > 0 {
		return nil, apperr.Invalid("score", fmt.Sprintf("%d items have no review score yet", missing))
	}
	out, err := e.Update().SetStatus(cityevaluation.StatusREVIEWED).SetReviewedAt(time.Now().UTC()).
		SetReviewedBy(auth.FromContext(ctx).Subject).Save(system(ctx))
	if err != nil {
		return nil, fmt.Errorf("evaluation: review: %w", err)
	}
	return out, nil
}

// Get reads an evaluation as the viewer (ent's policy scopes it).
func Get(ctx context.Context, client *ent.Client, id int) (*ent.CityEvaluation, error) {
	e, err := client.CityEvaluation.Get(ctx, id)
	if ent.IsNotFound(err) || errors.Is(err, privacy.Deny) {
		return nil, fmt.Errorf("evaluation: %w", apperr.ErrNotFound)
	}
	return e, err
}

// List is the evaluations the viewer may read, newest year first.
func List(ctx context.Context, client *ent.Client, year *int) ([]*ent.CityEvaluation, error) {
	q := client.CityEvaluation.Query()
	if year != nil {
		q.Where(cityevaluation.Year(*year))
	}
	rows, err := q.Order(ent.Desc(cityevaluation.FieldYear), ent.Asc(cityevaluation.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("evaluation: list: %w", err)
	}
	return rows, nil
}

// Rows is an evaluation's rows in section and item order, read as the viewer.
func Rows(ctx context.Context, client *ent.Client, id int) ([]*ent.CityEvaluationItem, error) {
	rows, err := client.CityEvaluationItem.Query().Where(cityevaluationitem.EvaluationID(id)).
		Order(cityevaluationitem.ByItemField(evaluationitem.FieldSectionNo), cityevaluationitem.ByItemField(evaluationitem.FieldItemNo)).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("evaluation: rows: %w", err)
	}
	return rows, nil
}

// Totals sums the self-scores given and the review scores (nil until every row has one).
func Totals(ctx context.Context, client *ent.Client, id int) (self float64, review *float64, err error) {
	rows, err := client.CityEvaluationItem.Query().Where(cityevaluationitem.EvaluationID(id)).All(ctx)
	if err != nil {
		return 0, nil, fmt.Errorf("evaluation: totals: %w", err)
	}
	var sum float64
	complete := len(rows) > 0
	for _, r := range rows {
		if r.SelfScore != nil {
			self += *r.SelfScore
		}
		if r.ReviewScore == nil {
			complete = false
		} else {
			sum += *r.ReviewScore
		}
	}
	if complete {
		review = &sum
	}
	return self, review, nil
}

// Evidence is one supporting document identified by URL (demo and tests).
func Evidence(title, issuer, issuedOn, url string) []schematype.EvaluationEvidence {
	return []schematype.EvaluationEvidence{{Title: title, Issuer: issuer, IssuedOn: issuedOn, URL: url}}
}
