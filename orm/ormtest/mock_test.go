package ormtest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/dialect/mysqldialect"
	"github.com/aiodb/aiodb/orm/dialect/pgdialect"
	"github.com/aiodb/aiodb/orm/ormtest"
)

type mockUser struct {
	ID   int64  `db:"id,pk,auto"`
	Name string `db:"name"`
}

func (mockUser) TableName() string { return "mock_user" }

// TestMockRunsTheModelAPI: the model API runs against the mock with the
// dialect's SQL, the hooks see the statements, and the values come back.
func TestMockRunsTheModelAPI(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    *orm.Dialect
		sql  string
	}{
		{"postgres", pgdialect.New(), `SELECT "id", "name" FROM "mock_user" WHERE "id" = $1 LIMIT 1`},
		{"mysql", mysqldialect.New(), "SELECT `id`, `name` FROM `mock_user` WHERE `id` = ? LIMIT 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stats := hooks.NewStats()
			db, mock := ormtest.Mock(t, tc.d, driver.SyncError, stats)
			users := orm.MustModel[mockUser](db)
			mock.ExpectQuery(tc.sql).WithArgs(7).WillReturnRows(sqlmock.NewRows([]string{"id", "name"}).AddRow(7, "ann"))
			u, err := aio.Await(context.Background(), users.AioGetByPK(context.Background(), 7))
			if err != nil || u.ID != 7 || u.Name != "ann" {
				t.Fatalf("AioGetByPK = %+v, %v", u, err)
			}
			if s := stats.Snapshot(); s.Statements != 1 {
				t.Fatalf("hooks saw %d statements, want 1", s.Statements)
			}
		})
	}
}

// TestMockAppliesTheGuard: under SyncError a blocking call fails with
// ErrSyncCall and never reaches the mock (which expects nothing, so any
// statement would fail the test in Cleanup).
func TestMockAppliesTheGuard(t *testing.T) {
	db, _ := ormtest.Mock(t, pgdialect.New(), driver.SyncError)
	users := orm.MustModel[mockUser](db)
	_, err := users.GetByPK(context.Background(), 7)
	if !errors.Is(err, driver.ErrSyncCall) {
		t.Fatalf("a sync GetByPK under SyncError: %v, want ErrSyncCall", err)
	}
}

// TestMockReportsUnmetExpectations: an expectation the code never met
// fails the test when it ends.
func TestMockReportsUnmetExpectations(t *testing.T) {
	inner := &recordingTB{TB: t}
	func() {
		defer inner.cleanup()
		_, mock := ormtest.Mock(inner, pgdialect.New(), driver.SyncAllow)
		mock.ExpectExec(`DELETE FROM "mock_user"`)
	}()
	if len(inner.errors) != 1 {
		t.Fatalf("unmet expectation: %d errors reported, want 1: %q", len(inner.errors), inner.errors)
	}
}

// recordingTB collects errors and runs cleanups when asked, so that a test
// can check what a helper reports.
type recordingTB struct {
	testing.TB
	errors   []string
	cleanups []func()
}

func (r *recordingTB) Helper()                   {}
func (r *recordingTB) Cleanup(f func())          { r.cleanups = append(r.cleanups, f) }
func (r *recordingTB) Errorf(f string, a ...any) { r.errors = append(r.errors, fmt.Sprintf(f, a...)) }
func (r *recordingTB) cleanup() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// A unit test of code built on orm, with no database: the mock expects
// the dialect's SQL and the guard runs as in production.
func ExampleMock() {
	testFindAnn := func(t *testing.T) {
		db, mock := ormtest.Mock(t, pgdialect.New(), driver.SyncPanic)
		users := orm.MustModel[mockUser](db)

		mock.ExpectQuery(`SELECT "id", "name" FROM "mock_user" WHERE "name" = $1 LIMIT 1`).
			WithArgs("ann").
			WillReturnRows(sqlmock.NewRows([]string{"id", "name"}).AddRow(1, "ann"))

		ctx := context.Background()
		u, err := aio.Await(ctx, users.AioGet(ctx, orm.Eq("name", "ann")))
		if err != nil || u.Name != "ann" {
			t.Fatalf("AioGet = %+v, %v", u, err)
		}
	}
	_ = testFindAnn // run by go test as func TestFindAnn(t *testing.T)
}
