package orm

import (
	"context"
	"fmt"

	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// execDDL runs statements written by hand (DDL) on what acquire gives
// for ctx, so that a transaction in ctx applies.
func (db *DB) execDDL(ctx context.Context, stmts ...string) error {
	exec, release, err := db.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	for _, s := range stmts {
		if _, err := exec.Exec(ctx, s, nil); err != nil {
			return db.wrapErr(err, s)
		}
	}
	return nil
}

// CreateTableSQL returns the statements that create T's table in the DB's
// dialect: CREATE TABLE with its columns, primary key, unique constraints
// and foreign keys, then one CREATE INDEX per index (inside CREATE TABLE
// on MySQL). With ifNotExists every statement is guarded by IF NOT
// EXISTS. Column types come from the Go types (see Dialect.Types) unless a
// field's tag says type:...; an fk:table without a column references the
// primary key of the model whose table that is, which must have been
// loaded with NewModel first. Errors name the model and the field.
func (m *Model[T]) CreateTableSQL(ifNotExists bool) ([]string, error) {
	return sqlb.CreateTable(m.db.dialect, m.t, ifNotExists, m.db.hstore)
}

// DropTableSQL returns DROP TABLE [IF EXISTS] for T's table.
func (m *Model[T]) DropTableSQL(ifExists bool) string {
	return sqlb.DropTable(m.db.dialect, m.t, ifExists)
}

// CreateTable creates T's table and its indexes (see CreateTableSQL), like
// peewee's create_table; with ifNotExists, one that exists is left as it
// is. It is sync by design, as in peewee-async: it runs with the caller's
// ctx, so under a sync guard that refuses sync calls the caller passes
// aio.AllowSync(ctx) (or an async context).
func (m *Model[T]) CreateTable(ctx context.Context, ifNotExists bool) error {
	stmts, err := m.CreateTableSQL(ifNotExists)
	if err != nil {
		return err
	}
	return m.db.execDDL(ctx, stmts...)
}

// DropTable drops T's table; with ifExists a missing one is no error. It
// is sync by design, like CreateTable.
func (m *Model[T]) DropTable(ctx context.Context, ifExists bool) error {
	return m.db.execDDL(ctx, m.DropTableSQL(ifExists))
}

// TableExists reports whether T's table exists: in the current schema
// (PostgreSQL's search_path), the current database (MySQL) or the main
// database (SQLite). It is sync by design, like CreateTable.
func (m *Model[T]) TableExists(ctx context.Context) (bool, error) {
	q := m.db.dialect.TableExistsSQL
	if q == "" {
		return false, fmt.Errorf("orm: TableExists of %v: dialect %q has no TableExistsSQL", m.t.GoType, m.db.dialect.Name)
	}
	exec, release, err := m.db.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	var ok bool
	if err := queryRow(ctx, exec, q, []any{m.t.Name}, &ok); err != nil {
		return false, m.db.wrapErr(err, q)
	}
	return ok, nil
}

// Truncate deletes every row of T's table: TRUNCATE TABLE, or DELETE FROM
// on SQLite, which has no TRUNCATE. PostgreSQL and MySQL refuse to
// truncate a table other tables' foreign keys refer to. It is sync by
// design, like CreateTable.
func (m *Model[T]) Truncate(ctx context.Context) error {
	b := sqlb.Get(m.db.dialect)
	defer sqlb.Put(b)
	if m.db.dialect.TruncateSQL == "" {
		return fmt.Errorf("orm: Truncate of %v: dialect %q has no TruncateSQL", m.t.GoType, m.db.dialect.Name)
	}
	b.Write(m.db.dialect.TruncateSQL)
	b.Ident(m.t.Name)
	return m.db.execDDL(ctx, string(b.Buf))
}

// TableModel is a model whose table CreateTables and DropTables can
// manage: every *Model[T] is one.
type TableModel interface {
	Table() *Table
	DB() *DB
	CreateTable(ctx context.Context, ifNotExists bool) error
	DropTable(ctx context.Context, ifExists bool) error
}

// CreateTables creates the tables of models (with IF NOT EXISTS), each
// after the tables its foreign keys refer to, whatever the order given;
// references to tables outside models, and a table's references to
// itself, are not ordered. Foreign keys that form a cycle are an error
// naming the tables, returned before anything is created. It is sync by
// design, like Model.CreateTable. The first error stops it; tables
// created before stay.
func CreateTables(ctx context.Context, db *DB, models ...TableModel) error {
	order, err := fkOrder(db, models)
	if err != nil {
		return err
	}
	for _, m := range order {
		if err := m.CreateTable(ctx, true); err != nil {
			return fmt.Errorf("orm: CreateTables: table %s: %w", m.Table().Name, err)
		}
	}
	return nil
}

// DropTables drops the tables of models that exist, each before the
// tables its foreign keys refer to (the reverse of CreateTables' order).
// A cycle is an error as in CreateTables.
func DropTables(ctx context.Context, db *DB, models ...TableModel) error {
	order, err := fkOrder(db, models)
	if err != nil {
		return err
	}
	for i := len(order) - 1; i >= 0; i-- {
		if err := order[i].DropTable(ctx, true); err != nil {
			return fmt.Errorf("orm: DropTables: table %s: %w", order[i].Table().Name, err)
		}
	}
	return nil
}

// fkOrder sorts models so that each comes after those it refers to
// (schema.CreateOrder). Every model must be on db.
func fkOrder(db *DB, models []TableModel) ([]TableModel, error) {
	tables := make([]*Table, len(models))
	for i, m := range models {
		if m == nil || m.Table() == nil {
			return nil, fmt.Errorf("orm: model %d is nil", i)
		}
		if m.DB() != db {
			return nil, fmt.Errorf("orm: model %v is on another DB", m.Table().GoType)
		}
		tables[i] = m.Table()
	}
	idx, err := schema.CreateOrder(tables)
	if err != nil {
		return nil, err
	}
	order := make([]TableModel, len(idx))
	for k, i := range idx {
		order[k] = models[i]
	}
	return order, nil
}
