package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/internal/leakcheck"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// aiodb runs the command and returns its exit status and output.
func aiodb(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMigrateCommand walks the workflow on SQLite: up, status, diff of a
// new file, down, and the errors of a wrong command line, a bad DSN and a
// dirty state.
func TestMigrateCommand(t *testing.T) {
	dir := t.TempDir()
	dsn := testenv.SQLiteDSN(t, "")
	writeFiles(t, dir, map[string]string{
		"0001_create_pages.up.sql":   "CREATE TABLE pages (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\nINSERT INTO pages (title) VALUES ('hello');\n",
		"0001_create_pages.down.sql": "DROP TABLE pages;\n",
	})
	flags := []string{"-driver", "aiosqlite", "-dsn", dsn, "-dir", dir}
	cmd := func(sub string, extra ...string) []string {
		return append(append([]string{"migrate", sub}, flags...), extra...)
	}

	if code, out, errOut := aiodb(t, cmd("up")...); code != 0 || out != "applied 1 create_pages\n" {
		t.Fatalf("up: %d %q %q", code, out, errOut)
	}
	if code, out, _ := aiodb(t, cmd("status")...); code != 0 || !strings.Contains(out, "create_pages") || !strings.Contains(out, "applied 20") {
		t.Errorf("status: %d %q", code, out)
	}
	writeFiles(t, dir, map[string]string{
		"0002_add_body.up.sql":   "ALTER TABLE pages ADD COLUMN body TEXT;",
		"0002_add_body.down.sql": "ALTER TABLE pages DROP COLUMN body;",
	})
	if code, out, _ := aiodb(t, cmd("diff")...); code != 0 || out != "-- 2 add_body (0002_add_body.up.sql)\nALTER TABLE pages ADD COLUMN body TEXT;\n" {
		t.Errorf("diff: %d %q", code, out)
	}
	if code, out, _ := aiodb(t, cmd("up")...); code != 0 || out != "applied 2 add_body\n" {
		t.Errorf("up: %d %q", code, out)
	}
	if code, out, _ := aiodb(t, cmd("down")...); code != 0 || out != "rolled back 2 add_body\n" {
		t.Errorf("down: %d %q", code, out)
	}
	if code, out, _ := aiodb(t, cmd("down", "-all")...); code != 0 || out != "rolled back 1 create_pages\n" {
		t.Errorf("down -all: %d %q", code, out)
	}

	// A dirty record (as a failure on MySQL leaves) stops up with advice.
	if code, _, _ := aiodb(t, cmd("up")...); code != 0 {
		t.Fatal("up failed")
	}
	db, err := orm.Open("aiosqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SQLDB().ExecContext(aio.AllowSync(t.Context()), "UPDATE aiodb_migrations SET dirty = 1 WHERE version = 2"); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"0003_more.up.sql": "SELECT 1;"})
	code, _, errOut := aiodb(t, cmd("up")...)
	if code != 1 || !strings.Contains(errOut, "dirty") || !strings.Contains(errOut, "migration 2 add_body") || !strings.Contains(errOut, "migrate force") {
		t.Errorf("up when dirty: %d %q", code, errOut)
	}
	if code, out, _ := aiodb(t, cmd("force", "2")...); code != 0 || out != "version 2 recorded as applied\n" {
		t.Errorf("force: %d %q", code, out)
	}
	if code, out, _ := aiodb(t, cmd("up")...); code != 0 || out != "applied 3 more\n" {
		t.Errorf("up after force: %d %q", code, out)
	}

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"migrate", "up", "-driver", "oracle", "-dsn", "x"}, 2, `unknown driver "oracle" (want one of aiomysql, aiopg, aiopgx, aiosqlite)`},
		{[]string{"migrate", "up", "-dsn", "x"}, 2, "-driver is required"},
		{[]string{"migrate", "sideways", "-driver", "aiosqlite"}, 2, `unknown subcommand "sideways"`},
		{[]string{"migrate"}, 2, "needs a subcommand"},
		{[]string{"migrate", "up", "-driver", "aiosqlite", "-dsn", "file:" + filepath.Join(dir, "no", "such", "dir.db")}, 1, "cannot connect with -driver aiosqlite"},
		{[]string{"migrate", "up", "-driver", "aiopg", "-dsn", "postgres://127.0.0.1:1/x?sslmode=disable&connect_timeout=2"}, 1, "cannot connect with -driver aiopg"},
		{[]string{"migrate", "up", "-driver", "aiomysql", "-dsn", "not a dsn"}, 1, "bad -dsn for aiomysql"},
		{[]string{"migrate", "up", "-driver", "aiosqlite", "-dsn", dsn, "-dir", filepath.Join(dir, "missing")}, 1, "reading -dir"},
		{[]string{"migrate", "force", "-driver", "aiosqlite", "-dsn", dsn}, 2, "force needs one VERSION"},
	} {
		code, _, errOut := aiodb(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%q: %d %q, want %d and %q", c.args, code, errOut, c.code, c.want)
		}
	}
}
