package hooks_test

import (
	"context"
	"database/sql/driver"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aiodb/aiodb/hooks"
)

// BenchmarkStatementHook measures one statement's start+end events through
// each hook. "base" (a hook that does nothing) is the baseline; compare the
// others to it as ratios.
func BenchmarkStatementHook(b *testing.B) {
	disabled := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	enabled := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, bc := range []struct {
		name string
		h    hooks.Hook
	}{
		{"base", hooks.Base{}},
		{"stats", hooks.NewStats()},
		{"logger-disabled", hooks.NewLogger(disabled)},
		{"chain-stats-logger-disabled", hooks.Chain(hooks.NewStats(), hooks.NewLogger(disabled))},
		{"logger-enabled", hooks.NewLogger(enabled)},
		{"logger-enabled-without-caller", hooks.NewLogger(enabled, hooks.WithoutCaller())},
	} {
		e := &hooks.StatementEvent{
			ConnID: 1, Kind: hooks.StmtQuery, SQL: "SELECT id, key, text FROM page_block WHERE key = $1",
			Args: []driver.NamedValue{{Ordinal: 1, Value: "title"}}, Async: true,
			Duration: 120 * time.Microsecond, Rows: 1,
		}
		ctx := context.Background()
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.h.OnStatementEnd(bc.h.OnStatementStart(ctx, e), e)
			}
		})
		b.Run(bc.name+"-parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				e := *e
				for pb.Next() {
					bc.h.OnStatementEnd(bc.h.OnStatementStart(ctx, &e), &e)
				}
			})
		})
	}
}
