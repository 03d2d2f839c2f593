package graph_test

import (
	"fmt"
	"testing"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/ent/seat"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/ident"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// creditCode returns the n-th valid 统一社会信用代码 of the fixtures.
func creditCode(t testing.TB, n int) string {
	t.Helper()
	first17 := fmt.Sprintf("91210102MA%07d", n)
	c, err := ident.CreditCodeCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

// idNumber completes first17 with its GB 11643 check character.
func idNumber(t testing.TB, first17 string) string {
	t.Helper()
	c, err := ident.IDNumberCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

// tree is a small region tree: one city with two districts of two
// subdistricts each, and institutions with seats in the subdistricts.
type tree struct {
	province, city *ent.Region
	districts      []*ent.Region
	subdistricts   []*ent.Region // two per district, in district order
	institutions   []*ent.Institution
}

func newRegion(t testing.TB, c *ent.Client, code, name string, level region.Level, parent *ent.Region) *ent.Region {
	t.Helper()
	b := c.Region.Create().SetCode(code).SetName(name).SetLevel(level)
	if parent != nil {
		b.SetParent(parent)
	}
	return b.SaveX(testdb.Ctx())
}

// buildTree creates the tree; institution i (0-based) in subdistrict i%4 has
// i+1 open seats.
func buildTree(t testing.TB, c *ent.Client, institutions int) *tree {
	t.Helper()
	ctx := testdb.Ctx()
	tr := &tree{}
	tr.province = newRegion(t, c, "210000", "辽宁省", region.LevelPROVINCE, nil)
	tr.city = newRegion(t, c, "210100", "沈阳市", region.LevelCITY, tr.province)
	for d, name := range []string{"和平区", "沈河区"} {
		dist := newRegion(t, c, fmt.Sprintf("2101%02d", d+2), name, region.LevelDISTRICT, tr.city)
		tr.districts = append(tr.districts, dist)
		for s := range 2 {
			tr.subdistricts = append(tr.subdistricts, newRegion(t, c, fmt.Sprintf("2101%02d%03d000", d+2, s+1), fmt.Sprintf("%s街道%d", name, s+1), region.LevelSUBDISTRICT, dist))
		}
	}
	for i := range institutions {
		inst := c.Institution.Create().
			SetName(fmt.Sprintf("托育中心%02d", i)).
			SetCreditCode(creditCode(t, i)).
			SetForm(institution.FormCENTER).
			SetLegalNature(institution.LegalNatureNONPROFIT).
			SetOwnership(institution.OwnershipPRIVATE).
			SetServiceModes([]schematype.ServiceMode{schematype.ServiceModeFullDay}).
			SetOpenedAt(civil.D(2023, 1, 1)).
			SetRegion(tr.subdistricts[i%len(tr.subdistricts)]).
			SaveX(ctx)
		tr.institutions = append(tr.institutions, inst)
		seats := make([]*ent.SeatCreate, i+1)
		for s := range seats {
			seats[s] = c.Seat.Create().SetInstitution(inst).SetAgeBand(seat.AgeBandTODDLER).SetOpenedAt(civil.D(2023, 1, 1))
		}
		c.Seat.CreateBulk(seats...).ExecX(ctx)
	}
	return tr
}
