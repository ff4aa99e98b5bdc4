// Package ormpgx runs aiodb's ORM on a pgx pool (*pgxpool.Pool), with no
// database/sql in between: the fastest way to PostgreSQL that aiodb has.
// Models, the query builder, the Aio twins, transactions bound to the
// context, savepoints, retries, Prefetch and the Manager work as they do
// on orm.Open; the DB it returns is an *orm.DB.
//
//	db, err := ormpgx.Open(ctx, "postgres://app@127.0.0.1:5432/shop?pool_max_conns=16&aio_sync=panic")
//	if err != nil { ... }
//	defer db.Close()
//	books := orm.MustModel[Book](db)
//	b, err := aio.Await(ctx, books.AioGet(ctx, orm.Eq("isbn", isbn)))
//
// # Opening
//
// Open parses pgxpool's DSN (pgx's settings, pool_max_conns and the rest)
// with aiodb's aio_sync option; OpenConfig takes a *pgxpool.Config you
// built; New takes a pool made elsewhere and leaves it open on Close.
// orm's options apply: SyncMode, WithHooks, WithLogger, MaxConnections
// (the pool's MaxConns), WithDialect, ErrorValues, RegisterHStore. The
// pool connects lazily: a bad host shows at the first statement.
//
// # The sync guard
//
// Every statement the ORM sends, and every BEGIN, passes the guard first
// (driver.Guard), with the mode of aio_sync or orm.SyncMode: a statement
// whose context aio marked neither async nor AllowSync runs (allow), runs
// and is logged with its caller (warn), fails with an error matching
// driver.ErrSyncCall (error) or panics with a *driver.SyncCallError
// (panic). Under error and panic nothing is sent and no connection is
// taken. The same guard checks Executor's statements and those of the
// *sql.DB that DB.SQLDB returns. Statements sent on Pool(db) directly are
// pgx's own and the guard does not see them.
//
// # Hooks
//
// A Tracer turns pgx's tracer interfaces (query, connect, copy, pool
// acquire and release) into aiodb's hooks events, so that the hooks of
// orm.WithHooks (aiodb's slog logger, Stats, contrib/otel, contrib/prometheus)
// see what they see on database/sql: connections opened, reused and
// closed, each statement with its SQL, arguments, duration and rows, and
// BEGIN, COMMIT, ROLLBACK and savepoints as transaction events. Open and
// OpenConfig install it beside the config's own tracer; for a pool made
// elsewhere, set its ConnConfig.Tracer to NewTracer(h) (and BeforeClose to
// the Tracer's) before pgxpool.NewWithConfig. A statement's Kind comes
// from its first word, since pgx's tracer does not say whether Query or
// Exec ran it.
//
// # Transactions
//
// Atomic, Transaction, Savepoint and BeginContext run on a pgx.Tx, with
// orm's options (Isolation, ReadOnly, Retry). As on database/sql, a
// transaction whose Begin context ends before it is committed or rolled
// back is rolled back (once its running statement is done) and its
// connection goes back to the pool; its later statements fail with an
// error matching sql.ErrTxDone.
//
// # Hand-written SQL
//
// Executor returns what hand-written pgx code (sqlc's output too) must run
// on to join the ORM's work: the pgx.Tx of the transaction ctx carries, or
// the pool; its statements pass the guard. DB.SQLDB is a guarded *sql.DB
// on the same pool's connections, for database/sql code outside
// transactions: migrations (orm/migrate), CopyFrom, DDL. DB.Executor works
// outside transactions only, since the transaction is pgx's, not a
// *sql.Tx.
//
// # What differs from database/sql
//
//   - Replicas is refused: the DB reads from its own pool.
//   - Manager.Close closes the pool for good; Connect then fails.
//   - sql.Result.LastInsertId fails, as it does on PostgreSQL anyway: the
//     ORM reads keys with RETURNING.
//   - Results come in the formats pgx's database/sql adapter asks for
//     (binary for numbers, booleans, bytea, dates and timestamps; text for
//     the rest), so the ORM's column types scan alike on both paths, and
//     Maps, Tuples and Scalar read into any what database/sql over pgx
//     gives (int64 for every integer, a numeric's text).
//   - DB.Close waits for connections in use to come back, as
//     pgxpool.Pool.Close does; database/sql's Close returns at once.
//   - A statement's hooks.StatementEvent.Cached is always false: pgx's
//     statement cache is its own.
package ormpgx
