package orm_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aiodb/aiodb/orm"
)

// TestModelGet: aio_get by key and by another column; a miss is
// DoesNotExist with the statement and its arguments; GetByPK.
func TestModelGet(t *testing.T) {
	maEach(t, func(t *testing.T, env *maEnv) {
		ctx := context.Background()
		obj1 := maAwait(t, env.items.AioCreate(ctx, &maItem{Text: "Test 1"}))
		obj2 := maAwait(t, env.items.AioCreate(ctx, &maItem{Text: "Test 2"}))
		if obj1.ID == 0 || obj2.ID == 0 || obj1.ID == obj2.ID {
			t.Fatalf("generated keys %d, %d", obj1.ID, obj2.ID)
		}

		got := maAwait(t, env.items.AioGet(ctx, orm.Eq("id", obj1.ID)))
		if got.ID != obj1.ID || got.Text != "Test 1" {
			t.Errorf("AioGet(id) = %+v, want %+v", got, obj1)
		}
		got, err := env.items.Get(env.sync, orm.Eq("text", "Test 2"))
		if err != nil || got.ID != obj2.ID {
			t.Errorf("Get(text) = %+v, %v; want id %d", got, err, obj2.ID)
		}
		got = maAwait(t, env.items.AioGetByPK(ctx, obj2.ID))
		if got.Text != "Test 2" {
			t.Errorf("AioGetByPK = %+v", got)
		}

		err = maErr(env.items.AioGet(ctx, orm.Eq("text", "unknown")))
		if !errors.Is(err, orm.ErrDoesNotExist) || !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("AioGet of a missing row: %v, want ErrDoesNotExist", err)
		}
		var dne *orm.DoesNotExistError
		if !errors.As(err, &dne) {
			t.Fatalf("%T is not a *DoesNotExistError", err)
		}
		if !strings.Contains(dne.SQL, "ma_item") || !strings.Contains(dne.SQL, "text") || len(dne.Args) != 1 || dne.Args[0] != "unknown" {
			t.Errorf("DoesNotExistError SQL %q args %v: want the statement on ma_item and the argument", dne.SQL, dne.Args)
		}
		// The message leaves the value out (personal data ends up in
		// logs) unless the DB was opened with ErrorValues.
		if msg := err.Error(); !strings.Contains(msg, "maItem") || strings.Contains(msg, "unknown") || !strings.Contains(msg, "SELECT") || !strings.Contains(msg, "(1 argument)") {
			t.Errorf("message %q should name the model, the SQL and count the argument, without its value", msg)
		}

		if _, err := env.items.GetByPK(env.sync, 1, 2); err == nil || !strings.Contains(err.Error(), "maItem") {
			t.Errorf("GetByPK with two values for a one-column key: %v", err)
		}
		if _, err := env.items.Get(env.sync, orm.Eq("nope", 1)); err == nil || !strings.Contains(err.Error(), `"nope"`) {
			t.Errorf("Get on an unknown column: %v", err)
		}

		// The Manager's typed Get.
		got = maAwait(t, orm.Get[maItem](ctx, env.objects, orm.Eq("text", "Test 1")))
		if got.ID != obj1.ID {
			t.Errorf("orm.Get = %+v", got)
		}
		if err := maErr(orm.Get[maItem](ctx, env.objects, orm.Eq("id", -1))); !errors.Is(err, orm.ErrDoesNotExist) {
			t.Errorf("orm.Get of a missing row: %v", err)
		}
	})
}

// TestModelGetOrNone: the row, or nil without an error.
func TestModelGetOrNone(t *testing.T) {
	maEach(t, func(t *testing.T, env *maEnv) {
		ctx := context.Background()
		obj1 := maAwait(t, env.items.AioCreate(ctx, &maItem{Text: "Test 1"}))
		got := maAwait(t, env.items.AioGetOrNone(ctx, orm.Eq("id", obj1.ID)))
		if got == nil || got.ID != obj1.ID {
			t.Errorf("AioGetOrNone(id) = %+v", got)
		}
		if got := maAwait(t, env.items.AioGetOrNone(ctx, orm.Eq("text", "unknown"))); got != nil {
			t.Errorf("AioGetOrNone of a missing row = %+v, want nil", got)
		}
		if got, err := env.items.GetOrNone(env.sync, orm.Eq("text", "unknown")); got != nil || err != nil {
			t.Errorf("GetOrNone of a missing row = %+v, %v", got, err)
		}
		if got := maAwait(t, orm.GetOrNone[maItem](ctx, env.objects, orm.Eq("text", "Test 1"))); got == nil || got.ID != obj1.ID {
			t.Errorf("orm.GetOrNone = %+v", got)
		}
		if got := maAwait(t, orm.GetOrNone[maItem](ctx, env.objects, orm.Eq("text", "Test 2"))); got != nil {
			t.Errorf("orm.GetOrNone of a missing row = %+v", got)
		}
		// Errors other than a miss are not swallowed.
		if _, err := env.items.GetOrNone(env.sync, orm.Eq("nope", 1)); err == nil {
			t.Error("GetOrNone on an unknown column: no error")
		}
	})
}

// TestModelFirstPeek: first and peek on a query.
func TestModelFirstPeek(t *testing.T) {
	maEach(t, func(t *testing.T, env *maEnv) {
		ctx := context.Background()
		if got := maAwait(t, env.nums.Select().AioFirst(ctx)); got != nil {
			t.Errorf("AioFirst of an empty table = %+v, want nil", got)
		}
		for n := range 5 {
			maAwait(t, env.nums.AioCreate(ctx, &maNum{Num: n}))
		}
		q := env.nums.Select().OrderBy("-num")
		first := maAwait(t, q.AioFirst(ctx))
		if first == nil || first.Num != 4 {
			t.Errorf("AioFirst = %+v, want num 4", first)
		}
		rows := maAwait(t, q.AioPeek(ctx, 2))
		if len(rows) != 2 || rows[0].Num != 4 || rows[1].Num != 3 {
			t.Errorf("AioPeek(2) = %+v", rows)
		}
		// The query itself is unchanged, and its own smaller limit wins.
		if all, err := q.All(env.sync); err != nil || len(all) != 5 {
			t.Errorf("All after First and Peek = %d rows, %v; want 5", len(all), err)
		}
		rows, err := env.nums.Select().OrderBy("num").Limit(1).Peek(env.sync, 3)
		if err != nil || len(rows) != 1 || rows[0].Num != 0 {
			t.Errorf("Limit(1).Peek(3) = %+v, %v", rows, err)
		}
		if f, err := env.nums.Select().Where(orm.Gt("num", 100)).First(env.sync); f != nil || err != nil {
			t.Errorf("First with no match = %+v, %v", f, err)
		}
	})
}

// TestModelScalar: aio_scalar plain, as a tuple, and on an empty table.
func TestModelScalar(t *testing.T) {
	maEach(t, func(t *testing.T, env *maEnv) {
		ctx := context.Background()
		maAwait(t, env.nums.AioCreate(ctx, &maNum{Num: 1}))
		maAwait(t, env.nums.AioCreate(ctx, &maNum{Num: 2}))

		maxQ := env.nums.Select().ColumnExpr(orm.SQL("MAX(?)", orm.Col("num")), "m")
		v := maAwait(t, env.objects.Scalar(ctx, maxQ, false))
		if fmt.Sprint(v) != "2" {
			t.Errorf("Scalar(MAX(num)) = %#v, want 2", v)
		}
		both := env.nums.Select().ColumnExpr(orm.SQL("MAX(?)", orm.Col("num")), "hi").ColumnExpr(orm.SQL("MIN(?)", orm.Col("num")), "lo")
		v = maAwait(t, env.objects.Scalar(ctx, both, true))
		if tup, ok := v.([]any); !ok || fmt.Sprint(tup) != "[2 1]" {
			t.Errorf("Scalar(MAX, MIN, asTuple) = %#v, want (2, 1)", v)
		}
		tup := maAwait(t, both.AioScalarTuple(ctx))
		if fmt.Sprint(tup) != "[2 1]" {
			t.Errorf("AioScalarTuple = %#v", tup)
		}

		// An empty table: the Manager gives nil like peewee; the query
		// method says DoesNotExist like Scalar.
		if v := maAwait(t, env.objects.Scalar(ctx, env.items.Select(), false)); v != nil {
			t.Errorf("Scalar of an empty table = %#v, want nil", v)
		}
		if v := maAwait(t, env.objects.Scalar(ctx, env.items.Select(), true)); v != nil {
			t.Errorf("Scalar(asTuple) of an empty table = %#v, want nil", v)
		}
		if _, err := env.items.Select().ScalarTuple(env.sync); !errors.Is(err, orm.ErrDoesNotExist) {
			t.Errorf("ScalarTuple of an empty table: %v, want ErrDoesNotExist", err)
		}
		raw := env.nums.Raw("SELECT COUNT(*), SUM(num) FROM ma_num")
		if tup, err := raw.ScalarTuple(env.sync); err != nil || fmt.Sprint(tup) != "[2 3]" {
			t.Errorf("Raw ScalarTuple = %v, %v", tup, err)
		}
	})
}

// TestModelCount: count of a limited query, with and without
// clear_limit, on the query, the model and the Manager.
func TestModelCount(t *testing.T) {
	maEach(t, func(t *testing.T, env *maEnv) {
		ctx := context.Background()
		for n := range 5 {
			maAwait(t, env.nums.AioCreate(ctx, &maNum{Num: n}))
		}
		limited := env.nums.Select().Limit(3)
		if n := maAwait(t, env.objects.Count(ctx, limited, false)); n != 3 {
			t.Errorf("Count(limit 3) = %d, want 3", n)
		}
		if n := maAwait(t, env.objects.Count(ctx, limited, true)); n != 5 {
			t.Errorf("Count(limit 3, clearLimit) = %d, want 5", n)
		}
		if n, err := limited.Count(env.sync); err != nil || n != 3 {
			t.Errorf("the Manager's clearLimit changed the query: Count = %d, %v", n, err)
		}
		if n, err := env.nums.Select().Limit(2).Offset(1).ClearLimit().Count(env.sync); err != nil || n != 5 {
			t.Errorf("ClearLimit().Count = %d, %v; want 5", n, err)
		}
		if n := maAwait(t, env.nums.AioCount(ctx, orm.Ge("num", 3))); n != 2 {
			t.Errorf("AioCount(num >= 3) = %d, want 2", n)
		}
		if n, err := env.nums.Count(env.sync); err != nil || n != 5 {
			t.Errorf("Count() = %d, %v", n, err)
		}
		grouped := env.nums.Select("num").GroupBy("num").Having(orm.Gt("num", 0))
		if n := maAwait(t, env.objects.Count(ctx, grouped, false)); n != 4 {
			t.Errorf("Count of a grouped query = %d, want 4", n)
		}
		if err := maErr(env.objects.Count(ctx, env.nums.Raw("SELECT 1"), false)); err == nil {
			t.Error("Manager.Count of a raw query: no error")
		}
	})
}

// TestModelExists: aio_exists on the model and on a query.
func TestModelExists(t *testing.T) {
	maEach(t, func(t *testing.T, env *maEnv) {
		ctx := context.Background()
		maAwait(t, env.items.AioCreate(ctx, &maItem{Text: "text1", Data: "data"}))
		maAwait(t, env.items.AioCreate(ctx, &maItem{Text: "text2", Data: "data"}))
		if !maAwait(t, env.items.AioExists(ctx, orm.Eq("data", "data"))) {
			t.Error("AioExists(data) = false")
		}
		if maAwait(t, env.items.AioExists(ctx, orm.Eq("data", "not_existed"))) {
			t.Error("AioExists(not_existed) = true")
		}
		if ok, err := env.items.Exists(env.sync, orm.Eq("text", "text2")); err != nil || !ok {
			t.Errorf("Exists(text2) = %v, %v", ok, err)
		}
	})
}
