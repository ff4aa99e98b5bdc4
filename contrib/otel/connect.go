package aiootel

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/aiodb/aiodb/hooks"
)

// OnConnectStart starts a span named CONNECT before a physical connection
// is opened; it is a child of the span in ctx, a root span when
// database/sql connects in the background. WithoutConnectSpans turns it
// off.
func (h *Hook) OnConnectStart(ctx context.Context, e *hooks.ConnEvent) context.Context {
	if h.cfg.noConnect {
		return ctx
	}
	ctx, span := h.startSpan(ctx, "CONNECT", e.Driver, time.Now(), keyOperation.String("CONNECT"))
	return context.WithValue(ctx, connKey{h}, span)
}

// OnConnect ends the CONNECT span with the new connection's id or the
// error.
func (h *Hook) OnConnect(ctx context.Context, e *hooks.ConnEvent) {
	span, _ := ctx.Value(connKey{h}).(trace.Span)
	if span == nil {
		return
	}
	if e.Err == nil {
		span.SetAttributes(keyConnID.Int64(int64(e.ConnID)))
	}
	endSpan(span, e.Err, time.Now())
}
