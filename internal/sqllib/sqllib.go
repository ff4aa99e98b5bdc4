// Package sqllib stands in, in tests, for a third-party library that runs
// statements on a *sql.DB for its caller (an ORM, a query builder, a
// migration tool): its frames sit between the caller and database/sql.
package sqllib

import (
	"context"
	"database/sql"
)

// Exec runs query on db, as a library would for its caller.
func Exec(ctx context.Context, db *sql.DB, query string) error {
	_, err := db.ExecContext(ctx, query)
	return err
}
