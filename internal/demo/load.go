package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/internal/bulkload"
	"github.com/tuoyu/tuoyu/internal/kpi/kpistore"
)

// Bound parameters allowed per statement: SQLite's limit is 32,766,
// PostgreSQL's 65,535; stay well below both.
const (
	sqliteParams   = 30_000
	postgresParams = 60_000
	chunksPerTx    = 4
)

// loader writes a plan table by table.
type loader struct {
	client   *ent.Client
	opts     Options
	start    time.Time
	lastTick time.Time
	limit    int
	counts   map[string]int
	g        *gen
}

func newLoader(client *ent.Client, opts Options, start time.Time) *loader {
	return &loader{client: client, opts: opts, start: start, counts: map[string]int{}}
}

// progress reports to Options.Progress: always when force, otherwise at
// most about every 0.4 s.
func (l *loader) progress(table string, done, total int, force bool) {
	if l.opts.Progress == nil {
		return
	}
	now := time.Now()
	if !force && now.Sub(l.lastTick) < 400*time.Millisecond {
		return
	}
	l.lastTick = now
	l.opts.Progress(Progress{Table: table, Done: done, Total: total, Elapsed: now.Sub(l.start)})
}

// paramLimit returns the bound-parameter budget of the client's database:
// PostgreSQL answers version(), SQLite has no such function.
func (l *loader) paramLimit(ctx context.Context) int {
	rows, err := l.client.QueryContext(ctx, "SELECT version()")
	if err != nil {
		return sqliteParams
	}
	defer rows.Close()
	var v string
	if rows.Next() && rows.Scan(&v) == nil && strings.Contains(v, "PostgreSQL") {
		return postgresParams
	}
	return sqliteParams
}

// run generates the plan and writes every table, parents before children.
func (l *loader) run(ctx context.Context) error {
	// A trusted bulk load by the system: ent hooks skip per-row cross
	// checks (the plan keeps those rules itself) and privacy rules, which
	// are for API callers, do not apply.
	ctx = bulkload.With(privacy.DecisionContext(ctx, privacy.Allow))
	// The KPI engine's precomputed data are rebuilt set-wise once at the
	// end (the last step) rather than maintained chunk by chunk.
	ctx = kpistore.WithoutMaintenance(ctx)
	l.limit = l.paramLimit(ctx)
	tick := func(table string, done, total int) { l.progress(table, done, total, false) }
	l.progress("plan", 0, 1, true)
	g := newGen(l.opts)
	if err := g.build(tick); err != nil {
		return err
	}
	l.g = g
	hrTotal := 0
	h := newHRGen(g)
	for i := range g.insts {
		h.institution(i, func(*hrRow) { hrTotal++ })
		if i%64 == 0 {
			tick("plan", i, len(g.insts))
		}
	}
	l.progress("plan", 1, 1, true)
	steps := []func(context.Context) error{
		l.writeRegions, l.writePopulation, l.writeInstitutions, l.writeFilings, l.writeDesignations,
		l.writeSeats, l.writeBans, l.writeStaff, l.writeCerts, l.writeChildren, l.writeEnrolments,
		func(ctx context.Context) error { return l.writeHealth(ctx, hrTotal) },
		l.writeInspections, l.writeFindings, l.writeComplaints, l.writeIncidents, l.writeSurveys, l.writeTargets,
		l.writeWorkCalendar, l.writeSupervision,
		func(ctx context.Context) error {
			l.progress(kpistore.DailyCheckTable, 0, 1, true)
			if err := kpistore.RebuildAllClient(ctx, l.client); err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			l.progress(kpistore.DailyCheckTable, 1, 1, true)
			return nil
		},
		l.writeEvaluation,
	}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// writeTable writes rows [0, n) of a table with cols columns: chunks of as
// many rows as the parameter budget allows, a few chunks per transaction.
// save writes rows [lo, hi) in one statement through tx.
func (l *loader) writeTable(ctx context.Context, table string, n, cols int, save func(ctx context.Context, tx *ent.Tx, lo, hi int) error) error {
	per := max(1, (l.limit-1)/cols)
	l.progress(table, 0, n, true)
	for lo := 0; lo < n; {
		tx, err := l.client.Tx(ctx)
		if err != nil {
			return fmt.Errorf("demo: write %s: %w", table, err)
		}
		for k := 0; k < chunksPerTx && lo < n; k++ {
			hi := min(n, lo+per)
			if err := save(ctx, tx, lo, hi); err != nil {
				return errors.Join(fmt.Errorf("demo: write %s: %w", table, err), rollback(tx))
			}
			if lo = hi; lo < n {
				l.progress(table, lo, n, false)
			}
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("demo: write %s: %w", table, err)
		}
	}
	l.counts[table] = n
	l.progress(table, n, n, true)
	return nil
}

// rollback rolls tx back. A cancelled context has already rolled it back
// (database/sql does so when the context ends): that is no second error.
func rollback(tx *ent.Tx) error {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return err
	}
	return nil
}

// builders maps rows [lo, hi) to create builders.
func builders[B any](lo, hi int, mk func(i int) B) []B {
	out := make([]B, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, mk(i))
	}
	return out
}

func (l *loader) writeRegions(ctx context.Context) error {
	g := l.g
	return l.writeTable(ctx, "regions", len(g.regions), 6, func(ctx context.Context, tx *ent.Tx, lo, hi int) error {
		// A parent must have its ID before its children are built, so a
		// chunk is written level by level.
		for lo < hi {
			end := lo
			for end < hi && g.regions[end].level == g.regions[lo].level {
				end++
			}
			nodes, err := tx.Region.CreateBulk(builders(lo, end, func(i int) *ent.RegionCreate {
				r := &g.regions[i]
				b := tx.Region.Create().SetCode(r.code).SetName(r.name).SetLevel(r.level)
				if r.parent >= 0 {
					b.SetParentID(g.regions[r.parent].id)
				}
				if r.boundary != "" {
					b.SetBoundary(r.boundary) // approximate, see boundaries.go
				}
				return b
			})...).Save(ctx)
			if err != nil {
				return err
			}
			for k, n := range nodes {
				g.regions[lo+k].id = n.ID
			}
			lo = end
		}
		return nil
	})
}

func (l *loader) writePopulation(ctx context.Context) error {
	g := l.g
	return l.writeTable(ctx, "population_stats", len(g.pops), 8, func(ctx context.Context, tx *ent.Tx, lo, hi int) error {
		return tx.PopulationStat.CreateBulk(builders(lo, hi, func(i int) *ent.PopulationStatCreate {
			p := &g.pops[i]
			b := tx.PopulationStat.Create().SetRegionID(g.regions[p.region].id).SetYear(p.year).
				SetResidentPopulation(p.resident).SetUnder3Population(p.under3).SetSource(p.source)
			if p.births >= 0 {
				b.SetBirths(p.births)
			}
			return b
		})...).Exec(ctx)
	})
}

func (l *loader) writeInstitutions(ctx context.Context) error {
	g := l.g
	return l.writeTable(ctx, "institutions", len(g.insts), 17, func(ctx context.Context, tx *ent.Tx, lo, hi int) error {
		nodes, err := tx.Institution.CreateBulk(builders(lo, hi, func(i int) *ent.InstitutionCreate {
			in := &g.insts[i]
			return tx.Institution.Create().SetName(in.name).SetCreditCode(in.credit).SetForm(in.form).
				SetLegalNature(in.legal).SetOwnership(in.own).SetServiceModes(in.modes).SetAddress(in.address).
				SetLatitude(in.lat).SetLongitude(in.lon).SetStatus(in.status).SetRegionID(g.regions[in.region].id).
				SetOpenedAt(in.opened).SetNillableClosedAt(datePtr(in.closed)).
				SetNillableMonthlyFee(feePtr(in.fee)).SetNillableInclusiveMonthlyFee(feePtr(in.inclFee))
		})...).Save(ctx)
		if err != nil {
			return err
		}
		for k, n := range nodes {
			g.insts[lo+k].id = n.ID
		}
		return nil
	})
}

func (l *loader) writeFilings(ctx context.Context) error {
	g := l.g
	return l.writeTable(ctx, "filings", len(g.filings), 8, func(ctx context.Context, tx *ent.Tx, lo, hi int) error {
		return tx.Filing.CreateBulk(builders(lo, hi, func(i int) *ent.FilingCreate {
			f := &g.filings[i]
			return tx.Filing.Create().SetInstitutionID(g.insts[f.inst].id).SetSubmittedAt(f.submitted).
				SetNillableReceiptAt(datePtr(f.receipt)).SetStatus(f.status).
				SetNillableNoncomplianceNotifiedAt(datePtr(f.notified)).SetDocuments(f.docs)
		})...).Exec(ctx)
	})
}

func (l *loader) writeDesignations(ctx context.Context) error {
	g := l.g
	return l.writeTable(ctx, "inclusive_designations", len(g.desigs), 7, func(ctx context.Context, tx *ent.Tx, lo, hi int) error {
		return tx.InclusiveDesignation.CreateBulk(builders(lo, hi, func(i int) *ent.InclusiveDesignationCreate {
			d := &g.desigs[i]
			return tx.InclusiveDesignation.Create().SetInstitutionID(g.insts[d.inst].id).SetValidFrom(d.from).
				SetNillableValidTo(datePtr(d.to)).SetCategory(d.category).SetDesignatedBy(d.by)
		})...).Exec(ctx)
	})
}

func (l *loader) writeSeats(ctx context.Context) error {
	g := l.g
	return l.writeTable(ctx, "seats", len(g.seats), 7, func(ctx context.Context, tx *ent.Tx, lo, hi int) error {
		nodes, err := tx.Seat.CreateBulk(builders(lo, hi, func(i int) *ent.SeatCreate {
			s := &g.seats[i]
			return tx.Seat.Create().SetInstitutionID(g.insts[s.inst].id).SetAgeBand(s.band).SetInclusive(s.inclusive).
				SetOpenedAt(s.opened).SetNillableClosedAt(datePtr(s.closed))
		})...).Save(ctx)
		if err != nil {
			return err
		}
		for k, n := range nodes {
			g.seats[lo+k].id = n.ID
		}
		return nil
	})
}

func (l *loader) writeBans(ctx context.Context) error {
	g := l.g
	return l.writeTable(ctx, "ban_list_entries", len(g.bans), 6, func(ctx context.Context, tx *ent.Tx, lo, hi int) error {
		return tx.BanListEntry.CreateBulk(builders(lo, hi, func(i int) *ent.BanListEntryCreate {
			b := &g.bans[i]
			return tx.BanListEntry.Create().SetIDNumberHash(b.hash).SetIDNumberMasked(b.masked).SetBasis(b.basis).SetDecidedAt(b.decided)
		})...).Exec(ctx)
	})
}

func (l *loader) writeStaff(ctx context.Context) error {
	g := l.g
	return l.writeTable(ctx, "staff", len(g.staff), 10, func(ctx context.Context, tx *ent.Tx, lo, hi int) error {
		nodes, err := tx.Staff.CreateBulk(builders(lo, hi, func(i int) *ent.StaffCreate {
			s := &g.staff[i]
			return tx.Staff.Create().SetInstitutionID(g.insts[s.inst].id).SetName(s.name).SetIDNumberHash(s.hash).
				SetIDNumberMasked(s.masked).SetRole(s.role).SetHiredAt(s.hired).SetNillableLeftAt(datePtr(s.left)).
				SetNillableHealthCertificateValidUntil(datePtr(s.health))
		})...).Save(ctx)
		if err != nil {
			return err
		}
		for k, n := range nodes {
			g.staff[lo+k].id = n.ID
		}
		return nil
	})
}

func (l *loader) writeCerts(ctx context.Context) error {
	g := l.g
	return l.writeTable(ctx, "certifications", len(g.certs), 9, func(ctx context.Context, tx *ent.Tx, lo, hi int) error {
		return tx.Certification.CreateBulk(builders(lo, hi, func(i int) *ent.CertificationCreate {
			c := &g.certs[i]
			b := tx.Certification.Create().SetStaffID(g.staff[c.staff].id).SetType(c.typ).SetNumber(c.number).
				SetIssuer(c.issuer).SetIssuedAt(c.issued).SetNillableExpiresAt(datePtr(c.expires))
			if c.level > 0 {
				b.SetLevel(c.level)
			}
			return b
		})...).Exec(ctx)
	})
}

func (l *loader) writeChildren(ctx context.Context) error {
	g := l.g
	return l.writeTable(ctx, "children", len(g.children), 10, func(ctx context.Context, tx *ent.Tx, lo, hi int) error {
		nodes, err := tx.Child.CreateBulk(builders(lo, hi, func(i int) *ent.ChildCreate {
			c := &g.children[i]
			sex := childSex(c.male)
			b := tx.Child.Create().SetName(c.name).SetSex(sex).SetBirthDate(c.birth).
				SetGuardianName(c.guardian).SetGuardianPhone(c.phone)
			if c.idHash != "" {
				// Demo numbers are resident ID numbers, typed as the API
				// types them (ident.DocumentKey hashes them bare).
				b.SetIDNumberHash(c.idHash).SetIDNumberMasked(c.idMasked).SetIDDocumentType(child.IDDocumentTypeRESIDENT_ID)
			}
			if c.residence >= 0 {
				b.SetResidenceRegionID(g.regions[c.residence].id)
			}
			return b
		})...).Save(ctx)
		if err != nil {
			return err
		}
		for k, n := range nodes {
			g.children[lo+k].id = n.ID
		}
		return nil
	})
}

func (l *loader) writeEnrolments(ctx context.Context) error {
	g := l.g
	return l.writeTable(ctx, "enrolments", len(g.enrols), 9, func(ctx context.Context, tx *ent.Tx, lo, hi int) error {
		return tx.Enrolment.CreateBulk(builders(lo, hi, func(i int) *ent.EnrolmentCreate {
			e := &g.enrols[i]
			b := tx.Enrolment.Create().SetChildID(g.children[e.child].id).SetInstitutionID(g.insts[e.inst].id).
				SetServiceMode(e.mode).SetStartDate(e.start).SetNillableEndDate(datePtr(e.end))
			if e.seat >= 0 {
				b.SetSeatID(g.seats[e.seat].id)
			}
			if e.exit != "" {
				b.SetExitReason(e.exit)
			}
			return b
		})...).Exec(ctx)
	})
}

// writeHealth streams the health records: a goroutine generates chunks
// institution by institution while this one writes them, so at most a few
// chunks are in memory at once. The order, and so every ID, is the same on
// every run.
func (l *loader) writeHealth(ctx context.Context, total int) error {
	const table, cols = "health_records", 13
	g := l.g
	per := max(1, (l.limit-1)/cols)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan []hrRow, 4)
	spare := make(chan []hrRow, 8)
	go func() {
		defer close(chunks)
		h := newHRGen(g)
		buf := make([]hrRow, 0, per)
		flush := func() bool {
			select {
			case chunks <- buf:
			case <-ctx.Done():
				return false
			}
			select {
			case buf = <-spare:
				buf = buf[:0]
			default:
				buf = make([]hrRow, 0, per)
			}
			return true
		}
		for i := range g.insts {
			ok := true
			h.institution(i, func(row *hrRow) {
				if !ok {
					return
				}
				buf = append(buf, *row)
				if len(buf) == per {
					ok = flush()
				}
			})
			if !ok {
				return
			}
		}
		if len(buf) > 0 {
			flush()
		}
	}()
	l.progress(table, 0, total, true)
	done := 0
	var tx *ent.Tx
	inTx := 0
	fail := func(err error) error {
		cancel()
		for range chunks { // let the generator finish
		}
		if tx != nil {
			err = errors.Join(err, rollback(tx))
		}
		return fmt.Errorf("demo: write %s: %w", table, err)
	}
	for rows := range chunks {
		if tx == nil {
			var err error
			if tx, err = l.client.Tx(ctx); err != nil {
				return fail(err)
			}
		}
		err := tx.HealthRecord.CreateBulk(builders(0, len(rows), func(i int) *ent.HealthRecordCreate {
			row := &rows[i]
			b := tx.HealthRecord.Create().SetChildID(g.children[row.child].id).SetInstitutionID(g.insts[row.inst].id).
				SetKind(row.kind).SetDate(row.date).SetResult(row.result)
			if row.session != "" {
				b.SetSession(row.session)
			}
			if row.height > 0 {
				b.SetHeightCm(row.height)
			}
			if row.weight > 0 {
				b.SetWeightKg(row.weight)
			}
			if row.head > 0 {
				b.SetHeadCm(row.head)
			}
			if row.temp > 0 {
				b.SetTemperatureC(row.temp)
			}
			if row.notes != "" {
				b.SetNotes(row.notes)
			}
			return b
		})...).Exec(ctx)
		if err != nil {
			return fail(err)
		}
		done += len(rows)
		select {
		case spare <- rows:
		default:
		}
		if inTx++; inTx == chunksPerTx {
			err, tx, inTx = tx.Commit(), nil, 0
			if err != nil {
				return fail(err)
			}
		}
		if done < total {
			l.progress(table, done, total, false)
		}
	}
	if tx != nil {
		if err := tx.Commit(); err != nil {
			tx = nil
			return fail(err)
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("demo: write %s: %w", table, err)
	}
	if done != total {
		return fmt.Errorf("demo: internal error: wrote %d health records, planned %d", done, total)
	}
	l.counts[table] = done
	l.progress(table, done, total, true)
	return nil
}

func (l *loader) writeInspections(ctx context.Context) error {
	g := l.g
	return l.writeTable(ctx, "inspections", len(g.insps), 7, func(ctx context.Context, tx *ent.Tx, lo, hi int) error {
		nodes, err := tx.Inspection.CreateBulk(builders(lo, hi, func(i int) *ent.InspectionCreate {
			s := &g.insps[i]
			return tx.Inspection.Create().SetInstitutionID(g.insts[s.inst].id).SetInspectedOn(s.on).SetKind(s.kind).
				SetInspector(s.inspector).SetOutcome(s.outcome)
		})...).Save(ctx)
		if err != nil {
			return err
		}
		for k, n := range nodes {
			g.insps[lo+k].id = n.ID
		}
		return nil
	})
}

func (l *loader) writeFindings(ctx context.Context) error {
	g := l.g
	return l.writeTable(ctx, "findings", len(g.findings), 8, func(ctx context.Context, tx *ent.Tx, lo, hi int) error {
		return tx.Finding.CreateBulk(builders(lo, hi, func(i int) *ent.FindingCreate {
			f := &g.findings[i]
			return tx.Finding.Create().SetInspectionID(g.insps[f.insp].id).SetRule(f.rule).SetSeverity(f.sev).
				SetDescription(f.desc).SetNillableDeadline(datePtr(f.deadline)).SetNillableCorrectedAt(datePtr(f.corrected))
		})...).Exec(ctx)
	})
}

func (l *loader) writeComplaints(ctx context.Context) error {
	g := l.g
	return l.writeTable(ctx, "complaints", len(g.complaints), 8, func(ctx context.Context, tx *ent.Tx, lo, hi int) error {
		return tx.Complaint.CreateBulk(builders(lo, hi, func(i int) *ent.ComplaintCreate {
			c := &g.complaints[i]
			b := tx.Complaint.Create().SetInstitutionID(g.insts[c.inst].id).SetReceivedAt(c.received).
				SetNillableClosedAt(datePtr(c.closed)).SetChannel(c.channel).SetCategory(c.category)
			if c.resolution != "" {
				b.SetResolution(c.resolution)
			}
			return b
		})...).Exec(ctx)
	})
}

func (l *loader) writeIncidents(ctx context.Context) error {
	g := l.g
	return l.writeTable(ctx, "incidents", len(g.incidents), 8, func(ctx context.Context, tx *ent.Tx, lo, hi int) error {
		return tx.Incident.CreateBulk(builders(lo, hi, func(i int) *ent.IncidentCreate {
			c := &g.incidents[i]
			return tx.Incident.Create().SetInstitutionID(g.insts[c.inst].id).SetSeverity(c.sev).SetKind(c.kind).
				SetOccurredAt(c.occurred).SetReportedAt(c.reported).SetDescription(c.desc)
		})...).Exec(ctx)
	})
}

func (l *loader) writeSurveys(ctx context.Context) error {
	g := l.g
	return l.writeTable(ctx, "surveys", len(g.surveys), 7, func(ctx context.Context, tx *ent.Tx, lo, hi int) error {
		return tx.Survey.CreateBulk(builders(lo, hi, func(i int) *ent.SurveyCreate {
			s := &g.surveys[i]
			return tx.Survey.Create().SetRegionID(g.regions[s.region].id).SetKind(s.kind).SetDate(s.date).
				SetRespondents(s.respondents).SetPositive(s.positive)
		})...).Exec(ctx)
	})
}

func (l *loader) writeTargets(ctx context.Context) error {
	g := l.g
	return l.writeTable(ctx, "targets", len(g.targets), 11, func(ctx context.Context, tx *ent.Tx, lo, hi int) error {
		return tx.Target.CreateBulk(builders(lo, hi, func(i int) *ent.TargetCreate {
			t := &g.targets[i]
			b := tx.Target.Create().SetRegionID(g.regions[t.region].id).SetIndicator(t.key).SetTargetYear(t.year).
				SetTargetValue(t.value).SetComparator(t.cmp).SetSource(t.source).SetKind(t.kind)
			if t.baseYear > 0 {
				b.SetBaselineYear(t.baseYear).SetBaselineValue(t.baseValue)
			}
			return b
		})...).Exec(ctx)
	})
}
