// Package txn is the engine under orm's transactions: a Tx shares one
// database/sql transaction among the goroutines of a context, which take
// turns on its connection (Lock, Release) so that concurrent Aio calls in
// one Atomic never interleave on the wire; Commit and Rollback wait for
// the running statement and say plainly when the transaction's context
// ended before COMMIT; Savepoint nests savepoints as a stack, taking
// turns among siblings. Backoff and Sleep pace orm's Retry.
package txn
