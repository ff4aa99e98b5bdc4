package migrate

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aiodb/aiodb/internal/sqltext"
	"github.com/aiodb/aiodb/orm/internal/sqlb"
)

// SQLite's ALTER TABLE renames tables and columns and adds and drops
// columns, nothing more. The other changes rebuild the table as
// https://www.sqlite.org/lang_altertable.html ("Making Other Kinds Of
// Table Schema Changes") describes: with foreign keys off (the migration
// runner does that outside the transaction and runs PRAGMA
// foreign_key_check before the commit), create the new table, copy the
// rows, drop the old table, rename the new one, and create its indexes,
// triggers and the views that name it again. The new table's definition
// is the old CREATE TABLE text with one column definition changed, so
// CHECK constraints, collations, AUTOINCREMENT and references stay.

// createTable is a CREATE TABLE statement cut into its column definitions
// and table constraints.
type createTable struct {
	items []string
	tail  string // after the closing parenthesis: WITHOUT ROWID, STRICT
}

func parseCreateTable(s string) (*createTable, error) {
	open := -1
	ts, err := tokens(s)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if t.Kind == sqltext.Punct && t.Text == "(" {
			open = t.end
			break
		}
	}
	if open < 0 {
		return nil, fmt.Errorf("no column list in %q", s)
	}
	items, tail, err := splitItems(s[open:], 1)
	if err != nil {
		return nil, err
	}
	return &createTable{items: items, tail: tail}, nil
}

// tableConstraint: the words that start a table constraint rather than a
// column definition.
var tableConstraint = []string{"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"}

// columnConstraint: the words that end a column's type.
var columnConstraint = []string{"CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE", "REFERENCES", "GENERATED", "AS"}

func isWord(t tok, words ...string) bool {
	if t.Kind != sqltext.Word {
		return false
	}
	for _, w := range words {
		if sqltext.EqualFold(t.Text, w) {
			return true
		}
	}
	return false
}

// column returns the column an item defines ("" for a table constraint)
// and whether it is generated (GENERATED ALWAYS AS, AS (...)), which is
// not copied.
func itemColumn(item string) (name string, generated bool, err error) {
	ts, err := tokens(item)
	if err != nil || len(ts) == 0 {
		return "", false, err
	}
	if isWord(ts[0], tableConstraint...) {
		return "", false, nil
	}
	for _, t := range ts[1:] {
		if t.depth == 0 && isWord(t, "AS") {
			generated = true
		}
	}
	return identText(ts[0].Token), generated, nil
}

// mentions reports whether the tokens of s after its first "(" name col.
func mentions(s, col string) (bool, error) {
	ts, err := tokens(s)
	if err != nil {
		return false, err
	}
	inside := false
	for _, t := range ts {
		if t.Kind == sqltext.Punct && t.Text == "(" {
			inside = true
		}
		if inside && (t.Kind == sqltext.Word || t.Kind == sqltext.Quoted) && strings.EqualFold(identText(t.Token), col) {
			return true, nil
		}
	}
	return false, nil
}

// mentionsTable reports whether s names table anywhere.
func mentionsTable(s, table string) bool {
	ts, err := tokens(s)
	if err != nil {
		return true // cannot tell: treat as naming it, so it is recreated
	}
	for _, t := range ts {
		if (t.Kind == sqltext.Word || t.Kind == sqltext.Quoted) && strings.EqualFold(identText(t.Token), table) {
			return true
		}
	}
	return false
}

// change edits a parsed table; it returns the indexes it makes obsolete
// (by name), which are not created again.
type change func(ct *createTable, st *sqliteTable) (dropIndexes []string, err error)

// columnChange rewrites the definition of one column.
func columnChange(column string, edit func(item string) (string, error)) change {
	return func(ct *createTable, _ *sqliteTable) ([]string, error) {
		for i, item := range ct.items {
			name, _, err := itemColumn(item)
			if err != nil {
				return nil, err
			}
			if strings.EqualFold(name, column) {
				if ct.items[i], err = edit(item); err != nil {
					return nil, err
				}
				return nil, nil
			}
		}
		return nil, fmt.Errorf("no column %q", column)
	}
}

// dropColumnChange removes a column with the table constraints and the
// indexes that name it.
func dropColumnChange(column string) change {
	return func(ct *createTable, st *sqliteTable) ([]string, error) {
		found := false
		var kept []string
		for _, item := range ct.items {
			name, _, err := itemColumn(item)
			if err != nil {
				return nil, err
			}
			if strings.EqualFold(name, column) {
				found = true
				continue
			}
			if name == "" {
				if m, err := mentions(item, column); err != nil {
					return nil, err
				} else if m {
					continue
				}
			}
			kept = append(kept, item)
		}
		if !found {
			return nil, fmt.Errorf("no column %q", column)
		}
		ct.items = kept
		var drop []string
		for _, o := range st.Objects {
			if o.Type != "index" {
				continue
			}
			if m, err := mentions(o.SQL, column); err != nil {
				return nil, err
			} else if m {
				drop = append(drop, o.Name)
			}
		}
		return drop, nil
	}
}

// dropNeedsRebuild reports whether SQLite's own DROP COLUMN would refuse
// column: it is in a key, a table constraint, an index or has a
// constraint of its own beyond NOT NULL and DEFAULT.
func dropNeedsRebuild(st *sqliteTable, column string) (bool, error) {
	ct, err := parseCreateTable(st.SQL)
	if err != nil {
		return false, err
	}
	for _, item := range ct.items {
		name, _, err := itemColumn(item)
		if err != nil {
			return false, err
		}
		switch {
		case name == "":
			if m, err := mentions(item, column); err != nil || m {
				return m, err
			}
		case strings.EqualFold(name, column):
			ts, _ := tokens(item)
			for _, t := range ts {
				if t.depth == 0 && isWord(t, "PRIMARY", "UNIQUE", "REFERENCES", "CHECK", "GENERATED", "AS") {
					return true, nil
				}
			}
		}
	}
	for _, o := range st.Objects {
		if o.Type == "index" {
			if m, err := mentions(o.SQL, column); err != nil || m {
				return m, err
			}
		}
	}
	return false, nil
}

// setType replaces the type of a column definition.
func setType(item, typ string) (string, error) {
	ts, err := tokens(item)
	if err != nil || len(ts) == 0 {
		return "", fmt.Errorf("cannot read column %q", item)
	}
	rest := ""
	for _, t := range ts[1:] {
		if t.depth == 0 && isWord(t, columnConstraint...) {
			rest = " " + item[t.start:]
			break
		}
	}
	return item[:ts[0].end] + " " + typ + rest, nil
}

// setNotNull removes a column definition's NOT NULL (and NULL) and, with
// notNull, adds NOT NULL at its end.
func setNotNull(item string, notNull bool) (string, error) {
	ts, err := tokens(item)
	if err != nil || len(ts) == 0 {
		return "", fmt.Errorf("cannot read column %q", item)
	}
	var keep []string
	from := 0
	for i := 1; i < len(ts); i++ {
		t := ts[i]
		if t.depth != 0 {
			continue
		}
		cut := -1
		switch {
		case isWord(t, "NOT") && i+1 < len(ts) && isWord(ts[i+1], "NULL"):
			cut = i + 1
		case isWord(t, "NULL") && !isWord(ts[i-1], "DEFAULT", "NOT", "IS"):
			cut = i
		}
		if cut < 0 {
			continue
		}
		// ON CONFLICT <resolution> belongs to the constraint.
		if cut+3 < len(ts) && isWord(ts[cut+1], "ON") && isWord(ts[cut+2], "CONFLICT") {
			cut += 3
		}
		keep = append(keep, strings.TrimSpace(item[from:t.start]))
		from = ts[cut].end
		i = cut
	}
	keep = append(keep, strings.TrimSpace(item[from:]))
	if notNull {
		keep = append(keep, "NOT NULL")
	}
	out := keep[:0]
	for _, k := range keep {
		if k != "" {
			out = append(out, k)
		}
	}
	return strings.Join(out, " "), nil
}

// rebuildOf reads table's definition and rebuilds it with ch.
func (r *renderer) rebuildOf(ctx context.Context, table string, ch change) ([]string, error) {
	if err := r.needCatalog("a table rebuild"); err != nil {
		return nil, err
	}
	st, err := r.cat.sqliteTable(ctx, table)
	if err != nil {
		return nil, err
	}
	return r.rebuild(table, st, ch)
}

// rebuildPrefix names the new table while it is filled.
const rebuildPrefix = "aiodb_new_"

// rebuild returns the statements that rebuild table as ch changes it.
func (r *renderer) rebuild(table string, st *sqliteTable, ch change) ([]string, error) {
	ct, err := parseCreateTable(st.SQL)
	if err != nil {
		return nil, err
	}
	dropIdx, err := ch(ct, st)
	if err != nil {
		return nil, err
	}
	var cols []string
	for _, item := range ct.items {
		name, generated, err := itemColumn(item)
		if err != nil {
			return nil, err
		}
		if name != "" && !generated {
			cols = append(cols, name)
		}
	}
	tmp := rebuildPrefix + table
	var views, after []string
	var out []string
	for _, o := range st.Objects {
		switch {
		case o.Type == "view" && mentionsTable(o.SQL, table):
			// A view that names the table would stop the rename.
			out = append(out, r.stmt(func(b *sqlb.Builder) { b.Write("DROP VIEW "); b.Ident(o.Name) }))
			views = append(views, o.SQL)
		case o.Type == "index" || o.Type == "trigger":
			if !slices.Contains(dropIdx, o.Name) {
				after = append(after, o.SQL)
			}
		}
	}
	out = append(out,
		r.stmt(func(b *sqlb.Builder) {
			b.Write("CREATE TABLE ")
			b.Ident(tmp)
			b.Write(" (")
			b.Write(strings.Join(ct.items, ", "))
			b.WriteChar(')')
			b.Write(ct.tail)
		}),
		r.stmt(func(b *sqlb.Builder) {
			b.Write("INSERT INTO ")
			b.Ident(tmp)
			b.WriteChar(' ')
			identList(b, cols)
			b.Write(" SELECT ")
			for i, c := range cols {
				if i > 0 {
					b.Write(", ")
				}
				b.Ident(c)
			}
			b.Write(" FROM ")
			b.Ident(table)
		}),
		r.stmt(func(b *sqlb.Builder) { b.Write("DROP TABLE "); b.Ident(table) }),
		r.alterTable(tmp, func(b *sqlb.Builder) { b.Write("RENAME TO "); b.Ident(table) }),
	)
	out = append(out, after...)
	return append(out, views...), nil
}
