// Package types holds the column types aiodb adds to what database/sql
// scans: Decimal (an exact decimal kept as text), JSON[T] (any Go value
// stored as JSON), UUID, HStore (PostgreSQL's hstore), and the text codec
// of PostgreSQL arrays behind slice fields and PGArray. Each type is a
// driver.Valuer whose pointer is a sql.Scanner, so it works with any
// driver; package orm also knows their column types for CreateTableSQL
// and re-exports them under the same names.
package types
