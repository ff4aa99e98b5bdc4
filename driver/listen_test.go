package driver_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	aiodriver "github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/testenv"
)

func cpChannel() string { return fmt.Sprintf("cp_Chan_%d_%d", rand.Uint32(), tableSeq.Add(1)) }

func waitNote(t *testing.T, l *aiodriver.Listener, ctx context.Context) *aiodriver.Notification {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	n, err := l.WaitForNotification(wctx)
	if err != nil {
		t.Fatalf("WaitForNotification: %v", err)
	}
	return n
}

func recvNote(t *testing.T, ch <-chan *aiodriver.Notification) *aiodriver.Notification {
	t.Helper()
	select {
	case n, ok := <-ch:
		if !ok {
			t.Fatal("notifications channel closed")
		}
		return n
	case <-time.After(10 * time.Second):
		t.Fatal("no notification within 10s")
	}
	return nil
}

func TestListen(t *testing.T) {
	for _, name := range pgDrivers {
		t.Run(name, func(t *testing.T) {
			h := &stmtLog{}
			db := openStrictPG(t, name, h)
			ctx := aiodriver.MarkAsync(context.Background())
			l, err := aiodriver.NewListener(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			ch1, ch2 := cpChannel(), cpChannel()

			// The guard: a sync Listen and a sync wait are refused.
			if err := l.Listen(context.Background(), ch1); !errors.Is(err, aiodriver.ErrSyncCall) {
				t.Fatalf("sync Listen: %v", err)
			}
			if _, err := l.WaitForNotification(context.Background()); !errors.Is(err, aiodriver.ErrSyncCall) {
				t.Fatalf("sync WaitForNotification: %v", err)
			}

			h.reset()
			if err := l.Listen(ctx, ch1); err != nil {
				t.Fatal(err)
			}
			if got, want := h.lines(), []string{`start LISTEN "` + ch1 + `"`, `end LISTEN "` + ch1 + `" 0 <nil>`}; !slices.Equal(got, want) {
				t.Fatalf("events %q, want %q", got, want)
			}

			// A NOTIFY from another connection of the pool.
			if err := aiodriver.Notify(ctx, db, ch1, "hello"); err != nil {
				t.Fatal(err)
			}
			n := waitNote(t, l, ctx)
			if n.Channel != ch1 || n.Payload != "hello" || n.PID == 0 {
				t.Fatalf("notification %+v", n)
			}

			// An ended wait leaves the listener usable; what arrives in
			// between is kept.
			short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			_, err = l.WaitForNotification(short)
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("short wait: %v", err)
			}
			for i := range 3 {
				if err := aiodriver.Notify(ctx, db, ch1, fmt.Sprint(i)); err != nil {
					t.Fatal(err)
				}
			}
			for i := range 3 {
				if n := waitNote(t, l, ctx); n.Payload != fmt.Sprint(i) {
					t.Fatalf("notification %d: %+v", i, n)
				}
			}

			// The channel form; a Listen while the goroutine waits
			// interrupts the wait, which goes on.
			notes := l.Notifications(ctx)
			if err := aiodriver.Notify(ctx, db, ch1, "via channel"); err != nil {
				t.Fatal(err)
			}
			if n := recvNote(t, notes); n.Payload != "via channel" {
				t.Fatalf("%+v", n)
			}
			if err := l.Listen(ctx, ch2); err != nil {
				t.Fatal(err)
			}
			if err := aiodriver.Notify(ctx, db, ch2, "second"); err != nil {
				t.Fatal(err)
			}
			if n := recvNote(t, notes); n.Channel != ch2 || n.Payload != "second" {
				t.Fatalf("%+v", n)
			}
			// Unlisten: nothing more from ch1.
			h.reset()
			if err := l.Unlisten(ctx, ch1); err != nil {
				t.Fatal(err)
			}
			if got := h.lines(); len(got) != 2 || got[0] != `start UNLISTEN "`+ch1+`"` {
				t.Fatalf("events %q", got)
			}
			aiodriver.Notify(ctx, db, ch1, "unheard")
			aiodriver.Notify(ctx, db, ch2, "heard")
			if n := recvNote(t, notes); n.Payload != "heard" {
				t.Fatalf("%+v", n)
			}

			// Close ends the goroutine: the channel closes, Err is nil.
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			if _, ok := <-notes; ok {
				t.Fatal("channel open after Close")
			}
			if l.Err() != nil {
				t.Fatalf("Err after Close: %v", l.Err())
			}
			if err := l.Listen(ctx, ch1); !errors.Is(err, aiodriver.ErrListenerClosed) {
				t.Fatalf("Listen after Close: %v", err)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Cancelling the context of Notifications ends its goroutine.
func TestListenCancel(t *testing.T) {
	for _, name := range pgDrivers {
		t.Run(name, func(t *testing.T) {
			db := openStrictPG(t, name, nil)
			ctx := aiodriver.MarkAsync(context.Background())
			l, err := aiodriver.NewListener(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if err := l.Listen(ctx, cpChannel()); err != nil {
				t.Fatal(err)
			}
			cctx, cancel := context.WithCancel(ctx)
			notes := l.Notifications(cctx)
			time.Sleep(20 * time.Millisecond) // let it wait
			cancel()
			select {
			case _, ok := <-notes:
				if ok {
					t.Fatal("a notification nobody sent")
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the goroutine did not end with its context")
			}
			if !errors.Is(l.Err(), context.Canceled) {
				t.Fatalf("Err: %v", l.Err())
			}
			// The listener still works for direct waits.
			short, cancel2 := context.WithTimeout(ctx, 20*time.Millisecond)
			defer cancel2()
			if _, err := l.WaitForNotification(short); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("wait after the channel ended: %v", err)
			}
		})
	}
}

// When the server ends the session, the wait fails with ErrConnLost and
// so does every later call; the listener does not reconnect.
func TestListenConnLost(t *testing.T) {
	for _, name := range pgDrivers {
		t.Run(name, func(t *testing.T) {
			db := openStrictPG(t, name, nil)
			ctx := aiodriver.MarkAsync(context.Background())
			l, err := aiodriver.NewListener(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			ch := cpChannel()
			if err := l.Listen(ctx, ch); err != nil {
				t.Fatal(err)
			}
			notes := l.Notifications(ctx)
			var killed int
			err = db.QueryRowContext(ctx, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query = $1", `LISTEN "`+ch+`"`).Scan(&killed)
			if err != nil || killed != 1 {
				t.Fatalf("terminated %d backends: %v", killed, err)
			}
			select {
			case _, ok := <-notes:
				if ok {
					t.Fatal("a notification nobody sent")
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the lost connection was not noticed")
			}
			if !errors.Is(l.Err(), aiodriver.ErrConnLost) || !strings.Contains(l.Err().Error(), "new Listener") {
				t.Fatalf("Err: %v", l.Err())
			}
			if _, err := l.WaitForNotification(ctx); !errors.Is(err, aiodriver.ErrConnLost) {
				t.Fatalf("wait after the loss: %v", err)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			// The pool goes on.
			if err := db.PingContext(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestListenNotPostgres(t *testing.T) {
	db := openDB(t, "aiosqlite", testenv.SQLiteDSN(t, ""), nil)
	if _, err := aiodriver.NewListener(allow, db); !errors.Is(err, aiodriver.ErrNotPostgres) || !strings.Contains(err.Error(), "aiosqlite") {
		t.Fatalf("aiosqlite: %v", err)
	}
}
