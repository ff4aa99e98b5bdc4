package reliability_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/internal/testserver"
	"github.com/aiodb/aiodb/orm"
)

// relRestartItem is the row the restart test writes: Key names the call
// that wrote it, Part numbers the rows of one transaction.
type relRestartItem struct {
	ID   int64  `db:"id,pk,auto"`
	Key  string `db:"key_,size:64,index"`
	Part int    `db:"part"`
}

func (relRestartItem) TableName() string { return "rel_restart_item" }

// restartStats are the figures of one restart run, for RELIABILITY.md.
type restartStats struct {
	tried, ok, failed atomic.Int64
	maxTook           atomic.Int64 // nanoseconds
}

// TestRestartPostgres and TestRestartMariaDB restart the server while 32
// goroutines run AioCreate, AioGet and two-insert transactions (AioAtomic),
// 100 calls each with a 5 s deadline. Every call must return, done or
// with an error, within its deadline plus a margin; afterwards the pool
// serves 20 calls in a row without an error; every acknowledged create
// and transaction is in the table; and every transaction is there whole
// or not at all (its rows counted per key). Each runs twice: a clean
// restart (PostgreSQL's fast shutdown, MariaDB's SIGTERM), and a crash
// (PostgreSQL's immediate shutdown, SIGQUIT: no checkpoint, recovery from
// the WAL; mariadbd killed with SIGKILL, InnoDB recovery). The server is
// the test's own (internal/testserver), so nothing else is disrupted and
// the tests run in every go test ./... .
func TestRestartPostgres(t *testing.T) {
	p := testserver.StartPostgres(t, nil)
	for _, s := range []server{pgServer, pgxServer} {
		s.dsn = func(testing.TB) string { return p.DSN() }
		t.Run(s.name+"/restart", func(t *testing.T) { restartUnderLoad(t, s, bounce(p.Stop, p.Start)) })
		t.Run(s.name+"/crash", func(t *testing.T) { restartUnderLoad(t, s, bounce(p.Crash, p.Start)) })
	}
}

func TestRestartMariaDB(t *testing.T) {
	m := testserver.StartMariaDB(t)
	s := myServer
	s.dsn = func(testing.TB) string { return m.DSN() }
	t.Run(s.name+"/restart", func(t *testing.T) { restartUnderLoad(t, s, bounce(m.Stop, m.Start)) })
	t.Run(s.name+"/crash", func(t *testing.T) { restartUnderLoad(t, s, bounce(m.Crash, m.Start)) })
}

// bounce is a restart made of stop and start: the test fails (with the
// server's log, which start's error carries) if either does.
func bounce(stop, start func() error) func(t *testing.T) {
	return func(t *testing.T) {
		if err := stop(); err != nil {
			t.Errorf("stopping the server: %v", err)
		}
		if err := start(); err != nil {
			t.Fatalf("starting the server again: %v", err)
		}
	}
}

func restartUnderLoad(t *testing.T, s server, restart func(t *testing.T)) {
	db := s.open(t, 10)
	items := orm.MustModel[relRestartItem](db)
	bg := aio.Async(context.Background())
	if err := items.DropTable(bg, true); err != nil {
		t.Fatal(err)
	}
	if err := items.CreateTable(bg, false); err != nil {
		t.Fatal(err)
	}
	seed, err := items.Create(bg, &relRestartItem{Key: "seed"})
	if err != nil {
		t.Fatal(err)
	}

	const workers, calls, timeout = 32, 100, 5 * time.Second
	var st restartStats
	tenth := make(chan struct{}) // closed by the call that makes a tenth
	var mu sync.Mutex
	acked := map[string]int{} // key -> rows it wrote, for every acknowledged call
	var txKeys []string       // every transaction tried, acknowledged or not
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for j := range calls {
				key := fmt.Sprintf("%s-%d-%d", s.name, w, j)
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				start := time.Now()
				var err error
				var rows int
				switch j % 3 {
				case 0:
					_, err = aio.Await(ctx, items.AioCreate(ctx, &relRestartItem{Key: key, Part: 1}))
					rows = 1
				case 1:
					_, err = aio.Await(ctx, items.AioGetByPK(ctx, seed.ID))
				case 2:
					mu.Lock()
					txKeys = append(txKeys, key)
					mu.Unlock()
					_, err = aio.Await(ctx, db.AioAtomic(ctx, func(ctx context.Context) error {
						for part := 1; part <= 2; part++ {
							if _, err := items.Create(ctx, &relRestartItem{Key: key, Part: part}); err != nil {
								return err
							}
						}
						return nil
					}))
					rows = 2
				}
				took := time.Since(start)
				cancel()
				if st.tried.Add(1) == workers*calls/10 {
					close(tenth)
				}
				if took > time.Duration(st.maxTook.Load()) {
					st.maxTook.Store(int64(took)) // racy max: good enough for a log line
				}
				if took > timeout+2*time.Second {
					t.Errorf("%s: call %s took %v, past its %v deadline", s.name, key, took, timeout)
				}
				if pe := (*aio.PanicError)(nil); errors.As(err, &pe) {
					t.Errorf("%s: call %s panicked: %v", s.name, key, pe)
				}
				if err != nil {
					st.failed.Add(1)
					time.Sleep(50 * time.Millisecond) // the server is away: do not spin
					continue
				}
				st.ok.Add(1)
				if rows > 0 {
					mu.Lock()
					acked[key] = rows
					mu.Unlock()
				}
				time.Sleep(10 * time.Millisecond) // the load's pace: calls spread over the restart
			}
		})
	}
	// Restart once a tenth of the calls are done, while the rest run.
	<-tenth
	restartStart := time.Now()
	restart(t)
	restartTook := time.Since(restartStart)
	wg.Wait()

	// The pool serves normally: no stale connection fails a call.
	for i := range 20 {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		_, err := aio.Await(ctx, items.AioGetByPK(ctx, seed.ID))
		cancel()
		if err != nil {
			t.Errorf("%s: call %d after the restart and the load: %v", s.name, i, err)
		}
	}
	waitIdle(t, s.name, db.SQLDB())

	// Nothing acknowledged is lost; no transaction is torn.
	all, err := items.Select().All(bg)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]int{}
	for _, it := range all {
		have[it.Key]++
	}
	lost, torn := 0, 0
	for key, n := range acked {
		if have[key] != n {
			lost++
			t.Errorf("%s: %s was acknowledged with %d row(s) but %d are in the table", s.name, key, n, have[key])
		}
	}
	for _, key := range txKeys {
		if n := have[key]; n != 0 && n != 2 {
			torn++
			t.Errorf("%s: transaction %s left %d of its 2 rows", s.name, key, n)
		}
	}
	t.Logf("%s: restart took %v; calls tried %d, done %d, failed cleanly %d, acknowledged writes lost %d, torn transactions %d, slowest call %v",
		s.name, restartTook.Round(time.Millisecond), st.tried.Load(), st.ok.Load(), st.failed.Load(), lost, torn,
		time.Duration(st.maxTook.Load()).Round(time.Millisecond))
	if st.failed.Load() == 0 {
		t.Logf("%s: no call failed: the restart fell between calls", s.name)
	}
	if err := items.DropTable(bg, true); err != nil {
		t.Error(err)
	}
}
