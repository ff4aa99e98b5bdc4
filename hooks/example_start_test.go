package hooks_test

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
)

// txTimer measures whole transactions, BEGIN to COMMIT or ROLLBACK: a
// TxStarter puts the start time in the context, and OnTx finds it there
// at the end. Spans work the same way (see contrib/otel).
type txTimer struct {
	hooks.Base
	ended func(kind hooks.TxKind, statements int, d time.Duration)
}

type txStartKey struct{}

type txState struct {
	start      time.Time
	statements int
}

func (h txTimer) OnTxStart(ctx context.Context, _ *hooks.TxEvent) context.Context {
	return context.WithValue(ctx, txStartKey{}, &txState{start: time.Now()})
}

func (h txTimer) OnStatementEnd(_ context.Context, e *hooks.StatementEvent) {
	if e.TxContext != nil { // the transaction's context, as OnTxStart returned it
		e.TxContext.Value(txStartKey{}).(*txState).statements++
	}
}

func (h txTimer) OnTx(ctx context.Context, e *hooks.TxEvent) {
	if st, ok := ctx.Value(txStartKey{}).(*txState); ok && e.EndsTx() {
		h.ended(e.Kind, st.statements, time.Since(st.start))
	}
}

func ExampleTxStarter() {
	timer := txTimer{ended: func(kind hooks.TxKind, n int, d time.Duration) {
		fmt.Printf("transaction ended by %s after %d statements (%t)\n", kind, n, d > 0)
	}}
	c, err := driver.OpenConnector("aiosqlite", ":memory:", func(o *driver.Options) { o.Hooks = timer })
	if err != nil {
		panic(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()

	ctx := driver.MarkAsync(context.Background())
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		panic(err)
	}
	tx.ExecContext(ctx, "CREATE TABLE notes (body text)")
	tx.ExecContext(ctx, "INSERT INTO notes VALUES ('hello')")
	tx.Commit()
	// Output:
	// transaction ended by commit after 2 statements (true)
}
