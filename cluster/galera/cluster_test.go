package galera_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

// cluster is a running three-node cluster started by scripts/galera.sh.
type cluster struct {
	dir       string
	addrs     []string // client address of node i+1
	startTook time.Duration
}

// basePort is the script's GALERA_BASE_PORT: node N listens for clients
// on base+10N+1.
func basePort() int {
	if p, err := strconv.Atoi(os.Getenv("GALERA_BASE_PORT")); err == nil {
		return p
	}
	return 25600
}

// dsn is an aiomysql DSN for node i (0-based). The timeouts bound a call
// to a node that stopped answering; extra is appended as DSN parameters.
func (c *cluster) dsn(i int, extra ...string) string {
	params := append([]string{"timeout=3s", "readTimeout=30s", "writeTimeout=30s"}, extra...)
	return "root@tcp(" + c.addrs[i] + ")/test?" + strings.Join(params, "&")
}

// open opens an ORM pool of at most n connections on node i, closed when
// the test ends.
func (c *cluster) open(t testing.TB, i, n int, opts ...orm.Option) *orm.DB {
	t.Helper()
	db, err := orm.Open("aiomysql", c.dsn(i), append([]orm.Option{orm.MaxConnections(n)}, opts...)...)
	if err != nil {
		t.Fatalf("orm.Open(node%d): %v", i+1, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openAll opens one pool of n connections on each node.
func (c *cluster) openAll(t testing.TB, n int) []*orm.DB {
	t.Helper()
	dbs := make([]*orm.DB, len(c.addrs))
	for i := range dbs {
		dbs[i] = c.open(t, i, n)
	}
	return dbs
}

// admin opens a separate plain pool on node i for checks. Its sessions
// set wsrep_sync_wait=1, so a read waits until the node has applied
// every write the cluster committed before it: what a check must see.
func (c *cluster) admin(t testing.TB, i int) *sql.DB {
	t.Helper()
	db, err := sql.Open("aiomysql", c.dsn(i, "wsrep_sync_wait=1"))
	if err != nil {
		t.Fatalf("sql.Open(node%d): %v", i+1, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// pid returns node i's mariadbd pid from its pid file.
func (c *cluster) pid(i int) (int, error) {
	b, err := os.ReadFile(filepath.Join(c.dir, fmt.Sprintf("node%d", i+1), "mariadbd.pid"))
	if err != nil {
		return 0, fmt.Errorf("node%d's pid: %w", i+1, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("node%d's pid file: %w", i+1, err)
	}
	return pid, nil
}

// kill ends node i with SIGKILL: no shutdown, no goodbye to the cluster,
// as when a machine dies. It may be called from any goroutine.
func (c *cluster) kill(i int) error {
	pid, err := c.pid(i)
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill node%d (pid %d): %w", i+1, pid, err)
	}
	return nil
}

// restart starts the nodes that are not running; they rejoin the cluster
// (IST or SST) and the call returns once they are synced. A node that
// cannot rejoin fails t with the nodes' logs.
func (c *cluster) restart(t testing.TB) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	if _, err := runScript(ctx, "start", c.dir); err != nil {
		t.Fatalf("rejoining the cluster: %v", err)
	}
	return time.Since(start)
}

// logs returns the nodes' error logs, for a failure message.
func (c *cluster) logs() string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := runScript(ctx, "logs", c.dir)
	if err != nil {
		return err.Error()
	}
	return out
}

// status reads one wsrep status variable of the node behind db.
func status(ctx context.Context, db *sql.DB, name string) (string, error) {
	var v string
	err := db.QueryRowContext(ctx, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = ?", strings.ToUpper(name)).Scan(&v)
	return v, err
}

// waitClusterSize waits up to d until the node behind db sees a primary
// component of want nodes. There is no event to wait on: it asks every
// 100 ms.
func waitClusterSize(ctx context.Context, db *sql.DB, want int, d time.Duration) error {
	deadline := time.Now().Add(d)
	var last string
	for {
		size, err := status(ctx, db, "wsrep_cluster_size")
		prim, err2 := status(ctx, db, "wsrep_cluster_status")
		if err == nil && err2 == nil && size == strconv.Itoa(want) && prim == "Primary" {
			return nil
		}
		last = fmt.Sprintf("size %q status %q (%v, %v)", size, prim, err, err2)
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster size not %d after %v: %s", want, d, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// createTable (re)creates T's table through db, then waits until every
// node has it: DDL replicates in total order (TOI), but a node may still
// be applying it when the originating node returns.
func createTable[T any](t testing.TB, c *cluster, db *orm.DB) *orm.Model[T] {
	t.Helper()
	m := orm.MustModel[T](db)
	ctx, cancel := context.WithTimeout(aio.AllowSync(context.Background()), 60*time.Second)
	defer cancel()
	if err := m.DropTable(ctx, true); err != nil {
		t.Fatalf("drop %s: %v", m.Table().Name, err)
	}
	if err := m.CreateTable(ctx, false); err != nil {
		t.Fatalf("create %s: %v", m.Table().Name, err)
	}
	for i := range c.addrs {
		var n int
		if err := c.admin(t, i).QueryRowContext(ctx, "SELECT COUNT(*) FROM "+m.Table().Name).Scan(&n); err != nil {
			t.Fatalf("node%d does not have table %s: %v", i+1, m.Table().Name, err)
		}
	}
	return m
}

// waitRow waits until every node has row id of table. A commit returns
// once the cluster has certified it; the other nodes apply it a moment
// later, so a transaction started there right away could miss the row.
// The admin pools' wsrep_sync_wait makes each read wait for the apply.
func waitRow(t testing.TB, c *cluster, table string, id int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range c.addrs {
		var n int
		if err := c.admin(t, i).QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table+" WHERE id = ?", id).Scan(&n); err != nil || n != 1 {
			t.Fatalf("node%d: row %d of %s: count %d, %v", i+1, id, table, n, err)
		}
	}
}

// mysqlErrno returns the server's error number err carries, or 0.
func mysqlErrno(err error) uint16 {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}

// nodeName is the answer of SELECT @@wsrep_node_name: which node ran a
// read.
type nodeName struct {
	Name string `db:"name,pk"`
}

func (nodeName) TableName() string { return "node_name" }

// whichNode runs a read through db and returns the node that served it.
func whichNode(ctx context.Context, db *orm.DB) (string, error) {
	r, err := orm.MustModel[nodeName](db).Raw("SELECT @@wsrep_node_name AS name").One(ctx)
	if err != nil {
		return "", err
	}
	return r.Name, nil
}
