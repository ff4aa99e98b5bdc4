package sqlmock_test

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"

	aiodriver "github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/dialect/mysqldialect"
	"github.com/aiodb/aiodb/orm/dialect/pgdialect"
	"github.com/aiodb/aiodb/orm/dialect/sqlitedialect"
)

// ormAuthor and ormBook are the models of the builder tests.
type ormAuthor struct {
	ID    int64  `db:"id,pk,auto"`
	Name  string `db:"name,size:80"`
	Email string `db:"email,unique"`
}

func (ormAuthor) TableName() string { return "authors" }

type ormBook struct {
	ID        int64 `db:"id,pk,auto"`
	AuthorID  int64 `db:"author_id,fk:authors,index"`
	Title     string
	Hits      int `db:"hits,default:0"`
	Price     float64
	Published *time.Time
}

func (ormBook) TableName() string { return "books" }

// ormDialects are the dialects every builder case is checked in.
var ormDialects = []*orm.Dialect{pgdialect.New(), mysqldialect.New(), sqlitedialect.New()}

var ormDSNSeq atomic.Int64

// ormOpen returns an orm.DB in dialect d over a fresh go-sqlmock
// connection (wrapped by driver.Wrap, which declares the dialect) and the
// mock, which matches statements exactly.
func ormOpen(t *testing.T, d *orm.Dialect, extra ...orm.Option) (*orm.DB, sqlmock.Sqlmock) {
	t.Helper()
	dsn := fmt.Sprintf("orm_sqlmock_%d", ormDSNSeq.Add(1))
	mdb, mock, err := sqlmock.NewWithDSN(dsn, sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
	if err != nil {
		t.Fatal(err)
	}
	c, err := aiodriver.Wrap(mdb.Driver(), aiodriver.Options{Dialect: d.Name}).OpenConnector(dsn)
	if err != nil {
		t.Fatal(err)
	}
	sqlDB := sql.OpenDB(c)
	sqlDB.SetMaxOpenConns(1)
	var opts []orm.Option
	if d != orm.DialectByName(d.Name) {
		opts = append(opts, orm.WithDialect(d))
	}
	db, err := orm.New(sqlDB, append(opts, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := mock.ExpectationsWereMet(); err != nil {
			t.Errorf("sqlmock: %v", err)
		}
		sqlDB.Close()
		mdb.Close()
	})
	return db, mock
}

// ormModels returns the test models on db.
func ormModels(t *testing.T, db *orm.DB) (*orm.Model[ormAuthor], *orm.Model[ormBook]) {
	t.Helper()
	a, err := orm.NewModel[ormAuthor](db)
	if err != nil {
		t.Fatal(err)
	}
	b, err := orm.NewModel[ormBook](db)
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

// ormDriverArgs converts expected arguments to what sqlmock compares.
func ormDriverArgs(args []any) []driver.Value {
	out := make([]driver.Value, len(args))
	for i, a := range args {
		out[i] = a
	}
	return out
}
