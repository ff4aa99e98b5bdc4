package orm

import (
	"context"
	"errors"

	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// GetOrCreateResult is what AioGetOrCreate, AioCreateOrGet and the
// Manager's GetOrCreate and CreateOrGet deliver: the row, and whether it
// was created.
type GetOrCreateResult[T any] struct {
	Obj     *T
	Created bool
}

// createAtomic inserts the row at p inside db.Atomic, so that a refused
// insert (an integrity error) leaves the transaction ctx may carry
// usable: a savepoint is rolled back, not the whole transaction.
func (e *entity) createAtomic(ctx context.Context, op string, p schema.Ptr) error {
	return e.db.Atomic(ctx, func(ctx context.Context) error {
		_, err := e.save(ctx, op, p, saveInsert, nil)
		return err
	})
}

// getOrCreate: get by lookup; else create the row at p; on an integrity
// error (a concurrent creator won) get again. The row returned is the
// object at p when created, else a new object (as an any holding a *T).
func (e *entity) getOrCreate(ctx context.Context, obj any, p schema.Ptr, lookup []string) (any, bool, error) {
	conds, err := sqlb.LookupConds("GetOrCreate", e.t, p, lookup)
	if err != nil {
		return nil, false, err
	}
	found, err := e.getNew(ctx, conds)
	if err == nil {
		return found, false, nil
	}
	if !errors.Is(err, ErrDoesNotExist) {
		return nil, false, err
	}
	err = e.createAtomic(ctx, "GetOrCreate", p)
	if err == nil {
		return obj, true, nil
	}
	if !errors.Is(err, ErrIntegrity) {
		return nil, false, err
	}
	if found, gerr := e.getNew(ctx, conds); gerr == nil {
		return found, false, nil
	}
	return nil, false, err
}

// createOrGet: create the row at p; on an integrity error get by lookup.
func (e *entity) createOrGet(ctx context.Context, obj any, p schema.Ptr, lookup []string) (any, bool, error) {
	// The lookup is resolved first: bad column names fail before the
	// insert, and the values are those given, not the ones read back.
	conds, err := sqlb.LookupConds("CreateOrGet", e.t, p, lookup)
	if err != nil {
		return nil, false, err
	}
	err = e.createAtomic(ctx, "CreateOrGet", p)
	if err == nil {
		return obj, true, nil
	}
	if !errors.Is(err, ErrIntegrity) {
		return nil, false, err
	}
	found, gerr := e.getNew(ctx, conds)
	if gerr != nil {
		return nil, false, errors.Join(err, gerr)
	}
	return found, false, nil
}

// GetOrCreate returns the row whose lookup columns hold obj's values, or
// creates obj, like peewee's get_or_create (obj carries the defaults as
// well as the lookup values). lookup names columns; with none, every
// unique or primary key column that is set in obj is used. The created
// bool says which happened: when created, obj itself is returned with
// its generated values; otherwise a new *T read from the database, and
// obj is left as it was.
//
// The insert runs inside db.Atomic (a transaction, or a savepoint of the
// one ctx carries). When it fails with an integrity error, because a
// concurrent GetOrCreate inserted the same unique values first, the row
// is read again and returned with created = false; when that finds
// nothing the integrity error is returned. So concurrent calls with the
// same values create one row, provided a unique constraint covers the
// lookup columns. Hooks run as for Create.
func (m *Model[T]) GetOrCreate(ctx context.Context, obj *T, lookup ...string) (*T, bool, error) {
	if obj == nil {
		return nil, false, errNilRow(m.t)
	}
	row, created, err := m.getOrCreate(ctx, obj, schema.PtrOf(obj), lookup)
	if err != nil {
		return nil, false, err
	}
	return row.(*T), created, nil
}

// CreateOrGet creates obj, or, when that fails with an integrity error
// (a row with the same unique values exists), returns that row read by
// the lookup columns: those named, or every unique or primary key column
// set in obj. The insert runs inside db.Atomic as in GetOrCreate, and the
// results are the same: obj with created = true, or a new *T.
func (m *Model[T]) CreateOrGet(ctx context.Context, obj *T, lookup ...string) (*T, bool, error) {
	if obj == nil {
		return nil, false, errNilRow(m.t)
	}
	row, created, err := m.createOrGet(ctx, obj, schema.PtrOf(obj), lookup)
	if err != nil {
		return nil, false, err
	}
	return row.(*T), created, nil
}
