package orm

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

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

// JSONGet is the JSON value at path inside JSON column col (PostgreSQL's
// col -> k1 -> k2): each path element is a string key or an int array
// index. Its comparisons compare JSON values: the operand is marshalled
// with encoding/json and compared as jsonb on PostgreSQL, so
// JSONGet("doc", "age").Gt(30) is numeric. On MySQL and SQLite a string
// or number operand is compared with the SQL value at path (numeric for
// numbers too); objects and arrays compare as JSON on MySQL and as
// compact text on MariaDB and SQLite. An empty path is the whole
// document.
func JSONGet(col string, path ...any) *JSONPath { return &JSONPath{col: col, path: path} }

// JSONText is the value at path as text (PostgreSQL's ->>, MySQL's
// JSON_UNQUOTE(JSON_EXTRACT(...)), SQLite's json_extract): a JSON string
// without its quotes, other values in their JSON form, a missing key as
// SQL NULL (and JSON null too, except on MySQL, where it is the text
// null). Its comparisons bind the operand as is. It needs a non-empty
// path.
func JSONText(col string, path ...any) *JSONPath {
	return &JSONPath{col: col, path: path, text: true}
}

// Eq is path = v; v nil is IS NULL (the key is missing, or JSON null for
// JSONText).
func (p *JSONPath) Eq(v any) Expr { return &jsonCmp{p, opEq, v} }

// Ne is path <> v; v nil is IS NOT NULL.
func (p *JSONPath) Ne(v any) Expr { return &jsonCmp{p, opNe, v} }

// Lt is path < v.
func (p *JSONPath) Lt(v any) Expr { return &jsonCmp{p, opLt, v} }

// Le is path <= v.
func (p *JSONPath) Le(v any) Expr { return &jsonCmp{p, opLe, v} }

// Gt is path > v.
func (p *JSONPath) Gt(v any) Expr { return &jsonCmp{p, opGt, v} }

// Ge is path >= v.
func (p *JSONPath) Ge(v any) Expr { return &jsonCmp{p, opGe, v} }

// Like is path LIKE pattern on the text at path (JSONGet's too: a JSON
// value is not text).
func (p *JSONPath) Like(pattern string) Expr {
	text := *p
	text.text = true
	return &jsonCmp{&text, opLike, pattern}
}

func (p *JSONPath) appendExpr(b *builder) {
	if p.text && len(p.path) == 0 {
		b.failf("orm: JSONText(%q) needs a path", p.col)
		return
	}
	for _, k := range p.path {
		switch k.(type) {
		case string, int:
		default:
			b.failf("orm: JSON path of %q: element %v (%T) is not a string key or an int index", p.col, k, k)
			return
		}
	}
	switch b.d.JSON {
	case JSONPostgres:
		b.writeByte('(')
		b.column(p.col)
		for i, k := range p.path {
			if p.text && i == len(p.path)-1 {
				b.write(" ->> ")
			} else {
				b.write(" -> ")
			}
			// Typed, so that a bound index is not taken for a key: the
			// server would read an untyped parameter as text.
			b.write("CAST(")
			b.bindValue(k)
			if _, ok := k.(int); ok {
				b.write(" AS INTEGER)")
			} else {
				b.write(" AS TEXT)")
			}
		}
		b.writeByte(')')
	case JSONMySQL:
		if p.text {
			b.write("JSON_UNQUOTE(")
		}
		b.write("JSON_EXTRACT(")
		b.column(p.col)
		b.write(", ")
		b.bindValue(jsonPathString(p.path))
		b.writeByte(')')
		if p.text {
			b.writeByte(')')
		}
	case JSONSQLite:
		if p.text {
			b.write("json_extract(")
			b.column(p.col)
			b.write(", ")
			b.bindValue(jsonPathString(p.path))
			b.writeByte(')')
			return
		}
		b.writeByte('(')
		b.column(p.col)
		b.write(" -> ")
		b.bindValue(jsonPathString(p.path))
		b.writeByte(')')
	default:
		b.failf("orm: JSON path of %q: %s has no JSON operators", p.col, b.d.Name)
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
	op  cmpOp
	val any
}

func (e *jsonCmp) appendExpr(b *builder) {
	if e.val == nil && (e.op == opEq || e.op == opNe) {
		e.p.appendExpr(b)
		if e.op == opEq {
			b.write(" IS NULL")
		} else {
			b.write(" IS NOT NULL")
		}
		return
	}
	if !e.p.text && b.d.JSON != JSONPostgres && jsonScalar(e.val) {
		// MySQL and SQLite compare a scalar best as an SQL value: the
		// unquoted text (MySQL converts it to a number for a number) or
		// json_extract's typed result.
		text := *e.p
		text.text = true
		(&jsonCmp{&text, e.op, e.val}).appendExpr(b)
		return
	}
	e.p.appendExpr(b)
	b.write(cmpOpSQL[e.op])
	if x, ok := e.val.(Expr); ok || e.p.text {
		if ok {
			x.appendExpr(b)
		} else {
			b.bindValue(e.val)
		}
		return
	}
	doc, err := marshalJSONArg(e.val)
	if err != nil {
		b.failf("orm: JSONGet(%q) comparison: %v", e.p.col, err)
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
func bindJSONDoc(b *builder, doc string) {
	switch b.d.JSON {
	case JSONPostgres:
		b.write("CAST(")
		b.bindValue(doc)
		b.write(" AS JSONB)")
	case JSONMySQL:
		b.write("JSON_EXTRACT(")
		b.bindValue(doc)
		b.write(", '$')")
	case JSONSQLite:
		b.write("json(")
		b.bindValue(doc)
		b.writeByte(')')
	default:
		b.bindValue(doc)
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

// JSONContains is true when JSON column col contains v: PostgreSQL's
// col @> v, MySQL's JSON_CONTAINS(col, v). v is marshalled with
// encoding/json (a json.RawMessage is used as is), so
// JSONContains("doc", map[string]any{"tags": []string{"go"}}) matches
// documents whose tags include "go". SQLite has no containment test: the
// query fails to build there.
func JSONContains(col string, v any) Expr { return &jsonContains{col, v} }

func (e *jsonContains) appendExpr(b *builder) {
	doc, err := marshalJSONArg(e.val)
	if err != nil {
		b.failf("orm: JSONContains(%q): %v", e.col, err)
		return
	}
	switch b.d.JSON {
	case JSONPostgres:
		b.column(e.col)
		b.write(" @> ")
		bindJSONDoc(b, doc)
	case JSONMySQL:
		b.write("JSON_CONTAINS(")
		b.column(e.col)
		b.write(", ")
		b.bindValue(doc)
		b.writeByte(')')
	default:
		b.failf("orm: JSONContains(%q): %s has no JSON containment test", e.col, b.d.Name)
	}
}

type arrayContains struct {
	col string
	val any
}

// ArrayContains is PostgreSQL's col @> ARRAY[...] for an array column and
// a slice of its element type: ArrayContains("tags", []string{"go"}).
// Other dialects have no arrays; the query fails to build there.
func ArrayContains(col string, slice any) Expr { return &arrayContains{col, slice} }

func (e *arrayContains) appendExpr(b *builder) {
	if b.d.Types.Array == "" {
		b.failf("orm: ArrayContains(%q): %s has no arrays", e.col, b.d.Name)
		return
	}
	a, err := types.ArrayText(e.val)
	if err != nil {
		b.failf("orm: ArrayContains(%q): %v", e.col, err)
		return
	}
	b.column(e.col)
	b.write(" @> ")
	b.bindValue(a)
}
