package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/aiodb/aiodb/orm/dialect"
	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// renderer writes ops in one dialect, reading the live schema through cat
// where the dialect needs it.
type renderer struct {
	d   *dialect.Dialect
	c   *caps
	cat catalog
}

// catalog is the live schema as rendering needs it: nil in SQL when no
// database is at hand, so that only the ops that need none render.
type catalog interface {
	// sqliteTable returns a table's CREATE TABLE text and the schema
	// objects a rebuild must recreate.
	sqliteTable(ctx context.Context, table string) (*sqliteTable, error)
	// mysqlColumn returns a column's definition as information_schema
	// gives it.
	mysqlColumn(ctx context.Context, table, column string) (*mysqlColumn, error)
}

// sqliteTable is a table of sqlite_master: its CREATE TABLE and the
// indexes and triggers on it, and the database's views, each with its SQL.
type sqliteTable struct {
	SQL     string
	Objects []sqliteObject
}

type sqliteObject struct{ Type, Name, SQL string }

type mysqlColumn struct {
	Type    string
	Null    bool
	Default sql.NullString
	Extra   string
}

func newRenderer(d *dialect.Dialect, cat catalog) (*renderer, error) {
	c, err := capsOf(d)
	if err != nil {
		return nil, err
	}
	return &renderer{d: d, c: c, cat: cat}, nil
}

// SQL returns the statements that make the changes of ops in dialect d,
// without running them. Ops that must read the live schema (SetNotNull,
// DropNotNull and AlterType on MySQL and SQLite, DropColumn on SQLite)
// cannot be rendered so: use Preview, which reads it from a database.
func SQL(d *dialect.Dialect, ops ...Op) ([]string, error) {
	r, err := newRenderer(d, nil)
	if err != nil {
		return nil, err
	}
	return r.all(context.Background(), ops)
}

func (r *renderer) all(ctx context.Context, ops []Op) ([]string, error) {
	var out []string
	for _, op := range ops {
		s, err := r.op(ctx, op)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	return out, nil
}

// op renders one op; errors name it.
func (r *renderer) op(ctx context.Context, op Op) ([]string, error) {
	if op == nil {
		return nil, fmt.Errorf("migrate: nil op")
	}
	s, err := op.render(ctx, r)
	if _, bad := op.(errOp); bad {
		return nil, err // it names itself
	}
	if err != nil {
		return nil, fmt.Errorf("migrate: %s on %s: %w", op, r.c.name, err)
	}
	return s, nil
}

func (r *renderer) needCatalog(what string) error {
	if r.cat == nil {
		return fmt.Errorf("%s on %s reads the live schema: render it with Preview or run it", what, r.c.name)
	}
	return nil
}

// stmt writes one statement with the dialect's quoting.
func (r *renderer) stmt(fn func(b *sqlb.Builder)) string {
	b := sqlb.Get(r.d)
	defer sqlb.Put(b)
	fn(b)
	return string(b.Buf)
}

func (r *renderer) ident(name string) string {
	return r.stmt(func(b *sqlb.Builder) { b.Ident(name) })
}

// checkNames refuses names that are not plain identifiers: they reach the
// SQL quoted, but a name with quotes or spaces is almost surely a mistake.
func checkNames(names ...string) error {
	for _, n := range names {
		if !schema.ValidIdent(n) {
			return fmt.Errorf("%q is not a valid identifier (letters, digits and _, not starting with a digit)", n)
		}
	}
	return nil
}

func identList(b *sqlb.Builder, cols []string) {
	b.WriteChar('(')
	for i, c := range cols {
		if i > 0 {
			b.Write(", ")
		}
		b.Ident(c)
	}
	b.WriteChar(')')
}

func (r *renderer) alterTable(table string, rest func(b *sqlb.Builder)) string {
	return r.stmt(func(b *sqlb.Builder) {
		b.Write("ALTER TABLE ")
		b.Ident(table)
		b.WriteChar(' ')
		rest(b)
	})
}

func (o CreateTable) render(_ context.Context, r *renderer) ([]string, error) {
	if o.Model == nil {
		return nil, fmt.Errorf("nil model")
	}
	return sqlb.CreateTable(r.d, o.Model, false, false)
}

func (o DropTable) render(_ context.Context, r *renderer) ([]string, error) {
	if err := checkNames(o.Table); err != nil {
		return nil, err
	}
	return []string{r.stmt(func(b *sqlb.Builder) {
		b.Write("DROP TABLE ")
		if o.IfExists {
			b.Write("IF EXISTS ")
		}
		b.Ident(o.Table)
	})}, nil
}

func (o AddColumn) render(_ context.Context, r *renderer) ([]string, error) {
	if err := checkNames(o.Table, o.Column.Name); err != nil {
		return nil, err
	}
	def, err := r.columnDef(o.Column)
	if err != nil {
		return nil, err
	}
	return []string{r.alterTable(o.Table, func(b *sqlb.Builder) {
		b.Write("ADD COLUMN ")
		b.Write(def)
	})}, nil
}

func (o DropColumn) render(ctx context.Context, r *renderer) ([]string, error) {
	if err := checkNames(o.Table, o.Column); err != nil {
		return nil, err
	}
	if r.c.dropColumnRebuild {
		if err := r.needCatalog("drop column"); err != nil {
			return nil, err
		}
		st, err := r.cat.sqliteTable(ctx, o.Table)
		if err != nil {
			return nil, err
		}
		if needs, err := dropNeedsRebuild(st, o.Column); err != nil {
			return nil, err
		} else if needs {
			return r.rebuild(o.Table, st, dropColumnChange(o.Column))
		}
	}
	return []string{r.alterTable(o.Table, func(b *sqlb.Builder) {
		b.Write("DROP COLUMN ")
		b.Ident(o.Column)
	})}, nil
}

func (o RenameColumn) render(_ context.Context, r *renderer) ([]string, error) {
	if err := checkNames(o.Table, o.From, o.To); err != nil {
		return nil, err
	}
	return []string{r.alterTable(o.Table, func(b *sqlb.Builder) {
		b.Write("RENAME COLUMN ")
		b.Ident(o.From)
		b.Write(" TO ")
		b.Ident(o.To)
	})}, nil
}

func (o RenameTable) render(_ context.Context, r *renderer) ([]string, error) {
	if err := checkNames(o.From, o.To); err != nil {
		return nil, err
	}
	return []string{r.alterTable(o.From, func(b *sqlb.Builder) {
		b.Write("RENAME TO ")
		b.Ident(o.To)
	})}, nil
}

func (o AddIndex) render(_ context.Context, r *renderer) ([]string, error) {
	if err := checkNames(append([]string{o.Table, o.Index.Name}, o.Index.Columns...)...); err != nil {
		return nil, err
	}
	if len(o.Index.Columns) == 0 {
		return nil, fmt.Errorf("no columns")
	}
	if o.Index.Where != "" && !r.c.partialIndex {
		return nil, fmt.Errorf("partial indexes (Where) are not supported")
	}
	return []string{r.stmt(func(b *sqlb.Builder) {
		b.Write("CREATE ")
		if o.Index.Unique {
			b.Write("UNIQUE ")
		}
		b.Write("INDEX ")
		b.Ident(o.Index.Name)
		b.Write(" ON ")
		b.Ident(o.Table)
		b.WriteChar(' ')
		identList(b, o.Index.Columns)
		if o.Index.Where != "" {
			b.Write(" WHERE ")
			b.Write(o.Index.Where)
		}
	})}, nil
}

func (o DropIndex) render(_ context.Context, r *renderer) ([]string, error) {
	if err := checkNames(o.Table, o.Name); err != nil {
		return nil, err
	}
	return []string{r.stmt(func(b *sqlb.Builder) {
		b.Write("DROP INDEX ")
		b.Ident(o.Name)
		if r.c.dropIndexOn {
			b.Write(" ON ")
			b.Ident(o.Table)
		}
	})}, nil
}

func (o SetNotNull) render(ctx context.Context, r *renderer) ([]string, error) {
	return r.null(ctx, o.Table, o.Column, false)
}

func (o DropNotNull) render(ctx context.Context, r *renderer) ([]string, error) {
	return r.null(ctx, o.Table, o.Column, true)
}

func (r *renderer) null(ctx context.Context, table, column string, null bool) ([]string, error) {
	if err := checkNames(table, column); err != nil {
		return nil, err
	}
	switch r.c.nullChange {
	case modifyColumn:
		return r.modify(ctx, table, column, "", &null)
	case rebuildTable:
		return r.rebuildOf(ctx, table, columnChange(column, func(item string) (string, error) { return setNotNull(item, !null) }))
	}
	return []string{r.alterTable(table, func(b *sqlb.Builder) {
		b.Write("ALTER COLUMN ")
		b.Ident(column)
		if null {
			b.Write(" DROP NOT NULL")
		} else {
			b.Write(" SET NOT NULL")
		}
	})}, nil
}

func (o AlterType) render(ctx context.Context, r *renderer) ([]string, error) {
	if err := checkNames(o.Table, o.Column); err != nil {
		return nil, err
	}
	if strings.TrimSpace(o.Type) == "" {
		return nil, fmt.Errorf("no type")
	}
	if o.Using != "" && r.c.typeChange != alterColumn {
		return nil, fmt.Errorf("USING is PostgreSQL's")
	}
	switch r.c.typeChange {
	case modifyColumn:
		return r.modify(ctx, o.Table, o.Column, o.Type, nil)
	case rebuildTable:
		return r.rebuildOf(ctx, o.Table, columnChange(o.Column, func(item string) (string, error) { return setType(item, o.Type) }))
	}
	return []string{r.alterTable(o.Table, func(b *sqlb.Builder) {
		b.Write("ALTER COLUMN ")
		b.Ident(o.Column)
		b.Write(" TYPE ")
		b.Write(o.Type)
		if o.Using != "" {
			b.Write(" USING ")
			b.Write(o.Using)
		}
	})}, nil
}

func (o RawSQL) render(context.Context, *renderer) ([]string, error) {
	var out []string
	for _, s := range o.Statements {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// modify writes MySQL's MODIFY COLUMN: the whole definition, with the
// type or the nullability changed and the rest as information_schema
// has it (a column's charset, collation and comment are not kept).
func (r *renderer) modify(ctx context.Context, table, column, typ string, null *bool) ([]string, error) {
	if err := r.needCatalog("changing a column"); err != nil {
		return nil, err
	}
	col, err := r.cat.mysqlColumn(ctx, table, column)
	if err != nil {
		return nil, err
	}
	if typ == "" {
		typ = col.Type
	}
	isNull := col.Null
	if null != nil {
		isNull = *null
	}
	return []string{r.alterTable(table, func(b *sqlb.Builder) {
		b.Write("MODIFY COLUMN ")
		b.Ident(column)
		b.WriteChar(' ')
		b.Write(typ)
		if isNull {
			b.Write(" NULL")
		} else {
			b.Write(" NOT NULL")
		}
		if def := r.mysqlDefaultClause(col); def != "" {
			b.Write(" DEFAULT ")
			b.Write(def)
		}
		extra := strings.ToLower(col.Extra)
		if strings.Contains(extra, "auto_increment") {
			b.Write(" AUTO_INCREMENT")
		}
		if i := strings.Index(extra, "on update "); i >= 0 {
			b.WriteChar(' ')
			b.Write(col.Extra[i:])
		}
	})}, nil
}

// mysqlDefaultClause spells col's default again for MODIFY COLUMN ("" for
// none).
func (r *renderer) mysqlDefaultClause(col *mysqlColumn) string {
	if !col.Default.Valid {
		return ""
	}
	v := col.Default.String
	if r.c.mysqlDefault == defaultExpr {
		if strings.EqualFold(v, "NULL") {
			return ""
		}
		return v
	}
	if strings.Contains(strings.ToUpper(col.Extra), "DEFAULT_GENERATED") {
		if strings.HasPrefix(strings.ToUpper(v), "CURRENT_TIMESTAMP") {
			return v
		}
		return "(" + v + ")"
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(v) + "'"
}
