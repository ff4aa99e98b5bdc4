// Package benchmarks measures aiodb beside hand-written database/sql code,
// bun, gorm and sqlx. It is a module of its own so that the aiodb module
// never depends on those peers.
//
// Every library runs the same five operations on its own ten-column table
// (bench_<lib>_model): Insert (one row), InsertMulti (100 rows in one
// statement), Update (one row by primary key), Read (one row by primary key)
// and ReadSlice (100 rows). Each runs on a do-nothing driver (package
// nopdriver: the client's cost alone), on PostgreSQL (AIODB_PG_DSN), on
// MariaDB/MySQL (AIODB_MYSQL_DSN) and, where the library supports it, on
// the embedded SQLite; server benchmarks skip when their DSN is unset.
//
//	go test -run '^$' -bench . -benchmem
//	./run.sh   # every benchmark several times, then RESULTS.md and RESULTS.svg
//
// The benchmarks are named Benchmark<Library>/<backend>/<operation>, the
// form cmd/chart reads.
package benchmarks
