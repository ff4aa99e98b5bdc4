package migrate_test

import (
	"testing"

	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm/migrate"
)

// TestSQLiteRebuildKeepsReferences: a rebuild of a table that other rows
// refer to (ON DELETE CASCADE) and a view names keeps the children, the
// view, the trigger and the index, and leaves foreign keys on.
func TestSQLiteRebuildKeepsReferences(t *testing.T) {
	b := testenv.SelectBackends(testenv.OnServer(testenv.SQLite))[0]
	db := open(t, b, b.DSN(t))
	ctx := sync0(t)
	for _, s := range []string{
		`CREATE TABLE parent (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT CHECK (name <> 'bad'), n INT)`,
		`CREATE INDEX parent_name ON parent (name)`,
		`CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INT NOT NULL REFERENCES parent (id) ON DELETE CASCADE)`,
		`CREATE TABLE log (msg TEXT)`,
		`CREATE TRIGGER parent_ins AFTER INSERT ON parent BEGIN INSERT INTO log VALUES ('ins'); END`,
		`CREATE VIEW named AS SELECT name FROM parent WHERE name IS NOT NULL`,
		`INSERT INTO parent (name, n) VALUES ('a', 1), ('b', NULL)`,
		`INSERT INTO child (parent_id) VALUES (1), (2)`,
	} {
		if _, err := db.SQLDB().ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	err := migrate.Apply(t.Context(), db,
		migrate.RawSQL{Statements: []string{"UPDATE parent SET name = 'z' WHERE name IS NULL"}},
		migrate.SetNotNull{Table: "parent", Column: "name"},
		migrate.AlterType{Table: "parent", Column: "n", Type: "BIGINT"},
		migrate.DropColumn{Table: "parent", Column: "n"},
	)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM child"); n != 2 {
		t.Errorf("%d children after the rebuild, want 2 (a cascade ran)", n)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM named"); n != 2 {
		t.Errorf("the view sees %d rows, want 2", n)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('parent_name', 'parent_ins', 'named')"); n != 3 {
		t.Errorf("%d of the index, trigger and view are left, want 3", n)
	}
	if _, err := db.SQLDB().ExecContext(ctx, "INSERT INTO parent (name) VALUES (NULL)"); err == nil {
		t.Error("NULL name accepted after SetNotNull")
	}
	if _, err := db.SQLDB().ExecContext(ctx, "INSERT INTO parent (name) VALUES ('bad')"); err == nil {
		t.Error("the CHECK constraint was lost")
	}
	if _, err := db.SQLDB().ExecContext(ctx, "INSERT INTO parent (name) VALUES ('c')"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM log"); n != 3 { // two inserts before, one after: the copy fired none
		t.Errorf("the trigger ran %d times, want 3", n)
	}
	// Foreign keys are back on: a child of a missing parent is refused.
	for range 4 { // whichever pooled connection
		if _, err := db.SQLDB().ExecContext(ctx, "INSERT INTO child (parent_id) VALUES (99)"); err == nil {
			t.Fatal("foreign keys are off after the migration")
		}
	}
	// A rebuild that would leave a dangling reference fails and changes nothing.
	if _, err := db.SQLDB().ExecContext(ctx, "CREATE TABLE orphan (id INTEGER PRIMARY KEY, p INT REFERENCES parent (id))"); err != nil {
		t.Fatal(err)
	}
	err = migrate.Apply(t.Context(), db,
		migrate.RawSQL{Statements: []string{"PRAGMA foreign_keys = OFF", "INSERT INTO orphan (p) VALUES (42)"}},
		migrate.SetNotNull{Table: "orphan", Column: "p"},
	)
	if err == nil {
		t.Error("a dangling reference passed the foreign key check")
	}
	if n := count(t, db, "SELECT COUNT(*) FROM orphan"); n != 0 {
		t.Errorf("the failed change left %d rows", n)
	}
}
