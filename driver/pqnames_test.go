package driver_test

import (
	"context"
	"database/sql"
	"strconv"
	"testing"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/internal/testenv"
)

// TestPQStatementNamesUnique: the statements aiopg's cache prepares on
// lib/pq are named differently on every connection (lib/pq alone names
// them "1", "2", ... everywhere), so that behind a pooler sharing server
// sessions a cached statement can never run another client's statement of
// the same name (cluster/pgbouncer_test.go shows the wrong rows that gave).
// It also fails when lib/pq renames the counter the driver sets.
func TestPQStatementNamesUnique(t *testing.T) {
	db, err := sql.Open("aiopg", testenv.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := aio.AllowSync(context.Background())
	seen := map[string]bool{}
	for range 2 {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close() // both stay open, so they are two sessions
		var one int
		if err := conn.QueryRowContext(ctx, "SELECT $1::int", 1).Scan(&one); err != nil {
			t.Fatal(err)
		}
		var name string
		if err := conn.QueryRowContext(ctx, "SELECT name FROM pg_prepared_statements WHERE statement = 'SELECT $1::int'").Scan(&name); err != nil {
			t.Fatalf("the cached statement is not prepared on the session: %v", err)
		}
		n, err := strconv.ParseInt(name, 10, 64)
		if err != nil || n < 1<<40 {
			t.Fatalf("cached statement named %q: want lib/pq's counter started at a random number >= 2^40", name)
		}
		if seen[name] {
			t.Fatalf("two connections named their statement %q", name)
		}
		seen[name] = true
	}
}
