package ormpgx_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/internal/leakcheck"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/ormpgx"
)

// TestMain fails the run when a goroutine started by the tests (a pool
// never closed, an unread result) is still running after them.
func TestMain(m *testing.M) { leakcheck.Main(m) }

// item is the model of most tests. Its table is named after the process,
// so that runs on the same server do not collide; each test creates it
// and drops it (createItems).
type item struct {
	ID   int64  `db:"id,pk,auto"`
	Name string `db:"name,unique,size:100"`
	N    int    `db:"n"`
}

var itemTable = fmt.Sprintf("opx_item_%d", os.Getpid())

func (item) TableName() string { return itemTable }

// tableSeq numbers the tables of raw-SQL tests.
var tableSeq atomic.Int64

// newTableName returns a table name unique to this process and call.
func newTableName() string {
	return fmt.Sprintf("opx_%d_%d", os.Getpid(), tableSeq.Add(1))
}

// dsnWith returns the test server's DSN with aiodb or pgx options added.
func dsnWith(t *testing.T, opts string) string {
	t.Helper()
	return testenv.WithOptions(testenv.PostgresDSN(t), opts)
}

// openDB opens a DB on a pgx pool with dsnOpts added to the DSN and closes
// it when the test ends.
func openDB(t *testing.T, dsnOpts string, opts ...orm.Option) *orm.DB {
	t.Helper()
	db, err := ormpgx.Open(context.Background(), dsnWith(t, dsnOpts), opts...)
	if err != nil {
		t.Fatalf("ormpgx.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// allowed is a context the sync guard lets through, for set-up and checks.
func allowed() context.Context { return aio.AllowSync(context.Background()) }

// createItems creates item's table on db and drops it when the test ends.
func createItems(t *testing.T, db *orm.DB) *orm.Model[item] {
	t.Helper()
	m, err := orm.NewModel[item](db)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CreateTable(allowed(), false); err != nil {
		t.Fatalf("create %s: %v", itemTable, err)
	}
	t.Cleanup(func() {
		// The test's DB may be closed by now: drop through a pool of our
		// own.
		if _, err := poolExec(t, "DROP TABLE IF EXISTS "+itemTable); err != nil {
			t.Errorf("drop %s: %v", itemTable, err)
		}
	})
	return m
}

// poolExec runs a statement on a DB of its own, opened and closed here.
func poolExec(t *testing.T, query string, args ...any) (int64, error) {
	t.Helper()
	db, err := ormpgx.Open(context.Background(), testenv.PostgresDSN(t))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	tag, err := ormpgx.Pool(db).Exec(context.Background(), query, args...)
	return tag.RowsAffected(), err
}

// countRows counts the rows of table through db's pool directly (no
// guard).
func countRows(t *testing.T, db *orm.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := ormpgx.Pool(db).QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// recorder is a hook that keeps copies of every event; it is safe for
// concurrent use.
type recorder struct {
	hooks.Base
	mu         sync.Mutex
	connects   []hooks.ConnEvent
	resets     []hooks.ConnEvent
	closes     []hooks.ConnEvent
	txs        []hooks.TxEvent
	starts     []hooks.StatementEvent
	ends       []hooks.StatementEvent
	violations []hooks.SyncViolation
}

func (r *recorder) OnConnect(_ context.Context, e *hooks.ConnEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.connects = append(r.connects, *e)
}

func (r *recorder) OnReset(_ context.Context, e *hooks.ConnEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.resets = append(r.resets, *e)
}

func (r *recorder) OnClose(e *hooks.ConnEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closes = append(r.closes, *e)
}

func (r *recorder) OnTx(_ context.Context, e *hooks.TxEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.txs = append(r.txs, *e)
}

func (r *recorder) OnStatementStart(ctx context.Context, e *hooks.StatementEvent) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.starts = append(r.starts, *e)
	return ctx
}

func (r *recorder) OnStatementEnd(_ context.Context, e *hooks.StatementEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ends = append(r.ends, *e)
}

func (r *recorder) OnSyncViolation(_ context.Context, e *hooks.SyncViolation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.violations = append(r.violations, *e)
}

// reset forgets the events recorded so far, but the connections' (a
// pooled connection does not connect again).
func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.resets, r.closes, r.txs, r.starts, r.ends, r.violations = nil, nil, nil, nil, nil, nil
}

func (r *recorder) Starts() []hooks.StatementEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hooks.StatementEvent(nil), r.starts...)
}

func (r *recorder) Ends() []hooks.StatementEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hooks.StatementEvent(nil), r.ends...)
}

func (r *recorder) Txs() []hooks.TxEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hooks.TxEvent(nil), r.txs...)
}

func (r *recorder) Connects() []hooks.ConnEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hooks.ConnEvent(nil), r.connects...)
}

func (r *recorder) Resets() []hooks.ConnEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hooks.ConnEvent(nil), r.resets...)
}

func (r *recorder) Closes() []hooks.ConnEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hooks.ConnEvent(nil), r.closes...)
}

func (r *recorder) Violations() []hooks.SyncViolation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hooks.SyncViolation(nil), r.violations...)
}

// endsMatching returns the ended statements whose SQL contains every one
// of words (case-insensitive).
func endsMatching(evs []hooks.StatementEvent, words ...string) []hooks.StatementEvent {
	var out []hooks.StatementEvent
next:
	for _, e := range evs {
		for _, w := range words {
			if !strings.Contains(strings.ToLower(e.SQL), strings.ToLower(w)) {
				continue next
			}
		}
		out = append(out, e)
	}
	return out
}

// sqls lists the SQL of events, for failure messages.
func sqls(evs []hooks.StatementEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.SQL
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// bufLogger returns a logger writing text lines to a buffer.
func bufLogger() (*slog.Logger, *syncBuffer) {
	b := new(syncBuffer)
	return slog.New(slog.NewTextHandler(b, nil)), b
}
