package driver

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/aiodb/aiodb/hooks"
)

// ErrNoBatch is matched (errors.Is) by the error of SendBatch on aiopg,
// whose lib/pq has no batches; the message names the driver.
var ErrNoBatch = errors.New("batches need PostgreSQL through aiopgx (pgx)")

// Batch is a list of statements SendBatch sends in one round trip. The
// zero value is an empty batch.
type Batch struct {
	stmts []BatchStatement
}

// Queue adds a statement with its arguments ($1, $2, ...) and returns b.
func (b *Batch) Queue(query string, args ...any) *Batch {
	b.stmts = append(b.stmts, BatchStatement{SQL: query, Args: args})
	return b
}

// Len returns the number of statements queued.
func (b *Batch) Len() int { return len(b.stmts) }

// SendBatch sends the statements of b to the server at once, through
// pgx's SendBatch on aiopgx, and reads their results back in order: the
// rows each affected (for a SELECT, the rows it returned, which are
// discarded). Outside a transaction the statements run in one implicit
// transaction, so an error in one undoes them all; on a *sql.Conn with a
// transaction begun by its BeginTx they are part of it.
//
// The guard checks ctx once, before anything is sent, as for an Exec
// whose SQL is the statements joined by "; ". Hooks see each statement:
// every OnStatementStart before the batch is sent, then each
// OnStatementEnd as its result is read, with its rows or its error (the
// statements after a failed one end with the error pgx gives them). On
// error SendBatch returns the rows of the statements before the failed
// one and the first error.
//
// On aiopg (lib/pq has no batches) it fails with an error matching
// ErrNoBatch, on MySQL and SQLite with one matching ErrNotPostgres; both
// name the driver.
func SendBatch(ctx context.Context, target ConnTarget, b *Batch) ([]int64, error) {
	if b == nil || len(b.stmts) == 0 {
		return nil, nil
	}
	var out []int64
	err := withConn(ctx, "SendBatch", target, func(c *conn) error {
		var err error
		out, err = c.sendBatch(ctx, b)
		return err
	})
	return out, err
}

func (c *conn) sendBatch(ctx context.Context, b *Batch) (out []int64, err error) {
	if c.native == nil {
		return nil, fmt.Errorf("aiodb: SendBatch: %w; driver %s has none", ErrNoBatch, c.driverName())
	}
	if c.openRows > 0 {
		return nil, errors.New("aiodb: SendBatch: rows are still open on the connection")
	}
	sqls := make([]string, len(b.stmts))
	for i, s := range b.stmts {
		sqls[i] = s.SQL
	}
	if e, _ := c.guard(ctx, opExec, strings.Join(sqls, "; "), ""); e != nil {
		return nil, e
	}
	w, err := c.watchCall(ctx, "exec")
	if err != nil {
		return nil, err
	}
	if w.on {
		defer func() { err = w.result(err) }()
	}
	defer c.catchPanic("exec", &err)

	var hctxs []context.Context
	var evs []*hooks.StatementEvent
	if c.opts.Hooks != nil {
		hctxs = make([]context.Context, len(b.stmts))
		evs = make([]*hooks.StatementEvent, len(b.stmts))
		for i, s := range b.stmts {
			hctxs[i], evs[i] = c.start(ctx, hooks.StmtExec, s.SQL, namedArgs(s.Args))
		}
	}
	br := c.native.SendBatch(ctx, b.stmts)
	out = make([]int64, 0, len(b.stmts))
	var first error
	for i := range b.stmts {
		n, err := br.Exec()
		if err == nil {
			if first == nil {
				out = append(out, n)
			}
		} else {
			n = -1
			if first == nil {
				first = err
			}
		}
		if evs != nil {
			c.end(hctxs[i], evs[i], n, err)
		}
	}
	if err := br.Close(); first == nil {
		first = err
	}
	if first != nil {
		return out, first
	}
	return out, nil
}

func namedArgs(args []any) []driver.NamedValue {
	if len(args) == 0 {
		return nil
	}
	nv := make([]driver.NamedValue, len(args))
	for i, v := range args {
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return nv
}
