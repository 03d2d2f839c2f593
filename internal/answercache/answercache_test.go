package answercache_test

import (
	"context"
	"encoding/json"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/tuoyu/tuoyu/internal/answercache"
	"github.com/tuoyu/tuoyu/internal/dataversion"
)

// TestKeepsSuccessfulKeepableQueries: a keepable query is executed once per
// data version, scope, text and variables; responses with errors, other
// operations, reads without a version and executions that did something
// per request (an audited read) are executed every time.
func TestKeepsSuccessfulKeepableQueries(t *testing.T) {
	version, versioned := dataversion.Version(1), true
	scope := "regulator"
	x := answercache.New(1<<20,
		func(oc *graphql.OperationContext) bool { return oc.OperationName != "Other" },
		func(context.Context) (dataversion.Version, bool) { return version, versioned },
		func(context.Context) string { return scope })
	perRequest := false
	x.PerRequest = func(context.Context) bool { return perRequest }
	executed := 0
	answer := func(op ast.Operation, name, query string, vars map[string]any, errs gqlerror.List) string {
		t.Helper()
		oc := &graphql.OperationContext{RawQuery: query, OperationName: name, Variables: vars, Operation: &ast.OperationDefinition{Operation: op}}
		resp := x.InterceptResponse(graphql.WithOperationContext(context.Background(), oc), func(context.Context) *graphql.Response {
			executed++
			data, _ := json.Marshal(map[string]int{"n": executed})
			return &graphql.Response{Data: data, Errors: errs}
		})
		return string(resp.Data)
	}
	expect := func(what string, got string, wantExecuted int) {
		t.Helper()
		if executed != wantExecuted {
			t.Errorf("%s: %d executions; want %d (answer %s)", what, executed, wantExecuted, got)
		}
	}
	vars := map[string]any{"r": []any{"1", "2"}, "k": "SEATS_PER_1000"}
	first := answer(ast.Query, "D", "query D { x }", vars, nil)
	expect("first", first, 1)
	if got := answer(ast.Query, "D", "query D { x }", map[string]any{"k": "SEATS_PER_1000", "r": []any{"1", "2"}}, nil); got != first {
		t.Errorf("asked again: %s; want the kept %s", got, first)
	}
	expect("asked again", first, 1)
	answer(ast.Query, "D", "query D { x }", map[string]any{"r": []any{"1"}}, nil)
	expect("other variables", "", 2)
	answer(ast.Query, "D", "query D { y }", vars, nil)
	expect("other text", "", 3)
	scope = "bi"
	answer(ast.Query, "D", "query D { x }", vars, nil)
	expect("other scope", "", 4)
	scope = "regulator"
	version = 2
	answer(ast.Query, "D", "query D { x }", vars, nil)
	expect("newer data", "", 5)
	answer(ast.Query, "D", "query D { x }", vars, nil)
	expect("newer data, asked again", "", 5)

	for _, c := range []struct {
		what string
		ask  func()
	}{
		{"an error", func() { answer(ast.Query, "E", "query E { x }", nil, gqlerror.List{gqlerror.Errorf("no")}) }},
		{"not keepable", func() { answer(ast.Query, "Other", "query Other { x }", nil, nil) }},
		{"a mutation", func() { answer(ast.Mutation, "M", "mutation M { x }", nil, nil) }},
		{"no text", func() { answer(ast.Query, "", "", nil, nil) }},
		{"no version", func() { versioned = false; answer(ast.Query, "V", "query V { x }", nil, nil); versioned = true }},
		{"done per request", func() { perRequest = true; answer(ast.Query, "P", "query P { x }", nil, nil); perRequest = false }},
	} {
		before := executed
		c.ask()
		c.ask()
		if executed != before+2 {
			t.Errorf("%s: %d executions of 2 asks; want 2", c.what, executed-before)
		}
	}
}

// TestIdenticalQueriesExecuteOnce: requests for a query already executing
// at the same data version wait for its response instead of executing; if
// that response is not kept (an error), each executes its own.
func TestIdenticalQueriesExecuteOnce(t *testing.T) {
	for _, failing := range []bool{false, true} {
		x := answercache.New(1<<20,
			func(*graphql.OperationContext) bool { return true },
			func(context.Context) (dataversion.Version, bool) { return 7, true },
			func(context.Context) string { return "regulator" })
		var executed atomic.Int32
		release := make(chan struct{})
		ask := func() string {
			oc := &graphql.OperationContext{RawQuery: "query D { x }", OperationName: "D", Operation: &ast.OperationDefinition{Operation: ast.Query}}
			resp := x.InterceptResponse(graphql.WithOperationContext(context.Background(), oc), func(context.Context) *graphql.Response {
				n := executed.Add(1)
				<-release
				var errs gqlerror.List
				if failing {
					errs = gqlerror.List{gqlerror.Errorf("no")}
				}
				return &graphql.Response{Data: json.RawMessage(`{"n":` + strconv.Itoa(int(n)) + `}`), Errors: errs}
			})
			return string(resp.Data)
		}
		const asks = 6
		answers := make(chan string, asks)
		for range asks {
			go func() { answers <- ask() }()
		}
		// Let every request arrive while the first one executes.
		for executed.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
		close(release)
		seen := map[string]int{}
		for range asks {
			seen[<-answers]++
		}
		if want := map[bool]int32{false: 1, true: asks}[failing]; executed.Load() != want {
			t.Errorf("failing %v: %d executions of %d identical requests; want %d", failing, executed.Load(), asks, want)
		}
		if !failing && (len(seen) != 1 || seen[`{"n":1}`] != asks) {
			t.Errorf("answers %v; want the one execution's answer for all", seen)
		}
	}
}
