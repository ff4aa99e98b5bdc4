package driver

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/aiodb/aiodb/hooks"
)

// CopyFromSource gives CopyFrom its rows: Next advances to the next row
// (false at the end or on an error), Values returns the row's values in
// the order of the columns, Err the error that ended the rows. It has the
// methods of pgx.CopyFromSource, so pgx.CopyFromRows, pgx.CopyFromSlice
// and pgx.CopyFromFunc can be passed as they are.
type CopyFromSource interface {
	Next() bool
	Values() ([]any, error)
	Err() error
}

// CopyFromRows returns a CopyFromSource over rows.
func CopyFromRows(rows [][]any) CopyFromSource { return &rowsSource{rows: rows, i: -1} }

type rowsSource struct {
	rows [][]any
	i    int
}

func (s *rowsSource) Next() bool             { s.i++; return s.i < len(s.rows) }
func (s *rowsSource) Values() ([]any, error) { return s.rows[s.i], nil }
func (s *rowsSource) Err() error             { return nil }

// CopyFromFunc returns a CopyFromSource that calls next for each row
// until next returns a nil row (the end) or an error (which aborts the
// COPY).
func CopyFromFunc(next func() (row []any, err error)) CopyFromSource {
	return &funcSource{next: next}
}

type funcSource struct {
	next func() ([]any, error)
	row  []any
	err  error
}

func (s *funcSource) Next() bool {
	if s.err != nil {
		return false
	}
	s.row, s.err = s.next()
	return s.err == nil && s.row != nil
}

func (s *funcSource) Values() ([]any, error) { return s.row, s.err }
func (s *funcSource) Err() error             { return s.err }

// CopySQL returns the statement CopyFrom runs and hooks see:
// COPY "table" ("a", "b") FROM STDIN, the text of lib/pq's CopyIn. A
// table "schema.name" is split at its first dot.
func CopySQL(table string, columns []string) string {
	var b strings.Builder
	b.WriteString("COPY ")
	b.WriteString(quoteIdents(tableIdent(table)))
	b.WriteString(" (")
	for i, c := range columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(c))
	}
	b.WriteString(") FROM STDIN")
	return b.String()
}

// CopyFrom loads rows into table's columns with PostgreSQL's COPY FROM
// STDIN and returns the number of rows copied. target is a *sql.DB or a
// *sql.Conn (see ConnTarget); on a *sql.Conn with a transaction begun by
// its BeginTx, the COPY is part of that transaction.
//
// The COPY is one statement for the guard and the hooks: the guard checks
// ctx as for an Exec of CopySQL(table, columns) (a sync context on a
// strict pool is refused, or panics under SyncPanic, before anything is
// sent), and hooks see one OnStatementStart and one OnStatementEnd of
// kind exec with that SQL, no arguments, and Rows the rows copied (-1
// when it failed). An ended context stops it with an error matching
// ctx.Err(), as for a statement.
//
// On aiopgx it is pgx's (*pgx.Conn).CopyFrom (binary format, the column
// types asked of the server first). On aiopg it is lib/pq's COPY statement
// protocol (text format; values are converted as database/sql converts
// arguments, driver.Valuer included); lib/pq runs COPY only inside a
// transaction, so outside one CopyFrom wraps it in a transaction of its
// own, and inside one in a savepoint, which it rolls back when the rows
// fail (lib/pq can only complete a COPY, not abort it). Either way a
// failed CopyFrom leaves no row behind, and inside a transaction the
// transaction goes on (aiopg) or is aborted as by any failed statement
// (aiopgx).
//
// On any other driver it fails with an error matching ErrNotPostgres
// that names the driver.
func CopyFrom(ctx context.Context, target ConnTarget, table string, columns []string, rows CopyFromSource) (int64, error) {
	if len(columns) == 0 {
		return 0, errors.New("aiodb: CopyFrom: no columns")
	}
	if rows == nil {
		return 0, errors.New("aiodb: CopyFrom: nil rows")
	}
	query := CopySQL(table, columns)
	var n int64
	err := withConn(ctx, "CopyFrom", target, func(c *conn) error {
		var err error
		n, err = c.copyFrom(ctx, query, table, columns, rows)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

func (c *conn) copyFrom(ctx context.Context, query, table string, columns []string, src CopyFromSource) (n int64, err error) {
	if c.be.Postgres == nil {
		return 0, errNotPG("CopyFrom", c.driverName())
	}
	if c.openRows > 0 {
		return 0, errors.New("aiodb: CopyFrom: rows are still open on the connection")
	}
	if e, _ := c.guard(ctx, opExec, query, ""); e != nil {
		return 0, e
	}
	w, err := c.watchCall(ctx, "exec")
	if err != nil {
		return 0, err
	}
	if w.on {
		defer func() { err = w.result(err) }()
	}
	defer c.catchPanic("exec", &err)
	hctx := ctx
	var ev *hooks.StatementEvent
	if c.opts.Hooks != nil {
		hctx, ev = c.start(ctx, hooks.StmtExec, query, nil)
	}
	if c.native != nil {
		n, err = c.native.CopyFrom(hctx, tableIdent(table), columns, src)
	} else {
		n, err = c.pqCopy(hctx, query, len(columns), src)
	}
	if err != nil {
		n = -1
	}
	if ev != nil {
		c.end(hctx, ev, n, err)
	}
	return n, err
}

// The savepoint of a COPY inside a transaction on aiopg.
const (
	pqCopySavepoint = "SAVEPOINT aiodb_copy"
	pqCopyRelease   = "RELEASE SAVEPOINT aiodb_copy"
	pqCopyUndo      = "ROLLBACK TO SAVEPOINT aiodb_copy"
)

// pqCopy runs the COPY through lib/pq's statement protocol: prepare the
// COPY, Exec each row, Exec with no values to finish; inside a
// transaction of its own or a savepoint (see CopyFrom).
func (c *conn) pqCopy(ctx context.Context, query string, ncols int, src CopyFromSource) (int64, error) {
	execer, ok := c.inner.(driver.ExecerContext)
	prep, ok2 := c.inner.(driver.ConnPrepareContext)
	if !ok || !ok2 || c.beginner == nil {
		return 0, fmt.Errorf("aiodb: CopyFrom: %T lacks lib/pq's methods", c.inner)
	}
	var finish func(ok bool) error
	if c.inTx {
		if _, err := execer.ExecContext(ctx, pqCopySavepoint, nil); err != nil {
			return 0, err
		}
		finish = func(ok bool) error {
			if !ok {
				if _, err := execer.ExecContext(context.WithoutCancel(ctx), pqCopyUndo, nil); err != nil {
					return err
				}
			}
			_, err := execer.ExecContext(context.WithoutCancel(ctx), pqCopyRelease, nil)
			return err
		}
	} else {
		tx, err := c.beginner.BeginTx(ctx, driver.TxOptions{})
		if err != nil {
			return 0, err
		}
		finish = func(ok bool) error {
			if ok {
				return tx.Commit()
			}
			return tx.Rollback()
		}
	}
	n, err := pqCopyRows(ctx, prep, query, ncols, src)
	if ferr := finish(err == nil); err == nil {
		err = ferr
	}
	if err != nil {
		return 0, err
	}
	return n, nil
}

func pqCopyRows(ctx context.Context, prep driver.ConnPrepareContext, query string, ncols int, src CopyFromSource) (int64, error) {
	si, err := prep.PrepareContext(ctx, query)
	if err != nil {
		return 0, err
	}
	defer si.Close() // completes the COPY when a row failed; the caller then rolls back
	vals := make([]driver.Value, ncols)
	row := 0
	for src.Next() {
		row++
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		in, err := src.Values()
		if err != nil {
			return 0, err
		}
		if len(in) != ncols {
			return 0, fmt.Errorf("aiodb: CopyFrom: row %d has %d values for %d columns", row, len(in), ncols)
		}
		for i, v := range in {
			if vals[i], err = driver.DefaultParameterConverter.ConvertValue(v); err != nil {
				return 0, fmt.Errorf("aiodb: CopyFrom: row %d, column %d: %w", row, i+1, err)
			}
		}
		if _, err := si.Exec(vals); err != nil {
			return 0, err
		}
	}
	if err := src.Err(); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	res, err := si.Exec(nil) // the end of the rows: lib/pq sends CopyDone and reads the count
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
