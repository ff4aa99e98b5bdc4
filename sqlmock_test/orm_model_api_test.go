package sqlmock_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/go-sql-driver/mysql"
	"github.com/lib/pq"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/dialect/mysqldialect"
	"github.com/aiodb/aiodb/orm/dialect/pgdialect"
	"github.com/aiodb/aiodb/orm/dialect/sqlitedialect"
)

// The model API's statements, exactly, in each dialect: Get, Create,
// Save, DeleteInstance (recursive), GetOrCreate with its transaction or
// savepoint, Count with and without the limit, ScalarTuple, hooks and the
// Manager's closed state.

// mmParent <- mmChild <- mmGrandchild, and mmTag on a nullable key.
type mmParent struct {
	ID   int64  `db:"id,pk,auto"`
	Name string `db:"name,unique,size:40"`
	Note string `db:"note,default:''"`
}

func (mmParent) TableName() string { return "mm_parent" }

type mmChild struct {
	ID       int64 `db:"id,pk,auto"`
	ParentID int64 `db:"parent_id,fk:mm_parent"`
}

func (mmChild) TableName() string { return "mm_child" }

type mmGrandchild struct {
	ID      int64 `db:"id,pk,auto"`
	ChildID int64 `db:"child_id,fk:mm_child"`
}

func (mmGrandchild) TableName() string { return "mm_grandchild" }

type mmTag struct {
	ID       int64  `db:"id,pk,auto"`
	ParentID *int64 `db:"parent_id,fk:mm_parent"`
}

func (mmTag) TableName() string { return "mm_tag" }

// mmHooked refuses to be saved when its Name says so.
type mmHooked struct {
	ID   int64  `db:"id,pk,auto"`
	Name string `db:"name"`
}

func (mmHooked) TableName() string { return "mm_hooked" }

func (h *mmHooked) BeforeSave(ctx context.Context, created bool) error {
	if h.Name == "refuse" {
		return errors.New("refused before")
	}
	return nil
}

func (h *mmHooked) AfterSave(ctx context.Context, created bool) error {
	if h.Name == "undo" {
		return errors.New("refused after")
	}
	return nil
}

var mmDollar = regexp.MustCompile(`\$\d+`)

// mmSQL turns a statement written for PostgreSQL into dialect d's.
func mmSQL(d *orm.Dialect, pg string) string {
	if d.Placeholder == orm.PlaceholderDollar {
		return pg
	}
	s := mmDollar.ReplaceAllString(pg, "?")
	if d.IdentQuote == '`' {
		s = strings.ReplaceAll(s, `"`, "`")
	}
	return s
}

func mmModels(t *testing.T, db *orm.DB) *orm.Model[mmParent] {
	t.Helper()
	orm.MustModel[mmChild](db)
	orm.MustModel[mmGrandchild](db)
	orm.MustModel[mmTag](db)
	return orm.MustModel[mmParent](db)
}

const mmSelect = `SELECT "id", "name", "note" FROM "mm_parent"`

func mmRow(id int64, name, note string) *sqlmock.Rows {
	return sqlmock.NewRows([]string{"id", "name", "note"}).AddRow(id, name, note)
}

// TestORMModelGet: SELECT every column ... LIMIT 1, and DoesNotExist
// with the statement and arguments.
func TestORMModelGet(t *testing.T) {
	ctx := context.Background()
	for _, d := range ormDialects {
		t.Run(d.Name, func(t *testing.T) {
			db, mock := ormOpen(t, d)
			parents := mmModels(t, db)
			mock.ExpectQuery(mmSQL(d, mmSelect+` WHERE "name" = $1 AND "note" <> $2 LIMIT 1`)).WithArgs("ann", "x").
				WillReturnRows(mmRow(4, "ann", "hi"))
			got, err := parents.Get(ctx, orm.Eq("name", "ann"), orm.Ne("note", "x"))
			if err != nil || *got != (mmParent{4, "ann", "hi"}) {
				t.Fatalf("Get = %+v, %v", got, err)
			}
			mock.ExpectQuery(mmSQL(d, mmSelect+` WHERE "id" = $1 LIMIT 1`)).WithArgs(9).
				WillReturnRows(sqlmock.NewRows([]string{"id", "name", "note"}))
			_, err = parents.GetByPK(ctx, 9)
			if !errors.Is(err, orm.ErrDoesNotExist) {
				t.Fatalf("GetByPK of a missing row: %v", err)
			}
			ormWantErr(t, err, "mmParent", mmSQL(d, `WHERE "id" = $1 LIMIT 1`), "(1 argument)")
			mock.ExpectQuery(mmSQL(d, mmSelect+` LIMIT 1`)).WillReturnRows(sqlmock.NewRows([]string{"id", "name", "note"}))
			if got, err := parents.GetOrNone(ctx); got != nil || err != nil {
				t.Fatalf("GetOrNone = %+v, %v", got, err)
			}
		})
	}
}

// TestORMModelCreate: the columns an INSERT writes and what it reads back.
func TestORMModelCreate(t *testing.T) {
	ctx := context.Background()
	for _, d := range ormDialects {
		t.Run(d.Name, func(t *testing.T) {
			db, mock := ormOpen(t, d)
			parents := mmModels(t, db)

			// A zero key and a zero defaulted note are left to the database.
			obj := &mmParent{Name: "ann"}
			if d.InsertReturning {
				mock.ExpectQuery(mmSQL(d, `INSERT INTO "mm_parent" ("name") VALUES ($1) RETURNING "id", "note"`)).WithArgs("ann").
					WillReturnRows(sqlmock.NewRows([]string{"id", "note"}).AddRow(7, "dflt"))
			} else {
				mock.ExpectExec(mmSQL(d, `INSERT INTO "mm_parent" ("name") VALUES ($1)`)).WithArgs("ann").
					WillReturnResult(sqlmock.NewResult(7, 1))
			}
			if got, err := parents.Create(ctx, obj); err != nil || got != obj || obj.ID != 7 {
				t.Fatalf("Create = %+v, %v", got, err)
			}
			if d.InsertReturning && obj.Note != "dflt" {
				t.Errorf("the default was not read back: %+v", obj)
			}

			// A set note and a set key are written, and nothing is read
			// back: a forced insert, refused for the existing key.
			obj = &mmParent{ID: 7, Name: "bob", Note: "n"}
			mock.ExpectExec(mmSQL(d, `INSERT INTO "mm_parent" ("id", "name", "note") VALUES ($1, $2, $3)`)).WithArgs(7, "bob", "n").
				WillReturnError(ormIntegrityErr(d))
			if _, err := parents.Create(ctx, obj); !errors.Is(err, orm.ErrIntegrity) || obj.ID != 7 {
				t.Fatalf("Create over an existing key: %v (id %d)", err, obj.ID)
			}
		})
	}
}

// ormIntegrityErr is dialect d's driver error for a duplicate key.
func ormIntegrityErr(d *orm.Dialect) error {
	switch d.Name {
	case pgdialect.New().Name:
		return &pq.Error{Code: "23505"}
	case mysqldialect.New().Name:
		return &mysql.MySQLError{Number: 1062}
	}
	return ormSQLiteErr(2067)
}

// TestORMModelSave: insert or update by key; only; errors before any
// statement.
func TestORMModelSave(t *testing.T) {
	ctx := context.Background()
	for _, d := range ormDialects {
		t.Run(d.Name, func(t *testing.T) {
			db, mock := ormOpen(t, d)
			parents := mmModels(t, db)
			obj := &mmParent{ID: 3, Name: "ann", Note: "n"}
			mock.ExpectExec(mmSQL(d, `UPDATE "mm_parent" SET "name" = $1, "note" = $2 WHERE "id" = $3`)).WithArgs("ann", "n", 3).
				WillReturnResult(sqlmock.NewResult(0, 1))
			if n, err := parents.Save(ctx, obj); err != nil || n != 1 {
				t.Fatalf("Save = %d, %v", n, err)
			}
			mock.ExpectExec(mmSQL(d, `UPDATE "mm_parent" SET "note" = $1 WHERE "id" = $2`)).WithArgs("n", 3).
				WillReturnResult(sqlmock.NewResult(0, 0))
			if n, err := parents.Save(ctx, obj, "note"); err != nil || n != 0 {
				t.Fatalf("Save(only note) = %d, %v", n, err)
			}
			_, err := parents.Save(ctx, obj, "nick")
			ormWantErr(t, err, `"nick"`, "mmParent", "mm_parent")

			// A new object is inserted; the Manager's Update refuses it.
			fresh := &mmParent{Name: "cy"}
			if d.InsertReturning {
				mock.ExpectQuery(mmSQL(d, `INSERT INTO "mm_parent" ("name") VALUES ($1) RETURNING "id", "note"`)).WithArgs("cy").
					WillReturnRows(sqlmock.NewRows([]string{"id", "note"}).AddRow(8, ""))
			} else {
				mock.ExpectExec(mmSQL(d, `INSERT INTO "mm_parent" ("name") VALUES ($1)`)).WithArgs("cy").
					WillReturnResult(sqlmock.NewResult(8, 1))
			}
			if n, err := parents.Save(ctx, fresh); err != nil || n != 1 || fresh.ID != 8 {
				t.Fatalf("Save of a new object = %d, %v, id %d", n, err, fresh.ID)
			}
			_, err = aio.Await(ctx, orm.NewManager(db).Update(ctx, &mmParent{Name: "dee"}))
			ormWantErr(t, err, "mmParent", "primary key is not set")
		})
	}
}

// TestORMModelDeleteRecursive: dependents the deepest first, nullable
// keys set to NULL (or deleted with deleteNullable), all in one
// transaction that a failure rolls back.
func TestORMModelDeleteRecursive(t *testing.T) {
	ctx := context.Background()
	for _, d := range ormDialects {
		t.Run(d.Name, func(t *testing.T) {
			db, mock := ormOpen(t, d)
			parents := mmModels(t, db)
			obj := &mmParent{ID: 3, Name: "ann"}
			grandchildren := mmSQL(d, `DELETE FROM "mm_grandchild" WHERE "child_id" IN (SELECT "id" FROM "mm_child" WHERE "parent_id" = $1)`)
			children := mmSQL(d, `DELETE FROM "mm_child" WHERE "parent_id" = $1`)
			self := mmSQL(d, `DELETE FROM "mm_parent" WHERE "id" = $1`)

			mock.ExpectBegin()
			mock.ExpectExec(grandchildren).WithArgs(3).WillReturnResult(sqlmock.NewResult(0, 4))
			mock.ExpectExec(mmSQL(d, `UPDATE "mm_tag" SET "parent_id" = NULL WHERE "parent_id" = $1`)).WithArgs(3).WillReturnResult(sqlmock.NewResult(0, 1))
			mock.ExpectExec(children).WithArgs(3).WillReturnResult(sqlmock.NewResult(0, 2))
			mock.ExpectExec(self).WithArgs(3).WillReturnResult(sqlmock.NewResult(0, 1))
			mock.ExpectCommit()
			if n, err := parents.DeleteInstance(ctx, obj, true, false); err != nil || n != 1 {
				t.Fatalf("DeleteInstance(recursive) = %d, %v", n, err)
			}

			mock.ExpectBegin()
			mock.ExpectExec(grandchildren).WithArgs(3).WillReturnResult(sqlmock.NewResult(0, 0))
			mock.ExpectExec(mmSQL(d, `DELETE FROM "mm_tag" WHERE "parent_id" = $1`)).WithArgs(3).WillReturnResult(sqlmock.NewResult(0, 1))
			mock.ExpectExec(children).WithArgs(3).WillReturnError(errors.New("boom"))
			mock.ExpectRollback()
			if _, err := parents.DeleteInstance(ctx, obj, true, true); err == nil || !strings.Contains(err.Error(), "boom") {
				t.Fatalf("DeleteInstance with a failing step: %v", err)
			}

			// Not recursive: one statement, no transaction.
			mock.ExpectExec(self).WithArgs(3).WillReturnResult(sqlmock.NewResult(0, 1))
			if n, err := parents.DeleteInstance(ctx, obj, false, false); err != nil || n != 1 {
				t.Fatalf("DeleteInstance = %d, %v", n, err)
			}
		})
	}
}

// TestORMModelGetOrCreate: get, insert in a transaction, and on an
// integrity error roll back and get again; inside a transaction the
// insert gets a savepoint instead.
func TestORMModelGetOrCreate(t *testing.T) {
	ctx := context.Background()
	db, mock := ormOpen(t, pgdialect.New())
	parents := mmModels(t, db)
	get := mmSelect + ` WHERE "name" = $1 LIMIT 1`
	insert := `INSERT INTO "mm_parent" ("name", "note") VALUES ($1, $2) RETURNING "id"`
	empty := func() *sqlmock.Rows { return sqlmock.NewRows([]string{"id", "name", "note"}) }

	// Created.
	mock.ExpectQuery(get).WithArgs("ann").WillReturnRows(empty())
	mock.ExpectBegin()
	mock.ExpectQuery(insert).WithArgs("ann", "x").WillReturnRows(sqlmock.NewRows([]string{"id"}).AddRow(5))
	mock.ExpectCommit()
	obj := &mmParent{Name: "ann", Note: "x"}
	got, created, err := parents.GetOrCreate(ctx, obj, "name")
	if err != nil || !created || got != obj || obj.ID != 5 {
		t.Fatalf("GetOrCreate (create) = %+v, %v, %v", got, created, err)
	}

	// Lost the race: the insert is refused, the row is read again.
	mock.ExpectQuery(get).WithArgs("bob").WillReturnRows(empty())
	mock.ExpectBegin()
	mock.ExpectQuery(insert).WithArgs("bob", "x").WillReturnError(&pq.Error{Code: "23505"})
	mock.ExpectRollback()
	mock.ExpectQuery(get).WithArgs("bob").WillReturnRows(mmRow(6, "bob", "theirs"))
	obj = &mmParent{Name: "bob", Note: "x"}
	got, created, err = parents.GetOrCreate(ctx, obj, "name")
	if err != nil || created || got.ID != 6 || got.Note != "theirs" || obj.ID != 0 {
		t.Fatalf("GetOrCreate (race lost) = %+v, %v, %v; obj %+v", got, created, err, obj)
	}

	// Inside a transaction: a savepoint, rolled back on the refusal.
	mock.ExpectBegin()
	mock.ExpectQuery(get).WithArgs("cy").WillReturnRows(empty())
	mock.ExpectExec("SAVEPOINT aiodb_sp_1").WillReturnResult(sqlmock.NewResult(0, 0))
	mock.ExpectQuery(insert).WithArgs("cy", "x").WillReturnError(&pq.Error{Code: "23505"})
	mock.ExpectExec("ROLLBACK TO SAVEPOINT aiodb_sp_1").WillReturnResult(sqlmock.NewResult(0, 0))
	mock.ExpectExec("RELEASE SAVEPOINT aiodb_sp_1").WillReturnResult(sqlmock.NewResult(0, 0))
	mock.ExpectQuery(get).WithArgs("cy").WillReturnRows(mmRow(7, "cy", ""))
	mock.ExpectCommit()
	err = db.Atomic(ctx, func(ctx context.Context) error {
		got, created, err := parents.GetOrCreate(ctx, &mmParent{Name: "cy", Note: "x"}, "name")
		if err == nil && (created || got.ID != 7) {
			t.Errorf("GetOrCreate in a transaction = %+v, %v", got, created)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// CreateOrGet: insert first, then get by the unique values set.
	mock.ExpectBegin()
	mock.ExpectQuery(`INSERT INTO "mm_parent" ("name") VALUES ($1) RETURNING "id", "note"`).WithArgs("dee").WillReturnError(&pq.Error{Code: "23505"})
	mock.ExpectRollback()
	mock.ExpectQuery(get).WithArgs("dee").WillReturnRows(mmRow(8, "dee", ""))
	got, created, err = parents.CreateOrGet(ctx, &mmParent{Name: "dee"})
	if err != nil || created || got.ID != 8 {
		t.Fatalf("CreateOrGet = %+v, %v, %v", got, created, err)
	}
}

// TestORMModelCountScalar: the Manager's Count over a limited query as a
// subquery or with the limit cleared, and ScalarTuple.
func TestORMModelCountScalar(t *testing.T) {
	ctx := context.Background()
	db, mock := ormOpen(t, pgdialect.New())
	parents := mmModels(t, db)
	objects := orm.NewManager(db)
	q := parents.Select().Where(orm.Gt("id", 1)).Limit(3)
	mock.ExpectQuery(`SELECT COUNT(*) FROM (` + mmSelect + ` WHERE "id" > $1 LIMIT 3) AS "count_subquery"`).WithArgs(1).
		WillReturnRows(sqlmock.NewRows([]string{"count"}).AddRow(3))
	if n, err := aio.Await(ctx, objects.Count(ctx, q, false)); err != nil || n != 3 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	mock.ExpectQuery(`SELECT COUNT(*) FROM "mm_parent" WHERE "id" > $1`).WithArgs(1).
		WillReturnRows(sqlmock.NewRows([]string{"count"}).AddRow(10))
	if n, err := aio.Await(ctx, objects.Count(ctx, q, true)); err != nil || n != 10 {
		t.Fatalf("Count(clearLimit) = %d, %v", n, err)
	}
	agg := parents.Select().ColumnExpr(orm.SQL("MAX(?)", orm.Col("id")), "hi").ColumnExpr(orm.SQL("MIN(?)", orm.Col("id")), "lo")
	mock.ExpectQuery(`SELECT MAX("id") AS "hi", MIN("id") AS "lo" FROM "mm_parent"`).
		WillReturnRows(sqlmock.NewRows([]string{"hi", "lo"}).AddRow(9, 2))
	v, err := aio.Await(ctx, objects.Scalar(ctx, agg, true))
	if tup, ok := v.([]any); err != nil || !ok || len(tup) != 2 || tup[0] != int64(9) || tup[1] != int64(2) {
		t.Fatalf("Scalar(asTuple) = %#v, %v", v, err)
	}
	mock.ExpectQuery(`SELECT MAX("id") AS "hi", MIN("id") AS "lo" FROM "mm_parent"`).
		WillReturnRows(sqlmock.NewRows([]string{"hi", "lo"}))
	if v, err := aio.Await(ctx, objects.Scalar(ctx, agg, false)); v != nil || err != nil {
		t.Fatalf("Scalar of no row = %#v, %v; want nil like peewee", v, err)
	}
}

// TestORMModelHooks: a refusing BeforeSave sends nothing; AfterSave runs
// with the insert in a transaction that its error rolls back.
func TestORMModelHooks(t *testing.T) {
	ctx := context.Background()
	db, mock := ormOpen(t, sqlitedialect.New())
	hooked := orm.MustModel[mmHooked](db)
	// The hooks run in the transaction AfterSave needs: nothing is
	// written before BeforeSave refuses, and the transaction is rolled
	// back.
	mock.ExpectBegin()
	mock.ExpectRollback()
	if _, err := hooked.Create(ctx, &mmHooked{Name: "refuse"}); err == nil || !strings.Contains(err.Error(), "refused before") || !strings.Contains(err.Error(), "mmHooked.BeforeSave") {
		t.Fatalf("refused Create: %v", err)
	}
	mock.ExpectBegin()
	mock.ExpectQuery(`INSERT INTO "mm_hooked" ("name") VALUES (?) RETURNING "id"`).WithArgs("undo").
		WillReturnRows(sqlmock.NewRows([]string{"id"}).AddRow(1))
	mock.ExpectRollback()
	obj := &mmHooked{Name: "undo"}
	if _, err := hooked.Create(ctx, obj); err == nil || !strings.Contains(err.Error(), "refused after") || obj.ID != 0 {
		t.Fatalf("Create undone by AfterSave: %v (id %d)", err, obj.ID)
	}
	mock.ExpectBegin()
	mock.ExpectExec(`UPDATE "mm_hooked" SET "name" = ? WHERE "id" = ?`).WithArgs("ok", 4).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectCommit()
	if n, err := hooked.Save(ctx, &mmHooked{ID: 4, Name: "ok"}); err != nil || n != 1 {
		t.Fatalf("Save = %d, %v", n, err)
	}
}

// TestORMManagerClosed: after Close nothing is sent and every call fails
// with ErrManagerClosed; a DB from orm.New cannot be reopened.
func TestORMManagerClosed(t *testing.T) {
	ctx := context.Background()
	db, mock := ormOpen(t, pgdialect.New())
	parents := mmModels(t, db)
	objects := orm.NewManager(db)
	mock.ExpectQuery(mmSelect + ` WHERE "id" = $1 LIMIT 1`).WithArgs(1).WillReturnRows(mmRow(1, "ann", ""))
	if _, err := aio.Await(ctx, orm.Get[mmParent](ctx, objects, orm.Eq("id", 1))); err != nil {
		t.Fatal(err)
	}
	mock.ExpectClose()
	if err := objects.Close(); err != nil {
		t.Fatal(err)
	}
	if err := objects.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	for name, ch := range map[string]<-chan aio.Result[int64]{
		"Update": objects.Update(ctx, &mmParent{ID: 1}),
		"Delete": objects.Delete(ctx, &mmParent{ID: 1}, false, false),
		"Count":  objects.Count(ctx, parents.Select(), false),
	} {
		if _, err := aio.Await(ctx, ch); !errors.Is(err, orm.ErrManagerClosed) {
			t.Errorf("%s after Close: %v", name, err)
		}
	}
	if _, err := aio.Await(ctx, orm.Get[mmParent](ctx, objects)); !errors.Is(err, orm.ErrManagerClosed) {
		t.Errorf("Get after Close: %v", err)
	}
	_, err := aio.Await(ctx, objects.Connect(ctx))
	ormWantErr(t, err, "orm.New", "cannot be reopened")
}

// mmRoot's only dependent, mmRegistered, is never opened with NewModel:
// Register makes it known to recursive deletes.
type mmRoot struct {
	ID int64 `db:"id,pk,auto"`
}

func (mmRoot) TableName() string { return "mm_root" }

type mmRegistered struct {
	ID     int64 `db:"id,pk,auto"`
	RootID int64 `db:"root_id,fk:mm_root"`
}

func (mmRegistered) TableName() string { return "mm_registered" }

// TestORMModelRegister: a model known only through Register is found by
// DeleteInstance(recursive).
func TestORMModelRegister(t *testing.T) {
	ctx := context.Background()
	if err := orm.Register[mmRegistered](); err != nil {
		t.Fatal(err)
	}
	db, mock := ormOpen(t, pgdialect.New())
	roots := orm.MustModel[mmRoot](db)
	mock.ExpectBegin()
	mock.ExpectExec(`DELETE FROM "mm_registered" WHERE "root_id" = $1`).WithArgs(5).WillReturnResult(sqlmock.NewResult(0, 2))
	mock.ExpectExec(`DELETE FROM "mm_root" WHERE "id" = $1`).WithArgs(5).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectCommit()
	if n, err := roots.DeleteInstance(ctx, &mmRoot{ID: 5}, true, false); err != nil || n != 1 {
		t.Fatalf("DeleteInstance(recursive) = %d, %v", n, err)
	}
	type bad struct{ X chan int }
	if err := orm.Register[bad](); err == nil {
		t.Error("Register of a model without a key: no error")
	}
}
