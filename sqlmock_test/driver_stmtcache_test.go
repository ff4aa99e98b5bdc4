package sqlmock_test

import (
	"context"
	"errors"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/go-sql-driver/mysql"
	"github.com/lib/pq"

	aiodriver "github.com/aiodb/aiodb/driver"
)

// The statement cache over go-sqlmock: exactly which prepares, runs and
// closes reach the inner driver.

func drvCachedFlags(r *drvRecorder) []bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]bool, len(r.stmts))
	for i, e := range r.stmts {
		out[i] = e.Cached
	}
	return out
}

func drvEqualBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Wrap leaves the cache off unless asked: sqlmock sees plain queries.
func TestDriverStmtCacheOffByDefault(t *testing.T) {
	db, mock, _ := drvOpen(t, aiodriver.Options{})
	mock.ExpectQuery("SELECT name FROM users WHERE id = ?").WithArgs(1).WillReturnRows(sqlmock.NewRows([]string{"name"}).AddRow("ann"))
	var name string
	if err := db.QueryRow("SELECT name FROM users WHERE id = ?", 1).Scan(&name); err != nil || name != "ann" {
		t.Fatalf("%q %v", name, err)
	}
	if err := mock.ExpectationsWereMet(); err != nil {
		t.Fatal(err)
	}
}

// One prepare, then every call runs the prepared statement; the least
// recently used statement is closed when the cache is full; hooks see
// one event per call.
func TestDriverStmtCachePrepareOnceAndEvict(t *testing.T) {
	rec := &drvRecorder{}
	db, mock, _ := drvOpen(t, aiodriver.Options{StmtCacheSize: 1, Hooks: rec})
	const sel, upd = "SELECT name FROM users WHERE id = ?", "UPDATE users SET name = ? WHERE id = ?"
	ps := mock.ExpectPrepare(sel).WillBeClosed()
	ps.ExpectQuery().WithArgs(1).WillReturnRows(sqlmock.NewRows([]string{"name"}).AddRow("ann"))
	ps.ExpectQuery().WithArgs(2).WillReturnRows(sqlmock.NewRows([]string{"name"}).AddRow("bob"))
	pu := mock.ExpectPrepare(upd)
	pu.ExpectExec().WithArgs("cy", 3).WillReturnResult(sqlmock.NewResult(0, 1))
	pu.ExpectExec().WithArgs("di", 4).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectExec("CREATE TABLE t (x int)").WillReturnResult(sqlmock.NewResult(0, 0))

	ctx := aiodriver.AllowSync(context.Background())
	for i, want := range []string{"ann", "bob"} {
		var name string
		if err := db.QueryRowContext(ctx, sel, i+1).Scan(&name); err != nil || name != want {
			t.Fatalf("read %d: %q %v", i+1, name, err)
		}
	}
	if _, err := db.ExecContext(ctx, upd, "cy", 3); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, upd, "di", 4); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (x int)"); err != nil {
		t.Fatal(err)
	}
	if err := mock.ExpectationsWereMet(); err != nil {
		t.Fatal(err)
	}
	if got, want := drvCachedFlags(rec), []bool{false, true, false, true, false}; !drvEqualBools(got, want) {
		t.Fatalf("Cached flags %v, want %v", got, want)
	}
}

// A statement refused after a schema change is closed, prepared again and
// run once more, with one hook event and no error; in a transaction the
// server's error comes back unchanged and nothing is re-prepared.
func TestDriverStmtCacheReprepare(t *testing.T) {
	for _, stale := range []error{
		&pq.Error{Code: "0A000", Message: "cached plan must not change result type"},
		&mysql.MySQLError{Number: 1615, Message: "Prepared statement needs to be re-prepared"},
	} {
		t.Run(stale.Error(), func(t *testing.T) {
			rec := &drvRecorder{}
			db, mock, _ := drvOpen(t, aiodriver.Options{StmtCacheSize: 10, Hooks: rec})
			const sel = "SELECT * FROM users WHERE id = ?"
			p1 := mock.ExpectPrepare(sel).WillBeClosed()
			p1.ExpectQuery().WithArgs(1).WillReturnRows(sqlmock.NewRows([]string{"id"}).AddRow(1))
			p1.ExpectQuery().WithArgs(1).WillReturnError(stale)
			p2 := mock.ExpectPrepare(sel).WillBeClosed()
			p2.ExpectQuery().WithArgs(1).WillReturnRows(sqlmock.NewRows([]string{"id", "name"}).AddRow(1, "ann"))
			mock.ExpectBegin()
			p2.ExpectQuery().WithArgs(1).WillReturnError(stale)
			mock.ExpectRollback()
			ctx := aiodriver.AllowSync(context.Background())

			var id int
			var name string
			if err := db.QueryRowContext(ctx, sel, 1).Scan(&id); err != nil {
				t.Fatal(err)
			}
			if err := db.QueryRowContext(ctx, sel, 1).Scan(&id, &name); err != nil || name != "ann" {
				t.Fatalf("after the schema change: %q %v", name, err)
			}
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.QueryRowContext(ctx, sel, 1).Scan(&id, &name); !errors.Is(err, stale) {
				t.Fatalf("in a transaction: %v, want the server's error", err)
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			if err := mock.ExpectationsWereMet(); err != nil {
				t.Fatal(err)
			}
			if got, want := drvCachedFlags(rec), []bool{false, false, true}; !drvEqualBools(got, want) {
				t.Fatalf("Cached flags %v, want %v (three statements)", got, want)
			}
			rec.mu.Lock()
			errs := []error{rec.stmts[0].Err, rec.stmts[1].Err, rec.stmts[2].Err}
			rec.mu.Unlock()
			if errs[0] != nil || errs[1] != nil || !errors.Is(errs[2], stale) {
				t.Fatalf("event errors %v: the retried statement must end without error", errs)
			}
		})
	}
}
