package cluster_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/aiodb/aiodb/internal/leakcheck"
)

// env is what TestMain started: the servers' DSNs, or why there are none.
var env struct {
	enabled bool
	err     error  // a server could not start; the message has its log
	dir     string // the servers' directory
	primary string // DSN of the primary
	standby string // DSN of the hot standby
	bouncer string // DSN of PgBouncer in front of the primary
}

func TestMain(m *testing.M) {
	env.enabled = os.Getenv("AIODB_CLUSTER_TESTS") == "1" || os.Getenv("AIODB_REQUIRE_DB") == "1"
	if env.enabled {
		env.err = startServers()
	}
	before := leakcheck.Take()
	code := m.Run()
	if code == 0 {
		if left := leakcheck.Leaked(before, leakcheck.Wait); len(left) > 0 {
			leakcheck.Report(os.Stderr, "the package's tests", left)
			code = 1
		}
	}
	stopServers()
	os.Exit(code)
}

// need skips t when the cluster tests are off and fails it, with the
// servers' logs, when they could not start.
func need(t *testing.T) {
	t.Helper()
	if !env.enabled {
		t.Skip("cluster tests skipped: set AIODB_CLUSTER_TESTS=1 (or AIODB_REQUIRE_DB=1) to start a PostgreSQL primary, a hot standby and PgBouncer with scripts/")
	}
	if env.err != nil {
		t.Fatalf("the cluster's servers did not start: %v", env.err)
	}
}

// script runs scripts/NAME with args and returns its combined output.
func script(name string, args ...string) (string, error) {
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "scripts", name)
	cmd := exec.Command(path, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

// vars parses the NAME=value lines a script prints.
func vars(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
			m[k] = v
		}
	}
	return m
}

func startServers() error {
	base := 25510
	if p := os.Getenv("AIODB_CLUSTER_PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return fmt.Errorf("AIODB_CLUSTER_PORT=%q: %v", p, err)
		}
		base = n
	}
	stopAbandoned()
	dir, err := os.MkdirTemp("", "aiodb-cluster-")
	if err != nil {
		return err
	}
	env.dir = dir
	if err := os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return err
	}
	// The servers run as the postgres user, which must reach their
	// directories inside this one.
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	out, err := script("pg-standby.sh", "start", filepath.Join(dir, "pg"), strconv.Itoa(base), strconv.Itoa(base+1))
	if err != nil {
		return err
	}
	v := vars(out)
	env.primary, env.standby = v["PRIMARY_DSN"], v["STANDBY_DSN"]
	out, err = script("pgbouncer.sh", "start", filepath.Join(dir, "bouncer"), strconv.Itoa(base+2), strconv.Itoa(base), "2")
	if err != nil {
		return err
	}
	env.bouncer = vars(out)["PGBOUNCER_DSN"]
	return nil
}

// stopServers stops whatever startServers started, by pid, and removes
// their directory.
func stopServers() {
	if env.dir == "" {
		return
	}
	if out, err := script("pgbouncer.sh", "stop", filepath.Join(env.dir, "bouncer")); err != nil {
		fmt.Fprintln(os.Stderr, out)
	}
	if out, err := script("pg-standby.sh", "stop", filepath.Join(env.dir, "pg")); err != nil {
		fmt.Fprintln(os.Stderr, out)
	}
	os.RemoveAll(env.dir)
}

// pgDir is the directory of pg-standby.sh's servers.
func pgDir() string { return filepath.Join(env.dir, "pg") }

// serverLogs returns the servers' logs, for a failure message.
func serverLogs() string {
	a, _ := script("pg-standby.sh", "logs", pgDir())
	b, _ := script("pgbouncer.sh", "logs", filepath.Join(env.dir, "bouncer"))
	return a + b
}
