// Package mysqldialect is the MySQL and MariaDB dialect of package orm,
// for the aiomysql driver (go-sql-driver/mysql). orm.Open picks New for
// aiomysql and, when the server says it is MariaDB 10.5 or later,
// MariaDB (see Probe). It is the only package of orm that imports the
// MySQL driver.
//
// # What orm does on MySQL and MariaDB
//
// Dialect: Open and New on aiomysql ask the server for VERSION() and pick
// MariaDB (INSERT and DELETE ... RETURNING) on MariaDB 10.5 and later,
// MySQL otherwise; WithDialect wins. The probe runs with a
// driver.Internal context, so a strict sync guard does not trip and hooks
// see it marked Internal; a server that does not answer within 5s leaves
// the MySQL dialect, which works on MariaDB too.
//
// Generated keys: a single row reads its key from RETURNING or
// LastInsertId. A multi-row Insert reads them with RETURNING on MariaDB;
// with the MySQL dialect it trusts LastInsertId, +1, +2... only when the
// probe saw innodb_autoinc_lock_mode 0 or 1 and auto_increment_increment
// 1, the settings under which InnoDB gives one INSERT of known length
// consecutive keys. Otherwise (lock mode 2, MySQL 8's default and
// Galera's; a step other than 1; a server Open could not reach) the rows
// are inserted one statement each in one transaction, all or none. An
// upsert with RETURNING gives the existing row's key.
//
// Upserts: OnConflictUpdate and OnConflictSet write ON DUPLICATE KEY
// UPDATE, OnConflictDoNothing writes INSERT IGNORE (any unique key, not
// only the target). The count is MySQL's: 1 inserted, 2 updated, 0
// unchanged or ignored (with RETURNING, the rows returned).
//
// Times: a time.Time is bound as its UTC wall clock in text ("2006-01-02
// 15:04:05.999999", DATETIME(6)'s microseconds) and read back as UTC,
// whatever the DSN's parseTime and loc say, so the same instant comes back
// through any DSN. Open's DSN gets loc=UTC (replacing the user's) and
// parseTime=true unless parseTime is given: go-sql-driver/mysql parsing in
// a zone with daylight saving time cannot represent the hour skipped in
// spring. With New the *sql.DB is the caller's: keep loc=UTC there, or a
// zone without daylight saving time. Compare with UTC_TIMESTAMP(), not
// NOW(), in SQL of your own.
//
// Text: CreateTableSQL ends with DEFAULT CHARSET=utf8mb4, and
// go-sql-driver/mysql connects in utf8mb4 unless the DSN's charset or
// collation says otherwise, so four-byte characters (emoji) round-trip
// whatever the server's default character set. JSON[T] is a JSON column
// (LONGTEXT checked by json_valid on MariaDB): filter it with JSONGet or
// orm.SQL("JSON_EXTRACT(?, '$.k') = ?", orm.Col("doc"), v). The
// interpolateParams DSN option works either way (it turns the statement
// cache off).
package mysqldialect

import (
	"time"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm/dialect"
)

// New returns the MySQL dialect (MySQL 5.7 and 8, and MariaDB, which
// speaks it too), a fresh value each call. It reads auto keys back with
// LastInsertId, having no RETURNING.
func New() *dialect.Dialect {
	return &dialect.Dialect{
		Name:        driver.DialectMySQL,
		Placeholder: dialect.PlaceholderQuestion,
		IdentQuote:  '`',
		Upsert:      dialect.UpsertOnDuplicateKey,
		OffsetLimit: "18446744073709551615",
		ForUpdate:   "FOR UPDATE",
		True:        "TRUE",
		False:       "FALSE",
		MaxParams:   65535,
		TimeAsText:  true,
		TimeWallUTC: true,
		BindTime:    BindTime,
		JSON:        dialect.JSONMySQL,
		Types: dialect.DDLTypes{
			Bool: "BOOL",
			Int8: "TINYINT", Int16: "SMALLINT", Int32: "INT", Int64: "BIGINT",
			Uint8: "TINYINT UNSIGNED", Uint16: "SMALLINT UNSIGNED", Uint32: "INT UNSIGNED", Uint64: "BIGINT UNSIGNED",
			Float32: "FLOAT", Float64: "DOUBLE",
			String: "LONGTEXT", VarChar: "VARCHAR(%d)", IndexedString: "VARCHAR(255)",
			Bytes: "LONGBLOB", VarBinary: "VARBINARY(%d)",
			Time: "DATETIME(6)",
			JSON: "JSON", UUID: "CHAR(36)", Decimal: "DECIMAL(65,30)",
		},
		AutoIncrement:    "AUTO_INCREMENT",
		InlineIndexes:    true,
		TableOptions:     "DEFAULT CHARSET=utf8mb4",
		TableExistsSQL:   "SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?)",
		TruncateSQL:      "TRUNCATE TABLE ",
		IsIntegrityError: IsIntegrityError,
		IsRetryable:      IsRetryable,
		IsConnLost:       IsConnLost,
		ProbeServer:      Probe,
	}
}

// MariaDB returns the dialect of MariaDB 10.5 and later: MySQL's, with
// INSERT ... RETURNING and DELETE ... RETURNING.
func MariaDB() *dialect.Dialect {
	d := New()
	d.Variant = "mariadb"
	d.InsertReturning = true
	d.DeleteReturning = true
	return d
}

// timeLayout is DATETIME(6)'s text: microseconds, trailing zeros dropped,
// no zone.
const timeLayout = "2006-01-02 15:04:05.999999"

// BindTime is the dialect's BindTime: a time is bound as its UTC wall
// clock in text. go-sql-driver/mysql would write a time.Time in the DSN's
// loc (UTC by default, Local when the user says so), so the same instant
// would be stored as different wall clocks under different DSNs; as text
// it is stored the same way whatever the DSN says, and the scanner reads
// it back as UTC (Dialect.TimeWallUTC) with or without parseTime.
// Precision is the microsecond of DATETIME(6): finer digits are cut here,
// so that MySQL (which rounds) and MariaDB (which cuts) store the same
// value.
func BindTime(t time.Time) any { return t.UTC().Format(timeLayout) }

var integrityErrors = map[int]bool{
	1062: true, // ER_DUP_ENTRY
	1451: true, // ER_ROW_IS_REFERENCED_2
	1452: true, // ER_NO_REFERENCED_ROW_2
	1048: true, // ER_BAD_NULL_ERROR
	1216: true, // ER_NO_REFERENCED_ROW
	1217: true, // ER_ROW_IS_REFERENCED
	1364: true, // ER_NO_DEFAULT_FOR_FIELD (NOT NULL column left out, strict mode)
	4025: true, // ER_CONSTRAINT_FAILED (MariaDB CHECK)
	3819: true, // ER_CHECK_CONSTRAINT_VIOLATED (MySQL CHECK)
}

// IsIntegrityError matches duplicate keys, foreign key, NOT NULL and CHECK
// violations.
func IsIntegrityError(err error) bool {
	n, ok := driver.ErrorNumber(err)
	return ok && integrityErrors[n]
}

// IsRetryable matches a deadlock (1213, also Galera's certification
// failure) and a lock wait timeout (1205).
func IsRetryable(err error) bool {
	n, ok := driver.ErrorNumber(err)
	return ok && (n == 1213 || n == 1205)
}

// IsConnLost matches go-sql-driver/mysql's answer when the connection
// breaks after a statement was sent (a server or Galera node that died
// mid-query): mysql.ErrInvalidConn, which package driver/mysql makes
// driver.IsConnLost know.
func IsConnLost(err error) bool { return driver.IsConnLost(err) }
