package galera_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

// TestReplicaReadInFlightOnKilledNode kills a replica while a read runs
// on it. orm.Replicas promises that a read whose replica connection fails
// is tried on the next replica, and a read is safe to run again even when
// it reached the server. Two slow reads are started at once through
// Replicas(node2, node3) (round robin gives one to each); once node3's
// process list shows its read running, node3 is killed. Both reads must
// succeed, served by node2.
//
// go-sql-driver/mysql reports a connection that breaks while it waits for
// the answer as mysql.ErrInvalidConn ("invalid connection"), a plain
// error that is neither a net.Error nor driver.ErrBadConn, so
// orm/replica.go's isConnError must know it for the read to move on.
func TestReplicaReadInFlightOnKilledNode(t *testing.T) {
	c := needCluster(t)
	rdb := c.open(t, 0, 2, orm.Replicas(c.dsn(1), c.dsn(2)))
	watch := c.admin(t, victim)
	ctx, cancel := context.WithTimeout(aio.Async(context.Background()), 2*time.Minute)
	defer cancel()
	// Every node answers before the test starts, so neither replica is
	// marked down.
	for i := range c.addrs {
		if err := c.admin(t, i).PingContext(ctx); err != nil {
			t.Fatalf("node%d: %v", i+1, err)
		}
	}

	const marker = "gal_inflight_read"
	names := orm.MustModel[nodeName](rdb)
	slow := func() <-chan aio.Result[*nodeName] {
		return names.Raw("SELECT @@wsrep_node_name AS name, SLEEP(2) AS z /* " + marker + " */").
			IgnoreUnknownColumns().AioOne(ctx)
	}
	reads := []<-chan aio.Result[*nodeName]{slow(), slow()}
	if err := waitRunning(ctx, watch, marker, 10*time.Second); err != nil {
		for _, ch := range reads {
			aio.Await(ctx, ch)
		}
		t.Fatalf("node3 never ran one of the two reads: %v", err)
	}
	if err := c.kill(victim); err != nil {
		for _, ch := range reads {
			aio.Await(ctx, ch)
		}
		t.Fatal(err)
	}

	for i, ch := range reads {
		r, err := aio.Await(ctx, ch)
		if err != nil {
			t.Errorf("read %d: a read in flight on the killed replica failed instead of moving to the live one: %v",
				i+1, err)
			continue
		}
		t.Logf("read %d served by %s", i+1, r.Name)
		if r.Name != "node2" {
			t.Errorf("read %d served by %s, want node2 (the live replica)", i+1, r.Name)
		}
	}

	took := c.restart(t)
	t.Logf("node3 rejoined in %v", took.Round(time.Millisecond))
	if err := waitClusterSize(ctx, c.admin(t, 0), 3, 30*time.Second); err != nil {
		t.Fatalf("after the rejoin: %v", err)
	}
}

// waitRunning waits up to d until the node behind db runs a statement
// containing marker. There is no event to wait on: it asks every 10 ms.
func waitRunning(ctx context.Context, db *sql.DB, marker string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		var n int
		err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE CONCAT('%', ?, '%') AND INFO NOT LIKE '%PROCESSLIST%'", marker).Scan(&n)
		if err == nil && n > 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return context.DeadlineExceeded
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
