package hooks_test

import (
	"bytes"
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aiodb/aiodb/hooks"
)

// textLogger returns a logger writing text records at level and above into
// the returned buffer, without the time attribute.
func textLogger(level slog.Level) (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	h := slog.NewTextHandler(&buf, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})
	return slog.New(h), &buf
}

func queryEvent() *hooks.StatementEvent {
	return &hooks.StatementEvent{
		ConnID:   7,
		Kind:     hooks.StmtQuery,
		SQL:      "SELECT name FROM users WHERE id = $1 AND team = $2",
		Args:     []driver.NamedValue{{Ordinal: 1, Value: int64(42)}, {Ordinal: 2, Value: "core"}},
		Async:    true,
		Duration: 1500 * time.Microsecond,
		Rows:     3,
		Cached:   true,
	}
}

// nextLine returns "hooks/<this file>:<line>" for the line after its call.
func nextLine() string {
	_, file, line, _ := runtime.Caller(1)
	return filepath.Base(filepath.Dir(file)) + "/" + filepath.Base(file) + ":" + fmt.Sprint(line+1)
}

func TestLoggerStatementAttributes(t *testing.T) {
	l, buf := textLogger(slog.LevelDebug)
	h := hooks.NewLogger(l, hooks.WithArgs())
	caller := nextLine()
	h.OnStatementEnd(context.Background(), queryEvent())

	want := `level=DEBUG msg="aiodb: query" conn_id=7 sql="SELECT name FROM users WHERE id = $1 AND team = $2" ` +
		`args.1=42 args.2=core duration=1.5ms rows=3 async=true in_tx=false cached=true caller=` + caller + "\n"
	if got := buf.String(); got != want {
		t.Fatalf("record:\n got %q\nwant %q", got, want)
	}
}

// TestLoggerLeavesArgsOutByDefault: bound values (passwords, tokens,
// personal data) reach the log only with WithArgs.
func TestLoggerLeavesArgsOutByDefault(t *testing.T) {
	l, buf := textLogger(slog.LevelDebug)
	hooks.NewLogger(l, hooks.WithoutCaller()).OnStatementEnd(context.Background(), queryEvent())
	got := buf.String()
	if strings.Contains(got, "args") || strings.Contains(got, "42") || strings.Contains(got, "core") {
		t.Fatalf("the default logger logged the arguments: %q", got)
	}
	if !strings.Contains(got, "sql=") || !strings.Contains(got, "rows=3") {
		t.Fatalf("the default logger lost the other attributes: %q", got)
	}
}

func TestLoggerWithoutArgs(t *testing.T) {
	l, buf := textLogger(slog.LevelDebug)
	hooks.NewLogger(l, hooks.WithoutArgs(), hooks.WithoutCaller()).OnStatementEnd(context.Background(), queryEvent())
	got := buf.String()
	if strings.Contains(got, "args") || strings.Contains(got, "core") || strings.Contains(got, "=42") {
		t.Fatalf("WithoutArgs logged the arguments: %q", got)
	}
	if strings.Contains(got, "caller=") {
		t.Fatalf("WithoutCaller logged the caller: %q", got)
	}
	if !strings.Contains(got, `sql="SELECT name FROM users`) || !strings.Contains(got, "rows=3") {
		t.Fatalf("WithoutArgs lost the other attributes: %q", got)
	}
}

func TestLoggerJSONTypes(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := queryEvent()
	e.Args = []driver.NamedValue{
		{Name: "id", Ordinal: 1, Value: int64(42)},
		{Ordinal: 2, Value: bytes.Repeat([]byte{0xff}, 100)},
	}
	e.Rows = -1
	hooks.NewLogger(l, hooks.WithArgs()).OnStatementEnd(context.Background(), e)

	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("record is not JSON: %v: %s", err, buf.Bytes())
	}
	args, ok := rec["args"].(map[string]any)
	if !ok {
		t.Fatalf("args = %#v, want an object", rec["args"])
	}
	if args["id"] != float64(42) || args["2"] != "<100 bytes>" {
		t.Errorf("args = %v, want id=42 and a 100-byte blob shown by its size", args)
	}
	if rec["conn_id"] != float64(7) || rec["async"] != true || rec["cached"] != true || rec["duration"] != float64(1500000) {
		t.Errorf("conn_id/async/cached/duration wrong: %v", rec)
	}
	if _, ok := rec["rows"]; ok {
		t.Errorf("rows logged although unknown (-1): %v", rec["rows"])
	}
	if c, _ := rec["caller"].(string); !strings.HasPrefix(c, "hooks/logger_test.go:") {
		t.Errorf("caller = %q, want this test's file", c)
	}
}

func TestLoggerStatementLevels(t *testing.T) {
	canceled := fmt.Errorf("reading rows: %w", context.Canceled)
	for _, tc := range []struct {
		name      string
		err       error
		dur       time.Duration
		slow      time.Duration
		wantLevel string
		wantMsg   string
	}{
		{"ok", nil, time.Millisecond, 0, "DEBUG", "aiodb: query"},
		{"error", errors.New("relation \"users\" does not exist"), time.Millisecond, 0, "ERROR", "aiodb: query"},
		{"deadline is an error", context.DeadlineExceeded, time.Millisecond, 0, "ERROR", "aiodb: query"},
		{"canceled", canceled, time.Millisecond, 0, "DEBUG", "aiodb: query"},
		{"bad conn", driver.ErrBadConn, time.Millisecond, 0, "WARN", "aiodb: query"},
		{"fast", nil, 99 * time.Millisecond, 100 * time.Millisecond, "DEBUG", "aiodb: query"},
		{"slow", nil, 100 * time.Millisecond, 100 * time.Millisecond, "WARN", "aiodb: slow statement"},
		{"slow and failed", errors.New("boom"), time.Second, 100 * time.Millisecond, "ERROR", "aiodb: query"},
		{"slow and canceled", canceled, time.Second, 100 * time.Millisecond, "WARN", "aiodb: slow statement"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, buf := textLogger(slog.LevelDebug)
			e := queryEvent()
			e.Err, e.Duration = tc.err, tc.dur
			hooks.NewLogger(l, hooks.SlowThreshold(tc.slow)).OnStatementEnd(context.Background(), e)
			got := buf.String()
			if want := fmt.Sprintf("level=%s msg=%q ", tc.wantLevel, tc.wantMsg); !strings.HasPrefix(got, want) {
				t.Fatalf("record %q does not start with %q", got, want)
			}
			if tc.err != nil && !strings.Contains(got, "err=") {
				t.Fatalf("record %q has no err attribute", got)
			}
		})
	}
}

func TestLoggerSlowThresholdAtWarnLevel(t *testing.T) {
	l, buf := textLogger(slog.LevelWarn)
	h := hooks.NewLogger(l, hooks.SlowThreshold(50*time.Millisecond))
	e := queryEvent()
	e.Duration = 10 * time.Millisecond
	h.OnStatementEnd(context.Background(), e)
	if buf.Len() != 0 {
		t.Fatalf("a fast statement was logged at Warn level: %q", buf.String())
	}
	e.Duration = 80 * time.Millisecond
	h.OnStatementEnd(context.Background(), e)
	if got := buf.String(); !strings.HasPrefix(got, `level=WARN msg="aiodb: slow statement"`) || !strings.Contains(got, "duration=80ms") {
		t.Fatalf("slow statement record = %q", got)
	}
}

func TestLoggerConnTxAndSyncEvents(t *testing.T) {
	ctx := context.Background()
	refused := errors.New("connection refused")
	for _, tc := range []struct {
		name string
		fire func(hooks.Hook)
		want string
	}{
		{"connect", func(h hooks.Hook) {
			h.OnConnect(ctx, &hooks.ConnEvent{ConnID: 1, Driver: "aiopg", Duration: 2 * time.Millisecond})
		}, `level=DEBUG msg="aiodb: connect" conn_id=1 driver=aiopg duration=2ms`},
		{"connect error", func(h hooks.Hook) {
			h.OnConnect(ctx, &hooks.ConnEvent{ConnID: 2, Driver: "aiomysql", Duration: time.Second, Err: refused})
		}, `level=ERROR msg="aiodb: connect failed" conn_id=2 driver=aiomysql duration=1s err="connection refused"`},
		{"reset", func(h hooks.Hook) {
			h.OnReset(ctx, &hooks.ConnEvent{ConnID: 3, Driver: "aiosqlite", Duration: time.Microsecond})
		}, `level=DEBUG msg="aiodb: reset" conn_id=3 driver=aiosqlite duration=1µs`},
		{"close", func(h hooks.Hook) {
			h.OnClose(&hooks.ConnEvent{ConnID: 4, Driver: "aiopgx"})
		}, `level=DEBUG msg="aiodb: close" conn_id=4 driver=aiopgx duration=0s`},
		{"begin", func(h hooks.Hook) {
			h.OnTx(ctx, &hooks.TxEvent{ConnID: 5, Kind: hooks.TxBegin, Duration: time.Millisecond, Async: true})
		}, `level=DEBUG msg="aiodb: begin" conn_id=5 duration=1ms async=true`},
		{"savepoint", func(h hooks.Hook) {
			h.OnTx(ctx, &hooks.TxEvent{ConnID: 5, Kind: hooks.TxSavepoint, Name: "sp1"})
		}, `level=DEBUG msg="aiodb: savepoint" conn_id=5 duration=0s async=false name=sp1`},
		{"commit failed", func(h hooks.Hook) {
			h.OnTx(ctx, &hooks.TxEvent{ConnID: 5, Kind: hooks.TxCommit, Err: errors.New("serialization failure")})
		}, `level=ERROR msg="aiodb: commit" conn_id=5 duration=0s async=false err="serialization failure"`},
		{"rollback canceled", func(h hooks.Hook) {
			h.OnTx(ctx, &hooks.TxEvent{ConnID: 5, Kind: hooks.TxRollback, Err: context.Canceled})
		}, `level=DEBUG msg="aiodb: rollback" conn_id=5 duration=0s async=false err="context canceled"`},
		{"sync violation", func(h hooks.Hook) {
			h.OnSyncViolation(ctx, &hooks.SyncViolation{ConnID: 6, Op: "query", SQL: "SELECT 1", Caller: "app/main.go:12", Mode: "warn"})
		}, `level=WARN msg="aiodb: sync call" conn_id=6 op=query sql="SELECT 1" mode=warn caller=app/main.go:12`},
		{"sync begin", func(h hooks.Hook) {
			h.OnSyncViolation(ctx, &hooks.SyncViolation{ConnID: 6, Op: "begin", Mode: "warn"})
		}, `level=WARN msg="aiodb: sync call" conn_id=6 op=begin mode=warn`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, buf := textLogger(slog.LevelDebug)
			tc.fire(hooks.NewLogger(l))
			if got := strings.TrimSuffix(buf.String(), "\n"); got != tc.want {
				t.Fatalf("record:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// countingHandler counts calls, to prove that a disabled level stops at
// Enabled.
type countingHandler struct {
	level   slog.Level
	enabled int
	handled int
}

func (h *countingHandler) Enabled(_ context.Context, l slog.Level) bool {
	h.enabled++
	return l >= h.level
}
func (h *countingHandler) Handle(context.Context, slog.Record) error { h.handled++; return nil }
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler        { return h }
func (h *countingHandler) WithGroup(string) slog.Handler             { return h }

func TestLoggerDisabledLevelDoesNoWork(t *testing.T) {
	ch := &countingHandler{level: slog.LevelInfo}
	h := hooks.NewLogger(slog.New(ch))
	ctx := context.Background()
	e := queryEvent()
	conn := &hooks.ConnEvent{ConnID: 1, Driver: "aiopg"}
	tx := &hooks.TxEvent{ConnID: 1, Kind: hooks.TxCommit}
	allocs := testing.AllocsPerRun(200, func() {
		h.OnConnect(ctx, conn)
		h.OnReset(ctx, conn)
		h.OnTx(ctx, tx)
		h.OnStatementEnd(h.OnStatementStart(ctx, e), e)
		h.OnClose(conn)
	})
	if allocs != 0 {
		t.Errorf("disabled logger allocates %.1f times per event round, want 0", allocs)
	}
	if ch.handled != 0 {
		t.Errorf("handler got %d records below its level", ch.handled)
	}
	if ch.enabled == 0 {
		t.Error("logger never asked the handler whether the level is enabled")
	}
}

func TestLoggerNilUsesDefault(t *testing.T) {
	old := slog.Default()
	defer slog.SetDefault(old)
	l, buf := textLogger(slog.LevelDebug)
	h := hooks.NewLogger(nil)
	slog.SetDefault(l) // after NewLogger: the default is looked up per event
	h.OnSyncViolation(context.Background(), &hooks.SyncViolation{ConnID: 9, Op: "exec", Mode: "warn"})
	if !strings.Contains(buf.String(), `msg="aiodb: sync call" conn_id=9`) {
		t.Fatalf("nil logger did not log through slog.Default: %q", buf.String())
	}
}

// The caller attribute skips the frames of aiodb itself, so a hook called
// through a Chain still names the test.
func TestLoggerCallerThroughChain(t *testing.T) {
	l, buf := textLogger(slog.LevelDebug)
	h := hooks.Chain(hooks.NewStats(), hooks.NewLogger(l))
	caller := nextLine()
	h.OnStatementEnd(context.Background(), queryEvent())
	if !strings.HasSuffix(strings.TrimSpace(buf.String()), "caller="+caller) {
		t.Fatalf("record %q does not end with caller=%s", buf.String(), caller)
	}
}
