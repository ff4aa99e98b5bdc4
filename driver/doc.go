// Package driver is aiodb's guarded database/sql driver: it wraps another
// driver, keeps every feature of it, and adds the sync guard and hooks.
//
// # Registered drivers
//
// Four drivers are registered with database/sql, each by importing its
// package, so that a program links only the drivers it uses:
//
//	aiopg      driver/pg      github.com/lib/pq                DialectPostgres
//	aiopgx     driver/pgx     github.com/jackc/pgx/v5/stdlib   DialectPostgres
//	aiomysql   driver/mysql   github.com/go-sql-driver/mysql   DialectMySQL
//	aiosqlite  driver/sqlite  modernc.org/sqlite               DialectSQLite
//
// driver/all imports the four. So sql.Open("aiosqlite",
// "file:demo.db?aio_sync=panic") works after
// import _ "github.com/aiodb/aiodb/driver/sqlite". OpenConnector does the
// same for sql.OpenDB and lets code set what a DSN cannot hold
// (Options.Hooks, Options.Logger); on a driver whose package was not
// imported it fails with the import to add. A driver package describes
// its driver with a Backend (what its errors mean, how its statements are
// cached, its COPY and LISTEN for PostgreSQL) and calls Register. Wrap and
// NewConnector wrap any other driver or connector, go-sqlmock's included.
// (*sql.DB).Driver() of a guarded pool is a *Driver: DialectOf and
// (*Driver).Options report its dialect and options.
//
// # DSN options
//
// The DSN is the wrapped driver's own DSN plus the wrapper's options,
// which are taken out before the inner driver sees it (lib/pq would send an
// unknown URL key to the server as a run-time parameter, and
// go-sql-driver/mysql as a SET). Every other option is passed on byte for
// byte. The options may be written in each driver's own form:
//
//	postgres://u@h:5432/db?sslmode=disable&aio_sync=panic
//	host=127.0.0.1 dbname=test aio_sync=panic        (values may be 'quoted')
//	root@tcp(127.0.0.1:3306)/test?parseTime=true&aio_sync=warn
//	file:demo.db?aio_sync=panic&_pragma=busy_timeout(1000)
//	:memory:?aio_sync=error
//
// The options are:
//
//	aio_sync=allow|warn|error|panic   the guard's mode (Options.Sync)
//	aio_stmt_cache=N                  prepared statements kept per connection,
//	                                  0 = no cache (Options.StmtCacheSize)
//
// An unknown aio_ option, an option given twice or a bad value is an
// error naming the option, returned by sql.Open / OpenConnector.
//
// # SQLite defaults
//
// modernc.org/sqlite opens a connection with SQLite's own defaults, which
// suit one connection: a statement that meets another connection's lock
// fails at once with SQLITE_BUSY, foreign keys are not enforced, and each
// connection to ":memory:" is a database of its own. A *sql.DB is a pool,
// so aiosqlite adds to every DSN what a pool needs, each only when the DSN
// does not set it itself (in any of modernc's spellings, _pragma=name(...)
// or the shorthand keys):
//
//	_pragma=busy_timeout(5000)   wait up to 5s for a lock (SQLiteBusyTimeoutMillis);
//	                             the wait also ends with the statement's context,
//	                             whose error is then returned
//	_pragma=foreign_keys(1)      enforce REFERENCES, as PostgreSQL and MySQL do:
//	                             a referenced row cannot be deleted
//	_txlock=immediate            BEGIN IMMEDIATE: a transaction takes the write
//	                             lock when it begins, so one that reads and then
//	                             writes (GetOrCreate, Atomic) waits its turn at
//	                             BEGIN rather than failing with SQLITE_BUSY on
//	                             the lock upgrade, which no wait can grant;
//	                             read-only transactions still BEGIN DEFERRED
//	_pragma=journal_mode(WAL)    files only: readers and the writer do not block
//	                             each other (the setting stays with the file)
//	_pragma=synchronous(NORMAL)  only with the WAL added here: no fsync per
//	                             commit; a commit may be lost on power failure,
//	                             never on a crash of the program, and the file
//	                             is never corrupted
//
// To turn one off, set it in the DSN: _pragma=foreign_keys(0),
// _txlock=deferred, _pragma=journal_mode(DELETE) (which also keeps
// synchronous at SQLite's FULL), _pragma=busy_timeout(0).
//
// An in-memory database (":memory:", "", "file::memory:", mode=memory) is
// opened in SQLite's memdb VFS instead, where the pool's connections share
// it with ordinary locking: one database per *sql.DB, which lives until
// the *sql.DB is closed (the connector keeps a connection of its own to
// it). A named shared-cache database ("file:name?mode=memory&cache=shared")
// stays shared by name across the process, without the shared cache,
// whose table locks fail with SQLITE_LOCKED instead of waiting.
//
// # The sync guard
//
// A statement is async when its context was marked by MarkAsync (package
// aio marks the contexts of its goroutines) or allowed by AllowSync; any
// other statement is a sync call, and Options.Sync decides:
//
//   - SyncAllow runs it (the default);
//   - SyncWarn runs it, logs the SQL and the caller's file:line through
//     log/slog (Options.Logger, else slog.Default()) at level WARN, and
//     fires Hooks.OnSyncViolation;
//   - SyncError fails it with a *SyncCallError (errors.Is(err,
//     ErrSyncCall)); nothing is sent to the server;
//   - SyncPanic panics with a *SyncCallError; nothing is sent to the server.
//
// The caller is the first stack frame outside database/sql and aiodb's
// driver, aio and orm packages (frames in _test.go files always count);
// SkipCallerPackages adds others, such as a query builder or ORM between
// the user's code and database/sql. Well-known libraries are skipped
// already: sqlx, bun, gorm and its drivers, ent, squirrel, goqu, scany,
// bob, xorm, goose, golang-migrate, and wrapping drivers such as otelsql
// (guard_libraries.go has the list). A frame between database/sql and this
// driver is never named: it belongs to a wrapping driver. Check gives the guard's decision to a
// layer that must make it before database/sql takes a connection, and a
// context from Internal carries the statements aiodb runs on its own
// behalf through the guard, with hooks seeing them marked Internal.
// OnSyncViolation fires under warn, error and panic; its Mode says which.
//
// # Other libraries
//
// The guard lets through what the program marks: a context from
// AllowSync (aio.AllowSync) for one call, such as gorm's
// db.WithContext(aio.AllowSync(ctx)) or a bun query's Scan(ctx), and
// AllowSyncFrom for a library that makes its own contexts: a migration
// tool (goose's legacy API, golang-migrate) or gorm's MySQL dialector,
// whose version probe at gorm.Open runs with context.Background():
//
//	driver.AllowSyncFrom("gorm.io/driver/mysql", "github.com/pressly/goose/v3")
//
// bun's MySQL dialect probes the same way at bun.NewDB
// ("github.com/uptrace/bun/dialect/mysqldialect"). AllowSyncFrom naming a
// dialect package lets only its probe through; the program's gorm and bun
// calls are still guarded, so one strict pool serves them all.
//
// sqlx chooses its placeholders by driver name and knows none of aiodb's
// (Rebind, NamedExec and sqlx.In then leave "?", which PostgreSQL
// refuses), so register them once, before sqlx.Open or sqlx.NewDb (for
// aiomysql and aiosqlite, whose "?" sqlx leaves as it is anyway, the call
// only states it):
//
//	sqlx.BindDriver("aiopg", sqlx.DOLLAR)
//	sqlx.BindDriver("aiopgx", sqlx.DOLLAR)
//	sqlx.BindDriver("aiomysql", sqlx.QUESTION)
//	sqlx.BindDriver("aiosqlite", sqlx.QUESTION)
//
// A tracing driver in front (otelsql.Open("aiopg", dsn)) hides this
// driver from (*sql.DB).Driver(), so orm.New needs orm.WithDialect; the
// guard still works (its mode comes from the DSN), but orm cannot see
// SyncPanic, so a sync BEGIN is returned as the driver's error rather than
// panicked by orm. golang-migrate's WithInstance closes the *sql.DB at
// m.Close; postgres.WithConnection on a *sql.Conn of the pool leaves the
// pool open (and never call m.Drop on a shared database: it drops every
// table of the schema). The module
// github.com/aiodb/aiodb/interop tests each of these.
//
// # Panic safety
//
// database/sql leaks the pooled connection when a driver panics in some
// methods: QueryContext (queryDC releases the connection only on
// return), BeginTx (beginDC), Stmt execution, ResetSession, IsValid,
// Connect, Commit and Rollback. It is safe to panic in ExecContext and
// PrepareContext, whose callers execDC and prepareDC release the
// connection in a defer, and in Rows.Next and Rows.Columns, where Row.Scan
// and the caller's deferred rows.Close release it. So under SyncPanic:
//
//   - Exec and Prepare panic at once;
//   - Query returns, without touching the inner connection, rows whose
//     Next and Columns panic: QueryRow(...).Scan panics, and so does
//     rows.Next after Query (a caller that closes the rows without reading
//     them sees nothing, and nothing was sent);
//   - BeginTx returns the *SyncCallError as an error and does not panic,
//     since a panic there would lose a pool slot for good; package orm
//     panics itself before it calls BeginTx;
//   - (*sql.Stmt).Exec with a sync context returns the error, for the
//     same reason (it does not release its connection on a panic), and so
//     does a Prepare that database/sql makes on its own (re-preparing a
//     *sql.Stmt on another connection, Tx.Stmt); (*sql.Stmt).Query
//     behaves as Query above.
//
// A thousand recovered panics on a pool of two connections leave the pool
// whole; inside a transaction begun with an allowed context, a sync
// statement panics and Rollback still releases the connection.
//
// # Hooks
//
// Options.Hooks (a hooks.Hook; nil means none, and then no event is built
// and nothing is timed) sees:
//
//   - OnConnect for each new physical connection, with its duration and
//     error; OnReset when database/sql reuses one; OnClose;
//   - OnConnectStart before connecting and OnTxStart before BEGIN when the
//     hook implements hooks.ConnectStarter or hooks.TxStarter (asserted
//     once, by the connector): the contexts they return reach the inner
//     driver and the matching OnConnect and OnTx, and a transaction's
//     context is kept with it until COMMIT or ROLLBACK (its statements'
//     events carry it as TxContext);
//   - OnTx for begin, commit and rollback, and for SAVEPOINT, RELEASE
//     [SAVEPOINT] and ROLLBACK TO [SAVEPOINT] recognised in the SQL of an
//     Exec (any case, after whitespace and comments);
//   - OnStatementStart and OnStatementEnd with the same
//     *hooks.StatementEvent: a query ends when its rows are closed, with
//     Rows the number of rows read; an exec ends with the rows affected.
//     The context OnStatementStart returns is the one the inner driver
//     and OnStatementEnd get;
//   - OnSyncViolation, described above.
//
// Every connection has a ConnID unique in the process. When the inner
// driver answers driver.ErrSkip (go-sql-driver/mysql with arguments and
// interpolateParams off) or lacks ExecerContext/QueryerContext, the wrapper
// prepares, runs and closes the statement itself, so database/sql does not
// fall back and the hooks see one statement. Errors of the inner driver
// are returned unchanged, so *pq.Error, *mysql.MySQLError and the like
// still match.
//
// # Statement cache
//
// Each connection keeps the statements it runs prepared on the inner
// connection, up to aio_stmt_cache of them (least recently used out
// first), so that a repeated statement is bound and run in one round trip
// without being parsed and planned again. lib/pq otherwise sends every
// statement with arguments as an unnamed prepare (two round trips, parsed
// and planned each time), and go-sql-driver/mysql prepares and closes a
// statement per query. The defaults:
//
//	aiopg      on, DefaultStmtCacheSize; off when the DSN has binary_parameters=yes
//	aiopgx     off: pgx keeps its own per-connection statement cache
//	aiomysql   on, DefaultStmtCacheSize; off when the DSN has interpolateParams=true
//	aiosqlite  on, DefaultStmtCacheSize (modernc.org/sqlite prepares = parses)
//	Wrap, NewConnector: off unless Options.StmtCacheSize is set (< 0: the default)
//
// An explicit aio_stmt_cache or Options.StmtCacheSize always wins. The
// figures behind these defaults are in the README's Performance section.
//
// Only statements that run through the connection (Exec and Query, not a
// user's Prepare) and whose first keyword is SELECT, INSERT, UPDATE,
// DELETE, WITH, VALUES or REPLACE are cached, when they are a single
// statement; DDL, SET, LISTEN, COPY, transaction control and several
// statements in one text pass straight to the inner driver. Statements
// with arguments are prepared at their first use. Statements without are
// cached only on aiopg and aiosqlite, where a prepared statement still
// saves the parse and plan (not on aiomysql: go-sql-driver/mysql would read
// their rows in the binary protocol, whose Go types differ from the text
// protocol's), and only from their second use, so that texts with values
// written into them do not churn the cache. While rows are open on a
// connection, other statements on it bypass the cache, and the inner
// driver handles them as it would without the wrapper.
//
// The cache is invisible to database/sql and to hooks: one statement event
// per statement, hit or miss, with StatementEvent.Cached true when the
// statement ran on a statement prepared by an earlier call (false on the
// first use, after a re-prepare and for statements passed through).
//
// When the server refuses a cached statement after a schema change
// (PostgreSQL: "cached plan must not change result type", SQLSTATE 0A000,
// or 26000 after DISCARD ALL; MySQL errors 1615 and 1243), the statement
// is dropped and, outside a transaction, prepared again and run once more
// before any row is returned: the caller and the hooks see one successful
// statement. Inside a transaction the error is returned as it is (the
// PostgreSQL transaction is aborted anyway) and the next use prepares
// afresh. MariaDB and SQLite re-prepare such statements on their own.
//
// Statements pushed out of the cache are closed at once (for lib/pq that
// is one round trip; size the cache above the number of distinct
// statements an application runs), or, if rows are still reading from
// them, when those rows close. Closing a connection drops its cache; the
// server frees PostgreSQL and MySQL statements with the session, SQLite's
// and other drivers' statements are closed first.
//
// Bounds: statements count against MySQL's max_prepared_stmt_count
// (16382 by default, for the whole server), so the pool's connections
// times aio_stmt_cache, plus what other clients prepare, must stay under
// it; DefaultStmtCacheSize (100) fits 163 connections. PostgreSQL has no
// such limit; each prepared statement holds its plan in the backend's
// memory. PostgreSQL plans a named prepared statement with its arguments
// for the first five runs and may then switch to a generic plan, as it
// does for pgx; plan_cache_mode=force_custom_plan (lib/pq passes it to
// the server from the DSN) keeps custom plans.
//
// Poolers that cannot keep prepared statements, such as PgBouncer in
// transaction mode: use aio_stmt_cache=0, and with aiopg lib/pq's
// binary_parameters=yes, which sends each statement unnamed with its
// arguments in one round trip (the cache is then off unless
// aio_stmt_cache asks for it).
//
// # Broken connections
//
// database/sql runs a statement again on another connection when the
// driver answers driver.ErrBadConn, which is only safe when nothing
// reached the server. pgx and go-sql-driver/mysql keep to that; lib/pq
// also answers it after sending (a FATAL error such as a killed backend's,
// or EOF), so aiopg returns an error matching ErrConnLost there instead:
// the statement, or COMMIT, is not run twice and the caller learns that
// its outcome is unknown. lib/pq also gives up the connection when a
// statement's context ends; that error matches the context's error too
// (context.DeadlineExceeded or context.Canceled), so a caller checking for
// its deadline sees it. To still replace connections that died while
// idle (a server restart) without an error, aiopg peeks at the socket
// before database/sql reuses a connection, and ends a connect at the
// context's deadline, which lib/pq alone does not watch during its
// startup exchange.
//
// # COPY, LISTEN/NOTIFY and batches
//
// PostgreSQL's features that database/sql has no method for run through
// the guard and the hooks too, on a *sql.DB or a *sql.Conn (ConnTarget;
// a *sql.Tx does not hand out its connection, so begin the transaction on
// a *sql.Conn instead):
//
//   - CopyFrom loads rows with COPY FROM STDIN (pgx's CopyFrom on
//     aiopgx, lib/pq's COPY statements on aiopg): one statement for the
//     guard and one event for the hooks, Rows the rows copied;
//   - a Listener holds a connection of its own for LISTEN and UNLISTEN
//     (statements the hooks see) and waits for notifications, one at a
//     time with WaitForNotification or on the Notifications channel;
//     Notify sends one. A lost connection is reported (ErrConnLost), not
//     reconnected;
//   - SendBatch sends a Batch of statements in one round trip (aiopgx
//     only): the guard checks once, hooks see every statement.
//
// On other drivers they fail with an error naming the driver
// (ErrNotPostgres; ErrNoBatch for SendBatch on aiopg). Package orm's
// CopyFrom loads a model's rows.
//
// # Reaching the inner connection
//
// The wrapper implements each optional interface of database/sql/driver
// the inner driver has (IsValid and the deprecated ColumnConverter only
// when the inner connection or statement has them, as database/sql
// behaves differently with them), so nothing falls back to a slower
// path. For driver-specific methods, (*sql.Conn).Raw passes the wrapper's
// connection; InnerConn (or its Unwrap method) returns the inner one:
//
//	conn.Raw(func(dc any) error {
//		pgxConn := driver.InnerConn(dc).(*stdlib.Conn).Conn()
//		...
//	})
//
// lib/pq's CopyIn works through aiopg as it does through lib/pq: prepare
// pq.CopyIn(...) in a transaction, Exec each row, then Exec with no
// arguments to flush.
package driver
