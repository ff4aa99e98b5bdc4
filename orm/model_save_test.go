package orm_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

// maKeyOnly has nothing but its key: an update by key has nothing to set.
type maKeyOnly struct {
	ID int64 `db:"id,pk,auto"`
}

func (maKeyOnly) TableName() string { return "ma_key_only" }

// TestModelSave: aio_save inserts a new row and updates a saved one;
// only limits the columns; forced insert (Create) over an existing key is
// an integrity error.
func TestModelSave(t *testing.T) {
	maEach(t, func(t *testing.T, env *maEnv) {
		ctx := context.Background()
		obj := &maItem{Text: "text", Data: "data"}
		if n := maAwait(t, env.items.AioSave(ctx, obj)); n != 1 {
			t.Errorf("AioSave of a new row = %d, want 1", n)
		}
		if obj.ID == 0 {
			t.Fatal("AioSave did not fill the generated key")
		}
		if got := maAwait(t, env.items.AioGetOrNone(ctx, orm.Eq("text", "text"), orm.Eq("data", "data"))); got == nil || got.ID != obj.ID {
			t.Fatalf("saved row: %+v", got)
		}

		obj.Data = "data2"
		if n, err := env.items.Save(env.sync, obj); err != nil || n != 1 {
			t.Fatalf("Save of a saved row = %d, %v; want 1", n, err)
		}
		if got := maAwait(t, env.items.AioGetByPK(ctx, obj.ID)); got.Data != "data2" {
			t.Errorf("after the update data = %q", got.Data)
		}
		if n, _ := env.items.Count(env.sync); n != 1 {
			t.Errorf("Save of a saved row inserted: %d rows", n)
		}

		// only: the text change is not written.
		obj.Text, obj.Data = "changed", "data3"
		if n := maAwait(t, env.items.AioSave(ctx, obj, "data")); n != 1 {
			t.Errorf("AioSave(only data) = %d", n)
		}
		got := maAwait(t, env.items.AioGetByPK(ctx, obj.ID))
		if got.Text != "text" || got.Data != "data3" {
			t.Errorf("after Save(only data): %+v, want text unchanged and data3", got)
		}
		obj.Text = "text"

		// Forced insert of a row that exists.
		_, err := env.items.Create(env.sync, obj)
		if !errors.Is(err, orm.ErrIntegrity) {
			t.Errorf("Create over an existing key: %v, want ErrIntegrity", err)
		}
		dup := &maItem{Text: "text"}
		if err := maErr(env.items.AioCreate(ctx, dup)); !errors.Is(err, orm.ErrIntegrity) {
			t.Errorf("AioCreate of a duplicate unique text: %v, want ErrIntegrity", err)
		}
		if dup.ID != 0 {
			t.Errorf("a failed Create left key %d in the object", dup.ID)
		}

		// Errors name the column and the model; nothing is sent.
		_, err = env.items.Save(env.sync, obj, "nope")
		if err == nil || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "maItem") {
			t.Errorf("Save(only unknown column): %v", err)
		}
		if _, err := env.items.Save(env.sync, obj, "id"); err == nil || !strings.Contains(err.Error(), "primary key") {
			t.Errorf("Save(only the key): %v", err)
		}
		keyOnly := orm.MustModel[maKeyOnly](env.db)
		if _, err := keyOnly.Save(env.sync, &maKeyOnly{ID: 7}); err == nil || !strings.Contains(err.Error(), "nothing to update") {
			t.Errorf("Save with nothing to update: %v", err)
		}

		// The default of data is read back where RETURNING exists.
		noData := maAwait(t, env.items.AioCreate(ctx, &maItem{Text: "defaulted"}))
		if got := maAwait(t, env.items.AioGetByPK(ctx, noData.ID)); got.Data != "" {
			t.Errorf("default data = %q", got.Data)
		}

		// The Manager's create and update.
		mobj := maAwait(t, env.objects.Create(ctx, &maItem{Text: "manager"})).(*maItem)
		if mobj.ID == 0 {
			t.Fatal("Manager.Create did not fill the key")
		}
		mobj.Data = "updated"
		if n := maAwait(t, env.objects.Update(ctx, mobj)); n != 1 {
			t.Errorf("Manager.Update = %d", n)
		}
		if got := maAwait(t, orm.Get[maItem](ctx, env.objects, orm.Eq("id", mobj.ID))); got.Data != "updated" {
			t.Errorf("after Manager.Update: %+v", got)
		}
		if err := maErr(env.objects.Update(ctx, &maItem{Text: "new"})); err == nil || !strings.Contains(err.Error(), "primary key is not set") {
			t.Errorf("Manager.Update of an unsaved object: %v", err)
		}
		if err := maErr(env.objects.Create(ctx, maItem{Text: "by value"})); err == nil || !strings.Contains(err.Error(), "pointer") {
			t.Errorf("Manager.Create of a struct value: %v", err)
		}
	})
}

// TestModelDeleteInstance: the four variants of delete_instance (plain,
// recursive over non-nullable keys, recursive setting nullable keys to
// NULL, recursive deleting them), a refused plain delete of a referenced
// row, and the Manager's delete.
func TestModelDeleteInstance(t *testing.T) {
	maEach(t, func(t *testing.T, env *maEnv) {
		ctx := context.Background()
		// Plain.
		obj := maAwait(t, env.items.AioCreate(ctx, &maItem{Text: "Test"}))
		if n := maAwait(t, env.items.AioDeleteInstance(ctx, obj, false, false)); n != 1 {
			t.Errorf("AioDeleteInstance = %d, want 1", n)
		}
		if got := maAwait(t, env.items.AioGetOrNone(ctx, orm.Eq("id", obj.ID))); got != nil {
			t.Errorf("deleted row still there: %+v", got)
		}
		if n := maAwait(t, env.items.AioDeleteInstance(ctx, obj, false, false)); n != 0 {
			t.Errorf("deleting it again = %d, want 0", n)
		}

		tree := func() (*maAlpha, *maBeta, *maGamma, *maDelta, *maAlpha, *maBeta) {
			a := maAwait(t, env.alphas.AioCreate(ctx, &maAlpha{Text: "alpha"}))
			b := maAwait(t, env.betas.AioCreate(ctx, &maBeta{AlphaID: a.ID, Text: "beta"}))
			g := maAwait(t, env.gammas.AioCreate(ctx, &maGamma{BetaID: b.ID, Text: "gamma"}))
			d := maAwait(t, env.deltas.AioCreate(ctx, &maDelta{AlphaID: &a.ID, Text: "delta"}))
			// A second tree that must survive.
			a2 := maAwait(t, env.alphas.AioCreate(ctx, &maAlpha{Text: "alpha2"}))
			b2 := maAwait(t, env.betas.AioCreate(ctx, &maBeta{AlphaID: a2.ID, Text: "beta2"}))
			maAwait(t, env.gammas.AioCreate(ctx, &maGamma{BetaID: b2.ID, Text: "gamma2"}))
			maAwait(t, env.deltas.AioCreate(ctx, &maDelta{AlphaID: &a2.ID, Text: "delta2"}))
			return a, b, g, d, a2, b2
		}
		counts := func() [4]int64 {
			var c [4]int64
			c[0] = maAwait(t, env.alphas.AioCount(ctx))
			c[1] = maAwait(t, env.betas.AioCount(ctx))
			c[2] = maAwait(t, env.gammas.AioCount(ctx))
			c[3] = maAwait(t, env.deltas.AioCount(ctx))
			return c
		}

		// A plain delete of a referenced row is refused, and nothing goes.
		a, b, g, d, _, _ := tree()
		if _, err := env.alphas.DeleteInstance(env.sync, a, false, false); !errors.Is(err, orm.ErrIntegrity) {
			t.Errorf("plain delete of a referenced row: %v, want ErrIntegrity", err)
		}
		if c := counts(); c != [4]int64{2, 2, 2, 2} {
			t.Errorf("after the refused delete: %v", c)
		}

		// Recursive: beta and gamma deleted, delta's nullable key NULL.
		if n := maAwait(t, env.alphas.AioDeleteInstance(ctx, a, true, false)); n != 1 {
			t.Errorf("recursive AioDeleteInstance = %d", n)
		}
		if got := maAwait(t, env.betas.AioGetOrNone(ctx, orm.Eq("id", b.ID))); got != nil {
			t.Error("beta survived the recursive delete")
		}
		if got := maAwait(t, env.gammas.AioGetOrNone(ctx, orm.Eq("id", g.ID))); got != nil {
			t.Error("gamma survived the recursive delete")
		}
		gotD := maAwait(t, env.deltas.AioGetByPK(ctx, d.ID))
		if gotD.AlphaID != nil {
			t.Errorf("delta's nullable key = %d, want NULL", *gotD.AlphaID)
		}
		if c := counts(); c != [4]int64{1, 1, 1, 2} {
			t.Errorf("after the recursive delete: %v, want the other tree whole", c)
		}

		// Recursive with deleteNullable: delta is deleted as well.
		a, _, _, d, _, _ = tree()
		if n, err := env.alphas.DeleteInstance(env.sync, a, true, true); err != nil || n != 1 {
			t.Fatalf("DeleteInstance(recursive, deleteNullable) = %d, %v", n, err)
		}
		if got := maAwait(t, env.deltas.AioGetOrNone(ctx, orm.Eq("id", d.ID))); got != nil {
			t.Error("delta survived deleteNullable")
		}
		if c := counts(); c != [4]int64{2, 2, 2, 3} {
			t.Errorf("after the deleteNullable delete: %v", c)
		}

		// The Manager's delete, recursive.
		a, _, _, _, _, _ = tree()
		if n := maAwait(t, env.objects.Delete(ctx, a, true, true)); n != 1 {
			t.Errorf("Manager.Delete = %d", n)
		}
		if c := counts(); c != [4]int64{3, 3, 3, 4} {
			t.Errorf("after Manager.Delete: %v", c)
		}
	})
}

// TestModelGetOrCreate: the get path, the create path, and sixteen
// concurrent callers creating exactly one row.
func TestModelGetOrCreate(t *testing.T) {
	maEach(t, func(t *testing.T, env *maEnv) {
		ctx := context.Background()
		t1 := maAwait(t, env.items.AioCreate(ctx, &maItem{Text: "text", Data: "data"}))
		r := maAwait(t, env.items.AioGetOrCreate(ctx, &maItem{Text: "text", Data: "other"}, "text"))
		if r.Created || r.Obj.ID != t1.ID || r.Obj.Data != "data" {
			t.Errorf("AioGetOrCreate of an existing row = %+v, created %v", r.Obj, r.Created)
		}
		obj := &maItem{Text: "new", Data: "Data 1"}
		r = maAwait(t, env.items.AioGetOrCreate(ctx, obj, "text"))
		if !r.Created || r.Obj != obj || obj.ID == 0 {
			t.Errorf("AioGetOrCreate of a new row = %+v, created %v", r.Obj, r.Created)
		}
		// peewee-async's defaults: the second call gets the first's data.
		got, created, err := env.items.GetOrCreate(env.sync, &maItem{Text: "new", Data: "Data 2"}, "text")
		if err != nil || created || got.ID != obj.ID || got.Data != "Data 1" {
			t.Errorf("GetOrCreate again = %+v, %v, %v", got, created, err)
		}
		// No lookup: the unique columns set in the object.
		got, created, err = env.items.GetOrCreate(env.sync, &maItem{Text: "new"})
		if err != nil || created || got.ID != obj.ID {
			t.Errorf("GetOrCreate by default lookup = %+v, %v, %v", got, created, err)
		}
		if _, _, err := env.items.GetOrCreate(env.sync, &maItem{Text: "x"}, "nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
			t.Errorf("GetOrCreate with an unknown lookup column: %v", err)
		}
		gr := maAwait(t, orm.GetOrCreate(ctx, env.objects, &maItem{Text: "manager", Data: "m"}, "text"))
		if !gr.Created || gr.Obj.ID == 0 {
			t.Errorf("orm.GetOrCreate = %+v", gr)
		}

		// The race: one row, one creator, every caller the same key.
		const callers = 16
		var wg sync.WaitGroup
		results := make([]orm.GetOrCreateResult[maItem], callers)
		errs := make([]error, callers)
		for i := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = aioAwait(env.items.AioGetOrCreate(ctx, &maItem{Text: "race", Data: "r"}, "text"))
			}()
		}
		wg.Wait()
		creators := 0
		for i := range callers {
			if errs[i] != nil {
				t.Fatalf("caller %d: %v", i, errs[i])
			}
			if results[i].Created {
				creators++
			}
			if results[i].Obj.ID != results[0].Obj.ID {
				t.Errorf("caller %d got id %d, caller 0 id %d", i, results[i].Obj.ID, results[0].Obj.ID)
			}
		}
		if creators != 1 {
			t.Errorf("%d callers created the row, want 1", creators)
		}
		if n := maAwait(t, env.items.AioCount(ctx, orm.Eq("text", "race"))); n != 1 {
			t.Errorf("%d rows after the race, want 1", n)
		}
	})
}

// aioAwait is aio.Await with a background context.
func aioAwait[T any](ch <-chan aio.Result[T]) (T, error) {
	r := <-ch
	return r.Value, r.Err
}

// TestModelCreateOrGet: create first; on a collision get the existing row.
func TestModelCreateOrGet(t *testing.T) {
	maEach(t, func(t *testing.T, env *maEnv) {
		ctx := context.Background()
		r1 := maAwait(t, env.items.AioCreateOrGet(ctx, &maItem{Text: "text", Data: "Data 1"}))
		r2 := maAwait(t, env.items.AioCreateOrGet(ctx, &maItem{Text: "text", Data: "Data 2"}))
		if !r1.Created || r2.Created {
			t.Errorf("created = %v, %v; want true, false", r1.Created, r2.Created)
		}
		if r1.Obj.ID != r2.Obj.ID || r2.Obj.Data != "Data 1" {
			t.Errorf("CreateOrGet gave %+v then %+v", r1.Obj, r2.Obj)
		}
		got, created, err := env.items.CreateOrGet(env.sync, &maItem{Text: "text", Data: "Data 3"}, "text")
		if err != nil || created || got.ID != r1.Obj.ID {
			t.Errorf("CreateOrGet(lookup text) = %+v, %v, %v", got, created, err)
		}
		mr := maAwait(t, orm.CreateOrGet(ctx, env.objects, &maItem{Text: "text"}))
		if mr.Created || mr.Obj.ID != r1.Obj.ID {
			t.Errorf("orm.CreateOrGet = %+v", mr)
		}
		if n := maAwait(t, env.items.AioCount(ctx)); n != 1 {
			t.Errorf("%d rows, want 1", n)
		}
	})
}
