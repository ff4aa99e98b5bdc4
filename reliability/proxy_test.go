package reliability_test

import (
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// proxy is a TCP relay on 127.0.0.1 in front of a test server, the
// network of the fault tests. It can hold new connections for a while
// before it dials the server (a slow connect, so that a context can end
// during it); go silent (partition: every byte either way is dropped and
// new connections are held, nothing is closed, as when a link or a server
// stops answering) and heal; and half-close a connection mid-result
// (halfClose: the next bytes from the server end the client's read side
// with a FIN while the client's own direction stays open).
type proxy struct {
	ln        net.Listener
	target    string
	delay     atomic.Int64 // time.Duration before dialing the server
	silent    atomic.Bool
	refuse    atomic.Bool // new connections are closed at once (a failing connect)
	halfClose atomic.Bool
	healed    chan struct{} // closed by heal; replaced by partition
	done      chan struct{}
	wg        sync.WaitGroup
	mu        sync.Mutex
	conns     map[net.Conn]struct{}
}

// partition makes the proxy silent: relayed bytes are dropped and new
// connections wait, without anything being closed.
func (p *proxy) partition() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.healed = make(chan struct{})
	p.silent.Store(true)
}

// heal ends the partition. The connections that lived through it are
// reset (closed): bytes were lost both ways, and a real network's peers
// would give up on them too. New connections relay again. They are closed
// before the proxy stops being silent: a relay that forwarded again first
// would hand a client the stream's bytes after a gap, which no TCP
// connection does (lib/pq panicked on such a stream in the soak, reading
// a message length from the middle of a message).
func (p *proxy) heal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
	p.silent.Store(false)
	if p.healed != nil {
		close(p.healed)
		p.healed = nil
	}
}

// waitHealed blocks while the proxy is partitioned; false once it closes.
func (p *proxy) waitHealed() bool {
	p.mu.Lock()
	ch := p.healed
	p.mu.Unlock()
	if ch == nil {
		return true
	}
	select {
	case <-ch:
		return true
	case <-p.done:
		return false
	}
}

// pipe copies src to dst, dropping what arrives while the proxy is
// silent; toClient marks the server-to-client direction, which halfClose
// ends with a FIN to the client.
func (p *proxy) pipe(dst, src net.Conn, toClient bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.silent.Load() {
			if toClient && p.halfClose.CompareAndSwap(true, false) {
				// Forward part of the result, then end the direction.
				dst.Write(buf[:n/2])
				if tc, ok := dst.(*net.TCPConn); ok {
					tc.CloseWrite()
				}
				io.Copy(io.Discard, src) // keep the server's side flowing until it closes
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// startProxy relays to target until the test ends; its goroutines all end
// then.
func startProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, done: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	p.wg.Go(p.accept)
	t.Cleanup(p.close)
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.refuse.Load() {
			c.Close()
			continue
		}
		if !p.track(c) {
			return
		}
		p.wg.Go(func() { p.relay(c) })
	}
}

// track remembers c for close; false once the proxy is closing.
func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.done:
		c.Close()
		return false
	default:
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *proxy) relay(client net.Conn) {
	defer client.Close()
	select {
	case <-time.After(time.Duration(p.delay.Load())):
	case <-p.done:
		return
	}
	if !p.waitHealed() {
		return
	}
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	if !p.track(server) {
		return
	}
	defer server.Close()
	var once sync.WaitGroup
	once.Go(func() {
		p.pipe(server, client, false)
		server.Close()
	})
	p.pipe(client, server, true)
	client.Close()
	once.Wait()
}

func (p *proxy) close() {
	p.mu.Lock()
	p.silent.Store(false)
	close(p.done)
	p.ln.Close()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// viaProxy returns s's DSN pointed at a new proxy in front of its server.
func (s server) viaProxy(t testing.TB) (string, *proxy) {
	t.Helper()
	dsn := s.dsn(t)
	if s.driver == "aiomysql" {
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			t.Fatal(err)
		}
		p := startProxy(t, cfg.Addr)
		cfg.Addr = p.addr()
		return cfg.FormatDSN(), p
	}
	u, err := url.Parse(dsn)
	if err != nil || !strings.HasPrefix(dsn, "postgres") {
		t.Fatalf("%s: want a postgres:// URL DSN, got %q (%v)", s.name, dsn, err)
	}
	p := startProxy(t, u.Host)
	u.Host = p.addr()
	return u.String(), p
}
