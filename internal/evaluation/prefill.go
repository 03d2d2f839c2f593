package evaluation

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/cityevaluationitem"
	"github.com/tuoyu/tuoyu/ent/evaluationitem"
	"github.com/tuoyu/tuoyu/ent/incident"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/predicate"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/kpi"
)

// Thresholds of the Liaoning rules (seed 000, section 五).
const (
	satisfactionFloor = 0.90
	filingFull        = 1.0
)

// Facts are the numbers the auto rules use for one city and year.
type Facts struct {
	// AsOf is the day stock indicators are taken: 31 December of the year,
	// or today during the current year. Period indicators cover the year up to it.
	AsOf time.Time
	// City and province values; nil when the data cannot give one (no
	// population, no survey).
	CitySeats, ProvinceSeats         *float64
	CityEnrolment, ProvinceEnrolment *float64
	CityFiling                       *float64
	CitySatisfaction                 *float64
	GuidanceCentres                  float64
	EmployerInstitutions             int
	// Incidents: safety incidents at the city's institutions in the year.
	Incidents int
}

// Outcome is a rule's pre-filled score and its basis; Score nil when the
// data cannot decide.
type Outcome struct {
	Score *float64
	Basis string
}

// facts gathers the numbers for city (with its parent loaded) in year.
func (s Service) facts(ctx context.Context, city *ent.Region, year int) (Facts, error) {
	sys := system(ctx)
	end := civil.D(year, time.December, 31)
	if today := civil.Of(s.Today); today.Before(end) {
		end = today
	}
	f := Facts{AsOf: end}
	from := civil.D(year, time.January, 1)
	to := end.AddDate(0, 0, 1)
	point := []kpi.Point{{AsOf: end, From: from, To: to}}
	prov := city.Edges.Parent.ID
	res, err := s.KPI.Evaluate(sys, kpi.Query{
		Keys:      []kpi.Key{schematype.SeatsPer1000, schematype.EnrolmentRate, schematype.FilingRate, schematype.SatisfactionRate, schematype.GuidanceCenters},
		RegionIDs: []int{city.ID, prov},
		Points:    point,
	})
	if err != nil {
		return f, fmt.Errorf("evaluation: kpi: %w", err)
	}
	for _, r := range res {
		if r.Group != "" {
			continue
		}
		v := r.Value
		switch {
		case r.Key == schematype.SeatsPer1000 && r.RegionID == city.ID:
			f.CitySeats = v
		case r.Key == schematype.SeatsPer1000 && r.RegionID == prov:
			f.ProvinceSeats = v
		case r.Key == schematype.EnrolmentRate && r.RegionID == city.ID:
			f.CityEnrolment = v
		case r.Key == schematype.EnrolmentRate && r.RegionID == prov:
			f.ProvinceEnrolment = v
		case r.Key == schematype.FilingRate && r.RegionID == city.ID:
			f.CityFiling = v
		case r.Key == schematype.SatisfactionRate && r.RegionID == city.ID:
			f.CitySatisfaction = v
		case r.Key == schematype.GuidanceCenters && r.RegionID == city.ID:
			f.GuidanceCentres = r.Numerator
		}
	}
	inCity := institution.HasRegionWith(region.CodeHasPrefix(city.Code[:4]))
	f.EmployerInstitutions, err = s.Client.Institution.Query().Where(inCity, institution.FormEQ(institution.FormEMPLOYER),
		institution.OpenedAtLTE(end), institution.Or(institution.ClosedAtIsNil(), institution.ClosedAtGT(end))).Count(sys)
	if err != nil {
		return f, fmt.Errorf("evaluation: employer institutions: %w", err)
	}
	f.Incidents, err = s.incidents(ctx, inCity, from, to)
	if err != nil {
		return f, err
	}
	return f, nil
}

// instantSlack widens the SQL bounds of an instant column: more than any
// two UTC offsets apart (−12 h … +14 h), so the wider window holds every
// row of the local days whatever offset it was written with.
const instantSlack = 2 * 24 * time.Hour

// incidents counts the incidents at institutions matching inCity that
// occurred on the local days [from, to) (UTC-midnight dates) in the
// server's time zone (civil.Location): the year of the rule is the
// calendar year where the server is, whatever offset a client sent.
//
// occurred_at is an instant kept with the client's offset. PostgreSQL
// compares timestamptz as instants, but SQLite keeps the text
// ('2025-01-01 05:00:00+08:00') and compares text, so no SQL bound alone is
// right on both. The query takes the candidates of a window instantSlack
// wider on each side (through the occurred_at index), and the instants are
// compared here. Nothing else in tuoyu bounds an instant column by local
// days yet (the KPI engine's columns are all UTC-midnight dates).
func (s Service) incidents(ctx context.Context, inCity predicate.Institution, from, to time.Time) (int, error) {
	loc := civil.Location(ctx)
	lo := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc)
	hi := time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, loc)
	rows, err := s.Client.Incident.Query().Where(incident.HasInstitutionWith(inCity),
		incident.OccurredAtGTE(from.Add(-instantSlack)), incident.OccurredAtLT(to.Add(instantSlack))).
		Select(incident.FieldOccurredAt).All(system(ctx))
	if err != nil {
		return 0, fmt.Errorf("evaluation: incidents: %w", err)
	}
	n := 0
	for _, r := range rows {
		if !r.OccurredAt.Before(lo) && r.OccurredAt.Before(hi) {
			n++
		}
	}
	return n, nil
}

// nums formats a and b, compared by a rule, as values (pct false: two
// decimals) or as percentages (one decimal), with more decimals when the
// usual ones would print two different values alike: a basis must never
// show "入托率 本市 0.0% / 全省 0.0%" beside a deduction for being lower.
// Rounding both to the same decimals keeps their order.
func nums(a, b *float64, pct bool) (string, string) {
	scale, unit, decimals := 1.0, "", 2
	if pct {
		scale, unit, decimals = 100, "%", 1
	}
	format := func(v *float64, d int) string {
		if v == nil {
			return "无数据"
		}
		return strconv.FormatFloat(*v*scale, 'f', d, 64) + unit
	}
	if a != nil && b != nil && *a != *b {
		for decimals < 12 && format(a, decimals) == format(b, decimals) {
			decimals++
		}
		if format(a, decimals) == format(b, decimals) {
			decimals = -1 // the shortest text that reads back as the value
		}
	}
	return format(a, decimals), format(b, decimals)
}

// numAgainst formats v compared against the rule's threshold.
func numAgainst(v *float64, threshold float64, pct bool) string {
	s, _ := nums(v, &threshold, pct)
	return s
}

func score(v float64) *float64 { return &v }

// Apply is the rule's outcome for an item of points under f.
func Apply(rule evaluationitem.AutoRule, points float64, f Facts) Outcome {
	asOf := "截至" + f.AsOf.Format("2006-01-02")
	switch rule {
	case evaluationitem.AutoRuleSEATS_AND_ENROLMENT_VS_PROVINCE:
		citySeats, provSeats := nums(f.CitySeats, f.ProvinceSeats, false)
		cityEnrol, provEnrol := nums(f.CityEnrolment, f.ProvinceEnrolment, true)
		basis := fmt.Sprintf("%s：千人口托位数 本市 %s / 全省 %s；入托率 本市 %s / 全省 %s。",
			asOf, citySeats, provSeats, cityEnrol, provEnrol)
		if f.CitySeats == nil || f.ProvinceSeats == nil || f.CityEnrolment == nil || f.ProvinceEnrolment == nil {
			return Outcome{Basis: basis + " 缺少人口或托位数据，无法自动判定。"}
		}
		s, parts := points, []string{}
		if *f.CitySeats < *f.ProvinceSeats {
			s -= 2
			parts = append(parts, "千人口托位数低于全省 −2")
		}
		if *f.CityEnrolment < *f.ProvinceEnrolment {
			s -= 2
			parts = append(parts, "入托率低于全省 −2")
		}
		if len(parts) == 0 {
			parts = append(parts, "均不低于全省，不扣分")
		}
		return Outcome{Score: score(math.Max(0, s)), Basis: basis + " " + strings.Join(parts, "；") + "。"}
	case evaluationitem.AutoRuleGUIDANCE_AND_EMPLOYER:
		s := 0.0
		basis := fmt.Sprintf("%s：承担指导功能的托育综合服务中心 %g 个，用人单位办托机构 %d 个。", asOf, f.GuidanceCentres, f.EmployerInstitutions)
		if f.GuidanceCentres >= 1 {
			s += 3
		}
		if f.EmployerInstitutions >= 1 {
			s++
		}
		return Outcome{Score: score(math.Min(points, s)), Basis: basis + fmt.Sprintf(" 得%g分（已立项未建成的指导中心须人工认定）。", s)}
	case evaluationitem.AutoRuleFILING_RATE:
		basis := fmt.Sprintf("%s：托育机构备案率 %s。", asOf, numAgainst(f.CityFiling, filingFull, true))
		if f.CityFiling == nil {
			return Outcome{Basis: basis + " 无开业机构，无法自动判定。"}
		}
		s := points
		if *f.CityFiling < filingFull {
			s--
			basis += " 未达到100% −1"
		} else {
			basis += " 达到100%，不扣分"
		}
		return Outcome{Score: score(s), Basis: basis + "；“制度不完备”一项须人工认定。"}
	case evaluationitem.AutoRuleSAFETY_AND_SATISFACTION:
		basis := fmt.Sprintf("%s：本年安全事故 %d 起；满意度 %s。", asOf, f.Incidents, numAgainst(f.CitySatisfaction, satisfactionFloor, true))
		if f.Incidents > 0 {
			return Outcome{Score: score(0), Basis: basis + " 有安全事故，不得分。"}
		}
		if f.CitySatisfaction == nil {
			return Outcome{Basis: basis + " 无满意度调查，无法自动判定。"}
		}
		if *f.CitySatisfaction < satisfactionFloor {
			return Outcome{Score: score(points - 1), Basis: basis + " 满意度低于90% −1。"}
		}
		return Outcome{Score: score(points), Basis: basis + " 无事故且满意度不低于90%，不扣分。"}
	}
	return Outcome{}
}

// prefill writes each auto-ruled row's autoScore and basis. The auto score
// is the self-score the data proposes: a row without a self-score takes it,
// and a row whose self-score still equals the previous auto score (the
// city left the proposal as it was) moves with it, to null when the data
// can no longer decide. A self-score the city changed stays.
func (s Service) prefill(ctx context.Context, evalID int, city *ent.Region, year int) error {
	sys := system(ctx)
	rows, err := s.Client.CityEvaluationItem.Query().
		Where(cityevaluationitem.EvaluationID(evalID), cityevaluationitem.HasItemWith(evaluationitem.AutoRuleNotNil())).
		WithItem().All(sys)
	if err != nil {
		return fmt.Errorf("evaluation: prefill rows: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	f, err := s.facts(ctx, city, year)
	if err != nil {
		return err
	}
	for _, r := range rows {
		o := Apply(*r.Edges.Item.AutoRule, r.Edges.Item.Points, f)
		u := r.Update().SetAutoBasis(o.Basis).SetNillableAutoScore(o.Score)
		if o.Score == nil {
			u.ClearAutoScore()
		}
		proposed := r.SelfScore == nil || (r.AutoScore != nil && *r.SelfScore == *r.AutoScore)
		switch {
		case proposed && o.Score != nil:
			u.SetSelfScore(*o.Score)
		case proposed && r.SelfScore != nil:
			u.ClearSelfScore()
		}
		if err := u.Exec(sys); err != nil {
			return fmt.Errorf("evaluation: prefill: %w", err)
		}
	}
	return nil
}
