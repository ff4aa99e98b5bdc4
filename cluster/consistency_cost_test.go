package cluster_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aiodb/aiodb/orm"
)

// TestReadYourWritesCost measures, with the standby's real streaming lag
// (no apply delay), what a read right after a write sees without the mode,
// and what ReadYourWrites costs a write, a read of a caught-up standby and
// a write+read pair. Each operation is timed alternately on a DB without
// the mode and one with it, and the medians are reported (the machine may
// be shared). The figures go to RELIABILITY.md; the test asserts only that
// no read with the mode misses its write.
func TestReadYourWritesCost(t *testing.T) {
	need(t)
	setup(t)
	const n = 300
	replicas := orm.Replicas(env.standby)
	plain := openDB(t, "aiopgx", env.primary, replicas, orm.MaxConnections(2))
	ryw := openDB(t, "aiopgx", env.primary, replicas, orm.MaxConnections(2), orm.ReadYourWrites(time.Second))
	dbs := [2]*orm.DB{plain, ryw}

	// timed runs op on each DB in turn, n times, and returns each one's
	// median time.
	timed := func(op func(i int, db *orm.DB) error) (med [2]time.Duration) {
		var samples [2][]time.Duration
		for i := range n {
			for k, db := range dbs {
				start := time.Now()
				if err := op(i, db); err != nil {
					t.Fatal(err)
				}
				samples[k] = append(samples[k], time.Since(start))
			}
		}
		for k := range samples {
			slices.Sort(samples[k])
			med[k] = samples[k][n/2].Round(time.Microsecond)
		}
		return med
	}
	write := func(i int, db *orm.DB) error {
		_, err := orm.MustModel[note](db).Create(bg(), &note{Body: fmt.Sprintf("write %d", i)})
		return err
	}
	read := func(_ int, db *orm.DB) error {
		_, err := orm.MustModel[whereAmI](db).Get(bg(), orm.Eq("id", 1))
		return err
	}
	var stale [2]int
	pair := func(i int, db *orm.DB) error {
		notes := orm.MustModel[note](db)
		ctx := orm.Session(bg())
		w := &note{Body: fmt.Sprintf("pair %d", i)}
		if _, err := notes.Create(ctx, w); err != nil {
			return err
		}
		_, err := notes.GetByPK(ctx, w.ID)
		if errors.Is(err, orm.ErrDoesNotExist) {
			if db == ryw {
				stale[1]++
			} else {
				stale[0]++
			}
			return nil
		}
		return err
	}

	timed(read) // warm the pools
	writes := timed(write)
	caughtUp(t) // the standby has ryw's last write: its reads need no check
	reads := timed(read)
	before := ryw.ConsistencyStats()
	pairs := timed(pair)
	st := ryw.ConsistencyStats()
	waited := st.Waited - before.Waited

	t.Logf("median of %d, without the mode / with ReadYourWrites: write (Create) %v / %v; read of a caught-up standby %v / %v; write then read %v / %v",
		n, writes[0], writes[1], reads[0], reads[1], pairs[0], pairs[1])
	t.Logf("write then read: without the mode %d of %d reads stale (%.0f%%); with it %d stale, %d checked the standby, %d waited (%v on average), %d on the primary",
		stale[0], n, 100*float64(stale[0])/n, stale[1], st.Checked-before.Checked, waited, avg(st.WaitTime-before.WaitTime, waited), st.Primary-before.Primary)
	if stale[1] != 0 {
		t.Fatalf("%d reads with ReadYourWrites missed their write", stale[1])
	}
	if before.Checked > 1 { // the first read after the writes asks once
		t.Fatalf("reads of a caught-up standby checked its position: %+v", before)
	}
}
