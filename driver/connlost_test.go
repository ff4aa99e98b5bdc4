package driver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// TestPQConnectHonoursDeadline connects aiopg to a server that accepts the
// TCP connection and never answers lib/pq's startup message: lib/pq alone
// would wait for ever; the call must end at its context's deadline with an
// error matching it, and leave no connection counted in the pool.
func TestPQConnectHonoursDeadline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 8)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	defer func() {
		ln.Close()
		for c := range accepted {
			c.Close()
		}
	}()

	db, err := sql.Open("aiopg", "postgres://nobody@"+ln.Addr().String()+"/silent?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		start := time.Now()
		err := db.PingContext(ctx)
		cancel()
		if took := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || took > 2*time.Second {
			t.Fatalf("ping of a silent server: %v after %v; want context.DeadlineExceeded at the 200ms deadline", err, took)
		}
	}
	if n := db.Stats().OpenConnections; n != 0 {
		t.Errorf("%d connection(s) counted open after connects that failed", n)
	}
}

// TestLostAfterSend: database/sql runs again whatever matches
// driver.ErrBadConn, so lib/pq's ErrBadConn after sending must become an
// error that matches ErrConnLost and not driver.ErrBadConn, naming the
// operation; every other error passes unchanged.
func TestLostAfterSend(t *testing.T) {
	ctx := context.Background()
	err := lostAfterSend(ctx, driver.ErrBadConn, "commit")
	if !errors.Is(err, ErrConnLost) || errors.Is(err, driver.ErrBadConn) {
		t.Fatalf("lostAfterSend(ErrBadConn) = %v: want ErrConnLost, not driver.ErrBadConn", err)
	}
	if want := "aiodb: commit: "; err.Error()[:len(want)] != want {
		t.Errorf("error %q does not name the operation", err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("with a live context, %v matches a context error", err)
	}
	other := errors.New("pq: duplicate key")
	if got := lostAfterSend(ctx, other, "exec"); got != other {
		t.Errorf("lostAfterSend changed %v into %v", other, got)
	}
	if got := lostAfterSend(ctx, nil, "exec"); got != nil {
		t.Errorf("lostAfterSend(nil) = %v", got)
	}
	// A nil context must not panic (a COMMIT once passed one: the transaction leaked).
	//lint:ignore SA1012 the nil context is the case under test
	if err := lostAfterSend(nil, driver.ErrBadConn, "commit"); !errors.Is(err, ErrConnLost) {
		t.Errorf("with no context: %v; want ErrConnLost", err)
	}
	// lib/pq marks a connection bad when the statement's context ends:
	// the caller must see its deadline, and still that the outcome is
	// unknown.
	ended, cancel := context.WithTimeout(ctx, 0)
	defer cancel()
	<-ended.Done()
	err = lostAfterSend(ended, driver.ErrBadConn, "query")
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrConnLost) || errors.Is(err, driver.ErrBadConn) {
		t.Errorf("after the deadline: %v; want DeadlineExceeded and ErrConnLost, not driver.ErrBadConn", err)
	}
}

// TestConnAlive peeks at an idle socket as ResetSession does: nothing
// pending or a plain notice is alive; a pending ErrorResponse, a TLS
// record (whose content cannot be seen: over TLS the server's farewell
// looks like this) or EOF is dead; the peek consumes nothing.
func TestConnAlive(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, c := range []struct {
		name  string
		send  []byte
		close bool
		alive bool
	}{
		{"nothing", nil, false, true},
		{"notice", []byte{'N', 0, 0, 0, 4}, false, true},
		{"error", []byte{'E', 0, 0, 0, 4}, false, false},
		{"tls-application-data", []byte{0x17, 3, 3, 0, 1, 0}, false, false},
		{"tls-alert", []byte{0x15, 3, 3, 0, 2, 1, 0}, false, false},
		{"eof", nil, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			client, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			srv, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			if len(c.send) > 0 {
				srv.Write(c.send)
				// Bounds the read that checks nothing was consumed.
				client.SetReadDeadline(time.Now().Add(5 * time.Second))
			}
			if c.close {
				srv.Close()
			}
			// The bytes or the FIN may still be in flight.
			// (testenv, which registers the drivers, cannot be imported
			// from package driver's own tests.)
			got := connAlive(client)
			for deadline := time.Now().Add(5 * time.Second); got != c.alive && time.Now().Before(deadline); got = connAlive(client) {
				time.Sleep(5 * time.Millisecond)
			}
			if got != c.alive {
				t.Fatalf("connAlive = %v; want %v", got, c.alive)
			}
			if len(c.send) > 0 {
				buf := make([]byte, len(c.send))
				if _, err := io.ReadFull(client, buf); err != nil || buf[0] != c.send[0] {
					t.Errorf("after the peek the socket reads %v (%v); want %v", buf, err, c.send)
				}
			}
		})
	}
}
