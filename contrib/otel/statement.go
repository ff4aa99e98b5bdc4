package aiootel

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/aiodb/aiodb/hooks"
)

// stmtSpan is what OnStatementStart leaves in the context for
// OnStatementEnd.
type stmtSpan struct {
	span trace.Span
	op   string
}

func (h *Hook) skip(e *hooks.StatementEvent) bool { return e.Internal && h.cfg.skipInternal }

// OnStatementStart starts the statement's span. Its parent is the
// transaction's span when the statement runs in a transaction and the
// caller's context carries no span begun inside it (no span, or the one
// that was current at BEGIN); otherwise the caller's span. The context it
// returns carries the span to the inner driver and to OnStatementEnd.
func (h *Hook) OnStatementStart(ctx context.Context, e *hooks.StatementEvent) context.Context {
	if h.skip(e) {
		return ctx
	}
	parent := ctx
	if e.TxContext != nil {
		if tx, _ := e.TxContext.Value(txKey{h}).(*txSpan); tx != nil {
			if sc := trace.SpanContextFromContext(ctx); !sc.IsValid() || sc.Equal(tx.parent) {
				parent = trace.ContextWithSpan(ctx, tx.span)
			}
		}
	}
	op := hooks.Operation(e.SQL)
	name := op
	if name == "" {
		name = h.system(e.Driver)
	}
	attrs := make([]attribute.KeyValue, 0, 6+len(e.Args))
	if op != "" {
		attrs = append(attrs, keyOperation.String(op))
	}
	if !h.cfg.noText {
		attrs = append(attrs, keyQueryText.String(e.SQL))
	}
	attrs = append(attrs, keyConnID.Int64(int64(e.ConnID)), keyAsync.Bool(e.Async))
	if e.Internal {
		attrs = append(attrs, keyInternal.Bool(true))
	}
	if e.Kind == hooks.StmtPrepare {
		attrs = append(attrs, keyPrepare.Bool(true))
	}
	if h.cfg.args {
		for _, a := range e.Args {
			attrs = append(attrs, argValue(a))
		}
	}
	ctx, span := h.startSpan(parent, name, e.Driver, e.Start, attrs...)
	return context.WithValue(ctx, stmtKey{h}, &stmtSpan{span: span, op: op})
}

// OnStatementEnd ends the statement's span (a query's when its rows are
// closed), with the rows returned or affected and the error, and records
// db.client.operation.duration.
func (h *Hook) OnStatementEnd(ctx context.Context, e *hooks.StatementEvent) {
	if h.skip(e) {
		return
	}
	st, _ := ctx.Value(stmtKey{h}).(*stmtSpan)
	if st == nil {
		return
	}
	if e.Rows >= 0 {
		switch e.Kind {
		case hooks.StmtQuery:
			st.span.SetAttributes(keyReturnedRows.Int64(e.Rows))
		case hooks.StmtExec:
			st.span.SetAttributes(keyRowsAffected.Int64(e.Rows))
		}
	}
	if e.Cached {
		st.span.SetAttributes(keyCacheHit.Bool(true))
	}
	endSpan(st.span, e.Err, e.Start.Add(e.Duration))

	attrs := make([]attribute.KeyValue, 0, 5)
	attrs = append(attrs, keySystem.String(h.system(e.Driver)))
	if st.op != "" {
		attrs = append(attrs, keyOperation.String(st.op))
	}
	for _, a := range h.server {
		if a.Key == keyServer || a.Key == keyPort {
			attrs = append(attrs, a)
		}
	}
	if e.Err != nil {
		attrs = append(attrs, keyErrorType.String(errorType(e.Err)))
	}
	h.duration.Record(ctx, e.Duration.Seconds(), metric.WithAttributes(attrs...))
}
