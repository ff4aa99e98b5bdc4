package interop_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/schema"

	"github.com/aiodb/aiodb/driver"
)

type bunItem struct {
	ID   int64  `bun:"id,pk"`
	Name string `bun:"name"`
}

// bunProbeAllowed: driver.AllowSyncFrom names bun's mysqldialect, the one
// allowance bun needs on MySQL: it asks SELECT version() at bun.NewDB
// with a context of its own. It lasts for the process, so the refusal
// before it is checked once.
var bunProbeAllowed bool

// refusal runs fn, which the guard should refuse, and returns the refusal
// whether it came back as an error (aio_sync=error, or BEGIN) or as a
// panic (aio_sync=panic).
func refusal(fn func() error) error {
	var err error
	if p := recovered(func() { err = fn() }); p != nil {
		return p
	}
	return err
}

// TestBunStrictPool: bun over aiopgx (pgdialect) and aiomysql
// (mysqldialect) on one strict pool. Queries run with a context marked
// aio.AllowSync pass and the hooks see bun's statements; an unmarked one
// is refused (an error, or a panic under aio_sync=panic) and the guard
// names this file's line, not bun's frame. On MySQL, bun's version probe
// at NewDB is refused until driver.AllowSyncFrom names mysqldialect.
func TestBunStrictPool(t *testing.T) {
	for _, c := range []struct {
		driver, mode string
		dialect      func() schema.Dialect
	}{
		{"aiopgx", "panic", func() schema.Dialect { return pgdialect.New() }},
		{"aiopgx", "error", func() schema.Dialect { return pgdialect.New() }},
		{"aiomysql", "panic", func() schema.Dialect { return mysqldialect.New() }},
		{"aiomysql", "error", func() schema.Dialect { return mysqldialect.New() }},
	} {
		t.Run(c.driver+"/"+c.mode, func(t *testing.T) {
			sqlDB, rec := openStrict(t, c.driver, c.mode)
			if c.driver == "aiomysql" {
				if c.mode == "panic" && !bunProbeAllowed {
					// Under aio_sync=panic NewDB panics; under error
					// bun only logs that it cannot discover the version.
					where := nextLine()
					err := recovered(func() { bun.NewDB(sqlDB, c.dialect()) })
					requireRefused(t, err, where)
				}
				driver.AllowSyncFrom("github.com/uptrace/bun/dialect/mysqldialect")
				bunProbeAllowed = true
			}
			before := rec.violationCount()
			db := bun.NewDB(sqlDB, c.dialect())
			require.Equal(t, before, rec.violationCount(), "bun.NewDB ran no refused statement")
			if c.driver == "aiomysql" {
				require.True(t, rec.saw("SELECT version()"), "the hooks saw bun's probe")
			}
			ctx := allowed()
			tbl := tableName(t, "bun")
			_, err := db.NewCreateTable().Model((*bunItem)(nil)).ModelTableExpr(tbl).Exec(ctx)
			require.NoError(t, err)
			dropLater(t, sqlDB, tbl)

			_, err = db.NewInsert().Model(&[]bunItem{{1, "ada"}, {2, "ken"}}).ModelTableExpr(tbl).Exec(ctx)
			require.NoError(t, err)
			var got []bunItem
			require.NoError(t, db.NewSelect().Model(&got).ModelTableExpr(tbl+" AS bun_item").Order("id").Scan(ctx))
			assert.Equal(t, []bunItem{{1, "ada"}, {2, "ken"}}, got)
			require.NoError(t, db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				_, err := tx.NewUpdate().Model(&bunItem{ID: 2, Name: "brian"}).ModelTableExpr(tbl + " AS bun_item").WherePK().Exec(ctx)
				return err
			}))
			assert.True(t, rec.saw("INSERT INTO", tbl), "hooks saw bun's INSERT")
			assert.True(t, rec.saw("SELECT", tbl), "hooks saw bun's SELECT")
			assert.True(t, rec.saw("UPDATE", tbl), "hooks saw bun's UPDATE in RunInTx")

			bg := context.Background()
			var n int
			where := nextLine()
			err = refusal(func() error { return db.NewSelect().ModelTableExpr(tbl).ColumnExpr("count(*)").Scan(bg, &n) })
			requireRefused(t, err, where)
			err = refusal(func() error {
				where = nextLine()
				_, err := db.NewDelete().Model((*bunItem)(nil)).ModelTableExpr(tbl).Where("id = 1").Exec(bg)
				return err
			})
			requireRefused(t, err, where)
			require.NoError(t, db.NewSelect().ModelTableExpr(tbl).ColumnExpr("count(*)").Scan(ctx, &n))
			assert.Equal(t, 2, n, "the refused DELETE never ran")
			assert.Equal(t, 2, rec.violationCount()-before, "one violation event per refused call")
		})
	}
}
