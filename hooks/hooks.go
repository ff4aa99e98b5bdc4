package hooks

import (
	"context"
	"database/sql/driver"
	"time"
)

// Hook receives the events of a guarded connection. The driver calls each
// method synchronously on the goroutine that caused the event, so a method
// must be quick and safe for concurrent use; an event value is valid only
// during the call. Embed Base to implement only the methods you need.
type Hook interface {
	// OnConnect is called after a new physical connection was opened
	// (successfully or not: Err says which). A hook that also implements
	// ConnectStarter sees the start too.
	OnConnect(ctx context.Context, e *ConnEvent)
	// OnReset is called when database/sql takes a connection from its pool
	// for reuse.
	OnReset(ctx context.Context, e *ConnEvent)
	// OnClose is called when a physical connection is closed.
	OnClose(e *ConnEvent)
	// OnTx is called after BEGIN, COMMIT, ROLLBACK and savepoint
	// statements. A hook that also implements TxStarter sees the begin
	// before it is sent, and gets the context it returned here for BEGIN,
	// COMMIT and ROLLBACK.
	OnTx(ctx context.Context, e *TxEvent)
	// OnStatementStart is called before a statement is sent. The context it
	// returns is passed to the inner driver and to OnStatementEnd (for
	// tracing spans); returning ctx unchanged is always correct.
	OnStatementStart(ctx context.Context, e *StatementEvent) context.Context
	// OnStatementEnd is called with the same event once the statement has
	// finished: after the exec, or when the rows of a query are closed.
	OnStatementEnd(ctx context.Context, e *StatementEvent)
	// OnSyncViolation is called when the guard sees a sync call under the
	// warn, error or panic mode (SyncViolation.Mode says which). Under error
	// and panic no statement event follows, since nothing is sent.
	OnSyncViolation(ctx context.Context, e *SyncViolation)
}

// ConnEvent describes a physical connection.
type ConnEvent struct {
	ConnID   uint64        // unique per process, never reused
	Driver   string        // the registered driver name, e.g. "aiopg"
	Duration time.Duration // time to connect or reset
	Err      error
}

// TxKind tells which transaction control statement a TxEvent reports.
type TxKind uint8

const (
	TxBegin TxKind = iota + 1
	TxCommit
	TxRollback
	TxSavepoint           // SAVEPOINT name
	TxReleaseSavepoint    // RELEASE [SAVEPOINT] name
	TxRollbackToSavepoint // ROLLBACK TO [SAVEPOINT] name
)

var txKindNames = [...]string{"", "begin", "commit", "rollback", "savepoint", "release savepoint", "rollback to savepoint"}

func (k TxKind) String() string {
	if int(k) < len(txKindNames) {
		return txKindNames[k]
	}
	return "unknown"
}

// TxEvent reports a transaction control statement. A TxStarter's
// OnTxStart sees the BEGIN's event before it is sent (Kind, ConnID, Driver
// and Async set), and OnTx the same event afterwards.
type TxEvent struct {
	ConnID   uint64
	Driver   string // the registered driver name, as in ConnEvent
	Kind     TxKind
	Name     string // savepoint name, empty otherwise
	Duration time.Duration
	Err      error
	Async    bool
}

// StmtKind tells how a statement reached the driver.
type StmtKind uint8

const (
	StmtQuery   StmtKind = iota + 1 // rows expected
	StmtExec                        // rows affected expected
	StmtPrepare                     // an explicit Prepare by the user
)

var stmtKindNames = [...]string{"", "query", "exec", "prepare"}

func (k StmtKind) String() string {
	if int(k) < len(stmtKindNames) {
		return stmtKindNames[k]
	}
	return "unknown"
}

// StatementEvent reports one statement. OnStatementStart sees Kind, SQL,
// Args, Start, Async, InTx, Internal, Driver, TxContext and ConnID;
// OnStatementEnd sees the rest too.
type StatementEvent struct {
	ConnID uint64
	Kind   StmtKind
	// The flags sit together after Kind, so that they share one word
	// (the event is allocated once per statement).
	Async bool // the context was marked async by package aio
	InTx  bool
	// Internal is true for a statement aiodb ran on its own behalf (see
	// driver.Internal), such as the MySQL version probe of orm.Open.
	Internal bool
	// Cached (set for OnStatementEnd) is true when the statement ran on a
	// prepared statement the driver's cache kept from an earlier call on
	// this connection; false on first use, after a re-prepare, and for
	// texts passed straight through.
	Cached bool
	SQL    string
	Args   []driver.NamedValue
	Start  time.Time
	// Driver is the registered driver name, as in ConnEvent.
	Driver string
	// TxContext is, for a statement inside a transaction, the context the
	// hook's TxStarter returned for that transaction (the one carrying a
	// transaction span); nil outside a transaction and when the hook does
	// not implement TxStarter.
	TxContext context.Context

	Duration time.Duration
	// Rows is the number of rows affected for an exec, the number of rows
	// read for a query, and -1 when unknown.
	Rows int64
	Err  error
}

// SyncViolation reports a statement run with a context that is neither
// async nor allowed to be sync.
type SyncViolation struct {
	ConnID uint64
	Op     string // "query", "exec", "prepare", "begin"
	SQL    string // empty for begin
	Caller string // file:line of the first caller outside database/sql and aiodb
	Mode   string // "warn", "error" or "panic"
}

// Base implements Hook with methods that do nothing. Embed it in a hook
// that cares about a few events.
type Base struct{}

func (Base) OnConnect(context.Context, *ConnEvent) {}
func (Base) OnReset(context.Context, *ConnEvent)   {}
func (Base) OnClose(*ConnEvent)                    {}
func (Base) OnTx(context.Context, *TxEvent)        {}
func (Base) OnStatementStart(ctx context.Context, _ *StatementEvent) context.Context {
	return ctx
}
func (Base) OnStatementEnd(context.Context, *StatementEvent) {}
func (Base) OnSyncViolation(context.Context, *SyncViolation) {}

// Chain returns a Hook that calls each of hs in order (OnStatementEnd and
// OnClose in reverse order, so that hooks nest like middleware). Nil hooks
// are skipped; Chain of nothing returns nil, meaning "no hooks".
//
// The chain implements TxStarter and ConnectStarter when at least one of
// hs does (calling only the hooks that do), and not otherwise.
func Chain(hs ...Hook) Hook {
	flat := make(chain, 0, len(hs))
	for _, h := range hs {
		switch h := h.(type) {
		case nil:
		case chain:
			flat = append(flat, h...)
		case *startChain:
			flat = append(flat, h.chain...)
		default:
			flat = append(flat, h)
		}
	}
	switch len(flat) {
	case 0:
		return nil
	case 1:
		return flat[0]
	}
	var sc startChain
	for _, h := range flat {
		if s, ok := h.(TxStarter); ok {
			sc.tx = append(sc.tx, s)
		}
		if s, ok := h.(ConnectStarter); ok {
			sc.conn = append(sc.conn, s)
		}
	}
	if sc.tx == nil && sc.conn == nil {
		return flat
	}
	sc.chain = flat
	return &sc
}

type chain []Hook

func (c chain) OnConnect(ctx context.Context, e *ConnEvent) {
	for _, h := range c {
		h.OnConnect(ctx, e)
	}
}

func (c chain) OnReset(ctx context.Context, e *ConnEvent) {
	for _, h := range c {
		h.OnReset(ctx, e)
	}
}

func (c chain) OnClose(e *ConnEvent) {
	for i := len(c) - 1; i >= 0; i-- {
		c[i].OnClose(e)
	}
}

func (c chain) OnTx(ctx context.Context, e *TxEvent) {
	for _, h := range c {
		h.OnTx(ctx, e)
	}
}

func (c chain) OnStatementStart(ctx context.Context, e *StatementEvent) context.Context {
	for _, h := range c {
		ctx = h.OnStatementStart(ctx, e)
	}
	return ctx
}

func (c chain) OnStatementEnd(ctx context.Context, e *StatementEvent) {
	for i := len(c) - 1; i >= 0; i-- {
		c[i].OnStatementEnd(ctx, e)
	}
}

func (c chain) OnSyncViolation(ctx context.Context, e *SyncViolation) {
	for _, h := range c {
		h.OnSyncViolation(ctx, e)
	}
}
