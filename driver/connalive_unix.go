//go:build linux || darwin || freebsd || netbsd || openbsd

package driver

import (
	"net"
	"syscall"
)

// connAlive peeks at an idle PostgreSQL socket without blocking or
// consuming anything: EOF, a socket error or a pending ErrorResponse
// ('E', which a server sends unasked only when it ends the session: a
// restart, pg_terminate_backend) mean the connection is dead, and so does
// a pending TLS record, whose content cannot be seen. Nothing pending, or
// another plain message (a notice, a notification), means alive.
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
		case b[0] >= 0x14 && b[0] <= 0x17:
			// A TLS record (sslmode=require and up): its content
			// cannot be read here, and what a server sends unasked to
			// an idle session is almost always the ErrorResponse that
			// ends it (then a close_notify alert). Taking it for dead
			// costs at most a new connection; nothing was sent.
			alive = false
		}
		return true // never wait for the socket to become readable
	})
	return alive && err == nil
}
