// Package benchmarks measures aiodb beside hand-written database/sql code,
// pgx without database/sql, bun, gorm and sqlx. It is a module of its own
// so that the aiodb module never depends on those peers.
//
// Every library runs the same five operations on its own ten-column table
// (bench_<lib>_model): Insert (one row), InsertMulti (100 rows in one
// statement), Update (one row by primary key), Read (one row by primary key)
// and ReadSlice (100 rows). Each runs on a do-nothing driver (package
// nopdriver: the client's cost alone), on PostgreSQL (AIODB_PG_DSN), on
// MariaDB/MySQL (AIODB_MYSQL_DSN) and, where the library supports it, on
// the embedded SQLite; server benchmarks skip when their DSN is unset.
//
// The reads vary their key: each table holds 1,100 rows, the i-th Read
// gets the row of key i mod 1,000 (from the first id) and the i-th
// ReadSlice the 100 rows after it (WHERE id > key LIMIT 100), so a
// library that writes values into its SQL text (bun) sends 1,000 distinct
// texts, as in an application, instead of one that pgx's statement cache
// keeps prepared. Every library sends LIMIT as an integer literal: aiodb,
// bun and the hand-written code do so themselves, and gorm, which binds
// it, is given a clause builder that writes it. The values in WHERE are
// bound by all but bun.
//
// The baselines, each measured in the same passes as what is compared
// with it (cmd/chart writes a section per baseline):
//   - PostgreSQL: hand-written database/sql over pgx's stdlib (pgx keeps
//     each statement prepared per connection), and pgx without
//     database/sql: sqlc-style code (the functions sqlc generates, written
//     by hand) over a pgxpool.Pool (Pgx/pg/pool) and over one pgx.Conn
//     (Pgx/pg/conn), what a Go programmer picks without an ORM and the
//     practical limit of a Go client. aiodb meets the pool on a pool of
//     its own too: the ORM on a pgxpool.Pool of 16 connections (the
//     pool's size) through ormpgx, without database/sql (Aiodb/pg/pgxpool and
//     AiodbModel/pg/pgxpool, async forms included), with the target of
//     1.05× sqlc-style pgxpool. In RESULTS.md (COUNT=10 BENCHTIME=300ms
//     BACKENDS='nop pg mysql sqlite' LIBS='.*' ./run.sh, 6 December 2026)
//     its query builder took 0.99× (Insert), 0.94× (InsertMulti), 1.01×
//     (Update), 1.08× (Read) and 0.81× (ReadSlice) the time of
//     sqlc-style pgxpool, and 0.74–0.96× that of aiodb over aiopgx;
//     Fanout64 1.03× and Stream100k 1.44× of pgxpool's. For the
//     PostgreSQL figures alone: COUNT=10 BENCHTIME=300ms BACKENDS=pg
//     LIBS='Raw|Pgx|Aiodb|AiodbModel' ./run.sh.
//   - MariaDB: hand-written code with go-sql-driver/mysql's default (a
//     prepare, execute and close per statement: mysql), with each
//     statement prepared once and reused (mysql-stmt), and with
//     interpolateParams=true (mysql-interp); gorm also runs with
//     PrepareStmt (mysql-preparestmt).
//   - SQLite: modernc.org/sqlite compiling each statement per call
//     (sqlite) and with a reused prepared statement (sqlite-stmt).
//
// To run them:
//
//	go test -run '^$' -bench . -benchmem
//	./run.sh   # every benchmark several times, then RESULTS.md and RESULTS.svg
//
// The benchmarks are named Benchmark<Library>/<backend>/<operation>, the
// form cmd/chart reads.
package benchmarks
