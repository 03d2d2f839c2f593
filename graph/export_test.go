package graph

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/tuoyu/tuoyu/graph/generated"
)

// KPIOnly reports whether the response of query (one operation, valid
// against the schema) may be kept while the data is unchanged (kpiOnly).
func KPIOnly(query string) (bool, error) {
	doc, errs := gqlparser.LoadQueryWithRules(generated.NewExecutableSchema(generated.Config{}).Schema(), query, rules.NewDefaultRules())
	if len(errs) > 0 {
		return false, errs
	}
	return kpiOnly(&graphql.OperationContext{Doc: doc, Operation: doc.Operations[0]}), nil
}
