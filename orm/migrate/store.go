package migrate

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/aiodb/aiodb/orm/internal/sqlb"
)

// DefaultTable is the table that records the applied migrations unless
// the Table option names another.
const DefaultTable = "aiodb_migrations"

// record is one row of the migrations table: a migration that is applied,
// or, dirty, one that failed midway where DDL cannot roll back.
type record struct {
	Version   int64
	Name      string
	Checksum  string
	Dirty     bool
	AppliedAt string // RFC 3339 in UTC: text reads back alike on every dialect
}

// store reads and writes the migrations table.
type store struct {
	r     *renderer
	table string
}

// query writes a statement with bind arguments in the dialect.
func (s *store) query(fn func(b *sqlb.Builder)) (string, []any) {
	b := sqlb.Get(s.r.d)
	defer sqlb.Put(b)
	fn(b)
	return string(b.Buf), append([]any(nil), b.Args...)
}

func (s *store) ensure(ctx context.Context, ex execer) error {
	q, _ := s.query(func(b *sqlb.Builder) {
		b.Write("CREATE TABLE IF NOT EXISTS ")
		b.Ident(s.table)
		b.Write(" (")
		b.Ident("version")
		b.Write(" BIGINT NOT NULL PRIMARY KEY, ")
		b.Ident("name")
		b.Write(" VARCHAR(255) NOT NULL, ")
		b.Ident("checksum")
		b.Write(" VARCHAR(64) NOT NULL, ")
		b.Ident("dirty")
		b.Write(" BOOLEAN NOT NULL, ")
		b.Ident("applied_at")
		b.Write(" VARCHAR(40) NOT NULL)")
		if s.r.d.TableOptions != "" {
			b.WriteChar(' ')
			b.Write(s.r.d.TableOptions)
		}
	})
	_, err := ex.ExecContext(ctx, q)
	return err
}

// exists reports whether the migrations table exists, for Status, which
// creates nothing.
func (s *store) exists(ctx context.Context, q queryer) (bool, error) {
	if s.r.d.TableExistsSQL == "" {
		return true, nil
	}
	var ok bool
	err := q.QueryRowContext(ctx, s.r.d.TableExistsSQL, s.table).Scan(&ok)
	return ok, err
}

// recordColumns are the migrations table's columns, in record order.
var recordColumns = []string{"version", "name", "checksum", "dirty", "applied_at"}

func (s *store) selectSQL(where bool) (string, []any) {
	return s.query(func(b *sqlb.Builder) {
		b.Write("SELECT ")
		b.IdentList(recordColumns)
		b.Write(" FROM ")
		b.Ident(s.table)
		if where {
			b.Write(" WHERE ")
			b.Ident("version")
			b.Write(" = ")
			b.BindValue(int64(0))
		} else {
			b.Write(" ORDER BY ")
			b.Ident("version")
		}
	})
}

// all returns the records by version.
func (s *store) all(ctx context.Context, q queryer) (map[int64]record, error) {
	query, _ := s.selectSQL(false)
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]record{}
	for rows.Next() {
		var r record
		if err := rows.Scan(&r.Version, &r.Name, &r.Checksum, &r.Dirty, &r.AppliedAt); err != nil {
			return nil, err
		}
		out[r.Version] = r
	}
	return out, rows.Err()
}

// get returns version's record, if any.
func (s *store) get(ctx context.Context, q queryer, version int64) (record, bool, error) {
	query, _ := s.selectSQL(true)
	var r record
	err := q.QueryRowContext(ctx, query, version).Scan(&r.Version, &r.Name, &r.Checksum, &r.Dirty, &r.AppliedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	return r, err == nil, err
}

func (s *store) insert(ctx context.Context, ex execer, m *Migration, dirty bool) error {
	q, args := s.query(func(b *sqlb.Builder) {
		b.Write("INSERT INTO ")
		b.Ident(s.table)
		b.Write(" (")
		b.IdentList(recordColumns)
		b.Write(") VALUES (")
		b.BindValue(m.Version)
		b.Write(", ")
		b.BindValue(m.Name)
		b.Write(", ")
		b.BindValue(m.Checksum)
		b.Write(", ")
		b.BindValue(dirty)
		b.Write(", ")
		b.BindValue(time.Now().UTC().Format(time.RFC3339))
		b.WriteChar(')')
	})
	_, err := ex.ExecContext(ctx, q, args...)
	return err
}

// update sets a record's dirty flag, and its checksum and time when
// marking it clean (Force).
func (s *store) update(ctx context.Context, ex execer, m *Migration, dirty bool) error {
	q, args := s.query(func(b *sqlb.Builder) {
		b.Write("UPDATE ")
		b.Ident(s.table)
		b.Write(" SET ")
		b.Ident("dirty")
		b.Write(" = ")
		b.BindValue(dirty)
		b.Write(", ")
		b.Ident("checksum")
		b.Write(" = ")
		b.BindValue(m.Checksum)
		b.Write(", ")
		b.Ident("name")
		b.Write(" = ")
		b.BindValue(m.Name)
		b.Write(" WHERE ")
		b.Ident("version")
		b.Write(" = ")
		b.BindValue(m.Version)
	})
	_, err := ex.ExecContext(ctx, q, args...)
	return err
}

func (s *store) delete(ctx context.Context, ex execer, version int64) error {
	q, args := s.query(func(b *sqlb.Builder) {
		b.Write("DELETE FROM ")
		b.Ident(s.table)
		b.Write(" WHERE ")
		b.Ident("version")
		b.Write(" = ")
		b.BindValue(version)
	})
	_, err := ex.ExecContext(ctx, q, args...)
	return err
}
