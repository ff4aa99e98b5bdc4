package orm

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm/schema"
)

// Prefetch loads the relations named by rels (see Relation) for all of
// parents at once, with one query per relation level rather than one per
// parent:
//
//	err := orm.Prefetch(ctx, db, posts, "Comments", "Comments.Likes", "Author")
//
// A path is relation field names joined by dots; each step starts from
// the rows the previous step loaded, and a step shared by several paths is
// loaded once. A slice relation gets, on every parent, the rows whose
// foreign key references it, ordered by their primary key (an empty,
// non-nil slice when there are none); a pointer relation gets the row its
// foreign key references (nil when the key is NULL or matches no row).
// Every step replaces what the fields held.
//
// On PostgreSQL a step is one statement, key = ANY($1), with the keys as
// one array argument; elsewhere it is key IN (...) with as many keys per
// statement as the dialect's parameter limit allows. Paths are checked
// before any query: an unknown relation fails naming the model and the
// relations it has. A nil element of parents is an error. Like every
// statement of db, the queries run in the transaction ctx carries, if any.
func Prefetch[P any](ctx context.Context, db *DB, parents []*P, rels ...string) error {
	return prefetchAny(ctx, db, parents, rels...)
}

// AioPrefetch is the async Prefetch: it runs Prefetch in a new goroutine
// and delivers its error (a zero struct{} on success). parents must not be
// read or changed until then.
func AioPrefetch[P any](ctx context.Context, db *DB, parents []*P, rels ...string) <-chan aio.Result[struct{}] {
	return aio.Go(ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, prefetchAny(ctx, db, parents, rels...)
	})
}

// prefetchNode is one step of the prefetch tree: a relation and the steps
// that start from the rows it loads.
type prefetchNode struct {
	rel  *Relation
	next []*prefetchNode
}

// prefetchAny is Prefetch for callers without the type: parents is a []*P
// or a []P as an any.
func prefetchAny(ctx context.Context, db *DB, parents any, rels ...string) error {
	if db == nil {
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
	return prefetchLevel(ctx, db, rows, root)
}

// prefetchTree parses the paths into a tree of resolved relations.
func prefetchTree(t *Table, paths []string) ([]*prefetchNode, error) {
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
func prefetchLevel(ctx context.Context, db *DB, rows []schema.Ptr, nodes []*prefetchNode) error {
	for _, n := range nodes {
		var loaded []schema.Ptr
		var err error
		if n.rel.Many {
			loaded, err = prefetchMany(ctx, db, rows, n.rel)
		} else {
			loaded, err = prefetchOne(ctx, db, rows, n.rel)
		}
		if err != nil {
			return err
		}
		if err := prefetchLevel(ctx, db, loaded, n.next); err != nil {
			return err
		}
	}
	return nil
}

// prefetchMany fills the slice relation r of every row with the rows of
// r.Target whose foreign key references it, and returns those rows.
func prefetchMany(ctx context.Context, db *DB, rows []schema.Ptr, r *Relation) ([]schema.Ptr, error) {
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
	err := loadByKeys(ctx, db, r.Target, r.FK.Column, keys, true, func(row reflect.Value) error {
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
func prefetchOne(ctx context.Context, db *DB, rows []schema.Ptr, r *Relation) ([]schema.Ptr, error) {
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
	err := loadByKeys(ctx, db, r.Target, r.Ref.Column, keys, false, func(row reflect.Value) error {
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
