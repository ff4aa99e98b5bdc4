package related

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/aiodb/aiodb/orm/dialect"
	"github.com/aiodb/aiodb/orm/engine"
	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// Runner is what loading relations needs of orm's DB: its dialect, a way
// to run a built statement (in the context's transaction, on a replica
// for a read, through the guard and hooks), and its not-found error.
type Runner interface {
	Dialect() *dialect.Dialect
	Run(ctx context.Context, b *sqlb.Builder, fn func(rows engine.Rows) error) error
	NotFound(b *sqlb.Builder, t *schema.Table) error
}

// prefetchNode is one step of the prefetch tree: a relation and the steps
// that start from the rows it loads.
type prefetchNode struct {
	rel  *schema.Relation
	next []*prefetchNode
}

// Prefetch loads the relations rels of parents (a []*P or a []P) as
// orm.Prefetch says.
func Prefetch(ctx context.Context, run Runner, parents any, rels ...string) error {
	if run == nil {
		return fmt.Errorf("orm: Prefetch: nil *DB")
	}
	rv := reflect.ValueOf(parents)
	if rv.Kind() != reflect.Slice {
		return fmt.Errorf("orm: Prefetch: want a slice of models, not %T", parents)
	}
	et := rv.Type().Elem()
	byPtr := et.Kind() == reflect.Pointer
	if byPtr {
		et = et.Elem()
	}
	if et.Kind() != reflect.Struct {
		return fmt.Errorf("orm: Prefetch: want a slice of models, not %T", parents)
	}
	t, err := schema.Of(et)
	if err != nil {
		return err
	}
	root, err := prefetchTree(t, rels)
	if err != nil {
		return err
	}
	rows := make([]schema.Ptr, rv.Len())
	for i := range rows {
		e := rv.Index(i)
		if byPtr {
			if e.IsNil() {
				return fmt.Errorf("orm: Prefetch: parents[%d] is a nil *%v", i, et)
			}
			rows[i] = schema.Ptr(e.UnsafePointer())
		} else {
			rows[i] = schema.Ptr(e.Addr().UnsafePointer())
		}
	}
	return prefetchLevel(ctx, run, rows, root)
}

// prefetchTree parses the paths into a tree of resolved relations.
func prefetchTree(t *schema.Table, paths []string) ([]*prefetchNode, error) {
	var root []*prefetchNode
	for _, path := range paths {
		level, cur := &root, t
		for _, name := range strings.Split(path, ".") {
			r, err := cur.LookupRelation("Prefetch", name)
			if err != nil {
				if path != name {
					err = fmt.Errorf("%w, in path %q", err, path)
				}
				return nil, err
			}
			var node *prefetchNode
			for _, n := range *level {
				if n.rel == r {
					node = n
				}
			}
			if node == nil {
				node = &prefetchNode{rel: r}
				*level = append(*level, node)
			}
			// The related model's own relations were not needed to
			// resolve r; resolve them for the next step.
			if err := r.Target.ResolveRelations(); err != nil {
				return nil, err
			}
			level, cur = &node.next, r.Target
		}
	}
	return root, nil
}

// prefetchLevel loads each node's relation for rows, then the node's
// children for the rows it loaded.
func prefetchLevel(ctx context.Context, run Runner, rows []schema.Ptr, nodes []*prefetchNode) error {
	for _, n := range nodes {
		var loaded []schema.Ptr
		var err error
		if n.rel.Many {
			loaded, err = prefetchMany(ctx, run, rows, n.rel)
		} else {
			loaded, err = prefetchOne(ctx, run, rows, n.rel)
		}
		if err != nil {
			return err
		}
		if err := prefetchLevel(ctx, run, loaded, n.next); err != nil {
			return err
		}
	}
	return nil
}

// prefetchMany fills the slice relation r of every row with the rows of
// r.Target whose foreign key references it, and returns those rows.
func prefetchMany(ctx context.Context, run Runner, rows []schema.Ptr, r *schema.Relation) ([]schema.Ptr, error) {
	keys := make([]any, 0, len(rows))
	seen := make(map[any]struct{}, len(rows))
	for _, p := range rows {
		if k, ok := schema.KeyValue(r.Ref, p); ok {
			if _, dup := seen[k]; !dup {
				seen[k] = struct{}{}
				keys = append(keys, k)
			}
		}
	}
	groups := make(map[any]reflect.Value, len(keys)) // key -> []*C
	var loaded []schema.Ptr
	err := loadByKeys(ctx, run, r.Target, r.FK.Column, keys, true, func(row reflect.Value) error {
		p := schema.Ptr(row.UnsafePointer())
		k, ok := schema.KeyValue(r.FK, p)
		if !ok {
			return nil // cannot happen: NULL matches no key
		}
		g, ok := groups[k]
		if !ok {
			g = reflect.MakeSlice(r.Type, 0, 4)
		}
		groups[k] = reflect.Append(g, row)
		loaded = append(loaded, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	empty := reflect.MakeSlice(r.Type, 0, 0)
	for _, p := range rows {
		g := empty
		if k, ok := schema.KeyValue(r.Ref, p); ok {
			if found, ok := groups[k]; ok {
				// Full slice expression: a parent listed twice gets two
				// slices, and appending to one cannot change the other.
				g = found.Slice3(0, found.Len(), found.Len())
			}
		}
		r.At(p).Set(g)
	}
	return loaded, nil
}

// prefetchOne fills the pointer relation r of every row with the row of
// r.Target its foreign key references, and returns those rows, each once.
func prefetchOne(ctx context.Context, run Runner, rows []schema.Ptr, r *schema.Relation) ([]schema.Ptr, error) {
	keys := make([]any, 0, len(rows))
	seen := make(map[any]struct{}, len(rows))
	for _, p := range rows {
		if k, ok := schema.KeyValue(r.FK, p); ok {
			if _, dup := seen[k]; !dup {
				seen[k] = struct{}{}
				keys = append(keys, k)
			}
		}
	}
	byKey := make(map[any]reflect.Value, len(keys)) // key -> *P
	var loaded []schema.Ptr
	err := loadByKeys(ctx, run, r.Target, r.Ref.Column, keys, false, func(row reflect.Value) error {
		p := schema.Ptr(row.UnsafePointer())
		if k, ok := schema.KeyValue(r.Ref, p); ok {
			if _, dup := byKey[k]; !dup {
				byKey[k] = row
				loaded = append(loaded, p)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, p := range rows {
		f := r.At(p)
		k, ok := schema.KeyValue(r.FK, p)
		if v, found := byKey[k]; ok && found {
			f.Set(v)
		} else {
			f.SetZero()
		}
	}
	return loaded, nil
}

// buildSelect writes SELECT <t's columns> FROM t WHERE cond [ORDER BY
// its primary key] into b.
func buildSelect(b *sqlb.Builder, t *schema.Table, cond sqlb.Expr, ordered bool) {
	b.PushScope(sqlb.Scope{T: t, Qual: t.Name})
	defer b.PopScope()
	b.Write("SELECT ")
	for i, f := range t.Fields {
		if i > 0 {
			b.Write(", ")
		}
		b.Ident(f.Column)
	}
	b.Write(" FROM ")
	b.Ident(t.Name)
	b.Write(" WHERE ")
	b.Cond(cond)
	if ordered {
		b.Write(" ORDER BY ")
		for i, f := range t.PrimaryKey {
			if i > 0 {
				b.Write(", ")
			}
			b.Ident(f.Column)
		}
	}
}

// scanTable runs the statement in b and calls fn with each row, scanned
// into a new value of t's type (fn gets a pointer to it).
func scanTable(ctx context.Context, run Runner, b *sqlb.Builder, t *schema.Table, fn func(row reflect.Value) error) error {
	p := schema.RowPlan(t, run.Dialect().TimeAsText)
	return run.Run(ctx, b, func(rows engine.Rows) error {
		for rows.Next() {
			row := reflect.New(t.GoType)
			b.Scan.Set(p, schema.Ptr(row.UnsafePointer()), b.D.TimeWallUTC)
			if err := rows.Scan(b.Scan.List...); err != nil {
				return fmt.Errorf("orm: scanning into %v: %w", t.GoType, err)
			}
			if err := fn(row); err != nil {
				return err
			}
		}
		return nil
	})
}

// keyConds returns the conditions selecting rows whose col is one of
// keys: one col = ANY($1) with the keys as one array argument where the
// dialect binds arrays and the keys are integers or strings, else IN lists
// in chunks that keep each statement under the dialect's parameter limit.
func keyConds(d *dialect.Dialect, col string, keys []any) []sqlb.Expr {
	if d.ArrayParams {
		if arr := keyArray(keys); arr != nil {
			return []sqlb.Expr{sqlb.Any(col, arr)}
		}
	}
	n := d.MaxParams
	if n <= 0 {
		n = 999 // SQLite's historical limit, the smallest in use
	}
	conds := make([]sqlb.Expr, 0, (len(keys)+n-1)/n)
	for i := 0; i < len(keys); i += n {
		conds = append(conds, sqlb.In(col, keys[i:min(i+n, len(keys))]))
	}
	return conds
}

// keyArray returns keys as a []int64 or []string, the slices every
// PostgreSQL driver binds as an array, or nil when they are of other
// types.
func keyArray(keys []any) any {
	switch keys[0].(type) {
	case int64:
		out := make([]int64, len(keys))
		for i, k := range keys {
			v, ok := k.(int64)
			if !ok {
				return nil
			}
			out[i] = v
		}
		return out
	case string:
		out := make([]string, len(keys))
		for i, k := range keys {
			v, ok := k.(string)
			if !ok {
				return nil
			}
			out[i] = v
		}
		return out
	}
	return nil
}

// loadByKeys selects the rows of t whose col is one of keys, with as few
// statements as keyConds allows, and calls fn with each. ordered sorts
// each statement's rows by primary key.
func loadByKeys(ctx context.Context, run Runner, t *schema.Table, col string, keys []any, ordered bool, fn func(row reflect.Value) error) error {
	if len(keys) == 0 {
		return nil
	}
	for _, cond := range keyConds(run.Dialect(), col, keys) {
		b := sqlb.Get(run.Dialect())
		buildSelect(b, t, cond, ordered)
		if b.Err == nil {
			// Not interned: IN lists vary in length with every call.
			b.Fixed = string(b.Buf)
		}
		err := scanTable(ctx, run, b, t, fn)
		sqlb.Put(b)
		if err != nil {
			return err
		}
	}
	return nil
}

// Fetch loads the row of the pointer relation rel of the struct of type
// ct at child. want, when not nil, is the type the caller expects.
func Fetch(ctx context.Context, run Runner, ct reflect.Type, child schema.Ptr, want reflect.Type, rel string) (schema.Ptr, error) {
	if run == nil {
		return nil, fmt.Errorf("orm: Fetch(%q): nil *DB", rel)
	}
	if child == nil {
		return nil, fmt.Errorf("orm: Fetch(%q): nil *%v", rel, ct)
	}
	t, err := schema.Of(ct)
	if err != nil {
		return nil, err
	}
	r, err := t.LookupRelation("Fetch", rel)
	if err != nil {
		return nil, err
	}
	if r.Many {
		return nil, fmt.Errorf("orm: Fetch: %v.%s is a slice of the rows referencing %v; load it with Prefetch", ct, r.Name, ct)
	}
	if want != nil && want != r.Target.GoType {
		return nil, fmt.Errorf("orm: Fetch[%v]: %v.%s holds a *%v", want, ct, r.Name, r.Target.GoType)
	}
	field := r.At(child)
	key, ok := schema.KeyValue(r.FK, child)
	if !ok {
		field.SetZero()
		return nil, nil
	}
	if !field.IsNil() {
		cur := schema.Ptr(field.UnsafePointer())
		if k, ok := schema.KeyValue(r.Ref, cur); ok && k == key {
			return cur, nil
		}
	}
	b := sqlb.Get(run.Dialect())
	defer sqlb.Put(b)
	buildSelect(b, r.Target, sqlb.Eq(r.Ref.Column, key), false)
	var found reflect.Value
	err = scanTable(ctx, run, b, r.Target, func(row reflect.Value) error {
		if !found.IsValid() {
			found = row
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !found.IsValid() {
		return nil, run.NotFound(b, r.Target)
	}
	field.Set(found)
	return schema.Ptr(found.UnsafePointer()), nil
}
