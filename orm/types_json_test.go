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

// JSONGet, JSONText and JSONContains filter on every dialect that has
// them; SQLite has no containment test and says so.
func TestPGTJSONPathEveryDialect(t *testing.T) {
	coreEach(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		docs, err := orm.NewModel[pgtJSONDoc](db)
		if err != nil {
			t.Fatal(err)
		}
		coreCreate(t, db, docs)
		for _, p := range []pgtProfile{
			{Name: "Bob", Tags: []string{"a", "b,c"}, Attrs: map[string]string{"it's": "x"}},
			{Name: "Eve", Tags: []string{"z"}},
		} {
			if _, err := docs.Create(ctx, &pgtJSONDoc{Profile: orm.NewJSON(p), Raw: json.RawMessage(`{"n":` + map[string]string{"Bob": "41", "Eve": "7"}[p.Name] + `}`)}); err != nil {
				t.Fatal(err)
			}
		}
		conds := map[string]orm.Expr{
			"text key":    orm.JSONText("profile", "name").Eq("Bob"),
			"text index":  orm.JSONText("profile", "tags", 1).Eq("b,c"),
			"quoted key":  orm.JSONText("profile", "attrs", "it's").Eq("x"),
			"get string":  orm.JSONGet("profile", "name").Eq("Bob"),
			"get number":  orm.JSONGet("raw", "n").Gt(10),
			"text like":   orm.JSONText("profile", "name").Like("B%"),
			"get like":    orm.JSONGet("profile", "name").Like("B%"),
			"missing key": orm.JSONText("profile", "attrs", "it's").Ne(nil),
		}
		if db.Dialect().JSON != orm.JSONSQLite {
			conds["contains"] = orm.JSONContains("profile", map[string]any{"tags": []string{"b,c"}})
		} else if _, err := docs.Select().Where(orm.JSONContains("profile", 1)).All(ctx); err == nil || !strings.Contains(err.Error(), `JSONContains("profile")`) {
			t.Errorf("JSONContains on SQLite: %v; want an error naming the call", err)
		}
		for name, c := range conds {
			list, err := docs.Select().Where(c).All(ctx)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if len(list) != 1 || list[0].Profile.V.Name != "Bob" {
				t.Errorf("%s: %d rows, want Bob's only", name, len(list))
			}
		}
		if _, err := docs.Select().Where(orm.JSONText("nope", "name").Eq("x")).All(ctx); err == nil || !strings.Contains(err.Error(), `"nope"`) {
			t.Errorf("unknown column: %v; want an error naming it", err)
		}
		if _, err := docs.Select().Where(orm.JSONText("profile", 1.5).Eq("x")).All(ctx); err == nil || !strings.Contains(err.Error(), "1.5") {
			t.Errorf("float path element: %v; want an error naming it", err)
		}
	})
}

// Keys and values of JSON paths are bind arguments, never SQL text.
func TestPGTJSONPathBinds(t *testing.T) {
	db, err := orm.Open("aiopg", "postgres://127.0.0.1:1/none?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	docs := orm.MustModel[pgtJSONDoc](db)
	evil := "x'); DROP TABLE t; --"
	q, args, err := docs.Select("id").Where(orm.JSONText("profile", evil, 2).Eq(evil), orm.JSONContains("raw", map[string]string{evil: evil})).SQL()
	if err != nil {
		t.Fatal(err)
	}
	want := `SELECT "id" FROM "pgt_json_doc" WHERE ("profile" -> CAST($1 AS TEXT) ->> CAST($2 AS INTEGER)) = $3 AND "raw" @> CAST($4 AS JSONB)`
	if q != want || strings.Contains(q, "DROP") || len(args) != 4 {
		t.Errorf("SQL = %s %v\nwant %s", q, args, want)
	}
}
