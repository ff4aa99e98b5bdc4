package allowfrom_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/internal/leakcheck"
	"github.com/aiodb/aiodb/internal/testenv"
)

// TestMain names gorm and bun before anything runs, as a program's main
// would, and fails the run on a leaked goroutine.
func TestMain(m *testing.M) {
	driver.AllowSyncFrom("gorm.io/gorm", "github.com/uptrace/bun")
	leakcheck.Main(m)
}

type violations struct {
	hooks.Base
	n int
}

func (v *violations) OnSyncViolation(context.Context, *hooks.SyncViolation) { v.n++ }

type item struct {
	ID   int64 `gorm:"primaryKey;autoIncrement:false" bun:"id,pk"`
	Name string
}

// TestAllowSyncFromGormAndBun: with AllowSyncFrom naming gorm and bun, their
// calls pass on a strict pool without any marked context (nothing is
// refused, no violation fires), while the program's own database/sql
// call is still refused.
func TestAllowSyncFromGormAndBun(t *testing.T) {
	seen := &violations{}
	c, err := driver.OpenConnector("aiopgx", testenv.WithOptions(testenv.PostgresDSN(t), "aio_sync=error"),
		func(o *driver.Options) { o.Hooks = seen })
	require.NoError(t, err)
	sqlDB := sql.OpenDB(c)
	defer sqlDB.Close()
	bg := context.Background()

	b := make([]byte, 4)
	_, err = rand.Read(b)
	require.NoError(t, err)
	tbl := "iop_allow_" + hex.EncodeToString(b)
	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{Logger: logger.Discard})
	require.NoError(t, err)
	require.NoError(t, gdb.Table(tbl).Migrator().CreateTable(&item{}))
	defer func() {
		_, err := sqlDB.ExecContext(aio.AllowSync(bg), "DROP TABLE IF EXISTS "+tbl)
		assert.NoError(t, err)
	}()
	require.NoError(t, gdb.Table(tbl).Create(&item{1, "ada"}).Error)

	bdb := bun.NewDB(sqlDB, pgdialect.New())
	_, err = bdb.NewInsert().Model(&item{2, "ken"}).ModelTableExpr(tbl).Exec(bg)
	require.NoError(t, err)
	var n int
	require.NoError(t, bdb.NewSelect().ModelTableExpr(tbl).ColumnExpr("count(*)").Scan(bg, &n))
	assert.Equal(t, 2, n)
	assert.Zero(t, seen.n, "no sync violation through gorm or bun")

	_, err = sqlDB.ExecContext(bg, "DELETE FROM "+tbl)
	require.ErrorIs(t, err, driver.ErrSyncCall, "the program's own call is still guarded")
}
