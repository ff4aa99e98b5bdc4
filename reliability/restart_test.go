package reliability_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

// restartEnv turns the restart tests on. They stop the shared PostgreSQL
// and MariaDB servers, which fails every other test running against them
// at that moment, so they are off by default and .ci/run runs them alone,
// after the rest (go test -p 1 -run Restart ./reliability/).
const restartEnv = "AIODB_RESTART_TESTS"

func needRestarts(t *testing.T) {
	t.Helper()
	if os.Getenv(restartEnv) != "1" {
		t.Skipf("restarts the shared database servers: set %s=1 to run it (alone: it disrupts every other test using them)", restartEnv)
	}
}

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
// or not at all (its rows counted per key).
func TestRestartPostgres(t *testing.T) {
	needRestarts(t)
	for _, s := range []server{pgServer, pgxServer} {
		t.Run(s.name, func(t *testing.T) { restartUnderLoad(t, s, restartPostgres) })
	}
}

func TestRestartMariaDB(t *testing.T) {
	needRestarts(t)
	restartUnderLoad(t, myServer, restartMariaDB)
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
				st.tried.Add(1)
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
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	// Restart once a tenth of the calls are done, while the rest run.
	for st.tried.Load() < workers*calls/10 {
		time.Sleep(5 * time.Millisecond)
	}
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

// pgVersion is the PostgreSQL cluster version under /etc/postgresql.
func pgVersion(t *testing.T) string {
	t.Helper()
	entries, err := os.ReadDir("/etc/postgresql")
	if err != nil || len(entries) == 0 {
		t.Fatalf("no PostgreSQL cluster under /etc/postgresql: %v", err)
	}
	var vs []string
	for _, e := range entries {
		vs = append(vs, e.Name())
	}
	slices.SortFunc(vs, func(a, b string) int {
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return x - y
	})
	return vs[len(vs)-1]
}

// restartPostgres restarts the cluster (fast mode: sessions are ended,
// not waited for) and waits for it to accept connections. A cleanup
// starts it again should the test stop half-way.
func restartPostgres(t *testing.T) {
	v := pgVersion(t)
	t.Cleanup(func() {
		if waitPort("127.0.0.1:5432", time.Second) != nil {
			if err := run("pg_ctlcluster", "--skip-systemctl-redirect", v, "main", "start"); err != nil {
				t.Errorf("starting PostgreSQL again: %v", err)
			}
		}
		if err := waitPort("127.0.0.1:5432", 60*time.Second); err != nil {
			t.Error(err)
		}
	})
	if err := run("pg_ctlcluster", "--skip-systemctl-redirect", "--mode", "fast", v, "main", "restart"); err != nil {
		t.Errorf("restarting PostgreSQL: %v", err)
	}
	if err := waitPort("127.0.0.1:5432", 60*time.Second); err != nil {
		t.Error(err)
	}
}

// restartMariaDB shuts mariadbd down and starts it again as the same user
// with the same arguments, then waits for it to accept connections. A
// cleanup starts it again should the test stop half-way.
func restartMariaDB(t *testing.T) {
	pid, user, args := mariadbProcess(t)
	start := func() error {
		cmd := append([]string{"--start", "--oknodo", "--background", "--chuid", user, "--exec", "/usr/sbin/mariadbd", "--"}, args...)
		return run("start-stop-daemon", cmd...)
	}
	t.Cleanup(func() {
		if waitPort("127.0.0.1:3306", time.Second) != nil {
			if err := start(); err != nil {
				t.Errorf("starting MariaDB again: %v", err)
			}
		}
		if err := waitPort("127.0.0.1:3306", 60*time.Second); err != nil {
			t.Error(err)
		}
	})
	if err := run("mariadb-admin", "-h127.0.0.1", "-uroot", "shutdown"); err != nil {
		t.Errorf("stopping MariaDB: %v", err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for processAlive(pid) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if err := start(); err != nil {
		t.Errorf("starting MariaDB: %v", err)
	}
	if err := waitPort("127.0.0.1:3306", 60*time.Second); err != nil {
		t.Error(err)
	}
}

// mariadbProcess finds the running mariadbd: its pid, user and arguments.
func mariadbProcess(t *testing.T) (pid int, user string, args []string) {
	t.Helper()
	out, err := exec.Command("pgrep", "-x", "mariadbd").Output()
	if err != nil {
		t.Fatalf("no mariadbd running: %v", err)
	}
	pid, err = strconv.Atoi(strings.Fields(string(out))[0])
	if err != nil {
		t.Fatal(err)
	}
	cmdline, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	u, err := exec.Command("ps", "-o", "user=", "-p", strconv.Itoa(pid)).Output()
	if err != nil {
		t.Fatal(err)
	}
	return pid, strings.TrimSpace(string(u)), parts[1:]
}

func processAlive(pid int) bool {
	_, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid)))
	return err == nil
}
