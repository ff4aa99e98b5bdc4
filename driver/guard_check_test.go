package driver_test

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/internal/fakedb"
	"github.com/aiodb/aiodb/internal/sqllib"
)

// nextLine returns file:line of the line after its caller's, where the
// call being checked is made.
func nextLine(t *testing.T) string {
	t.Helper()
	_, file, line, _ := runtime.Caller(1)
	return file + ":" + strconv.Itoa(line+1)
}

func TestCheck(t *testing.T) {
	bg := context.Background()
	for _, c := range []struct {
		name string
		ctx  context.Context
		mode driver.SyncMode
		want bool // a *SyncCallError
	}{
		{"allow", bg, driver.SyncAllow, false},
		{"warn", bg, driver.SyncWarn, false},
		{"error", bg, driver.SyncError, true},
		{"panic", bg, driver.SyncPanic, true},
		{"out of range fails closed", bg, driver.SyncMode(9), true},
		{"async", driver.MarkAsync(bg), driver.SyncPanic, false},
		{"allowed", driver.AllowSync(bg), driver.SyncPanic, false},
		{"internal", driver.Internal(bg), driver.SyncPanic, false},
	} {
		where := nextLine(t)
		err := driver.Check(c.ctx, c.mode, "begin", "")
		var se *driver.SyncCallError
		if got := errors.As(err, &se); got != c.want {
			t.Errorf("%s: Check = %v; want a *SyncCallError: %v", c.name, err, c.want)
			continue
		}
		if se == nil {
			continue
		}
		if se.Caller != where || se.Op != "begin" || !errors.Is(err, driver.ErrSyncCall) {
			t.Errorf("%s: %+v; want op begin, caller %s", c.name, se, where)
		}
		if want := c.mode; want == driver.SyncMode(9) {
			if se.Mode != driver.SyncError {
				t.Errorf("%s: mode %v; want error", c.name, se.Mode)
			}
		} else if se.Mode != want {
			t.Errorf("%s: mode %v; want %v", c.name, se.Mode, want)
		}
	}
}

// TestSkipCallerPackages: a sync call made through a library names the
// library's line until the library is skipped, then the caller's.
func TestSkipCallerPackages(t *testing.T) {
	db := sql.OpenDB(driver.NewConnector(fakedb.New(nil, nil).Connector(), driver.Options{Sync: driver.SyncError}))
	defer db.Close()
	ctx := context.Background()

	var se *driver.SyncCallError
	if err := sqllib.Exec(ctx, db, "DELETE FROM t"); !errors.As(err, &se) {
		t.Fatalf("err = %v; want a *SyncCallError", err)
	}
	if !strings.Contains(se.Caller, "internal/sqllib/sqllib.go:") {
		t.Fatalf("caller %q; want the library's line before it is skipped", se.Caller)
	}

	driver.SkipCallerPackages("github.com/aiodb/aiodb/internal/sqllib/") // a trailing slash is fine
	where := nextLine(t)
	if err := sqllib.Exec(ctx, db, "DELETE FROM t"); !errors.As(err, &se) {
		t.Fatalf("err = %v; want a *SyncCallError", err)
	}
	if se.Caller != where {
		t.Fatalf("caller %q; want this test's line %s", se.Caller, where)
	}
}

type internalSeen struct {
	hooks.Base
	internal []bool
}

func (h *internalSeen) OnStatementEnd(_ context.Context, e *hooks.StatementEvent) {
	h.internal = append(h.internal, e.Internal)
}

// TestInternalStatements pass the guard under every mode and reach hooks
// marked Internal.
func TestInternalStatements(t *testing.T) {
	seen := &internalSeen{}
	db := sql.OpenDB(driver.NewConnector(fakedb.New([]string{"v"}, nil).Connector(), driver.Options{Sync: driver.SyncPanic, Hooks: seen}))
	defer db.Close()
	ctx := driver.Internal(context.Background())
	if rows, err := db.QueryContext(ctx, "SELECT VERSION()"); err != nil {
		t.Fatalf("internal query under SyncPanic: %v", err)
	} else {
		rows.Close()
	}
	if _, err := db.ExecContext(driver.MarkAsync(context.Background()), "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	if len(seen.internal) != 2 || !seen.internal[0] || seen.internal[1] {
		t.Fatalf("hooks saw Internal = %v; want [true false]", seen.internal)
	}
}
