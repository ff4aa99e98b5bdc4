package orm

import (
	"context"

	"github.com/aiodb/aiodb/orm/engine"
	"github.com/aiodb/aiodb/orm/internal/related"
	"github.com/aiodb/aiodb/orm/internal/sqlb"
)

// relRunner is the DB as package related's Runner, for Prefetch and Fetch.
type relRunner struct{ db *DB }

func (r relRunner) Dialect() *Dialect { return r.db.dialect }

func (r relRunner) Run(ctx context.Context, b *sqlb.Builder, fn func(rows engine.Rows) error) error {
	return r.db.run(ctx, b, fn)
}

func (r relRunner) NotFound(b *sqlb.Builder, t *Table) error { return notFound(r.db, b, t) }

// runnerOf returns db as a Runner; nil for a nil db, which package related
// reports as an error.
func runnerOf(db *DB) related.Runner {
	if db == nil {
		return nil
	}
	return relRunner{db}
}
