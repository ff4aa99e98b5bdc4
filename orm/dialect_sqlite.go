package orm

import (
	"errors"
	"time"

	"github.com/aiodb/aiodb/driver"
)

// SQLite is the SQLite dialect of the aiosqlite driver (modernc.org/sqlite,
// SQLite 3.35 or later for RETURNING).
var SQLite = &Dialect{
	Name:            driver.DialectSQLite,
	Placeholder:     PlaceholderQuestion,
	IdentQuote:      '"',
	InsertReturning: true,
	UpdateReturning: true,
	DeleteReturning: true,
	Upsert:          UpsertOnConflict,
	OffsetLimit:     "-1",
	True:            "1",
	False:           "0",
	MaxParams:       32766,
	BindTime:        sqliteTime,
	TimeAsText:      true,
	JSON:            JSONSQLite,
	Types: DDLTypes{
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
	IsIntegrityError:      isSQLiteIntegrityError,
	IsRetryable:           isSQLiteRetryable,
}

// sqliteTimeLayout has a fixed-width fraction so that stored times sort as
// text; modernc.org/sqlite parses it back for DATETIME columns.
const sqliteTimeLayout = "2006-01-02 15:04:05.000000000-07:00"

func sqliteTime(t time.Time) any { return t.UTC().Format(sqliteTimeLayout) }

// sqliteConstraint is SQLITE_CONSTRAINT; extended codes keep it in the low
// byte (SQLITE_CONSTRAINT_UNIQUE is 19 | 8<<8).
const sqliteConstraint = 19

func isSQLiteIntegrityError(err error) bool {
	var ce interface{ Code() int }
	return errors.As(err, &ce) && ce.Code()&0xff == sqliteConstraint
}

// sqliteBusy is SQLITE_BUSY; SQLITE_BUSY_SNAPSHOT (a WAL read transaction
// that cannot become a write one) keeps it in the low byte.
const sqliteBusy = 5

// isSQLiteRetryable matches SQLITE_BUSY: another connection held the
// write lock past busy_timeout, or a read transaction could not be
// upgraded; only a new transaction can go on.
func isSQLiteRetryable(err error) bool {
	var ce interface{ Code() int }
	return errors.As(err, &ce) && ce.Code()&0xff == sqliteBusy
}
