package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/tuoyu/tuoyu/ent/certification"
	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/enrolment"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/ent/seat"
	"github.com/tuoyu/tuoyu/ent/staff"
)

type (
	staffRow struct {
		inst                int
		name, hash, masked  string
		role                staff.Role
		hired, left, health time.Time
		id                  int
	}
	certRow struct {
		staff           int
		typ             certification.Type
		level           int // 0: none
		number, issuer  string
		issued, expires time.Time
	}
	banRow struct {
		hash, masked, basis string
		decided             time.Time
	}
	// mover is a child who left a closed institution and may enrol at
	// another one in the same district.
	mover struct {
		child int
		from  time.Time
	}
)

// ageRange is the age in months, at the day before AsOf, of a child
// currently enrolled on a seat of the band.
func ageRange(b seat.AgeBand) (lo, hi int) {
	switch b {
	case seat.AgeBandINFANT:
		return 7, 11
	case seat.AgeBandTODDLER:
		return 12, 23
	case seat.AgeBandPRESCHOOL:
		return 24, 35
	}
	return 18, 35
}

// bandFor is the seat band that suits a child of the age in months.
func bandFor(age int) seat.AgeBand {
	switch {
	case age < 12:
		return seat.AgeBandINFANT
	case age < 24:
		return seat.AgeBandTODDLER
	}
	return seat.AgeBandPRESCHOOL
}

// careRatio is the number of children per caregiver in a class of the band
// (托育机构设置标准（试行）: 乳儿班 1:3, 托小班 1:5, 托大班 1:7).
func careRatio(b seat.AgeBand) float64 {
	switch b {
	case seat.AgeBandINFANT:
		return 3
	case seat.AgeBandPRESCHOOL:
		return 7
	}
	return 5
}

// genBans creates the ban list. Its ID numbers are issued first, so no staff
// member generated later can have one of them.
func (g *gen) genBans() {
	r := g.stream("bans")
	for i := 0; i < g.p.bans; i++ {
		d := g.regions[g.districts[r.IntN(len(g.districts))]]
		birth := between(r, months(g.asOf, -60*12), months(g.asOf, -25*12))
		id := g.idNumber(r, d.code, birth, chance(r, 0.6))
		hash, masked := g.hashID(id)
		decided := between(r, months(g.asOf, -72), g.last)
		g.bans = append(g.bans, banRow{
			hash: hash, masked: masked, decided: decided,
			basis: fmt.Sprintf("国办发〔2019〕15号 对虐童等行为实行终身禁入；%s卫生健康委员会 %s卫健禁〔%d〕%d号",
				d.name, string([]rune(d.name)[:2]), decided.Year(), 1+r.IntN(20)),
		})
	}
}

// newChild adds a child born on birth, living near institution i.
func (g *gen) newChild(r *rand.Rand, birth time.Time, i int) int {
	in := &g.insts[i]
	male := chance(r, 0.515)
	family := surname(r)
	c := childRow{male: male, birth: birth, residence: in.region, z: math.Max(-2.5, math.Min(2.5, r.NormFloat64()))}
	switch u := r.Float64(); {
	case u < 0.09:
		c.residence = g.subdistricts[r.IntN(len(g.subdistricts))]
	case u < 0.11:
		c.residence = in.district
	case u < 0.12:
		c.residence = -1
	}
	c.name = childName(r, male, family)
	if chance(r, 0.45) {
		c.guardian = family + string(adultMale[r.IntN(len(adultMale))])
		if chance(r, 0.6) {
			c.guardian += string(adultMale[r.IntN(len(adultMale))])
		}
	} else {
		c.guardian = adultName(r, false)
	}
	c.phone = mobile(r)
	if chance(r, 0.92) {
		area := g.regions[in.district].code
		if c.residence >= 0 {
			area = g.regions[c.residence].code
		}
		c.idHash, c.idMasked = g.hashID(g.idNumber(r, area, birth, male))
	}
	g.children = append(g.children, c)
	return len(g.children) - 1
}

// addEnrol records an enrolment and marks its seat busy.
func (g *gen) addEnrol(c, i, s int, mode schematype.ServiceMode, start, end time.Time, exit enrolment.ExitReason) int {
	g.enrols = append(g.enrols, enrolRow{child: c, inst: i, seat: s, mode: mode, start: start, end: end, exit: exit})
	g.children[c].enrolments++
	if s >= 0 {
		g.seatBusy[s] = append(g.seatBusy[s], span{start, end})
	}
	return len(g.enrols) - 1
}

// findSeat returns a seat of institution i that is open and free over
// [start, end), preferring the band; -1 when there is none.
func (g *gen) findSeat(r *rand.Rand, i int, start, end time.Time, band seat.AgeBand) int {
	in := &g.insts[i]
	n := in.seatHi - in.seatLo
	if n == 0 {
		return -1
	}
	off := r.IntN(n)
	fallback := -1
	for k := 0; k < n; k++ {
		s := in.seatLo + (off+k)%n
		st := &g.seats[s]
		if st.opened.After(start) || (!st.closed.IsZero() && (end.IsZero() || end.After(st.closed))) {
			continue
		}
		free := true
		for _, b := range g.seatBusy[s] {
			if b.overlaps(start, end) {
				free = false
				break
			}
		}
		if !free {
			continue
		}
		if st.band == band {
			return s
		}
		if fallback < 0 {
			fallback = s
		}
	}
	return fallback
}

// exitReason draws why a child left before the age of three.
func exitReason(r *rand.Rand) enrolment.ExitReason {
	return []enrolment.ExitReason{enrolment.ExitReasonMOVED, enrolment.ExitReasonPARENT_CHOICE, enrolment.ExitReasonHEALTH, enrolment.ExitReasonOTHER}[pickWeighted(r, []float64{0.35, 0.4, 0.1, 0.15})]
}

// genChildren creates children and enrolments district by district.
func (g *gen) genChildren(tick func(string, int, int)) {
	r := g.stream("children")
	byDistrict := map[int][]int{}
	for i := range g.insts {
		byDistrict[g.insts[i].district] = append(byDistrict[g.insts[i].district], i)
	}
	for k, d := range g.districts {
		tick("plan", k, len(g.districts))
		insts := byDistrict[d]
		// Closed institutions first, so that their children can move on.
		order := slices.Clone(insts)
		slices.SortStableFunc(order, func(a, b int) int {
			ca, cb := !g.insts[a].closed.IsZero(), !g.insts[b].closed.IsZero()
			switch {
			case ca && !cb:
				return -1
			case cb && !ca:
				return 1
			}
			return 0
		})
		var pool []mover
		var active []int
		firstEnrol := len(g.enrols)
		for _, i := range order {
			g.childrenOf(r, i, &pool, &active)
		}
		g.priorMoves(r, insts, firstEnrol)
	}
}

// childrenOf creates the children of institution i.
func (g *gen) childrenOf(r *rand.Rand, i int, pool *[]mover, active *[]int) {
	in := &g.insts[i]
	canFull, canHalf := in.hasMode(schematype.ServiceModeFullDay), in.hasMode(schematype.ServiceModeHalfDay)
	fhMode := func() schematype.ServiceMode {
		if canFull && (!canHalf || !chance(r, 0.15)) {
			return schematype.ServiceModeFullDay
		}
		return schematype.ServiceModeHalfDay
	}
	endCap := g.last
	if !in.closed.IsZero() {
		endCap = addDays(in.closed, -1)
	}
	seatsAll := make([]int, 0, in.seatHi-in.seatLo)
	for s := in.seatLo; s < in.seatHi; s++ {
		if in.closed.IsZero() && !g.seats[s].closed.IsZero() {
			continue
		}
		seatsAll = append(seatsAll, s)
	}
	r.Shuffle(len(seatsAll), func(a, b int) { seatsAll[a], seatsAll[b] = seatsAll[b], seatsAll[a] })
	n := 0
	if canFull || canHalf {
		n = int(math.Round(in.usage * float64(len(seatsAll))))
	}
	for k := 0; k < n; k++ {
		s := seatsAll[k]
		st := g.seats[s]
		assigned := s
		if chance(r, 0.08) {
			assigned = -1 // the institution does not record seat numbers
		}
		if !in.closed.IsZero() {
			// In care when the institution closed: all left on that day.
			start := between(r, maxDate(st.opened, in.opened, months(in.closed, -30)), addDays(in.closed, -15))
			end := in.closed
			lo, hi := addDays(months(end, -36), 1), months(start, -6)
			if lo.After(hi) {
				continue
			}
			birth := between(r, lo, hi)
			exit := []enrolment.ExitReason{enrolment.ExitReasonMOVED, enrolment.ExitReasonPARENT_CHOICE, enrolment.ExitReasonOTHER}[pickWeighted(r, []float64{0.6, 0.25, 0.15})]
			c := g.newChild(r, birth, i)
			g.addEnrol(c, i, assigned, fhMode(), start, end, exit)
			if exit == enrolment.ExitReasonMOVED && months(birth, 36).After(addDays(g.last, 60)) && in.closed.Before(g.last) {
				*pool = append(*pool, mover{c, in.closed})
			}
			continue
		}
		if len(*pool) > 0 && chance(r, 0.5) {
			j := r.IntN(len(*pool))
			mv := (*pool)[j]
			*pool = slices.Delete(*pool, j, j+1)
			birth := g.children[mv.child].birth
			lo := maxDate(mv.from, st.opened, in.opened, months(birth, 6))
			hi := minDate(addDays(mv.from, 45), g.last)
			if !lo.After(hi) && months(birth, 36).After(g.last) {
				g.addEnrol(mv.child, i, assigned, fhMode(), between(r, lo, hi), time.Time{}, "")
				*active = append(*active, mv.child)
				continue
			}
		}
		ageLo, ageHi := ageRange(st.band)
		birth := between(r, addDays(months(g.last, -(ageHi+1)), 1), months(g.last, -ageLo))
		lo := maxDate(months(birth, 6), st.opened, in.opened)
		start := between(r, maxDate(lo, months(g.last, -18)), g.last)
		c := g.newChild(r, birth, i)
		g.addEnrol(c, i, assigned, fhMode(), start, time.Time{}, "")
		*active = append(*active, c)
	}

	// Children who have already left.
	until := g.last
	if !in.closed.IsZero() {
		until = in.closed
	}
	years := math.Min(3, float64(daysBetween(in.opened, until))/365)
	endLo := maxDate(addDays(in.opened, 60), months(g.asOf, -36))
	ended := int(math.Round(float64(n) * 0.1 * years))
	for k := 0; k < ended && !endLo.After(endCap); k++ {
		end := between(r, endLo, endCap)
		start := maxDate(months(end, -(2+r.IntN(19))), in.opened)
		if daysBetween(start, end) < 14 {
			continue
		}
		birth := between(r, addDays(months(end, -36), 3), months(start, -6))
		exit := exitReason(r)
		if daysBetween(end, months(birth, 36)) < 90 && chance(r, 0.85) {
			exit = enrolment.ExitReasonKINDERGARTEN
		}
		c := g.newChild(r, birth, i)
		s := -1
		if chance(r, 0.9) {
			s = g.findSeat(r, i, start, end, bandFor(ageMonthsInt(birth, start)))
		}
		g.addEnrol(c, i, s, fhMode(), start, end, exit)
	}

	// Hourly and temporary care.
	canHourly, canTemp := in.hasMode(schematype.ServiceModeHourly), in.hasMode(schematype.ServiceModeTemporary)
	if !canHourly && !canTemp {
		return
	}
	total := in.seatHi - in.seatLo
	m := int(math.Round(float64(total) * uniform(r, 0.02, 0.08)))
	if in.form == institution.FormCOMMUNITY {
		m = int(math.Round(float64(total) * uniform(r, 0.3, 0.6)))
	}
	if total == 0 {
		m = 3 + r.IntN(8)
	}
	open := in.closed.IsZero()
	for k := 0; k < m; k++ {
		mode := schematype.ServiceModeHourly
		if !canHourly || (canTemp && chance(r, 0.4)) {
			mode = schematype.ServiceModeTemporary
		}
		var start, end time.Time
		switch {
		case mode == schematype.ServiceModeHourly && open && chance(r, 0.7):
			if len(*active) > 0 && chance(r, 0.2) {
				// Also in full- or half-day care elsewhere: hourly care may overlap.
				c := (*active)[r.IntN(len(*active))]
				lo := maxDate(in.opened, months(g.children[c].birth, 6), months(g.last, -6))
				if !lo.After(g.last) {
					g.addEnrol(c, i, -1, mode, between(r, lo, g.last), time.Time{}, "")
				}
				continue
			}
			start = between(r, maxDate(in.opened, months(g.last, -8)), g.last)
		case mode == schematype.ServiceModeHourly:
			endLo := maxDate(addDays(in.opened, 30), months(g.asOf, -24))
			if endLo.After(endCap) {
				continue
			}
			end = between(r, endLo, endCap)
			start = maxDate(months(end, -(1+r.IntN(8))), in.opened)
		default:
			start = between(r, maxDate(in.opened, months(g.last, -12)), endCap)
			end = addDays(start, 1+r.IntN(20))
			if end.After(endCap) {
				end = time.Time{}
				if !open {
					end = in.closed
				}
			}
		}
		if !end.IsZero() && !end.After(start) {
			continue
		}
		var birth time.Time
		if end.IsZero() {
			birth = between(r, addDays(months(g.last, -36), 1), months(start, -6))
		} else {
			birth = between(r, addDays(months(end, -36), 3), months(start, -6))
		}
		c := g.newChild(r, birth, i)
		var exit enrolment.ExitReason
		if !end.IsZero() {
			exit = exitReason(r)
		}
		g.addEnrol(c, i, -1, mode, start, end, exit)
	}
}

// ageMonthsInt is the age in whole months on d.
func ageMonthsInt(birth, d time.Time) int { return int(ageMonths(birth, d)) }

// priorMoves gives a few children in current full- or half-day care an
// earlier, ended enrolment at another institution of the district.
func (g *gen) priorMoves(r *rand.Rand, insts []int, firstEnrol int) {
	if len(insts) < 2 {
		return
	}
	last := len(g.enrols)
	for e := firstEnrol; e < last; e++ {
		en := g.enrols[e]
		if !en.end.IsZero() || en.mode == schematype.ServiceModeHourly || en.mode == schematype.ServiceModeTemporary ||
			g.children[en.child].enrolments != 1 || !chance(r, 0.04) {
			continue
		}
		birth := g.children[en.child].birth
		for try := 0; try < 3; try++ {
			j := insts[r.IntN(len(insts))]
			other := &g.insts[j]
			if j == en.inst || !other.hasMode(schematype.ServiceModeFullDay) || other.seatHi == other.seatLo {
				continue
			}
			end := addDays(en.start, -r.IntN(21))
			start := maxDate(months(end, -(2+r.IntN(9))), other.opened, months(birth, 6))
			if daysBetween(start, end) < 14 || (!other.closed.IsZero() && end.After(other.closed)) {
				continue
			}
			s := g.findSeat(r, j, start, end, bandFor(ageMonthsInt(birth, start)))
			exit := enrolment.ExitReasonMOVED
			if chance(r, 0.4) {
				exit = enrolment.ExitReasonPARENT_CHOICE
			}
			g.addEnrol(en.child, j, s, schematype.ServiceModeFullDay, start, end, exit)
			break
		}
	}
}

// genStaff creates the staff of every institution with seats, and their
// certificates.
func (g *gen) genStaff(tick func(string, int, int)) {
	r := g.stream("staff")
	need := make([]float64, len(g.insts))
	for _, e := range g.enrols {
		if e.mode != schematype.ServiceModeFullDay && e.mode != schematype.ServiceModeHalfDay {
			continue
		}
		in := &g.insts[e.inst]
		current := e.end.IsZero() || (!in.closed.IsZero() && e.end.Equal(in.closed))
		if !current {
			continue
		}
		b := seat.AgeBandTODDLER
		if e.seat >= 0 {
			b = g.seats[e.seat].band
		}
		need[e.inst] += 1 / careRatio(b)
	}
	for i := range g.insts {
		if i%256 == 0 {
			tick("plan", i, len(g.insts))
		}
		in := &g.insts[i]
		seats := in.seatHi - in.seatLo
		if seats == 0 {
			continue
		}
		var roles []staff.Role
		add := func(role staff.Role, n int) {
			for k := 0; k < n; k++ {
				roles = append(roles, role)
			}
		}
		add(staff.RolePRINCIPAL, 1)
		caregivers := max(1, int(math.Round(need[i]*uniform(r, 0.85, 1.1))))
		if in.form == institution.FormHOME {
			caregivers = 1
			if chance(r, 0.3) {
				caregivers = 2
			}
		}
		add(staff.RoleCAREGIVER, caregivers)
		if in.form != institution.FormHOME {
			if seats >= 40 || chance(r, 0.3) {
				add(staff.RoleHEALTH, 1)
			}
			if in.meals && seats >= 30 {
				add(staff.RoleCOOK, 1+seats/120)
			}
			if seats >= 40 && chance(r, 0.8) {
				add(staff.RoleSECURITY, 1)
			}
			switch {
			case in.form == institution.FormKINDERGARTEN:
				add(staff.RoleTEACHER, (seats+19)/20)
			case in.form == institution.FormGUIDANCE_CENTER:
				add(staff.RoleTEACHER, 2)
			case chance(r, 0.3):
				add(staff.RoleTEACHER, 1)
			}
			if chance(r, 0.2) {
				add(staff.RoleOTHER, 1)
			}
		}
		for _, role := range roles {
			hired := between(r, addDays(in.opened, -30), addDays(in.opened, 30))
			if chance(r, 0.5) {
				hired = between(r, in.opened, g.last)
			}
			hired = minDate(hired, g.last)
			var left time.Time
			if !in.closed.IsZero() {
				left = in.closed
				if !hired.Before(left) {
					hired = addDays(left, -30)
				}
			}
			g.newStaff(r, i, role, hired, left)
		}
		if in.closed.IsZero() {
			former := int(math.Round(float64(len(roles)) * uniform(r, 0, 0.2)))
			for k := 0; k < former; k++ {
				role := roles[r.IntN(len(roles))]
				if role == staff.RolePRINCIPAL {
					role = staff.RoleCAREGIVER
				}
				hired := between(r, addDays(in.opened, -30), addDays(g.last, -120))
				if addDays(hired, 60).After(g.last) {
					continue
				}
				g.newStaff(r, i, role, hired, between(r, addDays(hired, 60), g.last))
			}
		}
	}
}

// newStaff adds one staff member of institution i and their certificates.
func (g *gen) newStaff(r *rand.Rand, i int, role staff.Role, hired, left time.Time) {
	in := &g.insts[i]
	maleP := map[staff.Role]float64{
		staff.RolePRINCIPAL: 0.2, staff.RoleCAREGIVER: 0.04, staff.RoleHEALTH: 0.1, staff.RoleTEACHER: 0.05,
		staff.RoleSECURITY: 0.9, staff.RoleCOOK: 0.4, staff.RoleOTHER: 0.4,
	}[role]
	male := chance(r, maleP)
	birth := between(r, months(hired, -55*12), months(hired, -20*12))
	area := g.regions[in.district].code
	if chance(r, 0.3) {
		area = g.regions[g.districts[r.IntN(len(g.districts))]].code
	}
	hash, masked := g.hashID(g.idNumber(r, area, birth, male))
	st := staffRow{inst: i, name: adultName(r, male), hash: hash, masked: masked, role: role, hired: hired, left: left}
	if chance(r, 0.95) {
		if left.IsZero() {
			st.health = between(r, addDays(g.last, -60), addDays(g.last, 330))
		} else {
			st.health = between(r, addDays(left, -30), addDays(left, 300))
		}
	}
	idx := len(g.staff)
	g.staff = append(g.staff, st)
	g.genCerts(r, idx)
}

// issuers of certificates, by type; %s is the province or city name.
var issuers = map[certification.Type]string{
	certification.TypeCHILDCARE_WORKER:     "%s职业技能鉴定指导中心",
	certification.TypeINFANT_CARER:         "%s职业技能鉴定指导中心",
	certification.TypeKINDERGARTEN_TEACHER: "%s教育厅",
	certification.TypeHEALTH_TRAINING:      "%s妇幼保健院",
	certification.TypePRINCIPAL_TRAINING:   "%s卫生健康委员会",
	certification.TypeNURSE:                "%s卫生健康委员会",
	certification.TypeDOCTOR:               "%s卫生健康委员会",
	certification.TypeSECURITY_GUARD:       "%s公安局",
}

// genCerts adds the certificates of staff member s.
func (g *gen) genCerts(r *rand.Rand, s int) {
	st := &g.staff[s]
	in := &g.insts[st.inst]
	cert := func(t certification.Type, expired bool) {
		issued := between(r, months(st.hired, -36), st.hired)
		if chance(r, 0.3) {
			issued = between(r, addDays(st.hired, 30), addDays(st.hired, 365))
		}
		issued = minDate(issued, g.last)
		c := certRow{staff: s, typ: t, issued: issued}
		switch t {
		case certification.TypeCHILDCARE_WORKER, certification.TypeINFANT_CARER:
			c.level = []int{5, 4, 3}[pickWeighted(r, []float64{0.55, 0.35, 0.1})]
			c.number = fmt.Sprintf("S%s%d%09d", g.regions[in.district].code, issued.Year(), r.IntN(1_000_000_000))
		case certification.TypeKINDERGARTEN_TEACHER:
			c.number = fmt.Sprintf("%d%s%07d", issued.Year(), g.regions[in.district].code[:2], r.IntN(10_000_000))
		default:
			c.number = fmt.Sprintf("%s-%d-%06d", g.regions[in.district].code, issued.Year(), r.IntN(1_000_000))
		}
		owner := g.regions[0].name
		if t == certification.TypeHEALTH_TRAINING || t == certification.TypeSECURITY_GUARD {
			owner = g.cityName(in.district)
		}
		c.issuer = fmt.Sprintf(issuers[t], owner)
		switch {
		case expired:
			// Lapsed before the day before AsOf.
			if daysBetween(c.issued, g.last) < 60 {
				c.issued = addDays(g.last, -400)
			}
			c.expires = between(r, addDays(c.issued, 30), g.last)
		case t == certification.TypeHEALTH_TRAINING || chance(r, 0.15):
			c.expires = months(c.issued, 36+12*r.IntN(3))
		}
		g.certs = append(g.certs, c)
	}
	kg := in.form == institution.FormKINDERGARTEN
	switch st.role {
	case staff.RoleCAREGIVER:
		main := certification.TypeCHILDCARE_WORKER
		if chance(r, 0.4) {
			main = certification.TypeINFANT_CARER
		}
		if kg && chance(r, 0.5) {
			main = certification.TypeKINDERGARTEN_TEACHER
		}
		switch u := r.Float64(); {
		case u < 0.62:
			cert(main, false)
		case u < 0.77:
			cert(certification.TypeCHILDCARE_WORKER, false)
			cert(certification.TypeINFANT_CARER, false)
		case u < 0.85:
			cert(main, true)
		}
	case staff.RoleTEACHER:
		if chance(r, 0.9) {
			cert(certification.TypeKINDERGARTEN_TEACHER, false)
		}
	case staff.RoleHEALTH:
		if chance(r, 0.85) {
			cert(certification.TypeHEALTH_TRAINING, false)
		}
		if u := r.Float64(); u < 0.5 {
			cert(certification.TypeNURSE, false)
		} else if u < 0.65 {
			cert(certification.TypeDOCTOR, false)
		}
	case staff.RolePRINCIPAL:
		if chance(r, 0.8) {
			cert(certification.TypePRINCIPAL_TRAINING, false)
		}
		if chance(r, 0.3) {
			cert(certification.TypeCHILDCARE_WORKER, false)
		}
	case staff.RoleSECURITY:
		if chance(r, 0.85) {
			cert(certification.TypeSECURITY_GUARD, false)
		}
	}
}

// childSex maps the plan's flag to the enum.
func childSex(male bool) child.Sex {
	if male {
		return child.SexMALE
	}
	return child.SexFEMALE
}
