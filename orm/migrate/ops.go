package migrate

import (
	"context"
	"fmt"
	"strings"

	"github.com/aiodb/aiodb/orm/schema"
)

// Op is one schema change. It is a value: build it with a literal or a
// constructor, print it (String), render it for a dialect (SQL) or run it
// (Apply, Tx.Apply, Ops). Rendering may read the live schema, where the
// dialect needs to know a column's or a table's present definition
// (MODIFY COLUMN on MySQL, a table rebuild on SQLite).
type Op interface {
	// String describes the change, e.g. "add column pages.title".
	String() string
	render(ctx context.Context, r *renderer) ([]string, error)
}

// CreateTable creates a model's table with its indexes, as
// orm.Model.CreateTableSQL writes them. Model is Model.Table().
type CreateTable struct {
	Model *schema.Table
}

// DropTable drops a table.
type DropTable struct {
	Table    string
	IfExists bool
}

// AddColumn adds a column: by hand (Column) or from a model's field
// (AddField). A column that is NOT NULL needs a Default on a table that
// has rows, on every dialect.
type AddColumn struct {
	Table  string
	Column Column
}

// DropColumn drops a column, with the indexes and table constraints that
// name it (as PostgreSQL does; on SQLite that takes a rebuild).
type DropColumn struct {
	Table, Column string
}

// RenameColumn renames a column (MySQL 8, MariaDB 10.5 and SQLite 3.25 or
// later; PostgreSQL any).
type RenameColumn struct {
	Table, From, To string
}

// RenameTable renames a table.
type RenameTable struct {
	From, To string
}

// AddIndex creates an index, unique or not, over one or more columns;
// Index.Where makes it partial (PostgreSQL and SQLite; an error on MySQL).
type AddIndex struct {
	Table string
	Index Index
}

// DropIndex drops an index by name (on PostgreSQL an index that backs a
// UNIQUE constraint is dropped with ALTER TABLE ... DROP CONSTRAINT, as
// RawSQL).
type DropIndex struct {
	Table, Name string
}

// SetNotNull makes a column NOT NULL; it fails, changing nothing, when a
// row holds NULL there.
type SetNotNull struct {
	Table, Column string
}

// DropNotNull lets a column hold NULL.
type DropNotNull struct {
	Table, Column string
}

// AlterType changes a column's type. Using is PostgreSQL's USING
// expression for a conversion the server does not make by itself (e.g.
// "title::integer"); elsewhere it is an error. On MySQL the column keeps
// its nullability and default; on SQLite the table is rebuilt and the
// rows are copied with SQLite's usual type affinity.
type AlterType struct {
	Table, Column, Type string
	Using               string
}

// RawSQL runs statements as they are, in the dialect of the database.
type RawSQL struct {
	Statements []string
}

// Index describes an index for AddIndex.
type Index struct {
	Name    string
	Columns []string
	Unique  bool
	// Where is an SQL condition that makes the index partial.
	Where string
}

// Column describes a column for AddColumn. Made by hand, Type is an SQL
// type; made by FieldColumn, the type is the one orm's CreateTable writes
// for the field in each dialect, and Type is empty.
type Column struct {
	Name    string
	Type    string
	Null    bool
	Default string // an SQL expression, e.g. "0" or "'draft'"

	model *schema.Table
	field *schema.Field
}

// FieldColumn returns the column of a model's field (by column name): its
// type in each dialect, NOT NULL unless the field may hold NULL, and its
// default:... tag. Its fk: reference is not added (add the constraint
// with RawSQL).
func FieldColumn(model *schema.Table, column string) (Column, error) {
	if model == nil {
		return Column{}, fmt.Errorf("migrate: FieldColumn(%q): nil model", column)
	}
	f := model.FieldByColumn(column)
	if f == nil {
		return Column{}, fmt.Errorf("migrate: model %v has no column %q", model.GoType, column)
	}
	if f.Auto {
		return Column{}, fmt.Errorf("migrate: model %v, column %q: an auto column cannot be added to a table", model.GoType, column)
	}
	return Column{Name: f.Column, Null: f.Null, Default: f.Default, model: model, field: f}, nil
}

// AddField is AddColumn of FieldColumn(model, column) on the model's
// table. An unknown column is reported when the op is rendered.
func AddField(model *schema.Table, column string) Op {
	c, err := FieldColumn(model, column)
	if err != nil {
		return errOp{err}
	}
	return AddColumn{Table: model.Name, Column: c}
}

// ModelIndex is AddIndex of the model's index (unique or not) of that
// name, as CreateTable would make it.
func ModelIndex(model *schema.Table, name string) Op {
	for _, idx := range model.Indexes {
		if idx.Name == name {
			return AddIndex{Table: model.Name, Index: Index{Name: idx.Name, Columns: idx.Columns, Unique: idx.Unique}}
		}
	}
	return errOp{fmt.Errorf("migrate: model %v has no index %q", model.GoType, name)}
}

// errOp is an op whose constructor failed: rendering it returns the error.
type errOp struct{ err error }

func (o errOp) String() string { return "error: " + o.err.Error() }
func (o errOp) render(context.Context, *renderer) ([]string, error) {
	return nil, o.err
}

func (o CreateTable) String() string {
	if o.Model == nil {
		return "create table <nil>"
	}
	return "create table " + o.Model.Name
}
func (o DropTable) String() string  { return "drop table " + o.Table }
func (o AddColumn) String() string  { return "add column " + o.Table + "." + o.Column.Name }
func (o DropColumn) String() string { return "drop column " + o.Table + "." + o.Column }
func (o RenameColumn) String() string {
	return "rename column " + o.Table + "." + o.From + " to " + o.To
}
func (o RenameTable) String() string { return "rename table " + o.From + " to " + o.To }
func (o AddIndex) String() string {
	kind := "index"
	if o.Index.Unique {
		kind = "unique index"
	}
	s := "add " + kind + " " + o.Index.Name + " on " + o.Table + " (" + strings.Join(o.Index.Columns, ", ") + ")"
	if o.Index.Where != "" {
		s += " where " + o.Index.Where
	}
	return s
}
func (o DropIndex) String() string   { return "drop index " + o.Name + " on " + o.Table }
func (o SetNotNull) String() string  { return "set not null " + o.Table + "." + o.Column }
func (o DropNotNull) String() string { return "drop not null " + o.Table + "." + o.Column }
func (o AlterType) String() string {
	return "alter type " + o.Table + "." + o.Column + " to " + o.Type
}
func (o RawSQL) String() string { return "sql: " + strings.Join(o.Statements, "; ") }
