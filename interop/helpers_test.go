package interop_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/internal/testenv"
)

// recorder is a hook that keeps the SQL of every statement and the caller
// of every sync violation, for tests that check hooks fire under a
// library.
type recorder struct {
	hooks.Base
	mu         sync.Mutex
	stmts      []string
	violations []string
}

func (r *recorder) OnStatementEnd(_ context.Context, e *hooks.StatementEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stmts = append(r.stmts, e.SQL)
}

func (r *recorder) OnSyncViolation(_ context.Context, e *hooks.SyncViolation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.violations = append(r.violations, e.Caller)
}

// saw reports whether a statement containing each of parts ran.
func (r *recorder) saw(parts ...string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
next:
	for _, s := range r.stmts {
		for _, p := range parts {
			if !strings.Contains(s, p) {
				continue next
			}
		}
		return true
	}
	return false
}

func (r *recorder) violationCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.violations)
}

// dsnFor returns the DSN of the server behind the aiodb driver name, with
// the aio_ options opts added; it skips (or fails under AIODB_REQUIRE_DB=1)
// when the server is not configured.
func dsnFor(t *testing.T, name, opts string) string {
	t.Helper()
	switch name {
	case "aiopg", "aiopgx":
		return testenv.WithOptions(testenv.PostgresDSN(t), opts)
	case "aiomysql":
		return testenv.WithOptions(testenv.MySQLDSN(t), opts)
	}
	return testenv.SQLiteDSN(t, opts)
}

// openStrict opens a pool of driver name on its test server under the
// given guard mode ("error" or "panic") with a recorder hook. The pool is
// closed when the test ends.
func openStrict(t *testing.T, name, mode string) (*sql.DB, *recorder) {
	t.Helper()
	rec := &recorder{}
	c, err := driver.OpenConnector(name, dsnFor(t, name, "aio_sync="+mode), func(o *driver.Options) { o.Hooks = rec })
	require.NoError(t, err)
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db, rec
}

// tableName returns a name unique to this run: the shared servers serve
// other suites at the same time.
func tableName(t *testing.T, prefix string) string {
	t.Helper()
	b := make([]byte, 4)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return "iop_" + prefix + "_" + hex.EncodeToString(b)
}

// dropLater drops the tables when the test ends, on an allowed context.
func dropLater(t *testing.T, db *sql.DB, tables ...string) {
	t.Cleanup(func() {
		for _, tbl := range tables {
			if _, err := db.ExecContext(allowed(), "DROP TABLE IF EXISTS "+tbl); err != nil {
				t.Errorf("drop %s: %v", tbl, err)
			}
		}
	})
}

// allowed is the context the tests mark their own calls with.
func allowed() context.Context { return aio.AllowSync(context.Background()) }

// nextLine returns file:line of the line after its caller's, where the
// call whose guard report is checked is made.
func nextLine() string {
	_, file, line, _ := runtime.Caller(1)
	return file + ":" + strconv.Itoa(line+1)
}

// requireRefused asserts err is the guard's refusal naming caller.
func requireRefused(t *testing.T, err error, caller string) {
	t.Helper()
	require.ErrorIs(t, err, driver.ErrSyncCall)
	var se *driver.SyncCallError
	require.True(t, errors.As(err, &se))
	require.Equal(t, caller, se.Caller, "the guard names the test's line, not the library's")
}

// recovered runs fn and returns what it panicked with as an error.
func recovered(fn func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			e, ok := p.(error)
			if !ok {
				panic(p)
			}
			err = e
		}
	}()
	fn()
	return nil
}

// dollar reports whether the server behind name numbers its placeholders ($1).
func dollar(name string) bool { return name == "aiopg" || name == "aiopgx" }

// randomSuffix is 8 hex digits, for names fixed at package level.
func randomSuffix() string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
