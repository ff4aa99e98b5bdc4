package orm

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// ErrDoesNotExist is matched (errors.Is) by the error of a query that had
// to return one row and found none (One, Scalar). It wraps sql.ErrNoRows,
// so errors.Is(err, sql.ErrNoRows) holds as well.
var ErrDoesNotExist = fmt.Errorf("orm: does not exist: %w", sql.ErrNoRows)

// ErrIntegrity is matched (errors.Is) by the error of a statement the
// server refused for a unique, foreign-key, not-null or check violation.
// The driver's own error stays reachable with errors.As (a *pq.Error,
// *pgconn.PgError, *mysql.MySQLError or *sqlite.Error).
var ErrIntegrity = errors.New("orm: integrity error")

// DoesNotExistError is the error of a query that found no row; it names
// the model and carries the statement and its arguments. Its message
// leaves the arguments' values out (they often hold personal data and
// end up in logs), unless the DB was opened with ErrorValues.
type DoesNotExistError struct {
	Model string // the Go type, e.g. "main.PageBlock"
	SQL   string
	Args  []any

	values bool // ErrorValues: the message shows Args
}

func (e *DoesNotExistError) Error() string {
	switch {
	case e.values:
		return fmt.Sprintf("orm: %s does not exist: %s %s", e.Model, e.SQL, formatArgs(e.Args))
	case len(e.Args) == 1:
		return fmt.Sprintf("orm: %s does not exist: %s (1 argument)", e.Model, e.SQL)
	case len(e.Args) > 1:
		return fmt.Sprintf("orm: %s does not exist: %s (%d arguments)", e.Model, e.SQL, len(e.Args))
	}
	return fmt.Sprintf("orm: %s does not exist: %s", e.Model, e.SQL)
}

// Unwrap returns ErrDoesNotExist (which wraps sql.ErrNoRows).
func (e *DoesNotExistError) Unwrap() error { return ErrDoesNotExist }

// IntegrityError is the error of a statement the server refused for an
// integrity violation. Err is the driver's error.
type IntegrityError struct {
	SQL string
	Err error
}

func (e *IntegrityError) Error() string {
	return "orm: integrity error: " + e.Err.Error() + " (in " + e.SQL + ")"
}

// Is makes errors.Is(err, ErrIntegrity) true.
func (e *IntegrityError) Is(target error) bool { return target == ErrIntegrity }

// Unwrap returns the driver's error.
func (e *IntegrityError) Unwrap() error { return e.Err }

// QueryError is the error of a statement the driver or server refused for
// any other reason. Err is the driver's error (or the sync guard's, or the
// context's).
type QueryError struct {
	SQL string
	Err error
}

func (e *QueryError) Error() string { return "orm: " + e.Err.Error() + " (in " + e.SQL + ")" }

// Unwrap returns the underlying error.
func (e *QueryError) Unwrap() error { return e.Err }

// wrapErr wraps a driver error with the statement that caused it,
// classifying integrity violations.
func (db *DB) wrapErr(err error, query string) error {
	if err == nil {
		return nil
	}
	if f := db.dialect.IsIntegrityError; f != nil && f(err) {
		return &IntegrityError{SQL: query, Err: err}
	}
	return &QueryError{SQL: query, Err: err}
}

// formatArgs prints bind arguments for error messages, truncating long
// values so that a large blob does not flood a log.
func formatArgs(args []any) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		s := fmt.Sprintf("%#v", a)
		if bs, ok := a.([]byte); ok {
			s = fmt.Sprintf("[]byte(len %d)", len(bs))
		}
		if len(s) > 64 {
			s = s[:61] + "..."
		}
		b.WriteString(s)
	}
	b.WriteByte(']')
	return b.String()
}

func errNilRow(t *Table) error { return fmt.Errorf("orm: nil *%v", t.GoType) }
