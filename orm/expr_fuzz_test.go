package orm_test

import (
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aiodb/aiodb/internal/fakedb"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/dialect/mysqldialect"
	"github.com/aiodb/aiodb/orm/dialect/pgdialect"
	"github.com/aiodb/aiodb/orm/dialect/sqlitedialect"
)

type fzItem struct {
	ID    int64   `db:"id,pk,auto"`
	Name  string  `db:"name"`
	Score float64 `db:"score"`
	Note  *string `db:"note,null"`
}

func (fzItem) TableName() string { return "fz_items" }

// fzModels returns the fzItem model on each dialect, over fakedb: the
// queries are only built, never sent.
func fzModels(tb testing.TB) map[string]*orm.Model[fzItem] {
	tb.Helper()
	sqlDB := sql.OpenDB(fakedb.New(nil, nil).Connector())
	tb.Cleanup(func() { sqlDB.Close() })
	ms := map[string]*orm.Model[fzItem]{}
	for _, d := range []*orm.Dialect{pgdialect.New(), mysqldialect.New(), sqlitedialect.New()} {
		db, err := orm.New(sqlDB, orm.WithDialect(d))
		if err != nil {
			tb.Fatal(err)
		}
		ms[d.Name] = orm.MustModel[fzItem](db)
	}
	return ms
}

// fzQueries build statements in which col is a column name from a user,
// val a value from a user, frag an SQL fragment and alias a result alias.
var fzQueries = []struct {
	name string
	uses string // which inputs reach identifiers or SQL text: "col", "frag", "alias"
	sql  func(m *orm.Model[fzItem], col, val, frag, alias string) (string, []any, error)
}{
	{"select", "col", func(m *orm.Model[fzItem], col, val, _, _ string) (string, []any, error) {
		return m.Select().Where(
			orm.Eq(col, val), orm.Like("name", val), orm.ILike(col, val),
			orm.In("name", []string{val, val + "'"}), orm.Between("score", val, val),
			orm.Or(orm.Ne(col, val), orm.Not(orm.Gt("id", val))),
			orm.SQL("LOWER(?) = ?", orm.Col(col), val),
		).OrderBy(col, orm.Desc("id")).Limit(3).SQL()
	}},
	{"update", "col", func(m *orm.Model[fzItem], col, val, _, _ string) (string, []any, error) {
		return m.Update().Set("name", val).Set(col, val).Where(orm.Any("id", []string{val, val})).SQL()
	}},
	{"insert", "", func(m *orm.Model[fzItem], _, val, _, _ string) (string, []any, error) {
		return m.Insert(&fzItem{Name: val, Note: &val}, &fzItem{Name: val + `"`}).SQL()
	}},
	{"delete", "col frag", func(m *orm.Model[fzItem], col, val, frag, _ string) (string, []any, error) {
		return m.Delete().Where(orm.Le(col, val), orm.SQL(frag, val)).SQL()
	}},
	{"alias", "alias", func(m *orm.Model[fzItem], _, val, _, alias string) (string, []any, error) {
		return m.Select("id").ColumnExpr(orm.SQL("LENGTH(?)", val), alias).Where(orm.Eq("name", val)).SQL()
	}},
}

var fzColumns = []string{"id", "name", "score", "note"}

// fzSentinel stands in for the value in a second build of each query: the
// SQL text must be the same, because a value only ever travels as a bind
// argument.
const fzSentinel = "\x00fz sentinel\x00"

// FuzzExprBuild builds selects, updates, inserts and deletes from fuzzed
// column names, values, SQL fragments and aliases on every dialect. A value
// never reaches the SQL text (the statement is the same whatever the value,
// and the value comes back only among the arguments); a column name that is
// not the model's is rejected with an error that quotes it; an alias is
// either rejected or written quoted with nothing in it that could end the
// quoting.
func FuzzExprBuild(f *testing.F) {
	f.Add("name", "bob", "name = ?", "n")
	f.Add("name", "x' OR '1'='1", "name <> ?", "len")
	f.Add("id; DROP TABLE fz_items; --", "1", "?", "a b")
	f.Add(`na"me`, "$1", "'?' = ?", `x"y`)
	f.Add("fz_items.score", "?", "score > ? -- ?", "`")
	f.Add("nope.name", "%_\\", "note IS NULL OR note = ?", "é")
	f.Add("Name", "\x00", "??", "_1")
	f.Add("note", "", "\"q?\" = ?", "")
	ms := fzModels(f)
	f.Fuzz(func(t *testing.T, col, val, frag, alias string) {
		if val == fzSentinel {
			return
		}
		for dname, m := range ms {
			for _, q := range fzQueries {
				sqlA, argsA, errA := q.sql(m, col, val, frag, alias)
				sqlB, argsB, errB := q.sql(m, col, fzSentinel, frag, alias)
				where := fmt.Sprintf("%s/%s(col=%q val=%q frag=%q alias=%q)", dname, q.name, col, val, frag, alias)
				if (errA == nil) != (errB == nil) {
					t.Fatalf("%s: the value decided whether the query builds: %v / %v", where, errA, errB)
				}
				if errA != nil {
					checkBuildError(t, where, q.uses, errA, col, frag, alias)
					continue
				}
				if sqlA != sqlB {
					t.Fatalf("%s: the SQL text depends on the value:\n%s\n%s", where, sqlA, sqlB)
				}
				if strings.Contains(sqlB, fzSentinel) {
					t.Fatalf("%s: the value was written into the SQL: %q", where, sqlB)
				}
				if len(argsA) != len(argsB) || !slices.ContainsFunc(argsB, func(a any) bool { return containsSentinel(a) }) {
					t.Fatalf("%s: the value is not among the arguments: %#v / %#v", where, argsA, argsB)
				}
				if strings.Contains(q.uses, "col") && !validColumn(col) {
					t.Fatalf("%s: column %q is not the model's but the query built: %s", where, col, sqlA)
				}
				if strings.Contains(q.uses, "alias") {
					checkAlias(t, where, sqlA, alias, m.DB().Dialect())
				}
			}
		}
	})
}

func containsSentinel(a any) bool {
	if s, ok := a.(string); ok {
		return s == fzSentinel
	}
	rv := reflect.ValueOf(a)
	if rv.Kind() == reflect.Slice {
		for i := range rv.Len() {
			if containsSentinel(rv.Index(i).Interface()) {
				return true
			}
		}
	}
	return false
}

func validColumn(col string) bool {
	return slices.Contains(fzColumns, strings.TrimPrefix(col, "fz_items."))
}

// checkBuildError requires the error to quote the input that caused it.
func checkBuildError(t *testing.T, where, uses string, err error, col, frag, alias string) {
	t.Helper()
	msg := err.Error()
	named := false
	if strings.Contains(uses, "col") {
		_, last, _ := strings.Cut(col, ".")
		if i := strings.LastIndexByte(col, '.'); i >= 0 {
			last = col[i+1:]
		}
		named = strings.Contains(msg, fmt.Sprintf("%q", col)) || (last != "" && strings.Contains(msg, fmt.Sprintf("%q", last)))
		if !named && validColumn(col) && !strings.Contains(uses, "frag") {
			t.Fatalf("%s: model column %q rejected: %v", where, col, err)
		}
	}
	if strings.Contains(uses, "frag") && strings.Contains(msg, fmt.Sprintf("%q", frag)) {
		named = true
	}
	if strings.Contains(uses, "alias") && strings.Contains(msg, fmt.Sprintf("%q", alias)) {
		named = true
	}
	if uses == "" || !named {
		t.Fatalf("%s: error does not name its cause: %v", where, err)
	}
}

// checkAlias requires an accepted alias to appear only inside identifier
// quotes, and to hold nothing that could end them.
func checkAlias(t *testing.T, where, sqlText, alias string, d *orm.Dialect) {
	t.Helper()
	q := string(d.IdentQuote)
	if alias == "" || strings.ContainsAny(alias, "\"`'; \t\r\n\x00-()/*") {
		t.Fatalf("%s: alias %q accepted: %s", where, alias, sqlText)
	}
	if !strings.Contains(sqlText, q+alias+q) {
		t.Fatalf("%s: alias %q not quoted in %s", where, alias, sqlText)
	}
}
