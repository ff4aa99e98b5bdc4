package sqlmock_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"

	aiodriver "github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
)

var drvDSNSeq atomic.Int64

// drvOpen returns a guarded *sql.DB over a fresh go-sqlmock connection
// (wrapped with driver.Wrap and its OpenConnector), the mock, and a buffer
// that receives the SyncWarn log lines. Queries are matched exactly.
func drvOpen(t *testing.T, opts aiodriver.Options) (*sql.DB, sqlmock.Sqlmock, *drvSafeBuffer) {
	t.Helper()
	dsn := fmt.Sprintf("drv_sqlmock_%d", drvDSNSeq.Add(1))
	mdb, mock, err := sqlmock.NewWithDSN(dsn, sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
	if err != nil {
		t.Fatal(err)
	}
	logs := &drvSafeBuffer{}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	c, err := aiodriver.Wrap(mdb.Driver(), opts).OpenConnector(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	// sqlmock hands out one connection object; keep database/sql to one
	// pool slot so events are easy to follow.
	db.SetMaxOpenConns(1)
	t.Cleanup(func() {
		db.Close()
		mdb.Close()
	})
	return db, mock, logs
}

// drvLine returns the line of its caller.
func drvLine() int {
	_, _, line, _ := runtime.Caller(1)
	return line
}

type drvSafeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *drvSafeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *drvSafeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// drvRecorder is a hook that records every event as a line of text, plus
// copies of the structured events.
type drvRecorder struct {
	mu         sync.Mutex
	lines      []string
	stmts      []hooks.StatementEvent
	txs        []hooks.TxEvent
	violations []hooks.SyncViolation
	conns      []hooks.ConnEvent
	// ctxKey, when set, is put in the context returned by
	// OnStatementStart, and looked for by OnStatementEnd.
	sawCtx int
}

type drvCtxKey struct{}

func (r *drvRecorder) add(s string) {
	r.mu.Lock()
	r.lines = append(r.lines, s)
	r.mu.Unlock()
}

func (r *drvRecorder) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

func (r *drvRecorder) OnConnect(_ context.Context, e *hooks.ConnEvent) {
	r.mu.Lock()
	r.conns = append(r.conns, *e)
	r.mu.Unlock()
	r.add(fmt.Sprintf("connect err=%v", e.Err))
}

func (r *drvRecorder) OnReset(_ context.Context, e *hooks.ConnEvent) {
	r.mu.Lock()
	r.conns = append(r.conns, *e)
	r.mu.Unlock()
	r.add("reset")
}

func (r *drvRecorder) OnClose(e *hooks.ConnEvent) {
	r.mu.Lock()
	r.conns = append(r.conns, *e)
	r.mu.Unlock()
	r.add("close")
}

func (r *drvRecorder) OnTx(_ context.Context, e *hooks.TxEvent) {
	r.mu.Lock()
	r.txs = append(r.txs, *e)
	r.mu.Unlock()
	if e.Name != "" {
		r.add(fmt.Sprintf("tx %s %s", e.Kind, e.Name))
	} else {
		r.add(fmt.Sprintf("tx %s", e.Kind))
	}
}

func (r *drvRecorder) OnStatementStart(ctx context.Context, e *hooks.StatementEvent) context.Context {
	r.add(fmt.Sprintf("start %s %s", e.Kind, e.SQL))
	return context.WithValue(ctx, drvCtxKey{}, e)
}

func (r *drvRecorder) OnStatementEnd(ctx context.Context, e *hooks.StatementEvent) {
	r.mu.Lock()
	if ctx.Value(drvCtxKey{}) == e {
		r.sawCtx++
	}
	r.stmts = append(r.stmts, *e)
	r.mu.Unlock()
	r.add(fmt.Sprintf("end %s %s rows=%d err=%v", e.Kind, e.SQL, e.Rows, e.Err))
}

func (r *drvRecorder) OnSyncViolation(_ context.Context, e *hooks.SyncViolation) {
	r.mu.Lock()
	r.violations = append(r.violations, *e)
	r.mu.Unlock()
	r.add(fmt.Sprintf("violation %s %s %s", e.Mode, e.Op, e.SQL))
}

// drvShortTimeout bounds waits for a pooled connection, so that a leaked
// connection fails the test quickly instead of hanging it.
const drvShortTimeout = 2 * time.Second

// drvWithin runs fn and fails the test if it has not returned within d
// (a blocked fn is left behind: the test has failed anyway).
func drvWithin(t *testing.T, d time.Duration, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("still blocked after %v: a connection or transaction lock leaked", d)
		return nil
	}
}
