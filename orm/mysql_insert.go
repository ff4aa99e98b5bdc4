package orm

import (
	"context"
	"fmt"

	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// consecutiveIDs reports whether one multi-row INSERT on db is known to
// get consecutive auto keys (see dialect.Server.ConsecutiveIDs). Only a
// probed MySQL-family server can say so; any other dialect without
// RETURNING is not trusted with it.
func (db *DB) consecutiveIDs() bool {
	return db.server != nil && db.server.ConsecutiveIDs
}

// execEach inserts q's rows one statement each, in one transaction (or a
// savepoint of the context's), reading every auto key from its own
// LastInsertId. The columns are the multi-row statement's (fields), so
// the rows get the same values the single statement would have written.
// On an error nothing is kept and the keys set so far are zeroed again.
func (q *InsertQuery[T]) execEach(ctx context.Context, multi *sqlb.Builder, fields []*Field) (int64, error) {
	db, t := q.m.db, q.m.t
	one := sqlb.Get(db.dialect)
	defer sqlb.Put(one)
	one.InsertInto(t.Name, fields, false)
	one.ValuesRow(fields, nil)
	query := string(one.Buf)
	// The multi-row builder's arguments are the rows' values in order,
	// already converted (BindTime), so each row takes its slice of them.
	args := multi.Args
	var n int64
	done := 0
	err := db.Atomic(ctx, func(ctx context.Context) error {
		for i, r := range q.ins.Rows {
			one.Fixed = query
			one.Args = append(one.Args[:0], args[i*len(fields):(i+1)*len(fields)]...)
			res, err := db.exec(ctx, one)
			if err != nil {
				return err
			}
			id, err := res.LastInsertId()
			if err != nil {
				return fmt.Errorf("orm: Insert into %s: reading the generated %s of row %d: %w", t.Name, t.Auto().Column, i, err)
			}
			t.Auto().SetInt(schema.PtrOf(r), id)
			done = i + 1
			n++
		}
		return nil
	})
	if err != nil {
		for _, r := range q.ins.Rows[:done] {
			t.Auto().SetInt(schema.PtrOf(r), 0)
		}
		return 0, err
	}
	return n, nil
}
