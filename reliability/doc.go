// Package reliability holds aiodb's fault tests and nothing else: they
// prove, against real PostgreSQL and MariaDB servers that the tests start
// themselves (internal/testserver: initdb and mariadb-install-db in temp
// directories, on free ports of 127.0.0.1, stopped by pid), that the
// driver, the aio runtime and the ORM keep their promises when things go
// wrong. No test here uses the shared servers of AIODB_PG_DSN and
// AIODB_MYSQL_DSN, so they all run in every go test ./... .
//
//   - kill_test.go: sessions killed (pg_terminate_backend, KILL) in the
//     middle of queries, streams and transactions, and while idle in the
//     pool; a statement that may have reached the server is never run
//     again (driver.ErrConnLost).
//   - cancel_test.go, ctxerr_test.go: contexts ended before connect,
//     during connect (a proxy holds the connection), mid-query,
//     mid-stream, mid-transaction and before COMMIT, and a storm of short
//     deadlines: every error matches the context's error.
//   - scan_test.go: contexts ended while rows are read and scanned, on
//     all four drivers.
//   - exhaust_test.go: 200 callers with deadlines on a pool of 2,
//     transactions that call the pool again included.
//   - load_test.go: 10,000 concurrent AioGet on a pool of 10; throughput
//     and p50/p99 latency in the log.
//   - restart_test.go: the servers restarted and crashed under load.
//
// Every test checks that the pool is whole afterwards (no connection left
// in use, the next call works), and TestMain fails the run when a
// goroutine is left behind. RELIABILITY.md at the module root has the
// figures and the commands that produce them. The package has no API.
package reliability
