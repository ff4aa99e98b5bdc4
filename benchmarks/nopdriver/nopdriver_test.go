package nopdriver_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"testing"

	"github.com/aiodb/aiodb/benchmarks/nopdriver"
)

func TestQueryAnswersWithSetRows(t *testing.T) {
	d := nopdriver.New()
	db := sql.OpenDB(d.Connector())
	defer db.Close()
	ctx := context.Background()

	d.SetRows([]string{"id", "name"}, [][]driver.Value{{int64(1), "a"}, {int64(2), "b"}})
	rows, err := db.QueryContext(ctx, "SELECT id, name FROM t WHERE id > $1", 0)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := rows.Columns()
	if err != nil || len(cols) != 2 || cols[0] != "id" || cols[1] != "name" {
		t.Fatalf("Columns() = %v, %v; want [id name]", cols, err)
	}
	// Rows opened before SetRows keep their answer.
	d.SetRows([]string{"x"}, nil)
	var got []string
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		got = append(got, name)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("rows = %v, want [a b]", got)
	}

	var n int
	if err := db.QueryRowContext(ctx, "SELECT x").Scan(&n); err != sql.ErrNoRows {
		t.Fatalf("after SetRows(x, nil): Scan error = %v, want sql.ErrNoRows", err)
	}
}

func TestExecPreparedAndTx(t *testing.T) {
	d := nopdriver.New()
	db := sql.OpenDB(d.Connector())
	defer db.Close()
	ctx := context.Background()

	res, err := db.ExecContext(ctx, "UPDATE t SET a = $1", []int{1, 2}) // any argument type is accepted
	if err != nil {
		t.Fatal(err)
	}
	if n, err := res.RowsAffected(); n != 1 || err != nil {
		t.Fatalf("RowsAffected() = %d, %v; want 1", n, err)
	}
	if id, err := res.LastInsertId(); id != 1 || err != nil {
		t.Fatalf("LastInsertId() = %d, %v; want 1", id, err)
	}

	d.SetRows([]string{"id"}, [][]driver.Value{{int64(7)}})
	st, err := db.PrepareContext(ctx, "SELECT id FROM t")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var id int64
	if err := st.QueryRowContext(ctx).Scan(&id); err != nil || id != 7 {
		t.Fatalf("prepared Scan = %d, %v; want 7", id, err)
	}

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRowContext(ctx, "SELECT id").Scan(&id); err != nil || id != 7 {
		t.Fatalf("Scan in tx = %d, %v; want 7", id, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkQueryRow(b *testing.B) {
	d := nopdriver.New()
	d.SetRows([]string{"id"}, [][]driver.Value{{int64(7)}})
	db := sql.OpenDB(d.Connector())
	defer db.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var id int64
		if err := db.QueryRowContext(ctx, "SELECT id FROM t WHERE id = $1", 7).Scan(&id); err != nil {
			b.Fatal(err)
		}
	}
}
