package txn

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is the wait after attempt number attempt (1-based) of a retried
// transaction failed: base doubled per attempt up to maxD, less a random
// part of up to jitter of it (orm.RetryPolicy documents the defaults
// that zero values take).
func Backoff(attempt int, base, maxD time.Duration, jitter float64) time.Duration {
	if base <= 0 {
		base = 10 * time.Millisecond
	}
	if maxD <= 0 {
		maxD = time.Second
	}
	d := base
	for i := 1; i < attempt && d < maxD; i++ {
		d *= 2
	}
	d = min(d, maxD)
	j := jitter
	switch {
	case j == 0:
		j = 0.5
	case j < 0:
		return d
	case j > 1:
		j = 1
	}
	return d - time.Duration(rand.Float64()*j*float64(d))
}

// Sleep waits d, or until ctx ends: it then returns ctx's cause.
func Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
