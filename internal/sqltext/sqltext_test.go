package sqltext

import (
	"strings"
	"testing"
)

func kinds(s string, hash bool) []string {
	l := New(s)
	l.HashComments = hash
	var out []string
	for {
		t := l.Next()
		switch t.Kind {
		case EOF:
			return out
		case Invalid:
			return append(out, "INVALID")
		}
		out = append(out, t.Text)
	}
}

func TestLexer(t *testing.T) {
	for _, c := range []struct {
		sql  string
		hash bool
		want string // tokens joined by |
	}{
		{"SELECT a, b FROM t WHERE x = $1", false, "SELECT|a|,|b|FROM|t|WHERE|x|=|$1"},
		{"  -- c\n/* c */ select 1;", false, "select|1|;"},
		{"select 'it''s' , \"a\"\"b\", `c`", false, "select|'it''s'|,|\"a\"\"b\"|,|`c`"},
		{"select $$a;b$$, $tag$x$tag$ from a$b", false, "select|$$a;b$$|,|$tag$x$tag$|from|a$b"},
		{"select 1 # comment ;\n, 2", true, "select|1|,|2"},
		{"select 1 # not a comment", false, "select|1|#|not|a|comment"},
		{"select 'unterminated", false, "select|INVALID"},
		{"select 'back\\slash'", false, "select|INVALID"},
		{"select /* a /* nested */ */ 1", false, "select|INVALID"},
		{"select /* open", false, "select|INVALID"},
		{"select $tag$ open", false, "select|INVALID"},
		{"select ?", false, "select|?"},
		{"  ", false, ""},
	} {
		got := strings.Join(kinds(c.sql, c.hash), "|")
		if got != c.want {
			t.Errorf("%q (hash comments %v):\n got %s\nwant %s", c.sql, c.hash, got, c.want)
		}
	}
}

func TestSingleStatement(t *testing.T) {
	for sql, want := range map[string]bool{
		"SELECT 1":                        true,
		"SELECT 1;":                       true,
		"SELECT 1; ;  -- done":            true,
		"SELECT ';' FROM t":               true,
		"SELECT $$;$$":                    true,
		"SELECT 1; SELECT 2":              false,
		"SELECT 1 # ; DROP TABLE t":       false, // '#' is no comment here
		"SELECT 'a\\'; DROP TABLE t; --'": false,
	} {
		if got := SingleStatement(sql); got != want {
			t.Errorf("SingleStatement(%q) = %v, want %v", sql, got, want)
		}
	}
}

func TestFirstWordAndUnquote(t *testing.T) {
	if w, rest := FirstWord("# mysql comment\n  Savepoint x"); w != "Savepoint" || rest != " x" {
		t.Errorf("FirstWord = %q, %q", w, rest)
	}
	if w, rest := FirstWord("(select 1)"); w != "" || rest != "(select 1)" {
		t.Errorf("FirstWord of punctuation = %q, %q", w, rest)
	}
	for in, want := range map[string]string{`"a""b"`: `a"b`, "`x`": "x", "'it''s'": "it's", "$t$body$t$": "body", "$$b$$": "b"} {
		l := New(in)
		if got := Unquote(l.Next()); got != want {
			t.Errorf("Unquote(%s) = %q, want %q", in, got, want)
		}
	}
}

// FuzzLexer: the lexer ends on every input, each token is a non-empty
// piece of the input in order, and Invalid or EOF repeat.
func FuzzLexer(f *testing.F) {
	for _, s := range []string{"SELECT 'a''b' -- c\n;", "$$x$$ $1 `q` /* */ #", "select /* /* */"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, hash bool) {
		l := New(s)
		l.HashComments = hash
		pos := 0
		for range len(s) + 2 {
			tok := l.Next()
			if tok.Kind == EOF || tok.Kind == Invalid {
				if again := l.Next(); again.Kind != tok.Kind {
					t.Fatalf("after %v came %v", tok.Kind, again.Kind)
				}
				return
			}
			i := strings.Index(s[pos:], tok.Text)
			if tok.Text == "" || i < 0 {
				t.Fatalf("token %q is not in the input after offset %d", tok.Text, pos)
			}
			pos += i + len(tok.Text)
		}
		t.Fatalf("no EOF after %d tokens", len(s)+2)
	})
}
