// Package testenv gives tests the DSNs of the real servers they may use.
//
// Integration tests call PostgresDSN or MySQLDSN: the DSN comes from
// AIODB_PG_DSN / AIODB_MYSQL_DSN; when it is unset the test is skipped with
// a message, unless AIODB_REQUIRE_DB=1, which turns the skip into a failure
// (CI sets it, so a missing server can never pass silently).
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

const (
	PostgresEnv = "AIODB_PG_DSN"
	MySQLEnv    = "AIODB_MYSQL_DSN"
	RequireEnv  = "AIODB_REQUIRE_DB"
)

// PostgresDSN returns the lib/pq / pgx DSN of the test PostgreSQL server.
func PostgresDSN(t testing.TB) string { return dsn(t, PostgresEnv, "PostgreSQL") }

// MySQLDSN returns the go-sql-driver/mysql DSN of the test MariaDB/MySQL server.
func MySQLDSN(t testing.TB) string { return dsn(t, MySQLEnv, "MariaDB/MySQL") }

func dsn(t testing.TB, env, server string) string {
	t.Helper()
	v := os.Getenv(env)
	if v != "" {
		return v
	}
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s is not set but %s=1: the %s integration tests must run", env, RequireEnv, server)
	}
	t.Skipf("%s integration test skipped: set %s to run it", server, env)
	return ""
}

// SQLiteDSN returns the DSN of a fresh SQLite database file in the test's
// temporary directory, with aiosqlite's defaults (busy timeout, WAL,
// foreign keys, BEGIN IMMEDIATE). extra is appended as URL query options
// (without the leading "?"), for example "aio_sync=error".
func SQLiteDSN(t testing.TB, extra string) string {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "test.db")
	if extra != "" {
		dsn += "?" + extra
	}
	return dsn
}
