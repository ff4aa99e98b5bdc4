// Package testserver starts throwaway database servers for fault tests:
// a PostgreSQL made by initdb, or a MariaDB made by mariadb-install-db,
// each in its own temporary directory, on its own port of 127.0.0.1, as a
// child process of the test that is stopped by its pid (and its directory
// removed) when the test ends. A test may stop, kill and start it again
// (a restart under load) without touching any other server.
//
// When the server cannot be made (its programs are missing, or it does not
// start) the test is skipped with the reason, unless AIODB_REQUIRE_DB=1:
// then it fails and prints the server's log. AIODB_TEST_PORTS=lo-hi
// restricts the ports chosen (for machines where port ranges are shared
// out); by default the kernel picks a free one.
package testserver

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aiodb/aiodb/internal/testenv"
)

// PortsEnv restricts the ports testserver picks: "lo-hi", inclusive.
const PortsEnv = "AIODB_TEST_PORTS"

// unavailable skips t (or fails it under AIODB_REQUIRE_DB=1) because the
// server could not be made; log is the server's log, if any.
func unavailable(t testing.TB, what string, err error, log string) {
	t.Helper()
	if os.Getenv(testenv.RequireEnv) == "1" {
		t.Fatalf("%s: %v (%s=1: a fault test must not skip)\n--- server log ---\n%s", what, err, testenv.RequireEnv, log)
	}
	t.Skipf("%s: %v (set %s=1 to make this a failure)", what, err, testenv.RequireEnv)
}

// FreePort returns a port of 127.0.0.1 that nothing listens on, within
// AIODB_TEST_PORTS when it is set.
func FreePort(t testing.TB) int {
	t.Helper()
	lo, hi, ok := portRange()
	if !ok {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().(*net.TCPAddr).Port
	}
	n := hi - lo + 1
	start := rand.IntN(n)
	for i := range n {
		p := lo + (start+i)%n
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		ln.Close()
		return p
	}
	t.Fatalf("no free port in %s=%d-%d", PortsEnv, lo, hi)
	return 0
}

func portRange() (lo, hi int, ok bool) {
	v := os.Getenv(PortsEnv)
	a, b, found := strings.Cut(v, "-")
	if !found {
		return 0, 0, false
	}
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || lo <= 0 || hi < lo {
		return 0, 0, false
	}
	return lo, hi, true
}

// findProgram finds name on PATH or in the first of dirs that has it.
func findProgram(name string, dirs ...string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found on PATH or in %v", name, dirs)
}

// account is the OS user a server runs as: the named one when the test
// runs as root (PostgreSQL refuses to run as root), else the test's own.
type account struct {
	cred     *syscall.Credential // nil: the test's own user
	uid, gid int
}

func accountFor(name string) (account, error) {
	if os.Geteuid() != 0 {
		return account{uid: os.Getuid(), gid: os.Getgid()}, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return account{}, fmt.Errorf("running as root, and no %q user to run the server as: %w", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return account{cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, uid: uid, gid: gid}, nil
}

// command is exec.Command run as a, in dir, with its output appended to
// the file log.
func (a account) command(dir string, log *os.File, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout = log
	cmd.Stderr = log
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "LANG=C.UTF-8")
	// Pdeathsig: a test binary that dies (a -timeout panic) takes its
	// server with it instead of leaving it running.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: a.cred, Pdeathsig: syscall.SIGKILL, Setpgid: true}
	return cmd
}

// makeDir makes a temporary directory owned by a, removed at cleanup (in
// /tmp rather than t.TempDir, whose parents another user cannot enter).
func (a account) makeDir(t testing.TB, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if a.cred != nil {
		if err := os.Chown(dir, a.uid, a.gid); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// process is a running server: the child started by exec, waited for by
// one goroutine that ends when it exits.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // Wait's, once exited is closed
}

func startProcess(cmd *exec.Cmd) (*process, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// Pid is the server's process id.
func (p *process) Pid() int { return p.cmd.Process.Pid }

// running reports whether the process has not exited.
func (p *process) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// stop sends sig to the server's pid and waits up to wait for it to exit,
// then kills it.
func (p *process) stop(sig syscall.Signal, wait time.Duration) error {
	if !p.running() {
		return nil
	}
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-p.exited:
		return nil
	case <-time.After(wait):
	}
	p.cmd.Process.Kill()
	<-p.exited
	return fmt.Errorf("pid %d did not exit %v after %v: killed", p.Pid(), wait, sig)
}

// waitReady calls ready every 50 ms until it succeeds, the process exits
// or d passes.
func (p *process) waitReady(d time.Duration, ready func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := ready()
		if err == nil {
			return nil
		}
		if !p.running() {
			return fmt.Errorf("the server exited (%v) before it accepted connections", p.err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %w", d, err)
		}
		time.Sleep(50 * time.Millisecond) // polling a starting server: no event to wait on
	}
}

func readLog(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	const max = 8000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}
