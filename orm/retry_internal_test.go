package orm

import (
	"testing"
	"time"
)

func TestRetryPolicyDelay(t *testing.T) {
	exact := RetryPolicy{BaseDelay: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond, Jitter: -1}
	for attempt, want := range map[int]time.Duration{1: 10, 2: 20, 3: 40, 4: 50, 30: 50} {
		if got := exact.delay(attempt); got != want*time.Millisecond {
			t.Errorf("delay(%d) = %v, want %v", attempt, got, want*time.Millisecond)
		}
	}
	if d := (&RetryPolicy{}).delay(1); d < 5*time.Millisecond || d > 10*time.Millisecond {
		t.Errorf("default first delay %v, want 10ms with 50%% jitter", d)
	}
	full := RetryPolicy{BaseDelay: time.Second, Jitter: 1}
	distinct := map[time.Duration]bool{}
	for range 20 {
		d := full.delay(1)
		if d < 0 || d > time.Second {
			t.Fatalf("jittered delay %v outside [0, 1s]", d)
		}
		distinct[d] = true
	}
	if len(distinct) < 10 {
		t.Fatalf("full jitter gave only %d distinct delays in 20", len(distinct))
	}
	if n := (&RetryPolicy{}).attempts(); n != 3 {
		t.Errorf("default MaxAttempts %d, want 3", n)
	}
}
