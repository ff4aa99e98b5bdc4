package interop_test

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// registerSQLxBinds is the call driver/doc.go and the README document:
// sqlx picks placeholders by driver name and knows none of aiodb's.
func registerSQLxBinds() {
	sqlx.BindDriver("aiopg", sqlx.DOLLAR)
	sqlx.BindDriver("aiopgx", sqlx.DOLLAR)
	sqlx.BindDriver("aiomysql", sqlx.QUESTION)
	sqlx.BindDriver("aiosqlite", sqlx.QUESTION)
}

var driverNames = []string{"aiosqlite", "aiopg", "aiopgx", "aiomysql"}

type sqlxPerson struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// TestSQLxOnEveryDriver: after the documented BindDriver calls, sqlx.Open
// on each aiodb name rebinds to the server's placeholders, and NamedExec,
// sqlx.In, Get and Select work on a strict pool when the calls are marked;
// an unmarked one is refused naming this file's line, not sqlx's.
func TestSQLxOnEveryDriver(t *testing.T) {
	registerSQLxBinds()
	for _, name := range driverNames {
		t.Run(name, func(t *testing.T) {
			db, err := sqlx.Open(name, dsnFor(t, name, "aio_sync=error"))
			require.NoError(t, err)
			t.Cleanup(func() { db.Close() })
			ctx := allowed()

			want := "SELECT * FROM t WHERE a = ? AND b = ?"
			if dollar(name) {
				want = "SELECT * FROM t WHERE a = $1 AND b = $2"
			}
			require.Equal(t, want, db.Rebind("SELECT * FROM t WHERE a = ? AND b = ?"))

			tbl := tableName(t, "sqlx")
			_, err = db.ExecContext(ctx, "CREATE TABLE "+tbl+" (id BIGINT PRIMARY KEY, name VARCHAR(50) NOT NULL)")
			require.NoError(t, err)
			dropLater(t, db.DB, tbl)

			people := []sqlxPerson{{1, "ada"}, {2, "brian"}, {3, "ken"}}
			_, err = db.NamedExecContext(ctx, "INSERT INTO "+tbl+" (id, name) VALUES (:id, :name)", people)
			require.NoError(t, err)

			q, args, err := sqlx.In("SELECT id, name FROM "+tbl+" WHERE id IN (?) ORDER BY id", []int64{1, 3})
			require.NoError(t, err)
			var got []sqlxPerson
			require.NoError(t, db.SelectContext(ctx, &got, db.Rebind(q), args...))
			assert.Equal(t, []sqlxPerson{{1, "ada"}, {3, "ken"}}, got)

			var one sqlxPerson
			require.NoError(t, db.GetContext(ctx, &one, db.Rebind("SELECT id, name FROM "+tbl+" WHERE name = ?"), "brian"))
			assert.Equal(t, sqlxPerson{2, "brian"}, one)

			where := nextLine()
			err = db.GetContext(context.Background(), &one, db.Rebind("SELECT id, name FROM "+tbl+" WHERE id = ?"), 1)
			requireRefused(t, err, where)
		})
	}
}
