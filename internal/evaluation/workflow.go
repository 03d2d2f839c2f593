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

// errState is the CONFLICT of a step taken in the wrong state; field is
// the argument naming the evaluation (id or evaluationId) and msg
// completes a sentence that starts with it.
func errState(field, msg string) error {
	return &apperr.FieldError{Field: field, Message: msg, Kind: apperr.ErrConflict}
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

// Start creates the city's DRAFT for year against its province's newest
// scheme (the built-in one is loaded first when the province has none),
// one row per item, and pre-fills the items the data can decide.
func (s Service) Start(ctx context.Context, cityID, year int) (*ent.CityEvaluation, error) {
	return s.StartWith(ctx, cityID, year, "")
}

// StartWith is Start against the province's scheme with schemeCode, or its
// newest when schemeCode is "": loading a test or corrected scheme must not
// force every later evaluation onto it.
func (s Service) StartWith(ctx context.Context, cityID, year int, schemeCode string) (*ent.CityEvaluation, error) {
	sys := system(ctx)
	city, err := s.Client.Region.Query().Where(region.ID(cityID)).WithParent().Only(sys)
	if err != nil && !ent.IsNotFound(err) {
		return nil, fmt.Errorf("evaluation: city: %w", err)
	}
	// An unknown cityId is refused like another city's (README "Errors": a
	// reference that does not exist answers the same FORBIDDEN).
	if city == nil || roleFor(auth.FromContext(ctx), city.Code) != roleCity {
		return nil, apperr.Forbidden("only the city's regulators start its evaluation")
	}
	if city.Level != region.LevelCITY || city.Edges.Parent == nil {
		return nil, apperr.Invalid("cityId", "must be a city (设区的市) below a province")
	}
	if year < 2000 || year > s.Today.Year() {
		return nil, apperr.Invalid("year", "must be between 2000 and the current year")
	}
	scheme, err := s.schemeOf(ctx, city.Edges.Parent.ID, schemeCode)
	if err != nil {
		return nil, err
	}
	exists, err := s.Client.CityEvaluation.Query().Where(cityevaluation.RegionID(cityID), cityevaluation.Year(year)).Exist(sys)
	if err != nil {
		return nil, fmt.Errorf("evaluation: existing: %w", err)
	}
	if exists {
		return nil, &apperr.FieldError{Field: "year", Message: "is a year for which the city already has an evaluation", Kind: apperr.ErrConflict}
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

// schemeOf is the province's scheme with code, or its newest when code is
// "", loading the built-in ones first when the province has none.
func (s Service) schemeOf(ctx context.Context, provinceID int, code string) (*ent.EvaluationScheme, error) {
	sys := system(ctx)
	q := func() (*ent.EvaluationScheme, error) {
		q := s.Client.EvaluationScheme.Query().Where(evaluationscheme.RegionID(provinceID))
		if code != "" {
			q.Where(evaluationscheme.Code(code))
		}
		return q.Order(ent.Desc(evaluationscheme.FieldID)).First(sys)
	}
	sc, err := q()
	if ent.IsNotFound(err) {
		if err := EnsureBuiltin(ctx, s.Client); err != nil {
			return nil, err
		}
		sc, err = q()
	}
	if ent.IsNotFound(err) && code != "" {
		return nil, apperr.Invalid("schemeCode", "names no evaluation scheme of the city's province; evaluationSchemes lists the loaded codes")
	}
	if ent.IsNotFound(err) {
		return nil, apperr.Invalid("cityId", "names a city whose province has no evaluation scheme yet; its province regulator loads one with loadEvaluationScheme")
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
		return nil, errState("id", "names an evaluation that was submitted; only a DRAFT is re-computed")
	}
	city, err := s.Client.Region.Query().Where(region.ID(e.RegionID)).WithParent().Only(system(ctx))
	if err != nil {
		return nil, fmt.Errorf("evaluation: city: %w", err)
	}
	if err := s.addMissingRows(ctx, e); err != nil {
		return nil, err
	}
	return e, s.prefill(ctx, e.ID, city, e.Year)
}

// addMissingRows gives a DRAFT a row for every item of its scheme it has
// none for. A reload adds the rows of new items to the drafts itself; this
// repairs drafts from before it did.
func (s Service) addMissingRows(ctx context.Context, e *ent.CityEvaluation) error {
	sys := system(ctx)
	have, err := s.Client.CityEvaluationItem.Query().Where(cityevaluationitem.EvaluationID(e.ID)).
		Select(cityevaluationitem.FieldItemID).Ints(sys)
	if err != nil {
		return fmt.Errorf("evaluation: rows: %w", err)
	}
	missing, err := s.Client.EvaluationItem.Query().
		Where(evaluationitem.SchemeID(e.SchemeID), evaluationitem.IDNotIn(have...)).IDs(sys)
	if err != nil {
		return fmt.Errorf("evaluation: missing rows: %w", err)
	}
	if len(missing) == 0 {
		return nil
	}
	creates := make([]*ent.CityEvaluationItemCreate, len(missing))
	for i, id := range missing {
		creates[i] = s.Client.CityEvaluationItem.Create().SetEvaluationID(e.ID).SetItemID(id)
	}
	if err := s.Client.CityEvaluationItem.CreateBulk(creates...).Exec(sys); err != nil {
		return fmt.Errorf("evaluation: missing rows: %w", err)
	}
	return nil
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
		return nil, apperr.Invalid("itemId", "names no item of this evaluation's scheme")
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
// a SHA-256 of the file identifies the document. Fields are named as the
// client wrote them: input.evidence[2].url.
func checkEvidence(list []schematype.EvaluationEvidence) error {
	if len(list) > 50 {
		return apperr.Invalid("input.evidence", "must list at most 50 documents")
	}
	for i, d := range list {
		at := fmt.Sprintf("input.evidence[%d]", i)
		if strings.TrimSpace(d.Title) == "" || len(d.Title) > 500 {
			return apperr.Invalid(at+".title", "must be a title of 1 to 500 bytes")
		}
		if strings.TrimSpace(d.Issuer) == "" || len(d.Issuer) > 200 {
			return apperr.Invalid(at+".issuer", "must name the issuing body in 1 to 200 bytes")
		}
		if _, err := civil.Parse(d.IssuedOn); err != nil {
			return apperr.Invalid(at+".issuedOn", "must be the issue date as YYYY-MM-DD")
		}
		if d.URL == "" && d.FileSHA256 == "" {
			return apperr.Invalid(at+".url", "is required when fileSha256 is not given: every document needs a URL or the SHA-256 of its file")
		}
		if d.URL != "" {
			u, err := url.Parse(d.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(d.URL) > 2000 {
				return apperr.Invalid(at+".url", "must be an http or https URL of at most 2000 bytes")
			}
		}
		if d.FileSHA256 != "" && !sha256Hex.MatchString(d.FileSHA256) {
			return apperr.Invalid(at+".fileSha256", "must be the file's SHA-256 as 64 lowercase hex digits")
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
		return nil, errState("evaluationId", "names an evaluation that was submitted; only a DRAFT is edited")
	}
	r, err := s.row(ctx, evalID, itemID)
	if err != nil {
		return nil, err
	}
	u := r.Update()
	if in.SelfScore != nil {
		if err := checkScore("input.selfScore", *in.SelfScore, r.Edges.Item.Points); err != nil {
			return nil, err
		}
		u.SetSelfScore(*in.SelfScore)
	}
	if in.Note != nil {
		if len(*in.Note) > 4000 {
			return nil, apperr.Invalid("input.note", "must be at most 4000 bytes")
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
		return nil, errState("id", "names an evaluation that was already submitted; only a DRAFT is submitted")
	}
	// Counted against the scheme's items, not the rows: an item without a
	// row (a draft from before reloads added rows) is unscored too.
	items, err := s.Client.EvaluationItem.Query().Where(evaluationitem.SchemeID(e.SchemeID)).Count(system(ctx))
	if err != nil {
		return nil, fmt.Errorf("evaluation: submit: %w", err)
	}
	scored, err := s.Client.CityEvaluationItem.Query().
		Where(cityevaluationitem.EvaluationID(id), cityevaluationitem.SelfScoreNotNil(),
			cityevaluationitem.HasItemWith(evaluationitem.SchemeID(e.SchemeID))).Count(system(ctx))
	if err != nil {
		return nil, fmt.Errorf("evaluation: submit: %w", err)
	}
	if missing := items - scored; missing > 0 {
		return nil, apperr.Invalid("id", fmt.Sprintf("names a DRAFT with %d of its %d items still without a self-score; score them with updateCityEvaluationItem (refreshCityEvaluation adds the rows of items a scheme reload added), then submit", missing, items))
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
		return nil, errState("evaluationId", "names an evaluation that is not SUBMITTED; only a SUBMITTED evaluation is reviewed")
	}
	r, err := s.row(ctx, evalID, itemID)
	if err != nil {
		return nil, err
	}
	if err := checkScore("input.score", in.Score, r.Edges.Item.Points); err != nil {
		return nil, err
	}
	if len(in.Comment) > 4000 {
		return nil, apperr.Invalid("input.comment", "must be at most 4000 bytes")
	}
	if len(in.OverrideReason) > 4000 {
		return nil, apperr.Invalid("input.overrideReason", "must be at most 4000 bytes")
	}
	overrides := r.AutoScore != nil && *r.AutoScore != in.Score
	if overrides && strings.TrimSpace(in.OverrideReason) == "" {
		return nil, apperr.Invalid("input.overrideReason", "is required when the score differs from the score the data supports (autoScore)")
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
		return nil, errState("id", "names an evaluation that is not SUBMITTED; only a SUBMITTED evaluation's review is completed")
	}
	missing, err := s.Client.CityEvaluationItem.Query().
		Where(cityevaluationitem.EvaluationID(id), cityevaluationitem.ReviewScoreIsNil()).Count(system(ctx))
	if err != nil {
		return nil, fmt.Errorf("evaluation: review: %w", err)
	}
	if missing > 0 {
		return nil, apperr.Invalid("id", fmt.Sprintf("names an evaluation with %d items still without a review score; score them with reviewCityEvaluationItem, then complete the review", missing))
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
