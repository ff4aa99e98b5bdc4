package orm

import (
	"database/sql"
	"reflect"
	"testing"
	"time"

	"github.com/aiodb/aiodb/orm/dialect/pgdialect"
	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// asIsRow is a model with one column of type V.
type asIsRow[V any] struct {
	ID int64 `db:"id,pk"`
	V  V     `db:"v"`
}

func (asIsRow[V]) TableName() string { return "as_is_row" }

// checkAsIs reports whether the column of type V binds as is (Field.AsIs)
// and, if so, checks that its Value, for the zero value and for set, is
// what the builder's value check would pass unchanged.
func checkAsIs[V any](t *testing.T, b *sqlb.Builder, set V) bool {
	t.Helper()
	tbl, err := schema.Of(reflect.TypeFor[asIsRow[V]]())
	if err != nil {
		t.Fatal(err)
	}
	f := tbl.FieldByColumn("v")
	if !f.AsIs() {
		return false
	}
	for _, row := range []*asIsRow[V]{{}, {V: set}} {
		got := f.Value(schema.PtrOf(row))
		checked, err := b.CheckValue(got)
		if err != nil || reflect.TypeOf(checked) != reflect.TypeOf(got) || !reflect.DeepEqual(checked, got) {
			t.Errorf("%T (%#v): Value gives %#v, checkValue %#v, %v: not bound as is", row.V, row.V, got, checked, err)
		}
	}
	return true
}

// TestAsIsFieldsBindUnchanged: a field whose AsIs is true skips the
// builder's value check, so its Value must be what checkValue would pass
// unchanged, for a zero value and a set one.
func TestAsIsFieldsBindUnchanged(t *testing.T) {
	b := sqlb.Get(pgdialect.New())
	defer sqlb.Put(b)
	s, n := "x", int64(7)
	var common []bool
	common = append(common, checkAsIs(t, b, int64(7)), checkAsIs(t, b, 7), checkAsIs(t, b, int32(7)),
		checkAsIs(t, b, "x"), checkAsIs(t, b, true), checkAsIs(t, b, 1.5),
		checkAsIs(t, b, &s), checkAsIs(t, b, &n), checkAsIs(t, b, []byte("x")))
	for i, ok := range common {
		if !ok {
			t.Errorf("common type %d (int64, int, int32, string, bool, float64, *string, *int64, []byte) does not bind as is", i)
		}
	}
	// Others may or may not skip the check; if they do, they must be right.
	checkAsIs(t, b, int16(7))
	checkAsIs(t, b, uint64(7))
	checkAsIs(t, b, float32(1.5))
	checkAsIs(t, b, time.Now())
	checkAsIs(t, b, sql.NullString{String: "x", Valid: true})
}
