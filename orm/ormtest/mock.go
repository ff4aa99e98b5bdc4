package ormtest

import (
	"database/sql"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/orm"
)

// mockSeq names each Mock's sqlmock DSN, which sqlmock requires unique.
var mockSeq atomic.Int64

// Mock returns a DB on go-sqlmock, for unit tests that need no database.
// Statements pass through aiodb's guarded driver as on a real server: the
// sync guard applies with mode (a sync call under driver.SyncError fails
// with driver.ErrSyncCall and never reaches the mock), hooks see every
// statement, and the SQL the mock receives is dialect d's (pgdialect.New(),
// mysqldialect.New(), sqlitedialect.New(), ...), placeholders included.
//
// Set expectations with sqlmock's API; SQL is matched exactly
// (sqlmock.QueryMatcherEqual). The pool has one connection, so statements
// reach the mock in the order they run. In t.Cleanup, Mock reports unmet
// expectations as a test error and closes the DB.
func Mock(t testing.TB, d *orm.Dialect, mode driver.SyncMode, hks ...hooks.Hook) (*orm.DB, sqlmock.Sqlmock) {
	t.Helper()
	if d == nil {
		t.Fatal("ormtest.Mock: nil dialect")
	}
	dsn := fmt.Sprintf("aiodb_ormtest_mock_%d", mockSeq.Add(1))
	mockDB, mock, err := sqlmock.NewWithDSN(dsn, sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
	if err != nil {
		t.Fatalf("ormtest.Mock: %v", err)
	}
	c, err := driver.Wrap(mockDB.Driver(), driver.Options{
		Dialect: d.Name, Sync: mode, Hooks: hooks.Chain(hks...),
	}).OpenConnector(dsn)
	if err != nil {
		mockDB.Close()
		t.Fatalf("ormtest.Mock: %v", err)
	}
	sqlDB := sql.OpenDB(c)
	sqlDB.SetMaxOpenConns(1)
	db, err := orm.New(sqlDB, orm.WithDialect(d))
	if err != nil {
		sqlDB.Close()
		mockDB.Close()
		t.Fatalf("ormtest.Mock: %v", err)
	}
	t.Cleanup(func() {
		if err := mock.ExpectationsWereMet(); err != nil {
			t.Errorf("ormtest.Mock: %v", err)
		}
		db.Close()
		sqlDB.Close() // orm.New does not own it
		mockDB.Close()
	})
	return db, mock
}
