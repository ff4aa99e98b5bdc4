package route

import "testing"

func TestIsReadQuery(t *testing.T) {
	cases := map[string]bool{
		`SELECT "id" FROM "t" WHERE "id" = $1 LIMIT 1`:          true,
		`select src from rr_place`:                              true,
		"  (SELECT 1) UNION (SELECT 2)":                         true,
		`SELECT EXISTS (SELECT 1 FROM "t")`:                     true,
		`SELECT COUNT(*) FROM (SELECT "id" FROM "t") AS "q"`:    true,
		`SELECT "into", 'for update' FROM "t"`:                  true, // quoted words do not count
		`SELECT "id" FROM "t" WHERE "id" = $1 FOR UPDATE`:       false,
		"SELECT id FROM t\nfor share":                           false,
		`SELECT id FROM t FOR NO KEY UPDATE`:                    false,
		`SELECT id FROM t FOR KEY SHARE`:                        false,
		"SELECT id FROM t LOCK IN SHARE MODE":                   false,
		"SELECT * INTO new_table FROM t":                        false,
		"SELECT 1 INTO OUTFILE '/tmp/x'":                        false,
		`INSERT INTO "t" ("a") VALUES ($1) RETURNING "id"`:      false,
		`UPDATE "t" SET "a" = $1 RETURNING "id"`:                false,
		`DELETE FROM "t" RETURNING "id"`:                        false,
		"WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x": false,
		"SELECTED":       false,
		"":               false,
		"-- x\nSELECT 1": false, // conservative: the primary
	}
	for q, want := range cases {
		if got := IsRead(q); got != want {
			t.Errorf("IsRead(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestIsReadQueryDoesNotAllocate(t *testing.T) {
	q := `SELECT "id", "name" FROM "authors" WHERE "id" = $1 LIMIT 1`
	if n := testing.AllocsPerRun(100, func() { IsRead(q) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

// BenchmarkIsReadQuery is the routing cost each query pays on a DB with
// replicas (none without them).
func BenchmarkIsReadQuery(b *testing.B) {
	q := `SELECT "id", "author_id", "title", "hits", "price", "published" FROM "books" WHERE "id" = $1 LIMIT 1`
	for b.Loop() {
		if !IsRead(q) {
			b.Fatal("not a read")
		}
	}
}
