package orm

import (
	"strings"
	"testing"

	"github.com/aiodb/aiodb/orm/dialect/mysqldialect"
	"github.com/aiodb/aiodb/orm/dialect/pgdialect"
	"github.com/aiodb/aiodb/orm/dialect/sqlitedialect"
	"github.com/aiodb/aiodb/orm/internal/sqlb"
)

// FuzzQuoteIdent checks that every dialect's identifier quoting is
// reversible and closed: the result starts and ends with the quote, every
// quote inside is doubled, and undoubling gives the name back. A name can
// therefore never end the quoting early, whatever it contains.
func FuzzQuoteIdent(f *testing.F) {
	for _, s := range []string{"id", "", `a"b`, "a`b", `"`, "``", `x"; DROP TABLE t; --`, "é", "\x00", `""""`} {
		f.Add(s)
	}
	dialects := []*Dialect{pgdialect.New(), mysqldialect.New(), mysqldialect.MariaDB(), sqlitedialect.New()}
	f.Fuzz(func(t *testing.T, name string) {
		for _, d := range dialects {
			b := sqlb.Get(d)
			b.Ident(name)
			got := string(b.Buf) // not b.SQL(): fuzzed names would fill its intern table
			sqlb.Put(b)
			q := string(d.IdentQuote)
			if len(got) < 2 || !strings.HasPrefix(got, q) || !strings.HasSuffix(got, q) {
				t.Fatalf("%s: ident(%q) = %q: not quoted", d.Name, name, got)
			}
			inner := got[1 : len(got)-1]
			if strings.Count(strings.ReplaceAll(inner, q+q, ""), q) != 0 {
				t.Fatalf("%s: ident(%q) = %q: a lone quote inside ends the identifier early", d.Name, name, got)
			}
			if back := strings.ReplaceAll(inner, q+q, q); back != name {
				t.Fatalf("%s: ident(%q) = %q unquotes to %q", d.Name, name, got, back)
			}
		}
	})
}
