package driver

import "database/sql/driver"

// Dialect families a guarded driver can declare. Package orm chooses its SQL
// dialect from them.
const (
	DialectPostgres = "postgres"
	DialectMySQL    = "mysql"
	DialectSQLite   = "sqlite"
)

// DialectOf returns the dialect declared by d: a guarded driver (or any
// driver with a Dialect() string method) reports its Options.Dialect; any
// other driver reports "".
func DialectOf(d driver.Driver) string {
	if x, ok := d.(interface{ Dialect() string }); ok {
		return x.Dialect()
	}
	return ""
}
