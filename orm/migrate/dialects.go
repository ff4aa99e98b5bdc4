package migrate

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm/dialect"
)

// alterStyle is how a dialect changes a column's type or nullability.
type alterStyle uint8

const (
	// alterColumn: ALTER TABLE t ALTER COLUMN c SET NOT NULL / TYPE x
	// (PostgreSQL).
	alterColumn alterStyle = iota
	// modifyColumn: ALTER TABLE t MODIFY COLUMN c <whole definition>,
	// the rest of the definition read from information_schema (MySQL).
	modifyColumn
	// rebuildTable: the table is rebuilt (SQLite, which has no such
	// ALTER TABLE).
	rebuildTable
)

// mysqlDefault is how information_schema.COLUMNS.COLUMN_DEFAULT spells a
// default, which MODIFY COLUMN must repeat.
type mysqlDefault uint8

const (
	// defaultLiteral: the value unquoted, expressions marked
	// DEFAULT_GENERATED in EXTRA (MySQL 8).
	defaultLiteral mysqlDefault = iota
	// defaultExpr: an SQL expression, 'text' quoted, "NULL" for none
	// (MariaDB 10.2.7 and later).
	defaultExpr
)

// caps is what this package must know of a dialect beyond orm's
// dialect.Dialect: its DDL, its catalog and its locks. capsOf picks one
// by the dialect's variant, then its family.
type caps struct {
	name string

	// txDDL: DDL runs inside a transaction and rolls back with it. Where
	// it does not (MySQL commits implicitly before and after each DDL
	// statement), a migration runs without one and is recorded dirty
	// until it has finished.
	txDDL bool
	// begin starts a migration's transaction by hand ("BEGIN IMMEDIATE"
	// on SQLite, which takes the write lock at once: that is the lock of
	// two migrators there); "" uses database/sql's BeginTx.
	begin string
	// lock and unlock take and release the session lock that serialises
	// migrators ("" where begin is the lock). lockWait is true when lock
	// returns a 1 or 0 (got it or timed out) rather than blocking.
	lock, unlock string
	lockWait     bool
	// foreignKeysOff: foreign keys are switched off around a migration
	// (outside its transaction, where SQLite allows it) and checked with
	// PRAGMA foreign_key_check before its commit, as SQLite documents for
	// schema changes; otherwise dropping a table in a rebuild would run
	// its ON DELETE actions.
	foreignKeysOff bool
	// hashComments: '#' starts a comment in .sql files.
	hashComments bool

	nullChange, typeChange alterStyle
	// partialIndex: CREATE INDEX ... WHERE.
	partialIndex bool
	// dropIndexOn: DROP INDEX name ON table.
	dropIndexOn bool
	// dropColumnRebuild: a dropped column that is in an index or a table
	// constraint needs a rebuild (SQLite's DROP COLUMN refuses it).
	dropColumnRebuild bool
	mysqlDefault      mysqlDefault

	// columnsSQL lists a table's columns (one parameter, the table):
	// name, type, nullable. indexesSQL lists its indexes: name, unique,
	// whether it is the primary key or backs a constraint (which DROP
	// INDEX cannot drop), the columns joined by ",".
	columnsSQL, indexesSQL string
	// columnSQL reads one column for MODIFY COLUMN (table, column):
	// type, nullable, default, extra.
	columnSQL string
	// typeAliases rewrite a type as the catalog spells it, for Diff's
	// type comparison; the first match of each pattern is replaced.
	typeAliases []typeAlias
}

type typeAlias struct {
	re   *regexp.Regexp
	repl string
}

func aliases(pairs ...string) []typeAlias {
	out := make([]typeAlias, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, typeAlias{regexp.MustCompile(pairs[i]), pairs[i+1]})
	}
	return out
}

var postgresCaps = &caps{
	name:       driver.DialectPostgres,
	txDDL:      true,
	lock:       "SELECT pg_advisory_lock($1)",
	unlock:     "SELECT pg_advisory_unlock($1)",
	nullChange: alterColumn, typeChange: alterColumn,
	partialIndex: true,
	columnsSQL: `SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull
FROM pg_attribute a WHERE a.attrelid = to_regclass(quote_ident($1)) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
	indexesSQL: `SELECT i.relname, x.indisunique, x.indisprimary OR EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid),
(SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = to_regclass(quote_ident($1)) ORDER BY i.relname`,
	typeAliases: aliases(
		`^varchar\b`, "character varying",
		`^timestamptz$`, "timestamp with time zone",
		`^timestamp$`, "timestamp without time zone",
		`^int8$`, "bigint", `^int4$|^int$`, "integer", `^int2$`, "smallint",
		`^bool$`, "boolean", `^float8$`, "double precision", `^float4$`, "real",
		`^numeric\((\d+)\)$`, "numeric($1,0)",
	),
}

var mysqlCaps = &caps{
	name:         driver.DialectMySQL,
	lock:         "SELECT GET_LOCK(?, 1)",
	unlock:       "SELECT RELEASE_LOCK(?)",
	lockWait:     true,
	hashComments: true,
	nullChange:   modifyColumn, typeChange: modifyColumn,
	dropIndexOn:  true,
	mysqlDefault: defaultLiteral,
	columnsSQL: `SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE = 'YES' FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
	indexesSQL: `SELECT INDEX_NAME, MAX(NON_UNIQUE) = 0, INDEX_NAME = 'PRIMARY', GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX SEPARATOR ',')
FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? GROUP BY INDEX_NAME ORDER BY INDEX_NAME`,
	columnSQL: `SELECT COLUMN_TYPE, IS_NULLABLE = 'YES', COLUMN_DEFAULT, EXTRA FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?`,
	typeAliases: aliases(
		// Integer display widths (MariaDB, MySQL 5.7) say nothing of the type.
		`^(tinyint|smallint|mediumint|int|bigint)\(\d+\)`, "$1",
		`^bool(ean)?$`, "tinyint", `^integer\b`, "int",
	),
}

var mariadbCaps = func() *caps {
	c := *mysqlCaps
	c.name = "mariadb"
	c.mysqlDefault = defaultExpr
	return &c
}()

var sqliteCaps = &caps{
	name:              driver.DialectSQLite,
	txDDL:             true,
	begin:             "BEGIN IMMEDIATE",
	foreignKeysOff:    true,
	nullChange:        rebuildTable,
	typeChange:        rebuildTable,
	partialIndex:      true,
	dropColumnRebuild: true,
	columnsSQL:        `SELECT name, type, "notnull" = 0 FROM pragma_table_info(?) ORDER BY cid`,
	indexesSQL: `SELECT il.name, il."unique", il.origin <> 'c',
(SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno))
FROM pragma_index_list(?) il ORDER BY il.name`,
}

// dialectCaps are keyed by dialect.Dialect.String(): the variant, else
// the family.
var dialectCaps = map[string]*caps{
	driver.DialectPostgres: postgresCaps,
	driver.DialectMySQL:    mysqlCaps,
	"mariadb":              mariadbCaps,
	driver.DialectSQLite:   sqliteCaps,
}

// capsOf returns what this package knows of d: by its variant, then its
// family (a variant of its own, made with Clone, migrates as its family).
func capsOf(d *dialect.Dialect) (*caps, error) {
	if d == nil {
		return nil, fmt.Errorf("migrate: no dialect")
	}
	if c, ok := dialectCaps[d.String()]; ok {
		return c, nil
	}
	if c, ok := dialectCaps[d.Name]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("migrate: dialect %q is not supported (postgres, mysql, mariadb and sqlite are)", d.String())
}

// normalType is a column type as the catalog spells it, for comparing a
// model's with the live one.
func (c *caps) normalType(t string) string {
	t = strings.ToLower(strings.Join(strings.Fields(t), " "))
	for _, a := range c.typeAliases {
		if a.re.MatchString(t) {
			t = a.re.ReplaceAllString(t, a.repl)
		}
	}
	return t
}
