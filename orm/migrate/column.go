package migrate

import (
	"fmt"
	"strings"

	"github.com/aiodb/aiodb/internal/sqltext"
	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// columnDef writes a column's definition: name, type, NOT NULL, DEFAULT.
func (r *renderer) columnDef(c Column) (string, error) {
	if c.field != nil {
		return fieldDef(r, c.model, c.field)
	}
	if strings.TrimSpace(c.Type) == "" {
		return "", fmt.Errorf("column %s has no type", c.Name)
	}
	return r.stmt(func(b *sqlb.Builder) {
		b.Ident(c.Name)
		b.WriteChar(' ')
		b.Write(c.Type)
		if !c.Null {
			b.Write(" NOT NULL")
		}
		if c.Default != "" {
			b.Write(" DEFAULT ")
			b.Write(c.Default)
		}
	}), nil
}

// fieldDef is the column definition orm's CreateTable writes for f, so
// that an added column is the one a fresh table would have. It is cut
// from the CREATE TABLE of a table of f alone: the key and reference
// clauses are left out, while the indexes stay, since on MySQL whether a
// string is a key decides its type.
func fieldDef(r *renderer, t *schema.Table, f *schema.Field) (string, error) {
	fc := *f
	fc.PK, fc.Auto, fc.FK, fc.Unique, fc.Index = false, false, nil, false, false
	idx := t.Indexes
	if f.PK || f.FK != nil {
		idx = append(idx[:len(idx):len(idx)], schema.Index{Name: "key", Columns: []string{f.Column}})
	}
	one := &schema.Table{Name: t.Name, GoType: t.GoType, Fields: []*schema.Field{&fc}, PrimaryKey: []*schema.Field{&fc}, Indexes: idx}
	stmts, err := sqlb.CreateTable(r.d, one, false, false)
	if err != nil {
		return "", err
	}
	head := "CREATE TABLE " + r.ident(t.Name) + " ("
	if len(stmts) == 0 || !strings.HasPrefix(stmts[0], head) {
		return "", fmt.Errorf("column %s: unexpected CREATE TABLE %q", f.Column, stmts)
	}
	body := stmts[0][len(head):]
	items, _, err := splitItems(body, 1)
	if err != nil || len(items) == 0 {
		return "", fmt.Errorf("column %s: cannot read its definition from %q", f.Column, stmts[0])
	}
	return items[0], nil
}

// tok is a token with its place in the text and its parenthesis depth.
type tok struct {
	sqltext.Token
	start, end, depth int
}

// tokens lexes s; an Invalid token (an unterminated quote, a backslash in
// quotes) is an error.
func tokens(s string) ([]tok, error) {
	l := sqltext.New(s)
	var out []tok
	depth := 0
	for {
		t := l.Next()
		switch t.Kind {
		case sqltext.EOF:
			return out, nil
		case sqltext.Invalid:
			return nil, fmt.Errorf("cannot read %q", s)
		}
		end := len(s) - len(l.Rest())
		if t.Kind == sqltext.Punct && t.Text == ")" {
			depth--
		}
		out = append(out, tok{Token: t, start: end - len(t.Text), end: end, depth: depth})
		if t.Kind == sqltext.Punct && t.Text == "(" {
			depth++
		}
	}
}

// splitItems splits s, which starts inside depth parentheses, at its
// commas of that depth, up to the parenthesis that closes it; rest is the
// text after that parenthesis.
func splitItems(s string, depth int) (items []string, rest string, err error) {
	ts, err := tokens(s)
	if err != nil {
		return nil, "", err
	}
	start := 0
	for _, t := range ts {
		d := t.depth + depth
		switch {
		case t.Kind == sqltext.Punct && t.Text == "," && d == depth:
			items = append(items, strings.TrimSpace(s[start:t.start]))
			start = t.end
		case t.Kind == sqltext.Punct && t.Text == ")" && d == depth-1:
			items = append(items, strings.TrimSpace(s[start:t.start]))
			return items, s[t.end:], nil
		}
	}
	return nil, "", fmt.Errorf("no closing parenthesis in %q", s)
}

// identText is the name a Word or quoted token stands for.
func identText(t sqltext.Token) string {
	if t.Kind == sqltext.Quoted {
		return sqltext.Unquote(t)
	}
	return t.Text
}
