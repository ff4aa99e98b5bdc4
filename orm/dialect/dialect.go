// Package dialect describes SQL dialects as data: what the query builder,
// the scanner and the DDL writer of package orm need to know of a server
// (placeholders, quoting, RETURNING, upserts, limits, column types, how to
// recognise its integrity and conflict errors), read from fields rather
// than by testing a dialect's name. The dialects themselves are in
// pgdialect, mysqldialect and sqlitedialect; each New returns a fresh
// value, so a changed copy never changes another pool's dialect.
package dialect

import (
	"database/sql"
	"time"
)

// Placeholder is how a dialect writes bind parameters.
type Placeholder uint8

const (
	// PlaceholderQuestion writes every parameter as "?" (MySQL, SQLite).
	PlaceholderQuestion Placeholder = iota
	// PlaceholderDollar numbers parameters "$1", "$2", ... (PostgreSQL).
	PlaceholderDollar
)

// UpsertStyle is how a dialect writes InsertQuery.OnConflict*.
type UpsertStyle uint8

const (
	// UpsertOnConflict writes ON CONFLICT (target) DO UPDATE SET c =
	// EXCLUDED.c, or DO NOTHING (PostgreSQL, SQLite).
	UpsertOnConflict UpsertStyle = iota
	// UpsertOnDuplicateKey writes ON DUPLICATE KEY UPDATE c = VALUES(c),
	// and INSERT IGNORE for "do nothing" (MySQL, MariaDB). The conflict
	// target is ignored: any unique key conflicts.
	UpsertOnDuplicateKey
)

// DDLTypes are the column types CreateTableSQL writes for each Go type.
// An empty entry means the Go type cannot be a column in this dialect
// unless the field's tag says type:...
type DDLTypes struct {
	Bool                          string
	Int8, Int16, Int32, Int64     string
	Uint8, Uint16, Uint32, Uint64 string
	Float32, Float64              string
	String                        string // a string without size:N
	VarChar                       string // a string with size:N; "%d" is the size
	IndexedString                 string // a string without size that is a key; "" means String
	Bytes                         string // a []byte without size:N
	VarBinary                     string // a []byte with size:N; "" means Bytes
	Time                          string
	JSON                          string // orm.JSON[T] and json.RawMessage
	UUID                          string // orm.UUID
	Decimal                       string // orm.Decimal without type:...
	HStore                        string // orm.HStore; "" where there is none
	Array                         string // []T; "%s" is T's type; "" where there are no arrays
}

// Dialect describes one SQL dialect as data. The query builder, the
// scanner and the DDL writer read these fields instead of testing the
// dialect's name, so a variant (say, a MySQL server that has RETURNING) is
// a copy of a Dialect with a few fields changed, passed with WithDialect.
type Dialect struct {
	// Name is the dialect family: driver.DialectPostgres, DialectMySQL or
	// DialectSQLite.
	Name string
	// Variant tells members of a family apart where it matters ("mariadb"
	// for MariaDB; "" for the family's base dialect).
	Variant string
	// Placeholder is how bind parameters are written.
	Placeholder Placeholder
	// IdentQuote quotes identifiers: '"' or '`'. A quote inside a name is
	// doubled, though model and alias names never contain one.
	IdentQuote byte

	// InsertReturning, UpdateReturning and DeleteReturning say whether the
	// statement kind accepts a RETURNING clause. Without InsertReturning
	// an auto primary key is read from sql.Result.LastInsertId.
	InsertReturning bool
	UpdateReturning bool
	DeleteReturning bool

	// Upsert is how ON CONFLICT clauses are written.
	Upsert UpsertStyle
	// NativeILike is true when the server has ILIKE; otherwise ILike is
	// written LOWER(col) LIKE LOWER(?).
	NativeILike bool
	// OffsetLimit is written as the LIMIT of a query that has an OFFSET
	// but no limit, for servers that need one ("" when OFFSET may stand
	// alone).
	OffsetLimit string
	// ForUpdate is the row-locking clause of SelectQuery.ForUpdate, ""
	// when the server has none (SQLite locks the whole database in a
	// write transaction, so the clause is dropped).
	ForUpdate string

	// MaxParams is the most bind parameters one statement may carry.
	MaxParams int
	// ArrayParams is true when a Go slice binds as one array parameter,
	// so that Any writes "= ANY($1)" instead of an IN list.
	ArrayParams bool

	// True and False are the boolean literals, written for And() and Or()
	// of no conditions (SQLite before 3.23 has no TRUE).
	True, False string

	// BindTime converts a time.Time argument before it is bound (nil
	// binds it unchanged). SQLite stores times as text: binding them in
	// UTC with a fixed layout keeps them comparable and sortable.
	BindTime func(time.Time) any
	// TimeAsText is true when a time column may reach Scan as text or
	// bytes (MySQL without parseTime=true, SQLite expressions); fields of
	// type time.Time and *time.Time then parse it.
	TimeAsText bool
	// TimeWallUTC is true when time columns keep a wall clock without a
	// zone (MySQL DATETIME) and BindTime writes it in UTC: a time.Time
	// the driver read in another location (go-sql-driver/mysql with
	// loc=Local) is that UTC wall clock, and is read back as such.
	TimeWallUTC bool

	// JSON is how JSONGet, JSONText and JSONContains are written.
	JSON JSONStyle

	// Types are the DDL column types.
	Types DDLTypes
	// AutoIncrement is appended to the type of an auto primary key.
	AutoIncrement string
	// AutoIncrementType replaces the type of an auto primary key ("" keeps
	// the Go type's).
	AutoIncrementType string
	// AutoIncrementInlinePK writes PRIMARY KEY on the auto column itself,
	// as SQLite requires for AUTOINCREMENT.
	AutoIncrementInlinePK bool
	// InlineIndexes writes non-unique indexes inside CREATE TABLE (MySQL)
	// instead of as CREATE INDEX IF NOT EXISTS statements.
	InlineIndexes bool
	// TableOptions follow CREATE TABLE's closing parenthesis (MySQL:
	// DEFAULT CHARSET=utf8mb4, so that a server or database whose
	// default is latin1 or 3-byte utf8 still stores emoji); "" for none.
	TableOptions string

	// TableExistsSQL is the catalog query of Model.TableExists: one bind
	// parameter (the table name), one boolean column.
	TableExistsSQL string
	// TruncateSQL starts the statement of Model.Truncate, followed by the
	// table's name: "TRUNCATE TABLE " or, where there is none, "DELETE FROM ".
	TruncateSQL string

	// IsIntegrityError reports whether err (from the driver) is a unique,
	// foreign-key, not-null or check violation; such errors are returned
	// wrapped so that errors.Is(err, ErrIntegrity) holds.
	IsIntegrityError func(err error) bool
	// IsRetryable reports whether err (from the driver) means the
	// transaction lost a conflict with another one and may succeed when
	// run again from BEGIN: a serialization failure, a deadlock or a
	// lock wait timeout. The Retry option of Atomic and Transaction
	// consults it; nil means no error is retried.
	IsRetryable func(err error) bool
	// IsConnLost reports whether err (from the driver) means the
	// connection broke under the statement, beyond the errors every
	// driver shares (net.Error, driver.ErrBadConn, io.EOF): a read that
	// failed so is tried on another replica. nil adds none.
	IsConnLost func(err error) bool

	// ProbeServer, when set, is called by orm.Open and orm.New with the
	// new pool, to learn what the server behind it supports (nil: nothing
	// learned, keep the dialect).
	ProbeServer func(db *sql.DB) *Server
}

// Server is what a dialect's ProbeServer learned of the server.
type Server struct {
	Version string // as the server reports it
	// Dialect is the dialect the server calls for instead of the one
	// probing (MariaDB 10.5+ instead of MySQL), or nil; a dialect the
	// user chose with orm.WithDialect is kept all the same.
	Dialect *Dialect
	// ConsecutiveIDs: one multi-row INSERT is known to get consecutive
	// auto-increment keys (LastInsertId, +1, +2, ...), so their keys can
	// be read back without RETURNING.
	ConsecutiveIDs bool
}

// String names the dialect: its Variant ("mariadb") when it has one,
// else its Name ("postgres", "mysql", "sqlite").
func (d *Dialect) String() string {
	if d.Variant != "" {
		return d.Variant
	}
	return d.Name
}

// Clone returns a copy of d that can be changed without changing d: the
// way to make a variant (a lower MaxParams, say) for orm.WithDialect.
func (d *Dialect) Clone() *Dialect {
	c := *d
	return &c
}

// JSONStyle is how a dialect writes JSONGet, JSONText and JSONContains.
type JSONStyle uint8

const (
	// JSONNone: the dialect has no JSON operators; the expressions are
	// errors when the query is built.
	JSONNone JSONStyle = iota
	// JSONPostgres writes col -> key ->> key and col @> value (jsonb).
	JSONPostgres
	// JSONMySQL writes JSON_EXTRACT(col, path), JSON_UNQUOTE(...) and
	// JSON_CONTAINS(col, value) with the path bound as one argument.
	JSONMySQL
	// JSONSQLite writes col -> path and json_extract(col, path) (SQLite
	// 3.38+); it has no containment test.
	JSONSQLite
)
