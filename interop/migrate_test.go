package interop_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	"github.com/golang-migrate/migrate/v4/database/postgres"
	_ "github.com/golang-migrate/migrate/v4/source/file"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aiodb/aiodb/driver"
)

// migrateDir writes two golang-migrate migrations creating and filling a.
func migrateDir(t *testing.T, a string) string {
	dir := t.TempDir()
	writeFile(t, dir, "1_a.up.sql", "CREATE TABLE "+a+" (id INT PRIMARY KEY);")
	writeFile(t, dir, "1_a.down.sql", "DROP TABLE "+a+";")
	writeFile(t, dir, "2_fill.up.sql", "INSERT INTO "+a+" VALUES (1), (2);")
	writeFile(t, dir, "2_fill.down.sql", "DELETE FROM "+a+";")
	return "file://" + dir
}

// TestMigrateStrictPool: golang-migrate's postgres driver, which runs its
// statements on context.Background(), migrates through one strict aiopgx
// pool once driver.AllowSyncFrom names golang-migrate, and the hooks see
// its statements. With WithInstance, m.Close closes the *sql.DB it was
// given; WithConnection on a *sql.Conn of the pool leaves the pool open.
func TestMigrateStrictPool(t *testing.T) {
	driver.AllowSyncFrom("github.com/golang-migrate/migrate/v4")
	run := func(t *testing.T, db *sql.DB, rec *recorder, drv func(versions string) (database.Driver, error)) {
		versions, a := tableName(t, "migrate_ver"), tableName(t, "migrate_a")
		// A pool of its own drops the tables: WithInstance's Close closes db.
		// Never m.Drop(): it drops every table of the schema, other
		// suites' included.
		admin, _ := openStrict(t, "aiopgx", "error")
		dropLater(t, admin, versions, a)
		d, err := drv(versions)
		require.NoError(t, err)
		m, err := migrate.NewWithDatabaseInstance(migrateDir(t, a), "postgres", d)
		require.NoError(t, err)
		require.NoError(t, m.Up())
		v, dirty, err := m.Version()
		require.NoError(t, err)
		assert.Equal(t, uint(2), v)
		assert.False(t, dirty)
		var n int
		require.NoError(t, db.QueryRowContext(allowed(), "SELECT count(*) FROM "+a).Scan(&n))
		assert.Equal(t, 2, n)
		assert.True(t, rec.saw("CREATE TABLE "+a), "hooks saw golang-migrate's statements")
		assert.Zero(t, rec.violationCount())
		require.NoError(t, m.Down())
		assert.False(t, rec.saw("DROP TABLE IF EXISTS"), "nothing dropped beyond the down migrations")
		srcErr, dbErr := m.Close()
		require.NoError(t, srcErr)
		require.NoError(t, dbErr)
	}

	t.Run("WithInstance", func(t *testing.T) {
		db, rec := openStrict(t, "aiopgx", "error")
		run(t, db, rec, func(versions string) (database.Driver, error) {
			return postgres.WithInstance(db, &postgres.Config{MigrationsTable: versions})
		})
		require.ErrorContains(t, db.PingContext(allowed()), "database is closed", "m.Close closed the pool given to WithInstance")
	})
	t.Run("WithConnection", func(t *testing.T) {
		db, rec := openStrict(t, "aiopgx", "panic")
		ctx := allowed()
		run(t, db, rec, func(versions string) (database.Driver, error) {
			conn, err := db.Conn(ctx)
			if err != nil {
				return nil, err
			}
			return postgres.WithConnection(ctx, conn, &postgres.Config{MigrationsTable: versions})
		})
		require.NoError(t, db.PingContext(ctx), "the pool is still open")
		where := nextLine()
		err := refusal(func() error { _, err := db.ExecContext(context.Background(), "SELECT 1"); return err })
		requireRefused(t, err, where)
	})
}
