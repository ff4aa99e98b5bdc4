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

// proxy is a TCP relay on 127.0.0.1 in front of a test server that can
// hold new connections for a while before it dials the server: the way to
// make a driver's connect slow, so that a context can end during it.
type proxy struct {
	ln     net.Listener
	target string
	delay  atomic.Int64 // time.Duration before dialing the server
	done   chan struct{}
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
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
		io.Copy(server, client)
		server.Close()
	})
	io.Copy(client, server)
	client.Close()
	once.Wait()
}

func (p *proxy) close() {
	p.mu.Lock()
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
