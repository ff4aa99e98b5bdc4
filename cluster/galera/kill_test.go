package galera_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

// galEvent is one acknowledged (or not) write of the kill test.
type galEvent struct {
	ID    int64  `db:"id,pk,auto"`
	Token string `db:"token,unique,size:40"`
	Node  int64  `db:"node"`
}

func (galEvent) TableName() string { return "gal_event" }

const (
	killWriters     = 6   // two per node at the start
	killAfterAcked  = 150 // commits acknowledged before node 3 is killed
	killAckedAfter  = 300 // commits acknowledged after it, then the load stops
	killLoadTimeout = 60 * time.Second
	victim          = 2 // node3, 0-based
)

// killLog is what the writers and the reader saw, under its mutex.
type killLog struct {
	mu          sync.Mutex
	acked       map[string]int // token -> node (0-based) that acknowledged it
	unknown     map[string]error
	ackedAfter  int   // acknowledged after the kill
	writerAfter []int // per writer, acknowledged after the kill
	switches    []int // per writer, moves to another node after an error
	firstErr    []error
	slowest     time.Duration // slowest acknowledged commit
	killAt      chan struct{} // closed at killAfterAcked acknowledged commits
	enough      chan struct{} // closed at killAckedAfter acknowledged after the kill
	killOnce    sync.Once
	enoughOnce  sync.Once
}

// TestNodeKillMidLoad kills node 3 with SIGKILL while six writers insert
// rows through all three nodes, each insert its own Atomic, and a reader
// reads through orm.Replicas (primary node 1, replicas nodes 2 and 3).
//
// A writer whose node fails moves to the next node (a new connection to a
// live node), as an application with a list of cluster addresses does.
// After the load every acknowledged commit must be on both survivors (0
// lost); a commit whose COMMIT failed with the connection may or may not
// be there (its outcome was unknown to the client) and is only counted.
// Every read through Replicas succeeds, and after the kill they go to
// node 2; a new pool to a
// live node works; then node 3 rejoins (IST), has every acknowledged
// commit, and the Replicas reader reads from it again after its cooldown.
func TestNodeKillMidLoad(t *testing.T) {
	c := needCluster(t)
	dbs := c.openAll(t, 4)
	events := createTable[galEvent](t, c, dbs[0])
	models := make([]*orm.Model[galEvent], len(dbs))
	for i, db := range dbs {
		models[i] = orm.MustModel[galEvent](db)
	}
	rdb := c.open(t, 0, 4, orm.Replicas(c.dsn(1), c.dsn(2)), orm.ReplicaCooldown(500*time.Millisecond))
	ctx, cancel := context.WithTimeout(aio.Async(context.Background()), 3*time.Minute)
	defer cancel()

	lg := &killLog{
		acked: map[string]int{}, unknown: map[string]error{},
		writerAfter: make([]int, killWriters), switches: make([]int, killWriters), firstErr: make([]error, killWriters),
		killAt: make(chan struct{}), enough: make(chan struct{}),
	}
	killed := make(chan struct{})
	stop := make(chan struct{})
	var killTime time.Time
	var wg sync.WaitGroup

	// The killer: node 3 dies once killAfterAcked commits are acknowledged.
	wg.Go(func() {
		select {
		case <-lg.killAt:
		case <-stop:
			return
		}
		if err := c.kill(victim); err != nil {
			t.Error(err)
			return
		}
		killTime = time.Now()
		close(killed)
	})

	policy := orm.RetryPolicy{MaxAttempts: 5, BaseDelay: 5 * time.Millisecond}
	for w := range killWriters {
		wg.Go(func() {
			cur := w % len(models)
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				after := isClosed(killed)
				tok := fmt.Sprintf("w%d-%d", w, k)
				node := cur
				m := models[node]
				callCtx, cancelCall := context.WithTimeout(ctx, 20*time.Second)
				began := time.Now()
				err := m.DB().Atomic(callCtx, func(ctx context.Context) error {
					_, err := m.Create(ctx, &galEvent{Token: tok, Node: int64(node + 1)})
					return err
				}, orm.Retry(policy))
				took := time.Since(began)
				cancelCall()
				lg.record(w, tok, node, after, took, err)
				if err != nil {
					cur = (cur + 1) % len(models)
					if ctx.Err() != nil {
						return
					}
				}
			}
		})
	}

	// The reader, through Replicas.
	var readsBefore, readsAfter sync.Map // node name -> *atomic.Int64
	var readErrsBefore, readErrsAfter atomic.Int64
	var firstReadErr atomic.Value
	wg.Go(func() {
		// One read per 2 ms: enough to see where reads go without
		// taking the shared CPU from the writers.
		pace := time.NewTicker(2 * time.Millisecond)
		defer pace.Stop()
		for {
			select {
			case <-stop:
				return
			case <-pace.C:
			}
			after := isClosed(killed)
			callCtx, cancelCall := context.WithTimeout(ctx, 10*time.Second)
			name, err := whichNode(callCtx, rdb)
			cancelCall()
			counts, errs := &readsBefore, &readErrsBefore
			if after {
				counts, errs = &readsAfter, &readErrsAfter
			}
			if err != nil {
				errs.Add(1)
				firstReadErr.CompareAndSwap(nil, fmt.Sprintf("after kill %v: %v", after, err))
				continue
			}
			v, _ := counts.LoadOrStore(name, new(atomic.Int64))
			v.(*atomic.Int64).Add(1)
		}
	})

	load := time.NewTimer(killLoadTimeout)
	select {
	case <-lg.enough:
	case <-load.C:
		t.Errorf("the load did not reach %d acknowledged commits after the kill in %v", killAckedAfter, killLoadTimeout)
	}
	load.Stop()
	close(stop)
	wg.Wait()
	if !isClosed(killed) {
		t.Fatalf("node3 was never killed: only %d commits acknowledged", len(lg.acked))
	}

	survivor := c.admin(t, 0)
	if err := waitClusterSize(ctx, survivor, 2, 30*time.Second); err != nil {
		t.Fatalf("after the kill: %v\n%s", err, c.logs())
	}
	// Every acknowledged commit is on both survivors.
	for i := range 2 {
		lost, unknownThere := c.checkAcked(t, ctx, i, lg)
		t.Logf("node%d: %d acknowledged commits, lost %d; %d of %d commits of unknown outcome are there",
			i+1, len(lg.acked), lost, unknownThere, len(lg.unknown))
		if lost != 0 {
			t.Errorf("node%d lost %d acknowledged commits", i+1, lost)
		}
	}
	t.Logf("acknowledged %d (%d after the kill), unknown outcome %d, slowest acknowledged commit %v; moves to another node per writer %v",
		len(lg.acked), lg.ackedAfter, len(lg.unknown), lg.slowest.Round(time.Millisecond), lg.switches)
	for w := range killWriters {
		if lg.firstErr[w] != nil {
			t.Logf("writer %d's first error: %v", w, lg.firstErr[w])
		}
		if lg.writerAfter[w] == 0 {
			t.Errorf("writer %d made no commit after the kill (errors: %v)", w, lg.firstErr[w])
		}
		if w%len(models) == victim && lg.switches[w] == 0 {
			t.Errorf("writer %d started on node3 but never moved to another node", w)
		}
	}

	// Reads through Replicas went to both replicas before and to the
	// live one after.
	before, afterReads := countsOf(&readsBefore), countsOf(&readsAfter)
	t.Logf("Replicas reads before the kill %v (%d errors), after %v (%d errors); first error: %v",
		before, readErrsBefore.Load(), afterReads, readErrsAfter.Load(), firstReadErr.Load())
	if before["node2"] == 0 || before["node3"] == 0 {
		t.Errorf("before the kill the reads did not use both replicas: %v", before)
	}
	if afterReads["node2"] == 0 {
		t.Errorf("after the kill no read went to the live replica node2: %v", afterReads)
	}
	// A read failing after the kill is one that was in flight on node3:
	// Replicas must run it again on node2 (TestReplicaReadInFlightOnKilledNode
	// makes that case certain).
	if n := readErrsBefore.Load() + readErrsAfter.Load(); n > 0 {
		t.Errorf("%d reads through Replicas failed (first: %v); a replica's failure must move the read to a live node", n, firstReadErr.Load())
	}

	// A new pool to a live node works.
	fresh := c.open(t, 1, 2)
	if _, err := orm.MustModel[galEvent](fresh).Create(ctx, &galEvent{Token: "fresh-pool", Node: 2}); err != nil {
		t.Fatalf("a new pool to node2 after the kill: %v", err)
	}
	lg.acked["fresh-pool"] = 1

	// Node 3 rejoins and has every acknowledged commit.
	rejoin := c.restart(t)
	lost, _ := c.checkAcked(t, ctx, victim, lg)
	t.Logf("node3 rejoined in %v (killed %v before); it has all but %d of %d acknowledged commits",
		rejoin.Round(time.Millisecond), time.Since(killTime).Round(time.Millisecond), lost, len(lg.acked))
	if lost != 0 {
		t.Errorf("the rejoined node3 misses %d acknowledged commits", lost)
	}
	if err := waitClusterSize(ctx, survivor, 3, 30*time.Second); err != nil {
		t.Fatalf("after the rejoin: %v", err)
	}
	// Replicas reads reach node 3 again once its cooldown is over.
	deadline := time.Now().Add(15 * time.Second)
	pace := time.NewTicker(5 * time.Millisecond)
	defer pace.Stop()
	for {
		name, err := whichNode(ctx, rdb)
		if err == nil && name == "node3" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no read went to the rejoined node3 in 15 s (last: %q, %v)", name, err)
		}
		<-pace.C
	}
	if n, err := events.Count(ctx); err != nil || n < int64(len(lg.acked)) {
		t.Errorf("node1 counts %d events (%v), want at least %d", n, err, len(lg.acked))
	}
}

// record notes one writer's call.
func (lg *killLog) record(w int, tok string, node int, after bool, took time.Duration, err error) {
	lg.mu.Lock()
	defer lg.mu.Unlock()
	if err != nil {
		lg.unknown[tok] = err
		lg.switches[w]++
		if lg.firstErr[w] == nil {
			lg.firstErr[w] = fmt.Errorf("node%d: %w", node+1, err)
		}
		return
	}
	lg.acked[tok] = node
	lg.slowest = max(lg.slowest, took)
	if after {
		lg.ackedAfter++
		lg.writerAfter[w]++
		if lg.ackedAfter >= killAckedAfter {
			lg.enoughOnce.Do(func() { close(lg.enough) })
		}
	}
	if len(lg.acked) >= killAfterAcked {
		lg.killOnce.Do(func() { close(lg.killAt) })
	}
}

// checkAcked reads node i's tokens and returns how many acknowledged ones
// are missing and how many of unknown outcome are there.
func (c *cluster) checkAcked(t *testing.T, ctx context.Context, i int, lg *killLog) (lost, unknownThere int) {
	t.Helper()
	rows, err := c.admin(t, i).QueryContext(ctx, "SELECT token FROM gal_event")
	if err != nil {
		t.Fatalf("node%d: %v", i+1, err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var tok string
		if err := rows.Scan(&tok); err != nil {
			t.Fatal(err)
		}
		have[tok] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("node%d: %v", i+1, err)
	}
	for tok := range lg.acked {
		if !have[tok] {
			lost++
		}
	}
	for tok := range lg.unknown {
		if have[tok] {
			unknownThere++
		}
	}
	return lost, unknownThere
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func countsOf(m *sync.Map) map[string]int64 {
	out := map[string]int64{}
	m.Range(func(k, v any) bool {
		out[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	return out
}
