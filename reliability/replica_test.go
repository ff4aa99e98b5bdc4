package reliability_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/internal/testserver"
	"github.com/aiodb/aiodb/orm"
)

// relReplicaItem is the row the replica test reads back.
type relReplicaItem struct {
	ID  int64  `db:"id,pk,auto"`
	Key string `db:"key_,size:64"`
}

func (relReplicaItem) TableName() string { return "rel_replica_item" }

// relServedBy is which server answered a read.
type relServedBy struct {
	Port int64 `db:"port,pk"`
}

func (relServedBy) TableName() string { return "rel_served_by" }

// TestReplicaFailover runs reads and writes through orm.Replicas while
// the replica is stopped and started again mid-load. The replica is a
// real streaming standby of the test's own primary (pg_basebackup -R).
// 8 goroutines × 120 calls: reads by primary key checked against the row
// written, reads that report which server answered them
// (inet_server_port()), and inserts, each with a 3 s deadline. Every call
// must return within its deadline plus 2 s and every read must return the
// right row; while the replica is down reads go to the primary; after it
// is back (and its cooldown has passed) reads reach it again. No call may
// fail: a read running on the replica when it shuts down is run again on
// the primary.
func TestReplicaFailover(t *testing.T) {
	primary := testserver.StartPostgres(t, nil)
	replica := testserver.StartPostgresReplica(t, primary)
	for _, drv := range []string{"aiopg", "aiopgx"} {
		t.Run(drv, func(t *testing.T) {
			db, err := orm.Open(drv, primary.DSN(), orm.Replicas(replica.DSN()), orm.ReplicaCooldown(300*time.Millisecond), orm.MaxConnections(4))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			items := orm.MustModel[relReplicaItem](db)
			served := orm.MustModel[relServedBy](db)
			bg := aio.Async(context.Background())
			if err := items.DropTable(bg, true); err != nil {
				t.Fatal(err)
			}
			if err := items.CreateTable(bg, false); err != nil {
				t.Fatal(err)
			}
			var seeds []*relReplicaItem
			for i := range 20 {
				it, err := items.Create(bg, &relReplicaItem{Key: fmt.Sprintf("seed-%d", i)})
				if err != nil {
					t.Fatal(err)
				}
				seeds = append(seeds, it)
			}
			// Wait for the standby to replay the seeds.
			var n int64
			var cerr error
			if !testenv.Poll(30*time.Second, func() bool { n, cerr = items.Count(bg); return cerr == nil && n == 20 }) {
				t.Fatalf("the replica did not catch up in 30s: %d rows (%v)", n, cerr)
			}
			whoAnswers := func(ctx context.Context) (int, error) {
				r, err := served.Raw("SELECT inet_server_port() AS port").One(ctx)
				if err != nil {
					return 0, err
				}
				return int(r.Port), nil
			}

			var phase atomic.Int32 // 0 up, 1 down, 2 back
			var tried, ok, wrong, late atomic.Int64
			warm := make(chan struct{}) // closed by the 200th call
			var onReplica [3]atomic.Int64
			var onPrimary [3]atomic.Int64
			var mu sync.Mutex
			failures := map[string]int{}
			var wg sync.WaitGroup
			for w := range 8 {
				wg.Go(func() {
					for j := range 120 {
						ctx, cancel := context.WithTimeout(bg, 3*time.Second)
						start := time.Now()
						ph := phase.Load()
						var err error
						switch j % 3 {
						case 0:
							want := seeds[(w+j)%len(seeds)]
							var got *relReplicaItem
							if got, err = items.GetByPK(ctx, want.ID); err == nil && got.Key != want.Key {
								wrong.Add(1)
								t.Errorf("read of %d returned %+v; want %+v", want.ID, got, want)
							}
						case 1:
							var port int
							if port, err = whoAnswers(ctx); err == nil {
								if port == replica.Port {
									onReplica[ph].Add(1)
								} else {
									onPrimary[ph].Add(1)
								}
							}
						case 2:
							_, err = items.Create(ctx, &relReplicaItem{Key: fmt.Sprintf("w-%d-%d", w, j)})
						}
						cancel()
						if tried.Add(1) == 200 {
							close(warm)
						}
						if time.Since(start) > 5*time.Second {
							late.Add(1)
						}
						if err != nil {
							mu.Lock()
							failures[failureKind(err)]++
							mu.Unlock()
						} else {
							ok.Add(1)
						}
						time.Sleep(5 * time.Millisecond) // the load's pace: calls spread over the outage
					}
				})
			}
			<-warm // 200 calls done with the replica up
			phase.Store(1)
			if err := replica.Stop(); err != nil {
				t.Error(err)
			}
			// The outage lasts 150 calls: the count paces the fault, so
			// the sleep is the poll of a pace, not a wait for an event.
			for start := tried.Load(); tried.Load() < start+150; {
				time.Sleep(5 * time.Millisecond)
			}
			if err := replica.Start(); err != nil {
				t.Fatal(err)
			}
			phase.Store(2)
			wg.Wait()

			// After the cooldown, reads reach the replica again.
			time.Sleep(400 * time.Millisecond) // past ReplicaCooldown(300ms)
			// A standby still starting up refuses with 57P03, which puts
			// it back in its cooldown: try for a while, a cooldown apart.
			back := false
			for until := time.Now().Add(15 * time.Second); !back && time.Now().Before(until); {
				ctx, cancel := context.WithTimeout(bg, 3*time.Second)
				port, err := whoAnswers(ctx)
				cancel()
				if err == nil && port == replica.Port {
					back = true
					break
				}
				time.Sleep(350 * time.Millisecond) // past ReplicaCooldown(300ms)
			}
			t.Logf("%s: %d calls, %d done, %d wrong, %d past deadline+2s; failures %v; reads on replica/primary: up %d/%d, replica down %d/%d, back %d/%d",
				drv, tried.Load(), ok.Load(), wrong.Load(), late.Load(), failures,
				onReplica[0].Load(), onPrimary[0].Load(), onReplica[1].Load(), onPrimary[1].Load(), onReplica[2].Load(), onPrimary[2].Load())
			if late.Load() > 0 {
				t.Errorf("%d call(s) outlasted their deadline by more than 2s", late.Load())
			}
			// Reads fail over, on connect and in the middle of a result
			// alike, and writes go to the primary, which stays up: no call
			// may fail.
			for kind, n := range failures {
				t.Errorf("%d call(s) failed with %s", n, kind)
			}
			if onReplica[0].Load() == 0 {
				t.Errorf("no read reached the replica before the fault: the test does not exercise it")
			}
			if onPrimary[1].Load() == 0 {
				t.Errorf("no read went to the primary while the replica was down")
			}
			if !back {
				t.Errorf("reads did not reach the replica again after it restarted")
			}
			waitIdle(t, drv, db.SQLDB())
		})
	}
}

// TestReplicaReadInFlightOnStoppedStandby: a read streams its rows from a
// real standby (800 rows, a millisecond apart) when the standby is
// stopped (fast shutdown: its backends end with 57P01 in the middle of the
// result, after QueryContext has returned). All must still return every
// row, once, read again from the primary.
func TestReplicaReadInFlightOnStoppedStandby(t *testing.T) {
	primary := testserver.StartPostgres(t, nil)
	replica := testserver.StartPostgresReplica(t, primary)
	const n = 800
	query := fmt.Sprintf("SELECT g AS id, inet_server_port()::text || pg_sleep(0.001)::text AS key_ FROM generate_series(1, %d) g", n)
	// A plain pool on the standby, for asking it what it runs.
	standby, err := sql.Open("aiopg", replica.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer standby.Close()
	for i, drv := range []string{"aiopg", "aiopgx"} {
		t.Run(drv, func(t *testing.T) {
			if i > 0 {
				if err := replica.Start(); err != nil {
					t.Fatal(err)
				}
			}
			db, err := orm.Open(drv, primary.DSN(), orm.Replicas(replica.DSN()), orm.ReplicaCooldown(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			items := orm.MustModel[relReplicaItem](db)
			ctx, cancel := context.WithTimeout(aio.Async(context.Background()), 30*time.Second)
			defer cancel()
			// The standby takes reads (it may still be starting up).
			if !testenv.Poll(15*time.Second, func() bool {
				_, err := items.Raw("SELECT 1 AS id, 'x' AS key_").All(orm.UsePrimary(ctx))
				if err != nil {
					return false
				}
				var up bool
				err = standby.QueryRowContext(aio.AllowSync(ctx), "SELECT pg_is_in_recovery()").Scan(&up)
				return err == nil && up
			}) {
				t.Fatal("the standby did not take connections in 15s")
			}

			type result struct {
				rows []relReplicaItem
				err  error
			}
			done := make(chan result, 1)
			go func() {
				rows, err := items.Raw(query).All(ctx)
				done <- result{rows, err}
			}()
			// Stop the standby once its rows are flowing: the read has been
			// running there for half a second.
			if !testenv.Poll(10*time.Second, func() bool {
				var running bool
				err := standby.QueryRowContext(aio.AllowSync(ctx),
					"SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT g AS id%' AND now() - query_start > interval '500 milliseconds')").Scan(&running)
				return err == nil && running
			}) {
				t.Fatal("the read never ran on the standby")
			}
			stopped := time.Now()
			if err := replica.Stop(); err != nil {
				t.Fatal(err)
			}
			r := <-done
			t.Logf("%s: All returned %d rows %v after the standby stopped", drv, len(r.rows), time.Since(stopped).Round(time.Millisecond))
			if r.err != nil {
				t.Fatalf("All while the standby stopped mid-result: %v", r.err)
			}
			want := strconv.Itoa(primary.Port)
			if len(r.rows) != n || r.rows[0].ID != 1 || r.rows[n-1].ID != n {
				t.Fatalf("All returned %d rows; want %d, ids 1..%d once each", len(r.rows), n, n)
			}
			for _, row := range r.rows {
				if row.Key != want {
					t.Fatalf("row %d came from the server on port %s; want every row from the primary (%s)", row.ID, row.Key, want)
				}
			}
			waitIdle(t, drv, db.SQLDB())
		})
	}
}

// failureKind names the kind of a failed call for the figures: the
// context's, a lost connection, or the server's SQLSTATE / message.
func failureKind(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return "deadline"
	}
	msg := err.Error()
	for _, k := range []string{"57P01", "57P03", "connection lost", "bad connection", "connection refused", "connection reset",
		"invalid connection", "failed to connect", "unexpected EOF", "EOF", "40001", "40P01"} {
		if strings.Contains(msg, k) {
			return k
		}
	}
	if len(msg) > 60 {
		msg = msg[:60]
	}
	return strconv.Quote(msg)
}
