package httpapi

import "github.com/tuoyu/tuoyu/internal/graphiql"

// ExampleTabs are the queries GraphiQL opens with; the README shows the same.
var ExampleTabs = []graphiql.Tab{
	{
		Name: "Institutions with region and seat counts",
		Query: `query Institutions {
  institutions(first: 5, orderBy: {field: NAME, direction: ASC}) {
    totalCount
    edges {
      node {
        id
        name
        form
        creditCode
        region { id name level parent { id name } }
        seats { totalCount }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
	},
	{
		Name: "Region tree",
		Query: `query RegionTree {
  regions(where: {level: CITY}, first: 3) {
    edges {
      node {
        id
        code
        name
        subregions(first: 20) {
          totalCount
          edges { node { id code name level subregions { totalCount } } }
        }
      }
    }
  }
}`,
	},
	{
		Name: "Filter and order",
		Query: `query KindergartensWithClasses {
  institutions(
    first: 10
    where: {form: KINDERGARTEN, hasSeats: true, closedAtIsNil: true}
    orderBy: {field: CREDIT_CODE, direction: ASC}
  ) {
    totalCount
    edges { node { id name openedAt seats(where: {ageBand: PRESCHOOL}) { totalCount } } }
  }
}`,
	},
	{
		Name: "Look up any node",
		Query: `query Node($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Institution { name }
    ... on Region { name level }
  }
}`,
		Variables: `{"id": "47244640257"}`,
	},
	{
		Name: "KPI dashboard: every district of 沈阳市",
		Query: `query Dashboard {
  regions(first: 1, where: {code: "210100"}) {
    edges { node { id name
      subregions(first: 100, orderBy: {field: CODE, direction: ASC}) {
        edges { node { id code name
          indicators { key value numerator denominator attained gap target { id targetYear targetValue } }
        } }
      }
    } }
  }
}`,
	},
	{
		Name: "KPI trend: filing rate by month",
		Query: `query Trend {
  regions(first: 1, where: {code: "210100"}) {
    edges { node { id name } }
  }
  # Paste the id above into the region variable, or use any region's id.
}

query FilingRateTrend($region: ID!) {
  indicatorSeries(key: FILING_RATE, regionID: $region, from: "2025-01-01", to: "2026-01-01", grain: MONTH) {
    asOf value numerator denominator
  }
}`,
	},
	{
		Name: "KPI ranking and catalogue",
		Query: `query Ranking {
  regions(first: 1, where: {level: CITY}) {
    edges { node { id name
      seats: indicator(key: SEATS_PER_1000) { value target { id targetValue } attained }
    } }
  }
  indicatorCatalog { key nameZh nameEn unit numerator denominator source dimensions }
}

query DistrictRanking($city: ID!) {
  indicatorRanking(key: SEATS_PER_1000, parentRegionID: $city, level: DISTRICT, first: 10) {
    region { id name } value numerator denominator
  }
}`,
	},
}
