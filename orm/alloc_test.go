package orm_test

import (
	"context"
	"database/sql"
	"math"
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
func TestBuilderChainsAllocLikeModelMethods(t *testing.T) {
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
	save := allocs("Save", func() error { _, err := users.Save(ctx, row); return err })
	update := allocs("Update().SetFrom().WherePK().Exec", func() error {
		_, err := users.Update().SetFrom(row).WherePK(row).Exec(ctx)
		return err
	})
	if update > save {
		t.Errorf("Update().SetFrom(row).WherePK(row).Exec allocates %.0f times, Save %.0f: the UpdateQuery escaped", update, save)
	}
	get := allocs("GetByPK", func() error { _, err := users.GetByPK(ctx, int64(1)); return err })
	one := allocs("Select().Where(Eq).One", func() error {
		_, err := users.Select().Where(orm.Eq("id", int64(1))).One(ctx)
		return err
	})
	if one > get+1 {
		t.Errorf("Select().Where(Eq(...)).One allocates %.0f times, GetByPK %.0f: the SelectQuery escaped", one, get)
	}
}
