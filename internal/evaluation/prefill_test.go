package evaluation

import (
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/ent/evaluationitem"
)

// Finding 6: compared values that differ never print alike. 入托率 0 against
// the province's 0.029 % carries −2, so the basis must not read
// "0.0% / 0.0%"; a filing rate of 99.96 % is −1, so it must not read 100.0%.
func TestBasisPrecision(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, c := range []struct {
		name  string
		a, b  *float64
		pct   bool
		wantA string
		wantB string
	}{
		{"usual percentages", f(0.5), f(1), true, "50.0%", "100.0%"},
		{"equal", f(0.9), f(0.9), true, "90.0%", "90.0%"},
		{"tiny province rate", f(0), f(0.00029), true, "0.00%", "0.03%"},
		{"just below 100 %", f(0.9996), f(1), true, "99.96%", "100.00%"},
		{"seats", f(4.104), f(4.101), false, "4.104", "4.101"},
		{"seats, usual", f(4.1), f(4.52), false, "4.10", "4.52"},
		{"no data", nil, f(4.52), false, "无数据", "4.52"},
	} {
		a, b := nums(c.a, c.b, c.pct)
		if a != c.wantA || b != c.wantB {
			t.Errorf("%s: %s / %s, want %s / %s", c.name, a, b, c.wantA, c.wantB)
		}
	}
	o := Apply(evaluationitem.AutoRuleSEATS_AND_ENROLMENT_VS_PROVINCE, 4, Facts{CitySeats: f(4), ProvinceSeats: f(4), CityEnrolment: f(0), ProvinceEnrolment: f(0.00029)})
	if o.Score == nil || *o.Score != 2 || strings.Contains(o.Basis, "本市 0.0% / 全省 0.0%") {
		t.Errorf("basis %q", o.Basis)
	}
	o = Apply(evaluationitem.AutoRuleFILING_RATE, 2, Facts{CityFiling: f(0.9996)})
	if o.Score == nil || *o.Score != 1 || strings.Contains(o.Basis, "100.0%：") || !strings.Contains(o.Basis, "99.96%") {
		t.Errorf("basis %q", o.Basis)
	}
}
