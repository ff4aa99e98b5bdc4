package orm

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

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
	m         *Model[T]
	rows      []*T
	returning []string
	conflict  *conflict
}

type conflict struct {
	target    []string
	doNothing bool
	set       []assignment
}

type assignment struct {
	col string
	val any
}

// Returning adds columns to read back into the rows after the insert
// (INSERT ... RETURNING). It is an error on dialects without INSERT
// RETURNING (MySQL).
func (q *InsertQuery[T]) Returning(cols ...string) *InsertQuery[T] {
	q.returning = append(q.returning, cols...)
	return q
}

// OnConflictDoNothing skips rows that conflict with a unique key: ON
// CONFLICT (target) DO NOTHING, or INSERT IGNORE on MySQL (which ignores
// the target, and also turns some other errors into warnings). Keys are
// not read back for a multi-row insert, since the skipped rows are not
// known.
func (q *InsertQuery[T]) OnConflictDoNothing(target ...string) *InsertQuery[T] {
	q.conflict = &conflict{target: target, doNothing: true}
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
	if q.conflict == nil || q.conflict.doNothing {
		q.conflict = &conflict{}
	}
	q.conflict.target = target
	q.conflict.set = append(q.conflict.set, assignment{col, v})
	return q
}

// sqlByCount caches a model's plain INSERT statements by row count.
type sqlByCount struct {
	mu sync.RWMutex
	m  map[int]string
}

const maxCachedInserts = 256

func (c *sqlByCount) get(n int) (string, bool) {
	c.mu.RLock()
	s, ok := c.m[n]
	c.mu.RUnlock()
	return s, ok
}

func (c *sqlByCount) put(n int, s string) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[int]string{}
	}
	if len(c.m) < maxCachedInserts {
		c.m[n] = s
	}
	c.mu.Unlock()
}

// insertPlan is what build decided: the columns written and the ones read
// back.
type insertPlan struct {
	fields    []*Field
	returning []*Field
	autoBack  bool // fill the auto key from LastInsertId
}

func (q *InsertQuery[T]) build(b *sqlb.Builder) insertPlan {
	var p insertPlan
	t := q.m.t
	if len(q.rows) == 0 {
		b.Failf("orm: Insert into %s with no rows", t.Name)
		return p
	}
	for i, r := range q.rows {
		if r == nil {
			b.Failf("orm: Insert into %s: row %d is nil", t.Name, i)
			return p
		}
	}
	d := b.D
	multiSkip := q.conflict != nil && q.conflict.doNothing && len(q.rows) > 1
	// The usual case, a zero auto key and no defaults, uses the model's
	// precomputed column list.
	p.fields = q.m.insertFields
	general := q.m.hasDefaults
	if a := t.Auto(); a != nil && !general {
		zeros := 0
		for _, r := range q.rows {
			if a.IsZero(schema.PtrOf(r)) {
				zeros++
			}
		}
		general = zeros != len(q.rows)
		if !general {
			q.omitted(&p, a, d, multiSkip)
		}
	}
	if general {
		p.fields = make([]*Field, 0, len(t.Fields))
		for _, f := range t.Fields {
			if !f.Auto && f.Default == "" {
				p.fields = append(p.fields, f)
				continue
			}
			zeros := 0
			for _, r := range q.rows {
				if f.IsZero(schema.PtrOf(r)) {
					zeros++
				}
			}
			switch {
			case zeros == 0:
				p.fields = append(p.fields, f)
			case zeros < len(q.rows) && f.Auto:
				b.Failf("orm: Insert into %s: auto column %s is set in some rows and zero in others", t.Name, f.Column)
				return p
			case zeros < len(q.rows):
				p.fields = append(p.fields, f) // mixed: zero values are written as they are
			default:
				q.omitted(&p, f, d, multiSkip)
			}
		}
	}
	if len(q.returning) > 0 {
		if !d.InsertReturning {
			b.Failf("orm: Insert into %s: the %s dialect has no INSERT ... RETURNING", t.Name, d.Name)
			return p
		}
		if multiSkip {
			b.Failf("orm: Insert into %s: RETURNING rows cannot be matched to a multi-row insert that skips conflicts", t.Name)
			return p
		}
		for _, c := range q.returning {
			f := t.FieldByColumn(c)
			if f == nil {
				b.Fail(sqlb.UnknownColumn(c, t))
				return p
			}
			dup := false
			for _, g := range p.returning {
				dup = dup || g == f
			}
			if !dup {
				p.returning = append(p.returning, f)
			}
		}
	}
	if len(p.fields) == 0 {
		b.Failf("orm: Insert into %s: no columns to insert", t.Name)
		return p
	}
	if n := len(p.fields) * len(q.rows); d.MaxParams > 0 && n > d.MaxParams {
		b.Failf("orm: Insert into %s: %d rows x %d columns = %d parameters, over the %s limit of %d; insert in batches", t.Name, len(q.rows), len(p.fields), n, d.Name, d.MaxParams)
		return p
	}

	// A plain insert of the model's usual columns has one statement per
	// row count: reuse it and only collect the arguments.
	cacheable := !general && q.conflict == nil && len(q.returning) == 0
	if cacheable {
		if s, ok := q.m.insertSQL.get(len(q.rows)); ok {
			b.Fixed = s
			for _, r := range q.rows {
				base := schema.PtrOf(r)
				for _, f := range p.fields {
					b.FieldArg(f, base)
				}
			}
			return p
		}
	}
	b.PushScope(sqlb.Scope{T: t, Qual: t.Name})
	defer b.PopScope()
	if cacheable {
		defer func() {
			if b.Err == nil {
				q.m.insertSQL.put(len(q.rows), b.SQL())
			}
		}()
	}
	b.InsertInto(t.Name, p.fields, q.conflict != nil && q.conflict.doNothing && d.Upsert == UpsertOnDuplicateKey)
	for i, r := range q.rows {
		if i > 0 {
			b.Write(", ")
		}
		b.ValuesRow(p.fields, schema.PtrOf(r))
	}
	q.appendConflict(b)
	if len(p.returning) > 0 {
		b.ReturningFields(p.returning)
	}
	return p
}

// omitted decides how the value of a column left to the database comes
// back: RETURNING, LastInsertId (auto key only), or not at all.
func (q *InsertQuery[T]) omitted(p *insertPlan, f *Field, d *Dialect, multiSkip bool) {
	switch {
	case multiSkip:
	case d.InsertReturning && len(p.returning) == 0 && f.Auto:
		p.returning = q.m.autoOnly[:1:1] // appending to it copies
	case d.InsertReturning:
		p.returning = append(p.returning, f)
	case f.Auto && (q.conflict == nil || len(q.rows) == 1):
		p.autoBack = true
	}
}

func (q *InsertQuery[T]) appendConflict(b *sqlb.Builder) {
	c := q.conflict
	if c == nil {
		return
	}
	if b.D.Upsert == UpsertOnDuplicateKey {
		if c.doNothing {
			return // INSERT IGNORE
		}
		b.Write(" ON DUPLICATE KEY UPDATE ")
		q.appendSet(b, c.set)
		return
	}
	b.Write(" ON CONFLICT")
	if len(c.target) > 0 {
		b.Write(" (")
		for i, col := range c.target {
			if i > 0 {
				b.Write(", ")
			}
			b.PlainColumn(col)
		}
		b.WriteChar(')')
	} else if !c.doNothing {
		b.Failf("orm: Insert into %s: an upsert needs the conflict target columns on %s", q.m.t.Name, b.D.Name)
	}
	if c.doNothing {
		b.Write(" DO NOTHING")
		return
	}
	b.Write(" DO UPDATE SET ")
	q.appendSet(b, c.set)
}

// appendSet writes an upsert's assignments. With ON CONFLICT a bare
// column in a value is ambiguous on PostgreSQL (the existing row or
// EXCLUDED), so columns in values are written qualified by the table: the
// existing row, as MySQL's bare names mean.
func (q *InsertQuery[T]) appendSet(b *sqlb.Builder, set []assignment) {
	s := &b.Scopes[len(b.Scopes)-1]
	for i, a := range set {
		if i > 0 {
			b.Write(", ")
		}
		b.PlainColumn(a.col)
		b.Write(" = ")
		s.Qualify = b.D.Upsert == UpsertOnConflict
		b.Bind(a.val)
		s.Qualify = false
	}
}

// appendExpr makes an insert usable where an Expr is (it is not useful as
// a subquery, but it keeps every query a Query).
func (q *InsertQuery[T]) AppendExpr(b *sqlb.Builder) {
	b.WriteChar('(')
	q.build(b)
	b.WriteChar(')')
}

// SQL returns the statement and its arguments (see Query).
func (q *InsertQuery[T]) SQL() (string, []any, error) {
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.build(b)
	return b.Result()
}

// Exec runs the insert, fills generated keys and RETURNING columns into
// the rows, and returns the number of rows inserted (as the driver counts
// them: MySQL counts an upsert's update as 2).
func (q *InsertQuery[T]) Exec(ctx context.Context) (int64, error) {
	if len(q.rows) == 1 && q.rows[0] != nil && q.conflict == nil && len(q.returning) == 0 {
		// One plain row is what Create inserts: the same statement,
		// cached per set of columns, with its scan plan.
		p := schema.PtrOf(q.rows[0])
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
	p := q.build(b)
	if b.Err != nil {
		return 0, b.Err
	}
	if len(p.returning) > 0 {
		var n int
		err := db.run(ctx, b, func(rows *sql.Rows) (err error) {
			n, err = scanInto(q.m, b, rows, q.rows)
			return err
		})
		if err != nil {
			// MariaDB streams RETURNING rows before a later row fails
			// the statement: keys read so far name rows that are not.
			q.zeroAutoKeys(p)
			return 0, err
		}
		return int64(n), nil
	}
	if p.autoBack && len(q.rows) > 1 && !db.consecutiveIDs() {
		return q.execEach(ctx, b, p.fields)
	}
	res, err := db.exec(ctx, b)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("orm: Insert into %s: rows affected: %w", q.m.t.Name, err)
	}
	if p.autoBack && (q.conflict == nil || n == 1) {
		id, err := res.LastInsertId()
		if err != nil {
			return n, fmt.Errorf("orm: Insert into %s: reading the generated %s: %w", q.m.t.Name, q.m.t.Auto().Column, err)
		}
		for i, r := range q.rows {
			q.m.t.Auto().SetInt(schema.PtrOf(r), id+int64(i))
		}
	}
	return n, nil
}
