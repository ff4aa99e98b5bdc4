package reliability_test

import (
	"sync"
	"testing"

	"github.com/aiodb/aiodb/internal/testserver"
)

// The package's own servers: one PostgreSQL and one MariaDB, made by
// internal/testserver on first use and kept for the whole test binary
// (stopped by closeOwnServers from TestMain), so that no fault test
// touches a shared server: the kills, cancels, exhaustion and load run
// here, and tests that restart or reconfigure a server make one of their
// own.
var own struct {
	mu    sync.Mutex
	pg    *testserver.Postgres
	pgErr error
	my    *testserver.MariaDB
	myErr error
}

// ownPostgresDSN returns the DSN of the package's PostgreSQL, starting it
// on first use; t is skipped (failed under AIODB_REQUIRE_DB=1, with the
// server's log) when it cannot start.
func ownPostgresDSN(t testing.TB) string {
	t.Helper()
	own.mu.Lock()
	defer own.mu.Unlock()
	if own.pg == nil && own.pgErr == nil {
		own.pg, own.pgErr = testserver.NewPostgres(nil)
	}
	if own.pgErr != nil {
		testserver.Unavailable(t, own.pgErr)
	}
	return own.pg.DSN()
}

// ownMariaDBDSN is ownPostgresDSN for the package's MariaDB.
func ownMariaDBDSN(t testing.TB) string {
	t.Helper()
	own.mu.Lock()
	defer own.mu.Unlock()
	if own.my == nil && own.myErr == nil {
		own.my, own.myErr = testserver.NewMariaDB()
	}
	if own.myErr != nil {
		testserver.Unavailable(t, own.myErr)
	}
	return own.my.DSN()
}

// closeOwnServers stops the package's servers and removes their
// directories; the error names the one that did not stop cleanly.
func closeOwnServers() error {
	own.mu.Lock()
	defer own.mu.Unlock()
	var err error
	if own.pg != nil {
		err = own.pg.Close()
	}
	if own.my != nil {
		if e := own.my.Close(); err == nil {
			err = e
		}
	}
	return err
}
