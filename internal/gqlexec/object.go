package gqlexec

import (
	"io"

	"github.com/99designs/gqlgen/graphql"
)

// Object is what a generated object marshaller returns in place of its
// *graphql.FieldSet: the same JSON object, written without the map of
// written aliases and the heap copy of every field that FieldSet.MarshalGQL
// makes per object (together 15 % of the bytes a nested list page allocated).
//
// fields must be the slice set was made from (graphql.NewFieldSet(fields)),
// and set's values are read when the object is written, as FieldSet does.
func Object(fields []graphql.CollectedField, set *graphql.FieldSet) graphql.Marshaler {
	return object{fields: fields, set: set}
}

type object struct {
	fields []graphql.CollectedField
	set    *graphql.FieldSet
}

// MarshalGQL writes each field under its response key, once: a key that an
// earlier field already wrote is skipped, as FieldSet.MarshalGQL skips it.
// Keys are written without escaping because they are GraphQL names
// ([_A-Za-z][_0-9A-Za-z]*), which the parser has checked.
func (o object) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, "{")
	first := true
	for i := range o.fields {
		alias := o.fields[i].Alias
		if written(o.fields[:i], alias) {
			continue
		}
		if !first {
			_, _ = io.WriteString(w, ",")
		}
		first = false
		_, _ = io.WriteString(w, `"`)
		_, _ = io.WriteString(w, alias)
		_, _ = io.WriteString(w, `":`)
		o.set.Values[i].MarshalGQL(w)
	}
	_, _ = io.WriteString(w, "}")
}

// written reports whether one of before has the response key alias. An
// object has a handful of fields (the operation's complexity limit bounds
// them), so a scan costs less than the map it replaces.
func written(before []graphql.CollectedField, alias string) bool {
	for i := range before {
		if before[i].Alias == alias {
			return true
		}
	}
	return false
}
