package tracing_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/httpapi"
	"github.com/tuoyu/tuoyu/internal/kpi/kpifixture"
	"github.com/tuoyu/tuoyu/internal/pii"
	"github.com/tuoyu/tuoyu/internal/testdb"
	"github.com/tuoyu/tuoyu/internal/tracing"
)

// BenchmarkDashboardInstrumentation: the cost of the instrumentation on
// the dashboard request of TestDashboardSpanTree: "bare" (no tracing at
// all), "off" (the default: no-op provider, metrics on), "recording"
// (every span recorded, exporter discarding).
func BenchmarkDashboardInstrumentation(b *testing.B) {
	viewer := auth.Viewer{Subject: "obs", Role: auth.ProvinceRegulator, RegionCode: "210000"}
	for _, mode := range []string{"bare", "off", "recording"} {
		b.Run(mode, func(b *testing.B) {
			var h http.Handler
			var f *kpifixture.Fixture
			switch mode {
			case "bare":
				h, f = bareServer(b, viewer)
			case "off":
				h, f = server(b, tracingNoop(), viewer)
			case "recording":
				tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discard{}))
				b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
				h, f = server(b, tp, viewer)
			}
			vars := map[string]any{"city": fmt.Sprint(f.C.ID)}
			b.ResetTimer()
			for range b.N {
				do(b, h, dashboardQuery, vars, nil)
			}
		})
	}
}

// bareServer is server without any tracing.
func bareServer(t testing.TB, viewer auth.Viewer) (http.Handler, *kpifixture.Fixture) {
	d := testdb.Open(t)
	f := kpifixture.Build(t, d.Client)
	hasher, err := pii.NewHasher([]byte("tracing-test-key-0123456789abcd"))
	if err != nil {
		t.Fatal(err)
	}
	schema := graph.NewSchema(graph.Deps{Client: d.Client, Hasher: hasher, Driver: d.Counter, Dialect: d.Dialect})
	h := graph.NewHandler(schema, d.Client, graph.HandlerOptions{})
	as := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), &viewer)))
	})
	return httpapi.New(httpapi.Config{GraphQL: as, DB: d.SQL, Dialect: d.Dialect}).Handler, f
}

type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

func tracingNoop() trace.TracerProvider { return tracing.NoopProvider() }
