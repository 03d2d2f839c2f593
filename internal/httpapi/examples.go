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
        region { name level parent { name } }
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
        code
        name
        children(first: 20) {
          totalCount
          edges { node { code name level children { totalCount } } }
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
    edges { node { name openedAt seats(where: {ageBand: PRESCHOOL}) { totalCount } } }
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
}
