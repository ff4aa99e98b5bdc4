package orm

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm/internal/related"
)

// Manager is peewee-async's high-level API: one object through which a
// program runs all its async database work. Every method that touches the
// database returns a channel that delivers exactly one aio.Result and is
// then closed, like aio.Go: the work runs in another goroutine with its
// context marked async, so the driver's sync guard lets it through.
//
// Methods take objects as any, a pointer to a model struct; those that
// must return typed rows are the generic functions beside it (Get,
// GetOrNone, GetOrCreate, CreateOrGet, Execute), since Go methods cannot
// have type parameters. A Manager is safe for concurrent use.
//
// After Close every call fails with an error matching ErrManagerClosed,
// until Connect.
type Manager struct {
	db *DB
}

// NewManager returns a Manager over db. It does not connect: the pool
// connects on first use.
func NewManager(db *DB) *Manager { return &Manager{db: db} }

// DB returns the Manager's database.
func (m *Manager) DB() *DB { return m.db }

// AllowSync returns ctx marked so that sync calls pass the guard whatever
// its mode, like peewee-async's "with objects.allow_sync():". See
// aio.AllowSync.
func (m *Manager) AllowSync(ctx context.Context) context.Context { return aio.AllowSync(ctx) }

// check returns ErrManagerClosed after Close.
func (m *Manager) check() error {
	if m.db == nil {
		return errors.New("orm: Manager has no DB: use orm.NewManager(db)")
	}
	if m.db.suspended() {
		return ErrManagerClosed
	}
	return nil
}

// run runs fn like aio.Go after check.
func run[V any](ctx context.Context, m *Manager, fn func(ctx context.Context) (V, error)) <-chan aio.Result[V] {
	if err := m.check(); err != nil {
		var zero V
		return aio.Value(zero, err)
	}
	return aio.Go(ctx, fn)
}

// Create inserts obj, a pointer to a model struct, like Model.Create: its
// generated values are read back into it, and the Value delivered is obj
// itself. An existing key fails with an error matching ErrIntegrity.
func (m *Manager) Create(ctx context.Context, obj any) <-chan aio.Result[any] {
	return run(ctx, m, func(ctx context.Context) (any, error) {
		e, p, err := m.db.entityOfObj("Manager.Create", obj)
		if err != nil {
			return nil, err
		}
		if _, err := e.save(ctx, "Manager.Create", p, saveInsert, nil); err != nil {
			return nil, err
		}
		return obj, nil
	})
}

// Update writes obj's columns (those named in only, or every column but
// the primary key) to its row by primary key, like peewee-async's
// Manager.update, and delivers the rows affected. obj's primary key must
// be set (use Create for a new row); unknown columns, key columns in
// only, or nothing to set are errors naming the model. Save hooks run
// with created = false.
func (m *Manager) Update(ctx context.Context, obj any, only ...string) <-chan aio.Result[int64] {
	return run(ctx, m, func(ctx context.Context) (int64, error) {
		e, p, err := m.db.entityOfObj("Manager.Update", obj)
		if err != nil {
			return 0, err
		}
		return e.save(ctx, "Manager.Update", p, saveUpdate, only)
	})
}

// Delete deletes obj's row like Model.DeleteInstance, with its dependent
// rows when recursive, and delivers the rows deleted.
func (m *Manager) Delete(ctx context.Context, obj any, recursive, deleteNullable bool) <-chan aio.Result[int64] {
	return run(ctx, m, func(ctx context.Context) (int64, error) {
		e, p, err := m.db.entityOfObj("Manager.Delete", obj)
		if err != nil {
			return 0, err
		}
		return e.deleteInstance(ctx, p, recursive, deleteNullable)
	})
}

// Execute runs a write — an InsertQuery, UpdateQuery, DeleteQuery or
// RawQuery — and delivers the rows it affected. A select is an error: run
// it with the generic Execute, which delivers its rows.
func (m *Manager) Execute(ctx context.Context, q Query) <-chan aio.Result[int64] {
	return run(ctx, m, func(ctx context.Context) (int64, error) {
		w, ok := q.(interface {
			Exec(ctx context.Context) (int64, error)
		})
		if !ok {
			return 0, fmt.Errorf("orm: Manager.Execute runs writes; %T has no rows affected: use orm.Execute for a select", q)
		}
		return w.Exec(ctx)
	})
}

// Prefetch loads the relations rels of parents, a slice of pointers to
// model structs, like orm.Prefetch.
func (m *Manager) Prefetch(ctx context.Context, parents any, rels ...string) <-chan aio.Result[struct{}] {
	return run(ctx, m, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, related.Prefetch(ctx, runnerOf(m.db), parents, rels...)
	})
}

// Count delivers the number of rows q, a *SelectQuery, returns: like
// SelectQuery.Count, counting over q as a subquery when it is grouped,
// distinct or limited. With clearLimit q's LIMIT and OFFSET are left out
// (q itself is not changed), like peewee-async's count(clear_limit=True).
func (m *Manager) Count(ctx context.Context, q Query, clearLimit bool) <-chan aio.Result[int64] {
	return run(ctx, m, func(ctx context.Context) (int64, error) {
		c, ok := q.(interface {
			countWith(ctx context.Context, clearLimit bool) (int64, error)
		})
		if !ok {
			return 0, fmt.Errorf("orm: Manager.Count needs a select query, not %T", q)
		}
		return c.countWith(ctx, clearLimit)
	})
}

// Scalar delivers the first column of q's first row (a SelectQuery or
// RawQuery), for an aggregate: peewee-async's scalar. With asTuple it
// delivers the whole first row as []any instead. Like peewee, a query
// with no row delivers a nil Value and no error. Values are as
// SelectQuery.Scalar returns them.
func (m *Manager) Scalar(ctx context.Context, q Query, asTuple bool) <-chan aio.Result[any] {
	return run(ctx, m, func(ctx context.Context) (any, error) {
		sq, ok := q.(ScalarQuery)
		if !ok {
			return nil, fmt.Errorf("orm: Manager.Scalar needs a select or raw query, not %T", q)
		}
		var v any
		var err error
		if asTuple {
			v, err = scalarTuple(ctx, sq)
		} else {
			v, err = ScalarAs[any](ctx, sq)
		}
		if errors.Is(err, ErrDoesNotExist) {
			return nil, nil
		}
		return v, err
	})
}

// Connect makes sure the database can be reached: after Close it reopens
// the pool, then pings the server. It may be called any number of times.
// A DB made by orm.New cannot be reopened after Close, nor one closed by
// DB.Close: Connect then fails with an error saying so.
func (m *Manager) Connect(ctx context.Context) <-chan aio.Result[struct{}] {
	if m.db == nil {
		return aio.Value(struct{}{}, errors.New("orm: Manager has no DB: use orm.NewManager(db)"))
	}
	return aio.Go(ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, m.db.resume(ctx)
	})
}

// Close closes the database's connections: idle ones at once, busy ones
// when their statement ends. Afterwards every Manager call, and any
// statement of the DB that needs a new connection, fails with an error
// matching ErrManagerClosed, until Connect reopens the pool. The *sql.DB
// and its settings stay the same, except the idle connection limit, which
// Connect sets back to database/sql's default (2, or MaxConnections when
// lower). A DB made by orm.New has its *sql.DB closed for good, and one of
// OpenEngine (orm/ormpgx) its engine. Close may be called any number of
// times.
func (m *Manager) Close() error {
	if m.db == nil {
		return nil
	}
	return m.db.suspend()
}

// Atomic runs fn like DB.AioAtomic: in a transaction, or a savepoint of
// the one ctx carries. opts are DB.Atomic's: Isolation, ReadOnly, and
// Retry to run fn again after a serialization failure or deadlock.
func (m *Manager) Atomic(ctx context.Context, fn func(ctx context.Context) error, opts ...TxOption) <-chan aio.Result[struct{}] {
	if err := m.check(); err != nil {
		return aio.Value(struct{}{}, err)
	}
	return m.db.AioAtomic(ctx, fn, opts...)
}

// Transaction runs fn like DB.AioTransaction: in a new transaction, never
// nested, with opts as for Atomic.
func (m *Manager) Transaction(ctx context.Context, fn func(ctx context.Context) error, opts ...TxOption) <-chan aio.Result[struct{}] {
	if err := m.check(); err != nil {
		return aio.Value(struct{}{}, err)
	}
	return m.db.AioTransaction(ctx, fn, opts...)
}

// Savepoint runs fn like DB.AioSavepoint: in a savepoint of the
// transaction ctx carries.
func (m *Manager) Savepoint(ctx context.Context, fn func(ctx context.Context) error) <-chan aio.Result[struct{}] {
	if err := m.check(); err != nil {
		return aio.Value(struct{}{}, err)
	}
	return m.db.AioSavepoint(ctx, fn)
}

// managerModel returns T's Model on the Manager's DB, or ErrManagerClosed.
func managerModel[T any](m *Manager) (*Model[T], error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	return NewModel[T](m.db)
}

// Get delivers the row of model T matching every condition, like
// Model.Get (an error matching ErrDoesNotExist when there is none):
// peewee-async's Manager.get.
func Get[T any](ctx context.Context, m *Manager, conds ...Expr) <-chan aio.Result[*T] {
	mod, err := managerModel[T](m)
	if err != nil {
		return aio.Value[*T](nil, err)
	}
	return mod.AioGet(ctx, conds...)
}

// GetOrNone is Get delivering a nil Value and no error when no row
// matches.
func GetOrNone[T any](ctx context.Context, m *Manager, conds ...Expr) <-chan aio.Result[*T] {
	mod, err := managerModel[T](m)
	if err != nil {
		return aio.Value[*T](nil, err)
	}
	return mod.AioGetOrNone(ctx, conds...)
}

// GetOrCreate gets the row of T by the lookup columns' values in obj, or
// creates obj, like Model.GetOrCreate.
func GetOrCreate[T any](ctx context.Context, m *Manager, obj *T, lookup ...string) <-chan aio.Result[GetOrCreateResult[T]] {
	mod, err := managerModel[T](m)
	if err != nil {
		return aio.Value(GetOrCreateResult[T]{}, err)
	}
	return mod.AioGetOrCreate(ctx, obj, lookup...)
}

// CreateOrGet creates obj, or gets the row whose unique values it
// collided with, like Model.CreateOrGet.
func CreateOrGet[T any](ctx context.Context, m *Manager, obj *T, lookup ...string) <-chan aio.Result[GetOrCreateResult[T]] {
	mod, err := managerModel[T](m)
	if err != nil {
		return aio.Value(GetOrCreateResult[T]{}, err)
	}
	return mod.AioCreateOrGet(ctx, obj, lookup...)
}

// Execute runs a select and delivers its rows: peewee-async's
// Manager.execute for a select query. The query must be on the Manager's
// DB.
func Execute[T any](ctx context.Context, m *Manager, q *SelectQuery[T]) <-chan aio.Result[[]T] {
	return run(ctx, m, func(ctx context.Context) ([]T, error) {
		if q == nil {
			return nil, fmt.Errorf("orm: Execute: nil *SelectQuery[%v]", reflect.TypeFor[T]())
		}
		if q.m.db != m.db {
			return nil, fmt.Errorf("orm: Execute: the query on %v is on another DB than the Manager's", q.m.t.GoType)
		}
		return q.All(ctx)
	})
}
