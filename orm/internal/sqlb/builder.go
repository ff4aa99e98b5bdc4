package sqlb

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aiodb/aiodb/orm/dialect"
	"github.com/aiodb/aiodb/orm/schema"
)

// Builder accumulates one statement's SQL and arguments. Builders are
// pooled: a terminal method takes one (Get), builds, runs and scans with
// it, and puts it back (Put), so a query allocates neither its buffer nor
// its argument and Scan destination slices.
type Builder struct {
	Buf       []byte
	Args      []any
	D         *dialect.Dialect
	Scopes    []Scope
	Err       error // the first error, set by Fail
	AliasMode AliasMode
	Fixed     string // the statement, when it came from a cache instead of Buf

	// Scan holds the Scan destinations, reused across rows: pooled with
	// the builder so that a query allocates none.
	Scan schema.Dests
}

// Scope is one SELECT (or UPDATE/DELETE) level: the tables whose columns
// names may refer to.
type Scope struct {
	T       *schema.Table
	Qual    string    // the main table's qualifier: its alias or name
	Joins   []Join    // joined tables
	Aliases []SelExpr // output column aliases (ColumnExpr), usable in ORDER BY and HAVING
	Qualify bool      // write unqualified columns of T qualified (there are joins)
}

// SelExpr is a selected expression and its output alias.
type SelExpr struct {
	E     Expr
	Alias string
}

// Join is a joined table of a SELECT.
type Join struct {
	Kind  string // "JOIN", "LEFT JOIN"
	T     *schema.Table
	Alias string
	On    Expr
}

// Qual is the join's qualifier: its alias or its table's name.
func (j *Join) Qual() string {
	if j.Alias != "" {
		return j.Alias
	}
	return j.T.Name
}

// AliasMode says how a name that is an output alias is written: not at
// all (WHERE, GROUP BY), as the alias (ORDER BY), or as its expression
// (HAVING: PostgreSQL does not accept output aliases there).
type AliasMode uint8

const (
	AliasNone AliasMode = iota
	AliasName
	AliasExpand
)

var builderPool = sync.Pool{New: func() any { return new(Builder) }}

func Get(d *dialect.Dialect) *Builder {
	b := builderPool.Get().(*Builder)
	b.D = d
	return b
}

// maxPooledArgs bounds what a pooled builder keeps, so that one huge bulk
// insert does not pin its memory forever.
const (
	maxPooledArgs = 1 << 14
	maxPooledBuf  = 1 << 18
)

func Put(b *Builder) {
	if cap(b.Args) > maxPooledArgs || cap(b.Buf) > maxPooledBuf || cap(b.Scan.List) > maxPooledArgs {
		return
	}
	// The slices keep their old contents: clearing them costs write
	// barriers on every query, and a pooled builder is dropped at the next
	// garbage collections anyway.
	b.Buf, b.Args = b.Buf[:0], b.Args[:0]
	b.Scan.Reset()
	b.Scopes = b.Scopes[:0]
	b.Err, b.D, b.AliasMode, b.Fixed = nil, nil, AliasNone, ""
	builderPool.Put(b)
}

// Fail records the first error.
func (b *Builder) Fail(err error) {
	if b.Err == nil {
		b.Err = err
	}
}

func (b *Builder) Failf(format string, args ...any) { b.Fail(fmt.Errorf(format, args...)) }

// Write appends s. Appending reslices b.Buf in place (only its length
// changes) so that, the builder being on the heap, no pointer is written
// and no GC write barrier runs; grow is the rare exception.
func (b *Builder) Write(s string) {
	n := len(b.Buf)
	if cap(b.Buf)-n < len(s) {
		b.grow(len(s))
	}
	b.Buf = b.Buf[:n+len(s)]
	copy(b.Buf[n:], s)
}

func (b *Builder) WriteChar(c byte) {
	n := len(b.Buf)
	if cap(b.Buf) == n {
		b.grow(1)
	}
	b.Buf = b.Buf[:n+1]
	b.Buf[n] = c
}

func (b *Builder) writeBytes(p []byte) {
	n := len(b.Buf)
	if cap(b.Buf)-n < len(p) {
		b.grow(len(p))
	}
	b.Buf = b.Buf[:n+len(p)]
	copy(b.Buf[n:], p)
}

func (b *Builder) grow(n int) {
	nb := make([]byte, len(b.Buf), 2*cap(b.Buf)+n+256)
	copy(nb, b.Buf)
	b.Buf = nb
}

// Ident writes a quoted identifier. Names reaching here were checked by
// validIdent, but a quote character is still doubled as a second defence.
func (b *Builder) Ident(name string) {
	q := b.D.IdentQuote
	b.WriteChar(q)
	if strings.IndexByte(name, q) < 0 {
		b.Write(name)
	} else {
		for i := 0; i < len(name); i++ {
			if name[i] == q {
				b.WriteChar(q)
			}
			b.WriteChar(name[i])
		}
	}
	b.WriteChar(q)
}

// IdentList writes names quoted and comma-separated.
func (b *Builder) IdentList(names []string) {
	for i, n := range names {
		if i > 0 {
			b.Write(", ")
		}
		b.Ident(n)
	}
}

// Placeholder writes the next parameter marker.
func (b *Builder) Placeholder() {
	if b.D.Placeholder == dialect.PlaceholderDollar {
		var num [24]byte
		b.WriteChar('$')
		b.writeBytes(strconv.AppendInt(num[:0], int64(len(b.Args)), 10))
		return
	}
	b.WriteChar('?')
}

// Bind adds v as a bind argument and writes its placeholder. An Expr is
// written as SQL instead (a column, a subquery, an SQL fragment).
func (b *Builder) Bind(v any) {
	if e, ok := v.(Expr); ok {
		e.AppendExpr(b)
		return
	}
	b.BindValue(v)
}

// Arg adds a bind argument whose placeholder is already in the SQL.
func (b *Builder) Arg(v any) {
	v, err := b.CheckValue(v)
	if err != nil {
		b.Fail(err)
	}
	b.Args = append(b.Args, v)
}

// FieldArg adds the value of field f of the struct at p as a bind
// argument whose placeholder is already in the SQL.
func (b *Builder) FieldArg(f *schema.Field, p schema.Ptr) {
	if f.AsIs() {
		b.Args = append(b.Args, f.Value(p))
		return
	}
	b.Arg(f.Value(p))
}

func (b *Builder) BindValue(v any) {
	v, err := b.CheckValue(v)
	if err != nil {
		b.Fail(err)
	}
	b.Args = append(b.Args, v)
	b.Placeholder()
}

// CheckValue rejects values no driver can bind (structs, maps, funcs,
// channels, and slices where the dialect has no arrays) and applies the
// dialect's time conversion. Common types take the fast path.
func (b *Builder) CheckValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, int64, int, int32, bool, float64, []byte:
		return v, nil
	case time.Time:
		if b.D.BindTime != nil {
			return b.D.BindTime(x), nil
		}
		return v, nil
	case sql.NullTime:
		if !x.Valid {
			return nil, nil
		}
		return b.CheckValue(x.Time)
	case driver.Valuer:
		return v, nil
	}
	rv := reflect.ValueOf(v)
	t := rv.Type()
	if t.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil, nil
		}
		if t.Implements(valuerType) {
			return v, nil
		}
		return b.CheckValue(rv.Elem().Interface())
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.String:
		return schema.BasicValue(rv), nil
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			return rv.Bytes(), nil
		}
		if b.D.ArrayParams {
			return v, nil
		}
	}
	return nil, fmt.Errorf("orm: cannot bind a value of type %T in %s: not a bool, number, string, []byte, time.Time or driver.Valuer", v, b.D.Name)
}

// sqlCache interns built statements: the same query shape built again
// returns the same string without allocating (a map lookup keyed by
// string(bytes) does not copy). Reads are lock-free on an immutable map;
// a new statement copies it, which is rare once an application's query
// shapes have been seen, and stops at a budget.
var sqlCache struct {
	mu    sync.Mutex
	m     atomic.Pointer[map[string]string]
	bytes int
}

const (
	maxInternedSQL   = 1 << 15 // longer statements are not interned
	maxInternedBytes = 4 << 20 // total budget
	maxInterned      = 4096    // entries
)

// SQL returns the built statement as a string.
func (b *Builder) SQL() string {
	if b.Fixed != "" {
		return b.Fixed
	}
	if len(b.Buf) > maxInternedSQL {
		return string(b.Buf)
	}
	if m := sqlCache.m.Load(); m != nil {
		if s, ok := (*m)[string(b.Buf)]; ok {
			return s
		}
	}
	s := string(b.Buf)
	sqlCache.mu.Lock()
	defer sqlCache.mu.Unlock()
	old := sqlCache.m.Load()
	if old != nil {
		if t, ok := (*old)[s]; ok {
			return t
		}
		if len(*old) >= maxInterned || sqlCache.bytes+len(s) > maxInternedBytes {
			return s
		}
	}
	next := make(map[string]string, 1+lenMap(old))
	if old != nil {
		for k, v := range *old {
			next[k] = v
		}
	}
	next[s] = s
	sqlCache.bytes += len(s)
	sqlCache.m.Store(&next)
	return s
}

func lenMap(m *map[string]string) int {
	if m == nil {
		return 0
	}
	return len(*m)
}

// Result returns the statement, a copy of its args, and the build error:
// the SQL() method of every query.
func (b *Builder) Result() (string, []any, error) {
	if b.Err != nil {
		return "", nil, b.Err
	}
	return b.SQL(), append([]any(nil), b.Args...), nil
}

func (b *Builder) PushScope(s Scope) { b.Scopes = append(b.Scopes, s) }

func (b *Builder) PopScope() { b.Scopes = b.Scopes[:len(b.Scopes)-1] }

// Column writes a checked column reference: "col" or "qual.col", where qual
// is a table name or alias of the current scope or an enclosing one
// (correlated subqueries). An unknown name is an error naming the model.
func (b *Builder) Column(name string) {
	if len(b.Scopes) == 0 {
		b.Failf("orm: column %q used outside a query", name)
		return
	}
	qual, col := "", name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		qual, col = name[:i], name[i+1:]
		if qual == "" || col == "" {
			// ".name" or "t." would otherwise be looked up as a
			// different, unqualified name and reported as "".
			b.Failf("orm: column %q: empty table or column name around the dot", name)
			return
		}
	}
	if qual == "" {
		s := &b.Scopes[len(b.Scopes)-1]
		if s.T != nil && s.T.FieldByColumn(col) != nil {
			if s.Qualify {
				b.Ident(s.Qual)
				b.WriteChar('.')
			}
			b.Ident(col)
			return
		}
		if b.AliasMode != AliasNone {
			for _, a := range s.Aliases {
				if a.Alias != col {
					continue
				}
				if b.AliasMode == AliasName {
					b.Ident(col)
				} else {
					b.AliasMode = AliasNone // an alias's expression cannot name an alias
					b.WriteChar('(')
					a.E.AppendExpr(b)
					b.WriteChar(')')
					b.AliasMode = AliasExpand
				}
				return
			}
		}
		var found *Join
		for i := range s.Joins {
			j := &s.Joins[i]
			if j.T != nil && j.T.FieldByColumn(col) != nil {
				if found != nil {
					b.Failf("orm: column %q is ambiguous: both %s and %s have it; qualify it", col, found.Qual(), j.Qual())
					return
				}
				found = j
			}
		}
		if found != nil {
			b.Ident(found.Qual())
			b.WriteChar('.')
			b.Ident(col)
			return
		}
		b.Fail(UnknownColumn(col, s.T))
		return
	}
	for i := len(b.Scopes) - 1; i >= 0; i-- {
		s := &b.Scopes[i]
		var t *schema.Table
		switch {
		case s.T != nil && s.Qual == qual:
			t = s.T
		default:
			for k := range s.Joins {
				if s.Joins[k].Qual() == qual {
					t = s.Joins[k].T
					break
				}
			}
		}
		if t == nil {
			continue
		}
		if t.FieldByColumn(col) == nil {
			b.Fail(UnknownColumn(col, t))
			return
		}
		b.Ident(qual)
		b.WriteChar('.')
		b.Ident(col)
		return
	}
	b.Failf("orm: unknown table or alias %q in column %q", qual, name)
}

// PlainColumn writes an unqualified column of the current scope's model,
// where SQL allows no qualifier (SET targets, conflict targets).
func (b *Builder) PlainColumn(col string) {
	s := &b.Scopes[len(b.Scopes)-1]
	if s.T.FieldByColumn(col) == nil {
		b.Fail(UnknownColumn(col, s.T))
		return
	}
	b.Ident(col)
}

func UnknownColumn(col string, t *schema.Table) error {
	if t == nil {
		return fmt.Errorf("orm: unknown column %q", col)
	}
	return fmt.Errorf("orm: unknown column %q in model %v (table %s)", col, t.GoType, t.Name)
}

// CheckAlias validates an alias given by the user.
func (b *Builder) CheckAlias(kind, alias string) bool {
	if !schema.ValidIdent(alias) {
		b.Failf("orm: %s alias %q is not a valid identifier", kind, alias)
		return false
	}
	return true
}

// Fragment writes an SQL fragment, replacing each "?" with the next
// argument (bound, or written as SQL when it is an Expr). "??" is a literal
// "?"; question marks inside quoted strings and identifiers are kept.
func (b *Builder) Fragment(s string, args []any) {
	n := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '?':
			if i+1 < len(s) && s[i+1] == '?' {
				b.WriteChar('?')
				i++
				continue
			}
			if n >= len(args) {
				b.Failf("orm: SQL %q has more placeholders than its %d arguments", s, len(args))
				return
			}
			b.Bind(args[n])
			n++
			continue
		}
		b.WriteChar(c)
	}
	if n != len(args) {
		b.Failf("orm: SQL %q has %d placeholders but %d arguments", s, n, len(args))
	}
}

// LimitOffset writes LIMIT as a literal and OFFSET bound; the dialect's
// OffsetLimit stands in for a missing limit where one is required.
//
// The limit is a literal because PostgreSQL plans a bound LIMIT, once it
// switches to a generic plan, as if it were unknown, and may then pick
// another plan than for LIMIT 100 (issue 16); it is an integer the
// builder owns, so it cannot inject anything, and the distinct limits an
// application uses are few. The offset stays bound: paging through a
// table with literal offsets would make each page a new statement for
// the statement caches.
func (b *Builder) LimitOffset(limit, offset int64) {
	if limit >= 0 {
		var num [24]byte
		b.Write(" LIMIT ")
		b.writeBytes(strconv.AppendInt(num[:0], limit, 10))
	} else if offset > 0 && b.D.OffsetLimit != "" {
		b.Write(" LIMIT ")
		b.Write(b.D.OffsetLimit)
	}
	if offset > 0 {
		b.Write(" OFFSET ")
		b.BindValue(offset)
	}
}

var valuerType = reflect.TypeFor[driver.Valuer]()
