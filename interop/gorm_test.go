package interop_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/aiodb/aiodb/driver"
)

type gormItem struct {
	ID   int64 `gorm:"primaryKey;autoIncrement:false"`
	Name string
}

// gormProbeAllowed: driver.AllowSyncFrom("gorm.io/driver/mysql") was
// called, the one allowance gorm needs on MySQL: its dialector asks
// SELECT VERSION() at gorm.Open with context.Background(). It lasts for
// the process, so the refusal before it is checked once.
var gormProbeAllowed bool

// TestGormStrictPool: gorm's postgres dialector over an aiopgx *sql.DB and
// its mysql dialector over an aiomysql one, each on one strict pool. Calls
// made with db.WithContext(aio.AllowSync(ctx)) pass, transactions
// included, and the hooks see gorm's statements; unmarked ones are refused
// and the guard names this file's line, not gorm's. On MySQL gorm.Open's
// version probe is refused until driver.AllowSyncFrom names
// gorm.io/driver/mysql, which lets nothing else of gorm through.
func TestGormStrictPool(t *testing.T) {
	for _, c := range []struct{ driver, mode string }{
		{"aiopgx", "panic"}, {"aiopgx", "error"}, {"aiomysql", "panic"}, {"aiomysql", "error"},
	} {
		t.Run(c.driver+"/"+c.mode, func(t *testing.T) {
			sqlDB, rec := openStrict(t, c.driver, c.mode)
			dialector := func() gorm.Dialector {
				if c.driver == "aiomysql" {
					return mysql.New(mysql.Config{Conn: sqlDB})
				}
				return postgres.New(postgres.Config{Conn: sqlDB})
			}
			cfg := &gorm.Config{Logger: logger.Discard}
			if c.driver == "aiomysql" && !gormProbeAllowed {
				where := nextLine()
				err := refusal(func() error { _, err := gorm.Open(dialector(), cfg); return err })
				requireRefused(t, err, where)
				driver.AllowSyncFrom("gorm.io/driver/mysql")
				gormProbeAllowed = true
			}
			before := rec.violationCount()
			db, err := gorm.Open(dialector(), cfg)
			require.NoError(t, err)
			require.Equal(t, before, rec.violationCount(), "gorm.Open ran no refused statement")

			ctx := allowed()
			tbl := tableName(t, "gorm")
			g := db.WithContext(ctx).Table(tbl)
			require.NoError(t, g.Migrator().CreateTable(&gormItem{}))
			dropLater(t, sqlDB, tbl)

			require.NoError(t, db.WithContext(ctx).Table(tbl).Create(&[]gormItem{{1, "ada"}, {2, "ken"}}).Error)
			require.NoError(t, db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				return tx.Table(tbl).Where("id = ?", 2).Update("name", "brian").Error
			}))
			var got []gormItem
			require.NoError(t, db.WithContext(ctx).Table(tbl).Order("id").Find(&got).Error)
			assert.Equal(t, []gormItem{{1, "ada"}, {2, "brian"}}, got)
			assert.True(t, rec.saw("INSERT INTO", tbl), "hooks saw gorm's INSERT")
			assert.True(t, rec.saw("UPDATE", tbl), "hooks saw gorm's UPDATE in a transaction")
			assert.True(t, rec.saw("SELECT", tbl), "hooks saw gorm's SELECT")

			var one gormItem
			where := nextLine()
			err = refusal(func() error { return db.Table(tbl).First(&one).Error })
			requireRefused(t, err, where)
			where = nextLine()
			err = refusal(func() error { return db.WithContext(context.Background()).Table(tbl).Create(&gormItem{3, "rob"}).Error })
			requireRefused(t, err, where)
			where = nextLine()
			err = refusal(func() error { return db.Table(tbl).Where("id = ?", 1).Update("name", "x").Error })
			requireRefused(t, err, where)

			var n int64
			require.NoError(t, db.WithContext(ctx).Table(tbl).Count(&n).Error)
			assert.Equal(t, int64(2), n, "the refused calls never ran")
			assert.Equal(t, 3, rec.violationCount()-before, "one violation event per refused call")
		})
	}
}
