package migrate_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/dialect/mysqldialect"
	"github.com/aiodb/aiodb/orm/migrate"
	"github.com/aiodb/aiodb/orm/ormpgx"
)

// open opens backend b at dsn, with the MariaDB dialect on its variant.
func open(t *testing.T, b testenv.Backend, dsn string, opts ...orm.Option) *orm.DB {
	t.Helper()
	if b.MariaDB {
		opts = append(opts, orm.WithDialect(mysqldialect.MariaDB()))
	}
	var db *orm.DB
	var err error
	if b.Engine { // the ORM on a pgx pool: migrations run on its SQLDB view
		db, err = ormpgx.Open(context.Background(), dsn, opts...)
	} else {
		db, err = orm.Open(b.Driver, dsn, opts...)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// suffix makes the names of one test's tables its own: the servers are
// shared with other suites.
func suffix(t *testing.T) string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// dropAfter drops tables when the test ends, whatever it left.
func dropAfter(t *testing.T, db *orm.DB, tables ...string) {
	t.Cleanup(func() {
		ctx := aio.AllowSync(context.Background())
		for _, tb := range tables {
			if _, err := db.SQLDB().ExecContext(ctx, "DROP TABLE IF EXISTS "+tb); err != nil {
				t.Errorf("dropping %s: %v", tb, err)
			}
		}
	})
	drop := func() {
		ctx := aio.AllowSync(context.Background())
		for _, tb := range tables {
			db.SQLDB().ExecContext(ctx, "DROP TABLE IF EXISTS "+tb)
		}
	}
	drop() // leftovers of an interrupted run
}

func sync0(t *testing.T) context.Context { return aio.AllowSync(t.Context()) }

func count(t *testing.T, db *orm.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQLDB().QueryRowContext(sync0(t), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func versions(ms []migrate.Migration) []int64 {
	var out []int64
	for _, m := range ms {
		out = append(out, m.Version)
	}
	return out
}

// chain is ten migrations: .sql files and Go ops, with a rename of a
// column and of the table, and two changes that rebuild the table on
// SQLite (NOT NULL, a type), each with its down.
func chain(t *testing.T, m *migrate.Migrator, pages, articles string) {
	t.Helper()
	fsys := fstest.MapFS{
		"m/0001_create_pages.up.sql": {Data: []byte(`-- the first table
CREATE TABLE ` + pages + ` (id BIGINT NOT NULL PRIMARY KEY, title VARCHAR(200) NOT NULL, body TEXT);
`)},
		"m/0001_create_pages.down.sql": {Data: []byte("DROP TABLE " + pages + ";\n")},
		"m/0002_seed.up.sql": {Data: []byte(`INSERT INTO ` + pages + ` (id, title, body) VALUES (1, 'one', 'first; with a semicolon');
INSERT INTO ` + pages + ` (id, title, body) VALUES (2, 'two', NULL);
INSERT INTO ` + pages + ` (id, title, body) VALUES (3, 'three', 'third');
`)},
		"m/0002_seed.down.sql": {Data: []byte("DELETE FROM " + pages + ";")},
	}
	if err := m.AddFS(fsys, "m"); err != nil {
		t.Fatal(err)
	}
	idx := "mig_title_views_" + pages[len(pages)-8:]
	err := m.Add(
		migrate.Migration{Version: 3, Name: "add_views",
			Up:   migrate.Ops(migrate.AddColumn{Table: pages, Column: migrate.Column{Name: "views", Type: "BIGINT", Default: "0"}}),
			Down: migrate.Ops(migrate.DropColumn{Table: pages, Column: "views"})},
		migrate.Migration{Version: 4, Name: "unique_title_views",
			Up:   migrate.Ops(migrate.AddIndex{Table: pages, Index: migrate.Index{Name: idx, Columns: []string{"title", "views"}, Unique: true}}),
			Down: migrate.Ops(migrate.DropIndex{Table: pages, Name: idx})},
		migrate.Migration{Version: 5, Name: "rename_body",
			Up:   migrate.Ops(migrate.RenameColumn{Table: pages, From: "body", To: "content"}),
			Down: migrate.Ops(migrate.RenameColumn{Table: pages, From: "content", To: "body"})},
		migrate.Migration{Version: 6, Name: "content_not_null",
			Up: migrate.Ops(
				migrate.RawSQL{Statements: []string{"UPDATE " + pages + " SET content = '' WHERE content IS NULL"}},
				migrate.SetNotNull{Table: pages, Column: "content"}),
			Down: migrate.Ops(migrate.DropNotNull{Table: pages, Column: "content"})},
		migrate.Migration{Version: 7, Name: "wider_title",
			Up:   migrate.Ops(migrate.AlterType{Table: pages, Column: "title", Type: "VARCHAR(300)"}),
			Down: migrate.Ops(migrate.AlterType{Table: pages, Column: "title", Type: "VARCHAR(200)"})},
		migrate.Migration{Version: 8, Name: "rename_table",
			Up:   migrate.Ops(migrate.RenameTable{From: pages, To: articles}),
			Down: migrate.Ops(migrate.RenameTable{From: articles, To: pages})},
		migrate.Migration{Version: 9, Name: "add_note",
			Up:   migrate.Ops(migrate.AddColumn{Table: articles, Column: migrate.Column{Name: "note", Type: "VARCHAR(20)", Null: true}}),
			Down: migrate.Ops(migrate.DropColumn{Table: articles, Column: "note"})},
		migrate.Migration{Version: 10, Name: "drop_note",
			Up: func(ctx context.Context, tx *migrate.Tx) error {
				// A Go migration that reads before it changes.
				var n int
				if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM "+articles+" WHERE note IS NOT NULL").Scan(&n); err != nil {
					return err
				}
				if n != 0 {
					return fmt.Errorf("%d notes would be lost", n)
				}
				return tx.Apply(ctx, migrate.DropColumn{Table: articles, Column: "note"})
			},
			Down: migrate.Ops(migrate.AddColumn{Table: articles, Column: migrate.Column{Name: "note", Type: "VARCHAR(20)", Null: true}})},
	)
	if err != nil {
		t.Fatal(err)
	}
}

// TestChain applies ten migrations, rolls them all back and applies them
// again, checking the rows and the schema a user would look at.
func TestChain(t *testing.T) {
	testenv.EachORMBackend(t, func(t *testing.T, b testenv.Backend) {
		db := open(t, b, b.DSN(t))
		s := suffix(t)
		pages, articles, table := "mig_pages_"+s, "mig_articles_"+s, "mig_versions_"+s
		dropAfter(t, db, pages, articles, table)
		m, err := migrate.New(db, migrate.Table(table))
		if err != nil {
			t.Fatal(err)
		}
		chain(t, m, pages, articles)
		ctx := t.Context() // Up and Down allow sync calls themselves

		check := func(round string) {
			t.Helper()
			if n := count(t, db, "SELECT COUNT(*) FROM "+table+" WHERE dirty = "+db.Dialect().False); n != 10 {
				t.Errorf("%s: %d clean records, want 10", round, n)
			}
			// The rows survived the renames and SQLite's rebuilds.
			rows, err := db.SQLDB().QueryContext(sync0(t), "SELECT id, title, content, views FROM "+articles+" ORDER BY id")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for rows.Next() {
				var id, views int64
				var title, content string
				if err := rows.Scan(&id, &title, &content, &views); err != nil {
					t.Fatal(err)
				}
				got = append(got, fmt.Sprintf("%d %s %q %d", id, title, content, views))
			}
			rows.Close()
			want := []string{`1 one "first; with a semicolon" 0`, `2 two "" 0`, `3 three "third" 0`}
			if !slices.Equal(got, want) {
				t.Errorf("%s: rows %q, want %q", round, got, want)
			}
			x := sync0(t)
			// content is NOT NULL, title holds 300 characters, and (title, views) is unique.
			if _, err := db.SQLDB().ExecContext(x, "INSERT INTO "+articles+" (id, title, content) VALUES (4, 'four', NULL)"); err == nil {
				t.Errorf("%s: NULL content was accepted", round)
			}
			long := strings.Repeat("x", 250)
			if _, err := db.SQLDB().ExecContext(x, "INSERT INTO "+articles+" (id, title, content) VALUES (5, '"+long+"', '')"); err != nil {
				t.Errorf("%s: a 250-character title: %v", round, err)
			}
			if _, err := db.SQLDB().ExecContext(x, "INSERT INTO "+articles+" (id, title, content) VALUES (6, 'one', '')"); err == nil {
				t.Errorf("%s: a second ('one', 0) was accepted", round)
			}
			if _, err := db.SQLDB().ExecContext(x, "DELETE FROM "+articles+" WHERE id > 3"); err != nil {
				t.Fatal(err)
			}
		}

		done, err := m.Up(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := versions(done); !slices.Equal(got, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
			t.Fatalf("Up applied %v", got)
		}
		check("first up")
		st, err := m.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range st {
			if !s.Applied || s.Dirty || s.Changed || s.AppliedAt.IsZero() {
				t.Errorf("status %v", s)
			}
		}
		if again, err := m.Up(ctx); err != nil || len(again) != 0 {
			t.Errorf("second Up: %v, %v; want nothing to do", versions(again), err)
		}

		undone, err := m.Down(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		if got := versions(undone); !slices.Equal(got, []int64{10, 9, 8}) {
			t.Errorf("Down(3) rolled back %v", got)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM "+pages); n != 3 {
			t.Errorf("after Down(3) %s has %d rows, want 3", pages, n)
		}
		undone, err = m.DownTo(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := versions(undone); !slices.Equal(got, []int64{7, 6, 5, 4, 3, 2, 1}) {
			t.Errorf("DownTo(0) rolled back %v", got)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM "+table); n != 0 {
			t.Errorf("%d records after rolling everything back", n)
		}
		for _, tb := range []string{pages, articles} {
			if _, err := db.SQLDB().ExecContext(sync0(t), "SELECT 1 FROM "+tb); err == nil {
				t.Errorf("%s still exists after DownTo(0)", tb)
			}
		}

		if done, err := m.UpTo(ctx, 4); err != nil || !slices.Equal(versions(done), []int64{1, 2, 3, 4}) {
			t.Fatalf("UpTo(4): %v, %v", versions(done), err)
		}
		if done, err := m.Up(ctx); err != nil || len(done) != 6 {
			t.Fatalf("Up after UpTo(4): %v, %v", versions(done), err)
		}
		check("re-applied")
	})
}

// TestFailedMigration: the error names the migration and the statement;
// where DDL is transactional the schema is as it was, elsewhere the state
// is dirty until forced.
func TestFailedMigration(t *testing.T) {
	testenv.EachORMBackend(t, func(t *testing.T, b testenv.Backend) {
		db := open(t, b, b.DSN(t))
		s := suffix(t)
		tb, table := "mig_fail_"+s, "mig_versions_"+s
		dropAfter(t, db, tb, table)
		m, err := migrate.New(db, migrate.Table(table))
		if err != nil {
			t.Fatal(err)
		}
		err = m.AddFS(fstest.MapFS{
			"0001_create.up.sql": {Data: []byte("CREATE TABLE " + tb + " (id INT NOT NULL PRIMARY KEY);")},
			"0002_broken.up.sql": {Data: []byte("ALTER TABLE " + tb + " ADD COLUMN c INT;\nINSERT INTO mig_no_such_table_" + s + " VALUES (1);\n")},
		}, ".")
		if err != nil {
			t.Fatal(err)
		}
		done, err := m.Up(t.Context())
		var me *migrate.MigrationError
		if !errors.As(err, &me) {
			t.Fatalf("Up: %v, want a *MigrationError", err)
		}
		if me.Version != 2 || me.Name != "broken" || me.Index != 2 || !strings.Contains(me.Statement, "mig_no_such_table_"+s) {
			t.Errorf("error names migration %d %q statement %d %q", me.Version, me.Name, me.Index, me.Statement)
		}
		if msg := err.Error(); !strings.Contains(msg, "migration 2 broken (up)") || !strings.Contains(msg, "statement 2") {
			t.Errorf("message %q does not name the migration and the statement", msg)
		}
		if !slices.Equal(versions(done), []int64{1}) {
			t.Errorf("applied %v before the failure, want [1]", versions(done))
		}
		addedC := true
		if _, err := db.SQLDB().ExecContext(sync0(t), "SELECT c FROM "+tb); err != nil {
			addedC = false
		}
		st, err := m.Status(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if b.Server == testenv.MySQL {
			// DDL commits by itself: the column stays, the state is dirty.
			if !me.Dirty || !errors.Is(err0(m.Up(t.Context())), migrate.ErrDirty) || !st[1].Dirty || !addedC {
				t.Errorf("MySQL: dirty %v, column added %v, status %v", me.Dirty, addedC, st[1])
			}
			if _, err := db.SQLDB().ExecContext(sync0(t), "ALTER TABLE "+tb+" DROP COLUMN c"); err != nil {
				t.Fatal(err)
			}
			if err := m.Force(t.Context(), 2, false); err != nil {
				t.Fatal(err)
			}
		} else if me.Dirty || addedC || st[1].Applied || st[1].Dirty {
			t.Errorf("rolled back: dirty %v, column added %v, status %v", me.Dirty, addedC, st[1])
		}
		if _, err := m.Up(t.Context()); !errors.As(err, &me) || me.Version != 2 {
			t.Errorf("Up again: %v, want migration 2's failure again", err)
		}
	})
}

func err0(_ []migrate.Migration, err error) error { return err }

// TestChangedFile: an applied .sql file that was edited stops Up, shows
// in Status, and is accepted with Force.
func TestChangedFile(t *testing.T) {
	testenv.EachORMBackend(t, func(t *testing.T, b testenv.Backend) {
		db := open(t, b, b.DSN(t))
		s := suffix(t)
		tb, table := "mig_changed_"+s, "mig_versions_"+s
		dropAfter(t, db, tb, table)
		files := func(comment string) fstest.MapFS {
			return fstest.MapFS{"0001_create.up.sql": {Data: []byte("CREATE TABLE " + tb + " (id INT NOT NULL PRIMARY KEY); " + comment)}}
		}
		m1, _ := migrate.New(db, migrate.Table(table))
		if err := m1.AddFS(files(""), "."); err != nil {
			t.Fatal(err)
		}
		if _, err := m1.Up(t.Context()); err != nil {
			t.Fatal(err)
		}
		m2, _ := migrate.New(db, migrate.Table(table))
		if err := m2.AddFS(files("-- edited"), "."); err != nil {
			t.Fatal(err)
		}
		m2.Add(migrate.Migration{Version: 2, Name: "more", Up: migrate.Ops(migrate.RawSQL{Statements: []string{"DELETE FROM " + tb}})})
		_, err := m2.Up(t.Context())
		if !errors.Is(err, migrate.ErrChanged) || !strings.Contains(err.Error(), "migration 1 create") {
			t.Fatalf("Up with an edited file: %v, want ErrChanged naming it", err)
		}
		st, _ := m2.Status(t.Context())
		if !st[0].Changed || st[1].Applied {
			t.Errorf("status %v", st)
		}
		if err := m2.Force(t.Context(), 1, true); err != nil {
			t.Fatal(err)
		}
		if done, err := m2.Up(t.Context()); err != nil || !slices.Equal(versions(done), []int64{2}) {
			t.Errorf("Up after Force: %v, %v", versions(done), err)
		}
	})
}

// TestConcurrentMigrators runs two migrators on two pools at once: each
// migration is applied once, by one of them.
func TestConcurrentMigrators(t *testing.T) {
	testenv.EachORMBackend(t, func(t *testing.T, b testenv.Backend) {
		dsn := b.DSN(t) // one database for both pools
		for round := range 3 {
			dbs := []*orm.DB{open(t, b, dsn), open(t, b, dsn)}
			s := suffix(t)
			counter, table := "mig_count_"+s, "mig_versions_"+s
			dropAfter(t, dbs[0], counter, table)
			var migs []migrate.Migration
			migs = append(migs, migrate.Migration{Version: 1, Name: "counter",
				Up: migrate.Ops(migrate.RawSQL{Statements: []string{"CREATE TABLE " + counter + " (v INT NOT NULL)"}})})
			for v := int64(2); v <= 12; v++ {
				migs = append(migs, migrate.Migration{Version: v, Name: fmt.Sprintf("step%d", v),
					Up: migrate.Ops(
						migrate.RawSQL{Statements: []string{fmt.Sprintf("INSERT INTO %s (v) VALUES (%d)", counter, v)}},
						migrate.AddColumn{Table: counter, Column: migrate.Column{Name: fmt.Sprintf("c%d", v), Type: "INT", Null: true}},
					)})
			}
			var wg sync.WaitGroup
			applied := make([][]migrate.Migration, 2)
			errs := make([]error, 2)
			start := make(chan struct{})
			for i, db := range dbs {
				m, err := migrate.New(db, migrate.Table(table))
				if err != nil {
					t.Fatal(err)
				}
				if err := m.Add(migs...); err != nil {
					t.Fatal(err)
				}
				wg.Go(func() {
					<-start
					applied[i], errs[i] = m.Up(context.Background()) // on its own goroutine, sync by design
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("round %d: migrator %d: %v", round, i, err)
				}
			}
			all := append(versions(applied[0]), versions(applied[1])...)
			slices.Sort(all)
			if want := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}; !slices.Equal(all, want) {
				t.Errorf("round %d: applied %v and %v, want each of 1..12 once", round, versions(applied[0]), versions(applied[1]))
			}
			if n := count(t, dbs[0], "SELECT COUNT(*) FROM "+table); n != 12 {
				t.Errorf("round %d: %d records, want 12", round, n)
			}
			if n, d := count(t, dbs[0], "SELECT COUNT(*) FROM "+counter), count(t, dbs[0], "SELECT COUNT(DISTINCT v) FROM "+counter); n != 11 || d != 11 {
				t.Errorf("round %d: %d inserts of %d versions, want 11 of 11", round, n, d)
			}
		}
	})
}

// TestSyncPanicGuard: a DB whose guard panics on sync calls still
// migrates, reports status and diffs, with a plain context.
func TestSyncPanicGuard(t *testing.T) {
	testenv.EachORMBackend(t, func(t *testing.T, b testenv.Backend) {
		dsn := b.DSN(t)
		db := open(t, b, dsn, orm.SyncMode(driver.SyncPanic))
		s := suffix(t)
		tb, table := "mig_guard_"+s, "mig_versions_"+s
		dropAfter(t, open(t, b, dsn), tb, table)
		m, err := migrate.New(db, migrate.Table(table))
		if err != nil {
			t.Fatal(err)
		}
		m.Add(migrate.Migration{Version: 1, Name: "create",
			Up:   migrate.Ops(migrate.RawSQL{Statements: []string{"CREATE TABLE " + tb + " (id INT NOT NULL PRIMARY KEY, n INT)"}}, migrate.SetNotNull{Table: tb, Column: "n"}),
			Down: migrate.Ops(migrate.DropTable{Table: tb})})
		ctx := context.Background()
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Status(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Down(ctx, 1); err != nil {
			t.Fatal(err)
		}
	})
}
