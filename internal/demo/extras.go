package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/tuoyu/tuoyu/ent/complaint"
	"github.com/tuoyu/tuoyu/ent/finding"
	"github.com/tuoyu/tuoyu/ent/incident"
	"github.com/tuoyu/tuoyu/ent/inspection"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/ent/survey"
	"github.com/tuoyu/tuoyu/ent/target"
	"github.com/tuoyu/tuoyu/internal/ident"
)

type (
	inspRow struct {
		inst      int
		on        time.Time
		kind      inspection.Kind
		inspector string
		outcome   inspection.Outcome
		id        int
	}
	findingRow struct {
		insp                int
		rule, desc          string
		sev                 finding.Severity
		deadline, corrected time.Time
	}
	complaintRow struct {
		inst                 int
		received, closed     time.Time
		channel              complaint.Channel
		category, resolution string
	}
	incidentRow struct {
		inst               int
		sev                incident.Severity
		kind, desc         string
		occurred, reported time.Time
	}
	surveyRow struct {
		region                int
		kind                  survey.Kind
		date                  time.Time
		respondents, positive int
	}
	targetRow struct {
		region    int
		key       schematype.IndicatorKey
		baseYear  int // 0: no baseline
		baseValue float64
		year      int
		value     float64
		cmp       target.Comparator
		source    string
		kind      target.Kind
	}
)

// genPopulation writes yearly population figures: for every subdistrict
// (a few lack the latest year), for about half of the districts and cities,
// never for the province, so that Population(R, Y) sometimes uses R's own
// figures and sometimes sums its children. Populations are scaled to the
// seats so that seats per 1,000 residents fall between about 2.5 and 5.
func (g *gen) genPopulation() {
	r := g.stream("population")
	latest := g.asOf.Year() - 1
	years := []int{latest - 3, latest - 2, latest - 1, latest}
	openSeats := map[int]int{}
	for s := range g.seats {
		st := &g.seats[s]
		in := &g.insts[st.inst]
		if st.closed.IsZero() && in.closed.IsZero() {
			openSeats[in.district]++
		}
	}
	type fig struct{ resident, under3, births int64 }
	sums := map[int]map[int]fig{} // region → year → sum of children's figures
	addSum := func(reg, y int, f fig) {
		if sums[reg] == nil {
			sums[reg] = map[int]fig{}
		}
		s := sums[reg][y]
		sums[reg][y] = fig{s.resident + f.resident, s.under3 + f.under3, s.births + f.births}
	}
	for _, d := range g.districts {
		dr := g.regions[d]
		ratio := uniform(r, 2.5, 5)
		total := math.Max(float64(openSeats[d]), 30) * 1000 / ratio
		var wsum float64
		for _, s := range dr.children {
			wsum += g.regions[s].weight
		}
		for _, s := range dr.children {
			pop := total * g.regions[s].weight / wsum
			share := uniform(r, 0.02, 0.03)
			lacksLatest := chance(r, 0.1)
			for _, y := range years {
				back := float64(latest - y)
				f := fig{
					resident: int64(pop * (1 + 0.006*back) * uniform(r, 0.995, 1.005)),
				}
				f.under3 = int64(float64(f.resident) * share * (1 + 0.05*back))
				f.births = int64(float64(f.under3) / 3 * uniform(r, 0.9, 1))
				addSum(d, y, f)
				if y == latest && lacksLatest {
					continue
				}
				g.pops = append(g.pops, popRow{region: s, year: y, resident: f.resident, under3: f.under3, births: f.births,
					source: fmt.Sprintf("%s统计局 %d年街道常住人口统计", dr.name, y)})
			}
		}
	}
	// Districts: about half publish their own (slightly different) figures.
	for _, d := range g.districts {
		dr := g.regions[d]
		own := chance(r, 0.5) || len(g.districts) == 1
		for _, y := range years {
			s := sums[d][y]
			if dr.city >= 0 {
				addSum(dr.city, y, s)
			}
			if !own || (len(g.districts) == 1 && y == latest) {
				continue
			}
			f := uniform(r, 0.985, 1.015)
			g.pops = append(g.pops, popRow{region: d, year: y,
				resident: int64(float64(s.resident) * f), under3: int64(float64(s.under3) * f), births: -1,
				source: fmt.Sprintf("%s统计年鉴%d", dr.name, y+1)})
		}
	}
	// Cities: the first always, others about half the time.
	for k, c := range g.regions[0].children {
		cr := g.regions[c]
		if cr.level != region.LevelCITY || (k > 0 && !chance(r, 0.5)) {
			continue
		}
		for _, y := range years[:3] {
			s := sums[c][y]
			f := uniform(r, 0.99, 1.01)
			g.pops = append(g.pops, popRow{region: c, year: y,
				resident: int64(float64(s.resident) * f), under3: int64(float64(s.under3) * f), births: int64(float64(s.births) * f),
				source: fmt.Sprintf("%s统计年鉴%d", cr.name, y+1)})
		}
	}
}

// findingRules are rule violations inspections record.
var findingRules = []struct {
	rule, desc string
	sev        finding.Severity
}{
	{"《托育机构管理规范（试行）》晨午检制度", "晨午检记录不完整，部分日期缺少体温记录", finding.SeverityMINOR},
	{"《托育机构设置标准（试行）》人员配备", "托小班保育人员与婴幼儿比例低于1:5", finding.SeverityMAJOR},
	{"《托育机构管理规范（试行）》安全管理", "监控录像资料保存不足90日", finding.SeverityMAJOR},
	{"《托育机构消防安全指南（试行）》", "安全出口堆放杂物，疏散通道不畅", finding.SeverityCRITICAL},
	{"《托育机构保育指导大纲（试行）》营养与喂养", "带量食谱未按周公示", finding.SeverityMINOR},
	{"《托儿所幼儿园卫生保健管理办法》工作人员健康检查", "新入职人员未取得健康合格证明即上岗", finding.SeverityMAJOR},
	{"《托育机构管理规范（试行）》收费管理", "收费项目和标准未公示", finding.SeverityMINOR},
	{"《托育机构婴幼儿伤害预防指南（试行）》", "活动室插座未安装防护盖", finding.SeverityMINOR},
}

var (
	complaintCategories = []string{"安全", "收费", "卫生", "膳食", "师资", "服务态度"}
	resolutions         = []string{"经核查属实，已责令整改并反馈投诉人", "经核查不属实，已向投诉人解释说明", "机构已退还相关费用，投诉人表示满意", "已约谈机构负责人，限期整改"}
	incidentKinds       = []string{"跌落", "磕碰", "烫伤", "异物吞食", "食物过敏", "夹伤"}
)

// genOversight creates inspections with findings, and complaints.
func (g *gen) genOversight() {
	r := g.stream("oversight")
	for i := range g.insts {
		in := &g.insts[i]
		from := maxDate(in.opened, months(g.asOf, -24))
		to := g.last
		if !in.closed.IsZero() {
			to = addDays(in.closed, -1)
		}
		if from.After(to) {
			continue
		}
		inspector := g.regions[in.district].name + "卫生健康综合行政执法大队"
		inspect := func(on time.Time, kind inspection.Kind) {
			outcome := []inspection.Outcome{inspection.OutcomePASSED, inspection.OutcomeCORRECTIONS_REQUIRED, inspection.OutcomeFAILED}[pickWeighted(r, []float64{0.65, 0.3, 0.05})]
			k := len(g.insps)
			g.insps = append(g.insps, inspRow{inst: i, on: on, kind: kind, inspector: inspector, outcome: outcome})
			if outcome == inspection.OutcomePASSED {
				return
			}
			n := 1 + r.IntN(3)
			var latest time.Time
			for _, j := range r.Perm(len(findingRules))[:n] {
				fr := findingRules[j]
				f := findingRow{insp: k, rule: fr.rule, desc: fr.desc, sev: fr.sev, deadline: addDays(on, []int{15, 30}[r.IntN(2)])}
				if c := addDays(on, 3+r.IntN(38)); !c.After(g.last) && chance(r, 0.9) {
					f.corrected = c
					latest = maxDate(latest, c)
				}
				g.findings = append(g.findings, f)
			}
			if !latest.IsZero() && chance(r, 0.6) {
				if fu := addDays(latest, 1+r.IntN(10)); !fu.After(to) {
					g.insps = append(g.insps, inspRow{inst: i, on: fu, kind: inspection.KindFOLLOW_UP, inspector: inspector, outcome: inspection.OutcomePASSED})
				}
			}
		}
		switch u := r.Float64(); {
		case u < 0.12:
			g.complain(r, i, from, to, inspect)
		case u < 0.15:
			g.complain(r, i, from, to, inspect)
			g.complain(r, i, from, to, inspect)
		}
		for n := []int{0, 1, 2, 3}[pickWeighted(r, []float64{0.25, 0.45, 0.25, 0.05})]; n > 0; n-- {
			kind := inspection.KindROUTINE
			if chance(r, 0.2) {
				kind = inspection.KindSPECIAL
			}
			inspect(between(r, from, to), kind)
		}
	}
}

// genIncidents adds a few safety incidents: about one institution in 70
// has one in the last two years, and at least two are reported.
func (g *gen) genIncidents() {
	r := g.stream("incidents")
	n := max(2, len(g.insts)/70)
	for tries := 0; len(g.incidents) < n && tries < 20*n; tries++ {
		i := r.IntN(len(g.insts))
		in := &g.insts[i]
		from := maxDate(in.opened, months(g.asOf, -24))
		to := g.last
		if !in.closed.IsZero() {
			to = addDays(in.closed, -1)
		}
		if daysBetween(from, to) < 3 {
			continue
		}
		on := between(r, from, addDays(to, -2))
		occurred := on.Add(time.Duration(r.IntN(9*60)) * time.Minute) // 08:00–17:00 China time is 00:00–09:00 UTC
		sev := []incident.Severity{incident.SeverityMINOR, incident.SeveritySERIOUS, incident.SeverityMAJOR}[pickWeighted(r, []float64{0.85, 0.13, 0.02})]
		kind := incidentKinds[r.IntN(len(incidentKinds))]
		g.incidents = append(g.incidents, incidentRow{inst: i, sev: sev, kind: kind,
			occurred: occurred, reported: occurred.Add(time.Duration(30+r.IntN(36*60)) * time.Minute),
			desc: fmt.Sprintf("婴幼儿在园内%s，已送医处置并通知家长", kind)})
	}
}

// complain adds one complaint about institution i, sometimes followed by a
// complaint inspection.
func (g *gen) complain(r *rand.Rand, i int, from, to time.Time, inspect func(time.Time, inspection.Kind)) {
	c := complaintRow{
		inst: i, received: between(r, from, to),
		channel:  []complaint.Channel{complaint.ChannelHOTLINE, complaint.ChannelONLINE, complaint.ChannelLETTER, complaint.ChannelVISIT, complaint.ChannelOTHER}[pickWeighted(r, []float64{0.5, 0.3, 0.05, 0.1, 0.05})],
		category: complaintCategories[r.IntN(len(complaintCategories))],
	}
	if cl := addDays(c.received, 1+r.IntN(30)); !cl.After(g.last) && chance(r, 0.9) {
		c.closed = cl
		c.resolution = resolutions[r.IntN(len(resolutions))]
	}
	g.complaints = append(g.complaints, c)
	if on := addDays(c.received, 1+r.IntN(10)); !on.After(to) && chance(r, 0.5) {
		inspect(on, inspection.KindCOMPLAINT)
	}
}

// genSurveys creates both parent surveys for every district and month of
// the last two years and the current one, up to the day before AsOf, so
// that the survey indicators have a value for every district in any full
// month, the default KPI period included.
func (g *gen) genSurveys() {
	r := g.stream("surveys")
	for _, d := range g.districts {
		for y := g.asOf.Year() - 2; y <= g.asOf.Year(); y++ {
			for m := 0; m < 12; m++ {
				mStart := time.Date(y, time.Month(1+m), 1, 0, 0, 0, 0, time.UTC)
				for _, kind := range []survey.Kind{survey.KindSATISFACTION, survey.KindPARENTING_KNOWLEDGE} {
					date := between(r, addDays(mStart, 4), addDays(months(mStart, 1), -4))
					resp := 50 + r.IntN(451)
					rate := 0.9 + r.NormFloat64()*0.04
					if kind == survey.KindPARENTING_KNOWLEDGE {
						rate = 0.88 + r.NormFloat64()*0.05
					}
					rate = math.Max(0.6, math.Min(1, rate))
					if date.After(g.last) {
						continue
					}
					g.surveys = append(g.surveys, surveyRow{region: d, kind: kind, date: date, respondents: resp, positive: int(math.Round(float64(resp) * rate))})
				}
			}
		}
	}
}

// Policy documents the targets come from (the seed texts).
const (
	srcLiaoning = "辽宁省开展全国婴幼儿照护服务示范城市创建活动方案"
	srcDazu     = "大足府办发〔2024〕16号"
	srcZhejiang = "普惠托育基本公共服务工作实施方案（浙江）"
	srcXinzhou  = "忻州市促进3岁以下婴幼儿照护服务发展实施方案"
	srcYongan   = "永安市关于做好3岁以下婴幼儿照护服务发展工作的实施意见"
)

// targetSpec is a target without its region.
type targetSpec struct {
	key       schematype.IndicatorKey
	baseYear  int
	baseValue float64
	year      int
	value     float64
	cmp       target.Comparator
	source    string
	kind      target.Kind
}

// targetSet returns the targets of a root region: its own document first,
// the other seed documents for the indicators it does not cover. guidance
// is the number of districts (one guidance centre each).
func targetSet(dazu bool, guidance int) []targetSpec {
	ge, gt := target.ComparatorAtLeast, target.ComparatorAbove
	exp, bind := target.KindEXPECTED, target.KindBINDING
	seats := srcLiaoning
	main := srcDazu // Dazu's table of targets covers most indicators
	ts := []targetSpec{}
	if dazu {
		seats = srcDazu
		ts = append(ts,
			targetSpec{schematype.KindergartenChildcareShare, 2022, 0.2, 2023, 0.3, ge, srcDazu, exp},
			targetSpec{schematype.KindergartenChildcareShare, 2022, 0.2, 2024, 0.35, ge, srcDazu, exp},
		)
	}
	ts = append(ts,
		targetSpec{schematype.SeatsPer1000, 2022, 2, 2025, 4.5, ge, seats, exp},
		targetSpec{schematype.InclusiveSeatShare, 0, 0, 2025, 0.6, ge, main, exp},
		targetSpec{schematype.SeatUsageRate, 2022, 0.3, 2025, 0.3, ge, main, exp},
		targetSpec{schematype.EnrolmentRate, 0, 0, 2025, 0.2, ge, srcXinzhou, exp},
		targetSpec{schematype.SubdistrictInclusiveCoverage, 2022, 0.5, 2025, 0.9, gt, main, exp},
		targetSpec{schematype.KindergartenChildcareShare, 2022, 0.2, 2025, 0.4, ge, main, exp},
		targetSpec{schematype.FilingRate, 0, 0, 2025, 1, ge, srcLiaoning, bind},
		targetSpec{schematype.StaffCertificationRate, 2022, 0.5, 2025, 0.9, gt, main, exp},
		targetSpec{schematype.HealthRecordRate, 0, 0, 2025, 1, ge, main, exp},
		targetSpec{schematype.DevScreeningRate, 0, 0, 2025, 0.95, ge, srcZhejiang, exp},
		targetSpec{schematype.DailyCheckRate, 0, 0, 2025, 1, ge, srcYongan, bind},
		targetSpec{schematype.SatisfactionRate, 0, 0, 2025, 0.9, ge, srcLiaoning, exp},
		targetSpec{schematype.ParentingKnowledgeRate, 0, 0, 2025, 0.9, gt, main, exp},
		targetSpec{schematype.GuidanceCenters, 0, 0, 2025, float64(guidance), ge, main, exp},
	)
	ts = append(ts, supervisionTargets()...)
	if !dazu {
		// Liaoning's own document sets the seat density, filing and
		// satisfaction; the others adopt the values of the other seed
		// documents as a reference, without their local baselines.
		for k := range ts {
			ts[k].baseYear, ts[k].baseValue = 0, 0
			if ts[k].source == srcDazu {
				ts[k].source = "参照" + srcDazu
			}
		}
	}
	return ts
}

// genTargets sets the seed targets on the scale's focus regions: 大足区 at
// district scale; 辽宁省, its cities and every district (one guidance centre
// each) at city and province scale.
func (g *gen) genTargets() {
	countDistricts := func(reg int) int {
		n := 0
		for _, d := range g.districts {
			if d == reg || g.regions[d].city == reg || reg == 0 {
				n++
			}
		}
		return n
	}
	add := func(reg int, specs []targetSpec) {
		for _, t := range specs {
			g.targets = append(g.targets, targetRow{region: reg, key: t.key, baseYear: t.baseYear, baseValue: t.baseValue,
				year: t.year, value: t.value, cmp: t.cmp, source: t.source, kind: t.kind})
			// The seed documents stop at 2025. So that values of later years
			// have a target to be measured against (the target of a value is the
			// one with the smallest target year >= its year), the demo carries
			// each 2025 target on to 2030, labelled as demo data.
			if t.year == 2025 {
				g.targets = append(g.targets, targetRow{region: reg, key: t.key,
					year: 2030, value: t.value, cmp: t.cmp, source: t.source + "（演示数据：延续至2030年）", kind: t.kind})
			}
		}
	}
	if g.opts.Scale == ScaleDistrict {
		add(g.districts[0], targetSet(true, 1))
		return
	}
	add(0, targetSet(false, countDistricts(0)))
	for _, c := range g.regions[0].children {
		add(c, targetSet(false, countDistricts(c)))
	}
	// Every district carries the seed targets too (one guidance centre
	// each), so a district dashboard shows attainment for every indicator.
	for _, d := range g.districts {
		add(d, targetSet(false, 1))
	}
}

// verify checks the rules the bulk load promises to keep.
func (g *gen) verify() error {
	byChild := make([][]int, len(g.children))
	for e, en := range g.enrols {
		in := &g.insts[en.inst]
		c := &g.children[en.child]
		switch {
		case !en.end.IsZero() && !en.end.After(en.start):
			return fmt.Errorf("demo: internal error: enrolment %d ends before it starts", e)
		case en.start.Before(in.opened) || en.start.After(g.last):
			return fmt.Errorf("demo: internal error: enrolment %d starts outside its institution's dates", e)
		case !in.closed.IsZero() && (en.end.IsZero() || en.end.After(in.closed)):
			return fmt.Errorf("demo: internal error: enrolment %d outlasts its institution", e)
		case en.start.Before(months(c.birth, 6)):
			return fmt.Errorf("demo: internal error: enrolment %d starts before 6 months of age", e)
		case en.end.IsZero() && !months(c.birth, 36).After(g.last):
			return fmt.Errorf("demo: internal error: enrolment %d continues past 36 months of age", e)
		case !en.end.IsZero() && en.end.After(months(c.birth, 36)):
			return fmt.Errorf("demo: internal error: enrolment %d ends after 36 months of age", e)
		}
		if en.mode == schematype.ServiceModeFullDay || en.mode == schematype.ServiceModeHalfDay {
			byChild[en.child] = append(byChild[en.child], e)
		}
	}
	for c, es := range byChild {
		slices.SortFunc(es, func(a, b int) int { return g.enrols[a].start.Compare(g.enrols[b].start) })
		for k := 1; k < len(es); k++ {
			prev := g.enrols[es[k-1]]
			if prev.end.IsZero() || prev.end.After(g.enrols[es[k]].start) {
				return fmt.Errorf("demo: internal error: child %d has overlapping full- or half-day enrolments", c)
			}
		}
	}
	banned := map[string]bool{}
	for _, b := range g.bans {
		banned[b.hash] = true
	}
	for s := range g.staff {
		if banned[g.staff[s].hash] {
			return fmt.Errorf("demo: internal error: staff member %d is on the ban list", s)
		}
	}
	for i := range g.insts {
		if err := ident.ValidateCreditCode(g.insts[i].credit); err != nil {
			return fmt.Errorf("demo: internal error: institution %d: %w", i, err)
		}
	}
	return nil
}
