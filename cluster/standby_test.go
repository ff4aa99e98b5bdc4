package cluster_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

// TestStandbyRouting runs orm.Replicas against a real streaming standby:
// every kind of read lands where pg_is_in_recovery() is true, writes and
// transactions on the primary (the standby refuses writes anyway).
func TestStandbyRouting(t *testing.T) {
	need(t)
	setup(t)
	for _, drv := range []string{"aiopg", "aiopgx"} {
		t.Run(drv, func(t *testing.T) {
			db := openDB(t, drv, env.primary, orm.Replicas(env.standby), orm.MaxConnections(4))
			ctx := bg()
			wm := orm.MustModel[whereAmI](db)
			notes := orm.MustModel[note](db)

			if w := where(t, ctx, db); !w.Standby {
				t.Fatalf("Get ran on the server at port %d, not in recovery: want the standby", w.Port)
			}
			// Conditions on the standby column only match where it is true.
			if n, err := wm.Count(ctx, orm.Eq("standby", true)); err != nil || n != 1 {
				t.Fatalf("Count(standby) = %d, %v; want 1 (a read on the standby)", n, err)
			}
			if ok, err := wm.Exists(ctx, orm.Eq("standby", true)); err != nil || !ok {
				t.Fatalf("Exists(standby) = %v, %v; want true", ok, err)
			}
			all, err := wm.Select().Where(orm.Eq("standby", true)).All(ctx)
			if err != nil || len(all) != 1 {
				t.Fatalf("Select.All(standby) = %v, %v", all, err)
			}
			w, err := aio.Await(ctx, wm.AioGet(ctx, orm.Eq("id", 1)))
			if err != nil || !w.Standby {
				t.Fatalf("AioGet: %+v, %v; want a read on the standby", w, err)
			}
			var rows int
			for r := range wm.Select().Where(orm.Eq("standby", true)).AioExecute(ctx) {
				if r.Err != nil {
					t.Fatal(r.Err)
				}
				rows++
			}
			if rows != 1 {
				t.Fatalf("AioExecute read %d rows on the standby, want 1", rows)
			}

			// Writes: the standby would fail them with SQLSTATE 25006.
			n := &note{Body: "written by " + drv}
			if _, err := notes.Create(ctx, n); err != nil {
				t.Fatalf("Create: %v", err)
			}
			n.Body += ", saved"
			if _, err := notes.Save(ctx, n); err != nil {
				t.Fatalf("Save: %v", err)
			}
			if _, err := notes.Update().Set("body", "updated").Where(orm.Eq("id", n.ID)).Exec(ctx); err != nil {
				t.Fatalf("Update: %v", err)
			}

			// A transaction reads and writes on the primary.
			err = db.Atomic(ctx, func(ctx context.Context) error {
				if w := where(t, ctx, db); w.Standby {
					return errors.New("a read in a transaction ran on the standby")
				}
				got, err := notes.GetByPK(ctx, n.ID)
				if err != nil {
					return err
				}
				if got.Body != "updated" {
					return errors.New("the transaction read " + strconv.Quote(got.Body) + ", not the primary's row")
				}
				_, err = notes.Create(ctx, &note{Body: "in a transaction"})
				return err
			})
			if err != nil {
				t.Fatalf("Atomic: %v", err)
			}
			if w := where(t, orm.UsePrimary(ctx), db); w.Standby {
				t.Fatal("a read with UsePrimary ran on the standby")
			}
		})
	}
}

// TestStandbyStoppedSkipped stops the standby: reads go on, on the
// primary, and go back to the standby once it runs again and its cooldown
// is over, not before.
func TestStandbyStoppedSkipped(t *testing.T) {
	need(t)
	setup(t)
	const cooldown = 3 * time.Second
	db := openDB(t, "aiopgx", env.primary, orm.Replicas(env.standby), orm.ReplicaCooldown(cooldown), orm.MaxConnections(2))
	ctx := bg()
	if w := where(t, ctx, db); !w.Standby {
		t.Fatal("the first read did not run on the standby")
	}
	ryw := openDB(t, "aiopg", env.primary, orm.Replicas(env.standby), orm.ReplicaCooldown(cooldown), orm.ReadYourWrites(5*time.Second))
	if w := where(t, ctx, ryw); !w.Standby { // a pooled connection to lose
		t.Fatal("the first read with ReadYourWrites did not run on the standby")
	}
	if _, err := script("pg-standby.sh", "stop-standby", pgDir()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Leave it running for the other tests, whatever happened here.
		if _, err := script("pg-standby.sh", "start-standby", pgDir()); err != nil && !alreadyRunning(err) {
			t.Error(err)
		}
	})
	before := time.Now()
	if w := where(t, ctx, db); w.Standby {
		t.Fatal("a read ran on the stopped standby")
	}
	after := time.Now()
	// ReadYourWrites: the replay-position probe fails on the stopped
	// standby, and the read goes to the primary, without an error.
	notes := orm.MustModel[note](ryw)
	n := &note{Body: "standby stopped"}
	if _, err := notes.Create(ctx, n); err != nil {
		t.Fatal(err)
	}
	if got, err := notes.GetByPK(ctx, n.ID); err != nil || got.Body != n.Body {
		t.Fatalf("ReadYourWrites read with the standby stopped: %+v, %v", got, err)
	}
	if st := ryw.ConsistencyStats(); st.Primary != 1 {
		t.Fatalf("ReadYourWrites with the standby stopped: %+v; want the read on the primary", st)
	}
	for range 3 {
		if w := where(t, ctx, db); w.Standby {
			t.Fatal("a read ran on the standby during its cooldown")
		}
	}
	if _, err := script("pg-standby.sh", "start-standby", pgDir()); err != nil {
		t.Fatal(err)
	}
	if time.Now().Before(before.Add(cooldown)) {
		if w := where(t, ctx, db); w.Standby {
			t.Fatal("a read ran on the standby before its cooldown was over")
		}
	}
	// The cooldown is a time, not an event: wait it out, then the next
	// read is the probe that brings the standby back.
	time.Sleep(time.Until(after.Add(cooldown)))
	if w := where(t, ctx, db); !w.Standby {
		t.Fatalf("after the cooldown the read ran on port %d, not on the restarted standby", w.Port)
	}
	if w := where(t, ctx, db); !w.Standby {
		t.Fatal("the standby did not stay in the rotation after the probe")
	}
}

// alreadyRunning reports whether pg_ctl's start failed because the server
// runs.
func alreadyRunning(err error) bool {
	return err != nil && (contains(err.Error(), "another server might be running") || contains(err.Error(), "already running"))
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
