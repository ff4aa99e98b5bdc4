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
//     practical limit of a Go client.
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
