//go:build ignore

// entc.go drives ent's code generation together with the entgql extension,
// which writes the GraphQL schema graph/schema/ent.graphql. Run it through
// `go generate ./...` from the repository root (see generate.go).
package main

import (
	"log"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
)

func main() {
	ex, err := entgql.NewExtension(
		entgql.WithConfigPath("./gqlgen.yml"),
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("./graph/schema/ent.graphql"),
		entgql.WithWhereInputs(true),
		entgql.WithNodeDescriptor(true),
	)
	if err != nil {
		log.Fatalf("entc: creating entgql extension: %v", err)
	}
	cfg := &gen.Config{
		Features: []gen.Feature{
			gen.FeatureVersionedMigration, // migrate/ diffs the schema into committed files
			gen.FeatureGlobalID,           // one ID range per type, so node(id:) resolves any ID
			gen.FeaturePrivacy,            // row scope is enforced in ent policies
			gen.FeatureIntercept,          // query interceptors for scoping and audit
			gen.FeatureModifier,           // custom SQL modifiers for KPI queries
			gen.FeatureExecQuery,          // raw statements for bulk loads
			gen.FeatureUpsert,             // idempotent imports and seeds
		},
	}
	if err := entc.Generate("./ent/schema", cfg, entc.Extensions(ex)); err != nil {
		log.Fatalf("entc: running ent codegen: %v", err)
	}
}
