// Package pg registers aiodb's guarded driver "aiopg", over lib/pq, with
// database/sql when it is imported:
//
//	import _ "github.com/aiodb/aiodb/driver/pg"
//
//	db, err := sql.Open("aiopg", "postgres://u@127.0.0.1/app?aio_sync=panic")
//
// aiopg keeps a statement cache per connection (off when the DSN asks
// lib/pq for binary_parameters=yes, the setting for PgBouncer in
// transaction mode), checks an idle connection's socket before reuse, and
// runs CopyFrom as COPY FROM STDIN and the Listener through lib/pq's
// notification handler. Package pgx registers "aiopgx", the faster path
// over pgx.
package pg

import (
	"database/sql/driver"

	"github.com/lib/pq"

	aiodriver "github.com/aiodb/aiodb/driver"
)

func init() {
	aiodriver.Register(aiodriver.Backend{
		Name:      "aiopg",
		Dialect:   aiodriver.DialectPostgres,
		Driver:    pq.Driver{},
		Connector: connector,
		CacheSize: cacheSize,
		Cache:     aiodriver.CachePolicy{ServerStatements: true, NoArgs: true, BadConnAfterSend: true},
		Postgres:  &aiodriver.PostgresBackend{SetNotificationHandler: setNotificationHandler},
	})
}

// connector is lib/pq's connector with a dialer that records each
// connection's socket, for the liveness check before reuse.
func connector(dsn string) (driver.Connector, error) {
	c, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	c.Dialer(aiodriver.Dialer{})
	return c, nil
}

// cacheSize turns the cache off by default when the DSN asks lib/pq for
// binary_parameters=yes: lib/pq then sends each statement unnamed in one
// round trip, the setting for poolers that cannot keep prepared
// statements (PgBouncer in transaction mode).
func cacheSize(dsn string) int {
	if cfg, err := pq.NewConfig(dsn); err == nil && cfg.BinaryParameters {
		return 0
	}
	return aiodriver.DefaultStmtCacheSize
}

func setNotificationHandler(inner driver.Conn, fn func(*aiodriver.Notification)) {
	if fn == nil {
		pq.SetNotificationHandler(inner, nil)
		return
	}
	pq.SetNotificationHandler(inner, func(n *pq.Notification) {
		fn(&aiodriver.Notification{PID: uint32(n.BePid), Channel: n.Channel, Payload: n.Extra})
	})
}
