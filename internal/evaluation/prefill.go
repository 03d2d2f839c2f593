package evaluation

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/cityevaluationitem"
	"github.com/tuoyu/tuoyu/ent/evaluationitem"
	"github.com/tuoyu/tuoyu/ent/incident"
	"github.com/tuoyu/tuoyu/ent/institution"
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
	f.Incidents, err = s.Client.Incident.Query().Where(incident.HasInstitutionWith(inCity),
		incident.OccurredAtGTE(from), incident.OccurredAtLT(to)).Count(sys)
	if err != nil {
		return f, fmt.Errorf("evaluation: incidents: %w", err)
	}
	return f, nil
}

func num(v *float64, pct bool) string {
	switch {
	case v == nil:
		return "无数据"
	case pct:
		return fmt.Sprintf("%.1f%%", *v*100)
	}
	return fmt.Sprintf("%.2f", *v)
}

func score(v float64) *float64 { return &v }

// Apply is the rule's outcome for an item of points under f.
func Apply(rule evaluationitem.AutoRule, points float64, f Facts) Outcome {
	asOf := "截至" + f.AsOf.Format("2006-01-02")
	switch rule {
	case evaluationitem.AutoRuleSEATS_AND_ENROLMENT_VS_PROVINCE:
		basis := fmt.Sprintf("%s：千人口托位数 本市 %s / 全省 %s；入托率 本市 %s / 全省 %s。",
			asOf, num(f.CitySeats, false), num(f.ProvinceSeats, false), num(f.CityEnrolment, true), num(f.ProvinceEnrolment, true))
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
		basis := fmt.Sprintf("%s：托育机构备案率 %s。", asOf, num(f.CityFiling, true))
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
		basis := fmt.Sprintf("%s：本年安全事故 %d 起；满意度 %s。", asOf, f.Incidents, num(f.CitySatisfaction, true))
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

// prefill writes each auto-ruled row's autoScore and basis; a row without
// a self-score takes the auto score as its proposed self-score.
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
		if r.SelfScore == nil && o.Score != nil {
			u.SetSelfScore(*o.Score)
		}
		if err := u.Exec(sys); err != nil {
			return fmt.Errorf("evaluation: prefill: %w", err)
		}
	}
	return nil
}
