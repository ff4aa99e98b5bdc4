package orm

import "github.com/aiodb/aiodb/orm/internal/sqlb"

// Expr is an SQL expression: a condition for Where, Having and joins, a
// value in Update.Set, or a selected column. Build them with the functions
// of this file; column names in them are checked against the query's
// models when the query is built. Every query is an Expr too (a subquery).
type Expr = sqlb.Expr

// JSONPath is a value inside a JSON column, made by JSONGet or JSONText:
// an Expr to select or to pass to SQL, with comparison methods (Eq, Ne,
// Lt, Le, Gt, Ge, Like) that make conditions. Keys and indexes are bind
// arguments, never SQL text, and the column is checked against the
// query's models.
type JSONPath = sqlb.JSONPath

// Eq is col = v; with v nil (or a nil pointer) it is col IS NULL. v may
// be an Expr (Col, a subquery, SQL).
func Eq(col string, v any) Expr { return sqlb.Eq(col, v) }

// Ne is col <> v; with v nil (or a nil pointer) it is col IS NOT NULL.
func Ne(col string, v any) Expr { return sqlb.Ne(col, v) }

// Lt is col < v.
func Lt(col string, v any) Expr { return sqlb.Lt(col, v) }

// Le is col <= v.
func Le(col string, v any) Expr { return sqlb.Le(col, v) }

// Gt is col > v.
func Gt(col string, v any) Expr { return sqlb.Gt(col, v) }

// Ge is col >= v.
func Ge(col string, v any) Expr { return sqlb.Ge(col, v) }

// Like is col LIKE pattern (the pattern is bound; % and _ are wildcards).
func Like(col string, pattern any) Expr { return sqlb.Like(col, pattern) }

// ILike is a case-insensitive LIKE: col ILIKE pattern on PostgreSQL,
// LOWER(col) LIKE LOWER(pattern) elsewhere.
func ILike(col string, pattern any) Expr { return sqlb.ILike(col, pattern) }

// In is col IN (v1, v2, ...) for a slice or array of values (each one
// bound), or col IN (subquery) for a Query. An empty list is an error
// reported when the query is built: IN () is not valid SQL, and silently
// matching nothing has hidden bugs.
func In(col string, values any) Expr { return sqlb.In(col, values) }

// NotIn is col NOT IN (...), with the rules of In.
func NotIn(col string, values any) Expr { return sqlb.NotIn(col, values) }

// Any is In for large lists: on dialects that bind arrays (PostgreSQL) it
// is col = ANY($1) with the whole slice as one argument, so that the
// statement does not depend on the list's length; elsewhere it is In.
func Any(col string, values any) Expr { return sqlb.Any(col, values) }

// Between is col BETWEEN lo AND hi (inclusive).
func Between(col string, lo, hi any) Expr { return sqlb.Between(col, lo, hi) }

// IsNull is col IS NULL.
func IsNull(col string) Expr { return sqlb.IsNull(col) }

// IsNotNull is col IS NOT NULL.
func IsNotNull(col string) Expr { return sqlb.IsNotNull(col) }

// And is the conjunction of exprs, written in parentheses. And() of
// nothing is the dialect's true literal.
func And(exprs ...Expr) Expr { return sqlb.And(exprs...) }

// Or is the disjunction of exprs, written in parentheses. Or() of nothing
// is the dialect's false literal.
func Or(exprs ...Expr) Expr { return sqlb.Or(exprs...) }

// Not is NOT (e).
func Not(e Expr) Expr { return sqlb.Not(e) }

// SQL is a fragment of SQL for what the other functions do not cover:
// SQL("LOWER(?) = ?", Col("name"), "bob"). Each "?" takes the next
// argument: an Expr (Col, a subquery, another SQL) is written in place,
// any other value is bound. "??" writes a literal "?". The fragment is
// written as given, so it must never contain text from users; as a
// condition it is put in parentheses.
func SQL(fragment string, args ...any) Expr { return sqlb.SQL(fragment, args...) }

// Col is a reference to a column (checked against the query's models), to
// compare two columns (Eq("a.id", Col("b.a_id"))) or use one inside SQL.
func Col(name string) Expr { return sqlb.Col(name) }

// Excluded is, in InsertQuery.OnConflictSet, the value the conflicting
// row would have inserted into col: EXCLUDED.col, or VALUES(col) on MySQL.
func Excluded(col string) Expr { return sqlb.Excluded(col) }

// JSONGet is the JSON value at path inside JSON column col (PostgreSQL's
// col -> k1 -> k2): each path element is a string key or an int array
// index. Its comparisons compare JSON values: the operand is marshalled
// with encoding/json and compared as jsonb on PostgreSQL, so
// JSONGet("doc", "age").Gt(30) is numeric. On MySQL and SQLite a string
// or number operand is compared with the SQL value at path (numeric for
// numbers too); objects and arrays compare as JSON on MySQL and as
// compact text on MariaDB and SQLite. An empty path is the whole
// document.
func JSONGet(col string, path ...any) *JSONPath { return sqlb.JSONGet(col, path...) }

// JSONText is the value at path as text (PostgreSQL's ->>, MySQL's
// JSON_UNQUOTE(JSON_EXTRACT(...)), SQLite's json_extract): a JSON string
// without its quotes, other values in their JSON form, a missing key as
// SQL NULL (and JSON null too, except on MySQL, where it is the text
// null). Its comparisons bind the operand as is. It needs a non-empty
// path.
func JSONText(col string, path ...any) *JSONPath { return sqlb.JSONText(col, path...) }

// JSONContains is true when JSON column col contains v: PostgreSQL's
// col @> v, MySQL's JSON_CONTAINS(col, v). v is marshalled with
// encoding/json (a json.RawMessage is used as is), so
// JSONContains("doc", map[string]any{"tags": []string{"go"}}) matches
// documents whose tags include "go". SQLite has no containment test: the
// query fails to build there.
func JSONContains(col string, v any) Expr { return sqlb.JSONContains(col, v) }

// ArrayContains is PostgreSQL's col @> ARRAY[...] for an array column and
// a slice of its element type: ArrayContains("tags", []string{"go"}).
// Other dialects have no arrays; the query fails to build there.
func ArrayContains(col string, slice any) Expr { return sqlb.ArrayContains(col, slice) }
