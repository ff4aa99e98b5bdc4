package galera_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aiodb/aiodb/internal/leakcheck"
)

// Env vars that turn the cluster tests on: AIODB_CLUSTER_TESTS=1 by hand,
// AIODB_REQUIRE_DB=1 in CI (which also makes every integration test
// mandatory).
const (
	clusterEnv = "AIODB_CLUSTER_TESTS"
	requireEnv = "AIODB_REQUIRE_DB"
)

// theCluster is the package's one cluster, started by the first test
// that needs it and stopped by TestMain after the last one.
var theCluster struct {
	once sync.Once
	c    *cluster
	err  error
}

// TestMain stops the cluster after the tests (when one was started) and
// then, as every test package of the module does, fails the run when a
// goroutine started by the tests is still running.
func TestMain(m *testing.M) {
	before := leakcheck.Take()
	code := m.Run()
	if c := theCluster.c; c != nil {
		if err := c.stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
		if code == 0 {
			os.RemoveAll(c.dir)
		} else {
			fmt.Fprintf(os.Stderr, "galera: the cluster's files are kept in %s\n", c.dir)
		}
	}
	if code == 0 {
		if left := leakcheck.Leaked(before, leakcheck.Wait); len(left) > 0 {
			leakcheck.Report(os.Stderr, "the package's tests", left)
			code = 1
		}
	}
	os.Exit(code)
}

// needCluster returns the running cluster, starting it on first use. It
// skips t when neither AIODB_CLUSTER_TESTS=1 nor AIODB_REQUIRE_DB=1 is
// set, and fails t with the script's output and the nodes' logs when the
// cluster could not start.
func needCluster(t *testing.T) *cluster {
	t.Helper()
	if os.Getenv(clusterEnv) != "1" && os.Getenv(requireEnv) != "1" {
		t.Skipf("Galera cluster test skipped: set %s=1 (or %s=1) to start a three-node cluster on 127.0.0.1:%d-%d with scripts/galera.sh",
			clusterEnv, requireEnv, basePort()+11, basePort()+34)
	}
	first := false
	theCluster.once.Do(func() {
		first = true
		theCluster.c, theCluster.err = startCluster()
	})
	if theCluster.err != nil {
		if !first {
			t.Fatalf("the Galera cluster did not start (its logs are in the first test that needed it): %.200v", theCluster.err)
		}
		t.Fatalf("the Galera cluster did not start: %v", theCluster.err)
	}
	return theCluster.c
}

// script is the path of scripts/galera.sh; tests run in cluster/galera.
func script() (string, error) {
	return filepath.Abs(filepath.Join("..", "..", "scripts", "galera.sh"))
}

// runScript runs scripts/galera.sh cmd dir and returns its stdout; its
// error carries stderr, where the script prints the nodes' logs when a
// node does not come up.
func runScript(ctx context.Context, cmd, dir string) (string, error) {
	path, err := script()
	if err != nil {
		return "", err
	}
	var stdout, stderr bytes.Buffer
	c := exec.CommandContext(ctx, path, cmd, dir)
	c.Stdout, c.Stderr = &stdout, &stderr
	c.WaitDelay = 5 * time.Second
	if err := c.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s %s: %v\n%s%s", path, cmd, dir, err, stdout.String(), stderr.String())
	}
	return stdout.String(), nil
}

// startCluster makes a fresh directory and starts the three nodes in it.
// On failure the nodes that did start are stopped (the script does it)
// and the error holds their logs.
func startCluster() (*cluster, error) {
	dir, err := os.MkdirTemp("", "aiodb-galera-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	start := time.Now()
	out, err := runScript(ctx, "start", dir)
	if err != nil {
		stopCtx, cancelStop := context.WithTimeout(context.Background(), time.Minute)
		defer cancelStop()
		runScript(stopCtx, "stop", dir) // anything left half-started
		return nil, fmt.Errorf("%w\n(files kept in %s)", err, dir)
	}
	if err := c.parse(out); err != nil {
		c.stop()
		return nil, err
	}
	c.startTook = time.Since(start)
	return c, nil
}

// parse reads the script's "nodeN 127.0.0.1:PORT PID" lines.
func (c *cluster) parse(out string) error {
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var n int
		var addr string
		var pid int
		if _, err := fmt.Sscanf(line, "node%d %s %d", &n, &addr, &pid); err != nil {
			return fmt.Errorf("galera.sh start printed %q: %v", line, err)
		}
		c.addrs = append(c.addrs, addr)
	}
	if len(c.addrs) != 3 {
		return fmt.Errorf("galera.sh start printed %d nodes, want 3:\n%s", len(c.addrs), out)
	}
	return nil
}

// stop stops every node by pid.
func (c *cluster) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := runScript(ctx, "stop", c.dir)
	return err
}
