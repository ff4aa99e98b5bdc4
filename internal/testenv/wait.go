package testenv

import (
	"testing"
	"time"
)

// Poll calls cond until it returns true or timeout has passed, and
// reports whether it returned true. It is for a state that changes with
// no event to wait on (a pool getting its connections back, goroutines
// ending, a server dropping a session); a test that can be told by a
// channel or a hook should be. The pause between calls starts at 1 ms
// and grows to 10 ms, so a quick change is seen at once and a slow one
// does not spin.
func Poll(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for pause := time.Millisecond; ; pause = min(2*pause, 10*time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pause)
	}
}

// Eventually fails the test with the message unless cond returns true
// within timeout (see Poll).
func Eventually(t testing.TB, timeout time.Duration, cond func() bool, format string, args ...any) {
	t.Helper()
	if !Poll(timeout, cond) {
		t.Fatalf(format, args...)
	}
}
