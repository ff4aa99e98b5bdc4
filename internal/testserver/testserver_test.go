package testserver_test

import (
	"context"
	"database/sql"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/aiodb/aiodb/internal/leakcheck"
	"github.com/aiodb/aiodb/internal/testserver"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// query runs SELECT 1 on a new pool of driverName at dsn.
func query(driverName, dsn string) error {
	db, err := sql.Open(driverName, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var one int
	return db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// server is what the tests below need of either kind.
type server interface {
	DSN() string
	Pid() int
	Restart() error
	Crash() error
	Start() error
}

// checkLifecycle: the server answers, answers again after a restart and
// after a crash with a new pid, and when the test ends its process is
// gone and its directory removed.
func checkLifecycle(t *testing.T, driverName string, start func(t *testing.T) (server, string)) {
	var pids []int
	var dir string
	t.Run("run", func(t *testing.T) {
		s, d := start(t)
		dir = d
		if err := query(driverName, s.DSN()); err != nil {
			t.Fatalf("a new server: %v", err)
		}
		pids = append(pids, s.Pid())
		if err := s.Restart(); err != nil {
			t.Fatal(err)
		}
		if err := query(driverName, s.DSN()); err != nil {
			t.Fatalf("after a restart: %v", err)
		}
		pids = append(pids, s.Pid())
		if err := s.Crash(); err != nil {
			t.Fatal(err)
		}
		if s.Pid() != 0 {
			t.Errorf("pid %d after the crash", s.Pid())
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		if err := query(driverName, s.DSN()); err != nil {
			t.Fatalf("after a crash and a start: %v", err)
		}
		pids = append(pids, s.Pid())
	})
	if t.Failed() || len(pids) != 3 {
		return
	}
	if pids[0] == pids[1] || pids[1] == pids[2] {
		t.Errorf("pids %v: a restart must start a new process", pids)
	}
	for _, pid := range pids {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("pid %d still alive after the test ended", pid)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s not removed after the test ended (%v)", dir, err)
	}
}

func TestPostgres(t *testing.T) {
	checkLifecycle(t, "postgres", func(t *testing.T) (server, string) {
		p := testserver.StartPostgres(t, nil)
		return p, p.Dir
	})
}

func TestMariaDB(t *testing.T) {
	checkLifecycle(t, "mysql", func(t *testing.T) (server, string) {
		m := testserver.StartMariaDB(t)
		return m, m.Dir
	})
}
