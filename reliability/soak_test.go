package reliability_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/leakcheck"
	"github.com/aiodb/aiodb/internal/testserver"
	"github.com/aiodb/aiodb/orm"
)

// SoakEnv turns the soak on and sets its length (a Go duration, "5m"):
// it is off the CI path. scripts/soak.sh runs it.
const SoakEnv = "AIODB_SOAK"

// relSoakItem is the row the soak writes: Key names the call, Part the
// row of a two-row transaction.
type relSoakItem struct {
	ID   int64  `db:"id,pk,auto"`
	Key  string `db:"key_,size:64,index"`
	Part int    `db:"part"`
}

func (relSoakItem) TableName() string { return "rel_soak_item" }

// soakStats are one driver's figures.
type soakStats struct {
	calls, ok, hung atomic.Int64
	mu              sync.Mutex
	kinds           map[string]int
	acked           map[string]int // key -> rows acknowledged
	txKeys          []string
}

func (st *soakStats) fail(err error) {
	kind := failureKind(err)
	st.mu.Lock()
	st.kinds[kind]++
	st.mu.Unlock()
}

// TestSoak runs aiopg, aiopgx and aiomysql at once, 8 callers each, for
// AIODB_SOAK (e.g. 5m), against the test's own PostgreSQL and MariaDB
// behind proxies, while a fault is injected every 15 s in turn: every
// client session killed, a 2 s silent partition, a clean restart, a crash
// (PostgreSQL immediate shutdown, mariadbd SIGKILL) and a storm of 1-50 ms
// deadlines. Calls are creates, two-row transactions, reads by key,
// counts and partly read streams, each with a deadline of 50 ms to 2 s.
// The figures (SOAK lines) are calls, done, failures by kind, lost
// (acknowledged writes missing), torn (transactions with one of their two
// rows), hung (calls returning later than deadline + CancelGrace + 1 s)
// and leaked (connections in use after the run; goroutines are checked by
// leakcheck). Lost, torn, hung and leaked must be 0.
func TestSoak(t *testing.T) {
	v := os.Getenv(SoakEnv)
	if v == "" {
		t.Skipf("the soak runs only with %s=<duration> (scripts/soak.sh)", SoakEnv)
	}
	length, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", SoakEnv, v, err)
	}
	leakcheck.Check(t)
	pg := testserver.StartPostgres(t, nil)
	my := testserver.StartMariaDB(t)
	type target struct {
		s     server
		p     *proxy
		db    *orm.DB
		admin *orm.DB
		st    *soakStats
	}
	var targets []*target
	for _, base := range servers {
		s := base
		if s.driver == "aiomysql" {
			s.dsn = func(testing.TB) string { return my.DSN() }
		} else {
			s.dsn = func(testing.TB) string { return pg.DSN() }
		}
		direct := s.dsn(t)
		dsn, p := s.viaProxy(t)
		s.dsn = func(testing.TB) string { return dsn }
		db := s.open(t, 6)
		admin, err := orm.Open(s.driver, direct, orm.MaxConnections(2), orm.WithDialect(dialectOf(s)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { admin.Close() })
		targets = append(targets, &target{s: s, p: p, db: db, admin: admin, st: &soakStats{kinds: map[string]int{}, acked: map[string]int{}}})
	}
	bg := aio.Async(context.Background())
	items := orm.MustModel[relSoakItem](targets[0].db)
	if err := items.DropTable(bg, true); err != nil {
		t.Fatal(err)
	}
	if err := items.CreateTable(bg, false); err != nil {
		t.Fatal(err)
	}
	myItems := orm.MustModel[relSoakItem](targets[2].db)
	if err := myItems.DropTable(bg, true); err != nil {
		t.Fatal(err)
	}
	if err := myItems.CreateTable(bg, false); err != nil {
		t.Fatal(err)
	}

	end := time.Now().Add(length)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, tg := range targets {
		items := orm.MustModel[relSoakItem](tg.db)
		rows := orm.MustModel[relRow](tg.db)
		for w := range 8 {
			wg.Go(func() {
				for j := 0; ; j++ {
					select {
					case <-stop:
						return
					default:
					}
					soakCall(tg.s, tg.db, items, rows, tg.st, fmt.Sprintf("%s-%d-%d", tg.s.name, w, j), j)
				}
			})
		}
	}
	// The faults, in turn.
	faults := []string{"kill", "partition", "restart", "crash", "storm"}
	nFault := map[string]int{}
	for i := 0; time.Now().Add(15 * time.Second).Before(end); i++ {
		time.Sleep(15 * time.Second) // the load runs between faults: a deliberate pace
		f := faults[i%len(faults)]
		nFault[f]++
		t.Logf("fault %d: %s", i+1, f)
		switch f {
		case "kill":
			for _, tg := range targets {
				soakKillAll(tg.s, tg.admin)
			}
		case "partition":
			for _, tg := range targets {
				tg.p.partition()
			}
			time.Sleep(2 * time.Second) // the length of the partition
			for _, tg := range targets {
				tg.p.heal()
			}
		case "restart":
			if err := pg.Restart(); err != nil {
				t.Fatal(err)
			}
			if err := my.Restart(); err != nil {
				t.Fatal(err)
			}
		case "crash":
			if err := pg.Crash(); err != nil {
				t.Fatal(err)
			}
			if err := pg.Start(); err != nil {
				t.Fatal(err)
			}
			if err := my.Crash(); err != nil {
				t.Fatal(err)
			}
			if err := my.Start(); err != nil {
				t.Fatal(err)
			}
		case "storm":
			var sw sync.WaitGroup
			for _, tg := range targets {
				rows := orm.MustModel[relRow](tg.db)
				for k := range 100 {
					sw.Go(func() {
						d := time.Duration(1+k%50) * time.Millisecond
						ctx, cancel := context.WithTimeout(bg, d)
						defer cancel()
						start := time.Now()
						_, err := rows.Raw(fmt.Sprintf(tg.s.sleep, 0.02) + " AS pad").IgnoreUnknownColumns().All(ctx)
						tg.st.calls.Add(1)
						if time.Since(start) > d+driver.CancelGrace+time.Second {
							tg.st.hung.Add(1)
						}
						if err != nil {
							tg.st.fail(err)
						} else {
							tg.st.ok.Add(1)
						}
					})
				}
			}
			sw.Wait()
		}
	}
	time.Sleep(time.Until(end)) // the soak runs for its set length: the time is the point
	close(stop)
	wg.Wait()

	for _, tg := range targets {
		waitIdle(t, tg.s.name, tg.db.SQLDB())
		st := tg.st
		items := orm.MustModel[relSoakItem](tg.admin)
		ctx, cancel := context.WithTimeout(bg, 60*time.Second)
		have := map[string]int{}
		for r := range items.Select().Where(orm.Like("key_", tg.s.name+"-%")).AioExecute(ctx) {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			have[r.Value.Key]++
		}
		cancel()
		lost, torn := 0, 0
		for key, n := range st.acked {
			if have[key] != n {
				lost++
			}
		}
		for _, key := range st.txKeys {
			if n := have[key]; n != 0 && n != 2 {
				torn++
			}
		}
		leaked := tg.db.SQLDB().Stats().InUse
		var kinds []string
		failed := 0
		for k, n := range st.kinds {
			kinds = append(kinds, fmt.Sprintf("%s=%d", k, n))
			failed += n
		}
		sort.Strings(kinds)
		t.Logf("SOAK %s: %v, faults %v: calls %d, done %d, failed %d (%s), lost %d, torn %d, hung %d, leaked connections %d",
			tg.s.name, length, nFault, st.calls.Load(), st.ok.Load(), failed, strings.Join(kinds, ", "), lost, torn, st.hung.Load(), leaked)
		if lost+torn > 0 || st.hung.Load() > 0 || leaked > 0 {
			t.Errorf("%s: lost %d, torn %d, hung %d, leaked %d; want 0", tg.s.name, lost, torn, st.hung.Load(), leaked)
		}
	}
}

// soakCall runs one call of the soak's mix and records it.
func soakCall(s server, db *orm.DB, items *orm.Model[relSoakItem], rows *orm.Model[relRow], st *soakStats, key string, j int) {
	deadline := time.Duration(50+rand.IntN(1950)) * time.Millisecond
	ctx, cancel := context.WithTimeout(aio.Async(context.Background()), deadline)
	defer cancel()
	start := time.Now()
	var err error
	var wrote int
	switch j % 5 {
	case 0:
		_, err = aio.Await(ctx, items.AioCreate(ctx, &relSoakItem{Key: key, Part: 1}))
		wrote = 1
	case 1:
		st.mu.Lock()
		st.txKeys = append(st.txKeys, key)
		st.mu.Unlock()
		_, err = aio.Await(ctx, db.AioAtomic(ctx, func(ctx context.Context) error {
			for part := 1; part <= 2; part++ {
				if _, err := items.Create(ctx, &relSoakItem{Key: key, Part: part}); err != nil {
					return err
				}
			}
			return nil
		}))
		wrote = 2
	case 2:
		_, err = items.GetOrNone(ctx, orm.Eq("key_", key))
	case 3:
		_, err = items.Count(ctx)
	case 4:
		n := 0
		sctx, scancel := context.WithCancel(ctx)
		for r := range rows.Raw(s.streamSQL()).IgnoreUnknownColumns().AioExecute(sctx) {
			if r.Err != nil {
				err = r.Err
				break
			}
			if n++; n == 20 {
				scancel() // read part of it, then give up
			}
		}
		scancel()
		if errors.Is(err, context.Canceled) && ctx.Err() == nil {
			err = nil // the stream's own cancel: done
		}
	}
	st.calls.Add(1)
	if time.Since(start) > deadline+driver.CancelGrace+time.Second {
		st.hung.Add(1)
	}
	if err != nil {
		st.fail(err)
		time.Sleep(20 * time.Millisecond) // a fault is on: do not spin
		return
	}
	st.ok.Add(1)
	if wrote > 0 {
		st.mu.Lock()
		st.acked[key] = wrote
		st.mu.Unlock()
	}
}

// soakKillAll ends every client session of the server but admin's own.
func soakKillAll(s server, admin *orm.DB) {
	ctx, cancel := context.WithTimeout(aio.Async(context.Background()), 10*time.Second)
	defer cancel()
	q := "SELECT pg_terminate_backend(pid)::int AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'"
	if s.driver == "aiomysql" {
		q = "SELECT ID AS n FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND COMMAND <> 'Daemon'"
	}
	ids, err := orm.MustModel[relRow](admin).Raw(q).IgnoreUnknownColumns().All(ctx)
	if err != nil || s.driver != "aiomysql" {
		return
	}
	for _, id := range ids {
		admin.SQLDB().ExecContext(ctx, fmt.Sprintf("KILL %d", id.N))
	}
}
