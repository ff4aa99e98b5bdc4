package cluster_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

// whereAmI reads the view where_am_i: one row telling whether the server
// that ran the read is in recovery (the standby) and its port. A read of
// it through orm.Replicas shows where the read went.
type whereAmI struct {
	ID      int64 `db:"id,pk"`
	Standby bool
	Port    int
}

func (whereAmI) TableName() string { return "where_am_i" }

// note is a row written on the primary and read back, wherever the read
// lands.
type note struct {
	ID   int64  `db:"id,pk,auto"`
	Body string `db:"body"`
}

func (note) TableName() string { return "cluster_note" }

// bg is a context in which blocking calls pass the sync guard.
func bg() context.Context { return aio.AllowSync(context.Background()) }

// openDB opens dsn with opts and closes it when t ends.
func openDB(t *testing.T, driverName, dsn string, opts ...orm.Option) *orm.DB {
	t.Helper()
	db, err := orm.Open(driverName, dsn, opts...)
	if err != nil {
		t.Fatalf("orm.Open(%s): %v", driverName, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// setup creates the view and the note table on the primary (empty) and
// waits until the standby has applied that.
func setup(t *testing.T) {
	t.Helper()
	db := openDB(t, "aiopg", env.primary)
	ctx := bg()
	for _, s := range []string{
		"CREATE OR REPLACE VIEW where_am_i AS SELECT 1::int8 AS id, pg_is_in_recovery() AS standby, inet_server_port() AS port",
		"DROP TABLE IF EXISTS cluster_note",
		"CREATE TABLE cluster_note (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)",
	} {
		if _, err := db.SQLDB().ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	caughtUp(t)
}

// caughtUp returns once the standby has applied everything the primary
// committed before the call: it commits a write in a session with
// synchronous_commit = remote_apply, whose COMMIT the primary answers only
// after the standby (listed in synchronous_standby_names) applied it.
// Call it with the standby running and no apply delay.
func caughtUp(t *testing.T) {
	t.Helper()
	db, err := sql.Open("aiopg", env.primary+"&synchronous_commit=remote_apply")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(bg(), 60*time.Second)
	defer cancel()
	for _, s := range []string{
		"CREATE TABLE IF NOT EXISTS cluster_barrier (id INT PRIMARY KEY, n BIGINT NOT NULL)",
		"INSERT INTO cluster_barrier VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET n = cluster_barrier.n + 1",
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("waiting for the standby to catch up: %s: %v\n%s", s, err, serverLogs())
		}
	}
}

// applyDelay sets the standby's recovery_min_apply_delay (artificial
// lag) and sets it back to 0 when t ends.
func applyDelay(t *testing.T, d string) {
	t.Helper()
	if _, err := script("pg-standby.sh", "delay", pgDir(), d); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := script("pg-standby.sh", "delay", pgDir(), "0"); err != nil {
			t.Error(err)
		}
	})
}

// where reads where_am_i with ctx through db.
func where(t *testing.T, ctx context.Context, db *orm.DB) *whereAmI {
	t.Helper()
	w, err := orm.MustModel[whereAmI](db).Get(ctx, orm.Eq("id", 1))
	if err != nil {
		t.Fatalf("reading where_am_i: %v", err)
	}
	return w
}
