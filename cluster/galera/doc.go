// Package galera holds aiodb's tests on a real three-node MariaDB Galera
// cluster (synchronous multi-primary replication) and nothing else. The
// cluster is started on 127.0.0.1 by scripts/galera.sh, once for the
// package, and stopped by pid when the tests end:
//
//   - conflict_test.go: two transactions on two nodes update the same row
//     at once; the one that loses certification gets error 1213 at COMMIT,
//     and Atomic with Retry turns every such loss into a success.
//   - counter_test.go: 8 goroutines increment one counter through the 3
//     nodes, each increment a read-modify-write in Atomic with Retry; the
//     counter ends at exactly the number of increments.
//   - kill_test.go: a node is killed (SIGKILL) under a write load on all
//     three; no acknowledged commit is lost, writers and Replicas move on
//     to the live nodes, and the node rejoins with every commit.
//
// The tests run when AIODB_CLUSTER_TESTS=1 or AIODB_REQUIRE_DB=1 (CI) is
// set and are skipped with a message otherwise; with either set, a cluster
// that cannot start fails each test with the nodes' logs. RELIABILITY.md
// has the figures and the command that produces them. The package has no
// API.
package galera
