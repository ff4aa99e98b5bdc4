package orm_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aiodb/aiodb/orm"
)

type pgtProfile struct {
	Name  string            `json:"name"`
	Tags  []string          `json:"tags"`
	Attrs map[string]string `json:"attrs,omitempty"`
}

type pgtJSONDoc struct {
	ID      int64                     `db:"id,pk,auto"`
	Profile orm.JSON[pgtProfile]      `db:"profile"`
	Raw     json.RawMessage           `db:"raw"`
	Opt     *orm.JSON[map[string]int] `db:"opt"`
}

func (pgtJSONDoc) TableName() string { return "pgt_json_doc" }

// JSON[T] and json.RawMessage round-trip on every dialect, and a *JSON[T]
// holds SQL NULL.
func TestPGTJSONEveryDialect(t *testing.T) {
	coreEach(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		docs, err := orm.NewModel[pgtJSONDoc](db)
		if err != nil {
			t.Fatal(err)
		}
		coreCreate(t, db, docs)
		in := &pgtJSONDoc{
			Profile: orm.NewJSON(pgtProfile{Name: `Bob "the" \ builder`, Tags: []string{"a", "b,c"}, Attrs: map[string]string{"k": "ü"}}),
			Raw:     json.RawMessage(`{"x": [1, 2, 3]}`),
		}
		if _, err := docs.Create(ctx, in); err != nil {
			t.Fatal(err)
		}
		got, err := docs.GetByPK(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Profile.V.Name != in.Profile.V.Name || strings.Join(got.Profile.V.Tags, "|") != "a|b,c" || got.Profile.V.Attrs["k"] != "ü" {
			t.Errorf("profile = %+v, want %+v", got.Profile.V, in.Profile.V)
		}
		var raw map[string][]int
		if err := json.Unmarshal(got.Raw, &raw); err != nil || len(raw["x"]) != 3 || raw["x"][2] != 3 {
			t.Errorf("raw = %s (%v)", got.Raw, err)
		}
		if got.Opt != nil {
			t.Errorf("opt = %+v, want nil (SQL NULL)", got.Opt)
		}
		got.Opt = &orm.JSON[map[string]int]{V: map[string]int{"n": 7}}
		got.Profile.V.Name = "Alice"
		if _, err := docs.Save(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, err := docs.GetByPK(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		if again.Opt == nil || again.Opt.V["n"] != 7 || again.Profile.V.Name != "Alice" {
			t.Errorf("after update: opt = %+v, profile = %+v", again.Opt, again.Profile.V)
		}
	})
}

// Invalid JSON in a json.RawMessage is refused by PostgreSQL and MariaDB
// (SQLite's TEXT column keeps it), and a JSON[T] that cannot marshal
// names its type.
func TestPGTJSONErrors(t *testing.T) {
	if _, err := (orm.JSON[func()]{}).Value(); err == nil || !strings.Contains(err.Error(), "func()") {
		t.Errorf("Value of JSON[func()] = %v, want an error naming func()", err)
	}
	var j orm.JSON[[]int]
	if err := j.Scan(`{"a":1}`); err == nil || !strings.Contains(err.Error(), "[]int") {
		t.Errorf("Scan of an object into JSON[[]int] = %v, want an error naming []int", err)
	}
	if err := j.Scan(nil); err != nil || j.V != nil {
		t.Errorf("Scan(nil) = %v, V = %v; want the zero V", err, j.V)
	}
}
