package orm_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm"
)

// maCycA and maCycB refer to each other: no creation order exists.
type maCycA struct {
	ID  int64 `db:"id,pk,auto"`
	BID int64 `db:"b_id,fk:ma_cyc_b"`
}

func (maCycA) TableName() string { return "ma_cyc_a" }

type maCycB struct {
	ID  int64 `db:"id,pk,auto"`
	AID int64 `db:"a_id,fk:ma_cyc_a"`
}

func (maCycB) TableName() string { return "ma_cyc_b" }

// TestModelTables: TableExists, Truncate, DropTables in foreign key
// order, a cycle refused before anything is created, and the guard on
// DDL run with a plain context.
func TestModelTables(t *testing.T) {
	maEach(t, func(t *testing.T, env *maEnv) {
		ctx := context.Background()
		for _, m := range []interface {
			TableExists(context.Context) (bool, error)
		}{env.items, env.alphas, env.gammas} {
			if ok, err := m.TableExists(env.sync); err != nil || !ok {
				t.Errorf("TableExists after CreateTables = %v, %v", ok, err)
			}
		}
		// CreateTables again: IF NOT EXISTS.
		if err := orm.CreateTables(env.sync, env.db, env.alphas, env.betas); err != nil {
			t.Errorf("CreateTables of existing tables: %v", err)
		}

		for n := range 3 {
			maAwait(t, env.nums.AioCreate(ctx, &maNum{Num: n}))
		}
		if err := env.nums.Truncate(env.sync); err != nil {
			t.Fatal(err)
		}
		if n := maAwait(t, env.nums.AioCount(ctx)); n != 0 {
			t.Errorf("%d rows after Truncate", n)
		}

		cycA, cycB := orm.MustModel[maCycA](env.db), orm.MustModel[maCycB](env.db)
		err := orm.CreateTables(env.sync, env.db, env.nums, cycA, cycB)
		if err == nil || !strings.Contains(err.Error(), "cycle") || !strings.Contains(err.Error(), "ma_cyc_a") || !strings.Contains(err.Error(), "ma_cyc_b") {
			t.Errorf("CreateTables of a cycle: %v", err)
		}
		if ok, _ := cycA.TableExists(env.sync); ok {
			t.Error("the cycle's tables were created")
		}

		// DDL is sync by design: a plain context is refused by the guard.
		func() {
			defer func() {
				var sce *driver.SyncCallError
				if err, _ := recover().(error); !errors.As(err, &sce) {
					t.Errorf("CreateTable with a plain context under panic mode: recovered %v", err)
				}
			}()
			env.nums.CreateTable(ctx, true)
		}()

		// Parents first: DropTables reorders, children go first.
		if err := orm.DropTables(env.sync, env.db, env.alphas, env.betas, env.gammas, env.deltas); err != nil {
			t.Fatal(err)
		}
		for _, m := range []interface {
			TableExists(context.Context) (bool, error)
		}{env.alphas, env.betas, env.gammas, env.deltas} {
			if ok, err := m.TableExists(env.sync); err != nil || ok {
				t.Errorf("TableExists after DropTables = %v, %v", ok, err)
			}
		}
		if err := env.alphas.DropTable(env.sync, true); err != nil {
			t.Errorf("DropTable(ifExists) of a missing table: %v", err)
		}
		if err := env.alphas.DropTable(env.sync, false); err == nil {
			t.Error("DropTable of a missing table: no error")
		}
		if err := env.alphas.CreateTable(env.sync, false); err != nil {
			t.Errorf("CreateTable: %v", err)
		}
	})
}
