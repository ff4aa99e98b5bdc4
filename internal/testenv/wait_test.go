package testenv

import (
	"testing"
	"time"
)

func TestPollSeesTheChange(t *testing.T) {
	calls := 0
	if !Poll(time.Second, func() bool { calls++; return calls == 3 }) {
		t.Fatal("Poll gave up on a condition that became true")
	}
	if calls != 3 {
		t.Fatalf("cond called %d times, want 3 (Poll stops once it is true)", calls)
	}
}

func TestPollGivesUp(t *testing.T) {
	start := time.Now()
	if Poll(20*time.Millisecond, func() bool { return false }) {
		t.Fatal("Poll reported a condition that never held")
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Fatalf("Poll gave up after %v, before its 20ms", d)
	}
}
