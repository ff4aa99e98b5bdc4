package ormpgx

import (
	"context"
	sqldriver "database/sql/driver"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/internal/sqltext"
)

// Tracer fires aiodb's hooks from pgx's tracer interfaces, so that a pgx
// pool reports what a guarded database/sql pool does: connect (and its
// start, for a hooks.ConnectStarter), reset (a pooled connection acquired
// again), close, statements (start and end; COPY as one statement; each
// statement of a batch, all started before it is sent), BEGIN, COMMIT,
// ROLLBACK and savepoints as transaction events (and BEGIN's start, for a
// hooks.TxStarter, whose context statements of the transaction carry as
// TxContext). OpenConfig installs one beside the config's own tracer;
// install one yourself with NewTracer to build the pool elsewhere. Close
// events need the pool's BeforeClose: see Tracer.BeforeClose.
//
// The ORM's statements have the Kind they have on database/sql (an
// INSERT ... RETURNING is a query). Other statements' Kind comes from
// their first word (SELECT, WITH, VALUES, TABLE, SHOW and EXPLAIN are
// queries), since pgx's tracer does not say whether Query or Exec ran
// them.
type Tracer struct {
	hooks       hooks.Hook
	txStarter   hooks.TxStarter
	connStarter hooks.ConnectStarter
}

var (
	_ pgx.QueryTracer       = (*Tracer)(nil)
	_ pgx.ConnectTracer     = (*Tracer)(nil)
	_ pgx.CopyFromTracer    = (*Tracer)(nil)
	_ pgx.BatchTracer       = (*Tracer)(nil)
	_ pgxpool.AcquireTracer = (*Tracer)(nil)
	_ pgxpool.ReleaseTracer = (*Tracer)(nil)
)

// NewTracer returns a Tracer firing h's events; it panics if h is nil.
func NewTracer(h hooks.Hook) *Tracer {
	if h == nil {
		panic("ormpgx.NewTracer: nil hook")
	}
	t := &Tracer{hooks: h}
	t.txStarter, _ = h.(hooks.TxStarter)
	t.connStarter, _ = h.(hooks.ConnectStarter)
	return t
}

// The keys of what the tracer keeps in a connection's CustomData.
const (
	keyConnID = "aiodb.conn_id" // uint64: hooks' ConnID
	keyUsed   = "aiodb.used"    // bool: released once, so an acquire reuses it
	keyTxCtx  = "aiodb.tx_ctx"  // context.Context: the TxStarter's, until the transaction ends
)

// connID returns conn's ConnID (0 for a connection the tracer did not see
// open).
func connID(conn *pgx.Conn) uint64 {
	id, _ := conn.PgConn().CustomData()[keyConnID].(uint64)
	return id
}

type ctxKey int

const (
	stmtKey ctxKey = iota
	connKey
	acquireKey
	batchKey
	stmtKindKey // hooks.StmtKind: the engine's statements say which
)

// TraceQueryStart fires OnStatementStart, or for BEGIN the TxStarter's
// OnTxStart.
func (t *Tracer) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	ctx, tr := t.start(ctx, conn, data.SQL, data.Args)
	return context.WithValue(ctx, stmtKey, tr)
}

// start fires the start of a statement (OnStatementStart, or OnTxStart
// for BEGIN) and returns the context and what its end needs.
func (t *Tracer) start(ctx context.Context, conn *pgx.Conn, sql string, args []any) (context.Context, *traced) {
	if kind := txKind(sql); kind != 0 {
		ev := &hooks.TxEvent{ConnID: connID(conn), Driver: driverName, Kind: kind, Async: driver.IsAsync(ctx)}
		if kind == hooks.TxBegin && t.txStarter != nil {
			ctx = t.txStarter.OnTxStart(ctx, ev)
		}
		return ctx, &traced{tx: ev, start: time.Now()}
	}
	kind, ok := ctx.Value(stmtKindKey).(hooks.StmtKind)
	if !ok { // not the ORM's (Executor's, SQLDB's, or pgx's own)
		kind = kindOf(sql)
	}
	ev := t.statement(ctx, conn, kind, sql, args)
	return t.hooks.OnStatementStart(ctx, ev), &traced{stmt: ev}
}

// traced is what a statement's start hands its end.
type traced struct {
	stmt  *hooks.StatementEvent
	tx    *hooks.TxEvent
	start time.Time
}

func (t *Tracer) statement(ctx context.Context, conn *pgx.Conn, kind hooks.StmtKind, sql string, args []any) *hooks.StatementEvent {
	ev := &hooks.StatementEvent{
		ConnID:   connID(conn),
		Kind:     kind,
		Async:    driver.IsAsync(ctx),
		InTx:     conn.PgConn().TxStatus() != 'I',
		Internal: driver.IsInternal(ctx),
		SQL:      sql,
		Driver:   driverName,
		Start:    time.Now(),
	}
	args = withoutOptions(args)
	if len(args) > 0 {
		ev.Args = make([]sqldriver.NamedValue, len(args))
		for i, a := range args {
			ev.Args[i] = sqldriver.NamedValue{Ordinal: i + 1, Value: a}
		}
	}
	if ev.InTx {
		ev.TxContext, _ = conn.PgConn().CustomData()[keyTxCtx].(context.Context)
	}
	return ev
}

// withoutOptions is args without the leading arguments pgx takes as
// options of the query rather than its parameters.
func withoutOptions(args []any) []any {
	for len(args) > 0 {
		switch args[0].(type) {
		case pgx.QueryResultFormats, pgx.QueryResultFormatsByOID, pgx.QueryExecMode, pgx.QueryRewriter:
			args = args[1:]
		default:
			return args
		}
	}
	return args
}

// TraceQueryEnd fires OnStatementEnd (and OnTx after a savepoint
// statement), or OnTx for BEGIN, COMMIT and ROLLBACK.
func (t *Tracer) TraceQueryEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryEndData) {
	if tr, ok := ctx.Value(stmtKey).(*traced); ok {
		t.end(ctx, conn, tr, data.CommandTag, data.Err)
	}
}

// end fires the end of what start began, with ctx, the context start
// returned.
func (t *Tracer) end(ctx context.Context, conn *pgx.Conn, tr *traced, tag pgconn.CommandTag, err error) {
	if ev := tr.tx; ev != nil {
		ev.Duration, ev.Err = time.Since(tr.start), err
		cd := conn.PgConn().CustomData()
		if ev.Kind == hooks.TxBegin {
			if t.txStarter != nil && err == nil {
				cd[keyTxCtx] = ctx
			}
			t.hooks.OnTx(ctx, ev)
			return
		}
		txCtx, _ := cd[keyTxCtx].(context.Context)
		delete(cd, keyTxCtx)
		if txCtx == nil {
			txCtx = ctx
		}
		t.hooks.OnTx(txCtx, ev)
		return
	}
	ev := tr.stmt
	ev.Duration, ev.Err, ev.Rows = time.Since(ev.Start), err, -1
	if err == nil {
		ev.Rows = tag.RowsAffected()
	}
	t.hooks.OnStatementEnd(ctx, ev)
	if kind, name := driver.ClassifyTx(ev.SQL); kind != 0 {
		t.hooks.OnTx(ctx, &hooks.TxEvent{ConnID: ev.ConnID, Driver: driverName, Kind: kind, Name: name, Duration: ev.Duration, Err: ev.Err, Async: ev.Async})
	}
}

// txKind recognises BEGIN, COMMIT and ROLLBACK as pgx sends them for
// BeginTx, Commit and Rollback, and their spellings by hand (START
// TRANSACTION, END, ABORT, an optional WORK or TRANSACTION, comments),
// with the project's lexer; 0 for anything else, ROLLBACK TO included
// (driver.ClassifyTx's savepoint statements).
func txKind(sql string) hooks.TxKind {
	l := sqltext.New(sql)
	w := l.Next()
	if w.Kind != sqltext.Word {
		return 0
	}
	var kind hooks.TxKind
	switch {
	case sqltext.EqualFold(w.Text, "begin"):
		return hooks.TxBegin // options may follow
	case sqltext.EqualFold(w.Text, "start"):
		if t := l.Next(); t.Kind == sqltext.Word && sqltext.EqualFold(t.Text, "transaction") {
			return hooks.TxBegin
		}
		return 0
	case sqltext.EqualFold(w.Text, "commit"), sqltext.EqualFold(w.Text, "end"):
		kind = hooks.TxCommit
	case sqltext.EqualFold(w.Text, "rollback"), sqltext.EqualFold(w.Text, "abort"):
		kind = hooks.TxRollback
	default:
		return 0
	}
	t := l.Next()
	if t.Kind == sqltext.Word && (sqltext.EqualFold(t.Text, "work") || sqltext.EqualFold(t.Text, "transaction")) {
		t = l.Next()
	}
	if t.Kind == sqltext.Semicolon {
		t = l.Next()
	}
	if t.Kind != sqltext.EOF {
		return 0 // ROLLBACK TO, COMMIT AND CHAIN: not the end of the transaction
	}
	return kind
}

// kindOf is a statement's Kind from its first word, after any opening
// parentheses.
func kindOf(sql string) hooks.StmtKind {
	l := sqltext.New(sql)
	t := l.Next()
	for t.Kind == sqltext.Punct && t.Text == "(" {
		t = l.Next()
	}
	if t.Kind == sqltext.Word {
		for _, q := range [...]string{"select", "with", "values", "table", "show", "explain"} {
			if sqltext.EqualFold(t.Text, q) {
				return hooks.StmtQuery
			}
		}
	}
	return hooks.StmtExec
}

// batchTrace is what a batch's start hands the ends of its statements:
// each statement's context and event, in the batch's order.
type batchTrace struct {
	ctxs []context.Context
	trs  []*traced
	next int // the statement whose result is read next
}

// errBatchUnread ends the statements of a batch closed without an error
// before their results were read.
var errBatchUnread = errors.New("ormpgx: the batch ended before this statement's result was read")

// TraceBatchStart fires the start of each statement of a batch (Executor's
// SendBatch) before it is sent, as aiopgx's SendBatch does.
func (t *Tracer) TraceBatchStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	if data.Batch == nil {
		return ctx
	}
	qs := data.Batch.QueuedQueries
	bt := &batchTrace{ctxs: make([]context.Context, len(qs)), trs: make([]*traced, len(qs))}
	for i, q := range qs {
		bt.ctxs[i], bt.trs[i] = t.start(ctx, conn, q.SQL, q.Arguments)
	}
	return context.WithValue(ctx, batchKey, bt)
}

// TraceBatchQuery fires the end of the batch's next statement.
func (t *Tracer) TraceBatchQuery(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchQueryData) {
	bt, ok := ctx.Value(batchKey).(*batchTrace)
	if !ok || bt.next >= len(bt.trs) {
		return
	}
	i := bt.next
	bt.next++
	t.end(bt.ctxs[i], conn, bt.trs[i], data.CommandTag, data.Err)
}

// TraceBatchEnd ends the statements whose results were not read (those
// after a failed one), with the batch's error.
func (t *Tracer) TraceBatchEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchEndData) {
	bt, ok := ctx.Value(batchKey).(*batchTrace)
	if !ok {
		return
	}
	err := data.Err
	if err == nil {
		err = errBatchUnread
	}
	for ; bt.next < len(bt.trs); bt.next++ {
		t.end(bt.ctxs[bt.next], conn, bt.trs[bt.next], pgconn.CommandTag{}, err)
	}
}

// TraceCopyFromStart fires OnStatementStart for a COPY ... FROM STDIN.
func (t *Tracer) TraceCopyFromStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceCopyFromStartData) context.Context {
	ev := t.statement(ctx, conn, hooks.StmtExec, driver.CopySQL(data.TableName.Sanitize(), data.ColumnNames), nil)
	ctx = t.hooks.OnStatementStart(ctx, ev)
	return context.WithValue(ctx, stmtKey, &traced{stmt: ev})
}

// TraceCopyFromEnd fires OnStatementEnd with the rows copied.
func (t *Tracer) TraceCopyFromEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceCopyFromEndData) {
	tr, ok := ctx.Value(stmtKey).(*traced)
	if !ok || tr.stmt == nil {
		return
	}
	ev := tr.stmt
	ev.Duration, ev.Err, ev.Rows = time.Since(ev.Start), data.Err, -1
	if data.Err == nil {
		ev.Rows = data.CommandTag.RowsAffected()
	}
	t.hooks.OnStatementEnd(ctx, ev)
}

// TraceConnectStart fires a ConnectStarter's OnConnectStart.
func (t *Tracer) TraceConnectStart(ctx context.Context, data pgx.TraceConnectStartData) context.Context {
	ev := &hooks.ConnEvent{Driver: driverName}
	if t.connStarter != nil {
		ctx = t.connStarter.OnConnectStart(ctx, ev)
	}
	return context.WithValue(ctx, connKey, &connTrace{ev: ev, start: time.Now()})
}

type connTrace struct {
	ev    *hooks.ConnEvent
	start time.Time
}

// TraceConnectEnd gives the new connection its ConnID and fires OnConnect.
func (t *Tracer) TraceConnectEnd(ctx context.Context, data pgx.TraceConnectEndData) {
	ct, ok := ctx.Value(connKey).(*connTrace)
	if !ok {
		return
	}
	ev := ct.ev
	ev.Duration, ev.Err = time.Since(ct.start), data.Err
	if data.Conn != nil {
		ev.ConnID = driver.NewConnID()
		data.Conn.PgConn().CustomData()[keyConnID] = ev.ConnID
	}
	t.hooks.OnConnect(ctx, ev)
}

// TraceAcquireStart notes when the pool was asked for a connection.
func (t *Tracer) TraceAcquireStart(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireStartData) context.Context {
	return context.WithValue(ctx, acquireKey, time.Now())
}

// TraceAcquireEnd fires OnReset when the pool hands out a connection that
// was used and released before (a new one has had OnConnect).
func (t *Tracer) TraceAcquireEnd(ctx context.Context, _ *pgxpool.Pool, data pgxpool.TraceAcquireEndData) {
	if data.Err != nil || data.Conn == nil {
		return
	}
	if used, _ := data.Conn.PgConn().CustomData()[keyUsed].(bool); !used {
		return
	}
	ev := &hooks.ConnEvent{ConnID: connID(data.Conn), Driver: driverName}
	if start, ok := ctx.Value(acquireKey).(time.Time); ok {
		ev.Duration = time.Since(start)
	}
	t.hooks.OnReset(ctx, ev)
}

// TraceRelease marks the connection as used.
func (t *Tracer) TraceRelease(_ *pgxpool.Pool, data pgxpool.TraceReleaseData) {
	if data.Conn != nil {
		data.Conn.PgConn().CustomData()[keyUsed] = true
	}
}

// BeforeClose fires OnClose; set it as the pool config's BeforeClose (or
// call it from yours). OpenConfig does.
func (t *Tracer) BeforeClose(conn *pgx.Conn) {
	t.hooks.OnClose(&hooks.ConnEvent{ConnID: connID(conn), Driver: driverName})
}
