package driver

import (
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/internal/sqltext"
)

// classifyTx recognises the savepoint statements of PostgreSQL, MySQL and
// SQLite in an Exec's SQL: SAVEPOINT name, RELEASE [SAVEPOINT] name and
// ROLLBACK [WORK|TRANSACTION] TO [SAVEPOINT] name, in any case, after
// whitespace and comments. It returns 0 for anything else.
func classifyTx(query string) (hooks.TxKind, string) {
	l := sqltext.New(query)
	l.HashComments = true // MySQL's; '#' cannot start a statement elsewhere
	w := l.Next()
	if w.Kind != sqltext.Word {
		return 0, ""
	}
	switch {
	case sqltext.EqualFold(w.Text, "savepoint"):
		return savepointName(hooks.TxSavepoint, l)
	case sqltext.EqualFold(w.Text, "release"):
		return optionalSavepoint(hooks.TxReleaseSavepoint, l)
	case sqltext.EqualFold(w.Text, "rollback"):
		t := l.Next()
		if t.Kind == sqltext.Word && (sqltext.EqualFold(t.Text, "work") || sqltext.EqualFold(t.Text, "transaction")) {
			t = l.Next()
		}
		if t.Kind != sqltext.Word || !sqltext.EqualFold(t.Text, "to") {
			return 0, ""
		}
		return optionalSavepoint(hooks.TxRollbackToSavepoint, l)
	}
	return 0, ""
}

// optionalSavepoint reads "[SAVEPOINT] name": SAVEPOINT may also be the
// name itself, which the token after it decides.
func optionalSavepoint(kind hooks.TxKind, l sqltext.Lexer) (hooks.TxKind, string) {
	after := l
	if t := after.Next(); t.Kind == sqltext.Word && sqltext.EqualFold(t.Text, "savepoint") {
		if k, name := savepointName(kind, after); k != 0 {
			return k, name
		}
	}
	return savepointName(kind, l)
}

// savepointName reads the name that ends a savepoint statement: a bare or
// quoted ("..." or `...`) identifier followed only by an optional ';'.
func savepointName(kind hooks.TxKind, l sqltext.Lexer) (hooks.TxKind, string) {
	t := l.Next()
	var name string
	switch {
	case t.Kind == sqltext.Word:
		name = t.Text
	case t.Kind == sqltext.Quoted && (t.Text[0] == '"' || t.Text[0] == '`'):
		name = sqltext.Unquote(t)
	}
	if name == "" {
		return 0, ""
	}
	if t = l.Next(); t.Kind == sqltext.Semicolon {
		t = l.Next()
	}
	if t.Kind != sqltext.EOF {
		return 0, ""
	}
	return kind, name
}

// ClassifyTx tells whether query is a savepoint statement (SAVEPOINT name,
// RELEASE [SAVEPOINT] name, ROLLBACK [WORK|TRANSACTION] TO [SAVEPOINT]
// name, in any case, after whitespace and comments) and which, with the
// savepoint's name; 0 for anything else. A client that fires hooks without
// the driver (orm/ormpgx's tracer) reports them with it, as the driver
// does.
func ClassifyTx(query string) (hooks.TxKind, string) { return classifyTx(query) }
