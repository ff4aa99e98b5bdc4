package leakcheck_test

import (
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aiodb/aiodb/internal/fakedb"
	"github.com/aiodb/aiodb/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

func TestLeakedFindsABlockedGoroutineAndForgetsItOnceItEnds(t *testing.T) {
	before := leakcheck.Take()
	release := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-release
	}()
	left := leakcheck.Leaked(before, 50*time.Millisecond)
	if len(left) != 1 || left[0].State != "chan receive" || !strings.Contains(left[0].Stack, "leakcheck_test.TestLeaked") {
		t.Fatalf("Leaked = %+v, want the one goroutine blocked in this test", left)
	}
	close(release)
	<-done
	if left := leakcheck.Leaked(before, time.Second); len(left) != 0 {
		t.Fatalf("after it ended, Leaked = %+v", left)
	}
}

func TestLeakedWaitsForGoroutinesThatAreEnding(t *testing.T) {
	before := leakcheck.Take()
	// The goroutine under test: one that ends by itself, 100 ms on,
	// within Leaked's wait.
	go time.Sleep(100 * time.Millisecond)
	if left := leakcheck.Leaked(before, 2*time.Second); len(left) != 0 {
		t.Fatalf("a goroutine ending within the wait was reported: %+v", left)
	}
}

func TestUnclosedDBIsReportedByName(t *testing.T) {
	before := leakcheck.Take()
	db := sql.OpenDB(fakedb.New(nil, nil).Connector())
	left := leakcheck.Leaked(before, 50*time.Millisecond)
	var b strings.Builder
	leakcheck.Report(&b, "TestX", left)
	if len(left) == 0 || !strings.Contains(b.String(), "an *sql.DB was opened and never closed") {
		t.Fatalf("open DB not reported:\n%s", b.String())
	}
	db.Close()
	if left := leakcheck.Leaked(before, 2*time.Second); len(left) != 0 {
		t.Fatalf("closed DB still reported: %+v", left)
	}
}

func TestCheckPassesATestThatCleansUp(t *testing.T) {
	leakcheck.Check(t)
	db := sql.OpenDB(fakedb.New(nil, nil).Connector())
	t.Cleanup(func() { db.Close() }) // runs before Check's cleanup (LIFO)
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
}

// TestChildLeaks leaks on purpose; it only runs inside
// TestMainFailsTheBinaryOnALeak's child process.
func TestChildLeaks(t *testing.T) {
	if os.Getenv("LEAKCHECK_CHILD") != "1" {
		t.Skip("runs only as the child of TestMainFailsTheBinaryOnALeak")
	}
	leakcheck.Wait = 100 * time.Millisecond
	block := make(chan struct{})
	go func() { <-block }() // never released: the child process exits
	_ = sql.OpenDB(fakedb.New(nil, nil).Connector())
}

func TestMainFailsTheBinaryOnALeak(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildLeaks$", "-test.count=1")
	cmd.Env = append(os.Environ(), "LEAKCHECK_CHILD=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("child exited with %v, want status 1; output:\n%s", err, out)
	}
	for _, want := range []string{"PASS", "leakcheck: the package's tests left 2 goroutine(s)", "an *sql.DB was opened and never closed", "leakcheck_test.TestChildLeaks"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("child output lacks %q:\n%s", want, out)
		}
	}
}
