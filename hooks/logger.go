package hooks

import (
	"context"
	"database/sql/driver"
	"errors"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// LoggerOption configures the hook returned by NewLogger.
type LoggerOption func(*logger)

// WithArgs adds the statements' bound arguments to the log. They are left
// out by default: arguments often carry passwords, tokens or personal
// data, which a log must not receive unless its owner chose so.
func WithArgs() LoggerOption { return func(l *logger) { l.args = true } }

// WithoutArgs leaves the statements' arguments out of the log, which is
// the default; it undoes an earlier WithArgs.
func WithoutArgs() LoggerOption { return func(l *logger) { l.args = false } }

// WithoutCaller leaves out the caller attribute, which costs a walk of the
// stack for every record logged.
func WithoutCaller() LoggerOption { return func(l *logger) { l.caller = false } }

// SlowThreshold logs at Warn level, with the message "aiodb: slow
// statement", each statement that took d or longer. d <= 0 (the default)
// turns slow-statement logging off.
func SlowThreshold(d time.Duration) LoggerOption { return func(l *logger) { l.slow = d } }

// NewLogger returns a Hook that logs through l; a nil l means slog.Default()
// at the time of each event. Records and their levels:
//
//   - statement end: Debug; Warn when slower than SlowThreshold or when the
//     driver reports driver.ErrBadConn (database/sql retries those); Error
//     when it failed for another reason than context.Canceled.
//   - connect, reset, close: Debug; a failed connect is logged at Error.
//   - begin, commit, rollback and savepoints: Debug; Error when they failed
//     for another reason than context.Canceled.
//   - sync violations (aio_sync=warn): Warn.
//
// Statement records carry conn_id, sql, args (with WithArgs only), duration,
// rows (when known), async, in_tx, cached, err (when set) and caller (the
// first frame outside database/sql and aiodb, unless WithoutCaller). The hook
// asks l.Enabled before building a record, so a level that drops the record
// costs no allocation and no stack walk.
func NewLogger(l *slog.Logger, opts ...LoggerOption) Hook {
	lg := &logger{l: l, caller: true}
	for _, o := range opts {
		o(lg)
	}
	return lg
}

type logger struct {
	Base
	l      *slog.Logger
	args   bool
	caller bool
	slow   time.Duration
}

func (lg *logger) logger() *slog.Logger {
	if lg.l != nil {
		return lg.l
	}
	return slog.Default()
}

// Messages are constants so that a record costs no string building.
var stmtMessages = [...]string{"aiodb: statement", "aiodb: query", "aiodb: exec", "aiodb: prepare"}

var txMessages = [...]string{"aiodb: tx", "aiodb: begin", "aiodb: commit", "aiodb: rollback",
	"aiodb: savepoint", "aiodb: release savepoint", "aiodb: rollback to savepoint"}

func (lg *logger) OnConnect(ctx context.Context, e *ConnEvent) {
	level, msg := slog.LevelDebug, "aiodb: connect"
	if e.Err != nil {
		level, msg = slog.LevelError, "aiodb: connect failed"
	}
	lg.connEvent(ctx, level, msg, e)
}

func (lg *logger) OnReset(ctx context.Context, e *ConnEvent) {
	lg.connEvent(ctx, slog.LevelDebug, "aiodb: reset", e)
}

func (lg *logger) OnClose(e *ConnEvent) {
	lg.connEvent(context.Background(), slog.LevelDebug, "aiodb: close", e)
}

func (lg *logger) connEvent(ctx context.Context, level slog.Level, msg string, e *ConnEvent) {
	l := lg.logger()
	if !l.Enabled(ctx, level) {
		return
	}
	attrs := [4]slog.Attr{
		slog.Uint64("conn_id", e.ConnID),
		slog.String("driver", e.Driver),
		slog.Duration("duration", e.Duration),
	}
	n := 3
	if e.Err != nil {
		attrs[n] = slog.Any("err", e.Err)
		n++
	}
	l.LogAttrs(ctx, level, msg, attrs[:n]...)
}

func (lg *logger) OnTx(ctx context.Context, e *TxEvent) {
	level := errLevel(e.Err, slog.LevelDebug)
	l := lg.logger()
	if !l.Enabled(ctx, level) {
		return
	}
	msg := txMessages[0]
	if int(e.Kind) < len(txMessages) {
		msg = txMessages[e.Kind]
	}
	attrs := [5]slog.Attr{
		slog.Uint64("conn_id", e.ConnID),
		slog.Duration("duration", e.Duration),
		slog.Bool("async", e.Async),
	}
	n := 3
	if e.Name != "" {
		attrs[n] = slog.String("name", e.Name)
		n++
	}
	if e.Err != nil {
		attrs[n] = slog.Any("err", e.Err)
		n++
	}
	l.LogAttrs(ctx, level, msg, attrs[:n]...)
}

func (lg *logger) OnStatementEnd(ctx context.Context, e *StatementEvent) {
	msg := stmtMessages[0]
	if int(e.Kind) < len(stmtMessages) {
		msg = stmtMessages[e.Kind]
	}
	level := errLevel(e.Err, slog.LevelDebug)
	if level < slog.LevelWarn && lg.slow > 0 && e.Duration >= lg.slow {
		level, msg = slog.LevelWarn, "aiodb: slow statement"
	}
	l := lg.logger()
	if !l.Enabled(ctx, level) {
		return
	}
	attrs := [11]slog.Attr{
		slog.Uint64("conn_id", e.ConnID),
		slog.String("sql", e.SQL),
	}
	n := 2
	if lg.args && len(e.Args) > 0 {
		attrs[n] = slog.Any("args", argsValue(e.Args))
		n++
	}
	attrs[n] = slog.Duration("duration", e.Duration)
	n++
	if e.Rows >= 0 {
		attrs[n] = slog.Int64("rows", e.Rows)
		n++
	}
	attrs[n] = slog.Bool("async", e.Async)
	attrs[n+1] = slog.Bool("in_tx", e.InTx)
	attrs[n+2] = slog.Bool("cached", e.Cached)
	n += 3
	if e.Err != nil {
		attrs[n] = slog.Any("err", e.Err)
		n++
	}
	if lg.caller {
		if c := callerOutside(); c != "" {
			attrs[n] = slog.String("caller", c)
			n++
		}
	}
	l.LogAttrs(ctx, level, msg, attrs[:n]...)
}

func (lg *logger) OnSyncViolation(ctx context.Context, e *SyncViolation) {
	l := lg.logger()
	if !l.Enabled(ctx, slog.LevelWarn) {
		return
	}
	attrs := [5]slog.Attr{
		slog.Uint64("conn_id", e.ConnID),
		slog.String("op", e.Op),
	}
	n := 2
	if e.SQL != "" {
		attrs[n] = slog.String("sql", e.SQL)
		n++
	}
	attrs[n] = slog.String("mode", e.Mode)
	n++
	if e.Caller != "" {
		attrs[n] = slog.String("caller", e.Caller)
		n++
	}
	l.LogAttrs(ctx, slog.LevelWarn, "aiodb: sync call", attrs[:n]...)
}

// errLevel returns the level of an event that ended with err: ok when err is
// nil or a cancellation (the caller asked for it), Warn for a bad connection
// that database/sql will retry, Error otherwise.
func errLevel(err error, ok slog.Level) slog.Level {
	switch {
	case err == nil || errors.Is(err, context.Canceled):
		return ok
	case errors.Is(err, driver.ErrBadConn):
		return slog.LevelWarn
	}
	return slog.LevelError
}

// maxLoggedBytes bounds how much of a []byte argument is logged.
const maxLoggedBytes = 64

// argsValue logs statement arguments as a group keyed by name, or by
// ordinal (1, 2, ...) for positional arguments.
type argsValue []driver.NamedValue

func (a argsValue) LogValue() slog.Value {
	attrs := make([]slog.Attr, len(a))
	for i, nv := range a {
		key := nv.Name
		if key == "" {
			key = strconv.Itoa(nv.Ordinal)
		}
		v := nv.Value
		if b, ok := v.([]byte); ok && len(b) > maxLoggedBytes {
			v = "<" + strconv.Itoa(len(b)) + " bytes>"
		}
		attrs[i] = slog.Any(key, v)
	}
	return slog.GroupValue(attrs...)
}

// callerOutside returns "dir/file.go:line" of the first frame that is
// neither runtime, database/sql nor aiodb's own (non-test) code, or "" when
// the whole stack is (a goroutine started by package aio, for example).
func callerOutside() string {
	var pcs [48]uintptr
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !internalFrame(f) {
			return shortFile(f.File) + ":" + strconv.Itoa(f.Line)
		}
		if !more {
			return ""
		}
	}
}

const modulePrefix = "github.com/aiodb/aiodb/"

func internalFrame(f runtime.Frame) bool {
	fn := f.Function
	switch {
	case strings.HasPrefix(fn, "runtime."), strings.HasPrefix(fn, "database/sql."):
		return true
	case strings.HasPrefix(fn, modulePrefix):
		// aiodb's own tests count as callers.
		return !strings.HasSuffix(f.File, "_test.go")
	}
	return false
}

// shortFile keeps the last directory and the file name, like
// "orm/model.go": enough to find the line, stable across machines.
func shortFile(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i < 0 {
		return path
	}
	if j := strings.LastIndexByte(path[:i], '/'); j >= 0 {
		return path[j+1:]
	}
	return path
}
