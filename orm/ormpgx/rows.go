package ormpgx

import (
	"database/sql/driver"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// rows is a pgx.Rows as an engine.Rows.
type rows struct {
	r    pgx.Rows
	cols []string
	tx   *pgxTx // a transaction's rows: Close releases its busy lock
	// args holds the query's arguments after resultFormats (see runQuery)
	// while pgx may still read them.
	args [8]any
}

func (r *rows) Next() bool { return r.r.Next() }

// Scan scans the row. A *any destination gets what database/sql would
// give it over pgx (int64 for every integer, float64 for every float, the
// server's text for a column read as text: see resultFormats), so that
// Maps, Tuples and Scalar read the same values on both paths. The loop
// costs a type assertion per column; pgx's scan costs far more.
func (r *rows) Scan(dest ...any) error {
	if err := r.r.Scan(dest...); err != nil {
		return err
	}
	var fds []pgconn.FieldDescription
	var raw [][]byte
	for i, d := range dest {
		p, ok := d.(*any)
		if !ok {
			continue
		}
		if fds == nil {
			fds, raw = r.r.FieldDescriptions(), r.r.RawValues()
		}
		if i < len(fds) && fds[i].Format == pgtype.TextFormatCode && raw[i] != nil {
			// pgx decodes text too (a json's map, an array's []any);
			// database/sql hands it over as it came.
			*p = string(raw[i])
			continue
		}
		*p = widen(*p)
	}
	return nil
}

// widen turns pgx's narrow numbers into database/sql's, and pgx's own
// types (pgtype.Numeric, Interval, ...) into their driver values (a
// numeric's text), as pgx's database/sql adapter does.
func widen(v any) any {
	switch n := v.(type) {
	case int16:
		return int64(n)
	case int32:
		return int64(n)
	case uint32: // oid, xid, cid
		return int64(n)
	case float32:
		return float64(n)
	case driver.Valuer:
		if dv, err := n.Value(); err == nil {
			return dv
		}
	}
	return v
}

func (r *rows) Columns() ([]string, error) {
	if r.cols == nil {
		fds := r.r.FieldDescriptions()
		r.cols = make([]string, len(fds))
		for i, fd := range fds {
			r.cols[i] = fd.Name
		}
	}
	return r.cols, nil
}

// Close closes the rows and returns their error, as Err does; it may be
// called again.
func (r *rows) Close() error {
	r.r.Close()
	if tx := r.tx; tx != nil {
		r.tx = nil
		tx.busy.Unlock()
	}
	return r.r.Err()
}

func (r *rows) Err() error { return r.r.Err() }
