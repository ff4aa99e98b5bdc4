package interop_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aiodb/aiodb/driver"
)

// gooseAllowed: driver.AllowSyncFrom named goose, for the process.
var gooseAllowed bool

// writeFile writes a migration into dir.
func writeFile(t *testing.T, dir, name, text string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
}

// TestGooseStrictPool: goose's legacy goose.Up (which runs on
// context.Background()) and goose.UpContext migrate through one strict
// pool once driver.AllowSyncFrom names goose; before that goose is
// refused, naming this file's line. The allowance covers only calls made
// through goose: the program's own unmarked statement is still refused.
func TestGooseStrictPool(t *testing.T) {
	goose.SetLogger(goose.NopLogger())
	t.Cleanup(func() { goose.SetTableName("goose_db_version") })
	for _, c := range []struct{ driver, mode, dialect string }{
		{"aiopg", "panic", "postgres"},
		{"aiomysql", "error", "mysql"},
	} {
		t.Run(c.driver, func(t *testing.T) {
			db, rec := openStrict(t, c.driver, c.mode)
			versions, a, b := tableName(t, "goose_ver"), tableName(t, "goose_a"), tableName(t, "goose_b")
			dropLater(t, db, versions, b, a)
			goose.SetTableName(versions)
			require.NoError(t, goose.SetDialect(c.dialect))
			dir := t.TempDir()
			writeFile(t, dir, "00001_a.sql", "-- +goose Up\nCREATE TABLE "+a+" (id INT PRIMARY KEY);\n-- +goose Down\nDROP TABLE "+a+";\n")

			if !gooseAllowed {
				where := nextLine()
				err := refusal(func() error { return goose.Up(db, dir) })
				requireRefused(t, err, where)
				driver.AllowSyncFrom("github.com/pressly/goose/v3")
				gooseAllowed = true
			}
			require.NoError(t, goose.Up(db, dir))
			writeFile(t, dir, "00002_b.sql", "-- +goose Up\nCREATE TABLE "+b+" (id INT PRIMARY KEY);\nINSERT INTO "+b+" VALUES (1);\n-- +goose Down\nDROP TABLE "+b+";\n")
			require.NoError(t, goose.UpContext(context.Background(), db, dir))

			v, err := goose.GetDBVersionContext(context.Background(), db)
			require.NoError(t, err)
			assert.Equal(t, int64(2), v)
			var n int
			require.NoError(t, db.QueryRowContext(allowed(), "SELECT count(*) FROM "+b).Scan(&n))
			assert.Equal(t, 1, n)
			assert.True(t, rec.saw("CREATE TABLE "+a), "hooks saw goose's statements")
			assert.True(t, rec.saw("INSERT INTO "+b))

			where := nextLine()
			err = refusal(func() error { _, err := db.ExecContext(context.Background(), "DELETE FROM "+b); return err })
			requireRefused(t, err, where)
		})
	}
}
