package orm

import (
	"context"

	"github.com/aiodb/aiodb/aio"
)

// The Aio twins below run their blocking method in another goroutine with
// ctx marked async (aio.Go), so the driver's sync guard lets their
// statements through under every mode. Each returned channel delivers
// exactly one Result and is then closed; it is buffered, so a caller that
// never reads it leaks nothing. Errors are those of the blocking method;
// a panic arrives as an *aio.PanicError.

// AioGet is the async twin of Get.
func (m *Model[T]) AioGet(ctx context.Context, conds ...Expr) <-chan aio.Result[*T] {
	return aio.Go(ctx, func(ctx context.Context) (*T, error) { return m.Get(ctx, conds...) })
}

// AioGetByPK is the async twin of GetByPK.
func (m *Model[T]) AioGetByPK(ctx context.Context, pk ...any) <-chan aio.Result[*T] {
	return aio.Go(ctx, func(ctx context.Context) (*T, error) { return m.GetByPK(ctx, pk...) })
}

// AioGetOrNone is the async twin of GetOrNone: a nil Value with no error
// when no row matches.
func (m *Model[T]) AioGetOrNone(ctx context.Context, conds ...Expr) <-chan aio.Result[*T] {
	return aio.Go(ctx, func(ctx context.Context) (*T, error) { return m.GetOrNone(ctx, conds...) })
}

// AioCreate is the async twin of Create; the Value is obj itself, with its
// generated values filled in.
func (m *Model[T]) AioCreate(ctx context.Context, obj *T) <-chan aio.Result[*T] {
	return aio.Go(ctx, func(ctx context.Context) (*T, error) { return m.Create(ctx, obj) })
}

// AioSave is the async twin of Save: the Value is the rows written.
func (m *Model[T]) AioSave(ctx context.Context, obj *T, only ...string) <-chan aio.Result[int64] {
	return aio.Go(ctx, func(ctx context.Context) (int64, error) { return m.Save(ctx, obj, only...) })
}

// AioDeleteInstance is the async twin of DeleteInstance.
func (m *Model[T]) AioDeleteInstance(ctx context.Context, obj *T, recursive, deleteNullable bool) <-chan aio.Result[int64] {
	return aio.Go(ctx, func(ctx context.Context) (int64, error) {
		return m.DeleteInstance(ctx, obj, recursive, deleteNullable)
	})
}

// AioGetOrCreate is the async twin of GetOrCreate.
func (m *Model[T]) AioGetOrCreate(ctx context.Context, obj *T, lookup ...string) <-chan aio.Result[GetOrCreateResult[T]] {
	return aio.Go(ctx, func(ctx context.Context) (GetOrCreateResult[T], error) {
		row, created, err := m.GetOrCreate(ctx, obj, lookup...)
		return GetOrCreateResult[T]{row, created}, err
	})
}

// AioCreateOrGet is the async twin of CreateOrGet.
func (m *Model[T]) AioCreateOrGet(ctx context.Context, obj *T, lookup ...string) <-chan aio.Result[GetOrCreateResult[T]] {
	return aio.Go(ctx, func(ctx context.Context) (GetOrCreateResult[T], error) {
		row, created, err := m.CreateOrGet(ctx, obj, lookup...)
		return GetOrCreateResult[T]{row, created}, err
	})
}

// AioExists is the async twin of Exists.
func (m *Model[T]) AioExists(ctx context.Context, conds ...Expr) <-chan aio.Result[bool] {
	return aio.Go(ctx, func(ctx context.Context) (bool, error) { return m.Exists(ctx, conds...) })
}

// AioCount is the async twin of Count.
func (m *Model[T]) AioCount(ctx context.Context, conds ...Expr) <-chan aio.Result[int64] {
	return aio.Go(ctx, func(ctx context.Context) (int64, error) { return m.Count(ctx, conds...) })
}
