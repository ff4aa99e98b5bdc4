package orm

import (
	"context"
	"fmt"
	"reflect"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// Fetch returns the row that child's foreign key references, through the
// pointer relation field named rel (see Relation), and stores it in that
// field:
//
//	post, err := orm.Fetch[Post](ctx, db, comment, "Post")
//
// A second call returns the stored row without a query, as long as the
// foreign key still holds the key of that row; after the key changed it
// loads the new one. A NULL foreign key gives nil and a nil error (and
// clears the field); a key that matches no row gives an error matching
// ErrDoesNotExist. It fails without a query when C has no such relation,
// when the relation is a slice (load those with Prefetch) or when it
// points at another type than P. Like every statement of db, it runs in
// the transaction ctx carries, if any.
func Fetch[P any, C any](ctx context.Context, db *DB, child *C, rel string) (*P, error) {
	p, err := fetchRel(ctx, db, reflect.TypeFor[C](), schema.PtrOf(child), reflect.TypeFor[P](), rel)
	return (*P)(p), err
}

// AioFetch is the async Fetch: it runs Fetch in a new goroutine and
// delivers its result. child must not be read or changed until then.
func AioFetch[P any, C any](ctx context.Context, db *DB, child *C, rel string) <-chan aio.Result[*P] {
	return aio.Go(ctx, func(ctx context.Context) (*P, error) { return Fetch[P](ctx, db, child, rel) })
}

// fetchRel loads the row of the pointer relation rel of the struct of type
// ct at child. want, when not nil, is the type the caller expects.
func fetchRel(ctx context.Context, db *DB, ct reflect.Type, child schema.Ptr, want reflect.Type, rel string) (schema.Ptr, error) {
	if db == nil {
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
	b := sqlb.Get(db.dialect)
	defer sqlb.Put(b)
	buildSelect(b, r.Target, Eq(r.Ref.Column, key), false)
	var found reflect.Value
	err = scanTable(ctx, db, b, r.Target, func(row reflect.Value) error {
		if !found.IsValid() {
			found = row
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !found.IsValid() {
		return nil, notFound(db, b, r.Target)
	}
	field.Set(found)
	return schema.Ptr(found.UnsafePointer()), nil
}
