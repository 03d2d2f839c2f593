//go:build ignore

// entc.go drives ent's code generation together with the entgql extension,
// which writes the GraphQL schema graph/schema/ent.graphql. Run it through
// `go generate ./...` from the repository root (see generate.go).
package main

import (
	"encoding/json"
	"fmt"
	"go/format"
	"log"
	"os"
	"sort"
	"strings"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
	"github.com/99designs/gqlgen/codegen/templates"
	"github.com/vektah/gqlparser/v2/ast"
)

func main() {
	// entgql's Paginate counts the rows whenever pageInfo is selected, even
	// when it then loads the page and sets hasNextPage/hasPreviousPage from
	// the extra row it fetches anyway: a 20-row list with pageInfo ran a
	// COUNT over every row the viewer may see before its page. Redefine its
	// paginate helper so the count runs only for totalCount, or for pageInfo
	// when no rows are loaded (no edges selected, or first/last 0).
	gen.MustParse(entgql.PaginationTemplate.Parse(paginateWithoutPageInfoCount))
	ex, err := entgql.NewExtension(
		entgql.WithConfigPath("./gqlgen.yml"),
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("./graph/schema/ent.graphql"),
		entgql.WithWhereInputs(true),
		entgql.WithNodeDescriptor(true),
		entgql.WithSchemaHook(describe),
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
	// ent/template adds Tx.Key and Tx.Dialect: kpistore keys its pending
	// work by transaction with them instead of reaching into ent's config.
	if err := entc.Generate("./ent/schema", cfg, entc.Extensions(ex), entc.TemplateDir("./ent/template")); err != nil {
		log.Fatalf("entc: running ent codegen: %v", err)
	}
	if err := pageNestedConnectionsLaterally("./ent/gql_collection.go"); err != nil {
		log.Fatalf("entc: %v", err)
	}
}

// pageNestedConnectionsLaterally points the generated nested pagination at
// internal/nestedpage.LimitPerRow, which pages each parent's children with a
// LATERAL subquery on PostgreSQL and is entgql.LimitPerRow otherwise. The
// call sits in the middle of entgql's large "gql_collection" template, so
// the generated file is edited rather than the template copied. It fails
// when the call is not there, so that an entgql upgrade cannot silently
// drop the rewrite.
func pageNestedConnectionsLaterally(path string) error {
	const (
		call       = "entgql.LimitPerRow("
		entgqlPath = "\t\"entgo.io/contrib/entgql\"\n"
		ours       = "\t\"github.com/tuoyu/tuoyu/internal/nestedpage\"\n"
	)
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("nested pagination: %w", err)
	}
	text := string(src)
	if !strings.Contains(text, call) || !strings.Contains(text, entgqlPath) {
		return fmt.Errorf("nested pagination: %s no longer calls %s; update pageNestedConnectionsLaterally", path, call)
	}
	text = strings.ReplaceAll(text, call, "nestedpage.LimitPerRow(")
	text = strings.Replace(text, entgqlPath, entgqlPath+ours, 1)
	out, err := format.Source([]byte(text))
	if err != nil {
		return fmt.Errorf("nested pagination: format %s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644)
}

// paginateWithoutPageInfoCount is entgql v0.7.0's
// "gql_pagination/helper/paginate" (template/pagination.tmpl) with one
// condition changed: see main.
const paginateWithoutPageInfoCount = `{{ define "gql_pagination/helper/paginate" }}
	{{- $node := $.Scope.Node }}
	{{- $r := $.Scope.Query }}
	{{- $names := nodePaginationNames $node }}
	{{- $name := $names.Node }}
	{{- $order := $names.Order }}
	{{- $edge := $names.Edge }}
	{{- $conn := $names.Connection }}
	{{- $newPager := print "new" $name "Pager" -}}

	if err := validateFirstLast(first, last); err != nil {
		return nil, err
	}
	pager, err := {{ $newPager }}(opts, last != nil)
	if err != nil {
		return nil, err
	}
	if {{ $r }}, err = pager.applyFilter({{ $r }}); err != nil {
		return nil, err
	}
	conn := &{{ $conn }}{Edges: []*{{ $edge }}{}}
	ignoredEdges := !hasCollectedField(ctx, edgesField)
	emptyPage := (first != nil && *first == 0) || (last != nil && *last == 0)
	// pageInfo needs the count only when no rows are loaded; otherwise
	// conn.build derives it from the page's extra row.
	if hasCollectedField(ctx, totalCountField) || (hasCollectedField(ctx, pageInfoField) && (ignoredEdges || emptyPage)) {
		hasPagination := after != nil || first != nil || before != nil || last != nil
		if hasPagination || ignoredEdges {
			c := {{ $r }}.Clone()
			c.ctx.Fields = nil
			if conn.TotalCount, err = c.Count(ctx); err != nil {
				return nil, err
			}
			conn.PageInfo.HasNextPage = first != nil && conn.TotalCount > 0
			conn.PageInfo.HasPreviousPage = last != nil && conn.TotalCount > 0
		}
	}
	if ignoredEdges || emptyPage {
		return conn, nil
	}
	if {{ $r }}, err = pager.applyCursors({{ $r }}, after, before); err != nil {
		return nil, err
	}
	limit := paginateLimit(first, last)
	if limit != 0 {
		{{ $r }}.Limit(limit)
	}
	if field := collectedField(ctx, edgesField, nodeField); field != nil {
		if err := {{ $r }}.collectField(ctx, limit == 1, graphql.GetOperationContext(ctx), *field, []string{edgesField, nodeField}); err != nil {
			return nil, err
		}
	}
	{{ $r }} = pager.applyOrder({{ $r }})
	nodes, err := {{ $r }}.All(ctx)
	if err != nil {
		return nil, err
	}
	conn.build(nodes, pager, after, first, before, last)
	return conn, nil
{{ end }}`

// describe is the schema hook that gives every generated type, field,
// argument and enum value a description a data team can act on, from the
// ent schema: a type's schema.Comment annotation, a field's or edge's
// Comment, an enum field's EnumDoc annotation (ent/schema/enumdoc.go). It
// also replaces entgql's generic pagination texts with ones that name the
// entity and state the page rules. Generation fails when a description is
// missing, so a new entity cannot reach the API undocumented.
func describe(g *gen.Graph, s *ast.Schema) error {
	var missing []string
	for _, n := range g.Nodes {
		ant, err := entgqlAnnotation(n.Annotations)
		if err != nil {
			return err
		}
		name := n.Name
		if ant.Type != "" {
			name = ant.Type
		}
		def := s.Types[name]
		if def == nil {
			continue // not exposed (entgql.Skip)
		}
		def.Description = typeComment(n.Annotations)
		if def.Description == "" {
			missing = append(missing, name+" (add schema.Comment to its Annotations)")
		}
		if id := def.Fields.ForName("id"); id != nil && id.Description == "" {
			id.Description = fmt.Sprintf("Global ID of this %s: opaque, stable, unique across all types (node(id:) fetches any record by it).", name)
		}
		for _, e := range n.Edges {
			eant, err := entgqlAnnotation(e.Annotations)
			if err != nil {
				return err
			}
			names := eant.Mapping
			if len(names) == 0 {
				names = []string{camel(e.Name)}
			}
			for _, fn := range names {
				if f := def.Fields.ForName(fn); f != nil && f.Description == "" {
					f.Description = e.Comment()
					if eant.RelayConnection {
						f.Description += " " + pageRule
					}
				}
			}
			// The where input's edge predicates are named after the ent edge;
			// say which GraphQL field they test.
			if w := s.Types[name+"WhereInput"]; w != nil {
				has := camel("has_" + e.Name)
				setField(w, has, fmt.Sprintf("true: only %s records with at least one %s.%s; false: only those with none.", name, name, names[0]))
				setField(w, has+"With", fmt.Sprintf("Only %s records with at least one %s.%s matching all of these filters.", name, name, names[0]))
			}
		}
		for _, f := range n.Fields {
			fant, err := entgqlAnnotation(f.Annotations)
			if err != nil {
				return err
			}
			if f.IsEnum() && !fant.Skip.Is(entgql.SkipType) && !fant.Skip.Is(entgql.SkipEnumField) {
				enumName := fant.Type
				if enumName == "" {
					enumName = name + templates.ToGo(f.Name)
				}
				if err := describeEnum(s.Types[enumName], f, &missing); err != nil {
					return err
				}
			}
		}
		describeOrder(s, n, name)
		describeConnection(s, name)
		describeWhere(s, n, name)
		describeMutationInputs(s, n, name)
		for _, input := range []string{name + "WhereInput", "Create" + name + "Input", "Update" + name + "Input"} {
			if def := s.Types[input]; def != nil {
				for _, f := range def.Fields {
					if f.Description == "" {
						missing = append(missing, input+"."+f.Name+" (describeWhere or describeMutationInputs knows no text for it)")
					}
				}
			}
		}
	}
	if query := s.Types["Query"]; query != nil {
		query.Description = "Entry points for reading. Every list is a Relay connection limited to the rows the viewer's role and region may read (see the README's Security section)."
		for _, f := range query.Fields {
			node := strings.TrimSuffix(f.Type.Name(), "Connection")
			if f.Description != "" || node == f.Type.Name() || s.Types[node] == nil {
				continue
			}
			f.Description = fmt.Sprintf("All %s records the viewer may read, filtered by where and sorted by orderBy (default: by ID). %s %s", node, pageRule, s.Types[node].Description)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("entc: descriptions missing for: %s", strings.Join(missing, "; "))
	}
	return nil
}

// pageRule is the page-size rule of every connection (graph/pagination.go).
const pageRule = "Pages hold at most 100 items: first or last between 0 and 100, 20 when both are omitted."

func describeEnum(def *ast.Definition, f *gen.Field, missing *[]string) error {
	if def == nil {
		return nil
	}
	def.Description = f.Comment()
	var doc map[string]string
	if raw, ok := f.Annotations["EnumDoc"]; ok {
		b, err := json.Marshal(raw)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return err
		}
	}
	for _, v := range def.EnumValues {
		if v.Description == "" {
			v.Description = doc[v.Name]
		}
		if v.Description == "" {
			*missing = append(*missing, fmt.Sprintf("%s.%s (add schema.EnumDoc to the field %s)", def.Name, v.Name, f.Name))
		}
	}
	return nil
}

// describeOrder documents each value of <Type>OrderField by the field it sorts on.
func describeOrder(s *ast.Schema, n *gen.Type, name string) {
	def := s.Types[name+"OrderField"]
	if def == nil {
		return
	}
	byTerm := map[string]*gen.Field{}
	for _, f := range append([]*gen.Field{n.ID}, n.Fields...) {
		if ant, err := entgqlAnnotation(f.Annotations); err == nil && ant.OrderField != "" {
			byTerm[ant.OrderField] = f
		}
	}
	for _, v := range def.EnumValues {
		if f := byTerm[v.Name]; f != nil && v.Description == "" {
			v.Description = fmt.Sprintf("By %s: %s", camel(f.Name), f.Comment())
		}
	}
	def.Description = fmt.Sprintf("What %s connections can be sorted by; ties are broken by ID.", name)
}

// describeConnection names the entity in the Relay types of its connections.
func describeConnection(s *ast.Schema, name string) {
	if c := s.Types[name+"Connection"]; c != nil {
		c.Description = fmt.Sprintf("One page of %s records (a Relay connection).", name)
		setField(c, "edges", fmt.Sprintf("The %s records of this page, in order, each with its cursor.", name))
		setField(c, "pageInfo", "Whether more pages follow or precede, and the cursors to fetch them.")
		setField(c, "totalCount", fmt.Sprintf("Number of %s records matching the where filter that the viewer may read, over all pages (not only this one).", name))
	}
	if e := s.Types[name+"Edge"]; e != nil {
		e.Description = fmt.Sprintf("One %s in a page, with the cursor that points at it.", name)
		setField(e, "node", fmt.Sprintf("The %s.", name))
		setField(e, "cursor", "Opaque position of this edge: pass it as after (next page) or before (previous page).")
	}
	if o := s.Types[name+"Order"]; o != nil {
		o.Description = fmt.Sprintf("How to sort %s records: a field and a direction.", name)
	}
}

func setField(def *ast.Definition, field, desc string) {
	if f := def.Fields.ForName(field); f != nil {
		f.Description = desc
	}
}

// typeComment is the text of a type's schema.Comment annotation.
func typeComment(ants gen.Annotations) string {
	c, _ := ants["Comment"].(map[string]any)
	text, _ := c["Text"].(string)
	return text
}

func entgqlAnnotation(ants gen.Annotations) (*entgql.Annotation, error) {
	ant := &entgql.Annotation{}
	if raw, ok := ants[ant.Name()]; ok {
		if err := ant.Decode(raw); err != nil {
			return nil, err
		}
	}
	return ant, nil
}

// camel is entgql's GraphQL name of an ent field or edge (parent_id → parentID).
var camel = gen.Funcs["camel"].(func(string) string)

// pascal, singular and snake are the other helpers entgql names input
// fields with (addSeatIDs, clearResidenceRegion).
var (
	pascal   = gen.Funcs["pascal"].(func(string) string)
	singular = gen.Funcs["singular"].(func(string) string)
	snake    = gen.Funcs["snake"].(func(string) string)
)

// predicateOps are the suffixes entgql gives a field's where predicates,
// longest first where one ends another (NotIn before In).
var predicateOps = []string{"ContainsFold", "EqualFold", "HasPrefix", "HasSuffix", "Contains", "NotNil", "IsNil", "NotIn", "NEQ", "GTE", "LTE", "GT", "LT", "In", ""}

// describeWhere documents every input field of <Type>WhereInput: the
// combinators, and each predicate by the field it tests, how, and the
// format of its value. entgql describes only the first predicate of each
// field, as "<field> field predicates".
func describeWhere(s *ast.Schema, n *gen.Type, name string) {
	w := s.Types[name+"WhereInput"]
	if w == nil {
		return
	}
	w.Description = fmt.Sprintf("Filter of %s records: every predicate given must hold (an AND); not, and and or combine filters.", name)
	setField(w, "not", fmt.Sprintf("Only %s records that do not match this filter.", name))
	setField(w, "and", fmt.Sprintf("Only %s records that match every one of these filters.", name))
	setField(w, "or", fmt.Sprintf("Only %s records that match at least one of these filters.", name))
	fields := map[string]bool{"id": true}
	for _, f := range n.Fields {
		fields[camel(f.Name)] = true
	}
	for _, f := range w.Fields {
		for _, op := range predicateOps {
			field, ok := strings.CutSuffix(f.Name, op)
			if ok && fields[field] {
				f.Description = predicateText(name, field, op, f.Type.Name())
				break
			}
		}
	}
}

// predicateText says what the where predicate op on field keeps.
func predicateText(typ, field, op, valueType string) string {
	whose := fmt.Sprintf("Only %s records whose %s", typ, field)
	after, before, atLeast, atMost := "is greater than", "is less than", "is at least", "is at most"
	format := ""
	switch valueType {
	case "Time":
		after, before, atLeast, atMost = "is after", "is before", "is at or after", "is at or before"
		format = " Times are RFC 3339 with a zone, e.g. 2026-01-01T00:00:00+08:00."
	case "Date":
		after, before, atLeast, atMost = "is after", "is before", "is on or after", "is on or before"
		format = " Dates are YYYY-MM-DD."
	}
	switch op {
	case "":
		return whose + " equals this value." + format
	case "NEQ":
		return whose + " is set and differs from this value." + format
	case "In":
		return whose + " is one of these values." + format
	case "NotIn":
		return whose + " is set and is none of these values." + format
	case "GT":
		return whose + " " + after + " this value." + format
	case "GTE":
		return whose + " " + atLeast + " this value." + format
	case "LT":
		return whose + " " + before + " this value." + format
	case "LTE":
		return whose + " " + atMost + " this value." + format
	case "Contains":
		return whose + " contains this text (letter case counts)."
	case "ContainsFold":
		return whose + " contains this text, ignoring letter case."
	case "HasPrefix":
		return whose + " starts with this text."
	case "HasSuffix":
		return whose + " ends with this text."
	case "EqualFold":
		return whose + " equals this text, ignoring letter case."
	case "IsNil":
		return fmt.Sprintf("true: only %s records whose %s is not set (null); false: no condition.", typ, field)
	case "NotNil":
		return fmt.Sprintf("true: only %s records whose %s is set; false: no condition.", typ, field)
	}
	return ""
}

// describeMutationInputs documents the input fields entgql adds to
// Create<Type>Input and Update<Type>Input beside the ent fields (which carry
// their own comments): the IDs of edges, the add/remove lists of to-many
// edges, and the clear and append switches.
func describeMutationInputs(s *ast.Schema, n *gen.Type, name string) {
	for _, kind := range []string{"Create", "Update"} {
		in := s.Types[kind+name+"Input"]
		if in == nil {
			continue
		}
		keep := ""
		if kind == "Update" {
			keep = " Omitted: unchanged."
		}
		for _, f := range n.Fields {
			field := camel(f.Name)
			setEmpty(in, "clear"+f.StructField(), fmt.Sprintf("true: set %s to null (not set); false or omitted: leave it.", field))
			setEmpty(in, "append"+f.StructField(), fmt.Sprintf("Values added at the end of the current %s list.", field))
		}
		for _, e := range n.Edges {
			edge := fmt.Sprintf("%s.%s", name, camel(e.Name))
			if ant, err := entgqlAnnotation(e.Annotations); err == nil && len(ant.Mapping) > 0 {
				edge = name + "." + ant.Mapping[0]
			}
			target := e.Type.Name
			if e.Unique {
				setEmpty(in, camel(e.Name)+"ID", fmt.Sprintf("%s: the %s's ID. %s%s", edge, target, e.Comment(), keep))
				setEmpty(in, camel(snake(e.MutationClear())), fmt.Sprintf("true: %s becomes empty (no %s); false or omitted: leave it.", edge, target))
				continue
			}
			setEmpty(in, camel(singular(e.Name))+"IDs", fmt.Sprintf("%s: IDs of %s records. %s", edge, target, e.Comment()))
			setEmpty(in, "add"+pascal(singular(e.Name))+"IDs", fmt.Sprintf("%s: IDs of %s records to add. %s", edge, target, e.Comment()))
			setEmpty(in, "remove"+pascal(singular(e.Name))+"IDs", fmt.Sprintf("%s: IDs of %s records to take out (the records stay, where they may exist without it).", edge, target))
			setEmpty(in, camel(snake(e.MutationClear())), fmt.Sprintf("true: take every record out of %s; false or omitted: leave it.", edge))
		}
	}
}

// setEmpty describes def's field when it has no description yet.
func setEmpty(def *ast.Definition, field, desc string) {
	if f := def.Fields.ForName(field); f != nil && f.Description == "" {
		f.Description = desc
	}
}
