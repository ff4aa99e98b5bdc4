package orm

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

	"github.com/aiodb/aiodb/orm/schema"
)

// Query is what every query type has in common: its SQL for inspection.
// Queries are also Exprs, so that one can be used as a subquery (In, a
// comparison value, SelectQuery.FromSubquery) or a compound member (Union).
type Query interface {
	Expr
	// SQL builds the statement in its DB's dialect and returns it with its
	// bind arguments, or the first error found while building it (an
	// unknown column, an empty In list, a value that cannot be bound).
	SQL() (string, []any, error)
}

// builder accumulates one statement's SQL and arguments. Builders are
// pooled: a terminal method takes one, builds, runs and scans with it, and
// puts it back, so a query allocates neither its buffer nor its argument
// and Scan destination slices.
type builder struct {
	buf       []byte
	args      []any
	d         *Dialect
	scopes    []scope
	err       error
	aliasMode aliasMode
	fixed     string // the statement, when it came from a cache instead of buf

	// scan holds the Scan destinations, reused across rows: pooled with
	// the builder so that a query allocates none.
	scan schema.Dests
}

// scope is one SELECT (or UPDATE/DELETE) level: the tables whose columns
// names may refer to.
type scope struct {
	t       *Table
	qual    string    // the main table's qualifier: its alias or name
	joins   []join    // joined tables
	aliases []selExpr // output column aliases (ColumnExpr), usable in ORDER BY and HAVING
	qualify bool      // write unqualified columns of t qualified (there are joins)
}

// aliasMode says how a name that is an output alias is written: not at
// all (WHERE, GROUP BY), as the alias (ORDER BY), or as its expression
// (HAVING: PostgreSQL does not accept output aliases there).
type aliasMode uint8

const (
	aliasNone aliasMode = iota
	aliasName
	aliasExpand
)

var builderPool = sync.Pool{New: func() any { return new(builder) }}

func getBuilder(d *Dialect) *builder {
	b := builderPool.Get().(*builder)
	b.d = d
	return b
}

// maxPooledArgs bounds what a pooled builder keeps, so that one huge bulk
// insert does not pin its memory forever.
const (
	maxPooledArgs = 1 << 14
	maxPooledBuf  = 1 << 18
)

func putBuilder(b *builder) {
	if cap(b.args) > maxPooledArgs || cap(b.buf) > maxPooledBuf || cap(b.scan.List) > maxPooledArgs {
		return
	}
	// The slices keep their old contents: clearing them costs write
	// barriers on every query, and a pooled builder is dropped at the next
	// garbage collections anyway.
	b.buf, b.args = b.buf[:0], b.args[:0]
	b.scan.Reset()
	b.scopes = b.scopes[:0]
	b.err, b.d, b.aliasMode, b.fixed = nil, nil, aliasNone, ""
	builderPool.Put(b)
}

// fail records the first error.
func (b *builder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

func (b *builder) failf(format string, args ...any) { b.fail(fmt.Errorf(format, args...)) }

// write appends s. Appending reslices b.buf in place (only its length
// changes) so that, the builder being on the heap, no pointer is written
// and no GC write barrier runs; grow is the rare exception.
func (b *builder) write(s string) {
	n := len(b.buf)
	if cap(b.buf)-n < len(s) {
		b.grow(len(s))
	}
	b.buf = b.buf[:n+len(s)]
	copy(b.buf[n:], s)
}

func (b *builder) writeByte(c byte) {
	n := len(b.buf)
	if cap(b.buf) == n {
		b.grow(1)
	}
	b.buf = b.buf[:n+1]
	b.buf[n] = c
}

func (b *builder) writeBytes(p []byte) {
	n := len(b.buf)
	if cap(b.buf)-n < len(p) {
		b.grow(len(p))
	}
	b.buf = b.buf[:n+len(p)]
	copy(b.buf[n:], p)
}

func (b *builder) grow(n int) {
	nb := make([]byte, len(b.buf), 2*cap(b.buf)+n+256)
	copy(nb, b.buf)
	b.buf = nb
}

// ident writes a quoted identifier. Names reaching here were checked by
// validIdent, but a quote character is still doubled as a second defence.
func (b *builder) ident(name string) {
	q := b.d.IdentQuote
	b.writeByte(q)
	if strings.IndexByte(name, q) < 0 {
		b.write(name)
	} else {
		for i := 0; i < len(name); i++ {
			if name[i] == q {
				b.writeByte(q)
			}
			b.writeByte(name[i])
		}
	}
	b.writeByte(q)
}

// placeholder writes the next parameter marker.
func (b *builder) placeholder() {
	if b.d.Placeholder == PlaceholderDollar {
		var num [24]byte
		b.writeByte('$')
		b.writeBytes(strconv.AppendInt(num[:0], int64(len(b.args)), 10))
		return
	}
	b.writeByte('?')
}

// bind adds v as a bind argument and writes its placeholder. An Expr is
// written as SQL instead (a column, a subquery, an SQL fragment).
func (b *builder) bind(v any) {
	if e, ok := v.(Expr); ok {
		e.appendExpr(b)
		return
	}
	b.bindValue(v)
}

// arg adds a bind argument whose placeholder is already in the SQL.
func (b *builder) arg(v any) {
	v, err := b.checkValue(v)
	if err != nil {
		b.fail(err)
	}
	b.args = append(b.args, v)
}

// fieldArg adds the value of field f of the struct at p as a bind
// argument whose placeholder is already in the SQL.
func (b *builder) fieldArg(f *Field, p schema.Ptr) {
	if f.AsIs() {
		b.args = append(b.args, f.Value(p))
		return
	}
	b.arg(f.Value(p))
}

func (b *builder) bindValue(v any) {
	v, err := b.checkValue(v)
	if err != nil {
		b.fail(err)
	}
	b.args = append(b.args, v)
	b.placeholder()
}

// checkValue rejects values no driver can bind (structs, maps, funcs,
// channels, and slices where the dialect has no arrays) and applies the
// dialect's time conversion. Common types take the fast path.
func (b *builder) checkValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, int64, int, int32, bool, float64, []byte:
		return v, nil
	case time.Time:
		if b.d.BindTime != nil {
			return b.d.BindTime(x), nil
		}
		return v, nil
	case sql.NullTime:
		if !x.Valid {
			return nil, nil
		}
		return b.checkValue(x.Time)
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
		return b.checkValue(rv.Elem().Interface())
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
		if b.d.ArrayParams {
			return v, nil
		}
	}
	return nil, fmt.Errorf("orm: cannot bind a value of type %T in %s: not a bool, number, string, []byte, time.Time or driver.Valuer", v, b.d.Name)
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

// sql returns the built statement as a string.
func (b *builder) sql() string {
	if b.fixed != "" {
		return b.fixed
	}
	if len(b.buf) > maxInternedSQL {
		return string(b.buf)
	}
	if m := sqlCache.m.Load(); m != nil {
		if s, ok := (*m)[string(b.buf)]; ok {
			return s
		}
	}
	s := string(b.buf)
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

// result returns the statement, a copy of its args, and the build error:
// the SQL() method of every query.
func (b *builder) result() (string, []any, error) {
	if b.err != nil {
		return "", nil, b.err
	}
	return b.sql(), append([]any(nil), b.args...), nil
}

func (b *builder) pushScope(s scope) { b.scopes = append(b.scopes, s) }

func (b *builder) popScope() { b.scopes = b.scopes[:len(b.scopes)-1] }

// column writes a checked column reference: "col" or "qual.col", where qual
// is a table name or alias of the current scope or an enclosing one
// (correlated subqueries). An unknown name is an error naming the model.
func (b *builder) column(name string) {
	if len(b.scopes) == 0 {
		b.failf("orm: column %q used outside a query", name)
		return
	}
	qual, col := "", name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		qual, col = name[:i], name[i+1:]
		if qual == "" || col == "" {
			// ".name" or "t." would otherwise be looked up as a
			// different, unqualified name and reported as "".
			b.failf("orm: column %q: empty table or column name around the dot", name)
			return
		}
	}
	if qual == "" {
		s := &b.scopes[len(b.scopes)-1]
		if s.t != nil && s.t.FieldByColumn(col) != nil {
			if s.qualify {
				b.ident(s.qual)
				b.writeByte('.')
			}
			b.ident(col)
			return
		}
		if b.aliasMode != aliasNone {
			for _, a := range s.aliases {
				if a.alias != col {
					continue
				}
				if b.aliasMode == aliasName {
					b.ident(col)
				} else {
					b.aliasMode = aliasNone // an alias's expression cannot name an alias
					b.writeByte('(')
					a.e.appendExpr(b)
					b.writeByte(')')
					b.aliasMode = aliasExpand
				}
				return
			}
		}
		var found *join
		for i := range s.joins {
			j := &s.joins[i]
			if j.t != nil && j.t.FieldByColumn(col) != nil {
				if found != nil {
					b.failf("orm: column %q is ambiguous: both %s and %s have it; qualify it", col, found.qual(), j.qual())
					return
				}
				found = j
			}
		}
		if found != nil {
			b.ident(found.qual())
			b.writeByte('.')
			b.ident(col)
			return
		}
		b.fail(unknownColumn(col, s.t))
		return
	}
	for i := len(b.scopes) - 1; i >= 0; i-- {
		s := &b.scopes[i]
		var t *Table
		switch {
		case s.t != nil && s.qual == qual:
			t = s.t
		default:
			for k := range s.joins {
				if s.joins[k].qual() == qual {
					t = s.joins[k].t
					break
				}
			}
		}
		if t == nil {
			continue
		}
		if t.FieldByColumn(col) == nil {
			b.fail(unknownColumn(col, t))
			return
		}
		b.ident(qual)
		b.writeByte('.')
		b.ident(col)
		return
	}
	b.failf("orm: unknown table or alias %q in column %q", qual, name)
}

// plainColumn writes an unqualified column of the current scope's model,
// where SQL allows no qualifier (SET targets, conflict targets).
func (b *builder) plainColumn(col string) {
	s := &b.scopes[len(b.scopes)-1]
	if s.t.FieldByColumn(col) == nil {
		b.fail(unknownColumn(col, s.t))
		return
	}
	b.ident(col)
}

func unknownColumn(col string, t *Table) error {
	if t == nil {
		return fmt.Errorf("orm: unknown column %q", col)
	}
	return fmt.Errorf("orm: unknown column %q in model %v (table %s)", col, t.GoType, t.Name)
}

// checkAlias validates an alias given by the user.
func (b *builder) checkAlias(kind, alias string) bool {
	if !schema.ValidIdent(alias) {
		b.failf("orm: %s alias %q is not a valid identifier", kind, alias)
		return false
	}
	return true
}

// fragment writes an SQL fragment, replacing each "?" with the next
// argument (bound, or written as SQL when it is an Expr). "??" is a literal
// "?"; question marks inside quoted strings and identifiers are kept.
func (b *builder) fragment(s string, args []any) {
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
				b.writeByte('?')
				i++
				continue
			}
			if n >= len(args) {
				b.failf("orm: SQL %q has more placeholders than its %d arguments", s, len(args))
				return
			}
			b.bind(args[n])
			n++
			continue
		}
		b.writeByte(c)
	}
	if n != len(args) {
		b.failf("orm: SQL %q has %d placeholders but %d arguments", s, n, len(args))
	}
}

// limitOffset writes LIMIT/OFFSET with bound values; the dialect's
// OffsetLimit stands in for a missing limit where one is required.
func (b *builder) limitOffset(limit, offset int64) {
	if limit >= 0 {
		b.write(" LIMIT ")
		b.bindValue(limit)
	} else if offset > 0 && b.d.OffsetLimit != "" {
		b.write(" LIMIT ")
		b.write(b.d.OffsetLimit)
	}
	if offset > 0 {
		b.write(" OFFSET ")
		b.bindValue(offset)
	}
}

var valuerType = reflect.TypeFor[driver.Valuer]()
