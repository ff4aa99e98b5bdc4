package migrate

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/schema"
)

// DiffOptions choose what Diff compares beyond missing tables, columns
// and indexes.
type DiffOptions struct {
	// Null compares NOT NULL: SetNotNull or DropNotNull where the model
	// and the column disagree.
	Null bool
	// Types compares column types as the catalog spells them, with the
	// dialect's aliases (VARCHAR is character varying on PostgreSQL, an
	// integer's display width is dropped on MySQL): AlterType where they
	// differ. Auto keys are left out.
	Types bool
	// Drop also drops the columns and the indexes a model does not have
	// (never tables, and never the primary key or an index that backs a
	// constraint). Without it Diff never drops anything.
	Drop bool
}

// Diff compares the models' tables (Model.Table()) with the live schema of
// db and returns the ops that would bring the database to the models: a
// CreateTable for a missing table, an AddColumn for a missing column
// (from its field), an AddIndex for a missing index or unique constraint
// (matched by name, or by columns and uniqueness, since SQLite does not
// keep a unique constraint's name), and what opts ask for. Nothing is
// changed: print the ops, Preview their SQL, put them in a migration, or
// Apply them. The catalog read is PostgreSQL's pg_catalog (the current
// schema), MySQL's information_schema (the current database) and SQLite's
// pragma_table_info and pragma_index_list. It runs under aio.AllowSync,
// like CreateTable.
func Diff(ctx context.Context, db *orm.DB, opts DiffOptions, models ...*schema.Table) ([]Op, error) {
	ctx = aio.AllowSync(ctx)
	r, err := newRenderer(db.Dialect(), nil)
	if err != nil {
		return nil, err
	}
	cat := liveCatalog{q: db.SQLDB(), c: r.c}
	var ops []Op
	for _, t := range models {
		if t == nil {
			return nil, fmt.Errorf("migrate: Diff: nil model")
		}
		exists, err := (&store{r: r, table: t.Name}).exists(ctx, cat.q)
		if err != nil {
			return nil, fmt.Errorf("migrate: Diff of %s: %w", t.Name, err)
		}
		if !exists {
			ops = append(ops, CreateTable{Model: t})
			continue
		}
		live, err := cat.table(ctx, t.Name)
		if err != nil {
			return nil, fmt.Errorf("migrate: Diff of %s: %w", t.Name, err)
		}
		tops, err := diffTable(r, t, live, opts)
		if err != nil {
			return nil, err
		}
		ops = append(ops, tops...)
	}
	return ops, nil
}

func diffTable(r *renderer, t *schema.Table, live *liveTable, opts DiffOptions) ([]Op, error) {
	var ops []Op
	for _, f := range t.Fields {
		i := slices.IndexFunc(live.Columns, func(c liveColumn) bool { return strings.EqualFold(c.Name, f.Column) })
		if i < 0 {
			ops = append(ops, AddField(t, f.Column))
			continue
		}
		c := live.Columns[i]
		if opts.Types && !f.Auto {
			want, err := fieldType(r, t, f)
			if err != nil {
				return nil, err
			}
			if r.c.normalType(want) != r.c.normalType(c.Type) {
				ops = append(ops, AlterType{Table: t.Name, Column: f.Column, Type: want})
			}
		}
		if opts.Null && !f.PK && c.Null != f.Null {
			if f.Null {
				ops = append(ops, DropNotNull{Table: t.Name, Column: f.Column})
			} else {
				ops = append(ops, SetNotNull{Table: t.Name, Column: f.Column})
			}
		}
	}
	matched := make([]bool, len(live.Indexes))
	for _, idx := range t.Indexes {
		i := slices.IndexFunc(live.Indexes, func(l liveIndex) bool {
			return strings.EqualFold(l.Name, idx.Name) ||
				(l.Unique == idx.Unique && slices.EqualFunc(l.Columns, idx.Columns, strings.EqualFold))
		})
		if i >= 0 {
			matched[i] = true
			continue
		}
		ops = append(ops, AddIndex{Table: t.Name, Index: Index{Name: idx.Name, Columns: idx.Columns, Unique: idx.Unique}})
	}
	if !opts.Drop {
		return ops, nil
	}
	for i, l := range live.Indexes {
		if !matched[i] && !l.Primary {
			ops = append(ops, DropIndex{Table: t.Name, Name: l.Name})
		}
	}
	for _, c := range live.Columns {
		if t.FieldByColumn(c.Name) == nil && !slices.ContainsFunc(t.Fields, func(f *schema.Field) bool { return strings.EqualFold(f.Column, c.Name) }) {
			ops = append(ops, DropColumn{Table: t.Name, Column: c.Name})
		}
	}
	return ops, nil
}

// fieldType is the type alone of f's column definition.
func fieldType(r *renderer, t *schema.Table, f *schema.Field) (string, error) {
	fc := *f
	fc.Null, fc.Default = true, ""
	def, err := fieldDef(r, t, &fc)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(strings.TrimPrefix(def, r.ident(f.Column))), nil
}
