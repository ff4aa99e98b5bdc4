package orm_test

import (
	"context"
	"database/sql"
	"math"
	"os"
	"os/exec"
	"runtime/debug"
	"testing"

	aiodriver "github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/fakedb"
	"github.com/aiodb/aiodb/orm"
)

// The query builder's commonest chains build their query value on the
// caller's stack: they allocate no more than the model method doing the
// same work (plus the condition Eq returns). A query value that points
// into itself escapes to the heap; this test catches one coming back.
//
// It measures in a process of its own (the test binary run again for this
// test alone): allocations are counted process-wide, and goroutines that
// earlier tests of the package left winding down allocate meanwhile. Under
// the race detector that process is a build without it (go test), since
// the detector's sync.Pool drops pooled values at random and the chains
// use more pooled values than the methods.
func TestBuilderChainsAllocLikeModelMethods(t *testing.T) {
	if os.Getenv(allocChildEnv) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBuilderChainsAllocLikeModelMethods$", "-test.count=1", "-test.v")
		if raceEnabled {
			gobin, err := exec.LookPath("go")
			if err != nil {
				t.Skip("under -race the measure needs a build without it, and there is no go command")
			}
			cmd = exec.Command(gobin, "test", "-count=1", "-run=^TestBuilderChainsAllocLikeModelMethods$", "-v", ".")
		}
		cmd.Env = append(os.Environ(), allocChildEnv+"=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("the measuring process failed: %v\n%s", err, out)
		}
		return
	}
	fake := fakedb.New(benchCols, benchRows(1))
	c, err := aiodriver.Wrap(fake, aiodriver.Options{Dialect: aiodriver.DialectPostgres}).OpenConnector("")
	if err != nil {
		t.Fatal(err)
	}
	sqlDB := sql.OpenDB(c)
	defer sqlDB.Close()
	db, err := orm.New(sqlDB)
	if err != nil {
		t.Fatal(err)
	}
	users := orm.MustModel[benchUser](db)
	ctx := context.Background()
	row := benchNewUser()
	row.ID = 1

	allocs := func(name string, fn func() error) float64 {
		t.Helper()
		if err := fn(); err != nil { // warms the statement caches
			t.Fatalf("%s: %v", name, err)
		}
		// AllocsPerRun counts the whole process's allocations, and
		// goroutines other tests left behind may allocate meanwhile: they
		// only add, so the least of a few measurements is the call's.
		// A collection empties the sync.Pools the query path draws from,
		// and on a loaded machine one may fall inside every measurement:
		// with the collector off, a pooled value is reused as in a steady
		// service instead of counted as a fresh allocation.
		defer debug.SetGCPercent(debug.SetGCPercent(-1))
		least := math.Inf(1)
		for range 5 {
			least = min(least, testing.AllocsPerRun(100, func() {
				if err := fn(); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}))
		}
		return least
	}
	// atMost reports whether chain allocates no more than model plus
	// slack. The two are measured in turns, up to five rounds, keeping
	// each one's least: noise from other goroutines of the process (under
	// -race, with other packages' tests running beside) only adds, so a
	// chain that escapes fails every round while a noisy round is outvoted.
	atMost := func(chainName string, chain func() error, modelName string, model func() error, slack float64) (float64, float64, bool) {
		c, m := math.Inf(1), math.Inf(1)
		for range 5 {
			m = min(m, allocs(modelName, model))
			c = min(c, allocs(chainName, chain))
			if c <= m+slack {
				return c, m, true
			}
		}
		return c, m, false
	}
	save := func() error { _, err := users.Save(ctx, row); return err }
	update := func() error {
		_, err := users.Update().SetFrom(row).WherePK(row).Exec(ctx)
		return err
	}
	if u, sv, ok := atMost("Update().SetFrom().WherePK().Exec", update, "Save", save, 0); !ok {
		t.Errorf("Update().SetFrom(row).WherePK(row).Exec allocates %.0f times, Save %.0f: the UpdateQuery escaped", u, sv)
	}
	get := func() error { _, err := users.GetByPK(ctx, int64(1)); return err }
	one := func() error {
		_, err := users.Select().Where(orm.Eq("id", int64(1))).One(ctx)
		return err
	}
	if o, g, ok := atMost("Select().Where(Eq).One", one, "GetByPK", get, 1); !ok {
		t.Errorf("Select().Where(Eq(...)).One allocates %.0f times, GetByPK %.0f: the SelectQuery escaped", o, g)
	}
}

// allocChildEnv marks the process TestBuilderChainsAllocLikeModelMethods
// starts to measure in.
const allocChildEnv = "AIODB_ALLOC_TEST_CHILD"
