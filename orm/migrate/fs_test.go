package migrate

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestSplitStatements(t *testing.T) {
	text := `-- a comment; not a statement end
CREATE TABLE a (s TEXT DEFAULT 'x;y'); /* ; */
INSERT INTO a VALUES ($$semi;colon$$);
-- +aiodb StatementBegin
CREATE TRIGGER t AFTER INSERT ON a BEGIN
  UPDATE a SET s = 'z';
END;
-- +aiodb StatementEnd
# hash comment; on MySQL only
;;
`
	got, err := splitStatements(text, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"-- a comment; not a statement end\nCREATE TABLE a (s TEXT DEFAULT 'x;y')",
		"/* ; */\nINSERT INTO a VALUES ($$semi;colon$$)",
		"CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE a SET s = 'z';\nEND",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if _, err := splitStatements("INSERT INTO a VALUES ('it\\'s');", true); err == nil || !strings.Contains(err.Error(), "StatementBegin") {
		t.Errorf("a backslash in quotes: %v, want an error pointing to StatementBegin", err)
	}
	if _, err := splitStatements("-- +aiodb StatementBegin\nSELECT 1;\n", false); err == nil {
		t.Error("an unclosed block was accepted")
	}
}

func TestFromFS(t *testing.T) {
	fsys := fstest.MapFS{
		"db/0002_add_title.up.sql":      {Data: []byte("-- +aiodb NoTransaction\nALTER TABLE p ADD COLUMN t TEXT;")},
		"db/0001_create_pages.up.sql":   {Data: []byte("CREATE TABLE p (id INT);")},
		"db/0001_create_pages.down.sql": {Data: []byte("DROP TABLE p;")},
		"db/README.md":                  {Data: []byte("not a migration")},
	}
	migs, err := FromFS(fsys, "db")
	if err != nil {
		t.Fatal(err)
	}
	if len(migs) != 2 || migs[0].Version != 1 || migs[0].Name != "create_pages" || migs[0].Down == nil ||
		migs[1].Name != "add_title" || migs[1].Down != nil || !migs[1].NoTx || migs[0].NoTx {
		t.Fatalf("%+v", migs)
	}
	if len(migs[0].Checksum) != 64 || migs[0].Checksum == migs[1].Checksum || migs[0].Source != "db/0001_create_pages.up.sql" {
		t.Errorf("checksum %q, source %q", migs[0].Checksum, migs[0].Source)
	}
	for name, files := range map[string]fstest.MapFS{
		"VERSION_NAME":  {"0001-create.up.sql": {}},
		"no up file":    {"0001_a.down.sql": {}},
		"is also":       {"0001_a.up.sql": {}, "0001_b.up.sql": {}},
		"positive":      {"0000_a.up.sql": {}},
		"file does not": {},
	} {
		if _, err := FromFS(files, "missing"); name == "file does not" {
			if err == nil {
				t.Error("a missing directory was accepted")
			}
			continue
		}
		if _, err := FromFS(files, "."); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: %v, want an error saying %q", files, err, name)
		}
	}
}
