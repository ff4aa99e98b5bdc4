//go:build linux || darwin || freebsd || netbsd || openbsd

package driver

import (
	"context"
	"net"
	"syscall"
	"time"
)

// waitReadable waits until nc has bytes to read (without reading them),
// ctx ends or max has passed, whichever comes first. Without a socket it
// sleeps instead (the caller polls).
func waitReadable(ctx context.Context, nc net.Conn, max time.Duration) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		sleepCtx(ctx, max)
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		sleepCtx(ctx, max)
		return
	}
	nc.SetReadDeadline(time.Now().Add(max))
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(fired)
		nc.SetReadDeadline(time.Unix(1, 0))
	})
	rc.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return err != syscall.EAGAIN && err != syscall.EWOULDBLOCK // false: wait for readability
	})
	if !stop() {
		<-fired // its deadline must not outlive the reset below
	}
	nc.SetReadDeadline(time.Time{})
}
