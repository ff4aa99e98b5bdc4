package orm

import (
	"errors"

	"github.com/go-sql-driver/mysql"

	"github.com/aiodb/aiodb/driver"
)

// MySQL is the MySQL dialect, the default of the aiomysql driver: no
// RETURNING, so auto primary keys come from LastInsertId.
var MySQL = &Dialect{
	Name:        driver.DialectMySQL,
	Placeholder: PlaceholderQuestion,
	IdentQuote:  '`',
	Upsert:      UpsertOnDuplicateKey,
	OffsetLimit: "18446744073709551615",
	ForUpdate:   "FOR UPDATE",
	True:        "TRUE",
	False:       "FALSE",
	MaxParams:   65535,
	TimeAsText:  true,
	TimeWallUTC: true,
	BindTime:    mysqlTime,
	JSON:        JSONMySQL,
	Types: DDLTypes{
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
	IsIntegrityError: isMySQLIntegrityError,
	IsRetryable:      isMySQLRetryable,
}

// MariaDB is MySQL as MariaDB 10.5 and later speak it: INSERT and DELETE
// accept RETURNING (UPDATE does not). Open and New on aiomysql pick it
// when the server says it is MariaDB 10.5 or later; orm.WithDialect
// chooses it (or MySQL) for any other case.
var MariaDB = func() *Dialect {
	d := *MySQL
	d.InsertReturning = true
	d.DeleteReturning = true
	return &d
}()

// mysqlIntegrityErrors are the server error numbers of integrity
// violations: duplicate key, row referenced / no parent row (both
// generations), and NULL into a NOT NULL column.
var mysqlIntegrityErrors = map[uint16]bool{
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

func isMySQLIntegrityError(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && mysqlIntegrityErrors[me.Number]
}

// isMySQLRetryable matches ER_LOCK_DEADLOCK (1213; InnoDB has rolled the
// transaction back) and ER_LOCK_WAIT_TIMEOUT (1205; only the statement
// was undone, so the retry's rollback ends the rest).
func isMySQLRetryable(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}
