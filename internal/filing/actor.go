package filing

import "github.com/tuoyu/tuoyu/internal/auth"

// SeesActor reports whether a viewer with role r may see which account
// decided on a filing (FilingEvent.actor_subject). Regulators may: they
// supervise the officials in their region. Institution staff see their own
// filings' history but not which official took the decision, and every
// other role (BI_SERVICE, PUBLIC, a role not yet known) sees nothing: fail
// closed. The role of the actor (actor_role) stays visible to all who read
// the event.
func SeesActor(r auth.Role) bool {
	switch r {
	case auth.DistrictRegulator, auth.CityRegulator, auth.ProvinceRegulator:
		return true
	}
	return false
}
