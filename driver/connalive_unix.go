//go:build linux || darwin || freebsd || netbsd || openbsd

package driver

import (
	"net"
	"syscall"
)

// connAlive peeks at an idle PostgreSQL socket without blocking or
// consuming anything: EOF, a socket error or a pending ErrorResponse
// ('E', which a server sends unasked only when it ends the session: a
// restart, pg_terminate_backend) mean the connection is dead. Nothing
// pending, or another message (a notice, a notification), means alive.
func connAlive(nc net.Conn) bool {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	alive := true
	err = rc.Read(func(fd uintptr) bool {
		var b [1]byte
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == syscall.EAGAIN || err == syscall.EWOULDBLOCK || err == syscall.EINTR:
		case err != nil, n == 0, b[0] == 'E':
			alive = false
		}
		return true // never wait for the socket to become readable
	})
	return alive && err == nil
}
