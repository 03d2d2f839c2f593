package demo

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/tuoyu/tuoyu/ent/healthrecord"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/civil"
)

// hrRow is one health record of the plan. Zero measurements are unset.
type hrRow struct {
	child, inst                int
	kind                       healthrecord.Kind
	date                       time.Time
	session                    healthrecord.Session
	height, weight, head, temp float64
	result                     healthrecord.Result
	notes                      string
}

// Growth references by age in months (0, 3, 6, 9, 12, 18, 24, 30, 36, 42)
// for girls, after the WHO child growth standards; boys are scaled up.
var (
	refAges   = []float64{0, 3, 6, 9, 12, 18, 24, 30, 36, 42}
	refHeight = []float64{49.1, 59.8, 65.7, 70.1, 74.0, 80.7, 86.4, 90.7, 95.1, 99.0}
	refWeight = []float64{3.2, 5.8, 7.3, 8.2, 8.9, 10.2, 11.5, 12.7, 13.9, 15.0}
	refHead   = []float64{33.9, 39.5, 42.2, 43.8, 44.9, 46.2, 47.2, 47.9, 48.5, 49.0}
)

// interp interpolates a growth reference linearly at age a.
func interp(ref []float64, a float64) float64 {
	if a <= 0 {
		return ref[0]
	}
	for k := 1; k < len(refAges); k++ {
		if a <= refAges[k] {
			f := (a - refAges[k-1]) / (refAges[k] - refAges[k-1])
			return ref[k-1] + f*(ref[k]-ref[k-1])
		}
	}
	return ref[len(ref)-1]
}

// clampRound rounds v to one decimal within [lo, hi].
func clampRound(v, lo, hi float64) float64 {
	return math.Round(math.Max(lo, math.Min(hi, v))*10) / 10
}

// devCheckpoints are the ages in months of developmental screening.
var devCheckpoints = []int{3, 6, 8, 12, 18, 24, 30, 36}

// Notes for abnormal findings.
var (
	checkupNotes   = []string{"轻度贫血，建议膳食调整并复查", "龋齿，建议口腔科就诊", "体重偏低，加强营养指导", "超重，建议调整膳食和增加活动"}
	screeningNotes = []string{"语言发育可疑落后，建议复筛", "大运动发育可疑落后，建议复筛", "社交行为可疑异常，建议复筛"}
)

// hrGen generates the health records of the plan's enrolments. Each
// enrolment has its own random stream, so the records do not depend on the
// order or grouping in which they are generated.
type hrGen struct {
	g      *gen
	pcg    *rand.PCG
	r      *rand.Rand
	seed   uint64
	window time.Time // first day of daily checks
	row    hrRow
}

func newHRGen(g *gen) *hrGen {
	pcg := rand.NewPCG(0, 0)
	return &hrGen{
		g:    g,
		pcg:  pcg,
		r:    rand.New(pcg),
		seed: uint64(g.opts.Seed) ^ 0x6865_616c_7468, // "health"
		// From the first of a month, so the KPIs' default period (the last
		// full calendar month) is fully covered by morning checks.
		window: months(civil.D(g.asOf.Year(), g.asOf.Month(), 1), -g.p.dailyMonths),
	}
}

// institution emits the records of every enrolment at institution i.
func (h *hrGen) institution(i int, emit func(*hrRow)) {
	for _, e := range h.g.instEnrols[i] {
		h.enrolment(e, emit)
	}
}

// measure fills height, weight and (under two years) head circumference for
// the child on d.
func (h *hrGen) measure(c *childRow, d time.Time) {
	a := ageMonths(c.birth, d)
	hf, wf, cf := 1.0, 1.0, 1.0
	if c.male {
		hf, wf, cf = 1.015, 1.05, 1.015
	}
	r := h.r
	h.row.height = clampRound(interp(refHeight, a)*hf*(1+c.z*0.035+r.NormFloat64()*0.005), 30, 130)
	h.row.weight = clampRound(interp(refWeight, a)*wf*(1+c.z*0.1+r.NormFloat64()*0.03), 1, 40)
	if a < 24 {
		h.row.head = clampRound(interp(refHead, a)*cf*(1+c.z*0.03+r.NormFloat64()*0.005), 25, 60)
	}
}

// start resets the reusable row for a new record.
func (h *hrGen) start(child, inst int, kind healthrecord.Kind, d time.Time) {
	h.row = hrRow{child: child, inst: inst, kind: kind, date: d, result: healthrecord.ResultNORMAL}
}

// enrolment emits the records of enrolment e: entry exam and vaccination
// check before the start, growth monitoring every three months and a
// check-up every six, developmental screening near each check-point age,
// and daily checks on weekdays inside the daily-check window.
func (h *hrGen) enrolment(e int, emit func(*hrRow)) {
	g := h.g
	en := &g.enrols[e]
	c := &g.children[en.child]
	in := &g.insts[en.inst]
	h.pcg.Seed(h.seed, uint64(e))
	r := h.r
	end := en.end // records are dated before end and before AsOf
	if end.IsZero() || end.After(g.asOf) {
		end = g.asOf
	}
	fh := en.mode == schematype.ServiceModeFullDay || en.mode == schematype.ServiceModeHalfDay

	pEntry := 0.95
	if !fh {
		pEntry = 0.5
	}
	if chance(r, pEntry) {
		h.start(en.child, en.inst, healthrecord.KindENTRY_EXAM, addDays(en.start, -(1+r.IntN(30))))
		h.measure(c, h.row.date)
		if chance(r, 0.04) {
			h.row.result, h.row.notes = healthrecord.ResultABNORMAL, checkupNotes[r.IntN(len(checkupNotes))]
		}
		emit(&h.row)
	}
	if fh && chance(r, 0.9) {
		h.start(en.child, en.inst, healthrecord.KindVACCINATION_CHECK, addDays(en.start, -r.IntN(7)))
		if chance(r, 0.05) {
			h.row.result, h.row.notes = healthrecord.ResultABNORMAL, "疫苗漏种，已通知家长补种"
		}
		emit(&h.row)
	}
	if fh {
		for k := 1; ; k++ {
			d := addDays(months(en.start, 3*k), r.IntN(11)-5)
			if !d.Before(end) {
				break
			}
			h.start(en.child, en.inst, healthrecord.KindGROWTH, d)
			h.measure(c, d)
			emit(&h.row)
			if k%2 == 0 {
				h.start(en.child, en.inst, healthrecord.KindCHECKUP, addDays(d, r.IntN(3)))
				if !h.row.date.Before(end) {
					continue
				}
				h.measure(c, h.row.date)
				switch u := r.Float64(); {
				case u < 0.06:
					h.row.result, h.row.notes = healthrecord.ResultABNORMAL, checkupNotes[r.IntN(len(checkupNotes))]
				case u < 0.075:
					h.row.result, h.row.notes = healthrecord.ResultREFERRED, "建议到儿童保健门诊进一步检查"
				}
				emit(&h.row)
			}
		}
	}
	pDev := 0.96
	if !fh {
		pDev = 0.6
	}
	for _, m := range devCheckpoints {
		cp := months(c.birth, m)
		if cp.Before(en.start) || !cp.Before(end) || !chance(r, pDev) {
			continue
		}
		off := r.IntN(31) - 20
		if chance(r, 0.03) {
			off = 35 + r.IntN(15) // too late to count
		}
		d := minDate(maxDate(addDays(cp, off), en.start), addDays(end, -1))
		h.start(en.child, en.inst, healthrecord.KindDEV_SCREENING, d)
		h.measure(c, d)
		switch u := r.Float64(); {
		case u < 0.06:
			h.row.result, h.row.notes = healthrecord.ResultABNORMAL, screeningNotes[r.IntN(len(screeningNotes))]
		case u < 0.08:
			h.row.result, h.row.notes = healthrecord.ResultREFERRED, "转诊儿童保健科进一步评估"
		}
		emit(&h.row)
	}
	if !fh {
		return
	}
	noon := in.noon && en.mode == schematype.ServiceModeFullDay
	for d := maxDate(h.window, en.start); d.Before(end); d = addDays(d, 1) {
		if !weekday(d) || !chance(r, 0.97) {
			continue
		}
		h.daily(en, d, healthrecord.SessionMORNING)
		emit(&h.row)
		if noon && chance(r, 0.95) {
			h.daily(en, d, healthrecord.SessionNOON)
			emit(&h.row)
		}
	}
}

// daily fills the row with a morning or noon check.
func (h *hrGen) daily(en *enrolRow, d time.Time, s healthrecord.Session) {
	r := h.r
	h.start(en.child, en.inst, healthrecord.KindDAILY_CHECK, d)
	h.row.session = s
	h.row.temp = clampRound(36.6+r.NormFloat64()*0.2, 35.9, 37.2)
	switch u := r.Float64(); {
	case u < 0.003:
		h.row.temp = clampRound(37.5+r.Float64()*1.3, 34, 43)
		h.row.result, h.row.notes = healthrecord.ResultABNORMAL, "体温偏高，已通知家长接回观察"
	case u < 0.004:
		h.row.temp = clampRound(37.8+r.Float64()*1.2, 34, 43)
		h.row.result, h.row.notes = healthrecord.ResultREFERRED, "发热伴皮疹，建议就医并排查传染病"
	case u < 0.006:
		h.row.result, h.row.notes = healthrecord.ResultABNORMAL, "精神欠佳，加强观察"
	}
}
