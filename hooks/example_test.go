package hooks_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aiodb/aiodb/hooks"
)

// The driver calls the hook; here the events are fired by hand to show the
// records. Pass the hook in driver.Options{Hooks: ...} in a program.
func ExampleNewLogger() {
	h := slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{} // drop the time so the output is stable
			}
			return a
		},
	})
	logHook := hooks.NewLogger(slog.New(h), hooks.SlowThreshold(100*time.Millisecond), hooks.WithoutCaller(), hooks.WithArgs())

	ctx := context.Background()
	logHook.OnConnect(ctx, &hooks.ConnEvent{ConnID: 1, Driver: "aiopg", Duration: 3 * time.Millisecond})
	e := &hooks.StatementEvent{
		ConnID: 1, Kind: hooks.StmtQuery, SQL: "SELECT * FROM page_block WHERE key = $1",
		Args: []driver.NamedValue{{Ordinal: 1, Value: "title"}}, Async: true,
		Duration: 420 * time.Microsecond, Rows: 1,
	}
	logHook.OnStatementEnd(logHook.OnStatementStart(ctx, e), e)
	e.Duration = 250 * time.Millisecond
	logHook.OnStatementEnd(ctx, e)
	logHook.OnSyncViolation(ctx, &hooks.SyncViolation{ConnID: 1, Op: "exec", SQL: "DELETE FROM page_block", Caller: "app/main.go:42", Mode: "warn"})
	// Output:
	// level=DEBUG msg="aiodb: connect" conn_id=1 driver=aiopg duration=3ms
	// level=DEBUG msg="aiodb: query" conn_id=1 sql="SELECT * FROM page_block WHERE key = $1" args.1=title duration=420µs rows=1 async=true in_tx=false cached=false
	// level=WARN msg="aiodb: slow statement" conn_id=1 sql="SELECT * FROM page_block WHERE key = $1" args.1=title duration=250ms rows=1 async=true in_tx=false cached=false
	// level=WARN msg="aiodb: sync call" conn_id=1 op=exec sql="DELETE FROM page_block" mode=warn caller=app/main.go:42
}

func ExampleNewStats() {
	stats := hooks.NewStats()
	ctx := context.Background()
	stats.OnConnect(ctx, &hooks.ConnEvent{ConnID: 1})
	for i := range 10 {
		stats.OnStatementEnd(ctx, &hooks.StatementEvent{
			Kind: hooks.StmtQuery, Async: i%2 == 0, Cached: i > 0,
			Duration: time.Duration(i+1) * 100 * time.Microsecond,
		})
	}
	stats.OnStatementEnd(ctx, &hooks.StatementEvent{Kind: hooks.StmtExec, Duration: time.Millisecond, Err: errors.New("duplicate key")})

	s := stats.Snapshot()
	fmt.Printf("open=%d statements=%d queries=%d execs=%d errors=%d async=%d cache hits=%d\n",
		s.Open, s.Statements, s.Queries, s.Execs, s.StatementErrors, s.Async, s.CacheHits)
	// Quantiles are estimated from the histogram's buckets.
	fmt.Printf("max=%v p50~%v p99~%v\n", s.MaxDuration,
		s.Quantile(0.5).Round(time.Microsecond), s.Quantile(0.99).Round(time.Microsecond))
	// Output:
	// open=1 statements=11 queries=10 execs=1 errors=1 async=5 cache hits=9
	// max=1ms p50~542µs p99~991µs
}

// tracer is a hook that cares about statements only: it embeds Base.
type tracer struct{ hooks.Base }

type spanKey struct{}

func (tracer) OnStatementStart(ctx context.Context, e *hooks.StatementEvent) context.Context {
	fmt.Println("start span:", e.SQL)
	return context.WithValue(ctx, spanKey{}, e.SQL)
}

func (tracer) OnStatementEnd(ctx context.Context, e *hooks.StatementEvent) {
	fmt.Println("end span:", ctx.Value(spanKey{}), "rows:", e.Rows)
}

type printer struct {
	hooks.Base
	name string
}

func (p printer) OnStatementEnd(context.Context, *hooks.StatementEvent) {
	fmt.Println(p.name, "sees the end")
}

func ExampleChain() {
	stats := hooks.NewStats()
	h := hooks.Chain(tracer{}, nil, printer{name: "printer"}, stats) // nil hooks are skipped

	ctx := context.Background()
	e := &hooks.StatementEvent{Kind: hooks.StmtQuery, SQL: "SELECT 1", Rows: 1}
	ctx = h.OnStatementStart(ctx, e) // in order: tracer first
	h.OnStatementEnd(ctx, e)         // reversed: tracer last
	fmt.Println("statements counted:", stats.Snapshot().Statements)
	fmt.Println("no hooks:", hooks.Chain() == nil)
	// Output:
	// start span: SELECT 1
	// printer sees the end
	// end span: SELECT 1 rows: 1
	// statements counted: 1
	// no hooks: true
}
