package sqlb

import (
	"github.com/aiodb/aiodb/orm/dialect"
	"github.com/aiodb/aiodb/orm/schema"
)

// The one INSERT and UPDATE writer: the query builder (orm's InsertQuery,
// UpdateQuery) writes with values bound, and a model's cached row
// statements (Create, Save) with placeholders whose arguments are bound
// when the statement runs. Either way the text is the same.

// InsertInto writes INSERT [IGNORE] INTO table (columns) VALUES and
// reports true; with no fields it writes the dialect's insert of a row of
// defaults and reports false: no ValuesRow follows.
func (b *Builder) InsertInto(table string, fields []*schema.Field, ignore bool) bool {
	if ignore {
		b.Write("INSERT IGNORE INTO ")
	} else {
		b.Write("INSERT INTO ")
	}
	b.Ident(table)
	if len(fields) == 0 {
		if b.D.Upsert == dialect.UpsertOnDuplicateKey {
			b.Write(" () VALUES ()") // MySQL has no DEFAULT VALUES
		} else {
			b.Write(" DEFAULT VALUES")
		}
		return false
	}
	b.Write(" (")
	for i, f := range fields {
		if i > 0 {
			b.Write(", ")
		}
		b.Ident(f.Column)
	}
	b.Write(") VALUES ")
	return true
}

// ValuesRow writes one row of VALUES: the fields of the struct at base,
// bound; with a nil base, placeholders whose arguments come later.
func (b *Builder) ValuesRow(fields []*schema.Field, base schema.Ptr) {
	b.WriteChar('(')
	for i, f := range fields {
		if i > 0 {
			b.Write(", ")
		}
		if base == nil {
			b.Param()
		} else {
			b.BindValue(f.Value(base))
		}
	}
	b.WriteChar(')')
}

// SetFields writes "col = value" for each field, comma-separated, after n
// assignments already written; it returns the new count. Values are bound
// from the struct at base, or placeholders with a nil base.
func (b *Builder) SetFields(fields []*schema.Field, base schema.Ptr, n int) int {
	for _, f := range fields {
		if n > 0 {
			b.Write(", ")
		}
		b.Ident(f.Column) // a field's column: no need to look it up
		b.Write(" = ")
		if base == nil {
			b.Param()
		} else {
			b.Bind(f.Value(base))
		}
		n++
	}
	return n
}

// Param writes a placeholder whose argument is bound when the
// statement runs: a nil holds its place.
func (b *Builder) Param() {
	b.Args = append(b.Args, nil)
	b.Placeholder()
}

// ReturningFields writes RETURNING and the fields' columns.
func (b *Builder) ReturningFields(fields []*schema.Field) {
	b.Write(" RETURNING ")
	for i, f := range fields {
		if i > 0 {
			b.Write(", ")
		}
		b.Ident(f.Column)
	}
}

// ReturningColumns writes RETURNING and the columns, checked against the
// models in scope.
func (b *Builder) ReturningColumns(cols []string) {
	b.Write(" RETURNING ")
	for i, c := range cols {
		if i > 0 {
			b.Write(", ")
		}
		b.Column(c)
	}
}
