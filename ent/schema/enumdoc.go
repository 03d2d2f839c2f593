package schema

// EnumDoc documents each value of an enum field (value → description) for
// the GraphQL schema: ent/entc.go's schema hook copies it into ent.graphql,
// and generation fails when a value has none.
type EnumDoc map[string]string

// Name implements schema.Annotation.
func (EnumDoc) Name() string { return "EnumDoc" }
