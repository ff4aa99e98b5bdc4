// Package leakcheck fails a test binary, or a single test, when goroutines
// started during it are still running at its end. Every test package of the
// module calls it from TestMain:
//
//	func TestMain(m *testing.M) { leakcheck.Main(m) }
//
// Without it a leaked goroutine (an unread channel, a worker never stopped,
// an *sql.DB never closed) passes silently and piles up in long-lived
// programs.
//
// A goroutine is a leak when it did not exist before the tests ran, is not
// one of the runtime's or the testing package's own, and is still there a
// few seconds after the last test returned (goroutines that are ending get
// that long). database/sql's connectionOpener goroutine is deliberately not
// ignored: it lives exactly as long as its *sql.DB, so a test that never
// closes a DB fails with the stack that names it. It is stdlib-only on
// purpose (no go.uber.org/goleak): the module keeps its dependency list to
// the drivers it wraps.
package leakcheck

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Wait is how long Main and Check wait for new goroutines to end before they
// report them. Closing a pooled connection or a TCP socket can take a few
// scheduler rounds under -race on a busy machine.
var Wait = 5 * time.Second

// Goroutine is one goroutine of a runtime.Stack dump.
type Goroutine struct {
	ID    uint64
	State string // "running", "chan receive", "select", ...
	Top   string // the function it is running now
	Stack string // the whole record, header included
}

// Snapshot is the set of goroutine IDs running at one moment. Take one with
// Take before the code under test runs and hand it to Leaked afterwards.
type Snapshot map[uint64]bool

// Take records the goroutines running now.
func Take() Snapshot {
	s := Snapshot{}
	for _, g := range All() {
		s[g.ID] = true
	}
	return s
}

// All returns every user goroutine, parsed from runtime.Stack.
func All() []Goroutine {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return parse(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}

func parse(dump []byte) []Goroutine {
	var gs []Goroutine
	for rec := range bytes.SplitSeq(dump, []byte("\n\n")) {
		text := strings.TrimSpace(string(rec))
		header, rest, _ := strings.Cut(text, "\n")
		// "goroutine 7 [chan receive, 2 minutes]:"
		idStr, state, ok := strings.Cut(strings.TrimPrefix(header, "goroutine "), " ")
		if !ok || !strings.HasPrefix(header, "goroutine ") {
			continue
		}
		id, err := strconv.ParseUint(idStr, 10, 64)
		if err != nil {
			continue
		}
		state = strings.TrimSuffix(strings.TrimPrefix(state, "["), "]:")
		state, _, _ = strings.Cut(state, ",")
		top, _, _ := strings.Cut(rest, "\n")
		if i := strings.LastIndexByte(top, '('); i > 0 {
			top = top[:i]
		}
		gs = append(gs, Goroutine{ID: id, State: state, Top: top, Stack: text})
	}
	return gs
}

// ignored are goroutines that belong to the runtime or the testing package
// and outlive any test by design. Matched against the whole stack.
var ignored = []string{
	"testing.(*M).",
	"testing.RunTests",
	"testing.runFuzzTests",
	"testing.runFuzzing",
	"testing.(*F).Fuzz",
	"testing.tRunner.func1", // a finished test's parent waiting for -parallel siblings
	"os/signal.signal_recv",
	"os/signal.loop",
	"runtime.ensureSigM",
	"runtime.goexit0",
	"runtime/trace.Start",
	"created by runtime.",
	"created by internal/runtime",
}

func isIgnored(g Goroutine) bool {
	for _, s := range ignored {
		if strings.Contains(g.Stack, s) {
			return true
		}
	}
	return false
}

// Leaked returns the goroutines that were not in before, are not the
// caller's and are not the runtime's or testing's, waiting up to wait for
// them to end first. It returns nil when there are none.
func Leaked(before Snapshot, wait time.Duration) []Goroutine {
	self := selfID()
	deadline := time.Now().Add(wait)
	delay := time.Millisecond
	for {
		var left []Goroutine
		for _, g := range All() {
			if !before[g.ID] && g.ID != self && !isIgnored(g) {
				left = append(left, g)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(delay)
		delay = min(2*delay, 100*time.Millisecond)
	}
}

func selfID() uint64 {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	gs := parse(buf)
	if len(gs) == 0 {
		return 0
	}
	return gs[0].ID
}

// Report writes the leaked goroutines with their stacks, naming an unclosed
// *sql.DB when database/sql's opener is among them.
func Report(w io.Writer, what string, gs []Goroutine) {
	fmt.Fprintf(w, "leakcheck: %s left %d goroutine(s) running %v after it ended:\n", what, len(gs), Wait)
	for _, g := range slices.SortedFunc(slices.Values(gs), func(a, b Goroutine) int { return int(a.ID) - int(b.ID) }) {
		if strings.Contains(g.Stack, "database/sql.(*DB).connectionOpener") {
			fmt.Fprintln(w, "  an *sql.DB was opened and never closed (database/sql's connectionOpener is still running):")
		}
		fmt.Fprintf(w, "\n%s\n", g.Stack)
	}
}

// Main runs the package's tests and then fails the binary (exit code 1) if
// goroutines started by them are still running Wait later, printing their
// stacks. Call it as the whole body of TestMain. Tests that already failed
// keep their exit code and skip the check (their goroutines may be stuck
// because of the failure being reported).
func Main(m *testing.M) {
	before := Take()
	code := m.Run()
	if code == 0 {
		if left := Leaked(before, Wait); len(left) > 0 {
			Report(os.Stderr, "the package's tests", left)
			code = 1
		}
	}
	os.Exit(code)
}

// Check fails t if goroutines started between the call and t's end are
// still running Wait later. Use it in tests that must prove one operation
// leaves nothing behind; it does not work with t.Parallel siblings, whose
// goroutines it would count.
func Check(t testing.TB) {
	t.Helper()
	before := Take()
	t.Cleanup(func() {
		if left := Leaked(before, Wait); len(left) > 0 {
			var b strings.Builder
			Report(&b, t.Name(), left)
			t.Error(b.String())
		}
	})
}
