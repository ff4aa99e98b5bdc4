package orm

// Dialect describes one SQL dialect as data: placeholders, quoting,
// RETURNING support, upsert syntax, DDL types and limits.
type Dialect struct {
	Name string // driver.DialectPostgres, DialectMySQL or DialectSQLite
}

// DialectByName returns the dialect for a driver.Dialect* name, or nil.
func DialectByName(name string) *Dialect {
	return nil
}
