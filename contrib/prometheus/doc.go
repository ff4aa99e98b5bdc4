// Package aioprom (import path github.com/aiodb/aiodb/contrib/prometheus)
// exports the events of aiodb's guarded driver and a *sql.DB's pool
// statistics as Prometheus metrics. It is a module of its own, so aiodb
// itself does not depend on the Prometheus client.
//
// # Setup
//
// New returns a Hook, which is also a prometheus.Collector: set it as the
// driver's Options.Hooks (alone or in a hooks.Chain) and register it.
// NewDBStatsCollector reads sql.DBStats when the registry is scraped:
//
//	h := aioprom.New()
//	c, err := driver.OpenConnector("aiopg", dsn, func(o *driver.Options) { o.Hooks = h })
//	db := sql.OpenDB(c)
//	prometheus.MustRegister(h, aioprom.NewDBStatsCollector(db, "main"))
//
// One Hook may serve several databases: the driver label tells them apart
// by driver, WithConstLabels by anything else (give each its own Hook and
// registry labels then).
//
// # Metrics of the hook
//
// Names are under the namespace "aiodb" (WithNamespace changes it):
//
//	aiodb_statements_total{driver,operation,outcome}          counter
//	aiodb_statement_duration_seconds{driver,operation,outcome} histogram
//	aiodb_transactions_total{driver,kind,outcome}              counter
//	aiodb_connects_total{driver,outcome}                       counter
//	aiodb_connect_duration_seconds{driver}                     histogram
//	aiodb_connections_closed_total{driver}                     counter
//	aiodb_sync_violations_total{mode}                          counter
//
// driver is the registered driver name (aiopg, aiopgx, aiomysql,
// aiosqlite); operation is query, exec or prepare; outcome is ok, error, or
// canceled when the caller's context ended (cancelled or past its
// deadline), so that cancelled requests are not counted as database
// errors; kind is begin, commit, rollback, savepoint, release_savepoint or
// rollback_to_savepoint. The statement histogram's buckets are those of
// hooks.LatencyBounds, 50us to 1s, unless WithBuckets gives others.
//
// # Cardinality
//
// Every label has a small, fixed set of values: the SQL text is never a
// label. WithVerbLabel adds a verb label, the statement's first keyword
// (SELECT, INSERT, ...), for a breakdown that stays bounded.
//
// # Pool statistics
//
// NewDBStatsCollector exports sql.DBStats under aiodb_db_*, with a db
// label: max_open_connections, open_connections, in_use_connections,
// idle_connections (gauges), and wait_count_total,
// wait_duration_seconds_total, max_idle_closed_total,
// max_idle_time_closed_total and max_lifetime_closed_total (counters).
package aioprom
