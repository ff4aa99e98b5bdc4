package orm

import (
	"context"
	"fmt"

	"github.com/aiodb/aiodb/orm/engine"
	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// InsertQuery is an INSERT of one or more rows of T in one statement.
//
// Columns: every field, except that an auto primary key that is zero in
// every row is left to the database, and a field with a default: tag that
// is zero in every row is left out so that the database's default
// applies. Generated values are read back into the rows: with RETURNING
// where the dialect has it (PostgreSQL, SQLite, MariaDB), else the auto
// key from LastInsertId. Defaults are not read back without RETURNING.
//
// A multi-row insert without RETURNING (the MySQL dialect) whose auto
// keys must come back is one statement only when Open learned that the
// server gives it consecutive keys (innodb_autoinc_lock_mode 0 or 1 and
// auto_increment_increment 1): the keys are then LastInsertId, +1, +2...
// Otherwise (lock mode 2, MySQL 8's default; a server Open could not
// reach; a driver other than aiomysql) the rows are inserted one by one
// in one transaction (a savepoint inside the context's transaction), each
// with its own LastInsertId; if one fails none is kept and every key is
// zero again.
type InsertQuery[T any] struct {
	m   *Model[T]
	ins sqlb.Insert[T]
}

// Returning adds columns to read back into the rows after the insert
// (INSERT ... RETURNING). It is an error on dialects without INSERT
// RETURNING (MySQL).
func (q *InsertQuery[T]) Returning(cols ...string) *InsertQuery[T] {
	q.ins.Returning = append(q.ins.Returning, cols...)
	return q
}

// OnConflictDoNothing skips rows that conflict with a unique key: ON
// CONFLICT (target) DO NOTHING, or INSERT IGNORE on MySQL (which ignores
// the target, and also turns some other errors into warnings). Keys are
// not read back for a multi-row insert, since the skipped rows are not
// known.
func (q *InsertQuery[T]) OnConflictDoNothing(target ...string) *InsertQuery[T] {
	q.ins.Conflict = &sqlb.Conflict{Target: target, DoNothing: true}
	return q
}

// OnConflictUpdate turns a conflict on target into an update of cols with
// the values the row would have inserted (an upsert): ON CONFLICT (target)
// DO UPDATE SET col = EXCLUDED.col, or ON DUPLICATE KEY UPDATE col =
// VALUES(col) on MySQL (which ignores the target).
func (q *InsertQuery[T]) OnConflictUpdate(target []string, cols ...string) *InsertQuery[T] {
	for _, c := range cols {
		q = q.OnConflictSet(target, c, Excluded(c))
	}
	return q
}

// OnConflictSet adds col = v to the upsert's update; v may be an Expr:
// SQL("? + 1", Col("hits")) or Excluded("hits").
func (q *InsertQuery[T]) OnConflictSet(target []string, col string, v any) *InsertQuery[T] {
	c := q.ins.Conflict
	if c == nil || c.DoNothing {
		c = &sqlb.Conflict{}
		q.ins.Conflict = c
	}
	c.Target = target
	c.Set = append(c.Set, sqlb.Assignment{Col: col, Val: v})
	return q
}

// appendExpr makes an insert usable where an Expr is (it is not useful as
// a subquery, but it keeps every query a Query).
func (q *InsertQuery[T]) AppendExpr(b *sqlb.Builder) {
	b.WriteChar('(')
	q.ins.Write(b, &q.m.ins)
	b.WriteChar(')')
}

// SQL returns the statement and its arguments (see Query).
func (q *InsertQuery[T]) SQL() (string, []any, error) {
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.ins.Write(b, &q.m.ins)
	return b.Result()
}

// Exec runs the insert, fills generated keys and RETURNING columns into
// the rows, and returns the number of rows inserted (as the driver counts
// them: MySQL counts an upsert's update as 2).
func (q *InsertQuery[T]) Exec(ctx context.Context) (int64, error) {
	rows := q.ins.Rows
	if len(rows) == 1 && rows[0] != nil && q.ins.Conflict == nil && len(q.ins.Returning) == 0 {
		// One plain row is what Create inserts: the same statement,
		// cached per set of columns, with its scan plan.
		p := schema.PtrOf(rows[0])
		auto := q.m.t.Auto()
		autoWasZero := auto != nil && auto.IsZero(p)
		n, err := q.m.insertRow(ctx, p, nil)
		if err != nil && autoWasZero {
			auto.SetInt(p, 0) // a key read back names a row that is not
		}
		return n, err
	}
	db := q.m.db
	b := sqlb.Get(db.dialect)
	defer sqlb.Put(b)
	p := q.ins.Write(b, &q.m.ins)
	if b.Err != nil {
		return 0, b.Err
	}
	if len(p.Returning) > 0 {
		var n int
		err := db.run(ctx, b, func(res engine.Rows) (err error) {
			n, err = scanInto(q.m, b, res, q.ins.Rows)
			return err
		})
		if err != nil {
			// MariaDB streams RETURNING rows before a later row fails
			// the statement: keys read so far name rows that are not.
			q.ins.ZeroAutoKeys(q.m.t, p)
			return 0, err
		}
		return int64(n), nil
	}
	if p.AutoBack && len(rows) > 1 && !db.consecutiveIDs() {
		return q.execEach(ctx, b, p.Fields)
	}
	res, err := db.exec(ctx, b)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("orm: Insert into %s: rows affected: %w", q.m.t.Name, err)
	}
	if p.AutoBack && (q.ins.Conflict == nil || n == 1) {
		id, err := res.LastInsertId()
		if err != nil {
			return n, fmt.Errorf("orm: Insert into %s: reading the generated %s: %w", q.m.t.Name, q.m.t.Auto().Column, err)
		}
		for i, r := range rows {
			q.m.t.Auto().SetInt(schema.PtrOf(r), id+int64(i))
		}
	}
	return n, nil
}
