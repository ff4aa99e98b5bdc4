package ormpgx

import (
	"testing"

	"github.com/aiodb/aiodb/hooks"
)

// TestTxKind: the transaction statements the tracer reports as OnTx, in
// pgx's spelling and by hand; savepoint statements and COMMIT AND CHAIN
// are not the end of a transaction.
func TestTxKind(t *testing.T) {
	for sql, want := range map[string]hooks.TxKind{
		"begin":                              hooks.TxBegin,
		"begin isolation level serializable": hooks.TxBegin,
		"START TRANSACTION READ ONLY":        hooks.TxBegin,
		"commit":                             hooks.TxCommit,
		"COMMIT WORK;":                       hooks.TxCommit,
		"/* app */ end transaction":          hooks.TxCommit,
		"rollback":                           hooks.TxRollback,
		"ABORT":                              hooks.TxRollback,
		"rollback to savepoint sp1":          0,
		"ROLLBACK TO sp1":                    0,
		"commit and chain":                   0,
		"start":                              0,
		"select 1":                           0,
		"":                                   0,
	} {
		if got := txKind(sql); got != want {
			t.Errorf("txKind(%q) = %v, want %v", sql, got, want)
		}
	}
}

// TestKindOf: statements that return rows by their first word are
// queries; the rest are execs.
func TestKindOf(t *testing.T) {
	for sql, want := range map[string]hooks.StmtKind{
		"SELECT 1":                           hooks.StmtQuery,
		"  (select 1) union (select 2)":      hooks.StmtQuery,
		"-- c\nWITH x AS (SELECT 1) TABLE x": hooks.StmtQuery,
		"values (1)":                         hooks.StmtQuery,
		"SHOW transaction_isolation":         hooks.StmtQuery,
		"INSERT INTO t VALUES (1)":           hooks.StmtExec,
		"update t set a = 1":                 hooks.StmtExec,
		"":                                   hooks.StmtExec,
	} {
		if got := kindOf(sql); got != want {
			t.Errorf("kindOf(%q) = %v, want %v", sql, got, want)
		}
	}
}
