package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

// lag is the standby's artificial apply delay in the read-your-writes
// tests: far above any real lag on one machine, so that a read of the
// standby right after a write misses it.
const lag = "300ms"

// writeThenRead creates a note and reads it back at once by key, rounds
// times, with a new Session per round when session is set; it returns
// how many reads missed their own write.
func writeThenRead(t *testing.T, db *orm.DB, rounds int, session bool) (stale int) {
	t.Helper()
	notes := orm.MustModel[note](db)
	for i := range rounds {
		ctx := bg()
		if session {
			ctx = orm.Session(ctx)
		}
		n := &note{Body: fmt.Sprintf("round %d", i)}
		if _, err := notes.Create(ctx, n); err != nil {
			t.Fatalf("Create: %v", err)
		}
		got, err := notes.GetByPK(ctx, n.ID)
		switch {
		case errors.Is(err, orm.ErrDoesNotExist):
			stale++
		case err != nil:
			t.Fatalf("GetByPK: %v", err)
		case got.Body != n.Body:
			t.Fatalf("GetByPK read %q, want %q", got.Body, n.Body)
		}
	}
	return stale
}

// TestReadYourWritesLag delays the standby's replay: without a mode a
// read right after a write misses it; with ReadYourWrites it waits for the
// standby and never does, and falls back to the primary at its bound;
// with StickyPrimary it goes to the primary.
func TestReadYourWritesLag(t *testing.T) {
	need(t)
	setup(t)
	applyDelay(t, lag)
	const rounds = 6
	replicas := orm.Replicas(env.standby)

	t.Run("without", func(t *testing.T) {
		db := openDB(t, "aiopgx", env.primary, replicas)
		stale := writeThenRead(t, db, rounds, false)
		t.Logf("without a mode, apply delay %s: %d of %d reads right after the write missed it", lag, stale, rounds)
		if stale == 0 {
			t.Fatalf("no read missed its write with the standby %s behind: the reads did not go to the standby", lag)
		}
	})
	for _, drv := range []string{"aiopgx", "aiopg"} {
		t.Run("ReadYourWrites/"+drv, func(t *testing.T) {
			db := openDB(t, drv, env.primary, replicas, orm.ReadYourWrites(5*time.Second))
			start := time.Now()
			if stale := writeThenRead(t, db, rounds, false); stale != 0 {
				t.Fatalf("%d of %d reads missed their write with ReadYourWrites", stale, rounds)
			}
			st := db.ConsistencyStats()
			t.Logf("ReadYourWrites(5s), apply delay %s: %d reads, %d waited, %v each on average, %d on the primary; %v in all",
				lag, rounds, st.Waited, avg(st.WaitTime, st.Waited), st.Primary, time.Since(start).Round(time.Millisecond))
			if st.Waited != rounds || st.Primary != 0 || st.Writes != rounds {
				t.Fatalf("stats %+v: want %d writes and %d reads that waited, none on the primary", st, rounds, rounds)
			}
			// The wait is the lag: at least most of the apply delay.
			if a := avg(st.WaitTime, st.Waited); a < 150*time.Millisecond {
				t.Fatalf("reads waited %v on average with the standby %s behind", a, lag)
			}
		})
	}
	t.Run("ReadYourWrites/bound", func(t *testing.T) {
		db := openDB(t, "aiopgx", env.primary, replicas, orm.ReadYourWrites(20*time.Millisecond))
		if stale := writeThenRead(t, db, rounds, true); stale != 0 {
			t.Fatalf("%d of %d reads missed their write at the bound", stale, rounds)
		}
		st := db.ConsistencyStats()
		if st.Primary != rounds {
			t.Fatalf("stats %+v: want every read on the primary once the 20ms bound passed", st)
		}
		if a := avg(st.WaitTime, st.Waited); a > 200*time.Millisecond {
			t.Fatalf("reads waited %v on average with a 20ms bound", a)
		}
	})
	t.Run("Session", func(t *testing.T) {
		db := openDB(t, "aiopgx", env.primary, replicas, orm.ReadYourWrites(5*time.Second))
		notes := orm.MustModel[note](db)
		mine, other := orm.Session(bg()), orm.Session(bg())
		n := &note{Body: "session"}
		if _, err := notes.Create(mine, n); err != nil {
			t.Fatal(err)
		}
		// Another session made no write: it reads the standby at once,
		// stale, without waiting.
		if _, err := notes.GetByPK(other, n.ID); !errors.Is(err, orm.ErrDoesNotExist) {
			t.Fatalf("another session's read: %v; want a stale read (ErrDoesNotExist) from the lagging standby", err)
		}
		if st := db.ConsistencyStats(); st.Checked != 0 {
			t.Fatalf("another session's read waited: %+v", st)
		}
		if _, err := notes.GetByPK(mine, n.ID); err != nil {
			t.Fatalf("the writing session's read: %v", err)
		}
		if st := db.ConsistencyStats(); st.Waited != 1 {
			t.Fatalf("the writing session's read did not wait: %+v", st)
		}
	})
	t.Run("StickyPrimary", func(t *testing.T) {
		db := openDB(t, "aiopgx", env.primary, replicas, orm.StickyPrimary(time.Minute))
		if stale := writeThenRead(t, db, rounds, false); stale != 0 {
			t.Fatalf("%d of %d reads missed their write with StickyPrimary", stale, rounds)
		}
		if st := db.ConsistencyStats(); st.Primary != rounds {
			t.Fatalf("stats %+v: want every read on the primary", st)
		}
		// A session that wrote nothing reads the standby.
		if w := where(t, orm.Session(bg()), db); !w.Standby {
			t.Fatal("a read of a session without writes went to the primary")
		}
	})
	t.Run("Atomic", func(t *testing.T) {
		db := openDB(t, "aiopg", env.primary, replicas, orm.ReadYourWrites(5*time.Second))
		notes := orm.MustModel[note](db)
		ctx := orm.Session(bg())
		n := &note{Body: "committed"}
		err := db.Atomic(ctx, func(ctx context.Context) error {
			_, err := notes.Create(ctx, n)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := notes.GetByPK(ctx, n.ID)
		if err != nil || got.Body != n.Body {
			t.Fatalf("read after the commit: %+v, %v", got, err)
		}
		if st := db.ConsistencyStats(); st.Waited != 1 || st.Primary != 0 {
			t.Fatalf("the read after COMMIT did not wait on the standby: %+v", st)
		}
	})
}

// TestReadYourWritesConcurrent writes and reads from 8 goroutines through
// the Aio twins, each with its session, on a lagging standby: no read
// misses its write, and no acknowledged commit is lost on either server.
func TestReadYourWritesConcurrent(t *testing.T) {
	need(t)
	setup(t)
	applyDelay(t, "50ms")
	db := openDB(t, "aiopgx", env.primary, orm.Replicas(env.standby), orm.ReadYourWrites(5*time.Second), orm.MaxConnections(8))
	notes := orm.MustModel[note](db)
	const workers, rounds = 8, 8
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := orm.Session(context.Background())
			for i := range rounds {
				n := &note{Body: fmt.Sprintf("w%d r%d", w, i)}
				if _, err := aio.Await(ctx, notes.AioCreate(ctx, n)); err != nil {
					errs <- err
					return
				}
				got, err := aio.Await(ctx, notes.AioGetByPK(ctx, n.ID))
				if err != nil {
					errs <- fmt.Errorf("worker %d round %d: reading its write: %w", w, i, err)
					return
				}
				if got.Body != n.Body {
					errs <- fmt.Errorf("worker %d read %q, want %q", w, got.Body, n.Body)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := db.ConsistencyStats()
	t.Logf("%d goroutines x %d write+read, apply delay 50ms: %d reads waited (%v each on average), %d on the primary",
		workers, rounds, st.Waited, avg(st.WaitTime, st.Waited), st.Primary)

	// Commits lost: every acknowledged Create is on the primary and, once
	// caught up, on the standby.
	ctx := bg()
	onPrimary, err := notes.Count(orm.UsePrimary(ctx))
	if err != nil {
		t.Fatal(err)
	}
	applyDelayNow(t, "0")
	caughtUp(t)
	onStandby, err := notes.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("commits acknowledged %d, on the primary %d, on the standby %d (lost: %d)", workers*rounds, onPrimary, onStandby, workers*rounds-onStandby)
	if onPrimary != workers*rounds || onStandby != workers*rounds {
		t.Fatalf("acknowledged %d commits; the primary has %d rows, the standby %d", workers*rounds, onPrimary, onStandby)
	}
}

// applyDelayNow sets the apply delay without a cleanup.
func applyDelayNow(t *testing.T, d string) {
	t.Helper()
	if _, err := script("pg-standby.sh", "delay", pgDir(), d); err != nil {
		t.Fatal(err)
	}
}

func avg(total time.Duration, n int64) time.Duration {
	if n == 0 {
		return 0
	}
	return (total / time.Duration(n)).Round(time.Microsecond)
}
