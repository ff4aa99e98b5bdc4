package orm

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// Model is the entry point for one model type T on one DB: it holds T's
// metadata and builds T's queries, and its methods (model_*.go) get, save
// and delete single rows. Get it with NewModel; it is safe for concurrent
// use. Model is a typed face over the model's untyped entity, which the
// Manager uses for values it receives as any.
type Model[T any] struct {
	*entity
}

// NewModel returns the Model of T on db, building T's metadata on first
// use (cached per type, safe for concurrent first use) and the Model on
// first use per DB. T must be a struct with at least one primary key
// field; a bad tag, an unsupported field type, a duplicate column or a
// missing primary key is an error naming the struct and the field.
func NewModel[T any](db *DB) (*Model[T], error) {
	if db == nil {
		return nil, errors.New("orm.NewModel: nil *DB")
	}
	e, err := db.entityOf(reflect.TypeFor[T]())
	if err != nil {
		return nil, err
	}
	if m, ok := e.typed.Load().(*Model[T]); ok {
		return m, nil
	}
	e.typed.CompareAndSwap(nil, &Model[T]{entity: e})
	return e.typed.Load().(*Model[T]), nil
}

// MustModel is NewModel that panics on error, for package-level variables
// whose models are known to be valid.
func MustModel[T any](db *DB) *Model[T] {
	m, err := NewModel[T](db)
	if err != nil {
		panic(err)
	}
	return m
}

// Table returns T's metadata.
func (m *Model[T]) Table() *Table { return m.t }

// DB returns the DB the model runs its queries on.
func (m *Model[T]) DB() *DB { return m.db }

// Select starts a SELECT of T's table. With no columns it selects every
// column of the model; otherwise the named ones (checked when the query is
// built).
func (m *Model[T]) Select(cols ...string) *SelectQuery[T] {
	q := &SelectQuery[T]{m: m, s: sqlb.Select{SelectExtra: &sqlb.NoExtra, Limit: -1}}
	if len(cols) > 0 {
		q.s.Cols = append([]string(nil), cols...)
	}
	return q
}

// Insert starts an INSERT of rows (one statement for all of them).
func (m *Model[T]) Insert(rows ...*T) *InsertQuery[T] {
	return &InsertQuery[T]{m: m, ins: sqlb.Insert[T]{Rows: rows}}
}

// Update starts an UPDATE of T's table.
func (m *Model[T]) Update() *UpdateQuery[T] {
	return &UpdateQuery[T]{m: m, u: sqlb.Update{T: m.t}}
}

// Delete starts a DELETE from T's table.
func (m *Model[T]) Delete() *DeleteQuery[T] {
	return &DeleteQuery[T]{m: m, d: sqlb.Delete{T: m.t}}
}

// Raw is a statement written by hand, its results scanned into T. Its "?"
// placeholders are rewritten to the dialect's ("$1", ...); "??" is a
// literal "?"; an Expr argument is written in place.
func (m *Model[T]) Raw(query string, args ...any) *RawQuery[T] {
	return &RawQuery[T]{m: m, query: query, args: args}
}

// pkWhere returns the condition matching row's primary key.
func (m *Model[T]) pkWhere(row *T) (Expr, error) {
	if row == nil {
		return nil, fmt.Errorf("orm: nil *%v", m.t.GoType)
	}
	base := schema.PtrOf(row)
	if len(m.t.PrimaryKey) == 1 {
		f := m.t.PrimaryKey[0]
		return &sqlb.Cmp{Col: f.Column, Op: sqlb.OpEq, Val: f.Value(base)}, nil
	}
	conds := make([]Expr, len(m.t.PrimaryKey))
	for i, f := range m.t.PrimaryKey {
		conds[i] = &sqlb.Cmp{Col: f.Column, Op: sqlb.OpEq, Val: f.Value(base)}
	}
	return &sqlb.Logic{Op: " AND ", Exprs: conds}, nil
}
