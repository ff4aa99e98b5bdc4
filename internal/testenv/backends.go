package testenv

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The servers a Backend runs on.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
	MySQL    = "mysql"
)

// Backend is one database server reached through one aiodb driver: the
// list every "run on each backend" helper of the tests draws from.
type Backend struct {
	// Name is the subtest name: the driver, with a suffix for a variant.
	Name string
	// Driver is the registered aiodb driver: aiosqlite, aiopg, aiopgx or
	// aiomysql.
	Driver string
	// Server is SQLite, Postgres or MySQL.
	Server string
	// MariaDB marks the variant that the orm tests open with the MariaDB
	// dialect (RETURNING on INSERT and DELETE). It is data rather than a
	// dialect because this package sits below orm.
	MariaDB bool
	// Engine marks a backend that is not a database/sql driver but an
	// ORM engine (orm/ormpgx's pgx pool): only the orm's tests, which
	// open it with the engine's Open, draw it (see ORMBackends).
	Engine bool
	// DSN returns the server's DSN (for SQLite a fresh database in the
	// test's temporary directory); it skips the test when the server is
	// not configured, or fails it under AIODB_REQUIRE_DB=1.
	DSN func(t testing.TB) string
}

// Variant reports whether b is a second way of using a server that
// another Backend already covers (today the MariaDB dialect).
func (b Backend) Variant() bool { return b.MariaDB }

// DSNWith returns b's DSN with the options opts (k=v, joined by "&")
// added in the DSN's own form.
func (b Backend) DSNWith(t testing.TB, opts string) string {
	t.Helper()
	return WithOptions(b.DSN(t), opts)
}

// Configured reports whether b's server is set in the environment, for
// benchmarks that leave out a missing server instead of failing.
func (b Backend) Configured() bool {
	switch b.Server {
	case Postgres:
		return os.Getenv(PostgresEnv) != ""
	case MySQL:
		return os.Getenv(MySQLEnv) != ""
	}
	return true
}

// Backends returns every backend, in a fixed order. The slice is new on
// each call, so a caller may change it.
func Backends() []Backend {
	sqlite := func(t testing.TB) string { return SQLiteDSN(t, "") }
	return []Backend{
		{Name: "aiosqlite", Driver: "aiosqlite", Server: SQLite, DSN: sqlite},
		{Name: "aiopg", Driver: "aiopg", Server: Postgres, DSN: PostgresDSN},
		{Name: "aiopgx", Driver: "aiopgx", Server: Postgres, DSN: PostgresDSN},
		{Name: "aiomysql", Driver: "aiomysql", Server: MySQL, DSN: MySQLDSN},
		{Name: "aiomysql-mariadb", Driver: "aiomysql", Server: MySQL, MariaDB: true, DSN: MySQLDSN},
	}
}

// PgxPool is the engine backend "pgxpool": PostgreSQL through
// orm/ormpgx on a pgx pool, with no database/sql in between.
const PgxPool = "pgxpool"

// ORMBackends returns Backends and the ORM engines' backends after them.
func ORMBackends() []Backend {
	return append(Backends(), Backend{Name: PgxPool, Driver: PgxPool, Server: Postgres, Engine: true, DSN: PostgresDSN})
}

// SelectORMBackends is SelectBackends over ORMBackends.
func SelectORMBackends(filters ...Filter) []Backend { return selectFrom(ORMBackends(), filters) }

// EachORMBackend is EachBackend over ORMBackends.
func EachORMBackend(t *testing.T, fn func(t *testing.T, b Backend), filters ...Filter) {
	t.Helper()
	for _, b := range SelectORMBackends(filters...) {
		t.Run(b.Name, func(t *testing.T) { fn(t, b) })
	}
}

// A Filter keeps the backends for which it returns true.
type Filter func(Backend) bool

// OnServer keeps the backends on one of the servers.
func OnServer(servers ...string) Filter {
	return func(b Backend) bool { return slices.Contains(servers, b.Server) }
}

// Named keeps the backends of the given names.
func Named(names ...string) Filter {
	return func(b Backend) bool { return slices.Contains(names, b.Name) }
}

// NoVariants keeps one backend per driver: tests below the orm, which
// has the dialects, would only repeat themselves on a variant.
func NoVariants(b Backend) bool { return !b.Variant() }

// SelectBackends returns the backends that every filter keeps.
func SelectBackends(filters ...Filter) []Backend { return selectFrom(Backends(), filters) }

func selectFrom(all []Backend, filters []Filter) []Backend {
	var out []Backend
next:
	for _, b := range all {
		for _, keep := range filters {
			if !keep(b) {
				continue next
			}
		}
		out = append(out, b)
	}
	return out
}

// EachBackend runs fn as a subtest named after each backend that every
// filter keeps.
func EachBackend(t *testing.T, fn func(t *testing.T, b Backend), filters ...Filter) {
	t.Helper()
	for _, b := range SelectBackends(filters...) {
		t.Run(b.Name, func(t *testing.T) { fn(t, b) })
	}
}

// WithOptions adds the options opts (k=v, joined by "&") to dsn in the
// DSN's own form: space-separated pairs for a libpq key=value DSN, a
// query string for everything else (URLs, MySQL DSNs, SQLite files).
// Empty opts returns dsn.
func WithOptions(dsn, opts string) string {
	switch {
	case opts == "":
		return dsn
	case keyValue.MatchString(dsn):
		return dsn + " " + strings.ReplaceAll(opts, "&", " ")
	case strings.Contains(dsn, "?"):
		return dsn + "&" + opts
	default:
		return dsn + "?" + opts
	}
}

// keyValue matches a libpq key=value DSN: it starts with a key and "=",
// where a URL or a MySQL DSN has ":", "@" or "/" first.
var keyValue = regexp.MustCompile(`^\s*\w+\s*=`)
