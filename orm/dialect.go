package orm

import (
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm/dialect"
	"github.com/aiodb/aiodb/orm/dialect/mysqldialect"
	"github.com/aiodb/aiodb/orm/dialect/pgdialect"
	"github.com/aiodb/aiodb/orm/dialect/sqlitedialect"
)

// Dialect describes one SQL dialect as data (see package dialect). The
// built-in ones come from pgdialect.New, mysqldialect.New,
// mysqldialect.MariaDB and sqlitedialect.New; a variant is a Clone with a
// few fields changed, passed with WithDialect.
type Dialect = dialect.Dialect

// The types and constants of a Dialect's fields, under their orm names.
type (
	Placeholder = dialect.Placeholder
	UpsertStyle = dialect.UpsertStyle
	DDLTypes    = dialect.DDLTypes
	JSONStyle   = dialect.JSONStyle
)

const (
	PlaceholderQuestion  = dialect.PlaceholderQuestion
	PlaceholderDollar    = dialect.PlaceholderDollar
	UpsertOnConflict     = dialect.UpsertOnConflict
	UpsertOnDuplicateKey = dialect.UpsertOnDuplicateKey
	JSONNone             = dialect.JSONNone
	JSONPostgres         = dialect.JSONPostgres
	JSONMySQL            = dialect.JSONMySQL
	JSONSQLite           = dialect.JSONSQLite
)

// dialects are the built-in dialects by driver.Dialect* name.
var dialects = map[string]func() *Dialect{
	driver.DialectPostgres: pgdialect.New,
	driver.DialectMySQL:    mysqldialect.New,
	driver.DialectSQLite:   sqlitedialect.New,
}

// dsnRewrites are the changes Open makes to a registered driver's DSN
// before it opens it (see mysqldialect.OpenDSN).
var dsnRewrites = map[string]func(string) string{
	"aiomysql": mysqldialect.OpenDSN,
}

// openDSN is dsn as Open passes it to driverName.
func openDSN(driverName, dsn string) string {
	if f := dsnRewrites[driverName]; f != nil {
		return f(dsn)
	}
	return dsn
}

// DialectByName returns a new value of the built-in dialect for a
// driver.Dialect* name (PostgreSQL, MySQL or SQLite); nil for any other
// name. MariaDB is not chosen by name (the driver cannot tell the servers
// apart): Open and New probe the server, or pass WithDialect.
func DialectByName(name string) *Dialect {
	if d := dialects[name]; d != nil {
		return d()
	}
	return nil
}
