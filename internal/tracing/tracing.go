// Package tracing is tuoyu's OpenTelemetry tracing: a span per HTTP request
// (otelhttp), per GraphQL operation and per resolver that may touch the
// database (Extension), and per SQL statement (Driver), with W3C trace
// context read from requests and written to responses. Without an OTLP
// endpoint nothing is exported and no connection is made: spans are no-ops
// that still carry an incoming trace ID into the logs.
package tracing

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// ScopeName is the instrumentation scope of tuoyu's own spans.
const ScopeName = "github.com/tuoyu/tuoyu"

// Propagator reads and writes W3C trace context (traceparent, tracestate)
// and baggage.
var Propagator propagation.TextMapPropagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// Config says where spans go.
type Config struct {
	// OTLPEndpoint is an OTLP/HTTP URL (http://collector:4318, or with a
	// path: http://collector:4318/v1/traces); empty exports nothing.
	OTLPEndpoint string
	// SampleRatio is the share of new traces recorded (0..1); a request
	// whose caller sampled it is always recorded (parent-based).
	SampleRatio float64
	// ServiceName is service.name (default "tuoyu").
	ServiceName string
}

// Setup returns the tracer provider for cfg and a func that flushes and
// stops it. Without an endpoint it is a no-op provider.
func Setup(ctx context.Context, cfg Config) (trace.TracerProvider, func(context.Context) error, error) {
	if cfg.OTLPEndpoint == "" {
		return noop.NewTracerProvider(), func(context.Context) error { return nil }, nil
	}
	if !strings.HasPrefix(cfg.OTLPEndpoint, "http://") && !strings.HasPrefix(cfg.OTLPEndpoint, "https://") {
		return nil, nil, fmt.Errorf("tracing: OTLP endpoint must be an http:// or https:// URL")
	}
	u, err := url.Parse(cfg.OTLPEndpoint)
	if err != nil || u.Host == "" {
		return nil, nil, fmt.Errorf("tracing: OTLP endpoint %q is not a URL", cfg.OTLPEndpoint)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces" // a collector's base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(u.String()), otlptracehttp.WithTimeout(10*time.Second))
	if err != nil {
		return nil, nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	name := cfg.ServiceName
	if name == "" {
		name = "tuoyu"
	}
	ratio := cfg.SampleRatio
	if ratio < 0 || ratio > 1 {
		return nil, nil, fmt.Errorf("tracing: sample ratio must be between 0 and 1")
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName(name))),
	)
	return tp, tp.Shutdown, nil
}

// untraced are paths whose requests get no span: probes and scrapes would
// drown the traces that matter.
var untraced = map[string]bool{"/livez": true, "/readyz": true, "/metrics": true}

// route names a path for a span: the endpoints by name, anything else
// "other" (a span name made from any path a client sends would make
// tracing backends index every scanner's probe).
func route(path string) string {
	switch {
	case path == "/query" || path == "/graphql" || path == "/":
		return path
	case strings.HasPrefix(path, "/dashboard"):
		return "/dashboard"
	case strings.HasPrefix(path, "/graphiql/"):
		return "/graphiql"
	}
	return "other"
}

// Handler gives each request a server span (a child of the caller's span
// when it sent traceparent) and writes the span's traceparent into the
// response, so a client can find its request's trace.
func Handler(next http.Handler, tp trace.TracerProvider) http.Handler {
	inject := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sc := trace.SpanContextFromContext(r.Context()); sc.IsValid() {
			Propagator.Inject(r.Context(), propagation.HeaderCarrier(w.Header()))
		}
		next.ServeHTTP(w, r)
	})
	return otelhttp.NewHandler(inject, "http.request",
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithPropagators(Propagator),
		otelhttp.WithFilter(func(r *http.Request) bool { return !untraced[r.URL.Path] }),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + route(r.URL.Path) }),
	)
}

// NoopProvider is the provider when tracing is off: spans record nothing,
// but carry the caller's trace context on to logs and the response.
func NoopProvider() trace.TracerProvider { return noop.NewTracerProvider() }

// Recording reports whether tp can record spans (it is not a no-op
// provider). Per-field and per-statement spans are skipped when it cannot:
// they would carry no trace context anyone reads.
func Recording(tp trace.TracerProvider) bool {
	switch tp.(type) {
	case noop.TracerProvider, *noop.TracerProvider:
		return false
	}
	return tp != nil
}
