package migrate_test

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"testing"

	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/migrate"
)

// diffTable is the table of both versions of the diff model, its own in
// this process: the servers are shared.
var diffTable = func() string {
	var b [4]byte
	rand.Read(b[:])
	return "mig_diff_" + hex.EncodeToString(b[:])
}()

// diffPageV1 is the table as it is deployed.
type diffPageV1 struct {
	ID    int64  `db:"id,pk,auto"`
	Title string `db:"title,size:100"`
	Hits  *int64 `db:"hits"`
}

func (diffPageV1) TableName() string { return diffTable }

// diffPageV2 is the model after a change: a field with an index, and a
// two-column index.
type diffPageV2 struct {
	ID      int64  `db:"id,pk,auto"`
	Title   string `db:"title,size:100,index:title_hits"`
	Hits    *int64 `db:"hits,index:title_hits"`
	Summary string `db:"summary,size:120,default:'',index"`
}

func (diffPageV2) TableName() string { return diffTable }

func opStrings(ops []migrate.Op) []string {
	var out []string
	for _, o := range ops {
		out = append(out, o.String())
	}
	return out
}

// TestDiff compares models with the live schema: a missing table, then a
// model with an added field and indexes, and back with Drop.
func TestDiff(t *testing.T) {
	testenv.EachBackend(t, func(t *testing.T, b testenv.Backend) {
		db := open(t, b, b.DSN(t))
		dropAfter(t, db, diffTable)
		ctx := t.Context()
		v1, v2 := orm.MustModel[diffPageV1](db), orm.MustModel[diffPageV2](db)

		ops, err := migrate.Diff(ctx, db, migrate.DiffOptions{}, v1.Table())
		if err != nil {
			t.Fatal(err)
		}
		if got := opStrings(ops); !slices.Equal(got, []string{"create table " + diffTable}) {
			t.Fatalf("missing table: %q", got)
		}
		if err := migrate.Apply(ctx, db, ops...); err != nil {
			t.Fatal(err)
		}
		all := migrate.DiffOptions{Null: true, Types: true}
		if ops, err := migrate.Diff(ctx, db, all, v1.Table()); err != nil || len(ops) != 0 {
			t.Fatalf("the model's own table differs from it: %q, %v", opStrings(ops), err)
		}
		if _, err := db.SQLDB().ExecContext(sync0(t), "INSERT INTO "+diffTable+" (title) VALUES ('kept')"); err != nil {
			t.Fatal(err)
		}

		ops, err = migrate.Diff(ctx, db, all, v2.Table())
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"add column " + diffTable + ".summary",
			"add index " + diffTable + "_summary_idx on " + diffTable + " (summary)",
			"add index " + diffTable + "_title_hits on " + diffTable + " (title, hits)",
		}
		if got := opStrings(ops); !slices.Equal(got, want) {
			t.Fatalf("diff of the changed model:\n got %q\nwant %q", got, want)
		}
		stmts, err := migrate.Preview(ctx, db, ops...)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("diff on %s:\n%s", b.Name, joinLines(stmts))
		if err := migrate.Apply(ctx, db, ops...); err != nil {
			t.Fatal(err)
		}
		if ops, err := migrate.Diff(ctx, db, all, v2.Table()); err != nil || len(ops) != 0 {
			t.Errorf("after applying the diff: %q, %v", opStrings(ops), err)
		}
		got, err := v2.Get(sync0(t), orm.Eq("title", "kept"))
		if err != nil || got.Summary != "" {
			t.Errorf("the row after the diff: %+v, %v", got, err)
		}

		// Back to v1: nothing is dropped unless asked.
		if ops, err := migrate.Diff(ctx, db, all, v1.Table()); err != nil || len(ops) != 0 {
			t.Errorf("v1 against the v2 table without Drop: %q, %v", opStrings(ops), err)
		}
		all.Drop = true
		ops, err = migrate.Diff(ctx, db, all, v1.Table())
		if err != nil {
			t.Fatal(err)
		}
		want = []string{
			"drop index " + diffTable + "_summary_idx on " + diffTable,
			"drop index " + diffTable + "_title_hits on " + diffTable,
			"drop column " + diffTable + ".summary",
		}
		if got := opStrings(ops); !slices.Equal(got, want) {
			t.Fatalf("diff with Drop:\n got %q\nwant %q", got, want)
		}
		if err := migrate.Apply(ctx, db, ops...); err != nil {
			t.Fatal(err)
		}
		if ops, err := migrate.Diff(ctx, db, all, v1.Table()); err != nil || len(ops) != 0 {
			t.Errorf("after dropping: %q, %v", opStrings(ops), err)
		}
	})
}

func joinLines(s []string) string {
	out := ""
	for _, l := range s {
		out += l + ";\n"
	}
	return out
}
