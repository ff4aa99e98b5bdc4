package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// queryer is what reading the schema needs: a *sql.DB, *sql.Conn or
// *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// execer also runs statements.
type execer interface {
	queryer
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// liveCatalog reads the schema through q, inside the migration's
// transaction when there is one, so that each op sees the ones before it.
type liveCatalog struct {
	q queryer
	c *caps
}

const (
	sqliteTableSQL   = `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`
	sqliteObjectsSQL = `SELECT type, name, sql FROM sqlite_master
WHERE sql IS NOT NULL AND ((type IN ('index', 'trigger') AND tbl_name = ?) OR type = 'view') ORDER BY rowid`
)

func (l liveCatalog) sqliteTable(ctx context.Context, table string) (*sqliteTable, error) {
	var st sqliteTable
	err := l.q.QueryRowContext(ctx, sqliteTableSQL, table).Scan(&st.SQL)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("no table %q", table)
	}
	if err != nil {
		return nil, err
	}
	rows, err := l.q.QueryContext(ctx, sqliteObjectsSQL, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var o sqliteObject
		if err := rows.Scan(&o.Type, &o.Name, &o.SQL); err != nil {
			return nil, err
		}
		st.Objects = append(st.Objects, o)
	}
	return &st, rows.Err()
}

func (l liveCatalog) mysqlColumn(ctx context.Context, table, column string) (*mysqlColumn, error) {
	var c mysqlColumn
	var extra sql.NullString
	err := l.q.QueryRowContext(ctx, l.c.columnSQL, table, column).Scan(&c.Type, &c.Null, &c.Default, &extra)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("no column %s.%s", table, column)
	}
	c.Extra = extra.String
	return &c, err
}

// liveTable is a table as the catalog has it, for Diff.
type liveTable struct {
	Columns []liveColumn
	Indexes []liveIndex
}

type liveColumn struct {
	Name, Type string
	Null       bool
}

type liveIndex struct {
	Name    string
	Unique  bool
	Primary bool // the primary key, or an index that backs a constraint
	Columns []string
}

func (l liveCatalog) table(ctx context.Context, name string) (*liveTable, error) {
	var t liveTable
	rows, err := l.q.QueryContext(ctx, l.c.columnsSQL, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c liveColumn
		if err := rows.Scan(&c.Name, &c.Type, &c.Null); err != nil {
			return nil, err
		}
		t.Columns = append(t.Columns, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	rows, err = l.q.QueryContext(ctx, l.c.indexesSQL, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var i liveIndex
		var cols sql.NullString
		if err := rows.Scan(&i.Name, &i.Unique, &i.Primary, &cols); err != nil {
			return nil, err
		}
		if cols.String != "" {
			i.Columns = strings.Split(cols.String, ",")
		}
		t.Indexes = append(t.Indexes, i)
	}
	return &t, rows.Err()
}
