package orm

import (
	"context"
	"reflect"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm/internal/related"
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
	p, err := related.Fetch(ctx, runnerOf(db), reflect.TypeFor[C](), schema.PtrOf(child), reflect.TypeFor[P](), rel)
	return (*P)(p), err
}

// AioFetch is the async Fetch: it runs Fetch in a new goroutine and
// delivers its result. child must not be read or changed until then.
func AioFetch[P any, C any](ctx context.Context, db *DB, child *C, rel string) <-chan aio.Result[*P] {
	return aio.Go(ctx, func(ctx context.Context) (*P, error) { return Fetch[P](ctx, db, child, rel) })
}
