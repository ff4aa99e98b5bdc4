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
// # Start events: transactions and connects as spans
//
// OnTx and OnConnect are called after the fact. A hook that also
// implements the optional TxStarter sees BEGIN before it is sent
// (OnTxStart), and the context it returns comes back in OnTx for the
// BEGIN, COMMIT and ROLLBACK and in StatementEvent.TxContext for the
// statements in between; TxEvent.EndsTx tells the event that ends the
// transaction. ConnectStarter does the same for connecting (OnConnectStart,
// then OnConnect with its context). The driver asserts both once, when the
// hook is set, and Chain implements them only when one of its hooks does,
// so a hook without them costs nothing. contrib/otel turns these pairs into
// OpenTelemetry spans.
//
// # Built-in hooks
//
// NewLogger logs through log/slog; NewStats counts events, errors and
// latencies. Chain combines several hooks into one. A driver configured
// with no hook does no event work at all.
//
// This package imports nothing from the rest of aiodb.
package hooks
