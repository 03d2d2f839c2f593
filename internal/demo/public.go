package demo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
)

// This file gives the demo what parents see (nearbyInstitutions and the
// 信息公示 profile): published monthly fees and filing receipt numbers.
// Neither draws from the streams of the other parts of the plan: fees have
// their own stream ("fees") and receipt numbers are derived from the rows,
// so adding them moved no other value of the demo.

// feeBase is the typical published full-day fee per form, in yuan a month,
// before ownership and place: a 托育机构 in a city district charges about
// 3,000, a kindergarten's 托班 about half that.
var feeBase = map[institution.Form]float64{
	institution.FormCENTER:          3000,
	institution.FormHOME:            2400,
	institution.FormCOMMUNITY:       2200,
	institution.FormGUIDANCE_CENTER: 2600,
	institution.FormEMPLOYER:        1800,
	institution.FormKINDERGARTEN:    1600,
}

// feeOwnership scales the fee by ownership: public fees are 政府指导价,
// far below the market; 公建民营 and 民办公助 in between.
var feeOwnership = map[institution.Ownership]float64{
	institution.OwnershipPUBLIC:             0.55,
	institution.OwnershipPUBLIC_PRIVATE:     0.8,
	institution.OwnershipPRIVATE_SUBSIDISED: 0.85,
	institution.OwnershipPRIVATE:            1,
}

// roundFee rounds a fee to the 50 yuan that price lists use.
func roundFee(f float64) int { return int(math.Round(f/50)) * 50 }

// genFees sets the published monthly fee of every institution offering
// full-day care (the field is the full-day fee; the others have none), and
// the 普惠 fee of the designated ones: 60–80 % of the published fee, at
// most the local cap (1,800 yuan in a city district, 1,400 in a county),
// always below the published fee. Two draws per institution, in plan
// order, from the "fees" stream.
func (g *gen) genFees() {
	r := g.stream("fees")
	for i := range g.insts {
		in := &g.insts[i]
		noise, share := r.NormFloat64(), uniform(r, 0.6, 0.8)
		if !in.hasMode(schematype.ServiceModeFullDay) {
			continue
		}
		place, ceiling := 1.0, 1800
		if g.regions[in.district].county {
			place, ceiling = 0.75, 1400
		}
		fee := feeBase[in.form] * feeOwnership[in.own] * place * math.Exp(0.18*noise)
		in.fee = roundFee(min(max(fee, 800), 6800))
		if in.designated {
			in.inclFee = min(roundFee(float64(in.fee)*share), ceiling, in.fee-100)
		}
	}
}

// abbrevOverride is the official one-character abbreviation where it is
// not the name's first character.
var abbrevOverride = map[string]string{"重庆市": "渝"}

// abbreviations gives each name a one-character abbreviation: its first
// character neither reserved nor taken by an earlier name (in 沈阳市, with
// 沈 reserved for the city, 沈河区 is 河 and 沈北新区 北), or the whole short
// name when every character is taken, so prefixes built from them are unique.
func abbreviations(names []string, reserved ...string) []string {
	out := make([]string, len(names))
	taken := map[string]bool{}
	for _, r := range reserved {
		taken[r] = true
	}
	for i, n := range names {
		if a, ok := abbrevOverride[n]; ok && !taken[a] {
			out[i], taken[a] = a, true
			continue
		}
		short := n
		for _, suffix := range []string{"满族自治县", "自治县", "新区", "区", "县", "市", "省"} {
			if s := strings.TrimSuffix(n, suffix); s != n && s != "" {
				short = s
				break
			}
		}
		out[i] = short
		for _, c := range short {
			if !taken[string(c)] {
				out[i] = string(c)
				break
			}
		}
		taken[out[i]] = true
	}
	return out
}

// feePtr is a fee for a nillable column: nil for 0 (none published).
func feePtr(fee int) *int {
	if fee == 0 {
		return nil
	}
	return &fee
}

// receiptPrefixes returns, per district index, the issuing office's prefix
// of its receipt numbers: city and district abbreviations, e.g. 沈和 for
// 沈阳市和平区 (the province stands in for the city in a tree without one).
func (g *gen) receiptPrefixes() map[int]string {
	cityOf := func(d int) int { return max(g.regions[d].city, 0) }
	var cities []int
	byCity := map[int][]int{}
	for _, d := range g.districts {
		c := cityOf(d)
		if byCity[c] == nil {
			cities = append(cities, c)
		}
		byCity[c] = append(byCity[c], d)
	}
	names := func(idx []int) []string {
		out := make([]string, len(idx))
		for k, i := range idx {
			out[k] = g.regions[i].name
		}
		return out
	}
	out := map[int]string{}
	for k, ca := range abbreviations(names(cities)) {
		ds := byCity[cities[k]]
		for j, da := range abbreviations(names(ds), ca) {
			out[ds[j]] = ca + da
		}
	}
	return out
}

// receiptNumber formats a filing receipt number (备案回执编号) the way the
// county health commissions print it: office prefix, 卫托备, year of issue
// and the office's sequence in that year, e.g. 沈和卫托备〔2024〕17号.
func receiptNumber(prefix string, year, seq int) string {
	return fmt.Sprintf("%s卫托备〔%d〕%d号", prefix, year, seq)
}

// writeReceiptNumbers numbers every receipt issued, per district office
// and year in the order of issue (receipt day, then filing ID), once all
// filings are written (writeRecentCases adds one per district after the
// bulk load, which the sequence must include). Derived from the rows only;
// one UPDATE per filing, in one transaction, without hooks (the number is
// a fact of the receipt, not a change of the filing).
func (l *loader) writeReceiptNumbers(ctx context.Context) error {
	g := l.g
	districtOf := make(map[int]int, len(g.insts))
	for _, in := range g.insts {
		districtOf[in.id] = in.district
	}
	rows, err := l.client.QueryContext(ctx, `SELECT id, institution_id, receipt_at FROM filings WHERE receipt_at IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("demo: receipt numbers: %w", err)
	}
	type receipt struct {
		id, district int
		day          time.Time
	}
	var todo []receipt
	for rows.Next() {
		var r receipt
		var inst int
		if err := rows.Scan(&r.id, &inst, &r.day); err != nil {
			return errors.Join(fmt.Errorf("demo: receipt numbers: %w", err), rows.Close())
		}
		d, ok := districtOf[inst]
		if !ok {
			return errors.Join(fmt.Errorf("demo: receipt numbers: filing %d of unknown institution %d", r.id, inst), rows.Close())
		}
		r.district, r.day = d, r.day.UTC()
		todo = append(todo, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("demo: receipt numbers: %w", err)
	}
	slices.SortFunc(todo, func(a, b receipt) int {
		if a.district != b.district {
			return a.district - b.district
		}
		if c := a.day.Compare(b.day); c != 0 {
			return c
		}
		return a.id - b.id
	})
	update := `UPDATE filings SET receipt_number = ? WHERE id = ?`
	if l.limit == postgresParams {
		update = `UPDATE filings SET receipt_number = $1 WHERE id = $2`
	}
	prefixes := g.receiptPrefixes()
	tx, err := l.client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("demo: receipt numbers: %w", err)
	}
	seq, lastDistrict, lastYear := 0, -1, 0
	for _, r := range todo {
		if r.district != lastDistrict || r.day.Year() != lastYear {
			seq, lastDistrict, lastYear = 0, r.district, r.day.Year()
		}
		seq++
		if _, err := tx.ExecContext(ctx, update, receiptNumber(prefixes[r.district], lastYear, seq), r.id); err != nil {
			return errors.Join(fmt.Errorf("demo: receipt number of filing %d: %w", r.id, err), tx.Rollback())
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("demo: receipt numbers: %w", err)
	}
	return nil
}
