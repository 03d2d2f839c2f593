package ingest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/banlistentry"
	"github.com/tuoyu/tuoyu/ent/certification"
	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/complaint"
	"github.com/tuoyu/tuoyu/ent/enrolment"
	"github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/finding"
	"github.com/tuoyu/tuoyu/ent/healthrecord"
	"github.com/tuoyu/tuoyu/ent/incident"
	"github.com/tuoyu/tuoyu/ent/inclusivedesignation"
	"github.com/tuoyu/tuoyu/ent/inspection"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/populationstat"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/ent/staff"
	"github.com/tuoyu/tuoyu/ent/survey"
	"github.com/tuoyu/tuoyu/ent/target"
)

// writers is who may import an entity (the ent policies' writers).
type writers int

const (
	regulatorWrite writers = iota
	staffWrite
	provinceWrite // the national working-day calendar
)

// datePair is a date order rule: to after from (on or after with sameDay),
// as the schema's orderedDatesHook enforces.
type datePair struct {
	from, to string
	sameDay  bool
}

// handler is what import knows of one entity beyond its registry columns.
type handler struct {
	writers    writers
	identity   bool                         // needs Options.Hasher
	validators map[string]func(any) error   // field → the schema's validator
	order      []datePair                   // date order rules
	row        func(b *batch, r *row)       // other per-row rules
	resolve    func(b *batch) error         // references only this entity has
	key        func(b *batch, r *row) []any // natural key in stored terms
	load       func(b *batch, rows []*row) ([]any, error)
	storedKey  func(x any) []any
	create     func(c *ent.Client) ent.Mutation
	update     func(c *ent.Client, id int) ent.Mutation
	set        func(b *batch, r *row, m ent.Mutation, update bool)
	check      func(b *batch) error // rules across rows, after match
	plan       func(b *batch, rows []*row) error
	sort       func(b *batch, rows []*row)
	writeRow   func(b *batch, ctx context.Context, c *ent.Client, r *row) error
	created    func(b *batch, r *row, v ent.Value)
	// bulk inserts n new rows in one statement (ent MapCreateBulk), fill
	// setting the mutation of the i-th; nil = row by row.
	bulk func(ctx context.Context, c *ent.Client, n int, fill func(i int, m ent.Mutation)) error
	// afterWrite runs in the import's transaction after every row is
	// written (the work calendar removes the days a year no longer lists).
	afterWrite func(b *batch, tx *ent.Tx) error
	// chunked: the only rule across rows is the key, so the file is checked
	// and written in chunks, never held whole (importChunked).
	chunked bool
}

var handlers map[string]*handler

func init() {
	handlers = map[string]*handler{
		"regions":                regionsHandler(),
		"population_stats":       populationHandler(),
		"institutions":           institutionsHandler(),
		"filings":                filingsHandler(),
		"inclusive_designations": designationsHandler(),
		"seats":                  seatsHandler(),
		"staff":                  staffHandler(),
		"certifications":         certificationsHandler(),
		"ban_list":               banListHandler(),
		"children":               childrenHandler(),
		"enrolments":             enrolmentsHandler(),
		"health_records":         healthRecordsHandler(),
		"inspections":            inspectionsHandler(),
		"findings":               findingsHandler(),
		"complaints":             complaintsHandler(),
		"incidents":              incidentsHandler(),
		"surveys":                surveysHandler(),
		"targets":                targetsHandler(),
		"work_calendar":          workCalendarHandler(),
	}
}

// Validator adapters from parsed cell values to the generated validators.
func vStr(f func(string) error) func(any) error {
	return func(v any) error {
		if s, ok := v.(string); ok {
			return f(s)
		}
		return nil
	}
}

func vInt(f func(int) error) func(any) error {
	return func(v any) error {
		if n, ok := v.(int64); ok {
			return f(int(n))
		}
		return nil
	}
}

func vInt64(f func(int64) error) func(any) error {
	return func(v any) error {
		if n, ok := v.(int64); ok {
			return f(n)
		}
		return nil
	}
}

func vFloat(f func(float64) error) func(any) error {
	return func(v any) error {
		if n, ok := v.(float64); ok {
			return f(n)
		}
		return nil
	}
}

// anys converts typed ent rows to []any.
func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// loadBy queries stored rows in chunks of the distinct ints ids.
func loadBy(ids []int, q func([]int) ([]any, error)) ([]any, error) {
	var out []any
	err := inChunks(ids, func(c []int) error {
		xs, err := q(c)
		out = append(out, xs...)
		return err
	})
	return out, err
}

func instIDs(rows []*row) []int {
	return distinct(rows, func(r *row) (int, bool) { return r.inst, r.inst != 0 })
}

func regionIDsOf(rows []*row) []int {
	return distinct(rows, func(r *row) (int, bool) { return r.regionID, r.regionID != 0 })
}

// Optional setters: an empty cell leaves a new row's field unset and clears
// a stored one (the file is the record's truth).
func optDate(b *batch, r *row, field string, update bool, set func(time.Time), clear func()) {
	if t, ok := b.date(r, field); ok {
		set(t)
	} else if update && b.present(field) {
		clear()
	}
}

func optStr(b *batch, r *row, field string, update bool, set func(string), clear func()) {
	if s := b.str(r, field); s != "" {
		set(s)
	} else if update && b.present(field) {
		clear()
	}
}

func optFloat(b *batch, r *row, field string, update bool, set func(float64), clear func()) {
	if f, ok := b.dec(r, field); ok {
		set(f)
	} else if update && b.present(field) {
		clear()
	}
}

func optInt(b *batch, r *row, field string, update bool, set func(int), clear func()) {
	if n, ok := b.num(r, field); ok {
		set(int(n))
	} else if update && b.present(field) {
		clear()
	}
}

func mustDate(b *batch, r *row, field string) time.Time { t, _ := b.date(r, field); return t }
func mustInt(b *batch, r *row, field string) int        { n, _ := b.num(r, field); return int(n) }
func mustFloat(b *batch, r *row, field string) float64  { f, _ := b.dec(r, field); return f }

// strOr is field's text, or def when the cell is empty.
func strOr(b *batch, r *row, field, def string) string {
	if s := b.str(r, field); s != "" {
		return s
	}
	return def
}

func regionsHandler() *handler {
	level := map[string]int{"PROVINCE": 0, "CITY": 1, "DISTRICT": 2, "SUBDISTRICT": 3}
	return &handler{
		validators: map[string]func(any) error{"name": vStr(region.NameValidator)},
		row: func(b *batch, r *row) {
			if code := b.str(r, "code"); code != "" && region.CodeValidator(code) != nil {
				b.fail(r, "code", CodeInvalid, "must be a GB/T 2260 region code (6, 9 or 12 digits)")
			}
			if lv := b.str(r, "level"); lv != "" && lv != "PROVINCE" && b.str(r, "parentCode") == "" {
				b.fail(r, "parentCode", CodeInvalid, "is required below province level")
			}
		},
		key: func(b *batch, r *row) []any { return []any{b.str(r, "code")} },
		load: func(b *batch, rows []*row) ([]any, error) {
			codes := distinct(rows, func(r *row) (string, bool) { return b.str(r, "code"), true })
			var out []any
			err := inChunks(codes, func(c []string) error {
				xs, err := b.client.Region.Query().Where(region.CodeIn(c...)).Order(ent.Asc(region.FieldID)).All(b.sys)
				out = append(out, anys(xs)...)
				return err
			})
			return out, err
		},
		storedKey: func(x any) []any { return []any{x.(*ent.Region).Code} },
		create:    func(c *ent.Client) ent.Mutation { return c.Region.Create().Mutation() },
		update:    func(c *ent.Client, id int) ent.Mutation { return c.Region.UpdateOneID(id).Mutation() },
		set: func(b *batch, r *row, mm ent.Mutation, update bool) {
			m := mm.(*ent.RegionMutation)
			m.SetCode(b.str(r, "code"))
			m.SetName(b.str(r, "name"))
			m.SetLevel(region.Level(b.str(r, "level")))
			if p := b.str(r, "parentCode"); p != "" {
				if id := b.regionIDs[p]; id != 0 {
					m.SetParentID(id)
				} else {
					m.SetParentID(-1) // parent created later in the file: sort prevents this
				}
			} else if update {
				m.ClearParentID()
			}
		},
		check: regionCycles,
		// Parents before children, whatever the file's order.
		sort: func(b *batch, rows []*row) {
			sortRows(rows, func(x, y *row) bool { return level[b.str(x, "level")] < level[b.str(y, "level")] })
		},
		created: func(b *batch, r *row, v ent.Value) {
			if x, ok := v.(*ent.Region); ok {
				b.regionIDs[x.Code] = x.ID
			}
		},
	}
}

// regionCycles refuses a row whose parentCode makes the region its own
// ancestor (itself, or a region below it in the file or the database):
// the tree would lose a branch, and every KPI that sums a region's
// descendants would loop. The file's parents replace the stored ones of the
// regions it lists.
func regionCycles(b *batch) error {
	parent := map[string]string{} // code → parent code, the file's rows first
	for _, r := range b.rows {
		if code := b.str(r, "code"); code != "" {
			parent[code] = b.str(r, "parentCode")
		}
	}
	// The stored ancestors of the parents the file names, level by level
	// (a handful of queries: the tree is four levels deep).
	var frontier []string
	for _, p := range parent {
		if _, ok := parent[p]; !ok && p != "" {
			frontier = append(frontier, p)
			parent[p] = ""
		}
	}
	for depth := 0; len(frontier) > 0 && depth < 16; depth++ {
		var next []string
		err := inChunks(frontier, func(c []string) error {
			xs, err := b.client.Region.Query().Where(region.CodeIn(c...)).
				WithParent(func(q *ent.RegionQuery) { q.Select(region.FieldID, region.FieldCode) }).
				Select(region.FieldID, region.FieldCode, region.FieldParentID).All(b.sys)
			for _, x := range xs {
				if x.Edges.Parent == nil {
					continue
				}
				p := x.Edges.Parent.Code
				parent[x.Code] = p
				if _, ok := parent[p]; !ok {
					parent[p] = ""
					next = append(next, p)
				}
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("region parents: %w", err)
		}
		frontier = next
	}
	for _, r := range b.rows {
		code := b.str(r, "code")
		p := b.str(r, "parentCode")
		for steps := 0; p != "" && steps <= len(parent); steps++ {
			if p == code {
				b.fail(r, "parentCode", CodeInvalid, "makes the region its own parent or ancestor; a region's parent must be a region above it")
				break
			}
			p = parent[p]
		}
	}
	return nil
}

func populationHandler() *handler {
	return &handler{
		validators: map[string]func(any) error{
			"year": vInt(populationstat.YearValidator), "residentPopulation": vInt64(populationstat.ResidentPopulationValidator),
			"under3Population": vInt64(populationstat.Under3PopulationValidator), "births": vInt64(populationstat.BirthsValidator),
			"source": vStr(populationstat.SourceValidator),
		},
		key: func(b *batch, r *row) []any { return []any{r.regionID, mustInt(b, r, "year")} },
		load: func(b *batch, rows []*row) ([]any, error) {
			return loadBy(regionIDsOf(rows), func(ids []int) ([]any, error) {
				xs, err := b.client.PopulationStat.Query().Where(populationstat.RegionIDIn(ids...)).Order(ent.Asc(populationstat.FieldID)).All(b.sys)
				return anys(xs), err
			})
		},
		storedKey: func(x any) []any { p := x.(*ent.PopulationStat); return []any{p.RegionID, p.Year} },
		create:    func(c *ent.Client) ent.Mutation { return c.PopulationStat.Create().Mutation() },
		update:    func(c *ent.Client, id int) ent.Mutation { return c.PopulationStat.UpdateOneID(id).Mutation() },
		set: func(b *batch, r *row, mm ent.Mutation, update bool) {
			m := mm.(*ent.PopulationStatMutation)
			m.SetRegionID(r.regionID)
			m.SetYear(mustInt(b, r, "year"))
			n, _ := b.num(r, "residentPopulation")
			m.SetResidentPopulation(n)
			u, _ := b.num(r, "under3Population")
			m.SetUnder3Population(u)
			if v, ok := b.num(r, "births"); ok {
				m.SetBirths(v)
			} else if update && b.present("births") {
				m.ClearBirths()
			}
			optStr(b, r, "source", update, m.SetSource, m.ClearSource)
		},
	}
}

func institutionsHandler() *handler {
	return &handler{
		validators: map[string]func(any) error{
			"name": vStr(institution.NameValidator), "address": vStr(institution.AddressValidator),
			"latitude": vFloat(institution.LatitudeValidator), "longitude": vFloat(institution.LongitudeValidator),
		},
		order: []datePair{{from: "openedAt", to: "closedAt"}},
		row: func(b *batch, r *row) {
			if s := b.str(r, "creditCode"); s != "" && institution.CreditCodeValidator(s) != nil {
				b.fail(r, "creditCode", CodeInvalid, "must be an 18-character 统一社会信用代码 with a valid check character")
			}
		},
		key: func(b *batch, r *row) []any { return []any{b.str(r, "creditCode")} },
		load: func(b *batch, rows []*row) ([]any, error) {
			codes := distinct(rows, func(r *row) (string, bool) { return b.str(r, "creditCode"), true })
			var out []any
			err := inChunks(codes, func(c []string) error {
				xs, err := b.client.Institution.Query().Where(institution.CreditCodeIn(c...)).
					WithRegion(func(q *ent.RegionQuery) { q.Select(region.FieldID, region.FieldCode) }).All(b.sys)
				out = append(out, anys(xs)...)
				return err
			})
			return out, err
		},
		storedKey: func(x any) []any { return []any{x.(*ent.Institution).CreditCode} },
		create:    func(c *ent.Client) ent.Mutation { return c.Institution.Create().Mutation() },
		update:    func(c *ent.Client, id int) ent.Mutation { return c.Institution.UpdateOneID(id).Mutation() },
		set: func(b *batch, r *row, mm ent.Mutation, update bool) {
			m := mm.(*ent.InstitutionMutation)
			m.SetCreditCode(b.str(r, "creditCode"))
			m.SetName(b.str(r, "name"))
			m.SetForm(institution.Form(b.str(r, "form")))
			m.SetLegalNature(institution.LegalNature(b.str(r, "legalNature")))
			m.SetOwnership(institution.Ownership(b.str(r, "ownership")))
			modes, _ := b.val(r, "serviceModes").([]string)
			sm := make([]schematype.ServiceMode, len(modes))
			for i, s := range modes {
				sm[i] = schematype.ServiceMode(s)
			}
			m.SetServiceModes(sm)
			m.SetRegionID(r.regionID)
			optStr(b, r, "address", update, m.SetAddress, m.ClearAddress)
			optFloat(b, r, "latitude", update, m.SetLatitude, m.ClearLatitude)
			optFloat(b, r, "longitude", update, m.SetLongitude, m.ClearLongitude)
			if s := b.str(r, "status"); s != "" || !update || b.present("status") {
				m.SetStatus(institution.Status(strOr(b, r, "status", "OPERATING")))
			}
			m.SetOpenedAt(mustDate(b, r, "openedAt"))
			optDate(b, r, "closedAt", update, m.SetClosedAt, m.ClearClosedAt)
		},
		// Moving a stored institution needs its current region in scope too.
		check: func(b *batch) error {
			for _, r := range b.rows {
				if r.bad || r.existing == nil || !b.v.IsRegulator() {
					continue
				}
				if reg := r.existing.(*ent.Institution).Edges.Region; reg != nil && !b.v.InRegion(reg.Code) {
					b.fail(r, "creditCode", CodeForbidden, "names an institution outside the viewer's region")
				}
			}
			return nil
		},
	}
}

func filingsHandler() *handler {
	return &handler{
		validators: map[string]func(any) error{"receiptNumber": vStr(filing.ReceiptNumberValidator)},
		order:      []datePair{{from: "submittedAt", to: "receiptAt", sameDay: true}, {from: "submittedAt", to: "noncomplianceNotifiedAt", sameDay: true}},
		key:        func(b *batch, r *row) []any { return []any{r.inst, mustDate(b, r, "submittedAt")} },
		load: func(b *batch, rows []*row) ([]any, error) {
			return loadBy(instIDs(rows), func(ids []int) ([]any, error) {
				xs, err := b.client.Filing.Query().Where(filing.InstitutionIDIn(ids...)).Order(ent.Asc(filing.FieldID)).All(b.sys)
				return anys(xs), err
			})
		},
		storedKey: func(x any) []any { f := x.(*ent.Filing); return []any{f.InstitutionID, f.SubmittedAt} },
		create:    func(c *ent.Client) ent.Mutation { return c.Filing.Create().Mutation() },
		update:    func(c *ent.Client, id int) ent.Mutation { return c.Filing.UpdateOneID(id).Mutation() },
		set: func(b *batch, r *row, mm ent.Mutation, update bool) {
			m := mm.(*ent.FilingMutation)
			m.SetInstitutionID(r.inst)
			m.SetSubmittedAt(mustDate(b, r, "submittedAt"))
			m.SetStatus(filing.Status(b.str(r, "status")))
			optDate(b, r, "receiptAt", update, m.SetReceiptAt, m.ClearReceiptAt)
			optStr(b, r, "receiptNumber", update, m.SetReceiptNumber, m.ClearReceiptNumber)
			optDate(b, r, "noncomplianceNotifiedAt", update, m.SetNoncomplianceNotifiedAt, m.ClearNoncomplianceNotifiedAt)
		},
	}
}

func designationsHandler() *handler {
	return &handler{
		validators: map[string]func(any) error{"designatedBy": vStr(inclusivedesignation.DesignatedByValidator)},
		order:      []datePair{{from: "validFrom", to: "validTo"}},
		key: func(b *batch, r *row) []any {
			return []any{r.inst, b.str(r, "category"), mustDate(b, r, "validFrom")}
		},
		load: func(b *batch, rows []*row) ([]any, error) {
			return loadBy(instIDs(rows), func(ids []int) ([]any, error) {
				xs, err := b.client.InclusiveDesignation.Query().Where(inclusivedesignation.InstitutionIDIn(ids...)).Order(ent.Asc(inclusivedesignation.FieldID)).All(b.sys)
				return anys(xs), err
			})
		},
		storedKey: func(x any) []any {
			d := x.(*ent.InclusiveDesignation)
			return []any{d.InstitutionID, d.Category, d.ValidFrom}
		},
		create: func(c *ent.Client) ent.Mutation { return c.InclusiveDesignation.Create().Mutation() },
		update: func(c *ent.Client, id int) ent.Mutation { return c.InclusiveDesignation.UpdateOneID(id).Mutation() },
		set: func(b *batch, r *row, mm ent.Mutation, update bool) {
			m := mm.(*ent.InclusiveDesignationMutation)
			m.SetInstitutionID(r.inst)
			m.SetCategory(inclusivedesignation.Category(b.str(r, "category")))
			m.SetValidFrom(mustDate(b, r, "validFrom"))
			optDate(b, r, "validTo", update, m.SetValidTo, m.ClearValidTo)
			m.SetDesignatedBy(b.str(r, "designatedBy"))
		},
	}
}

func staffHandler() *handler {
	return &handler{
		writers:    staffWrite,
		identity:   true,
		validators: map[string]func(any) error{"name": vStr(staff.NameValidator)},
		order:      []datePair{{from: "hiredAt", to: "leftAt"}},
		row: func(b *batch, r *row) {
			if _, h, masked, ok := b.document(r, "", "idNumber"); ok {
				r.hash, r.masked = h, masked
			}
		},
		key: func(b *batch, r *row) []any { return []any{r.inst, r.hash} },
		load: func(b *batch, rows []*row) ([]any, error) {
			return loadBy(instIDs(rows), func(ids []int) ([]any, error) {
				xs, err := b.client.Staff.Query().Where(staff.InstitutionIDIn(ids...)).Order(ent.Asc(staff.FieldID)).All(b.sys)
				return anys(xs), err
			})
		},
		storedKey: func(x any) []any { s := x.(*ent.Staff); return []any{s.InstitutionID, s.IDNumberHash} },
		create:    func(c *ent.Client) ent.Mutation { return c.Staff.Create().Mutation() },
		update:    func(c *ent.Client, id int) ent.Mutation { return c.Staff.UpdateOneID(id).Mutation() },
		set: func(b *batch, r *row, mm ent.Mutation, update bool) {
			m := mm.(*ent.StaffMutation)
			m.SetInstitutionID(r.inst)
			if !update {
				m.SetIDNumberHash(r.hash)
				m.SetIDNumberMasked(r.masked)
			}
			m.SetName(b.str(r, "name"))
			m.SetRole(staff.Role(b.str(r, "role")))
			m.SetHiredAt(mustDate(b, r, "hiredAt"))
			optDate(b, r, "leftAt", update, m.SetLeftAt, m.ClearLeftAt)
			optDate(b, r, "healthCertificateValidUntil", update, m.SetHealthCertificateValidUntil, m.ClearHealthCertificateValidUntil)
		},
		check: checkBanList,
	}
}

func certificationsHandler() *handler {
	return &handler{
		writers:  staffWrite,
		identity: true,
		validators: map[string]func(any) error{
			"level": vInt(certification.LevelValidator), "number": vStr(certification.NumberValidator), "issuer": vStr(certification.IssuerValidator),
		},
		order: []datePair{{from: "issuedAt", to: "expiresAt"}},
		key:   func(b *batch, r *row) []any { return []any{b.str(r, "type"), b.str(r, "number")} },
		load: func(b *batch, rows []*row) ([]any, error) {
			nums := distinct(rows, func(r *row) (string, bool) { return b.str(r, "number"), true })
			var out []any
			err := inChunks(nums, func(c []string) error {
				xs, err := b.client.Certification.Query().Where(certification.NumberIn(c...)).
					WithStaff(func(q *ent.StaffQuery) { q.Select(staff.FieldID, staff.FieldInstitutionID) }).
					Order(ent.Asc(certification.FieldID)).All(b.sys)
				out = append(out, anys(xs)...)
				return err
			})
			return out, err
		},
		storedKey: func(x any) []any { c := x.(*ent.Certification); return []any{c.Type, c.Number} },
		create:    func(c *ent.Client) ent.Mutation { return c.Certification.Create().Mutation() },
		update:    func(c *ent.Client, id int) ent.Mutation { return c.Certification.UpdateOneID(id).Mutation() },
		set: func(b *batch, r *row, mm ent.Mutation, update bool) {
			m := mm.(*ent.CertificationMutation)
			m.SetStaffID(r.staff)
			m.SetType(certification.Type(b.str(r, "type")))
			m.SetNumber(b.str(r, "number"))
			optInt(b, r, "level", update, m.SetLevel, m.ClearLevel)
			m.SetIssuer(b.str(r, "issuer"))
			m.SetIssuedAt(mustDate(b, r, "issuedAt"))
			optDate(b, r, "expiresAt", update, m.SetExpiresAt, m.ClearExpiresAt)
		},
		// A stored certificate held at another institution is not this viewer's to rewrite.
		check: func(b *batch) error {
			for _, r := range b.rows {
				if r.bad || r.existing == nil || b.v.Role != "INSTITUTION_STAFF" {
					continue
				}
				if s := r.existing.(*ent.Certification).Edges.Staff; s != nil && s.InstitutionID != b.v.InstitutionID {
					b.fail(r, "number", CodeForbidden, "names a certificate of another institution's staff")
				}
			}
			return nil
		},
	}
}

func banListHandler() *handler {
	return &handler{
		identity:   true,
		validators: map[string]func(any) error{"basis": vStr(banlistentry.BasisValidator)},
		row: func(b *batch, r *row) {
			if _, h, masked, ok := b.document(r, "", "idNumber"); ok {
				r.hash, r.masked = h, masked
			}
		},
		key: func(b *batch, r *row) []any { return []any{r.hash} },
		load: func(b *batch, rows []*row) ([]any, error) {
			hs := distinct(rows, func(r *row) (string, bool) { return r.hash, r.hash != "" })
			var out []any
			err := inChunks(hs, func(c []string) error {
				xs, err := b.client.BanListEntry.Query().Where(banlistentry.IDNumberHashIn(c...)).Order(ent.Asc(banlistentry.FieldID)).All(b.sys)
				out = append(out, anys(xs)...)
				return err
			})
			return out, err
		},
		storedKey: func(x any) []any { return []any{x.(*ent.BanListEntry).IDNumberHash} },
		create:    func(c *ent.Client) ent.Mutation { return c.BanListEntry.Create().Mutation() },
		update:    func(c *ent.Client, id int) ent.Mutation { return c.BanListEntry.UpdateOneID(id).Mutation() },
		set: func(b *batch, r *row, mm ent.Mutation, update bool) {
			m := mm.(*ent.BanListEntryMutation)
			if !update {
				m.SetIDNumberHash(r.hash)
				m.SetIDNumberMasked(r.masked)
			}
			m.SetBasis(b.str(r, "basis"))
			m.SetDecidedAt(mustDate(b, r, "decidedAt"))
		},
	}
}

func childrenHandler() *handler {
	return &handler{
		writers:  staffWrite,
		identity: true,
		validators: map[string]func(any) error{
			"name": vStr(child.NameValidator), "guardianName": vStr(child.GuardianNameValidator), "guardianPhone": vStr(child.GuardianPhoneValidator),
		},
		row: func(b *batch, r *row) {
			if strings.Contains(b.str(r, "name"), "*") {
				b.fail(r, "name", CodeInvalid, maskedName)
			}
			if b.str(r, "idNumber") == "" {
				// A child without a document (README "Import"): named by
				// name and birth date, matched in load.
				if b.str(r, "idDocumentType") != "" {
					b.fail(r, "idNumber", CodeInvalid, "is required with idDocumentType")
				}
				return
			}
			if t, h, masked, ok := b.document(r, "idDocumentType", "idNumber"); ok {
				r.docType, r.hash, r.masked = t, h, masked
			}
		},
		key: func(b *batch, r *row) []any {
			switch {
			case r.hash != "":
				return []any{r.hash}
			case r.child != 0:
				return []any{"child", r.child}
			}
			birth, _ := b.date(r, "birthDate")
			return []any{"new", b.str(r, "name"), birth}
		},
		load: func(b *batch, rows []*row) ([]any, error) {
			hs := distinct(rows, func(r *row) (string, bool) { return r.hash, r.hash != "" })
			var out []any
			err := inChunks(hs, func(c []string) error {
				xs, err := b.client.Child.Query().Where(child.IDNumberHashIn(c...)).All(b.sys)
				out = append(out, anys(xs)...)
				return err
			})
			if err != nil {
				return nil, err
			}
			more, err := b.matchDocless(rows)
			return append(out, more...), err
		},
		storedKey: func(x any) []any {
			if c := x.(*ent.Child); c.IDNumberHash == "" {
				return []any{"child", c.ID}
			}
			return []any{x.(*ent.Child).IDNumberHash}
		},
		create: func(c *ent.Client) ent.Mutation { return c.Child.Create().Mutation() },
		update: func(c *ent.Client, id int) ent.Mutation { return c.Child.UpdateOneID(id).Mutation() },
		set: func(b *batch, r *row, mm ent.Mutation, update bool) {
			m := mm.(*ent.ChildMutation)
			if !update && r.hash != "" {
				m.SetIDDocumentType(child.IDDocumentType(r.docType))
				m.SetIDNumberHash(r.hash)
				m.SetIDNumberMasked(r.masked)
			}
			if !update {
				if b.v.Role == "INSTITUTION_STAFF" {
					m.SetRegisteredByInstitutionID(b.v.InstitutionID)
				}
			}
			m.SetName(b.str(r, "name"))
			m.SetSex(child.Sex(b.str(r, "sex")))
			m.SetBirthDate(mustDate(b, r, "birthDate"))
			optStr(b, r, "guardianName", update, m.SetGuardianName, m.ClearGuardianName)
			optStr(b, r, "guardianPhone", update, m.SetGuardianPhone, m.ClearGuardianPhone)
			if r.regionID != 0 {
				m.SetResidenceRegionID(r.regionID)
			} else if update && b.present("residenceRegionCode") {
				m.ClearResidenceRegionID()
			}
		},
		check: checkChildOwner,
		bulk: func(ctx context.Context, c *ent.Client, n int, fill func(int, ent.Mutation)) error {
			return c.Child.MapCreateBulk(make([]struct{}, n), func(x *ent.ChildCreate, i int) { fill(i, x.Mutation()) }).Exec(ctx)
		},
	}
}

func enrolmentsHandler() *handler {
	return &handler{
		writers:  staffWrite,
		identity: true,
		order:    []datePair{{from: "startDate", to: "endDate"}},
		row: func(b *batch, r *row) {
			if b.val(r, "exitReason") != nil && b.val(r, "endDate") == nil {
				b.fail(r, "exitReason", CodeInvalid, "is given only with endDate")
			}
		},
		key: func(b *batch, r *row) []any { return []any{r.inst, r.child, mustDate(b, r, "startDate")} },
		load: func(b *batch, rows []*row) ([]any, error) {
			return loadBy(instIDs(rows), func(ids []int) ([]any, error) {
				xs, err := b.client.Enrolment.Query().Where(enrolment.InstitutionIDIn(ids...)).Order(ent.Asc(enrolment.FieldID)).All(b.sys)
				return anys(xs), err
			})
		},
		storedKey: func(x any) []any { e := x.(*ent.Enrolment); return []any{e.InstitutionID, e.ChildID, e.StartDate} },
		create:    func(c *ent.Client) ent.Mutation { return c.Enrolment.Create().Mutation() },
		update:    func(c *ent.Client, id int) ent.Mutation { return c.Enrolment.UpdateOneID(id).Mutation() },
		set: func(b *batch, r *row, mm ent.Mutation, update bool) {
			m := mm.(*ent.EnrolmentMutation)
			if !update {
				m.SetChildID(r.child)
				m.SetInstitutionID(r.inst)
			}
			m.SetStartDate(mustDate(b, r, "startDate"))
			m.SetServiceMode(schematype.ServiceMode(b.str(r, "serviceMode")))
			optDate(b, r, "endDate", update, m.SetEndDate, m.ClearEndDate)
			if s := b.str(r, "exitReason"); s != "" {
				m.SetExitReason(enrolment.ExitReason(s))
			} else if update && b.present("exitReason") {
				m.ClearExitReason()
			}
		},
		check: checkEnrolments,
		bulk: func(ctx context.Context, c *ent.Client, n int, fill func(int, ent.Mutation)) error {
			return c.Enrolment.MapCreateBulk(make([]struct{}, n), func(x *ent.EnrolmentCreate, i int) { fill(i, x.Mutation()) }).Exec(ctx)
		},
	}
}

func healthRecordsHandler() *handler {
	return &handler{
		writers:  staffWrite,
		identity: true,
		validators: map[string]func(any) error{
			"heightCm": vFloat(healthrecord.HeightCmValidator), "weightKg": vFloat(healthrecord.WeightKgValidator),
			"headCm": vFloat(healthrecord.HeadCmValidator), "temperatureC": vFloat(healthrecord.TemperatureCValidator),
			"notes": vStr(healthrecord.NotesValidator),
		},
		row: func(b *batch, r *row) {
			kind, session := b.str(r, "kind"), b.str(r, "session")
			switch {
			case kind == "DAILY_CHECK" && session == "":
				b.fail(r, "session", CodeInvalid, "is required for DAILY_CHECK (MORNING or NOON)")
			case kind != "" && kind != "DAILY_CHECK" && session != "":
				b.fail(r, "session", CodeInvalid, "is given only for DAILY_CHECK")
			}
		},
		key: healthKey,
		load: func(b *batch, rows []*row) ([]any, error) {
			// Only the file's days: a class's checks must not load each child's history.
			ids := distinct(rows, func(r *row) (int, bool) { return r.child, r.child != 0 })
			var first, last time.Time
			for _, r := range rows {
				d := mustDate(b, r, "date")
				if first.IsZero() || d.Before(first) {
					first = d
				}
				if d.After(last) {
					last = d
				}
			}
			return loadBy(ids, func(ids []int) ([]any, error) {
				xs, err := b.client.HealthRecord.Query().Where(healthrecord.ChildIDIn(ids...), healthrecord.DateGTE(first), healthrecord.DateLTE(last)).
					Order(ent.Asc(healthrecord.FieldID)).All(b.sys)
				return anys(xs), err
			})
		},
		storedKey: func(x any) []any {
			h := x.(*ent.HealthRecord)
			return []any{h.InstitutionID, h.ChildID, h.Kind, h.Date, h.Session}
		},
		create: func(c *ent.Client) ent.Mutation { return c.HealthRecord.Create().Mutation() },
		update: func(c *ent.Client, id int) ent.Mutation { return c.HealthRecord.UpdateOneID(id).Mutation() },
		set: func(b *batch, r *row, mm ent.Mutation, update bool) {
			m := mm.(*ent.HealthRecordMutation)
			if !update {
				m.SetChildID(r.child)
				m.SetInstitutionID(r.inst)
				m.SetKind(healthrecord.Kind(b.str(r, "kind")))
				m.SetDate(mustDate(b, r, "date"))
				if s := b.str(r, "session"); s != "" {
					m.SetSession(healthrecord.Session(s))
				}
			}
			optFloat(b, r, "heightCm", update, m.SetHeightCm, m.ClearHeightCm)
			optFloat(b, r, "weightKg", update, m.SetWeightKg, m.ClearWeightKg)
			optFloat(b, r, "headCm", update, m.SetHeadCm, m.ClearHeadCm)
			optFloat(b, r, "temperatureC", update, m.SetTemperatureC, m.ClearTemperatureC)
			m.SetResult(healthrecord.Result(strOr(b, r, "result", "NORMAL")))
			optStr(b, r, "notes", update, m.SetNotes, m.ClearNotes)
		},
		check:   checkHealthRecords,
		chunked: true,
		bulk: func(ctx context.Context, c *ent.Client, n int, fill func(int, ent.Mutation)) error {
			return c.HealthRecord.MapCreateBulk(make([]struct{}, n), func(x *ent.HealthRecordCreate, i int) { fill(i, x.Mutation()) }).Exec(ctx)
		},
	}
}

func healthKey(b *batch, r *row) []any {
	var session any
	if s := b.str(r, "session"); s != "" {
		session = s
	}
	return []any{r.inst, r.child, b.str(r, "kind"), mustDate(b, r, "date"), session}
}

func inspectionsHandler() *handler {
	return &handler{
		validators: map[string]func(any) error{"inspector": vStr(inspection.InspectorValidator)},
		key: func(b *batch, r *row) []any {
			return []any{r.inst, mustDate(b, r, "inspectedOn"), b.str(r, "kind")}
		},
		load: func(b *batch, rows []*row) ([]any, error) {
			return loadBy(instIDs(rows), func(ids []int) ([]any, error) {
				xs, err := b.client.Inspection.Query().Where(inspection.InstitutionIDIn(ids...)).Order(ent.Asc(inspection.FieldID)).All(b.sys)
				return anys(xs), err
			})
		},
		storedKey: func(x any) []any { i := x.(*ent.Inspection); return []any{i.InstitutionID, i.InspectedOn, i.Kind} },
		create:    func(c *ent.Client) ent.Mutation { return c.Inspection.Create().Mutation() },
		update:    func(c *ent.Client, id int) ent.Mutation { return c.Inspection.UpdateOneID(id).Mutation() },
		set: func(b *batch, r *row, mm ent.Mutation, update bool) {
			m := mm.(*ent.InspectionMutation)
			m.SetInstitutionID(r.inst)
			m.SetInspectedOn(mustDate(b, r, "inspectedOn"))
			m.SetKind(inspection.Kind(b.str(r, "kind")))
			m.SetInspector(b.str(r, "inspector"))
			m.SetOutcome(inspection.Outcome(b.str(r, "outcome")))
		},
	}
}

func findingsHandler() *handler {
	return &handler{
		validators: map[string]func(any) error{"rule": vStr(finding.RuleValidator), "description": vStr(finding.DescriptionValidator)},
		resolve:    resolveInspections,
		key:        func(b *batch, r *row) []any { return []any{r.insp, b.str(r, "rule")} },
		load: func(b *batch, rows []*row) ([]any, error) {
			ids := distinct(rows, func(r *row) (int, bool) { return r.insp, r.insp != 0 })
			return loadBy(ids, func(ids []int) ([]any, error) {
				xs, err := b.client.Finding.Query().Where(finding.InspectionIDIn(ids...)).Order(ent.Asc(finding.FieldID)).All(b.sys)
				return anys(xs), err
			})
		},
		storedKey: func(x any) []any { f := x.(*ent.Finding); return []any{f.InspectionID, f.Rule} },
		create:    func(c *ent.Client) ent.Mutation { return c.Finding.Create().Mutation() },
		update:    func(c *ent.Client, id int) ent.Mutation { return c.Finding.UpdateOneID(id).Mutation() },
		set: func(b *batch, r *row, mm ent.Mutation, update bool) {
			m := mm.(*ent.FindingMutation)
			m.SetInspectionID(r.insp)
			m.SetRule(b.str(r, "rule"))
			m.SetSeverity(finding.Severity(b.str(r, "severity")))
			optStr(b, r, "description", update, m.SetDescription, m.ClearDescription)
			optDate(b, r, "deadline", update, m.SetDeadline, m.ClearDeadline)
			optDate(b, r, "correctedAt", update, m.SetCorrectedAt, m.ClearCorrectedAt)
			optDate(b, r, "rectifiedAt", update, m.SetRectifiedAt, m.ClearRectifiedAt)
			// The workflow status follows the days given (README "Import").
			switch _, corrected := b.date(r, "correctedAt"); {
			case corrected:
				m.SetStatus(finding.StatusVERIFIED)
			case b.val(r, "rectifiedAt") != nil:
				m.SetStatus(finding.StatusRECTIFIED)
			default:
				m.SetStatus(finding.StatusOPEN)
			}
		},
	}
}

// resolveInspections finds a finding's inspection by institution, day and kind.
func resolveInspections(b *batch) error {
	type key struct {
		inst int
		day  string
		kind string
	}
	ids := instIDs(b.rows)
	found := map[key]int{}
	_, err := loadBy(ids, func(c []int) ([]any, error) {
		xs, err := b.client.Inspection.Query().Where(inspection.InstitutionIDIn(c...)).Order(ent.Asc(inspection.FieldID)).All(b.sys)
		for _, x := range xs {
			k := key{x.InstitutionID, norm(x.InspectedOn), string(x.Kind)}
			if _, ok := found[k]; !ok {
				found[k] = x.ID
			}
		}
		return nil, err
	})
	if err != nil {
		return err
	}
	for _, r := range b.rows {
		d, ok := b.date(r, "inspectedOn")
		if r.inst == 0 || !ok || b.str(r, "inspectionKind") == "" {
			continue
		}
		id, ok := found[key{r.inst, norm(d), b.str(r, "inspectionKind")}]
		if !ok {
			b.fail(r, "inspectedOn", CodeNotFound, "names no inspection of the institution on that day of that kind; import the inspection first")
			continue
		}
		r.insp = id
	}
	return nil
}

func complaintsHandler() *handler {
	return &handler{
		validators: map[string]func(any) error{"category": vStr(complaint.CategoryValidator), "resolution": vStr(complaint.ResolutionValidator)},
		order:      []datePair{{from: "receivedAt", to: "closedAt", sameDay: true}},
		key: func(b *batch, r *row) []any {
			return []any{r.inst, mustDate(b, r, "receivedAt"), b.str(r, "channel"), b.str(r, "category")}
		},
		load: func(b *batch, rows []*row) ([]any, error) {
			return loadBy(instIDs(rows), func(ids []int) ([]any, error) {
				xs, err := b.client.Complaint.Query().Where(complaint.InstitutionIDIn(ids...)).Order(ent.Asc(complaint.FieldID)).All(b.sys)
				return anys(xs), err
			})
		},
		storedKey: func(x any) []any {
			c := x.(*ent.Complaint)
			return []any{c.InstitutionID, c.ReceivedAt, c.Channel, c.Category}
		},
		create: func(c *ent.Client) ent.Mutation { return c.Complaint.Create().Mutation() },
		update: func(c *ent.Client, id int) ent.Mutation { return c.Complaint.UpdateOneID(id).Mutation() },
		set: func(b *batch, r *row, mm ent.Mutation, update bool) {
			m := mm.(*ent.ComplaintMutation)
			m.SetInstitutionID(r.inst)
			m.SetReceivedAt(mustDate(b, r, "receivedAt"))
			m.SetChannel(complaint.Channel(b.str(r, "channel")))
			m.SetCategory(b.str(r, "category"))
			optDate(b, r, "closedAt", update, m.SetClosedAt, m.ClearClosedAt)
			if o := b.str(r, "outcome"); o != "" {
				m.SetOutcome(complaint.Outcome(o))
			} else if update {
				m.ClearOutcome()
			}
			optStr(b, r, "resolution", update, m.SetResolution, m.ClearResolution)
			if d, ok := b.date(r, "dueOn"); ok {
				m.SetDueOn(d)
			} else if !update {
				// The default of the ent hook (skipped by the bulk write):
				// ComplaintHandlingDays working days after receipt.
				if d, ok := b.complaintDue(r); ok {
					m.SetDueOn(d)
				}
			}
		},
	}
}

func incidentsHandler() *handler {
	return &handler{
		validators: map[string]func(any) error{"kind": vStr(incident.KindValidator), "description": vStr(incident.DescriptionValidator)},
		order:      []datePair{{from: "occurredAt", to: "reportedAt", sameDay: true}},
		key: func(b *batch, r *row) []any {
			return []any{r.inst, mustDate(b, r, "occurredAt"), b.str(r, "kind")}
		},
		load: func(b *batch, rows []*row) ([]any, error) {
			return loadBy(instIDs(rows), func(ids []int) ([]any, error) {
				xs, err := b.client.Incident.Query().Where(incident.InstitutionIDIn(ids...)).Order(ent.Asc(incident.FieldID)).All(b.sys)
				return anys(xs), err
			})
		},
		storedKey: func(x any) []any { i := x.(*ent.Incident); return []any{i.InstitutionID, i.OccurredAt, i.Kind} },
		create:    func(c *ent.Client) ent.Mutation { return c.Incident.Create().Mutation() },
		update:    func(c *ent.Client, id int) ent.Mutation { return c.Incident.UpdateOneID(id).Mutation() },
		set: func(b *batch, r *row, mm ent.Mutation, update bool) {
			m := mm.(*ent.IncidentMutation)
			m.SetInstitutionID(r.inst)
			m.SetOccurredAt(mustDate(b, r, "occurredAt"))
			m.SetKind(b.str(r, "kind"))
			m.SetSeverity(incident.Severity(b.str(r, "severity")))
			m.SetReportedAt(mustDate(b, r, "reportedAt"))
			optStr(b, r, "description", update, m.SetDescription, m.ClearDescription)
		},
	}
}

func surveysHandler() *handler {
	return &handler{
		validators: map[string]func(any) error{"respondents": vInt(survey.RespondentsValidator), "positive": vInt(survey.PositiveValidator)},
		row: func(b *batch, r *row) {
			n, ok1 := b.num(r, "respondents")
			p, ok2 := b.num(r, "positive")
			if ok1 && ok2 && p > n {
				b.fail(r, "positive", CodeInvalid, "must not exceed "+b.column("respondents"))
			}
		},
		key: func(b *batch, r *row) []any { return []any{r.regionID, b.str(r, "kind"), mustDate(b, r, "date")} },
		load: func(b *batch, rows []*row) ([]any, error) {
			return loadBy(regionIDsOf(rows), func(ids []int) ([]any, error) {
				xs, err := b.client.Survey.Query().Where(survey.RegionIDIn(ids...)).Order(ent.Asc(survey.FieldID)).All(b.sys)
				return anys(xs), err
			})
		},
		storedKey: func(x any) []any { s := x.(*ent.Survey); return []any{s.RegionID, s.Kind, s.Date} },
		create:    func(c *ent.Client) ent.Mutation { return c.Survey.Create().Mutation() },
		update:    func(c *ent.Client, id int) ent.Mutation { return c.Survey.UpdateOneID(id).Mutation() },
		set: func(b *batch, r *row, mm ent.Mutation, update bool) {
			m := mm.(*ent.SurveyMutation)
			m.SetRegionID(r.regionID)
			m.SetKind(survey.Kind(b.str(r, "kind")))
			m.SetDate(mustDate(b, r, "date"))
			m.SetRespondents(mustInt(b, r, "respondents"))
			m.SetPositive(mustInt(b, r, "positive"))
		},
	}
}

func targetsHandler() *handler {
	return &handler{
		validators: map[string]func(any) error{
			"targetYear": vInt(target.TargetYearValidator), "baselineYear": vInt(target.BaselineYearValidator), "source": vStr(target.SourceValidator),
		},
		key: func(b *batch, r *row) []any {
			return []any{r.regionID, b.str(r, "indicator"), mustInt(b, r, "targetYear")}
		},
		load: func(b *batch, rows []*row) ([]any, error) {
			return loadBy(regionIDsOf(rows), func(ids []int) ([]any, error) {
				xs, err := b.client.Target.Query().Where(target.RegionIDIn(ids...)).Order(ent.Asc(target.FieldID)).All(b.sys)
				return anys(xs), err
			})
		},
		storedKey: func(x any) []any { t := x.(*ent.Target); return []any{t.RegionID, t.Indicator, t.TargetYear} },
		create:    func(c *ent.Client) ent.Mutation { return c.Target.Create().Mutation() },
		update:    func(c *ent.Client, id int) ent.Mutation { return c.Target.UpdateOneID(id).Mutation() },
		set: func(b *batch, r *row, mm ent.Mutation, update bool) {
			m := mm.(*ent.TargetMutation)
			m.SetRegionID(r.regionID)
			m.SetIndicator(schematype.IndicatorKey(b.str(r, "indicator")))
			m.SetTargetYear(mustInt(b, r, "targetYear"))
			m.SetTargetValue(mustFloat(b, r, "targetValue"))
			m.SetComparator(target.Comparator(strOr(b, r, "comparator", "GE")))
			optInt(b, r, "baselineYear", update, m.SetBaselineYear, m.ClearBaselineYear)
			optFloat(b, r, "baselineValue", update, m.SetBaselineValue, m.ClearBaselineValue)
			m.SetSource(b.str(r, "source"))
			m.SetKind(target.Kind(strOr(b, r, "kind", "EXPECTED")))
		},
	}
}
