// Package aiootel (import path github.com/aiodb/aiodb/contrib/otel) turns
// the events of aiodb's guarded driver into OpenTelemetry spans and
// metrics. It is a module of its own, so aiodb itself does not depend on
// OpenTelemetry.
//
// # Setup
//
// New returns a hooks.Hook; set it as the driver's Options.Hooks, alone or
// in a hooks.Chain:
//
//	h := aiootel.New(aiootel.WithDSN("aiopg", dsn))
//	c, err := driver.OpenConnector("aiopg", dsn, func(o *driver.Options) { o.Hooks = h })
//	db := sql.OpenDB(c)
//
// The tracer and meter come from the global providers unless
// WithTracerProvider and WithMeterProvider give others.
//
// # Spans
//
// Every statement is a client span named after its operation (SELECT,
// INSERT, ...), a child of the span in the caller's context. A query's span
// ends when its rows are closed. A transaction is a span from before BEGIN
// to the end of COMMIT or ROLLBACK (hooks.TxStarter); the statements run in
// it are its children, unless the caller's context carries a span started
// inside the transaction, which then is their parent. A transaction never
// committed or rolled back ends when database/sql rolls it back because its
// context ended. Opening a physical connection is a span too
// (hooks.ConnectStarter); it has no parent when database/sql connects in
// the background.
//
// # Attributes
//
// Spans carry the attributes of OpenTelemetry's database semantic
// conventions: db.system.name (postgresql, mysql, mariadb with
// WithSystem, sqlite), db.query.text (the statement's text, with its
// placeholders: bound values are not in it), db.operation.name,
// db.namespace, server.address and server.port (from WithDSN or
// WithServer), db.response.returned_rows for a query,
// db.response.status_code (the SQLSTATE, when the error has one) and
// error.type. aiodb adds aiodb.conn_id, aiodb.async, aiodb.stmt_cache_hit,
// aiodb.rows_affected and aiodb.internal.
//
// Bound argument values are never recorded unless WithArgs asks for them
// (db.query.parameter.<index or name>): they may hold personal data.
// WithoutQueryText leaves the statement text out as well, for programs
// that write values into it.
//
// # Errors
//
// A failed statement, BEGIN, COMMIT, ROLLBACK or connect sets the span's
// status to Error and records the error as an event. error.type is
// "context.Canceled" or "context.DeadlineExceeded" when the caller's
// context ended, so a cancelled request is told from a database error,
// otherwise the error's Go type (for example *pq.Error).
//
// # Metrics
//
// db.client.operation.duration, a histogram in seconds with the semantic
// convention's buckets, records every statement with db.system.name,
// db.operation.name, server.address, server.port and error.type. Its
// meter is a no-op until a MeterProvider is set.
package aiootel
