//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package driver

import (
	"context"
	"net"
	"time"
)

// waitReadable cannot watch a socket on this system: it sleeps for max or
// until ctx ends, and the caller polls.
func waitReadable(ctx context.Context, _ net.Conn, max time.Duration) { sleepCtx(ctx, max) }
