package driver_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	aiodriver "github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/internal/fakedb"
	"github.com/aiodb/aiodb/internal/testenv"
)

// span is what spanHook keeps in a context: a stand-in for a tracing span.
type span struct {
	name   string
	parent *span
	ended  int
}

type spanKey struct{}

func spanOf(ctx context.Context) *span {
	if ctx == nil {
		return nil
	}
	s, _ := ctx.Value(spanKey{}).(*span)
	return s
}

// spanHook opens a span at each start event and ends it at the matching
// end, as a tracer would, and keeps a journal of what it saw.
type spanHook struct {
	hooks.Base
	mu      sync.Mutex
	journal []string
	spans   []*span
}

var (
	_ hooks.TxStarter      = (*spanHook)(nil)
	_ hooks.ConnectStarter = (*spanHook)(nil)
)

func (h *spanHook) open(ctx context.Context, name string) context.Context {
	s := &span{name: name, parent: spanOf(ctx)}
	h.spans = append(h.spans, s)
	return context.WithValue(ctx, spanKey{}, s)
}

func (h *spanHook) log(format string, args ...any) {
	h.journal = append(h.journal, fmt.Sprintf(format, args...))
}

func (h *spanHook) OnConnectStart(ctx context.Context, e *hooks.ConnEvent) context.Context {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log("connect start driver=%s id=%d", e.Driver, e.ConnID)
	return h.open(ctx, "connect")
}

func (h *spanHook) OnConnect(ctx context.Context, e *hooks.ConnEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := spanOf(ctx)
	h.log("connect end span=%v set=%v err=%v", s != nil && s.name == "connect", e.ConnID != 0, e.Err)
	if s != nil && s.name == "connect" {
		s.ended++
	}
}

func (h *spanHook) OnTxStart(ctx context.Context, e *hooks.TxEvent) context.Context {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log("tx start %s driver=%s", e.Kind, e.Driver)
	return h.open(ctx, "tx")
}

func (h *spanHook) OnTx(ctx context.Context, e *hooks.TxEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := spanOf(ctx)
	h.log("tx %s in-span=%v ends=%v err=%v", e.Kind, s != nil && s.name == "tx", e.EndsTx(), e.Err != nil)
	if e.EndsTx() && s != nil && s.name == "tx" {
		s.ended++
	}
}

func (h *spanHook) OnStatementStart(ctx context.Context, e *hooks.StatementEvent) context.Context {
	h.mu.Lock()
	defer h.mu.Unlock()
	parent := ctx
	if e.TxContext != nil {
		parent = e.TxContext
	}
	h.log("stmt start %s in-tx=%v tx-span=%v", e.Kind, e.InTx, spanOf(e.TxContext) != nil)
	return h.open(parent, "stmt")
}

func (h *spanHook) OnStatementEnd(ctx context.Context, e *hooks.StatementEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := spanOf(ctx)
	parent := "none"
	if s != nil && s.parent != nil {
		parent = s.parent.name
	}
	h.log("stmt end %s parent=%s", e.Kind, parent)
	if s != nil && s.name == "stmt" {
		s.ended++
	}
}

func (h *spanHook) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	j := h.journal
	h.journal = nil
	return j
}

// checkEnded fails unless every span was ended exactly once.
func (h *spanHook) checkEnded(t *testing.T) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, s := range h.spans {
		if s.ended != 1 {
			t.Errorf("span %d (%s) ended %d times, want 1", i, s.name, s.ended)
		}
	}
}

func equalJournal(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("journal:\n got %q\nwant %q", got, want)
	}
}

func TestTxStarterBracketsTransaction(t *testing.T) {
	h := &spanHook{}
	db := sql.OpenDB(aiodriver.NewConnector(fakedb.New([]string{"v"}, [][]driver.Value{{int64(1)}}).Connector(),
		aiodriver.Options{Name: "fake", Hooks: h}))
	defer db.Close()
	ctx := aiodriver.MarkAsync(context.Background())

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE t SET v = 1"); err != nil {
		t.Fatal(err)
	}
	var v int
	if err := tx.QueryRowContext(ctx, "SELECT v FROM t").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	equalJournal(t, h.take(), []string{
		"connect start driver=fake id=0",
		"connect end span=true set=true err=<nil>",
		"tx start begin driver=fake",
		"tx begin in-span=true ends=false err=false",
		"stmt start exec in-tx=true tx-span=true",
		"stmt end exec parent=tx",
		"stmt start query in-tx=true tx-span=true",
		"stmt end query parent=tx",
		"tx commit in-span=true ends=true err=false",
	})

	// After the transaction, a statement has no TxContext.
	if _, err := db.ExecContext(ctx, "UPDATE t SET v = 2"); err != nil {
		t.Fatal(err)
	}
	tx, err = db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	equalJournal(t, h.take(), []string{
		"stmt start exec in-tx=false tx-span=false",
		"stmt end exec parent=none",
		"tx start begin driver=fake",
		"tx begin in-span=true ends=false err=false",
		"tx rollback in-span=true ends=true err=false",
	})
	h.checkEnded(t)
}

// A transaction never finished ends when its context does: database/sql
// rolls it back, and the ROLLBACK's event carries the span.
func TestTxStarterEndsOnCancel(t *testing.T) {
	h := &spanHook{}
	db := sql.OpenDB(aiodriver.NewConnector(fakedb.New(nil, nil).Connector(), aiodriver.Options{Hooks: h}))
	defer db.Close()
	ctx, cancel := context.WithCancel(aiodriver.MarkAsync(context.Background()))
	if _, err := db.BeginTx(ctx, nil); err != nil {
		t.Fatal(err)
	}
	cancel()
	testenv.Eventually(t, 5*time.Second, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return len(h.journal) > 0 && h.journal[len(h.journal)-1] == "tx rollback in-span=true ends=true err=false"
	}, "no rollback event after the context ended: %q", h.take())
	h.checkEnded(t)
}

// failBegin is a connection whose BEGIN fails.
type failBegin struct{ driver.Conn }

var errBegin = errors.New("begin refused")

func (failBegin) BeginTx(context.Context, driver.TxOptions) (driver.Tx, error) { return nil, errBegin }

type failBeginConnector struct{ inner driver.Connector }

func (c failBeginConnector) Connect(ctx context.Context) (driver.Conn, error) {
	cn, err := c.inner.Connect(ctx)
	return failBegin{cn}, err
}
func (c failBeginConnector) Driver() driver.Driver { return c.inner.Driver() }

func TestTxStarterFailedBeginEnds(t *testing.T) {
	h := &spanHook{}
	db := sql.OpenDB(aiodriver.NewConnector(failBeginConnector{fakedb.New(nil, nil).Connector()}, aiodriver.Options{Hooks: h}))
	defer db.Close()
	if _, err := db.BeginTx(aiodriver.MarkAsync(context.Background()), nil); !errors.Is(err, errBegin) {
		t.Fatalf("BeginTx: %v, want %v", err, errBegin)
	}
	j := h.take()
	equalJournal(t, j[len(j)-2:], []string{
		"tx start begin driver=",
		"tx begin in-span=true ends=true err=true",
	})
	h.checkEnded(t)
}

// failConnector fails every connect.
type failConnector struct{ driver.Connector }

var errConnect = errors.New("connect refused")

func (failConnector) Connect(context.Context) (driver.Conn, error) { return nil, errConnect }

func TestConnectStarterSeesFailedConnect(t *testing.T) {
	h := &spanHook{}
	db := sql.OpenDB(aiodriver.NewConnector(failConnector{fakedb.New(nil, nil).Connector()}, aiodriver.Options{Name: "fake", Hooks: h}))
	defer db.Close()
	if err := db.PingContext(context.Background()); !errors.Is(err, errConnect) {
		t.Fatalf("Ping: %v, want %v", err, errConnect)
	}
	j := h.take()
	equalJournal(t, j[:2], []string{
		"connect start driver=fake id=0",
		"connect end span=true set=false err=connect refused",
	})
	h.checkEnded(t)
}

// plainTxHook implements Hook only: it must see no TxContext and keep
// seeing BEGIN, COMMIT and the connect as before.
type plainTxHook struct {
	hooks.Base
	mu  sync.Mutex
	txs []string
	ctx []context.Context
}

func (h *plainTxHook) OnTx(ctx context.Context, e *hooks.TxEvent) {
	h.mu.Lock()
	h.txs = append(h.txs, e.Kind.String())
	h.mu.Unlock()
}

func (h *plainTxHook) OnStatementStart(ctx context.Context, e *hooks.StatementEvent) context.Context {
	h.mu.Lock()
	h.ctx = append(h.ctx, e.TxContext)
	h.mu.Unlock()
	return ctx
}

func TestPlainHookHasNoTxContext(t *testing.T) {
	h := &plainTxHook{}
	// A chain of plain hooks is no TxStarter either.
	if _, ok := hooks.Chain(h, hooks.Base{}).(hooks.TxStarter); ok {
		t.Fatal("a chain of plain hooks implements TxStarter")
	}
	db := sql.OpenDB(aiodriver.NewConnector(fakedb.New(nil, nil).Connector(), aiodriver.Options{Hooks: hooks.Chain(h, hooks.Base{})}))
	defer db.Close()
	ctx := aiodriver.MarkAsync(context.Background())
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE t SET v = 1"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h.txs, []string{"begin", "commit"}) {
		t.Fatalf("tx events %v", h.txs)
	}
	if len(h.ctx) != 1 || h.ctx[0] != nil {
		t.Fatalf("TxContext %v, want one nil", h.ctx)
	}
}

// A chain in which one hook is a TxStarter: the starter's context reaches
// both hooks' OnTx and the statements.
func TestChainedTxStarter(t *testing.T) {
	h, plain := &spanHook{}, &plainTxHook{}
	db := sql.OpenDB(aiodriver.NewConnector(fakedb.New(nil, nil).Connector(), aiodriver.Options{Hooks: hooks.Chain(plain, h)}))
	defer db.Close()
	ctx := aiodriver.MarkAsync(context.Background())
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE t SET v = 1"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if len(plain.ctx) != 1 || spanOf(plain.ctx[0]) == nil {
		t.Fatalf("plain hook's TxContext %v, want the tx span's", plain.ctx)
	}
	h.checkEnded(t)
}

// The start and end of a real transaction bracket its BEGIN, statements
// and COMMIT (or the ROLLBACK of a cancelled context), on every server.
func TestIntegrationTxStarterBrackets(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg target, dsn string) {
		h := &spanHook{}
		db := openDB(t, tg.name, dsn, func(o *aiodriver.Options) { o.Hooks = h })
		table := fmt.Sprintf("obs_tx_%d", rand.Uint32())
		mustExec(t, db, "CREATE TABLE "+table+" (id int PRIMARY KEY)")
		dropLater(t, db, table)
		ctx := aiodriver.MarkAsync(context.Background())
		h.take()

		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+table+" (id) VALUES ("+ph(tg.dialect, 1)+")", 1); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil || n != 1 {
			t.Fatalf("count in tx: %d, %v", n, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		j := h.take()
		// A connect may come first (database/sql may open another).
		for len(j) > 0 && j[0] != "tx start begin driver="+tg.name {
			j = j[1:]
		}
		equalJournal(t, j, []string{
			"tx start begin driver=" + tg.name,
			"tx begin in-span=true ends=false err=false",
			"stmt start exec in-tx=true tx-span=true",
			"stmt end exec parent=tx",
			"stmt start query in-tx=true tx-span=true",
			"stmt end query parent=tx",
			"tx commit in-span=true ends=true err=false",
		})

		cctx, cancel := context.WithCancel(ctx)
		tx, err = db.BeginTx(cctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(cctx, "INSERT INTO "+table+" (id) VALUES ("+ph(tg.dialect, 1)+")", 2); err != nil {
			t.Fatal(err)
		}
		cancel()
		// The ROLLBACK may fail on a server (the socket's deadline is
		// that of the ended context); it ends the span either way.
		// Poll, not Eventually: Eventually's message arguments are
		// evaluated before it polls, and h.take() would empty the journal.
		if !testenv.Poll(10*time.Second, func() bool {
			h.mu.Lock()
			defer h.mu.Unlock()
			return slices.ContainsFunc(h.journal, func(s string) bool { return strings.HasPrefix(s, "tx rollback in-span=true ends=true") })
		}) {
			t.Fatalf("no rollback event after the context ended: %q", h.take())
		}
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil || n != 1 {
			t.Fatalf("count after: %d, %v (want 1: the cancelled insert rolled back)", n, err)
		}
		h.checkEnded(t)
	})
}
