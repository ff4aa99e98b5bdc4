package driver_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/internal/fakedb"
	"github.com/aiodb/aiodb/internal/sqllib"
)

type violationCount struct {
	hooks.Base
	n int
}

func (v *violationCount) OnSyncViolation(context.Context, *hooks.SyncViolation) { v.n++ }

// syncExec runs fn and turns a *SyncCallError panic into its error.
func syncExec(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			e, ok := p.(error)
			if !ok {
				panic(p)
			}
			err = e
		}
	}()
	return fn()
}

// TestAllowSyncFrom: on a strict pool, a sync call made through a library
// named by AllowSyncFrom runs (no error, no panic, no violation event),
// while the same call made directly is still refused.
func TestAllowSyncFrom(t *testing.T) {
	t.Cleanup(driver.ResetAllowSyncFrom)
	for _, mode := range []driver.SyncMode{driver.SyncError, driver.SyncPanic} {
		t.Run(mode.String(), func(t *testing.T) {
			defer driver.ResetAllowSyncFrom()
			seen := &violationCount{}
			db := sql.OpenDB(driver.NewConnector(fakedb.New(nil, nil).Connector(), driver.Options{Sync: mode, Hooks: seen}))
			defer db.Close()
			ctx := context.Background()
			viaLib := func() error { return sqllib.Exec(ctx, db, "DELETE FROM t") }
			direct := func() error { _, err := db.ExecContext(ctx, "DELETE FROM t"); return err }

			if err := syncExec(viaLib); !errors.Is(err, driver.ErrSyncCall) {
				t.Fatalf("through the library before AllowSyncFrom: %v, want ErrSyncCall", err)
			}
			driver.AllowSyncFrom("github.com/aiodb/aiodb/internal/sqllib/")
			before := seen.n
			if err := syncExec(viaLib); err != nil {
				t.Fatalf("through the allowed library: %v, want it to run", err)
			}
			if seen.n != before {
				t.Fatalf("the allowed call fired %d violation events", seen.n-before)
			}
			if err := syncExec(direct); !errors.Is(err, driver.ErrSyncCall) {
				t.Fatalf("a direct sync call after AllowSyncFrom: %v, want ErrSyncCall still", err)
			}
		})
	}
}
