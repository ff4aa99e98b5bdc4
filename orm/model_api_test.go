package orm_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/dialect/mysqldialect"
)

// The model API suite: a port of peewee-async's behaviour checklist for
// AioModel, its signals and the Manager, run once per database through a
// table of openers. Every test gets its own schema (PostgreSQL) or
// database (MariaDB) or file (SQLite), so the fixed table names below
// never collide with another run of the suite on the same server.

// maItem is peewee-async's TestModel.
type maItem struct {
	ID   int64  `db:"id,pk,auto"`
	Text string `db:"text,unique,size:100"`
	Data string `db:"data,default:''"`
}

func (maItem) TableName() string { return "ma_item" }

// maNum is IntegerTestModel.
type maNum struct {
	ID  int64 `db:"id,pk,auto"`
	Num int   `db:"num"`
}

func (maNum) TableName() string { return "ma_num" }

// maAlpha <- maBeta <- maGamma are TestModelAlpha, Beta and Gamma;
// maDelta refers to maAlpha through a nullable key.
type maAlpha struct {
	ID    int64     `db:"id,pk,auto"`
	Text  string    `db:"text,size:100"`
	Betas []*maBeta `rel:"alpha_id"`
}

func (maAlpha) TableName() string { return "ma_alpha" }

type maBeta struct {
	ID      int64  `db:"id,pk,auto"`
	AlphaID int64  `db:"alpha_id,fk:ma_alpha"`
	Text    string `db:"text,size:100"`
}

func (maBeta) TableName() string { return "ma_beta" }

type maGamma struct {
	ID     int64  `db:"id,pk,auto"`
	BetaID int64  `db:"beta_id,fk:ma_beta"`
	Text   string `db:"text,size:100"`
}

func (maGamma) TableName() string { return "ma_gamma" }

type maDelta struct {
	ID      int64  `db:"id,pk,auto"`
	AlphaID *int64 `db:"alpha_id,fk:ma_alpha"`
	Text    string `db:"text,size:100"`
}

func (maDelta) TableName() string { return "ma_delta" }

// maHooked is TestSignalModel: its hooks record what they saw in its
// recorder, and fail when Text asks them to.
type maHooked struct {
	ID   int64  `db:"id,pk,auto"`
	Text string `db:"text,size:100"`
	rec  *maRecorder
}

func (maHooked) TableName() string { return "ma_hooked" }

type maRecorder struct {
	mu     sync.Mutex
	model  *orm.Model[maHooked]
	calls  []string
	failed error
}

func (r *maRecorder) record(ctx context.Context, h *maHooked, what string) {
	// Like peewee-async's signal tests, look at the table from inside the
	// hook, with the hook's context (in the hook's transaction, if any).
	n, err := r.model.Count(ctx, orm.Eq("text", h.Text))
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil && r.failed == nil {
		r.failed = err
	}
	r.calls = append(r.calls, fmt.Sprintf("%s rows=%d async=%v", what, n, aio.IsAsync(ctx)))
}

func (r *maRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls
	r.calls = nil
	return c
}

var errMaHook = errors.New("hook refused")

func (h *maHooked) BeforeSave(ctx context.Context, created bool) error {
	if h.rec != nil {
		h.rec.record(ctx, h, fmt.Sprintf("before_save created=%v", created))
	}
	if strings.HasPrefix(h.Text, "fail-before") {
		return errMaHook
	}
	return nil
}

func (h *maHooked) AfterSave(ctx context.Context, created bool) error {
	if h.rec != nil {
		h.rec.record(ctx, h, fmt.Sprintf("after_save created=%v", created))
	}
	if strings.HasPrefix(h.Text, "fail-after") {
		return errMaHook
	}
	return nil
}

func (h *maHooked) BeforeDelete(ctx context.Context) error {
	if h.rec != nil {
		h.rec.record(ctx, h, "before_delete")
	}
	return nil
}

func (h *maHooked) AfterDelete(ctx context.Context) error {
	if h.rec != nil {
		h.rec.record(ctx, h, "after_delete")
	}
	if strings.HasPrefix(h.Text, "fail-delete") {
		return errMaHook
	}
	return nil
}

// maEnv is one test's database, opened with aio_sync=panic: every
// blocking call in the suite passes aio.AllowSync, so an Aio method that
// let a sync statement slip through panics.
type maEnv struct {
	db      *orm.DB
	sync    context.Context // an AllowSync context for blocking calls
	items   *orm.Model[maItem]
	nums    *orm.Model[maNum]
	alphas  *orm.Model[maAlpha]
	betas   *orm.Model[maBeta]
	gammas  *orm.Model[maGamma]
	deltas  *orm.Model[maDelta]
	hooked  *orm.Model[maHooked]
	objects *orm.Manager
}

type maBackend struct {
	name string
	// open returns a DSN for a fresh, empty database of its own, and
	// removes it when the test ends.
	open    func(t *testing.T) (driverName, dsn string)
	dialect *orm.Dialect
}

var maSeq atomic.Int64

func maName() string { return fmt.Sprintf("ma_%d_%d", os.Getpid(), maSeq.Add(1)) }

// maBackends are every backend but aiopgx (aiopg covers its server):
// each in a database of its own, the MariaDB variant with its dialect
// (RETURNING on INSERT and DELETE).
func maBackends() []maBackend {
	var out []maBackend
	for _, b := range testenv.SelectORMBackends(func(b testenv.Backend) bool { return b.Name != "aiopgx" }) {
		mb := maBackend{name: b.Name}
		switch b.Server {
		case testenv.SQLite:
			mb.open = func(t *testing.T) (string, string) { return b.Driver, b.DSNWith(t, "_pragma=foreign_keys(1)") }
		case testenv.Postgres:
			mb.open = func(t *testing.T) (string, string) { return b.Driver, maPostgres(t) }
		case testenv.MySQL:
			mb.open = func(t *testing.T) (string, string) { return b.Driver, maMySQL(t) }
		}
		if b.MariaDB {
			mb.dialect = mysqldialect.MariaDB()
		}
		out = append(out, mb)
	}
	return out
}

// maPostgres creates a schema of the test's own and returns a DSN whose
// search_path is that schema.
func maPostgres(t testing.TB) string {
	dsn := testenv.PostgresDSN(t)
	name := maName()
	admin, err := sql.Open("aiopg", dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + name); err != nil {
		admin.Close()
		t.Fatalf("create schema %s: %v", name, err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + name + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
		admin.Close()
	})
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set("search_path", name)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + name
}

// maMySQL creates a database of the test's own and returns a DSN on it.
func maMySQL(t testing.TB) string {
	dsn := testenv.MySQLDSN(t)
	name := maName()
	admin, err := sql.Open("aiomysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE " + name); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
		admin.Close()
	})
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("MySQL DSN: %v", err)
	}
	cfg.DBName = name
	return cfg.FormatDSN()
}

// maOpen opens backend b with the sync guard in panic mode and creates
// every table of the suite.
func maOpen(t *testing.T, b maBackend, opts ...orm.Option) *maEnv {
	t.Helper()
	driverName, dsn := b.open(t)
	opts = append([]orm.Option{orm.SyncMode(driver.SyncPanic)}, opts...)
	if b.dialect != nil {
		opts = append(opts, orm.WithDialect(b.dialect))
	}
	db, err := openDriver(driverName, dsn, opts...)
	if err != nil {
		t.Fatalf("orm.Open(%q): %v", driverName, err)
	}
	t.Cleanup(func() { db.Close() })
	env := &maEnv{db: db, sync: aio.AllowSync(context.Background()), objects: orm.NewManager(db)}
	env.items = orm.MustModel[maItem](db)
	env.nums = orm.MustModel[maNum](db)
	env.alphas = orm.MustModel[maAlpha](db)
	env.betas = orm.MustModel[maBeta](db)
	env.gammas = orm.MustModel[maGamma](db)
	env.deltas = orm.MustModel[maDelta](db)
	env.hooked = orm.MustModel[maHooked](db)
	// Children first: CreateTables orders them by their foreign keys.
	if err := orm.CreateTables(env.sync, db, env.gammas, env.deltas, env.betas, env.items, env.nums, env.alphas, env.hooked); err != nil {
		t.Fatal(err)
	}
	return env
}

// maEach runs fn on every backend.
func maEach(t *testing.T, fn func(t *testing.T, env *maEnv)) {
	for _, b := range maBackends() {
		t.Run(b.name, func(t *testing.T) { fn(t, maOpen(t, b)) })
	}
}

// maAwait reads one Result and fails the test on its error.
func maAwait[T any](t *testing.T, ch <-chan aio.Result[T]) T {
	t.Helper()
	v, err := aio.Await(context.Background(), ch)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return v
}

// maErr reads one Result and returns its error.
func maErr[T any](ch <-chan aio.Result[T]) error {
	_, err := aio.Await(context.Background(), ch)
	return err
}
