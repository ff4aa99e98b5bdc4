package orm_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

// TestModelHooks: peewee-async's signals. Before hooks see the table
// without the row, after hooks with it (and the reverse for deletes), in
// both the blocking and the Aio form and through the Manager; a before
// error writes nothing; an after error rolls the write back.
func TestModelHooks(t *testing.T) {
	maEach(t, func(t *testing.T, env *maEnv) {
		ctx := context.Background()
		rec := &maRecorder{model: env.hooked}
		check := func(form string, want ...string) {
			t.Helper()
			if got := rec.take(); !slices.Equal(got, want) {
				t.Errorf("%s: hooks saw\n  %q\nwant\n  %q", form, got, want)
			}
			if rec.failed != nil {
				t.Fatalf("%s: a hook's query failed: %v", form, rec.failed)
			}
		}

		// Blocking forms: the context is the caller's (AllowSync).
		h := &maHooked{Text: "blocking", rec: rec}
		if _, err := env.hooked.Create(env.sync, h); err != nil {
			t.Fatal(err)
		}
		check("Create", "before_save created=true rows=0 async=false", "after_save created=true rows=1 async=false")
		if _, err := env.hooked.Save(env.sync, h); err != nil {
			t.Fatal(err)
		}
		check("Save", "before_save created=false rows=1 async=false", "after_save created=false rows=1 async=false")
		if _, err := env.hooked.DeleteInstance(env.sync, h, false, false); err != nil {
			t.Fatal(err)
		}
		check("DeleteInstance", "before_delete rows=1 async=false", "after_delete rows=0 async=false")

		// Aio forms: the hooks get the async context.
		h = &maHooked{Text: "aio", rec: rec}
		maAwait(t, env.hooked.AioCreate(ctx, h))
		check("AioCreate", "before_save created=true rows=0 async=true", "after_save created=true rows=1 async=true")
		maAwait(t, env.hooked.AioSave(ctx, h))
		check("AioSave", "before_save created=false rows=1 async=true", "after_save created=false rows=1 async=true")
		maAwait(t, env.hooked.AioDeleteInstance(ctx, h, true, false))
		check("AioDeleteInstance", "before_delete rows=1 async=true", "after_delete rows=0 async=true")

		// The Manager's forms.
		h = &maHooked{Text: "manager", rec: rec}
		maAwait(t, env.objects.Create(ctx, h))
		check("Manager.Create", "before_save created=true rows=0 async=true", "after_save created=true rows=1 async=true")
		maAwait(t, env.objects.Update(ctx, h))
		check("Manager.Update", "before_save created=false rows=1 async=true", "after_save created=false rows=1 async=true")
		maAwait(t, env.objects.Delete(ctx, h, false, false))
		check("Manager.Delete", "before_delete rows=1 async=true", "after_delete rows=0 async=true")
		h = &maHooked{Text: "manager2", rec: rec}
		r := maAwait(t, orm.GetOrCreate(ctx, env.objects, h, "text"))
		if !r.Created {
			t.Error("GetOrCreate did not create")
		}
		check("orm.GetOrCreate", "before_save created=true rows=0 async=true", "after_save created=true rows=1 async=true")

		// A before error: nothing written, the hook's error returned.
		h = &maHooked{Text: "fail-before", rec: rec}
		err := maErr(env.hooked.AioCreate(ctx, h))
		if !errors.Is(err, errMaHook) {
			t.Errorf("AioCreate with a failing BeforeSave: %v", err)
		}
		check("failing BeforeSave", "before_save created=true rows=0 async=true")
		if n := maAwait(t, env.hooked.AioCount(ctx, orm.Eq("text", "fail-before"))); n != 0 || h.ID != 0 {
			t.Errorf("a refused save wrote %d rows (id %d)", n, h.ID)
		}

		// An after error: the insert is rolled back and the key cleared.
		h = &maHooked{Text: "fail-after", rec: rec}
		if _, err := env.hooked.Create(env.sync, h); !errors.Is(err, errMaHook) {
			t.Errorf("Create with a failing AfterSave: %v", err)
		}
		check("failing AfterSave", "before_save created=true rows=0 async=false", "after_save created=true rows=1 async=false")
		if n := maAwait(t, env.hooked.AioCount(ctx, orm.Eq("text", "fail-after"))); n != 0 || h.ID != 0 {
			t.Errorf("a rolled back save left %d rows (id %d)", n, h.ID)
		}

		// An after-delete error inside the caller's transaction rolls back
		// its savepoint only.
		h = &maHooked{Text: "fail-delete", rec: rec}
		maAwait(t, env.hooked.AioCreate(ctx, h))
		rec.take()
		keep := &maHooked{Text: "kept"}
		err = maErr(env.objects.Atomic(ctx, func(ctx context.Context) error {
			if _, err := env.hooked.Create(ctx, keep); err != nil {
				return err
			}
			if _, err := env.hooked.DeleteInstance(ctx, h, false, false); !errors.Is(err, errMaHook) {
				t.Errorf("DeleteInstance with a failing AfterDelete: %v", err)
			}
			return nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		check("failing AfterDelete", "before_delete rows=1 async=true", "after_delete rows=0 async=true")
		if n := maAwait(t, env.hooked.AioCount(ctx, orm.In("text", []string{"fail-delete", "kept"}))); n != 2 {
			t.Errorf("after the refused delete in a transaction: %d rows, want the row and the transaction's insert", n)
		}
		if aio.IsAsync(env.sync) {
			t.Fatal("the blocking context is marked async")
		}
	})
}
