package orm_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm"
)

// TestManagerCloseConnect: after Close every call fails with
// ErrManagerClosed, Close and Connect may repeat, and Connect reopens.
func TestManagerCloseConnect(t *testing.T) {
	maEach(t, func(t *testing.T, env *maEnv) {
		ctx := context.Background()
		objects := env.objects
		maAwait(t, objects.Connect(ctx))
		maAwait(t, objects.Connect(ctx)) // idempotent
		obj := maAwait(t, objects.Create(ctx, &maItem{Text: "before close"})).(*maItem)

		if err := objects.Close(); err != nil {
			t.Fatal(err)
		}
		if err := objects.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		closed := map[string]error{
			"Create":      maErr(objects.Create(ctx, &maItem{Text: "after close"})),
			"Update":      maErr(objects.Update(ctx, obj)),
			"Delete":      maErr(objects.Delete(ctx, obj, false, false)),
			"Execute":     maErr(objects.Execute(ctx, env.items.Update().Set("data", "x"))),
			"Count":       maErr(objects.Count(ctx, env.items.Select(), false)),
			"Scalar":      maErr(objects.Scalar(ctx, env.items.Select(), false)),
			"Prefetch":    maErr(objects.Prefetch(ctx, []*maAlpha{}, "Betas")),
			"Atomic":      maErr(objects.Atomic(ctx, func(context.Context) error { return nil })),
			"Transaction": maErr(objects.Transaction(ctx, func(context.Context) error { return nil })),
			"Savepoint":   maErr(objects.Savepoint(ctx, func(context.Context) error { return nil })),
			"Get":         maErr(orm.Get[maItem](ctx, objects)),
			"GetOrNone":   maErr(orm.GetOrNone[maItem](ctx, objects)),
			"GetOrCreate": maErr(orm.GetOrCreate(ctx, objects, &maItem{Text: "x"})),
			"CreateOrGet": maErr(orm.CreateOrGet(ctx, objects, &maItem{Text: "x"})),
			"Execute[T]":  maErr(orm.Execute(ctx, objects, env.items.Select())),
			// The pool's connections are closed too: the model's own
			// calls need a new connection and are refused.
			"Model.AioGet": maErr(env.items.AioGet(ctx, orm.Eq("id", obj.ID))),
		}
		for name, err := range closed {
			if !errors.Is(err, orm.ErrManagerClosed) {
				t.Errorf("%s after Close: %v, want ErrManagerClosed", name, err)
			}
		}

		if env.db.Engine() != nil {
			// An engine's pool is closed for good (OpenEngine).
			if err := maErr(objects.Connect(ctx)); err == nil || !strings.Contains(err.Error(), "cannot be reopened") {
				t.Errorf("Connect after Close on an engine: %v, want cannot be reopened", err)
			}
			return
		}
		maAwait(t, objects.Connect(ctx))
		maAwait(t, objects.Connect(ctx))
		got := maAwait(t, orm.Get[maItem](ctx, objects, orm.Eq("id", obj.ID)))
		if got.Text != "before close" {
			t.Errorf("after Connect: %+v", got)
		}
		if got := maAwait(t, env.items.AioGet(ctx, orm.Eq("id", obj.ID))); got.ID != obj.ID {
			t.Errorf("model after Connect: %+v", got)
		}
		// DB.Close is final.
		env.db.Close()
		if err := maErr(objects.Connect(ctx)); err == nil || !strings.Contains(err.Error(), "DB.Close") {
			t.Errorf("Connect after DB.Close: %v", err)
		}
	})
}

// TestManagerExecuteAndTransactions: writes through Execute, selects
// through the generic Execute, and the transaction helpers.
func TestManagerExecuteAndTransactions(t *testing.T) {
	maEach(t, func(t *testing.T, env *maEnv) {
		ctx := context.Background()
		objects := env.objects
		for _, text := range []string{"a", "b", "c"} {
			maAwait(t, objects.Create(ctx, &maItem{Text: text}))
		}
		if n := maAwait(t, objects.Execute(ctx, env.items.Update().Set("data", "x").Where(orm.In("text", []string{"a", "b"})))); n != 2 {
			t.Errorf("Execute(update) = %d, want 2", n)
		}
		rows := maAwait(t, orm.Execute(ctx, objects, env.items.Select().Where(orm.Eq("data", "x")).OrderBy("text")))
		if len(rows) != 2 || rows[0].Text != "a" || rows[1].Text != "b" {
			t.Errorf("orm.Execute(select) = %+v", rows)
		}
		if err := maErr(objects.Execute(ctx, env.items.Select())); err == nil || !strings.Contains(err.Error(), "orm.Execute") {
			t.Errorf("Manager.Execute of a select: %v", err)
		}
		if n := maAwait(t, objects.Execute(ctx, env.items.Delete().Where(orm.Eq("text", "c")))); n != 1 {
			t.Errorf("Execute(delete) = %d", n)
		}

		// Atomic rolls back on error, savepoints nest, Transaction refuses
		// to nest.
		errBoom := errors.New("boom")
		err := maErr(objects.Atomic(ctx, func(ctx context.Context) error {
			if _, err := env.items.Create(ctx, &maItem{Text: "rolled back"}); err != nil {
				return err
			}
			return errBoom
		}))
		if !errors.Is(err, errBoom) {
			t.Errorf("Atomic: %v", err)
		}
		err = maErr(objects.Transaction(ctx, func(ctx context.Context) error {
			if _, err := env.items.Create(ctx, &maItem{Text: "kept"}); err != nil {
				return err
			}
			if err := maErr(objects.Savepoint(ctx, func(ctx context.Context) error {
				if _, err := env.items.Create(ctx, &maItem{Text: "undone"}); err != nil {
					return err
				}
				return errBoom
			})); !errors.Is(err, errBoom) {
				t.Errorf("Savepoint: %v", err)
			}
			if err := maErr(objects.Transaction(ctx, func(context.Context) error { return nil })); !errors.Is(err, orm.ErrTransactionOpen) {
				t.Errorf("nested Transaction: %v", err)
			}
			return nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		texts := map[string]bool{}
		for _, r := range maAwait(t, env.items.Select().AioAll(ctx)) {
			texts[r.Text] = true
		}
		if texts["rolled back"] || texts["undone"] || !texts["kept"] {
			t.Errorf("rows after the transactions: %v", texts)
		}

		// Prefetch through the Manager.
		a := maAwait(t, env.alphas.AioCreate(ctx, &maAlpha{Text: "alpha"}))
		b := maAwait(t, env.betas.AioCreate(ctx, &maBeta{AlphaID: a.ID, Text: "beta"}))
		parents := []*maAlpha{a}
		maAwait(t, objects.Prefetch(ctx, parents, "Betas"))
		if len(a.Betas) != 1 || a.Betas[0].ID != b.ID {
			t.Errorf("after Manager.Prefetch: %+v", a.Betas)
		}
		if got := objects.AllowSync(ctx); !aio.SyncAllowed(got) {
			t.Error("AllowSync did not mark the context")
		}
	})
}

// TestModelSyncGuard: under aio_sync=panic a blocking call with a plain
// context panics with *driver.SyncCallError before anything is sent, and
// the pool is whole afterwards.
func TestModelSyncGuard(t *testing.T) {
	maEach(t, func(t *testing.T, env *maEnv) {
		ctx := context.Background()
		obj := maAwait(t, env.items.AioCreate(ctx, &maItem{Text: "guarded"}))
		calls := map[string]func(){
			"Get":            func() { env.items.Get(ctx, orm.Eq("id", obj.ID)) },
			"Create":         func() { env.items.Create(ctx, &maItem{Text: "sync"}) },
			"Save":           func() { env.items.Save(ctx, obj) },
			"DeleteInstance": func() { env.items.DeleteInstance(ctx, obj, true, false) },
			"GetOrCreate":    func() { env.items.GetOrCreate(ctx, &maItem{Text: "sync"}, "text") },
			"Count":          func() { env.items.Count(ctx) },
		}
		for name, call := range calls {
			func() {
				defer func() {
					p := recover()
					var sce *driver.SyncCallError
					if err, ok := p.(error); !ok || !errors.As(err, &sce) {
						t.Errorf("%s with a plain context under panic mode: recovered %v, want *driver.SyncCallError", name, p)
					}
				}()
				call()
			}()
		}
		if n := maAwait(t, env.items.AioCount(ctx)); n != 1 {
			t.Errorf("after the refused calls: %d rows, want 1", n)
		}
		got := maAwait(t, env.items.AioGetByPK(ctx, obj.ID))
		if got.Text != "guarded" {
			t.Errorf("row after the refused calls: %+v", got)
		}
	})
}
