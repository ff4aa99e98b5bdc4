// Package sqlitedialect is the SQLite dialect of package orm, for the
// aiosqlite driver (modernc.org/sqlite); orm.Open picks it for it.
package sqlitedialect

import (
	"errors"
	"time"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm/dialect"
)

// New returns the SQLite dialect (SQLite 3.35 or later, for RETURNING), a
// fresh value each call.
func New() *dialect.Dialect {
	return &dialect.Dialect{
		Name:            driver.DialectSQLite,
		Placeholder:     dialect.PlaceholderQuestion,
		IdentQuote:      '"',
		InsertReturning: true,
		UpdateReturning: true,
		DeleteReturning: true,
		Upsert:          dialect.UpsertOnConflict,
		OffsetLimit:     "-1",
		True:            "1",
		False:           "0",
		MaxParams:       32766,
		BindTime:        BindTime,
		TimeAsText:      true,
		JSON:            dialect.JSONSQLite,
		Types: dialect.DDLTypes{
			Bool: "BOOLEAN",
			Int8: "INTEGER", Int16: "INTEGER", Int32: "INTEGER", Int64: "INTEGER",
			Uint8: "INTEGER", Uint16: "INTEGER", Uint32: "INTEGER", Uint64: "INTEGER",
			Float32: "REAL", Float64: "REAL",
			String: "TEXT", VarChar: "VARCHAR(%d)",
			Bytes: "BLOB",
			Time:  "DATETIME",
			// TEXT keeps decimals exact: NUMERIC affinity would make them REAL.
			JSON: "TEXT", UUID: "TEXT", Decimal: "TEXT",
		},
		AutoIncrement:         "PRIMARY KEY AUTOINCREMENT",
		AutoIncrementType:     "INTEGER",
		AutoIncrementInlinePK: true,
		TableExistsSQL:        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?)",
		TruncateSQL:           "DELETE FROM ",
		IsIntegrityError:      IsIntegrityError,
		IsRetryable:           IsRetryable,
	}
}

// TimeLayout has a fixed-width fraction so that stored times sort as
// text; modernc.org/sqlite parses it back for DATETIME columns.
const TimeLayout = "2006-01-02 15:04:05.000000000-07:00"

// BindTime is the dialect's BindTime: the time in UTC as TimeLayout text.
func BindTime(t time.Time) any { return t.UTC().Format(TimeLayout) }

// Result codes; extended codes keep the primary one in the low byte
// (SQLITE_CONSTRAINT_UNIQUE is 19 | 8<<8).
const (
	codeBusy       = 5
	codeConstraint = 19
)

// code is modernc.org/sqlite's *sqlite.Error, without importing it.
type code interface{ Code() int }

// IsIntegrityError matches SQLITE_CONSTRAINT and its extended codes
// (unique, foreign key, not null, check).
func IsIntegrityError(err error) bool {
	var ce code
	return errors.As(err, &ce) && ce.Code()&0xff == codeConstraint
}

// IsRetryable matches SQLITE_BUSY, including SQLITE_BUSY_SNAPSHOT (a WAL
// read transaction whose snapshot is older than a commit it must write
// after): another connection held the lock, and the transaction may
// succeed when run again.
func IsRetryable(err error) bool {
	var ce code
	return errors.As(err, &ce) && ce.Code()&0xff == codeBusy
}
