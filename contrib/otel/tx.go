package aiootel

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/aiodb/aiodb/hooks"
)

// txSpan is what OnTxStart leaves in the transaction's context.
type txSpan struct {
	span trace.Span
	// parent is the caller's span at BEGIN: a statement whose context
	// still carries it (or none) is made a child of the transaction.
	parent trace.SpanContext
}

// OnTxStart starts the transaction's span, named TRANSACTION, before BEGIN
// is sent: a child of the caller's span. The driver keeps the context it
// returns for the transaction's statements and its end.
func (h *Hook) OnTxStart(ctx context.Context, e *hooks.TxEvent) context.Context {
	parent := trace.SpanContextFromContext(ctx)
	ctx, span := h.startSpan(ctx, "TRANSACTION", e.Driver, time.Now(),
		keyOperation.String("TRANSACTION"), keyConnID.Int64(int64(e.ConnID)), keyAsync.Bool(e.Async))
	return context.WithValue(ctx, txKey{h}, &txSpan{span: span, parent: parent})
}

// OnTx ends the transaction's span at COMMIT or ROLLBACK (aiodb.tx.end
// says which), or at a BEGIN that failed, with the error. A savepoint is
// an event on the span when the statement's context carries it.
func (h *Hook) OnTx(ctx context.Context, e *hooks.TxEvent) {
	tx, _ := ctx.Value(txKey{h}).(*txSpan)
	if tx == nil {
		return
	}
	if !e.EndsTx() {
		if e.Kind != hooks.TxBegin {
			tx.span.AddEvent(e.Kind.String())
		}
		return
	}
	if e.Kind != hooks.TxBegin {
		tx.span.SetAttributes(keyTxEnd.String(e.Kind.String()))
	}
	endSpan(tx.span, e.Err, time.Now())
}
