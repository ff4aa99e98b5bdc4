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

// Unavailable skips t because a server could not be made (err says why,
// with its log), or fails it under AIODB_REQUIRE_DB=1, where a fault test
// must not skip.
func Unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv(testenv.RequireEnv) == "1" {
		t.Fatalf("%v\n(%s=1: a fault test must not skip)", err, testenv.RequireEnv)
	}
	t.Skipf("%v (set %s=1 to make this a failure)", err, testenv.RequireEnv)
}

// startError is the error of a server that could not be made or started:
// what failed, and the end of its log.
func startError(what string, err error, log string) error {
	if log == "" {
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s: %w\n--- server log ---\n%s", what, err, log)
}

// FreePort returns a port of 127.0.0.1 that nothing listens on, within
// AIODB_TEST_PORTS when it is set.
func FreePort() (int, error) {
	lo, hi, ok := portRange()
	if !ok {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		defer ln.Close()
		return ln.Addr().(*net.TCPAddr).Port, nil
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
		return p, nil
	}
	return 0, fmt.Errorf("no free port in %s=%d-%d", PortsEnv, lo, hi)
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

// makeDir makes a temporary directory owned by a (in /tmp rather than
// t.TempDir, whose parents another user cannot enter).
func (a account) makeDir(prefix string) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", err
	}
	if a.cred != nil {
		if err := os.Chown(dir, a.uid, a.gid); err != nil {
			os.RemoveAll(dir)
			return "", err
		}
	}
	return dir, nil
}

// process is a running server, the test's child. It is reaped with
// wait4(WNOHANG) rather than by a goroutine blocked in Wait, so that a
// server kept for a whole test binary is no goroutine for leak checks.
type process struct {
	pid    int
	exited bool
}

func startProcess(cmd *exec.Cmd) (*process, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &process{pid: cmd.Process.Pid}, nil
}

// Pid is the server's process id.
func (p *process) Pid() int { return p.pid }

// running reports whether the process has not exited, reaping it if it
// has.
func (p *process) running() bool {
	if p.exited {
		return false
	}
	var ws syscall.WaitStatus
	pid, err := syscall.Wait4(p.pid, &ws, syscall.WNOHANG, nil)
	if pid == p.pid || err != nil { // exited (reaped now), or not our child any more
		p.exited = true
		return false
	}
	return true
}

// stop sends sig to the server's pid and waits up to wait for it to exit,
// then kills it.
func (p *process) stop(sig syscall.Signal, wait time.Duration) error {
	if !p.running() {
		return nil
	}
	if err := syscall.Kill(p.pid, sig); err != nil && err != syscall.ESRCH {
		return err
	}
	deadline := time.Now().Add(wait)
	for p.running() {
		if time.Now().After(deadline) {
			syscall.Kill(p.pid, syscall.SIGKILL)
			for p.running() {
				time.Sleep(10 * time.Millisecond)
			}
			return fmt.Errorf("pid %d did not exit %v after %v: killed", p.pid, wait, sig)
		}
		time.Sleep(10 * time.Millisecond) // polling the exit of a child (no goroutine: see process)
	}
	return nil
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
			return fmt.Errorf("the server exited before it accepted connections (%v)", err)
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
