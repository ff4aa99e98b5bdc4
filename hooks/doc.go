// Package hooks defines the events a guarded aiodb connection reports and
// the Hook interface that receives them.
//
// # Events
//
// A connection reports its lifecycle (OnConnect when a physical connection
// is opened, OnReset when database/sql reuses it from the pool, OnClose),
// transaction control (OnTx for BEGIN, COMMIT, ROLLBACK and savepoints),
// each statement (OnStatementStart before it is sent, OnStatementEnd after
// it finished, with duration, rows and error) and sync violations under the
// warn mode (OnSyncViolation).
//
// # Writing a hook
//
// Embed Base and override what you need. Hooks run on the caller's
// goroutine, so they must be quick and safe for concurrent use. OnStatementStart may
// return a derived context, for example one carrying a tracing span, which
// the statement and OnStatementEnd then see.
//
// # Built-in hooks
//
// NewLogger logs through log/slog; NewStats counts events, errors and
// latencies. Chain combines several hooks into one. A driver configured
// with no hook does no event work at all.
//
// This package imports nothing from the rest of aiodb.
package hooks
