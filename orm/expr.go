package orm

import (
	"fmt"
	"reflect"
	"time"
)

// Expr is an SQL expression: a condition for Where, Having and joins, a
// value in Update.Set, or a selected column. Build them with the functions
// of this file; column names in them are checked against the query's
// models when the query is built. Every query is an Expr too (a subquery).
type Expr interface {
	appendExpr(b *builder)
}

// isExpr reports whether v is an Expr, which is written as SQL rather
// than bound. The common bind types are told apart by a type switch,
// cheaper than the interface assertion.
func isExpr(v any) bool {
	switch v.(type) {
	case nil, string, int64, int, int32, bool, float64, []byte, time.Time:
		return false
	}
	_, ok := v.(Expr)
	return ok
}

type cmpOp uint8

const (
	opEq cmpOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
	opLike
	opILike
)

var cmpOpSQL = [...]string{" = ", " <> ", " < ", " <= ", " > ", " >= ", " LIKE ", " ILIKE "}

type cmpExpr struct {
	col string
	op  cmpOp
	val any
}

// Eq is col = v; with v nil it is col IS NULL. v may be an Expr (Col, a
// subquery, SQL).
func Eq(col string, v any) Expr { return &cmpExpr{col, opEq, v} }

// Ne is col <> v; with v nil it is col IS NOT NULL.
func Ne(col string, v any) Expr { return &cmpExpr{col, opNe, v} }

// Lt is col < v.
func Lt(col string, v any) Expr { return &cmpExpr{col, opLt, v} }

// Le is col <= v.
func Le(col string, v any) Expr { return &cmpExpr{col, opLe, v} }

// Gt is col > v.
func Gt(col string, v any) Expr { return &cmpExpr{col, opGt, v} }

// Ge is col >= v.
func Ge(col string, v any) Expr { return &cmpExpr{col, opGe, v} }

// Like is col LIKE pattern (the pattern is bound; % and _ are wildcards).
func Like(col string, pattern any) Expr { return &cmpExpr{col, opLike, pattern} }

// ILike is a case-insensitive LIKE: col ILIKE pattern on PostgreSQL,
// LOWER(col) LIKE LOWER(pattern) elsewhere.
func ILike(col string, pattern any) Expr { return &cmpExpr{col, opILike, pattern} }

func (e *cmpExpr) appendExpr(b *builder) {
	if e.val == nil && (e.op == opEq || e.op == opNe) {
		b.column(e.col)
		if e.op == opEq {
			b.write(" IS NULL")
		} else {
			b.write(" IS NOT NULL")
		}
		return
	}
	if e.op == opILike && !b.d.NativeILike {
		b.write("LOWER(")
		b.column(e.col)
		b.write(") LIKE LOWER(")
		b.bind(e.val)
		b.writeByte(')')
		return
	}
	b.column(e.col)
	b.write(cmpOpSQL[e.op])
	b.bind(e.val)
}

type inExpr struct {
	col  string
	vals any
	not  bool
	any  bool // = ANY($1) where the dialect binds arrays
}

// In is col IN (v1, v2, ...) for a slice or array of values (each one
// bound), or col IN (subquery) for a Query. An empty list is an error
// reported when the query is built: IN () is not valid SQL, and silently
// matching nothing has hidden bugs.
func In(col string, values any) Expr { return &inExpr{col: col, vals: values} }

// NotIn is col NOT IN (...), with the rules of In.
func NotIn(col string, values any) Expr { return &inExpr{col: col, vals: values, not: true} }

// Any is In for large lists: on dialects that bind arrays (PostgreSQL) it
// is col = ANY($1) with the whole slice as one argument, so that the
// statement does not depend on the list's length; elsewhere it is In.
func Any(col string, values any) Expr { return &inExpr{col: col, vals: values, any: true} }

func (e *inExpr) appendExpr(b *builder) {
	if q, ok := e.vals.(Expr); ok {
		b.column(e.col)
		if e.not {
			b.write(" NOT IN ")
		} else {
			b.write(" IN ")
		}
		q.appendExpr(b)
		return
	}
	rv := reflect.ValueOf(e.vals)
	if !rv.IsValid() || (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) || rv.Type().Elem().Kind() == reflect.Uint8 {
		b.failf("orm: In(%q): want a slice, an array or a subquery, not %T", e.col, e.vals)
		return
	}
	n := rv.Len()
	if n == 0 {
		b.failf("orm: In(%q) with an empty list", e.col)
		return
	}
	if e.any && b.d.ArrayParams && rv.Kind() == reflect.Slice {
		if e.not {
			b.write("NOT (")
		}
		b.column(e.col)
		b.write(" = ANY(")
		b.bindValue(e.vals)
		b.writeByte(')')
		if e.not {
			b.writeByte(')')
		}
		return
	}
	b.column(e.col)
	if e.not {
		b.write(" NOT IN (")
	} else {
		b.write(" IN (")
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			b.write(", ")
		}
		b.bind(rv.Index(i).Interface())
	}
	b.writeByte(')')
}

type betweenExpr struct {
	col    string
	lo, hi any
}

// Between is col BETWEEN lo AND hi (inclusive).
func Between(col string, lo, hi any) Expr { return &betweenExpr{col, lo, hi} }

func (e *betweenExpr) appendExpr(b *builder) {
	b.column(e.col)
	b.write(" BETWEEN ")
	b.bind(e.lo)
	b.write(" AND ")
	b.bind(e.hi)
}

type nullExpr struct {
	col string
	not bool
}

// IsNull is col IS NULL.
func IsNull(col string) Expr { return &nullExpr{col: col} }

// IsNotNull is col IS NOT NULL.
func IsNotNull(col string) Expr { return &nullExpr{col: col, not: true} }

func (e *nullExpr) appendExpr(b *builder) {
	b.column(e.col)
	if e.not {
		b.write(" IS NOT NULL")
	} else {
		b.write(" IS NULL")
	}
}

type logicExpr struct {
	op    string // " AND " or " OR "
	exprs []Expr
}

// And is the conjunction of exprs, written in parentheses. And() of
// nothing is the dialect's true literal.
func And(exprs ...Expr) Expr { return &logicExpr{" AND ", exprs} }

// Or is the disjunction of exprs, written in parentheses. Or() of nothing
// is the dialect's false literal.
func Or(exprs ...Expr) Expr { return &logicExpr{" OR ", exprs} }

func (e *logicExpr) appendExpr(b *builder) {
	if len(e.exprs) == 0 {
		if e.op == " AND " {
			b.write(b.d.True)
		} else {
			b.write(b.d.False)
		}
		return
	}
	b.writeByte('(')
	for i, x := range e.exprs {
		if i > 0 {
			b.write(e.op)
		}
		b.cond(x)
	}
	b.writeByte(')')
}

type notExpr struct{ e Expr }

// Not is NOT (e).
func Not(e Expr) Expr { return &notExpr{e} }

func (e *notExpr) appendExpr(b *builder) {
	b.write("NOT (")
	b.cond(e.e)
	b.writeByte(')')
}

type sqlExpr struct {
	frag string
	args []any
}

// SQL is a fragment of SQL for what the other functions do not cover:
// SQL("LOWER(?) = ?", Col("name"), "bob"). Each "?" takes the next
// argument: an Expr (Col, a subquery, another SQL) is written in place,
// any other value is bound. "??" writes a literal "?". The fragment is
// written as given, so it must never contain text from users; as a
// condition it is put in parentheses.
func SQL(fragment string, args ...any) Expr { return &sqlExpr{fragment, args} }

func (e *sqlExpr) appendExpr(b *builder) { b.fragment(e.frag, e.args) }

type colExpr struct{ name string }

// Col is a reference to a column (checked against the query's models), to
// compare two columns (Eq("a.id", Col("b.a_id"))) or use one inside SQL.
func Col(name string) Expr { return colExpr{name} }

func (e colExpr) appendExpr(b *builder) { b.column(e.name) }

type excludedExpr struct{ col string }

// Excluded is, in InsertQuery.OnConflictSet, the value the conflicting
// row would have inserted into col: EXCLUDED.col, or VALUES(col) on MySQL.
func Excluded(col string) Expr { return excludedExpr{col} }

func (e excludedExpr) appendExpr(b *builder) {
	s := &b.scopes[len(b.scopes)-1]
	if s.t == nil || s.t.FieldByColumn(e.col) == nil {
		b.fail(unknownColumn(e.col, s.t))
		return
	}
	if b.d.Upsert == UpsertOnDuplicateKey {
		b.write("VALUES(")
		b.ident(e.col)
		b.writeByte(')')
		return
	}
	b.write("EXCLUDED.")
	b.ident(e.col)
}

// cond writes a condition, parenthesised when it is an SQL fragment (whose
// precedence is unknown).
func (b *builder) cond(e Expr) {
	if e == nil {
		b.fail(fmt.Errorf("orm: nil condition"))
		return
	}
	if _, ok := e.(*sqlExpr); ok {
		b.writeByte('(')
		e.appendExpr(b)
		b.writeByte(')')
		return
	}
	e.appendExpr(b)
}

// loneFragment writes e when it is an SQL fragment, the only condition:
// it then needs no parentheses. It reports whether it wrote it.
func (b *builder) loneFragment(e Expr) bool {
	s, ok := e.(*sqlExpr)
	if ok {
		s.appendExpr(b)
	}
	return ok
}

// conds writes conditions joined by AND.
func (b *builder) conds(es []Expr) {
	if len(es) == 1 && b.loneFragment(es[0]) {
		return
	}
	for i, e := range es {
		if i > 0 {
			b.write(" AND ")
		}
		b.cond(e)
	}
}
