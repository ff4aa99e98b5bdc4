package orm

import (
	"context"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm/internal/related"
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
	return related.Prefetch(ctx, runnerOf(db), parents, rels...)
}

// AioPrefetch is the async Prefetch: it runs Prefetch in a new goroutine
// and delivers its error (a zero struct{} on success). parents must not be
// read or changed until then.
func AioPrefetch[P any](ctx context.Context, db *DB, parents []*P, rels ...string) <-chan aio.Result[struct{}] {
	return aio.Go(ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, related.Prefetch(ctx, runnerOf(db), parents, rels...)
	})
}
