package sqlb

import (
	"fmt"
	"reflect"
	"time"

	"github.com/aiodb/aiodb/orm/dialect"
)

// Expr is an SQL expression: a condition for Where, Having and joins, a
// value in Update.Set, or a selected column. Build them with the functions
// of this file; column names in them are checked against the query's
// models when the query is built. Every query is an Expr too (a subquery).
type Expr interface {
	AppendExpr(b *Builder)
}

// IsExpr reports whether v is an Expr, which is written as SQL rather
// than bound. The common bind types are told apart by a type switch,
// cheaper than the interface assertion.
func IsExpr(v any) bool {
	switch v.(type) {
	case nil, string, int64, int, int32, bool, float64, []byte, time.Time:
		return false
	}
	_, ok := v.(Expr)
	return ok
}

type CmpOp uint8

const (
	OpEq CmpOp = iota
	OpNe
	OpLt
	OpLe
	OpGt
	OpGe
	OpLike
	OpILike
)

var CmpOpSQL = [...]string{" = ", " <> ", " < ", " <= ", " > ", " >= ", " LIKE ", " ILIKE "}

// Cmp is Col Op Val.
type Cmp struct {
	Col string
	Op  CmpOp
	Val any
}

// Eq is orm.Eq.
func Eq(col string, v any) Expr { return &Cmp{col, OpEq, v} }

// Ne is orm.Ne.
func Ne(col string, v any) Expr { return &Cmp{col, OpNe, v} }

// Lt is orm.Lt.
func Lt(col string, v any) Expr { return &Cmp{col, OpLt, v} }

// Le is orm.Le.
func Le(col string, v any) Expr { return &Cmp{col, OpLe, v} }

// Gt is orm.Gt.
func Gt(col string, v any) Expr { return &Cmp{col, OpGt, v} }

// Ge is orm.Ge.
func Ge(col string, v any) Expr { return &Cmp{col, OpGe, v} }

// Like is orm.Like.
func Like(col string, pattern any) Expr { return &Cmp{col, OpLike, pattern} }

// ILike is orm.ILike.
func ILike(col string, pattern any) Expr { return &Cmp{col, OpILike, pattern} }

// IsNullValue reports whether v is SQL NULL as a comparison's operand: nil,
// or a nil pointer (a *string field's value, a typed Column[*V]'s nil),
// so that Eq and Ne write IS [NOT] NULL for both instead of "= NULL",
// which matches nothing.
func IsNullValue(v any) bool {
	if v == nil {
		return true
	}
	if t := reflect.TypeOf(v); t.Kind() == reflect.Pointer {
		return reflect.ValueOf(v).IsNil()
	}
	return false
}

func (e *Cmp) AppendExpr(b *Builder) {
	if (e.Op == OpEq || e.Op == OpNe) && IsNullValue(e.Val) {
		b.Column(e.Col)
		if e.Op == OpEq {
			b.Write(" IS NULL")
		} else {
			b.Write(" IS NOT NULL")
		}
		return
	}
	if e.Op == OpILike && !b.D.NativeILike {
		b.Write("LOWER(")
		b.Column(e.Col)
		b.Write(") LIKE LOWER(")
		b.Bind(e.Val)
		b.WriteChar(')')
		return
	}
	b.Column(e.Col)
	b.Write(CmpOpSQL[e.Op])
	b.Bind(e.Val)
}

// InList is Col IN (Vals...) or, for a subquery, Col IN (Vals).
type InList struct {
	Col  string
	Vals any
	Not  bool
	Any  bool // = ANY($1) where the dialect binds arrays
}

// In is orm.In.
func In(col string, values any) Expr { return &InList{Col: col, Vals: values} }

// NotIn is orm.NotIn.
func NotIn(col string, values any) Expr { return &InList{Col: col, Vals: values, Not: true} }

// Any is orm.Any.
func Any(col string, values any) Expr { return &InList{Col: col, Vals: values, Any: true} }

func (e *InList) AppendExpr(b *Builder) {
	if q, ok := e.Vals.(Expr); ok {
		b.Column(e.Col)
		if e.Not {
			b.Write(" NOT IN ")
		} else {
			b.Write(" IN ")
		}
		q.AppendExpr(b)
		return
	}
	rv := reflect.ValueOf(e.Vals)
	if !rv.IsValid() || (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) || rv.Type().Elem().Kind() == reflect.Uint8 {
		b.Failf("orm: In(%q): want a slice, an array or a subquery, not %T", e.Col, e.Vals)
		return
	}
	n := rv.Len()
	if n == 0 {
		b.Failf("orm: In(%q) with an empty list", e.Col)
		return
	}
	if e.Any && b.D.ArrayParams && rv.Kind() == reflect.Slice {
		if e.Not {
			b.Write("NOT (")
		}
		b.Column(e.Col)
		b.Write(" = ANY(")
		b.BindValue(e.Vals)
		b.WriteChar(')')
		if e.Not {
			b.WriteChar(')')
		}
		return
	}
	b.Column(e.Col)
	if e.Not {
		b.Write(" NOT IN (")
	} else {
		b.Write(" IN (")
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			b.Write(", ")
		}
		b.Bind(rv.Index(i).Interface())
	}
	b.WriteChar(')')
}

type betweenExpr struct {
	col    string
	lo, hi any
}

// Between is orm.Between.
func Between(col string, lo, hi any) Expr { return &betweenExpr{col, lo, hi} }

func (e *betweenExpr) AppendExpr(b *Builder) {
	b.Column(e.col)
	b.Write(" BETWEEN ")
	b.Bind(e.lo)
	b.Write(" AND ")
	b.Bind(e.hi)
}

type nullExpr struct {
	col string
	not bool
}

// IsNull is orm.IsNull.
func IsNull(col string) Expr { return &nullExpr{col: col} }

// IsNotNull is orm.IsNotNull.
func IsNotNull(col string) Expr { return &nullExpr{col: col, not: true} }

func (e *nullExpr) AppendExpr(b *Builder) {
	b.Column(e.col)
	if e.not {
		b.Write(" IS NOT NULL")
	} else {
		b.Write(" IS NULL")
	}
}

// Logic is Exprs joined by Op, " AND " or " OR ".
type Logic struct {
	Op    string
	Exprs []Expr
}

// And is orm.And.
func And(exprs ...Expr) Expr { return &Logic{" AND ", exprs} }

// Or is orm.Or.
func Or(exprs ...Expr) Expr { return &Logic{" OR ", exprs} }

func (e *Logic) AppendExpr(b *Builder) {
	if len(e.Exprs) == 0 {
		if e.Op == " AND " {
			b.Write(b.D.True)
		} else {
			b.Write(b.D.False)
		}
		return
	}
	b.WriteChar('(')
	for i, x := range e.Exprs {
		if i > 0 {
			b.Write(e.Op)
		}
		b.Cond(x)
	}
	b.WriteChar(')')
}

type notExpr struct{ e Expr }

// Not is orm.Not.
func Not(e Expr) Expr { return &notExpr{e} }

func (e *notExpr) AppendExpr(b *Builder) {
	b.Write("NOT (")
	b.Cond(e.e)
	b.WriteChar(')')
}

type sqlExpr struct {
	frag string
	args []any
}

// SQL is orm.SQL.
func SQL(fragment string, args ...any) Expr { return &sqlExpr{fragment, args} }

func (e *sqlExpr) AppendExpr(b *Builder) { b.Fragment(e.frag, e.args) }

type colExpr struct{ name string }

// Col is orm.Col.
func Col(name string) Expr { return colExpr{name} }

func (e colExpr) AppendExpr(b *Builder) { b.Column(e.name) }

type excludedExpr struct{ col string }

// Excluded is orm.Excluded.
func Excluded(col string) Expr { return excludedExpr{col} }

func (e excludedExpr) AppendExpr(b *Builder) {
	s := &b.Scopes[len(b.Scopes)-1]
	if s.T == nil || s.T.FieldByColumn(e.col) == nil {
		b.Fail(UnknownColumn(e.col, s.T))
		return
	}
	if b.D.Upsert == dialect.UpsertOnDuplicateKey {
		b.Write("VALUES(")
		b.Ident(e.col)
		b.WriteChar(')')
		return
	}
	b.Write("EXCLUDED.")
	b.Ident(e.col)
}

// Cond writes a condition, parenthesised when it is an SQL fragment (whose
// precedence is unknown).
func (b *Builder) Cond(e Expr) {
	if e == nil {
		b.Fail(fmt.Errorf("orm: nil condition"))
		return
	}
	if _, ok := e.(*sqlExpr); ok {
		b.WriteChar('(')
		e.AppendExpr(b)
		b.WriteChar(')')
		return
	}
	e.AppendExpr(b)
}

// LoneFragment writes e when it is an SQL fragment, the only condition:
// it then needs no parentheses. It reports whether it wrote it.
func (b *Builder) LoneFragment(e Expr) bool {
	s, ok := e.(*sqlExpr)
	if ok {
		s.AppendExpr(b)
	}
	return ok
}

// Conds writes conditions joined by AND.
func (b *Builder) Conds(es []Expr) {
	if len(es) == 1 && b.LoneFragment(es[0]) {
		return
	}
	for i, e := range es {
		if i > 0 {
			b.Write(" AND ")
		}
		b.Cond(e)
	}
}
