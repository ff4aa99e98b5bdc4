// Package route sends orm's reads to replicas: a Set takes reads in
// turn, skips a replica whose connection failed for a cooldown and falls
// back to the primary; IsRead says which statements are reads, with the
// one SQL lexer (internal/sqltext). A Consistency adds orm's
// read-your-writes modes: it records each write's WAL position (or a
// sticky window) through a hook on the primary, and makes a replica read
// wait until the replica has replayed it.
//
// orm's Replicas, ReplicaCooldown, UsePrimary, ReadYourWrites,
// StickyPrimary and Session document the behaviour.
package route
