package sqlb

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aiodb/aiodb/orm/dialect"

	"github.com/aiodb/aiodb/orm/types"
)

// JSONPath is a value inside a JSON column, made by JSONGet or JSONText:
// an Expr to select or to pass to SQL, with comparison methods that make
// conditions. Keys and indexes are bind arguments, never SQL text, and
// the column is checked against the query's models.
type JSONPath struct {
	col  string
	path []any
	text bool
}

// JSONGet is orm.JSONGet.
func JSONGet(col string, path ...any) *JSONPath { return &JSONPath{col: col, path: path} }

// JSONText is orm.JSONText.
func JSONText(col string, path ...any) *JSONPath {
	return &JSONPath{col: col, path: path, text: true}
}

// Eq is path = v; v nil is IS NULL (the key is missing, or JSON null for
// JSONText).
func (p *JSONPath) Eq(v any) Expr { return &jsonCmp{p, OpEq, v} }

// Ne is path <> v; v nil is IS NOT NULL.
func (p *JSONPath) Ne(v any) Expr { return &jsonCmp{p, OpNe, v} }

// Lt is path < v.
func (p *JSONPath) Lt(v any) Expr { return &jsonCmp{p, OpLt, v} }

// Le is path <= v.
func (p *JSONPath) Le(v any) Expr { return &jsonCmp{p, OpLe, v} }

// Gt is path > v.
func (p *JSONPath) Gt(v any) Expr { return &jsonCmp{p, OpGt, v} }

// Ge is path >= v.
func (p *JSONPath) Ge(v any) Expr { return &jsonCmp{p, OpGe, v} }

// Like is path LIKE pattern on the text at path (JSONGet's too: a JSON
// value is not text).
func (p *JSONPath) Like(pattern string) Expr {
	text := *p
	text.text = true
	return &jsonCmp{&text, OpLike, pattern}
}

func (p *JSONPath) AppendExpr(b *Builder) {
	if p.text && len(p.path) == 0 {
		b.Failf("orm: JSONText(%q) needs a path", p.col)
		return
	}
	for _, k := range p.path {
		switch k.(type) {
		case string, int:
		default:
			b.Failf("orm: JSON path of %q: element %v (%T) is not a string key or an int index", p.col, k, k)
			return
		}
	}
	switch b.D.JSON {
	case dialect.JSONPostgres:
		b.WriteChar('(')
		b.Column(p.col)
		for i, k := range p.path {
			if p.text && i == len(p.path)-1 {
				b.Write(" ->> ")
			} else {
				b.Write(" -> ")
			}
			// Typed, so that a bound index is not taken for a key: the
			// server would read an untyped parameter as text.
			b.Write("CAST(")
			b.BindValue(k)
			if _, ok := k.(int); ok {
				b.Write(" AS INTEGER)")
			} else {
				b.Write(" AS TEXT)")
			}
		}
		b.WriteChar(')')
	case dialect.JSONMySQL:
		if p.text {
			b.Write("JSON_UNQUOTE(")
		}
		b.Write("JSON_EXTRACT(")
		b.Column(p.col)
		b.Write(", ")
		b.BindValue(jsonPathString(p.path))
		b.WriteChar(')')
		if p.text {
			b.WriteChar(')')
		}
	case dialect.JSONSQLite:
		if p.text {
			b.Write("json_extract(")
			b.Column(p.col)
			b.Write(", ")
			b.BindValue(jsonPathString(p.path))
			b.WriteChar(')')
			return
		}
		b.WriteChar('(')
		b.Column(p.col)
		b.Write(" -> ")
		b.BindValue(jsonPathString(p.path))
		b.WriteChar(')')
	default:
		b.Failf("orm: JSON path of %q: %s has no JSON operators", p.col, b.D.Name)
	}
}

// jsonPathString is the SQL/JSON path of MySQL and SQLite: $."key"[0].
func jsonPathString(path []any) string {
	var sb strings.Builder
	sb.WriteByte('$')
	for _, k := range path {
		switch k := k.(type) {
		case int:
			sb.WriteByte('[')
			sb.WriteString(strconv.Itoa(k))
			sb.WriteByte(']')
		case string:
			sb.WriteByte('.')
			sb.WriteString(strconv.Quote(k))
		}
	}
	return sb.String()
}

type jsonCmp struct {
	p   *JSONPath
	op  CmpOp
	val any
}

func (e *jsonCmp) AppendExpr(b *Builder) {
	if e.val == nil && (e.op == OpEq || e.op == OpNe) {
		e.p.AppendExpr(b)
		if e.op == OpEq {
			b.Write(" IS NULL")
		} else {
			b.Write(" IS NOT NULL")
		}
		return
	}
	if !e.p.text && b.D.JSON != dialect.JSONPostgres && jsonScalar(e.val) {
		// MySQL and SQLite compare a scalar best as an SQL value: the
		// unquoted text (MySQL converts it to a number for a number) or
		// json_extract's typed result.
		text := *e.p
		text.text = true
		(&jsonCmp{&text, e.op, e.val}).AppendExpr(b)
		return
	}
	e.p.AppendExpr(b)
	b.Write(CmpOpSQL[e.op])
	if x, ok := e.val.(Expr); ok || e.p.text {
		if ok {
			x.AppendExpr(b)
		} else {
			b.BindValue(e.val)
		}
		return
	}
	doc, err := marshalJSONArg(e.val)
	if err != nil {
		b.Failf("orm: JSONGet(%q) comparison: %v", e.p.col, err)
		return
	}
	bindJSONDoc(b, doc)
}

// jsonScalar reports whether v is a string, number or bool (and no Expr).
func jsonScalar(v any) bool {
	switch v.(type) {
	case string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return true
	}
	return false
}

// bindJSONDoc binds a JSON document as the dialect's JSON type: MariaDB
// has no CAST(... AS JSON), and JSON_EXTRACT(?, '$') is JSON on MySQL.
func bindJSONDoc(b *Builder, doc string) {
	switch b.D.JSON {
	case dialect.JSONPostgres:
		b.Write("CAST(")
		b.BindValue(doc)
		b.Write(" AS JSONB)")
	case dialect.JSONMySQL:
		b.Write("JSON_EXTRACT(")
		b.BindValue(doc)
		b.Write(", '$')")
	case dialect.JSONSQLite:
		b.Write("json(")
		b.BindValue(doc)
		b.WriteChar(')')
	default:
		b.BindValue(doc)
	}
}

// marshalJSONArg is v as a JSON document: json.RawMessage as is, anything
// else through encoding/json.
func marshalJSONArg(v any) (string, error) {
	if r, ok := v.(json.RawMessage); ok {
		if !json.Valid(r) {
			return "", fmt.Errorf("invalid json.RawMessage %q", r)
		}
		return string(r), nil
	}
	d, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(d), nil
}

type jsonContains struct {
	col string
	val any
}

// JSONContains is orm.JSONContains.
func JSONContains(col string, v any) Expr { return &jsonContains{col, v} }

func (e *jsonContains) AppendExpr(b *Builder) {
	doc, err := marshalJSONArg(e.val)
	if err != nil {
		b.Failf("orm: JSONContains(%q): %v", e.col, err)
		return
	}
	switch b.D.JSON {
	case dialect.JSONPostgres:
		b.Column(e.col)
		b.Write(" @> ")
		bindJSONDoc(b, doc)
	case dialect.JSONMySQL:
		b.Write("JSON_CONTAINS(")
		b.Column(e.col)
		b.Write(", ")
		b.BindValue(doc)
		b.WriteChar(')')
	default:
		b.Failf("orm: JSONContains(%q): %s has no JSON containment test", e.col, b.D.Name)
	}
}

type arrayContains struct {
	col string
	val any
}

// ArrayContains is orm.ArrayContains.
func ArrayContains(col string, slice any) Expr { return &arrayContains{col, slice} }

func (e *arrayContains) AppendExpr(b *Builder) {
	if b.D.Types.Array == "" {
		b.Failf("orm: ArrayContains(%q): %s has no arrays", e.col, b.D.Name)
		return
	}
	a, err := types.ArrayText(e.val)
	if err != nil {
		b.Failf("orm: ArrayContains(%q): %v", e.col, err)
		return
	}
	b.Column(e.col)
	b.Write(" @> ")
	b.BindValue(a)
}
