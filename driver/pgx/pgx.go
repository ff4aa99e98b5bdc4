// Package pgx registers aiodb's guarded driver "aiopgx", over pgx through
// its database/sql adapter (pgx/v5/stdlib), with database/sql when it is
// imported:
//
//	import _ "github.com/aiodb/aiodb/driver/pgx"
//
//	db, err := sql.Open("aiopgx", "postgres://u@127.0.0.1/app?aio_sync=panic")
//
// pgx keeps its own statement cache, so aiodb's is off by default.
// CopyFrom, SendBatch and the Listener run on the *pgx.Conn under each
// connection.
package pgx

import (
	"context"
	"database/sql/driver"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	aiodriver "github.com/aiodb/aiodb/driver"
)

func init() {
	aiodriver.Register(aiodriver.Backend{
		Name:      "aiopgx",
		Dialect:   aiodriver.DialectPostgres,
		Driver:    stdlib.GetDefaultDriver(),
		CacheSize: func(string) int { return 0 }, // pgx caches its own statements
		Cache:     aiodriver.CachePolicy{ServerStatements: true},
		Postgres:  &aiodriver.PostgresBackend{Native: native},
	})
}

// conner is pgx's *stdlib.Conn.
type conner interface{ Conn() *pgx.Conn }

func native(inner driver.Conn) (aiodriver.NativeConn, bool) {
	c, ok := inner.(conner)
	if !ok {
		return nil, false
	}
	return nativeConn{c.Conn()}, true
}

// nativeConn is a *pgx.Conn as aiodriver.NativeConn.
type nativeConn struct{ c *pgx.Conn }

func (n nativeConn) CopyFrom(ctx context.Context, table, columns []string, rows aiodriver.CopyFromSource) (int64, error) {
	return n.c.CopyFrom(ctx, pgx.Identifier(table), columns, rows)
}

func (n nativeConn) SendBatch(ctx context.Context, stmts []aiodriver.BatchStatement) aiodriver.BatchResults {
	var b pgx.Batch
	for _, s := range stmts {
		b.Queue(s.SQL, s.Args...)
	}
	return batchResults{n.c.SendBatch(ctx, &b)}
}

func (n nativeConn) WaitForNotification(ctx context.Context) (*aiodriver.Notification, error) {
	pn, err := n.c.WaitForNotification(ctx)
	if err != nil {
		return nil, err
	}
	return &aiodriver.Notification{PID: pn.PID, Channel: pn.Channel, Payload: pn.Payload}, nil
}

func (n nativeConn) IsClosed() bool { return n.c.IsClosed() }

type batchResults struct{ br pgx.BatchResults }

func (b batchResults) Exec() (int64, error) {
	tag, err := b.br.Exec()
	if err != nil {
		return -1, err
	}
	return tag.RowsAffected(), nil
}

func (b batchResults) Close() error { return b.br.Close() }
