package ormpgx_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/ormpgx"
)

var errRollback = errors.New("roll back, please")

// isTxControl reports whether sql is BEGIN, COMMIT or ROLLBACK (not a
// savepoint statement).
func isTxControl(sql string) bool {
	s := strings.ToLower(strings.TrimSpace(sql))
	return strings.HasPrefix(s, "begin") || s == "commit" || s == "rollback" || s == "end" || s == "abort"
}

// TestTracerStatements: the hooks see the ORM's statements on the pgx
// pool with their SQL, arguments, kind, rows, duration, connection,
// error and async flag.
func TestTracerStatements(t *testing.T) {
	rec := new(recorder)
	db := openDB(t, "", orm.WithHooks(rec))
	m := createItems(t, db)
	ctx := context.Background()

	connects := rec.Connects()
	if len(connects) == 0 {
		t.Fatal("OnConnect did not fire")
	}
	ids := map[uint64]bool{}
	for _, c := range connects {
		if c.ConnID == 0 || c.Err != nil || c.Driver != "pgxpool" {
			t.Errorf("OnConnect event %+v: want a ConnID, no error, driver pgxpool", c)
		}
		ids[c.ConnID] = true
	}

	rec.reset()
	created, err := aio.Await(ctx, m.AioCreate(ctx, &item{Name: "alpha", N: 7}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := aio.Await(ctx, m.AioCreate(ctx, &item{Name: "beta", N: 7})); err != nil {
		t.Fatal(err)
	}
	got, err := aio.Await(ctx, m.Select().Where(orm.Eq("n", 7)).AioAll(ctx))
	if err != nil || len(got) != 2 {
		t.Fatalf("AioAll: %v, %v", got, err)
	}
	n, err := m.Update().Set("n", 8).Where(orm.Eq("n", 7)).Exec(aio.AllowSync(ctx))
	if err != nil || n != 2 {
		t.Fatalf("Update: %d, %v", n, err)
	}

	starts, ends := rec.Starts(), rec.Ends()
	if len(starts) != 4 || len(ends) != 4 {
		t.Fatalf("%d starts and %d ends, want 4 each: %q", len(starts), len(ends), sqls(ends))
	}
	for i, e := range ends {
		s := starts[i]
		if s.SQL != e.SQL || s.Kind != e.Kind || s.ConnID != e.ConnID {
			t.Errorf("start %+v and end %+v differ", s, e)
		}
		if !ids[e.ConnID] {
			t.Errorf("%q ran on conn %d, which OnConnect did not report (%v)", e.SQL, e.ConnID, ids)
		}
		if e.Duration <= 0 || e.Start.IsZero() || e.Err != nil || e.InTx || e.Driver != "pgxpool" {
			t.Errorf("%q: duration %v, start %v, err %v, InTx %v, driver %q", e.SQL, e.Duration, e.Start, e.Err, e.InTx, e.Driver)
		}
	}
	ins := endsMatching(ends, "insert", itemTable)
	if len(ins) != 2 {
		t.Fatalf("inserts: %q", sqls(ends))
	}
	for _, e := range ins {
		// INSERT ... RETURNING runs as a query, as on database/sql.
		if e.Kind != hooks.StmtQuery || e.Rows != 1 || !e.Async {
			t.Errorf("insert %q: kind %v rows %d async %v, want query 1 true", e.SQL, e.Kind, e.Rows, e.Async)
		}
	}
	var args []any
	for _, a := range ins[0].Args {
		args = append(args, a.Value)
	}
	if !slices.Contains(args, any("alpha")) || ins[0].Args[0].Ordinal != 1 {
		t.Errorf("insert args %+v: want alpha among them, ordinals from 1", ins[0].Args)
	}
	sel := endsMatching(ends, "select", itemTable)
	if len(sel) != 1 || sel[0].Kind != hooks.StmtQuery || sel[0].Rows != 2 || !sel[0].Async {
		t.Errorf("select: %+v, want one query that read 2 rows, async", sel)
	} else if len(sel[0].Args) != 1 || fmt.Sprint(sel[0].Args[0].Value) != "7" {
		t.Errorf("select args %+v, want [7]", sel[0].Args)
	}
	upd := endsMatching(ends, "update", itemTable)
	if len(upd) != 1 || upd[0].Kind != hooks.StmtExec || upd[0].Rows != 2 || upd[0].Async {
		t.Errorf("update: %+v, want one sync exec that changed 2 rows", upd)
	}

	// A failing statement: a unique violation.
	rec.reset()
	_, err = aio.Await(ctx, m.AioCreate(ctx, &item{Name: created.Name}))
	if !errors.Is(err, orm.ErrIntegrity) {
		t.Fatalf("duplicate Create: %v, want orm.ErrIntegrity", err)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		t.Errorf("duplicate Create: %v, want the server's 23505", err)
	}
	ends = rec.Ends()
	if len(ends) != 1 || ends[0].Err == nil || ends[0].Rows != -1 {
		t.Fatalf("failing insert: %+v, want one event with Err and Rows -1", ends)
	}
	if !errors.As(ends[0].Err, &pgErr) || pgErr.Code != "23505" {
		t.Errorf("event Err = %v, want the unique violation", ends[0].Err)
	}

	// A pooled connection handed out again is reset.
	rec.reset()
	for range 3 {
		if _, err := aio.Await(ctx, m.AioCount(ctx)); err != nil {
			t.Fatal(err)
		}
	}
	resets := rec.Resets()
	if len(resets) < 3 {
		t.Fatalf("%d resets for 3 statements on a warm pool", len(resets))
	}
	for _, r := range resets {
		if !ids[r.ConnID] || r.Driver != "pgxpool" {
			t.Errorf("reset %+v of a connection OnConnect did not report", r)
		}
	}
	if len(rec.Connects()) != len(connects) {
		t.Errorf("new connections for sequential statements: %+v", rec.Connects())
	}
}

// TestTracerTransactions: statements inside Atomic are InTx; BEGIN,
// COMMIT, ROLLBACK and savepoints are transaction events, and only
// savepoint statements are also statement events.
func TestTracerTransactions(t *testing.T) {
	rec := new(recorder)
	db := openDB(t, "", orm.WithHooks(rec))
	m := createItems(t, db)
	ctx := aio.Async(context.Background())

	// Commit.
	rec.reset()
	if err := db.Atomic(ctx, func(ctx context.Context) error {
		_, err := m.Create(ctx, &item{Name: "committed"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	checkTxKinds(t, rec.Txs(), hooks.TxBegin, hooks.TxCommit)
	ins := endsMatching(rec.Ends(), "insert")
	if len(ins) != 1 || !ins[0].InTx || !ins[0].Async {
		t.Errorf("insert in Atomic: %+v, want InTx and Async", ins)
	}
	checkNoControlStatements(t, rec)

	// Rollback when fn fails.
	rec.reset()
	err := db.Atomic(ctx, func(ctx context.Context) error {
		if _, err := m.Create(ctx, &item{Name: "rolled back"}); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("Atomic: %v", err)
	}
	checkTxKinds(t, rec.Txs(), hooks.TxBegin, hooks.TxRollback)
	checkNoControlStatements(t, rec)
	if n := countRows(t, db, itemTable); n != 1 {
		t.Errorf("rows = %d after a rolled back Atomic, want 1", n)
	}

	// Nested: a released savepoint, then one rolled back to.
	rec.reset()
	if err := db.Atomic(ctx, func(ctx context.Context) error {
		if err := db.Atomic(ctx, func(ctx context.Context) error {
			_, err := m.Create(ctx, &item{Name: "kept"})
			return err
		}); err != nil {
			return err
		}
		err := db.Atomic(ctx, func(ctx context.Context) error {
			if _, err := m.Create(ctx, &item{Name: "undone"}); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			return fmt.Errorf("inner Atomic: %v", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	txs := rec.Txs()
	checkTxKinds(t, txs, hooks.TxBegin, hooks.TxSavepoint, hooks.TxReleaseSavepoint,
		hooks.TxSavepoint, hooks.TxRollbackToSavepoint, hooks.TxReleaseSavepoint, hooks.TxCommit)
	if len(txs) == 7 {
		want := []string{"", "aiodb_sp_1", "aiodb_sp_1", "aiodb_sp_2", "aiodb_sp_2", "aiodb_sp_2", ""}
		for i, e := range txs {
			if e.Name != want[i] || e.Err != nil || e.ConnID == 0 || !e.Async || e.Driver != "pgxpool" {
				t.Errorf("tx event %d %+v: want name %q, no error, a ConnID, async", i, e, want[i])
			}
		}
		for _, e := range txs[1:] {
			if e.ConnID != txs[0].ConnID {
				t.Errorf("tx event %+v on another connection than BEGIN's (%d)", e, txs[0].ConnID)
			}
		}
	}
	sp := endsMatching(rec.Ends(), "savepoint")
	if len(sp) != 5 {
		t.Errorf("savepoint statements: %q, want 5 statement events", sqls(sp))
	}
	for _, e := range sp {
		if !e.InTx || e.Kind != hooks.StmtExec {
			t.Errorf("%q: InTx %v kind %v", e.SQL, e.InTx, e.Kind)
		}
	}
	checkNoControlStatements(t, rec)
	if names := itemNames(t, db); !slices.Equal(names, []string{"committed", "kept"}) {
		t.Errorf("rows %q, want committed and kept", names)
	}

	// Outside a transaction again.
	rec.reset()
	if _, err := m.Count(ctx); err != nil {
		t.Fatal(err)
	}
	if ends := rec.Ends(); len(ends) != 1 || ends[0].InTx || len(rec.Txs()) != 0 {
		t.Errorf("statement after the transactions: %+v, tx events %+v", ends, rec.Txs())
	}
}

func itemNames(t *testing.T, db *orm.DB) []string {
	t.Helper()
	rows, err := ormpgx.Pool(db).Query(context.Background(), "SELECT name FROM "+itemTable+" ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		names = append(names, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

func checkTxKinds(t *testing.T, evs []hooks.TxEvent, want ...hooks.TxKind) {
	t.Helper()
	var got []hooks.TxKind
	for _, e := range evs {
		got = append(got, e.Kind)
	}
	if !slices.Equal(got, want) {
		t.Errorf("tx events %v, want %v", got, want)
	}
}

func checkNoControlStatements(t *testing.T, rec *recorder) {
	t.Helper()
	for _, e := range append(rec.Starts(), rec.Ends()...) {
		if isTxControl(e.SQL) {
			t.Errorf("statement event for %q: BEGIN, COMMIT and ROLLBACK are tx events only", e.SQL)
		}
	}
}

// TestTracerClose: closing the DB closes the pool's connections, each
// reported by OnClose.
func TestTracerClose(t *testing.T) {
	rec := new(recorder)
	db, err := ormpgx.Open(context.Background(), dsnWith(t, ""), orm.WithHooks(rec), orm.MaxConnections(3))
	if err != nil {
		t.Fatal(err)
	}
	// Hold three connections at once, so that the pool opens three.
	ctx := aio.Async(context.Background())
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Go(func() {
			_, err := ormpgx.Executor(ctx, db).Exec(ctx, "SELECT pg_sleep(0.2)")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	connects := rec.Connects()
	if len(connects) != 3 {
		t.Fatalf("%d connections opened, want 3", len(connects))
	}
	if c := rec.Closes(); len(c) != 0 {
		t.Fatalf("OnClose before Close: %+v", c)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	closed := map[uint64]bool{}
	for _, c := range rec.Closes() {
		if c.Driver != "pgxpool" {
			t.Errorf("close event %+v", c)
		}
		closed[c.ConnID] = true
	}
	for _, c := range connects {
		if !closed[c.ConnID] {
			t.Errorf("conn %d was not reported closed (closed: %v)", c.ConnID, closed)
		}
	}
}

// txMark is the context key a txStarter sets.
type txMark struct{}

// txStarter is a recorder that also sees transactions begin, and marks
// the context it returns with the transaction's number.
type txStarter struct {
	*recorder
	mu      sync.Mutex
	begun   []hooks.TxEvent
	endMark []any // the mark in OnTx's context for each COMMIT or ROLLBACK
}

func (s *txStarter) OnTxStart(ctx context.Context, e *hooks.TxEvent) context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.begun = append(s.begun, *e)
	return context.WithValue(ctx, txMark{}, fmt.Sprintf("tx-%d", len(s.begun)))
}

func (s *txStarter) OnTx(ctx context.Context, e *hooks.TxEvent) {
	s.recorder.OnTx(ctx, e)
	if e.EndsTx() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.endMark = append(s.endMark, ctx.Value(txMark{}))
	}
}

var _ hooks.TxStarter = (*txStarter)(nil)

// TestTracerTxStarter: a TxStarter sees each BEGIN before it is sent, and
// the context it returned is the TxContext of the transaction's
// statements and the context of its COMMIT or ROLLBACK.
func TestTracerTxStarter(t *testing.T) {
	h := &txStarter{recorder: new(recorder)}
	db := openDB(t, "", orm.WithHooks(h), orm.MaxConnections(1))
	m := createItems(t, db)
	ctx := aio.Async(context.Background())
	h.reset()

	if err := db.Atomic(ctx, func(ctx context.Context) error {
		_, err := m.Create(ctx, &item{Name: "one"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Count(ctx); err != nil { // same connection, outside
		t.Fatal(err)
	}
	if err := db.Atomic(ctx, func(ctx context.Context) error {
		if _, err := m.Create(ctx, &item{Name: "two"}); err != nil {
			return err
		}
		return errRollback
	}); !errors.Is(err, errRollback) {
		t.Fatal(err)
	}

	h.mu.Lock()
	begun, endMark := slices.Clone(h.begun), slices.Clone(h.endMark)
	h.mu.Unlock()
	if len(begun) != 2 {
		t.Fatalf("OnTxStart saw %d begins, want 2", len(begun))
	}
	for _, b := range begun {
		if b.Kind != hooks.TxBegin || b.ConnID == 0 || !b.Async {
			t.Errorf("OnTxStart event %+v", b)
		}
	}
	if !slices.Equal(endMark, []any{"tx-1", "tx-2"}) {
		t.Errorf("marks in the contexts of COMMIT and ROLLBACK: %v, want [tx-1 tx-2]", endMark)
	}
	ends := h.Ends()
	want := []struct {
		sql  string
		mark any
	}{{"insert", "tx-1"}, {"count", nil}, {"insert", "tx-2"}}
	if len(ends) != len(want) {
		t.Fatalf("statements %q", sqls(ends))
	}
	for i, w := range want {
		e := ends[i]
		var mark any
		if e.TxContext != nil {
			mark = e.TxContext.Value(txMark{})
		}
		if !strings.Contains(strings.ToLower(e.SQL), w.sql) || mark != w.mark || (e.TxContext == nil) != (w.mark == nil) {
			t.Errorf("statement %q: TxContext mark %v, want %v", e.SQL, mark, w.mark)
		}
	}
}

// TestTracerBatch: each statement of a batch sent through Executor is a
// statement event, as on aiopgx's SendBatch: its SQL, arguments and rows,
// or the error of the one that failed.
func TestTracerBatch(t *testing.T) {
	rec := new(recorder)
	db := openDB(t, "aio_sync=error", orm.WithHooks(rec))
	createItems(t, db)
	ctx := aio.Async(context.Background())

	for _, inTx := range []bool{false, true} {
		rec.reset()
		err := func() error {
			run := func(ctx context.Context) error {
				b := new(pgx.Batch)
				b.Queue(rawInsert(), fmt.Sprintf("batch-1-%v", inTx))
				b.Queue("UPDATE " + itemTable + " SET n = n + 1")
				b.Queue("SELECT name FROM " + itemTable)
				return ormpgx.Executor(ctx, db).SendBatch(ctx, b).Close()
			}
			if inTx {
				return db.Atomic(ctx, run)
			}
			return run(ctx)
		}()
		if err != nil {
			t.Fatal(err)
		}
		starts, ends := rec.Starts(), rec.Ends()
		if len(starts) != 3 || len(ends) != 3 {
			t.Fatalf("inTx=%v: %d starts, %d ends for a batch of 3: %q", inTx, len(starts), len(ends), sqls(ends))
		}
		rows := 1
		if inTx {
			rows = 2
		}
		want := []struct {
			word string
			kind hooks.StmtKind
			rows int64
		}{{"insert", hooks.StmtExec, 1}, {"update", hooks.StmtExec, int64(rows)}, {"select", hooks.StmtQuery, int64(rows)}}
		for i, w := range want {
			e := ends[i]
			if !strings.HasPrefix(strings.ToLower(e.SQL), w.word) || e.Kind != w.kind || e.Rows != w.rows || e.Err != nil ||
				!e.Async || e.InTx != inTx || e.ConnID == 0 || e.Duration <= 0 {
				t.Errorf("inTx=%v: batch statement %d: %+v, want %s, kind %v, rows %d", inTx, i, e, w.word, w.kind, w.rows)
			}
		}
		if len(ends[0].Args) != 1 || ends[0].Args[0].Value != fmt.Sprintf("batch-1-%v", inTx) {
			t.Errorf("batch insert args %+v", ends[0].Args)
		}
		if inTx {
			checkTxKinds(t, rec.Txs(), hooks.TxBegin, hooks.TxCommit)
		}
	}

	// A failing statement: its error, and the one after it ends too.
	rec.reset()
	b := new(pgx.Batch)
	b.Queue(rawInsert(), "batch-1-false") // a duplicate
	b.Queue("SELECT 1")
	err := ormpgx.Executor(ctx, db).SendBatch(ctx, b).Close()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		t.Fatalf("batch with a duplicate: %v", err)
	}
	ends := rec.Ends()
	if len(ends) != 2 || ends[0].Err == nil || ends[0].Rows != -1 || ends[1].Err == nil {
		t.Errorf("failing batch events: %+v", ends)
	}
	if len(rec.Starts()) != 2 {
		t.Errorf("failing batch starts: %q", sqls(rec.Starts()))
	}
}

// connStarter records the connection each transaction's BEGIN ran on.
type connStarter struct {
	*recorder
	mu    sync.Mutex
	seq   int
	conns map[string]uint64 // mark -> ConnID of its BEGIN
}

func (s *connStarter) OnTxStart(ctx context.Context, e *hooks.TxEvent) context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	mark := fmt.Sprintf("tx-%d", s.seq)
	s.conns[mark] = e.ConnID
	return context.WithValue(ctx, txMark{}, mark)
}

// TestTracerConcurrent: many transactions and statements at once on a
// small pool; every statement of a transaction carries its own
// transaction's context, and runs on that transaction's connection.
func TestTracerConcurrent(t *testing.T) {
	h := &connStarter{recorder: new(recorder), conns: map[string]uint64{}}
	db := openDB(t, "aio_sync=error", orm.WithHooks(h), orm.MaxConnections(4))
	m := createItems(t, db)
	ctx := context.Background()
	h.reset()

	const n = 40
	var chs []<-chan aio.Result[struct{}]
	for i := range n {
		chs = append(chs, db.AioAtomic(ctx, func(ctx context.Context) error {
			for j := range 3 {
				if _, err := m.Create(ctx, &item{Name: fmt.Sprintf("c-%d-%d", i, j)}); err != nil {
					return err
				}
			}
			return nil
		}))
		chs = append(chs, aio.Go(ctx, func(ctx context.Context) (struct{}, error) {
			_, err := m.Count(ctx)
			return struct{}{}, err
		}))
	}
	if _, err := aio.Gather(ctx, chs...); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	conns := maps.Clone(h.conns)
	h.mu.Unlock()
	ends, txs := h.Ends(), h.Txs()
	if got := countRows(t, db, itemTable); got != 3*n {
		t.Fatalf("rows = %d, want %d", got, 3*n)
	}
	if len(conns) != n {
		t.Fatalf("%d transactions started, want %d", len(conns), n)
	}
	perTx := map[string]int{}
	counts := 0
	for _, e := range ends {
		switch {
		case strings.HasPrefix(strings.ToLower(e.SQL), "insert"):
			mark, _ := e.TxContext.Value(txMark{}).(string)
			if e.TxContext == nil || mark == "" || !e.InTx {
				t.Errorf("insert in a transaction without its context: %+v", e)
				continue
			}
			if conns[mark] != e.ConnID {
				t.Errorf("insert of %s on conn %d, its BEGIN on %d", mark, e.ConnID, conns[mark])
			}
			perTx[mark]++
		default:
			counts++
			if e.TxContext != nil || e.InTx {
				t.Errorf("statement outside a transaction with TxContext %v, InTx %v: %q", e.TxContext, e.InTx, e.SQL)
			}
		}
	}
	for mark, k := range perTx {
		if k != 3 {
			t.Errorf("%s has %d inserts, want 3", mark, k)
		}
	}
	if len(perTx) != n || counts != n {
		t.Errorf("%d transactions with inserts, %d counts; want %d each", len(perTx), counts, n)
	}
	var commits int
	for _, e := range txs {
		if e.Kind == hooks.TxCommit {
			commits++
		}
	}
	if commits != n {
		t.Errorf("%d commits, want %d", commits, n)
	}
}

// TestTracerCopyFrom: orm.CopyFrom on the pool's *sql.DB view is one
// statement event with the rows copied, and obeys the guard.
func TestTracerCopyFrom(t *testing.T) {
	rec := new(recorder)
	db := openDB(t, "aio_sync=error", orm.WithHooks(rec))
	m := createItems(t, db)
	rows := []*item{{Name: "copy-a", N: 1}, {Name: "copy-b", N: 2}, {Name: "copy-c", N: 3}}

	rec.reset()
	if _, err := orm.CopyFrom(context.Background(), m, rows); !errors.Is(err, driver.ErrSyncCall) {
		t.Fatalf("sync CopyFrom: %v, want driver.ErrSyncCall", err)
	}
	if s := rec.Starts(); len(s) != 0 {
		t.Errorf("a refused CopyFrom sent %q", sqls(s))
	}
	n, err := aio.Await(context.Background(), orm.AioCopyFrom(context.Background(), m, rows))
	if err != nil || n != 3 {
		t.Fatalf("AioCopyFrom: %d, %v", n, err)
	}
	cp := endsMatching(rec.Ends(), "copy", itemTable)
	if len(cp) != 1 || cp[0].Rows != 3 || cp[0].Err != nil || !cp[0].Async || cp[0].ConnID == 0 {
		t.Errorf("COPY events: %+v (all: %q)", cp, sqls(rec.Ends()))
	}
	if got := countRows(t, db, itemTable); got != 3 {
		t.Errorf("rows = %d, want 3", got)
	}
}

// connectStarter sees connections being opened.
type connectStarter struct {
	*recorder
	started atomic.Int64
	marked  atomic.Int64 // OnConnect calls whose context OnConnectStart made
}

type connMark struct{}

func (c *connectStarter) OnConnectStart(ctx context.Context, e *hooks.ConnEvent) context.Context {
	if e.ConnID == 0 && e.Driver == "pgxpool" {
		c.started.Add(1)
	}
	return context.WithValue(ctx, connMark{}, true)
}

func (c *connectStarter) OnConnect(ctx context.Context, e *hooks.ConnEvent) {
	if ctx.Value(connMark{}) == true {
		c.marked.Add(1)
	}
	c.recorder.OnConnect(ctx, e)
}

// TestTracerConnect: a ConnectStarter sees each connection's start, and
// OnConnect its context; a connection that fails is reported with its
// error.
func TestTracerConnect(t *testing.T) {
	h := &connectStarter{recorder: new(recorder)}
	db := openDB(t, "", orm.WithHooks(h))
	ctx := aio.Async(context.Background())
	if err := ormpgx.Executor(ctx, db).QueryRow(ctx, "SELECT 1").Scan(new(int)); err != nil {
		t.Fatal(err)
	}
	connects := h.Connects()
	if len(connects) == 0 || h.started.Load() != int64(len(connects)) || h.marked.Load() != int64(len(connects)) {
		t.Errorf("%d connects, %d starts, %d with the start's context", len(connects), h.started.Load(), h.marked.Load())
	}
	for _, c := range connects {
		if c.ConnID == 0 || c.Err != nil || c.Duration <= 0 {
			t.Errorf("connect event %+v", c)
		}
	}

	// Nothing listens on port 1.
	rec := new(recorder)
	bad, err := ormpgx.Open(context.Background(), "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=5", orm.WithHooks(rec))
	if err != nil {
		t.Fatalf("Open connects lazily, but: %v", err)
	}
	defer bad.Close()
	if err := ormpgx.Executor(ctx, bad).QueryRow(ctx, "SELECT 1").Scan(new(int)); err == nil {
		t.Fatal("a query on a closed port succeeded")
	}
	failed := rec.Connects()
	if len(failed) == 0 || failed[0].Err == nil || failed[0].ConnID != 0 {
		t.Errorf("connect events of a failed connection: %+v", failed)
	}
}

// TestTracerArgs: pgx's query options among the arguments (the ORM's
// result formats, an exec mode given to Executor) are not parameters: the
// hooks' Args leave them out.
func TestTracerArgs(t *testing.T) {
	rec := new(recorder)
	db := openDB(t, "", orm.WithHooks(rec))
	m := createItems(t, db)
	ctx := aio.Async(context.Background())
	if _, err := m.Create(ctx, &item{Name: "args", N: 3}); err != nil {
		t.Fatal(err)
	}
	rec.reset()
	if _, err := m.Get(ctx, orm.Eq("name", "args")); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := ormpgx.Executor(ctx, db).QueryRow(ctx, "SELECT $1::int + 1", pgx.QueryExecModeSimpleProtocol, 41).Scan(&n); err != nil || n != 42 {
		t.Fatalf("simple protocol query: %d, %v", n, err)
	}
	ends := rec.Ends()
	if len(ends) != 2 {
		t.Fatalf("statements %q", sqls(ends))
	}
	for i, want := range []any{"args", 41} {
		if a := ends[i].Args; len(a) != 1 || a[0].Value != want || a[0].Ordinal != 1 {
			t.Errorf("%q: Args %+v, want [%v]", ends[i].SQL, a, want)
		}
	}
}
