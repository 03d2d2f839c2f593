package loadgen

import (
	"strings"

	"github.com/tuoyu/tuoyu/ent/schema/schematype"
)

// The list requests tuoyu is compared on with PostGraphile v4 (bench/peer),
// each written once for each server. The peer's fields are aliased to
// tuoyu's names, so equivalent answers are byte-identical JSON (bench/peer
// checks this before it measures): same rows in the same order (by primary
// key), same fields, same values.
//
// Both are the shapes a regulator's list pages ask for: one page of the
// institution register, and subdistricts with their institutions and those
// institutions' seats (three levels, each a page of at most 10).
var (
	// List20 is a 20-row page of institutions (one level, 8 columns, and
	// the page info a client pages with).
	List20 = Pair{
		Name: "list20",
		Tuoyu: `query List20 { institutions(first: 20) {
  edges { node { id name creditCode form ownership address openedAt monthlyFee } }
  pageInfo { hasNextPage } } }`,
		Peer: `query List20 { institutions: allInstitutions(first: 20, orderBy: PRIMARY_KEY_ASC) {
  edges { node { id name creditCode form ownership address openedAt monthlyFee } }
  pageInfo { hasNextPage } } }`,
	}
	// Nested3 is 10 subdistricts × their first 10 institutions × each
	// institution's first 10 seats.
	Nested3 = Pair{
		Name: "nested3",
		Tuoyu: `query Nested3 { regions(first: 10, where: {level: SUBDISTRICT}) { edges { node { id code name
  institutions(first: 10) { edges { node { id name form
    seats(first: 10) { edges { node { id ageBand inclusive openedAt closedAt } } } } } } } } } }`,
		Peer: `query Nested3 { regions: allRegions(first: 10, condition: {level: "SUBDISTRICT"}, orderBy: PRIMARY_KEY_ASC) { edges { node { id code name
  institutions: institutionsByRegionId(first: 10, orderBy: PRIMARY_KEY_ASC) { edges { node { id name form
    seats: seatsByInstitutionId(first: 10, orderBy: PRIMARY_KEY_ASC) { edges { node { id ageBand inclusive openedAt closedAt } } } } } } } } } }`,
	}
)

// Pair is one request as tuoyu and as the peer spell it.
type Pair struct {
	Name, Tuoyu, Peer string
}

// TuoyuRequest is the pair's tuoyu request.
func (p Pair) TuoyuRequest() Request { return Request{Name: p.Name, Query: p.Tuoyu} }

// PeerRequest is the pair's PostGraphile request.
func (p Pair) PeerRequest() Request { return Request{Name: p.Name, Query: p.Peer} }

// DistrictIDsQuery lists the districts whose dashboard Dashboard asks for
// (a province has at most 100).
const DistrictIDsQuery = `{ regions(first: 100, where: {level: DISTRICT}) { edges { node { id } } } }`

// Dashboard is the province dashboard of bench/kpi_bench_test.go's
// BenchmarkDashboard with every indicator of the catalogue: each indicator
// for each of districtIDs, October 2026 (stock indicators as of its last
// day), with targets.
func Dashboard(districtIDs []string) Request {
	keys := make([]string, len(schematype.IndicatorKeys))
	for i, k := range schematype.IndicatorKeys {
		keys[i] = string(k)
	}
	return Request{
		Name: "dashboard",
		Query: `query Dashboard($ids: [ID!]!) {
  indicatorValues(keys: [` + strings.Join(keys, ", ") + `],
    regionIDs: $ids, asOf: "2026-10-31", from: "2026-10-01", to: "2026-11-01") {
    key region { code } value numerator denominator target { targetValue } attained gap
  }
}`,
		Variables: map[string]any{"ids": districtIDs},
	}
}
