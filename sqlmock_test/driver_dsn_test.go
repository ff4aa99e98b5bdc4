package sqlmock_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"

	aiodriver "github.com/aiodb/aiodb/driver"
)

// The aio_* options of a DSN reach the guard and never the inner driver.
func TestDriverDSNOptionApplies(t *testing.T) {
	dsn := fmt.Sprintf("drv_sqlmock_dsn_%d", drvDSNSeq.Add(1))
	mdb, mock, err := sqlmock.NewWithDSN(dsn, sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
	if err != nil {
		t.Fatal(err)
	}
	defer mdb.Close()
	// sqlmock looks the DSN up verbatim: it only finds its connection if
	// the option was removed.
	c, err := aiodriver.Wrap(mdb.Driver(), aiodriver.Options{}).OpenConnector(dsn + "?aio_sync=error")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.(*aiodriver.Connector).Options().Sync; got != aiodriver.SyncError {
		t.Fatalf("Sync = %v, want error", got)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	if _, err := db.Exec("DELETE FROM x"); !errors.Is(err, aiodriver.ErrSyncCall) {
		t.Fatalf("Exec under aio_sync=error: %v", err)
	}
	mock.ExpectExec("DELETE FROM x").WillReturnResult(sqlmock.NewResult(0, 0))
	if _, err := db.ExecContext(aiodriver.AllowSync(context.Background()), "DELETE FROM x"); err != nil {
		t.Fatalf("inner driver did not get the DSN without the option: %v", err)
	}
}

func TestDriverDSNBadOptions(t *testing.T) {
	mdb, _, err := sqlmock.New()
	if err != nil {
		t.Fatal(err)
	}
	defer mdb.Close()
	wrapped := aiodriver.Wrap(mdb.Driver(), aiodriver.Options{})
	for _, tc := range []struct {
		open  func() error
		names []string // the error must name these
	}{
		{func() error { _, err := wrapped.OpenConnector("x?aio_bogus=1"); return err }, []string{"aio_bogus"}},
		{func() error { _, err := wrapped.OpenConnector("x?aio_sync=sometimes"); return err }, []string{"aio_sync", "sometimes"}},
		{func() error { _, err := wrapped.OpenConnector("x?aio_sync=warn&AIO_SYNC=panic"); return err }, []string{"aio_sync", "twice"}},
		{func() error { _, err := wrapped.Open("x?aio_sync=%zz"); return err }, []string{"aio_sync"}},
		{func() error {
			_, err := aiodriver.OpenConnector("aiopg", "host=127.0.0.1 dbname=test aio_sync='not a mode'", nil)
			return err
		}, []string{"aio_sync", "not a mode"}},
		{func() error {
			_, err := aiodriver.OpenConnector("aiopg", "postgres://u@127.0.0.1/db?aio_stmt_cahce=3", nil)
			return err
		}, []string{"aio_stmt_cahce"}},
		{func() error {
			_, err := aiodriver.OpenConnector("aiomysql", "root@tcp(127.0.0.1:3306)/test?aio_sync=", nil)
			return err
		}, []string{"aio_sync"}},
		{func() error {
			db, err := sql.Open("aiosqlite", "file:x.db?aio_sink=1")
			if err == nil {
				db.Close()
			}
			return err
		}, []string{"aio_sink"}},
		{func() error { _, err := aiodriver.OpenConnector("postgres", "", nil); return err }, []string{`"postgres"`, "aiopg"}},
	} {
		err := tc.open()
		if err == nil {
			t.Errorf("no error; want one naming %v", tc.names)
			continue
		}
		for _, n := range tc.names {
			if !strings.Contains(err.Error(), n) {
				t.Errorf("error %q does not name %q", err, n)
			}
		}
	}
}

func TestDriverOpenConnectorConfigure(t *testing.T) {
	rec := &drvRecorder{}
	c, err := aiodriver.OpenConnector("aiosqlite", ":memory:?aio_sync=warn", func(o *aiodriver.Options) {
		if o.Sync != aiodriver.SyncWarn || o.Name != "aiosqlite" || o.Dialect != aiodriver.DialectSQLite {
			t.Errorf("configure sees %+v, want the DSN's mode and the driver's name and dialect", *o)
		}
		o.Hooks = rec
		o.Sync = aiodriver.SyncError
	})
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	if got := aiodriver.DialectOf(db.Driver()); got != aiodriver.DialectSQLite {
		t.Fatalf("DialectOf = %q", got)
	}
	if got := db.Driver().(interface{ Options() aiodriver.Options }).Options(); got.Sync != aiodriver.SyncError || got.Hooks != rec {
		t.Fatalf("Driver().Options() = %+v", got)
	}
	var n int
	if err := db.QueryRowContext(aiodriver.MarkAsync(context.Background()), "SELECT 6*7").Scan(&n); err != nil || n != 42 {
		t.Fatalf("%d %v", n, err)
	}
	if err := db.QueryRow("SELECT 1").Scan(&n); !errors.Is(err, aiodriver.ErrSyncCall) {
		t.Fatalf("configure's SyncError not applied: %v", err)
	}
	if len(rec.stmts) != 1 || len(rec.violations) != 1 {
		t.Fatalf("hooks from configure not used: %v", rec.Lines())
	}
}
