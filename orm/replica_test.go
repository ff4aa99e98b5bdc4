package orm_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
)

// rrPlace tells where a read landed: each database has its own Src.
type rrPlace struct {
	ID  int64 `db:"id,pk"`
	Src string
}

func (rrPlace) TableName() string { return "rr_place" }

// pgDatabaseDSN returns the test server's DSN for database name, creating
// the database when it does not exist.
func pgDatabaseDSN(t *testing.T, name string) string {
	t.Helper()
	base := testenv.PostgresDSN(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("AIODB_PG_DSN: %v", err)
	}
	if name == "" {
		return base
	}
	admin, err := orm.Open("aiopg", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx := aio.AllowSync(context.Background())
	var exists bool
	if err := admin.SQLDB().QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if !exists {
		// A concurrent run may create it first: 42P04 is fine.
		if _, err := admin.SQLDB().ExecContext(ctx, "CREATE DATABASE "+name); err != nil && pgCode(err) != "42P04" {
			t.Fatalf("CREATE DATABASE %s: %v", name, err)
		}
	}
	u.Path = "/" + name
	return u.String()
}

// fillPlace recreates rr_place in the database of dsn with rows 1..n
// whose Src is src.
func fillPlace(t *testing.T, dsn, src string, n int) {
	t.Helper()
	db, err := orm.Open("aiopg", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := aio.AllowSync(context.Background())
	places := orm.MustModel[rrPlace](db)
	if err := places.DropTable(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := places.CreateTable(ctx, false); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if _, err := places.Create(ctx, &rrPlace{ID: int64(i), Src: src}); err != nil {
			t.Fatal(err)
		}
	}
}

// withHost returns dsn pointing at addr instead of its host and port.
func withHost(t *testing.T, dsn, addr string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = addr
	return u.String()
}

// tcpProxy forwards connections to a server; closing it stands for a
// replica that stopped.
type tcpProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
	// cutAfter, when positive, breaks each connection once that many
	// bytes have come from the server: a server gone mid-result.
	cutAfter int64
	cuts     atomic.Int32
}

func startProxy(t *testing.T, addr, target string) *tcpProxy {
	return startCuttingProxy(t, addr, target, 0)
}

// startCuttingProxy is startProxy whose connections break after cutAfter
// bytes from the server (never when 0).
func startCuttingProxy(t *testing.T, addr, target string, cutAfter int64) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}, cutAfter: cutAfter}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.Close)
	return p
}

func (p *tcpProxy) Addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		if !p.track(c, s) {
			return
		}
		for i, dir := range [2][2]net.Conn{{c, s}, {s, c}} {
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				if fromServer := i == 0; fromServer && p.cutAfter > 0 {
					if n, _ := io.CopyN(dir[0], dir[1], p.cutAfter); n == p.cutAfter {
						p.cuts.Add(1)
					}
				} else {
					_, _ = io.Copy(dir[0], dir[1])
				}
				dir[0].Close()
				dir[1].Close()
			}()
		}
	}
}

// track records a connection pair unless the proxy is closed.
func (p *tcpProxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		for _, c := range cs {
			c.Close()
		}
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

// Close stops listening, cuts every forwarded connection and waits for
// the proxy's goroutines.
func (p *tcpProxy) Close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

// replicaSetup has a primary (database test) and two replicas
// (aiodb_replica1 and aiodb_replica2), each with rr_place rows saying
// where they are: 1 row on the primary, 2 and 3 on the replicas.
type replicaSetup struct {
	primary, replica1, replica2 string
}

func setupReplicas(t *testing.T) replicaSetup {
	t.Helper()
	s := replicaSetup{
		primary:  pgDatabaseDSN(t, ""),
		replica1: pgDatabaseDSN(t, "aiodb_replica1"),
		replica2: pgDatabaseDSN(t, "aiodb_replica2"),
	}
	fillPlace(t, s.primary, "primary", 1)
	fillPlace(t, s.replica1, "replica1", 2)
	fillPlace(t, s.replica2, "replica2", 3)
	return s
}

func openWithReplicas(t *testing.T, driverName, primary string, opts ...orm.Option) (*orm.DB, *orm.Model[rrPlace]) {
	t.Helper()
	db, err := orm.Open(driverName, primary, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, orm.MustModel[rrPlace](db)
}

// whereRead reads row 1 and returns its Src.
func whereRead(t *testing.T, ctx context.Context, places *orm.Model[rrPlace]) string {
	t.Helper()
	p, err := places.GetByPK(ctx, int64(1))
	if err != nil {
		t.Fatalf("GetByPK: %v", err)
	}
	return p.Src
}

func TestIntegrationReplicasReadsAndWrites(t *testing.T) {
	s := setupReplicas(t)
	db, places := openWithReplicas(t, "aiopg", s.primary, orm.Replicas(s.replica1))
	ctx := aio.AllowSync(context.Background())

	if got := whereRead(t, ctx, places); got != "replica1" {
		t.Fatalf("GetByPK read from %s, want replica1", got)
	}
	if n, err := places.Count(ctx); err != nil || n != 2 {
		t.Fatalf("Count = %d, %v; want the replica's 2", n, err)
	}
	all, err := places.Select().Where(orm.Eq("src", "replica1")).All(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("Select.All = %v, %v; want the replica's 2 rows", all, err)
	}
	got, err := aio.Await(ctx, orm.Get[rrPlace](ctx, orm.NewManager(db), orm.Eq("id", 1)))
	if err != nil || got.Src != "replica1" {
		t.Fatalf("Manager Get = %+v, %v; want replica1", got, err)
	}

	// A write goes to the primary; UsePrimary reads it back there.
	if _, err := places.Create(ctx, &rrPlace{ID: 100, Src: "written"}); err != nil {
		t.Fatal(err)
	}
	if p, err := places.GetByPK(orm.UsePrimary(ctx), int64(100)); err != nil || p.Src != "written" {
		t.Fatalf("UsePrimary read = %+v, %v; want the row just written", p, err)
	}
	if p, err := places.GetOrNone(ctx, orm.Eq("id", 100)); err != nil || p != nil {
		t.Fatalf("replica read = %+v, %v; the write must not be on the replica", p, err)
	}
	if got := whereRead(t, orm.UsePrimary(ctx), places); got != "primary" {
		t.Fatalf("UsePrimary read from %s", got)
	}

	// Inside a transaction every read is on the primary.
	err = db.Atomic(ctx, func(ctx context.Context) error {
		if got := whereRead(t, ctx, places); got != "primary" {
			t.Errorf("read in a transaction from %s, want primary", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A locking select is not a read for a replica.
	if locked, err := places.Select().Where(orm.Eq("id", 1)).ForUpdate().All(ctx); err != nil || len(locked) != 1 || locked[0].Src != "primary" {
		t.Fatalf("FOR UPDATE read %+v, %v; want the primary's row", locked, err)
	}
}

func TestIntegrationReplicasRoundRobinAndStoppedReplica(t *testing.T) {
	s := setupReplicas(t)
	// replica2 is reached through a proxy that the test stops.
	u, _ := url.Parse(s.replica2)
	proxy := startProxy(t, "127.0.0.1:0", u.Host)
	viaProxy := withHost(t, s.replica2, proxy.Addr())
	_, places := openWithReplicas(t, "aiopg", s.primary,
		orm.Replicas(s.replica1, viaProxy), orm.ReplicaCooldown(300*time.Millisecond))
	ctx := aio.AllowSync(context.Background())

	count := func(n int) map[string]int {
		seen := map[string]int{}
		for range n {
			seen[whereRead(t, ctx, places)]++
		}
		return seen
	}
	if seen := count(6); seen["replica1"] != 3 || seen["replica2"] != 3 {
		t.Fatalf("6 reads landed %v, want 3 on each replica", seen)
	}

	proxy.Close() // replica2 stops: its pooled connections break too
	if seen := count(6); seen["replica1"] != 6 {
		t.Fatalf("with replica2 stopped, reads landed %v; want all 6 on replica1", seen)
	}

	// Back after the cooldown: a read probes it and it takes reads again.
	startProxy(t, proxy.Addr(), u.Host)
	time.Sleep(400 * time.Millisecond) // the point: past ReplicaCooldown(300ms), which is a time, not an event
	if seen := count(6); seen["replica2"] < 2 {
		t.Fatalf("after replica2 came back, reads landed %v; want it in the rotation again", seen)
	}
}

// TestIntegrationReplicasReadBrokenMidResult: a replica's connection
// breaks after part of a result has arrived, when QueryContext has
// already returned. A read that collects its rows (All, Get, Count, ...)
// is run again from its first row on the next server, here the primary,
// and returns every row once; AioExecute, whose rows have reached the
// caller, returns the error instead of delivering rows twice.
func TestIntegrationReplicasReadBrokenMidResult(t *testing.T) {
	s := setupReplicas(t)
	u, _ := url.Parse(s.replica1)
	const n = 20000 // about 500 KiB of rows: far more than the proxy lets through
	query := "SELECT g AS id, current_database() AS src FROM generate_series(1, " + strconv.Itoa(n) + ") g"
	for _, drv := range []string{"aiopg", "aiopgx"} {
		t.Run(drv, func(t *testing.T) {
			proxy := startCuttingProxy(t, "127.0.0.1:0", u.Host, 64<<10)
			_, places := openWithReplicas(t, drv, s.primary,
				orm.Replicas(withHost(t, s.replica1, proxy.Addr())), orm.ReplicaCooldown(time.Minute))
			ctx := aio.AllowSync(context.Background())

			got, err := places.Raw(query).All(ctx)
			if err != nil {
				t.Fatalf("All with the replica cut mid-result: %v", err)
			}
			if proxy.cuts.Load() == 0 {
				t.Fatal("the proxy cut no connection: the read never reached the replica")
			}
			if len(got) != n || got[0].ID != 1 || got[n-1].ID != n {
				t.Fatalf("All returned %d rows (want %d, ids 1..%d, each once)", len(got), n, n)
			}
			for _, p := range got {
				if p.Src != "test" {
					t.Fatalf("row %d came from %q; want every row from the primary (test)", p.ID, p.Src)
				}
			}

			// A new DB, so that the replica is out of no cooldown: a stream
			// hands rows over as they come, so it cannot start again.
			_, places = openWithReplicas(t, drv, s.primary,
				orm.Replicas(withHost(t, s.replica1, proxy.Addr())), orm.ReplicaCooldown(time.Minute))
			seen := 0
			for r := range places.Raw(query).AioExecute(aio.Async(context.Background())) {
				if err = r.Err; err == nil {
					seen++
				}
			}
			if err == nil || seen == 0 || seen >= n {
				t.Fatalf("AioExecute with the replica cut mid-result: %d rows, err %v; want some rows, then the connection's error", seen, err)
			}
		})
	}
}

func TestIntegrationReplicasAllDownFallBackToPrimary(t *testing.T) {
	s := setupReplicas(t)
	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := withHost(t, s.replica1, ln.Addr().String())
	ln.Close()
	_, places := openWithReplicas(t, "aiopg", s.primary, orm.Replicas(dead))
	ctx := aio.AllowSync(context.Background())
	for range 3 {
		if got := whereRead(t, ctx, places); got != "primary" {
			t.Fatalf("read from %s with the only replica down, want primary", got)
		}
	}
}

func TestIntegrationReplicasManagerCloseAndConnect(t *testing.T) {
	s := setupReplicas(t)
	db, places := openWithReplicas(t, "aiopg", s.primary, orm.Replicas(s.replica1))
	m := orm.NewManager(db)
	ctx := context.Background()
	if _, err := aio.Await(ctx, m.Connect(ctx)); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	actx := aio.AllowSync(ctx)
	if _, err := places.GetByPK(actx, int64(1)); !errors.Is(err, orm.ErrManagerClosed) {
		t.Fatalf("read after Manager.Close: %v, want ErrManagerClosed (the replica is closed too)", err)
	}
	if _, err := aio.Await(ctx, m.Connect(ctx)); err != nil {
		t.Fatal(err)
	}
	if got := whereRead(t, actx, places); got != "replica1" {
		t.Fatalf("after Connect read from %s, want replica1", got)
	}
	reps := db.ReplicaDBs()
	if len(reps) != 1 {
		t.Fatalf("ReplicaDBs = %d pools", len(reps))
	}
	db.Close()
	if err := reps[0].PingContext(actx); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("replica pool after DB.Close: ping = %v, want closed", err)
	}
}

func TestReplicasOptionErrors(t *testing.T) {
	primary, err := orm.Open("aiosqlite", testenv.SQLiteDSN(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Close()
	if _, err := orm.New(primary.SQLDB(), orm.Replicas("x")); err == nil || !strings.Contains(err.Error(), "Replicas") {
		t.Fatalf("New with Replicas: %v", err)
	}
	// A replica DSN the driver rejects is named by position, not echoed.
	_, err = orm.Open("aiosqlite", testenv.SQLiteDSN(t, ""), orm.Replicas(testenv.SQLiteDSN(t, ""), "file:x.db?aio_sync=bogus"))
	if err == nil || !strings.Contains(err.Error(), "Replicas DSN #2") {
		t.Fatalf("bad replica DSN: %v, want an error naming Replicas DSN #2", err)
	}
	// Sync modes must agree, or a read's fate would depend on where it lands.
	_, err = orm.Open("aiosqlite", testenv.SQLiteDSN(t, "aio_sync=panic"), orm.Replicas(testenv.SQLiteDSN(t, "aio_sync=allow")))
	if err == nil || !strings.Contains(err.Error(), "sync guard mode") {
		t.Fatalf("replica with another sync mode: %v", err)
	}
}

func TestReplicasOnSQLite(t *testing.T) {
	// Two SQLite files stand in for a primary and a replica.
	pdsn, rdsn := testenv.SQLiteDSN(t, ""), testenv.SQLiteDSN(t, "")
	ctx := aio.AllowSync(context.Background())
	for _, c := range []struct{ dsn, src string }{{pdsn, "primary"}, {rdsn, "replica"}} {
		db, err := orm.Open("aiosqlite", c.dsn)
		if err != nil {
			t.Fatal(err)
		}
		m := orm.MustModel[rrPlace](db)
		if err := m.CreateTable(ctx, false); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Create(ctx, &rrPlace{ID: 1, Src: c.src}); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	_, places := openWithReplicas(t, "aiosqlite", pdsn, orm.Replicas(rdsn))
	checks := map[string]func(ctx context.Context) (string, error){
		"GetByPK": func(ctx context.Context) (string, error) {
			p, err := places.GetByPK(ctx, int64(1))
			if err != nil {
				return "", err
			}
			return p.Src, nil
		},
		"Scalar": func(ctx context.Context) (string, error) {
			return orm.ScalarAs[string](ctx, places.Select("src"))
		},
		"AioExecute": func(ctx context.Context) (string, error) {
			var src string
			for r := range places.Select().AioExecute(ctx) {
				if r.Err != nil {
					return "", r.Err
				}
				src = r.Value.Src
			}
			return src, nil
		},
		"Raw": func(ctx context.Context) (string, error) {
			return orm.ScalarAs[string](ctx, places.Raw("select src from rr_place"))
		},
	}
	for name, read := range checks {
		if got, err := read(ctx); err != nil || got != "replica" {
			t.Errorf("%s read %q, %v; want replica", name, got, err)
		}
		if got, err := read(orm.UsePrimary(ctx)); err != nil || got != "primary" {
			t.Errorf("%s with UsePrimary read %q, %v; want primary", name, got, err)
		}
	}
	// Writes with RETURNING are not reads, whatever they return.
	if _, err := places.Create(ctx, &rrPlace{ID: 2, Src: "new"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := places.Count(orm.UsePrimary(ctx)); n != 2 {
		t.Fatalf("primary has %d rows after Create, want 2", n)
	}
}

// stmtLog records the statements a hook sees.
type stmtLog struct {
	hooks.Base
	mu    sync.Mutex
	stmts []string
}

func (l *stmtLog) OnStatementStart(ctx context.Context, e *hooks.StatementEvent) context.Context {
	l.mu.Lock()
	l.stmts = append(l.stmts, e.SQL)
	l.mu.Unlock()
	return ctx
}

// TestReplicasKeepGuardAndHooks: a read on a replica passes the same sync
// guard and hooks as one on the primary.
func TestReplicasKeepGuardAndHooks(t *testing.T) {
	pdsn, rdsn := testenv.SQLiteDSN(t, ""), testenv.SQLiteDSN(t, "")
	ctx := aio.AllowSync(context.Background())
	for _, c := range []struct{ dsn, src string }{{pdsn, "primary"}, {rdsn, "replica"}} {
		db, err := orm.Open("aiosqlite", c.dsn)
		if err != nil {
			t.Fatal(err)
		}
		m := orm.MustModel[rrPlace](db)
		if err := m.CreateTable(ctx, false); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Create(ctx, &rrPlace{ID: 1, Src: c.src}); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	log := &stmtLog{}
	_, places := openWithReplicas(t, "aiosqlite", pdsn, orm.Replicas(rdsn),
		orm.SyncMode(driver.SyncError), orm.WithHooks(log))
	if _, err := places.GetByPK(context.Background(), int64(1)); !errors.Is(err, driver.ErrSyncCall) {
		t.Fatalf("sync read under SyncError: %v, want ErrSyncCall from the replica's guard", err)
	}
	if p, err := aio.Await(ctx, places.AioGetByPK(ctx, int64(1))); err != nil || p.Src != "replica" {
		t.Fatalf("AioGetByPK = %+v, %v; want the replica's row", p, err)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.stmts) != 1 || !strings.Contains(log.stmts[0], "rr_place") {
		t.Fatalf("hook saw %q, want the one read sent", log.stmts)
	}
}

// TestIntegrationReplicasMariaDB: database aiodb_replica1 on the same
// MariaDB server stands in for a replica; a second replica on a port
// nothing listens on is skipped.
func TestIntegrationReplicasMariaDB(t *testing.T) {
	base := testenv.MySQLDSN(t)
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		t.Fatalf("AIODB_MYSQL_DSN: %v", err)
	}
	ctx := aio.AllowSync(context.Background())
	admin, err := orm.Open("aiomysql", base)
	if err != nil {
		t.Fatal(err)
	}
	_, err = admin.SQLDB().ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS aiodb_replica1")
	admin.Close()
	if err != nil {
		t.Fatal(err)
	}
	rcfg := cfg.Clone()
	rcfg.DBName = "aiodb_replica1"
	replica := rcfg.FormatDSN()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dcfg := rcfg.Clone()
	dcfg.Addr = ln.Addr().String()
	ln.Close()
	for dsn, src := range map[string]string{base: "primary", replica: "replica1"} {
		db, err := orm.Open("aiomysql", dsn)
		if err != nil {
			t.Fatal(err)
		}
		m := orm.MustModel[rrPlace](db)
		err = errors.Join(m.DropTable(ctx, true), m.CreateTable(ctx, false))
		if err == nil {
			_, err = m.Create(ctx, &rrPlace{ID: 1, Src: src})
		}
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	db, places := openWithReplicas(t, "aiomysql", base, orm.Replicas(dcfg.FormatDSN(), replica))
	t.Cleanup(func() { _ = places.DropTable(ctx, true) })
	for range 4 {
		if got := whereRead(t, ctx, places); got != "replica1" {
			t.Fatalf("read from %s, want replica1 (the dead replica skipped)", got)
		}
	}
	if _, err := places.Create(ctx, &rrPlace{ID: 2, Src: "written"}); err != nil {
		t.Fatal(err)
	}
	if n, err := places.Count(ctx); err != nil || n != 1 {
		t.Fatalf("replica Count = %d, %v; want 1 (the write went to the primary)", n, err)
	}
	err = db.Atomic(ctx, func(ctx context.Context) error {
		n, err := places.Count(ctx)
		if err == nil && n != 2 {
			err = errors.New("read in a transaction did not see the primary's 2 rows")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The replica's table is dropped here; the primary's by the cleanup.
	rdb, err := orm.Open("aiomysql", replica)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if err := orm.MustModel[rrPlace](rdb).DropTable(ctx, true); err != nil {
		t.Fatal(err)
	}
}

// TestReplicasKeepMaxConnectionsIdle: MaxConnections(n) keeps n idle
// connections in each replica's pool, as in the primary's, so a burst of
// reads does not close and reopen replica connections.
func TestReplicasKeepMaxConnectionsIdle(t *testing.T) {
	pdsn, rdsn := testenv.SQLiteDSN(t, ""), testenv.SQLiteDSN(t, "")
	db, err := orm.Open("aiosqlite", pdsn, orm.Replicas(rdsn), orm.MaxConnections(4))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	replica := db.ReplicaDBs()[0]
	ctx := context.Background()
	var conns []*sql.Conn
	for range 4 {
		c, err := replica.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
	if s := replica.Stats(); s.Idle != 4 || s.MaxIdleClosed != 0 {
		t.Fatalf("replica pool after 4 connections were released: %d idle, %d closed for the idle limit; want 4 and 0", s.Idle, s.MaxIdleClosed)
	}
}
