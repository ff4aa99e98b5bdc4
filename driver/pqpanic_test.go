package driver_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	aiodriver "github.com/aiodb/aiodb/driver"
)

// badPG is a fake PostgreSQL server on 127.0.0.1 that speaks just enough
// of the protocol for lib/pq to connect, then answers each simple query
// with the reply its mode names, after delay:
//   - "frame": a CommandComplete whose length field is 2, below the 4 it
//     must at least be (what lib/pq reads from a stream that lost bytes);
//   - "row": a row description, one good row, then a row whose column is
//     longer than its message;
//   - "ok": a good one-row result or command tag.
//
// A cancel request is read and its connection closed; the extended
// protocol is not spoken (the DSN turns the statement cache off).
type badPG struct {
	ln       net.Listener
	mode     atomic.Value // string
	delay    atomic.Int64 // time.Duration
	sessions atomic.Int64 // startups answered
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    []net.Conn
}

func startBadPG(t *testing.T) *badPG {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &badPG{ln: ln}
	s.mode.Store("ok")
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.wg.Go(func() { s.serve(c) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *badPG) dsn() string {
	return fmt.Sprintf("postgres://u@%s/db?sslmode=disable&aio_sync=allow&aio_stmt_cache=0", s.ln.Addr())
}

// pgMsg frames a backend message.
func pgMsg(typ byte, body ...[]byte) []byte {
	n := 4
	for _, b := range body {
		n += len(b)
	}
	out := []byte{typ, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(out[1:], uint32(n))
	for _, b := range body {
		out = append(out, b...)
	}
	return out
}

func be32(v int32) []byte  { return binary.BigEndian.AppendUint32(nil, uint32(v)) }
func be16(v int16) []byte  { return binary.BigEndian.AppendUint16(nil, uint16(v)) }
func cstr(s string) []byte { return append([]byte(s), 0) }

func (s *badPG) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return
	}
	code := binary.BigEndian.Uint32(hdr[4:])
	rest := make([]byte, binary.BigEndian.Uint32(hdr[:4])-8)
	if _, err := io.ReadFull(r, rest); err != nil || code != 196608 { // protocol 3.0; else a cancel request
		return
	}
	s.sessions.Add(1)
	var out []byte
	out = append(out, pgMsg('R', be32(0))...) // AuthenticationOk
	for _, kv := range [][2]string{{"server_version", "16.0"}, {"client_encoding", "UTF8"}, {"DateStyle", "ISO, MDY"},
		{"integer_datetimes", "on"}, {"standard_conforming_strings", "on"}, {"TimeZone", "UTC"}} {
		out = append(out, pgMsg('S', cstr(kv[0]), cstr(kv[1]))...)
	}
	out = append(out, pgMsg('K', be32(1), be32(2))...)
	out = append(out, pgMsg('Z', []byte{'I'})...)
	if _, err := c.Write(out); err != nil {
		return
	}
	rowDesc := pgMsg('T', be16(1), cstr("v"), be32(0), be16(0), be32(23), be16(4), be32(-1), be16(0))
	for {
		var h [5]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint32(h[1:])-4)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		switch h[0] {
		case 'X':
			return
		case 'Q':
		default:
			continue
		}
		query := string(body)
		time.Sleep(time.Duration(s.delay.Load()))
		ok := []byte{}
		if strings.HasPrefix(query, "SELECT") {
			ok = append(ok, rowDesc...)
			ok = append(ok, pgMsg('D', be16(1), be32(1), []byte("1"))...)
			ok = append(ok, pgMsg('C', cstr("SELECT 1"))...)
		} else {
			ok = append(ok, pgMsg('C', cstr("UPDATE 1"))...)
		}
		ok = append(ok, pgMsg('Z', []byte{'I'})...)
		switch s.mode.Load().(string) {
		case "frame":
			out = []byte{'C', 0, 0, 0, 2}
		case "row":
			out = append(append([]byte{}, rowDesc...), pgMsg('D', be16(1), be32(1), []byte("1"))...)
			out = append(out, pgMsg('D', be16(1), be32(100), []byte("1"))...)
		default:
			out = ok
		}
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}

// TestLibPQPanicBecomesError reproduces the panic the soak saw once on
// aiopg ("runtime error: slice bounds out of range"): lib/pq panics when
// it reads a message it cannot frame, as it does from a stream that lost
// bytes (the soak's proxy forwarded again after a silent partition before
// it reset the connections that lived through it). A fake server answers
// with such messages: a length field below 4 (in Exec and Query) and a
// row whose column runs past its message (in Rows.Next). The wrapper must
// return an error, not let the panic reach the caller: a *PanicError
// matching ErrConnLost (the statement was sent; its outcome is unknown),
// and, when the context had ended, the context's error; the connection
// must be discarded (the next call runs on a new session) and the pool
// stays whole.
func TestLibPQPanicBecomesError(t *testing.T) {
	srv := startBadPG(t)
	db, err := sql.Open("aiopg", srv.dsn())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	bg := context.Background()
	calls := []struct {
		name, mode string
		late       bool // the reply comes after the call's deadline
		run        func(ctx context.Context) error
	}{
		{"exec", "frame", false, func(ctx context.Context) error { _, err := db.ExecContext(ctx, "UPDATE t SET v = 1"); return err }},
		{"query", "frame", false, func(ctx context.Context) error {
			var v int
			return db.QueryRowContext(ctx, "SELECT 1").Scan(&v)
		}},
		{"next", "row", false, func(ctx context.Context) error {
			rows, err := db.QueryContext(ctx, "SELECT v")
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
			}
			return rows.Err()
		}},
		{"exec-late", "frame", true, func(ctx context.Context) error { _, err := db.ExecContext(ctx, "UPDATE t SET v = 1"); return err }},
		{"query-late", "frame", true, func(ctx context.Context) error {
			rows, err := db.QueryContext(ctx, "SELECT 1")
			if err == nil {
				rows.Close()
			}
			return err
		}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			var v int
			first, cancelFirst := context.WithTimeout(bg, 5*time.Second)
			defer cancelFirst()
			if err := db.QueryRowContext(first, "SELECT 1").Scan(&v); err != nil {
				t.Fatalf("a good query first: %v", err)
			}
			sessions := srv.sessions.Load()
			timeout := 5 * time.Second
			if c.late {
				timeout = 50 * time.Millisecond
				srv.delay.Store(int64(150 * time.Millisecond))
			}
			ctx, cancel := context.WithTimeout(bg, timeout)
			defer cancel()
			srv.mode.Store(c.mode)
			var recovered any
			start := time.Now()
			err := func() (err error) {
				defer func() { recovered = recover() }()
				return c.run(ctx)
			}()
			srv.mode.Store("ok")
			srv.delay.Store(0)
			took := time.Since(start)
			t.Logf("%v after %v", err, took.Round(time.Millisecond))
			if took > time.Second {
				t.Errorf("the call took %v: after the panic nothing should wait for the server", took)
			}
			var pe *aiodriver.PanicError
			switch {
			case recovered != nil:
				t.Fatalf("lib/pq's panic reached the caller: %v", recovered)
			case !errors.As(err, &pe):
				t.Errorf("%v; want a *driver.PanicError", err)
			case !errors.Is(err, aiodriver.ErrConnLost):
				t.Errorf("%v does not match ErrConnLost: the statement was sent, its outcome is unknown", err)
			}
			var re interface{ RuntimeError() }
			if pe != nil && !errors.As(err, &re) {
				t.Errorf("%v does not unwrap to lib/pq's runtime error", err)
			}
			if c.late && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%v: the reply came after the deadline; want an error matching context.DeadlineExceeded", err)
			}
			next, cancelNext := context.WithTimeout(bg, 5*time.Second)
			defer cancelNext()
			if err := db.QueryRowContext(next, "SELECT 1").Scan(&v); err != nil {
				t.Errorf("the next query: %v", err)
			}
			if srv.sessions.Load() == sessions {
				t.Errorf("the next query ran on the connection lib/pq panicked on; it must be discarded")
			}
			if st := db.Stats(); st.InUse != 0 || st.OpenConnections > 1 {
				t.Errorf("pool after the panic: %+v", st)
			}
		})
	}
}
