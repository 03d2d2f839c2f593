package graph

import (
	"bytes"
	"maps"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
)

// codegenDirectives steer Go code generation (gqlgen's @goModel, @goField,
// …) and mean nothing to a client: the public schema, which introspection
// shows and PrintSchema prints, leaves them out.
var codegenDirectives = map[string]bool{
	"goModel":      true,
	"goField":      true,
	"goTag":        true,
	"goExtraField": true,
	"goEnum":       true,
}

// publicDirectives returns s with the code-generation directive definitions
// removed, for the executable schema that introspection reads. Type
// definitions are shared with s: introspection never shows the directives
// applied to them.
func publicDirectives(s *ast.Schema) *ast.Schema {
	p := *s
	p.Directives = maps.Clone(s.Directives)
	maps.DeleteFunc(p.Directives, func(name string, _ *ast.DirectiveDefinition) bool { return codegenDirectives[name] })
	return &p
}

// PrintSchema prints the schema as clients see it through introspection:
// every type, field, argument and enum value with its description, the
// directives a client may use, and nothing of code generation. The output
// is deterministic; it is committed as schema.graphql, the public contract.
func PrintSchema(s *ast.Schema) string {
	p := publicDirectives(s)
	p.Types = make(map[string]*ast.Definition, len(s.Types))
	for name, def := range s.Types {
		d := *def
		d.Directives = publicDirectiveList(def.Directives)
		d.Fields = make(ast.FieldList, len(def.Fields))
		for i, f := range def.Fields {
			fc := *f
			fc.Directives = publicDirectiveList(f.Directives)
			d.Fields[i] = &fc
		}
		d.EnumValues = make(ast.EnumValueList, len(def.EnumValues))
		for i, v := range def.EnumValues {
			vc := *v
			vc.Directives = publicDirectiveList(v.Directives)
			d.EnumValues[i] = &vc
		}
		p.Types[name] = &d
	}
	var b bytes.Buffer
	formatter.NewFormatter(&b, formatter.WithIndent("  ")).FormatSchema(p)
	return b.String()
}

func publicDirectiveList(l ast.DirectiveList) ast.DirectiveList {
	var out ast.DirectiveList
	for _, d := range l {
		if !codegenDirectives[d.Name] {
			out = append(out, d)
		}
	}
	return out
}
