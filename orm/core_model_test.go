package orm_test

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/fakedb"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/dialect/mysqldialect"
	"github.com/aiodb/aiodb/orm/dialect/pgdialect"
)

type coreStamps struct {
	CreatedAt time.Time
	UpdatedBy string `db:"updated_by,size:40"`
}

type coreMembership struct {
	GroupID  int64  `db:"group_id,pk"`
	UserID   int64  `db:"user_id,pk"`
	HTTPRole string `db:",size:20"`
	coreStamps
	Note string `db:"-"`
}

func (coreMembership) TableName() string { return "ormcore_memberships" }

// TestModelMetadata checks names, flattening of embedded structs, options
// and the composite primary key in the exported metadata.
func TestModelMetadata(t *testing.T) {
	db := coreSQLite(t)
	m, err := orm.NewModel[coreMembership](db)
	if err != nil {
		t.Fatal(err)
	}
	tbl := m.Table()
	var cols, goNames []string
	for _, f := range tbl.Fields {
		cols = append(cols, f.Column)
		goNames = append(goNames, f.GoName)
	}
	if want := []string{"group_id", "user_id", "http_role", "created_at", "updated_by"}; !reflect.DeepEqual(cols, want) {
		t.Errorf("columns %v, want %v", cols, want)
	}
	if want := []string{"GroupID", "UserID", "HTTPRole", "coreStamps.CreatedAt", "coreStamps.UpdatedBy"}; !reflect.DeepEqual(goNames, want) {
		t.Errorf("Go names %v, want %v", goNames, want)
	}
	if len(tbl.PrimaryKey) != 2 || tbl.PrimaryKey[1].Column != "user_id" || tbl.Auto() != nil {
		t.Errorf("primary key %v", tbl.PrimaryKey)
	}
	if f := tbl.FieldByColumn("http_role"); f == nil || f.Size != 20 || f.Null {
		t.Errorf("http_role: %+v", f)
	}
	books := orm.MustModel[coreBook](db)
	if f := books.Table().FieldByColumn("author_id"); f.FK == nil || f.FK.Table != "ormcore_authors" || f.FK.OnDelete != "CASCADE" || !f.Index {
		t.Errorf("author_id: %+v", f)
	}
	again, _ := orm.NewModel[coreMembership](db)
	if again != m {
		t.Error("NewModel does not return the DB's cached model")
	}
}

// TestModelConcurrentFirstUse builds a type's metadata from many
// goroutines at once on several DBs: one Table results, and -race sees no
// race.
func TestModelConcurrentFirstUse(t *testing.T) {
	type fresh struct {
		ID   int64 `db:"id,pk"`
		Name string
	}
	dbs := []*orm.DB{coreSQLite(t), coreSQLite(t), coreSQLite(t)}
	var wg sync.WaitGroup
	tables := make([]*orm.Table, 48)
	for i := range tables {
		wg.Go(func() {
			m, err := orm.NewModel[fresh](dbs[i%len(dbs)])
			if err != nil {
				t.Error(err)
				return
			}
			tables[i] = m.Table()
		})
	}
	wg.Wait()
	for _, tb := range tables {
		if tb != tables[0] {
			t.Fatal("metadata built more than once")
		}
	}
}

// TestCompositeKeyAndEmbedded round-trips a model with a composite
// primary key and an embedded struct on SQLite, and updates and deletes
// by its key.
func TestCompositeKeyAndEmbedded(t *testing.T) {
	ctx := context.Background()
	db := coreSQLite(t)
	m := orm.MustModel[coreMembership](db)
	coreCreate(t, db, m)
	at := time.Date(2023, 5, 6, 7, 8, 9, 0, time.UTC)
	rows := []*coreMembership{
		{GroupID: 1, UserID: 1, HTTPRole: "admin", coreStamps: coreStamps{CreatedAt: at, UpdatedBy: "x"}},
		{GroupID: 1, UserID: 2, HTTPRole: "user", coreStamps: coreStamps{CreatedAt: at.Add(time.Hour), UpdatedBy: "y"}},
	}
	if _, err := m.Insert(rows...).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	rows[1].HTTPRole = "owner"
	if n, err := m.Update().SetFrom(rows[1], "http_role").WherePK(rows[1]).Exec(ctx); err != nil || n != 1 {
		t.Fatalf("update by composite key: %d, %v", n, err)
	}
	got, err := m.Select().OrderBy("user_id").All(ctx)
	if err != nil || len(got) != 2 || got[1].HTTPRole != "owner" || got[0].UpdatedBy != "x" || !got[1].CreatedAt.Equal(at.Add(time.Hour)) {
		t.Fatalf("%+v, %v", got, err)
	}
	if n, err := m.Delete().WherePK(rows[0]).Exec(ctx); err != nil || n != 1 {
		t.Fatalf("delete by composite key: %d, %v", n, err)
	}
	var seen []int64
	err = m.Select().Each(ctx, func(r *coreMembership) error {
		seen = append(seen, r.UserID)
		return nil
	})
	if err != nil || !reflect.DeepEqual(seen, []int64{2}) {
		t.Fatalf("Each: %v, %v", seen, err)
	}
	stop := errors.New("stop")
	if err := m.Select().Each(ctx, func(*coreMembership) error { return stop }); err != stop {
		t.Fatalf("Each error: %v", err)
	}
}

// TestOpenOptions: the dialect comes from the driver name, MaxConnections
// bounds the pool, SyncMode arms the guard for ORM queries, and New needs
// a dialect for a driver that declares none.
func TestOpenOptions(t *testing.T) {
	ctx := context.Background()
	db, err := orm.Open("aiosqlite", testenv.SQLiteDSN(t, ""), orm.MaxConnections(3), orm.SyncMode(driver.SyncError))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Dialect().String() != "sqlite" {
		t.Errorf("dialect %s", db.Dialect().Name)
	}
	if n := db.SQLDB().Stats().MaxOpenConnections; n != 3 {
		t.Errorf("MaxOpenConnections = %d", n)
	}
	m := orm.MustModel[coreInject](db)
	if _, err := m.Select().Count(ctx); !errors.Is(err, driver.ErrSyncCall) {
		t.Errorf("a sync ORM query under SyncError: %v", err)
	}
	if _, err := m.Select().Count(aio.AllowSync(ctx)); err == nil || errors.Is(err, driver.ErrSyncCall) {
		t.Errorf("AllowSync: %v (want the missing table's error)", err)
	}
	for name, want := range map[string]*orm.Dialect{"aiopg": pgdialect.New(), "aiopgx": pgdialect.New(), "aiomysql": mysqldialect.New()} {
		d, err := orm.Open(name, "postgres://127.0.0.1:1/none?sslmode=disable")
		if name == "aiomysql" {
			d, err = orm.Open(name, "root@tcp(127.0.0.1:1)/none")
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d.Dialect().String() != want.String() {
			t.Errorf("%s: dialect %s", name, d.Dialect().Name)
		}
		d.Close()
	}
	plain := sql.OpenDB(fakedb.New(nil, nil).Connector())
	defer plain.Close()
	if _, err := orm.New(plain); err == nil {
		t.Error("New accepted a driver without a dialect")
	}
	if d, err := orm.New(plain, orm.WithDialect(mysqldialect.MariaDB())); err != nil || d.Dialect().String() != "mariadb" {
		t.Errorf("WithDialect: %v", err)
	}
}

func coreSQLite(t *testing.T) *orm.DB {
	t.Helper()
	db, err := orm.Open("aiosqlite", testenv.SQLiteDSN(t, "_pragma=foreign_keys(1)"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
