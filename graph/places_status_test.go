package graph_test

import (
	"testing"

	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// Only OPERATING institutions are offered to parents looking for a seat: a
// SUSPENDED (temporarily closed) or PREPARING one is left out of
// nearbyInstitutions although it is filed and open by its dates. Its public
// profile stays, with its status, so a parent learns it is suspended; an
// institution reported CLOSED has no profile even before its closing date
// is recorded.
func TestNearbyAndProfileByInstitutionStatus(t *testing.T) {
	s := gqltest.New(t) // PUBLIC
	f := newPlacesFixture(t, s.Client)
	ctx := testdb.Ctx()
	if got := names(searchNearby(t, s, map[string]any{})); got != "近托育,中托育" {
		t.Fatalf("before: found %q, want 近托育,中托育", got)
	}
	s.Client.Institution.UpdateOne(f.near).SetStatus(institution.StatusSUSPENDED).ExecX(ctx)
	s.Client.Institution.UpdateOne(f.mid).SetStatus(institution.StatusPREPARING).ExecX(ctx)
	s.Client.Institution.UpdateOne(f.far).SetStatus(institution.StatusCLOSED).ExecX(ctx)
	if got := names(searchNearby(t, s, map[string]any{"r": 5000})); got != "" {
		t.Errorf("found %q; SUSPENDED, PREPARING and CLOSED institutions must not be offered", got)
	}
	const q = `query($id: ID!) { publicInstitution(id: $id) { institution { name status } monthlyFee seats { ageBand seats } } }`
	type profile struct {
		PublicInstitution *struct {
			Institution struct{ Name, Status string }
			MonthlyFee  *int
			Seats       []struct{ AgeBand string }
		}
	}
	for _, c := range []struct {
		name       string
		id         int
		wantStatus string // "" = no profile
	}{
		{"suspended", f.near.ID, "SUSPENDED"},
		{"preparing", f.mid.ID, "PREPARING"},
		{"closed by status", f.far.ID, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out profile
			s.Do(t, q, map[string]any{"id": c.id}).Decode(t, &out)
			p := out.PublicInstitution
			switch {
			case c.wantStatus == "" && p != nil:
				t.Errorf("profile shown: %+v", *p)
			case c.wantStatus != "" && p == nil:
				t.Errorf("no profile; want one with status %s", c.wantStatus)
			case c.wantStatus != "" && (p.Institution.Status != c.wantStatus || len(p.Seats) == 0 || p.MonthlyFee == nil):
				t.Errorf("profile %+v; want status %s with its seats and fee", *p, c.wantStatus)
			}
		})
	}
	// Back to OPERATING: offered again.
	s.Client.Institution.UpdateOne(f.near).SetStatus(institution.StatusOPERATING).ExecX(ctx)
	if got := names(searchNearby(t, s, map[string]any{})); got != "近托育" {
		t.Errorf("after reopening: found %q, want 近托育", got)
	}
}
