package interop_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aiodb/aiodb/orm"
)

// exeTable is the table of exeNote, one name per run (a model's table name
// is fixed at its first use).
var exeTable = "iop_exe_" + randomSuffix()

type exeNote struct {
	ID   int64  `db:"id,pk,auto"`
	Body string `db:"body"`
}

func (exeNote) TableName() string { return exeTable }

// DBTX is the interface sqlc generates; orm.Executor satisfies it.
type DBTX interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	PrepareContext(context.Context, string) (*sql.Stmt, error)
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

// Queries stands for sqlc's generated code.
type Queries struct {
	db     DBTX
	dollar bool
}

func (q *Queries) InsertNote(ctx context.Context, body string) error {
	query := "INSERT INTO " + exeTable + " (body) VALUES (?)"
	if q.dollar {
		query = "INSERT INTO " + exeTable + " (body) VALUES ($1)"
	}
	_, err := q.db.ExecContext(ctx, query, body)
	return err
}

// sqlxInsert is sqlx-style code on an orm.Executor: named parameters
// bound by sqlx, rebound for the driver, run on the executor.
func sqlxInsert(ctx context.Context, x orm.Executor, driverName, body string) error {
	q, args, err := sqlx.Named("INSERT INTO "+exeTable+" (body) VALUES (:body)", map[string]any{"body": body})
	if err != nil {
		return err
	}
	_, err = x.ExecContext(ctx, sqlx.Rebind(sqlx.BindType(driverName), q), args...)
	return err
}

// TestExecutorJoinsAtomic: sqlc-style and sqlx-style code given
// db.Executor(ctx) inside orm.Atomic is part of the ORM's transaction: a
// rolled-back Atomic rolls back the ORM's row and both raw rows, and a
// committed one keeps all three; sqlx.StructScan reads *sql.Rows of it.
func TestExecutorJoinsAtomic(t *testing.T) {
	registerSQLxBinds()
	for _, name := range driverNames {
		t.Run(name, func(t *testing.T) {
			db, err := orm.Open(name, dsnFor(t, name, "aio_sync=error"))
			require.NoError(t, err)
			t.Cleanup(func() { db.Close() })
			notes := orm.MustModel[exeNote](db)
			ctx := allowed()
			require.NoError(t, notes.CreateTable(ctx, false))
			dropLater(t, db.SQLDB(), exeTable)

			body := func(ctx context.Context, kind string) error {
				if _, err := notes.Create(ctx, &exeNote{Body: "orm-" + kind}); err != nil {
					return err
				}
				q := &Queries{db: db.Executor(ctx), dollar: dollar(name)}
				if err := q.InsertNote(ctx, "sqlc-"+kind); err != nil {
					return err
				}
				return sqlxInsert(ctx, db.Executor(ctx), name, "sqlx-"+kind)
			}
			boom := errors.New("boom")
			err = db.Atomic(ctx, func(ctx context.Context) error {
				if err := body(ctx, "rolled-back"); err != nil {
					return err
				}
				return boom
			})
			require.ErrorIs(t, err, boom)
			require.NoError(t, db.Atomic(ctx, func(ctx context.Context) error { return body(ctx, "kept") }))

			rows, err := db.Executor(ctx).QueryContext(ctx, "SELECT id, body FROM "+exeTable+" ORDER BY body")
			require.NoError(t, err)
			var got []exeNote
			require.NoError(t, sqlx.StructScan(rows, &got))
			var bodies []string
			for _, n := range got {
				bodies = append(bodies, n.Body)
			}
			assert.Equal(t, []string{"orm-kept", "sqlc-kept", "sqlx-kept"}, bodies)
		})
	}
}
