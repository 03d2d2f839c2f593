package demo

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/tuoyu/tuoyu/ent/enrolment"
	"github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/inclusivedesignation"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/ent/seat"
	"github.com/tuoyu/tuoyu/internal/ident"
	"github.com/tuoyu/tuoyu/internal/pii"
)

// scaleParams are the size knobs of one scale.
type scaleParams struct {
	institutions  int     // institutions other than guidance centres
	guidanceShare float64 // chance that a district has a guidance centre
	dailyMonths   int     // whole calendar months of daily checks before AsOf's month (plus that month so far)
	bans          int     // ban-list entries
}

func paramsFor(s Scale) scaleParams {
	switch s {
	case ScaleDistrict:
		return scaleParams{institutions: 35, guidanceShare: 1, dailyMonths: 1, bans: 3}
	case ScaleProvince:
		return scaleParams{institutions: 4900, guidanceShare: 0.85, dailyMonths: 2, bans: 60}
	default:
		return scaleParams{institutions: 345, guidanceShare: 0.85, dailyMonths: 1, bans: 12}
	}
}

// span is a half-open interval of days [from, to); a zero to is open-ended.
type span struct{ from, to time.Time }

// overlaps reports whether [from, to) meets s (zero to = open-ended).
func (s span) overlaps(from, to time.Time) bool {
	return (s.to.IsZero() || from.Before(s.to)) && (to.IsZero() || s.from.Before(to))
}

// The plan: one slice of plain rows per table. Indices into these slices
// link rows; the database IDs are filled in as each table is written.
type (
	regionRow struct {
		code, name       string
		level            region.Level
		parent           int
		lat, lon, weight float64
		county           bool
		city, district   int // ancestor indices, -1 when none
		children         []int
		id               int
		boundary         string // GeoJSON; approximate district outlines only
	}
	popRow struct {
		region, year             int
		resident, under3, births int64 // births < 0: unknown
		source                   string
	}
	instRow struct {
		region, district      int
		name, credit, address string
		form                  institution.Form
		legal                 institution.LegalNature
		own                   institution.Ownership
		modes                 []schematype.ServiceMode
		lat, lon              float64
		status                institution.Status
		opened, closed        time.Time
		meals, noon           bool
		designated            bool
		fee, inclFee          int // published and 普惠 monthly fees in yuan; 0 = none (public.go)
		usage                 float64
		seatLo, seatHi        int
		id                    int
	}
	filingRow struct {
		inst                         int
		submitted, receipt, notified time.Time
		status                       filing.Status
		docs                         []schematype.FilingDocument
	}
	desigRow struct {
		inst     int
		from, to time.Time
		category inclusivedesignation.Category
		by       string
	}
	seatRow struct {
		inst           int
		band           seat.AgeBand
		inclusive      bool
		opened, closed time.Time
		id             int
	}
	childRow struct {
		name, guardian, phone string
		idHash, idMasked      string
		male                  bool
		birth                 time.Time
		residence             int // region index, -1 none
		z                     float64
		enrolments            int
		id                    int
	}
	enrolRow struct {
		child, inst, seat int // seat -1: none
		mode              schematype.ServiceMode
		start, end        time.Time
		exit              enrolment.ExitReason
	}
)

// gen builds the plan for one Options.
type gen struct {
	opts       Options
	p          scaleParams
	asOf, last time.Time // last = the day before AsOf, the newest date used
	issued     map[string]bool
	credits    map[string]bool

	regions      []regionRow
	districts    []int
	subdistricts []int
	pops         []popRow
	insts        []instRow
	filings      []filingRow
	desigs       []desigRow
	seats        []seatRow
	seatBusy     [][]span
	children     []childRow
	enrols       []enrolRow
	staff        []staffRow
	certs        []certRow
	bans         []banRow
	insps        []inspRow
	findings     []findingRow
	complaints   []complaintRow
	incidents    []incidentRow
	surveys      []surveyRow
	targets      []targetRow
	instEnrols   [][]int // enrolment indices per institution
}

func newGen(opts Options) *gen {
	return &gen{
		opts:    opts,
		p:       paramsFor(opts.Scale),
		asOf:    opts.AsOf,
		last:    addDays(opts.AsOf, -1),
		issued:  map[string]bool{},
		credits: map[string]bool{},
	}
}

// stream returns the random generator of one named part of the plan: the
// parts are independent of each other, so changing one leaves the others'
// data unchanged.
func (g *gen) stream(name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(uint64(g.opts.Seed), h.Sum64()))
}

// build generates the whole plan except health records, which are
// generated while they are written (see health.go).
func (g *gen) build(tick func(string, int, int)) error {
	g.buildRegions()
	g.genInstitutions(tick)
	g.genFees()
	g.genBans()
	g.genChildren(tick)
	g.genStaff(tick)
	g.genPopulation()
	g.genOversight()
	g.genIncidents()
	g.genSurveys()
	g.genTargets()
	g.instEnrols = make([][]int, len(g.insts))
	for i, e := range g.enrols {
		g.instEnrols[e.inst] = append(g.instEnrols[e.inst], i)
	}
	return g.verify()
}

// buildRegions flattens the scale's place tree, parents before children.
func (g *gen) buildRegions() {
	root := placesFor(g.opts.Scale)
	type item struct {
		p      *place
		parent int
	}
	queue := []item{{root, -1}}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		row := regionRow{
			code: it.p.code, name: it.p.name, level: it.p.level, parent: it.parent,
			lat: it.p.lat, lon: it.p.lon, weight: it.p.weight, county: it.p.county,
			city: -1, district: -1,
		}
		if it.parent >= 0 {
			pr := g.regions[it.parent]
			row.city, row.district = pr.city, pr.district
			if pr.level == region.LevelCITY {
				row.city = it.parent
			}
			if pr.level == region.LevelDISTRICT {
				row.district = it.parent
			}
		}
		idx := len(g.regions)
		g.regions = append(g.regions, row)
		if it.parent >= 0 {
			g.regions[it.parent].children = append(g.regions[it.parent].children, idx)
		}
		switch row.level {
		case region.LevelDISTRICT:
			g.districts = append(g.districts, idx)
		case region.LevelSUBDISTRICT:
			g.subdistricts = append(g.subdistricts, idx)
		}
		for _, c := range it.p.children {
			queue = append(queue, item{c, idx})
		}
	}
	for i, b := range g.districtBoundaries() {
		g.regions[i].boundary = b
	}
}

// cityName is the name of the city of region i (the province's when the
// tree has no city level), e.g. 沈阳市.
func (g *gen) cityName(i int) string {
	if c := g.regions[i].city; c >= 0 {
		return g.regions[c].name
	}
	return g.regions[0].name
}

// allocate spreads n institutions over the districts by population weight
// (largest remainder, so the counts add up exactly).
func (g *gen) allocate(n int) []int {
	w := make([]float64, len(g.districts))
	cityTotal := map[int]float64{}
	for _, d := range g.districts {
		cityTotal[g.regions[d].parent] += g.regions[d].weight
	}
	var cityWeights float64
	for _, c := range g.regions[0].children {
		cityWeights += g.regions[c].weight
	}
	var sum float64
	for k, d := range g.districts {
		dr := g.regions[d]
		share := dr.weight / cityTotal[dr.parent]
		if dr.city >= 0 {
			share *= g.regions[dr.city].weight / cityWeights
		}
		w[k] = share
		sum += share
	}
	out := make([]int, len(w))
	type rem struct {
		k int
		f float64
	}
	rems := make([]rem, len(w))
	given := 0
	for k := range w {
		exact := float64(n) * w[k] / sum
		out[k] = int(exact)
		given += out[k]
		rems[k] = rem{k, exact - float64(out[k])}
	}
	slices.SortStableFunc(rems, func(a, b rem) int {
		switch {
		case a.f > b.f:
			return -1
		case a.f < b.f:
			return 1
		}
		return 0
	})
	for i := 0; given < n; i++ {
		out[rems[i%len(rems)].k]++
		given++
	}
	return out
}

// pickWeighted returns an index of ws drawn in proportion to the weights.
func pickWeighted(r *rand.Rand, ws []float64) int {
	var sum float64
	for _, w := range ws {
		sum += w
	}
	u := r.Float64() * sum
	for i, w := range ws {
		if u < w {
			return i
		}
		u -= w
	}
	return len(ws) - 1
}

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// uniform returns a float in [a, b).
func uniform(r *rand.Rand, a, b float64) float64 { return a + r.Float64()*(b-a) }

// genInstitutions creates the institutions of every district with their
// seats, filings and designations.
func (g *gen) genInstitutions(tick func(string, int, int)) {
	r := g.stream("institutions")
	alloc := g.allocate(g.p.institutions)
	for k, d := range g.districts {
		tick("plan", k, len(g.districts))
		if chance(r, g.p.guidanceShare) {
			g.newInstitution(r, d, institution.FormGUIDANCE_CENTER)
		}
		county := g.regions[d].county
		for i := 0; i < alloc[k]; i++ {
			form := pickForm(r, county)
			if alloc[k] >= 10 && i < len(everyForm) {
				form = everyForm[i] // every sizeable district has one of each
			}
			g.newInstitution(r, d, form)
		}
	}
}

// everyForm lists the forms other than guidance centres.
var everyForm = []institution.Form{institution.FormCENTER, institution.FormKINDERGARTEN, institution.FormEMPLOYER, institution.FormCOMMUNITY, institution.FormHOME}

// pickForm draws the form of a (non-guidance) institution.
func pickForm(r *rand.Rand, county bool) institution.Form {
	ws := []float64{0.55, 0.20, 0.07, 0.10, 0.08}
	if county {
		ws = []float64{0.45, 0.30, 0.04, 0.10, 0.11}
	}
	return everyForm[pickWeighted(r, ws)]
}

// legalFor draws a legal nature and ownership model that fit the form.
func legalFor(r *rand.Rand, f institution.Form) (institution.LegalNature, institution.Ownership) {
	var legal institution.LegalNature
	switch f {
	case institution.FormGUIDANCE_CENTER:
		if chance(r, 0.7) {
			return institution.LegalNaturePUBLIC_UNIT, institution.OwnershipPUBLIC
		}
		return institution.LegalNatureNONPROFIT, institution.OwnershipPUBLIC_PRIVATE
	case institution.FormKINDERGARTEN:
		legal = []institution.LegalNature{institution.LegalNaturePUBLIC_UNIT, institution.LegalNatureNONPROFIT, institution.LegalNatureFOR_PROFIT}[pickWeighted(r, []float64{0.5, 0.2, 0.3})]
	case institution.FormEMPLOYER:
		legal = []institution.LegalNature{institution.LegalNaturePUBLIC_UNIT, institution.LegalNatureNONPROFIT, institution.LegalNatureFOR_PROFIT}[pickWeighted(r, []float64{0.2, 0.5, 0.3})]
	case institution.FormCOMMUNITY:
		legal = []institution.LegalNature{institution.LegalNaturePUBLIC_UNIT, institution.LegalNatureNONPROFIT, institution.LegalNatureFOR_PROFIT}[pickWeighted(r, []float64{0.2, 0.6, 0.2})]
	case institution.FormHOME:
		return institution.LegalNatureFOR_PROFIT, institution.OwnershipPRIVATE
	default:
		legal = []institution.LegalNature{institution.LegalNaturePUBLIC_UNIT, institution.LegalNatureNONPROFIT, institution.LegalNatureFOR_PROFIT}[pickWeighted(r, []float64{0.1, 0.25, 0.65})]
	}
	if legal == institution.LegalNaturePUBLIC_UNIT {
		return legal, institution.OwnershipPUBLIC
	}
	own := []institution.Ownership{institution.OwnershipPRIVATE, institution.OwnershipPUBLIC_PRIVATE, institution.OwnershipPRIVATE_SUBSIDISED}[pickWeighted(r, []float64{0.65, 0.2, 0.15})]
	return legal, own
}

// modesFor draws the service modes of an institution.
func modesFor(r *rand.Rand, f institution.Form) []schematype.ServiceMode {
	full, half, hourly, temp := true, false, false, false
	switch f {
	case institution.FormCENTER:
		half, hourly, temp = chance(r, 0.5), chance(r, 0.4), chance(r, 0.2)
	case institution.FormKINDERGARTEN, institution.FormEMPLOYER:
		half = chance(r, 0.2)
	case institution.FormCOMMUNITY:
		full, half, hourly, temp = chance(r, 0.3), chance(r, 0.6), true, chance(r, 0.7)
	case institution.FormHOME:
		half = chance(r, 0.3)
	case institution.FormGUIDANCE_CENTER:
		half, hourly, temp = true, true, true
	}
	var out []schematype.ServiceMode
	for _, m := range []struct {
		on   bool
		mode schematype.ServiceMode
	}{{full, schematype.ServiceModeFullDay}, {half, schematype.ServiceModeHalfDay}, {hourly, schematype.ServiceModeHourly}, {temp, schematype.ServiceModeTemporary}} {
		if m.on {
			out = append(out, m.mode)
		}
	}
	return out
}

// hasMode reports whether the institution offers mode m.
func (in *instRow) hasMode(m schematype.ServiceMode) bool { return slices.Contains(in.modes, m) }

// creditAlphabet is the GB 32100 code alphabet.
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCode returns a new, unique, valid unified social credit code for an
// institution registered in the district with the given 6-digit code.
func (g *gen) creditCode(r *rand.Rand, legal institution.LegalNature, form institution.Form, district string) string {
	prefix := "91" // 工商: enterprise
	switch {
	case legal == institution.LegalNaturePUBLIC_UNIT:
		prefix = "12" // 机构编制: 事业单位
	case legal == institution.LegalNatureNONPROFIT:
		prefix = "52" // 民政: 社会服务机构
	case form == institution.FormHOME:
		prefix = "92" // 工商: 个体工商户
	}
	for {
		b := []byte(prefix + district[:6])
		for i := 0; i < 9; i++ {
			if i == 8 || chance(r, 0.85) {
				b = append(b, creditAlphabet[r.IntN(10)])
			} else {
				b = append(b, creditAlphabet[10+r.IntN(len(creditAlphabet)-10)])
			}
		}
		check, err := ident.CreditCodeCheckChar(string(b))
		if err != nil {
			panic(err) // the alphabet above is the code alphabet
		}
		code := string(append(b, check))
		if !g.credits[code] {
			g.credits[code] = true
			return code
		}
	}
}

// idNumber returns a new, unique, valid resident identity number for a
// person born on birth, registered in the 6-digit area.
func (g *gen) idNumber(r *rand.Rand, area string, birth time.Time, male bool) string {
	for {
		seq := r.IntN(500) * 2
		if male {
			seq++
		}
		first := fmt.Sprintf("%s%s%03d", area[:6], birth.Format("20060102"), seq)
		check, err := ident.IDNumberCheckChar(first)
		if err != nil {
			panic(err)
		}
		id := first + string(check)
		if !g.issued[id] {
			g.issued[id] = true
			return id
		}
	}
}

// hashID returns the keyed hash and masked display form of an ID number.
func (g *gen) hashID(id string) (hash, masked string) {
	return g.opts.Hasher.Hash(id), pii.MaskIDNumber(id)
}

// class sizes: the national maxima per class type.
var classSize = map[seat.AgeBand]int{seat.AgeBandINFANT: 10, seat.AgeBandTODDLER: 15, seat.AgeBandPRESCHOOL: 20, seat.AgeBandMIXED: 18}

// newInstitution creates one institution in district d with its seats,
// filings and designations.
func (g *gen) newInstitution(r *rand.Rand, d int, form institution.Form) {
	dr := g.regions[d]
	subs := dr.children
	sub := subs[0]
	if form != institution.FormGUIDANCE_CENTER {
		ws := make([]float64, len(subs))
		for i, s := range subs {
			ws[i] = g.regions[s].weight
		}
		sub = subs[pickWeighted(r, ws)]
	}
	sr := g.regions[sub]
	in := instRow{region: sub, district: d, form: form, status: institution.StatusOPERATING}
	in.legal, in.own = legalFor(r, form)
	in.modes = modesFor(r, form)
	in.meals = in.hasMode(schematype.ServiceModeFullDay)
	in.noon = in.meals && chance(r, 0.3)

	// Opening: the sector grew after 2019, so most institutions are recent;
	// kindergartens are often much older than their 托班.
	horizon := months(g.asOf, -8*12)
	switch {
	case form == institution.FormGUIDANCE_CENTER:
		in.opened = between(r, months(g.asOf, -48), addDays(g.last, -200))
	case form == institution.FormKINDERGARTEN && chance(r, 0.5):
		in.opened = between(r, months(g.asOf, -25*12), horizon)
	default:
		span := daysBetween(horizon, addDays(g.last, -45))
		in.opened = addDays(horizon, int(math.Sqrt(r.Float64())*float64(span)))
	}
	if form != institution.FormGUIDANCE_CENTER && chance(r, 0.03) && daysBetween(in.opened, g.last) > 500 {
		in.closed = between(r, addDays(in.opened, 400), addDays(g.last, -20))
		in.status = institution.StatusCLOSED
	} else if chance(r, 0.01) {
		in.status = institution.StatusSUSPENDED
	}

	city := g.cityName(d)
	brand := brands[r.IntN(len(brands))]
	switch form {
	case institution.FormCENTER:
		in.name = fmt.Sprintf("%s%s%s（%s园）", dr.name, brand, centerKinds[r.IntN(len(centerKinds))], string([]rune(sr.name)[:2]))
	case institution.FormKINDERGARTEN:
		if chance(r, 0.5) {
			in.name = fmt.Sprintf("%s第%s%s", dr.name, []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}[r.IntN(10)], kgKinds[r.IntN(len(kgKinds))])
		} else {
			in.name = fmt.Sprintf("%s%s%s", dr.name, brand, kgKinds[r.IntN(len(kgKinds))])
		}
	case institution.FormEMPLOYER:
		in.name = fmt.Sprintf("%s%s%s", city, employers[r.IntN(len(employers))], employerTags[r.IntN(len(employerTags))])
	case institution.FormCOMMUNITY:
		in.name = fmt.Sprintf("%s%s社区%s", sr.name, streetRoots[r.IntN(len(streetRoots))], communityTag[r.IntN(len(communityTag))])
	case institution.FormHOME:
		in.name = fmt.Sprintf("%s%s%s家庭托育点", dr.name, sr.name, surname(r)+[]string{"老师", "阿姨", "妈妈"}[r.IntN(3)])
	case institution.FormGUIDANCE_CENTER:
		in.name = dr.name + []string{"托育综合服务中心", "婴幼儿照护服务指导中心"}[r.IntN(2)]
	}
	in.credit = g.creditCode(r, in.legal, form, dr.code)
	in.address = streetAddress(r, city+dr.name, sr.name)
	in.lat = math.Round((sr.lat+r.NormFloat64()*0.015)*1e6) / 1e6
	in.lon = math.Round((sr.lon+r.NormFloat64()*0.02)*1e6) / 1e6

	idx := len(g.insts)
	in.seatLo = len(g.seats)
	g.genSeats(r, &in, idx)
	in.seatHi = len(g.seats)
	hasSeats := in.seatHi > in.seatLo
	p := map[institution.Form]float64{
		institution.FormCENTER: 0.6, institution.FormKINDERGARTEN: 0.75, institution.FormEMPLOYER: 0.5,
		institution.FormCOMMUNITY: 0.75, institution.FormHOME: 0.3, institution.FormGUIDANCE_CENTER: 1,
	}[form]
	in.designated = hasSeats && chance(r, p)
	// Inclusive seats: most classes at designated institutions, a stray
	// few elsewhere (which the KPI must not count).
	for lo := in.seatLo; lo < in.seatHi; {
		hi := lo
		for hi < in.seatHi && g.seats[hi].band == g.seats[lo].band && g.seats[hi].opened.Equal(g.seats[lo].opened) && g.seats[hi].closed.Equal(g.seats[lo].closed) {
			hi++
		}
		incl := chance(r, 0.03)
		if in.designated {
			incl = in.own == institution.OwnershipPUBLIC || chance(r, 0.85)
		}
		for s := lo; s < hi; s++ {
			g.seats[s].inclusive = incl
		}
		lo = hi
	}
	in.usage = uniform(r, 0.45, 0.85)
	switch form {
	case institution.FormHOME:
		in.usage = uniform(r, 0.6, 1)
	case institution.FormGUIDANCE_CENTER:
		in.usage = uniform(r, 0.4, 0.7)
	}
	g.insts = append(g.insts, in)
	g.genFilings(r, idx)
	if in.designated {
		g.genDesignations(r, idx)
	}
}

// genSeats adds the seats of an institution, class by class.
func (g *gen) genSeats(r *rand.Rand, in *instRow, idx int) {
	type class struct {
		band seat.AgeBand
		size int
	}
	var classes []class
	bands := []seat.AgeBand{seat.AgeBandINFANT, seat.AgeBandTODDLER, seat.AgeBandPRESCHOOL, seat.AgeBandMIXED}
	add := func(n int, ws []float64) {
		for i := 0; i < n; i++ {
			b := bands[pickWeighted(r, ws)]
			size := int(math.Ceil(float64(classSize[b]) * uniform(r, 0.6, 1)))
			classes = append(classes, class{b, size})
		}
	}
	tuoban := false // a kindergarten whose 托班 later closed
	switch in.form {
	case institution.FormCENTER:
		add(2+r.IntN(6), []float64{0.15, 0.35, 0.35, 0.15})
	case institution.FormKINDERGARTEN:
		switch u := r.Float64(); {
		case u < 0.45:
			add(1+r.IntN(3), []float64{0, 0, 0.8, 0.2})
		case u < 0.55:
			add(1+r.IntN(2), []float64{0, 0, 0.8, 0.2})
			tuoban = true
		}
	case institution.FormEMPLOYER:
		add(1+r.IntN(4), []float64{0.15, 0.35, 0.35, 0.15})
	case institution.FormCOMMUNITY:
		add(1+r.IntN(2), []float64{0, 0.5, 0, 0.5})
	case institution.FormHOME:
		classes = append(classes, class{seat.AgeBandMIXED, 3 + r.IntN(3)})
	case institution.FormGUIDANCE_CENTER:
		add(2+r.IntN(4), []float64{0.2, 0.3, 0.3, 0.2})
	}
	for _, c := range classes {
		opened := in.opened
		switch {
		case in.form == institution.FormKINDERGARTEN:
			opened = between(r, maxDate(in.opened, months(g.asOf, -60)), addDays(g.last, -90))
		case chance(r, 0.2):
			opened = between(r, in.opened, addDays(g.last, -60))
		}
		if opened.Before(in.opened) {
			opened = in.opened
		}
		var closed time.Time
		if (tuoban || chance(r, 0.03)) && daysBetween(opened, g.last) > 200 {
			closed = between(r, addDays(opened, 180), addDays(g.last, -10))
		}
		if !in.closed.IsZero() {
			if !opened.Before(addDays(in.closed, -30)) {
				opened = in.opened
			}
			if closed.IsZero() || closed.After(in.closed) {
				closed = in.closed
			}
		}
		if !closed.IsZero() && !closed.After(opened) {
			closed = time.Time{}
			if !in.closed.IsZero() {
				closed = in.closed
			}
		}
		for i := 0; i < c.size; i++ {
			g.seats = append(g.seats, seatRow{inst: idx, band: c.band, opened: opened, closed: closed})
			g.seatBusy = append(g.seatBusy, nil)
		}
	}
}

// allDocs lists the filing documents; FOOD_LICENCE is last.
var allDocs = []schematype.FilingDocument{
	schematype.FilingDocumentBusinessLicence, schematype.FilingDocumentSiteProof, schematype.FilingDocumentStaffCredentials,
	schematype.FilingDocumentHygieneReport, schematype.FilingDocumentFireSafety, schematype.FilingDocumentFoodLicence,
}

// genFilings adds the 备案 history of institution i.
func (g *gen) genFilings(r *rand.Rand, i int) {
	in := &g.insts[i]
	never := 0.02
	switch in.form {
	case institution.FormHOME:
		never = 0.12
	case institution.FormCOMMUNITY:
		never = 0.06
	case institution.FormGUIDANCE_CENTER:
		never = 0
	}
	if in.form == institution.FormKINDERGARTEN && in.seatHi == in.seatLo {
		return // a kindergarten without 托班 does not file as a childcare provider
	}
	if chance(r, never) {
		return
	}
	docs := allDocs[:5]
	if in.meals {
		docs = allDocs
	}
	// Filing began with 国卫人口发〔2019〕25号 (October 2019); older
	// institutions filed during the following year or so.
	rules := minDate(time.Date(2019, 10, 8, 0, 0, 0, 0, time.UTC), months(g.asOf, -24))
	sub := between(r, addDays(in.opened, -45), addDays(in.opened, 60))
	if sub.Before(rules) {
		sub = between(r, rules, addDays(rules, 400))
	}
	sub = minDate(sub, addDays(g.last, -2))
	if !in.closed.IsZero() {
		sub = maxDate(minDate(sub, addDays(in.closed, -60)), addDays(in.opened, -45))
	}
	f := filingRow{inst: i, submitted: sub, docs: docs, status: filing.StatusFILED}
	receipt := addWorkdays(sub, 1+r.IntN(5))
	switch u := r.Float64(); {
	case !in.closed.IsZero():
		f.status, f.receipt = filing.StatusCANCELLED, minDate(receipt, g.last)
	case in.form != institution.FormGUIDANCE_CENTER && u < 0.03:
		f.submitted = between(r, addDays(g.last, -10), g.last)
		f.status = filing.StatusSUBMITTED
	case in.form != institution.FormGUIDANCE_CENTER && u < 0.07:
		f.status = filing.StatusNONCOMPLIANT
		f.docs = slices.DeleteFunc(slices.Clone(docs), func(d schematype.FilingDocument) bool { return d == schematype.FilingDocumentFireSafety })
		f.notified = addWorkdays(sub, 5+r.IntN(11))
		if f.notified.After(g.last) {
			f.status, f.notified = filing.StatusSUBMITTED, time.Time{}
			break
		}
		if chance(r, 0.5) { // resubmitted with the missing document
			sub2 := addDays(f.notified, 10+r.IntN(80))
			if rec2 := addWorkdays(sub2, 1+r.IntN(5)); !rec2.After(g.last) {
				g.filings = append(g.filings, f)
				f = filingRow{inst: i, submitted: sub2, receipt: rec2, docs: docs, status: filing.StatusFILED}
			}
		}
	case u < 0.12:
		f.status, f.receipt = filing.StatusCHANGED, receipt
	default:
		f.receipt = receipt
	}
	if !f.receipt.IsZero() && f.receipt.After(g.last) {
		f.status, f.receipt = filing.StatusSUBMITTED, time.Time{}
	}
	g.filings = append(g.filings, f)
}

// genDesignations adds the 普惠 designations of institution i.
func (g *gen) genDesignations(r *rand.Rand, i int) {
	in := &g.insts[i]
	cat := inclusivedesignation.CategorySOCIAL_INCLUSIVE
	public := in.own == institution.OwnershipPUBLIC
	switch {
	case in.form == institution.FormKINDERGARTEN && public:
		cat = inclusivedesignation.CategoryPUBLIC_KINDERGARTEN_CLASS
	case in.form == institution.FormKINDERGARTEN:
		cat = inclusivedesignation.CategoryPRIVATE_INCLUSIVE_KINDERGARTEN_CLASS
	case public:
		cat = inclusivedesignation.CategoryPUBLIC_INSTITUTION
	}
	dr := g.regions[in.district]
	by := dr.name + "卫生健康委员会"
	if chance(r, 0.2) {
		by = g.cityName(in.district) + "卫生健康委员会"
	}
	first := g.insts[i].opened
	if s := months(g.asOf, -6*12); first.Before(s) {
		first = s
	}
	from := between(r, addDays(first, 30), addDays(first, 540))
	if from.After(addDays(g.last, -5)) {
		from = between(r, first, addDays(g.last, -5))
	}
	end := in.closed
	add := func(from, to time.Time) {
		if !end.IsZero() {
			if !from.Before(end) {
				return
			}
			if to.IsZero() || to.After(end) {
				to = end
			}
		}
		g.desigs = append(g.desigs, desigRow{inst: i, from: from, to: to, category: cat, by: by})
	}
	switch u := r.Float64(); {
	case u < 0.55:
		add(from, time.Time{})
	case u < 0.75: // three-year term; renewed half the time when it ran out
		to := months(from, 36)
		add(from, to)
		if !to.After(g.last) && chance(r, 0.5) {
			add(to, time.Time{})
		}
	case u < 0.87: // revoked or not renewed: lapsed
		if daysBetween(from, g.last) > 200 {
			add(from, between(r, addDays(from, 180), g.last))
		} else {
			add(from, time.Time{})
		}
	default:
		add(from, months(from, 36))
	}
}
