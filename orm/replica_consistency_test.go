package orm_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
)

// rywPlace tells where a read landed: the primary's and the replica's rows
// have the same keys and different Src. The tests against a real
// streaming standby are in package cluster.
type rywPlace struct {
	ID  int64 `db:"id,pk"`
	Src string
}

func (rywPlace) TableName() string { return "ryw_place" }

// rywFill recreates ryw_place in the database of dsn with row 1 saying src.
func rywFill(t *testing.T, driverName, dsn, src string) {
	t.Helper()
	db, err := orm.Open(driverName, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := aio.AllowSync(context.Background())
	m := orm.MustModel[rywPlace](db)
	if err := m.DropTable(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := m.CreateTable(ctx, false); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Create(ctx, &rywPlace{ID: 1, Src: src}); err != nil {
		t.Fatal(err)
	}
}

// rywOpen opens primary with opts, closed when t ends.
func rywOpen(t *testing.T, driverName, primary string, opts ...orm.Option) (*orm.DB, *orm.Model[rywPlace]) {
	t.Helper()
	db, err := orm.Open(driverName, primary, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, orm.MustModel[rywPlace](db)
}

func rywWhere(t *testing.T, ctx context.Context, m *orm.Model[rywPlace]) string {
	t.Helper()
	p, err := m.GetByPK(ctx, int64(1))
	if err != nil {
		t.Fatalf("GetByPK: %v", err)
	}
	return p.Src
}

func TestReadYourWritesNeedsPostgres(t *testing.T) {
	_, err := orm.Open("aiosqlite", testenv.SQLiteDSN(t, ""), orm.Replicas(testenv.SQLiteDSN(t, "")), orm.ReadYourWrites(time.Second))
	if err == nil || !strings.Contains(err.Error(), "ReadYourWrites needs PostgreSQL") || !strings.Contains(err.Error(), "StickyPrimary") {
		t.Fatalf("Open on SQLite with ReadYourWrites: %v; want an error naming the option and StickyPrimary", err)
	}
}

// TestStickyPrimary: reads go to the replica until a write, to the primary
// within the window after it; a Session sees only its own writes; a
// failed write and a read do not count; a COMMIT does.
func TestStickyPrimary(t *testing.T) {
	pdsn, rdsn := testenv.SQLiteDSN(t, ""), testenv.SQLiteDSN(t, "")
	rywFill(t, "aiosqlite", pdsn, "primary")
	rywFill(t, "aiosqlite", rdsn, "replica")
	db, places := rywOpen(t, "aiosqlite", pdsn, orm.Replicas(rdsn), orm.StickyPrimary(time.Hour))
	ctx := aio.AllowSync(context.Background())

	if src := rywWhere(t, ctx, places); src != "replica" {
		t.Fatalf("a read before any write went to the %s", src)
	}
	// A write that fails writes nothing: it opens no window.
	if _, err := places.Create(ctx, &rywPlace{ID: 1, Src: "dup"}); !errors.Is(err, orm.ErrIntegrity) {
		t.Fatalf("duplicate Create: %v", err)
	}
	if src := rywWhere(t, ctx, places); src != "replica" {
		t.Fatalf("a read after a failed write went to the %s", src)
	}

	mine := orm.Session(ctx)
	if _, err := places.Create(mine, &rywPlace{ID: 2, Src: "primary"}); err != nil {
		t.Fatal(err)
	}
	if src := rywWhere(t, mine, places); src != "primary" {
		t.Fatalf("the writing session's read went to the %s", src)
	}
	if src := rywWhere(t, ctx, places); src != "primary" {
		t.Fatalf("a read without a session, after the DB's write, went to the %s", src)
	}
	if src := rywWhere(t, orm.Session(ctx), places); src != "replica" {
		t.Fatalf("another session's read went to the %s", src)
	}
	// A committed transaction counts for the session it ran in.
	tx := orm.Session(ctx)
	if err := db.Atomic(tx, func(ctx context.Context) error {
		_, err := places.Update().Set("src", "primary").Where(orm.Eq("id", 2)).Exec(ctx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if src := rywWhere(t, tx, places); src != "primary" {
		t.Fatalf("a read after the session's COMMIT went to the %s", src)
	}
	st := db.ConsistencyStats()
	if st.Writes != 2 || st.Primary != 3 || st.Checked != 0 {
		t.Fatalf("ConsistencyStats = %+v; want 2 writes, 3 reads on the primary", st)
	}
}

// TestStickyPrimaryWindowEnds: after the window the replica takes reads
// again.
func TestStickyPrimaryWindowEnds(t *testing.T) {
	pdsn, rdsn := testenv.SQLiteDSN(t, ""), testenv.SQLiteDSN(t, "")
	rywFill(t, "aiosqlite", pdsn, "primary")
	rywFill(t, "aiosqlite", rdsn, "replica")
	const window = 50 * time.Millisecond
	_, places := rywOpen(t, "aiosqlite", pdsn, orm.Replicas(rdsn), orm.StickyPrimary(window))
	ctx := orm.Session(aio.AllowSync(context.Background()))
	if _, err := places.Create(ctx, &rywPlace{ID: 2, Src: "primary"}); err != nil {
		t.Fatal(err)
	}
	wrote := time.Now()
	if src := rywWhere(t, ctx, places); src != "primary" && time.Since(wrote) < window {
		t.Fatalf("a read inside the window went to the %s", src)
	}
	// The window is a time, not an event: wait it out.
	time.Sleep(time.Until(wrote.Add(window)))
	if src := rywWhere(t, ctx, places); src != "replica" {
		t.Fatalf("a read after the window went to the %s", src)
	}
}

// TestReadYourWritesNotAStandby: a replica that is not in recovery (here
// another database of the same server) cannot tell a replay position, so
// a read that needs one goes to the primary at once; reads before any
// write stay on the replica. Real standbys: package cluster.
func TestReadYourWritesNotAStandby(t *testing.T) {
	base := testenv.PostgresDSN(t)
	rdsn := rywDatabase(t, base, "_ryw_replica")
	rywFill(t, "aiopg", base, "primary")
	rywFill(t, "aiopg", rdsn, "replica")
	testenv.EachBackend(t, func(t *testing.T, b testenv.Backend) {
		db, places := rywOpen(t, b.Driver, base, orm.Replicas(rdsn), orm.ReadYourWrites(5*time.Second))
		ctx := aio.AllowSync(context.Background())
		if src := rywWhere(t, ctx, places); src != "replica" {
			t.Fatalf("a read before any write went to the %s", src)
		}
		if _, err := places.Update().Set("src", "primary").Where(orm.Eq("id", 1)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if src := rywWhere(t, ctx, places); src != "primary" {
			t.Fatalf("a read after the write went to the %s", src)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("the read waited %v for a replica that cannot tell its position", d)
		}
		st := db.ConsistencyStats()
		if st.Writes != 1 || st.PositionErrors != 0 || st.Checked != 1 || st.Waited != 0 || st.Primary != 1 {
			t.Fatalf("ConsistencyStats = %+v", st)
		}

		// Manager.Close and Connect cover the position pool too.
		m := orm.NewManager(db)
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := aio.Await(ctx, m.Connect(ctx)); err != nil {
			t.Fatal(err)
		}
		if _, err := places.Update().Set("src", "primary").Where(orm.Eq("id", 1)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if src := rywWhere(t, ctx, places); src != "primary" {
			t.Fatalf("after Manager.Connect a read after a write went to the %s", src)
		}
		if st := db.ConsistencyStats(); st.Writes != 2 || st.PositionErrors != 0 {
			t.Fatalf("after Manager.Connect: %+v", st)
		}
	}, testenv.OnServer(testenv.Postgres))
}

// rywDatabase returns base's DSN for the database named base's database
// plus suffix, created if missing.
func rywDatabase(t *testing.T, base, suffix string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", testenv.PostgresEnv, err)
	}
	name := strings.TrimPrefix(u.Path, "/") + suffix
	admin, err := orm.Open("aiopg", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx := aio.AllowSync(context.Background())
	var exists bool
	if err := admin.SQLDB().QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if !exists {
		// A concurrent run may create it first.
		if _, err := admin.SQLDB().ExecContext(ctx, "CREATE DATABASE "+name); err != nil && !strings.Contains(err.Error(), "42P04") && !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("CREATE DATABASE %s: %v", name, err)
		}
	}
	u.Path = "/" + name
	return u.String()
}
