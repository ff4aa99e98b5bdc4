// Package cluster holds the integration tests that run aiodb against real
// PostgreSQL clusters started by the project's own scripts on 127.0.0.1: a
// primary with a streaming hot standby (scripts/pg-standby.sh) for
// orm.Replicas, ReadYourWrites and StickyPrimary, and PgBouncer in
// transaction mode (scripts/pgbouncer.sh) for the pooler settings of aiopg
// and aiopgx. The package has no code of its own.
//
// The tests run when AIODB_CLUSTER_TESTS=1 or AIODB_REQUIRE_DB=1 (.ci/run
// sets the latter) and are skipped with a message otherwise. TestMain
// starts the servers once for the whole package in a temporary directory
// (ports AIODB_CLUSTER_PORT, AIODB_CLUSTER_PORT+1 and +2; 25510 by
// default) and stops them by pid at the end; a server that cannot start
// fails every test with its log. The tests run one at a time: some stop
// the standby or delay its replay.
package cluster
