package pgx

import (
	"database/sql"
	"testing"

	aiodriver "github.com/aiodb/aiodb/driver"
)

// TestRegistered: importing the package registers aiopgx with database/sql
// and with package driver, with the PostgreSQL dialect. (COPY, batches,
// LISTEN and the statement cache on it are tested in package driver.)
func TestRegistered(t *testing.T) {
	db, err := sql.Open("aiopgx", "postgres://u@127.0.0.1:1/db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if d := aiodriver.DialectOf(db.Driver()); d != aiodriver.DialectPostgres {
		t.Fatalf("DialectOf = %q", d)
	}
	if o := db.Driver().(*aiodriver.Driver).Options(); o.Name != "aiopgx" {
		t.Fatalf("Options().Name = %q", o.Name)
	}
}
