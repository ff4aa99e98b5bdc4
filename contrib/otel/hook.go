package aiootel

import (
	"context"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/aiodb/aiodb/hooks"
)

// ScopeName is the instrumentation scope of the hook's tracer and meter.
const ScopeName = "github.com/aiodb/aiodb/contrib/otel"

// Hook makes OpenTelemetry spans of statements, transactions and connects,
// and records statement durations. It implements hooks.Hook,
// hooks.TxStarter and hooks.ConnectStarter; make it with New. Its methods
// are safe for concurrent use.
type Hook struct {
	hooks.Base
	cfg      config
	tracer   trace.Tracer
	duration metric.Float64Histogram
	// server holds server.address, server.port, db.namespace and
	// WithAttributes' attributes, added to every span.
	server []attribute.KeyValue
}

var (
	_ hooks.Hook           = (*Hook)(nil)
	_ hooks.TxStarter      = (*Hook)(nil)
	_ hooks.ConnectStarter = (*Hook)(nil)
)

// durationBounds are the bucket bounds, in seconds, the semantic
// conventions give db.client.operation.duration.
var durationBounds = []float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10}

// New returns a Hook with opts. It takes the global tracer and meter
// providers at this call unless WithTracerProvider and WithMeterProvider
// give others.
func New(opts ...Option) *Hook {
	h := &Hook{}
	for _, o := range opts {
		o(&h.cfg)
	}
	if h.cfg.tp == nil {
		h.cfg.tp = otel.GetTracerProvider()
	}
	if h.cfg.mp == nil {
		h.cfg.mp = otel.GetMeterProvider()
	}
	h.tracer = h.cfg.tp.Tracer(ScopeName)
	d, err := h.cfg.mp.Meter(ScopeName).Float64Histogram("db.client.operation.duration",
		metric.WithUnit("s"),
		metric.WithDescription("Duration of database client operations."),
		metric.WithExplicitBucketBoundaries(durationBounds...))
	if err != nil {
		otel.Handle(err)
	}
	h.duration = d // a no-op instrument when err != nil
	if h.cfg.server != "" {
		h.server = append(h.server, keyServer.String(h.cfg.server))
		if h.cfg.port != 0 {
			h.server = append(h.server, keyPort.Int(h.cfg.port))
		}
	}
	if h.cfg.namespace != "" {
		h.server = append(h.server, keyNamespace.String(h.cfg.namespace))
	}
	h.server = append(h.server, h.cfg.attrs...)
	return h
}

// system is db.system.name for an event of the driver named driverName.
func (h *Hook) system(driverName string) string {
	if h.cfg.system != "" {
		return h.cfg.system
	}
	return systemOf(driverName)
}

// The context keys carry the hook itself, so that two Hooks in one chain
// never take each other's spans.
type (
	stmtKey struct{ h *Hook }
	txKey   struct{ h *Hook }
	connKey struct{ h *Hook }
)

// endSpan sets the error's status and attributes when err is not nil, and
// ends span at end.
func endSpan(span trace.Span, err error, end time.Time) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		span.SetAttributes(keyErrorType.String(errorType(err)))
		if code := statusCode(err); code != "" {
			span.SetAttributes(keyStatusCode.String(code))
		}
	}
	span.End(trace.WithTimestamp(end))
}

// startSpan starts a client span with the event's common attributes.
func (h *Hook) startSpan(ctx context.Context, name, driverName string, start time.Time, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	all := make([]attribute.KeyValue, 0, 1+len(h.server)+len(attrs))
	all = append(all, keySystem.String(h.system(driverName)))
	all = append(all, h.server...)
	all = append(all, attrs...)
	return h.tracer.Start(ctx, name,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithTimestamp(start),
		trace.WithAttributes(all...))
}
