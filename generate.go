// Package tuoyu is the root of the tuoyu module: a GraphQL data platform for
// the regulation and statistics of childcare services for children under
// three (托育). The server lives in ./server; see README.md.
//
// The one ordered code-generation pipeline: ent (with entgql, which also
// writes graph/schema/ent.graphql), then gqlgen from that schema, then the
// rewrite of gqlgen's executor that resolves list elements in order
// (internal/gqlexec says why).
package tuoyu

//go:generate go run -mod=mod ./ent/entc.go
//go:generate go tool gqlgen generate --config gqlgen.yml
//go:generate go run ./internal/gqlexec/cmd/gqlexecpatch graph/generated/generated.go
