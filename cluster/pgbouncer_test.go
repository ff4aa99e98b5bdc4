package cluster_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/lib/pq"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

// item is the row the PgBouncer tests write through the model API.
type item struct {
	ID   int64     `db:"id,pk,auto"`
	Key  string    `db:"key,unique,size:40"`
	N    int       `db:"n,default:0"`
	At   time.Time `db:"at"`
	Tags []string  `db:"tags"`
	Doc  orm.JSON[map[string]int]
}

func (item) TableName() string { return "bouncer_item" }

// bouncerSettings are the documented settings for a pooler that cannot
// keep prepared statements (README, "Poolers").
var bouncerSettings = []struct{ name, driver, options string }{
	{"aiopg/binary_parameters", "aiopg", "aio_stmt_cache=0&binary_parameters=yes"},
	{"aiopgx/exec", "aiopgx", "default_query_exec_mode=exec"},
	{"aiopgx/simple_protocol", "aiopgx", "default_query_exec_mode=simple_protocol"},
}

// TestPgBouncerModelAPI runs the model API, Atomic (commit, rollback,
// savepoints, Retry) and the Aio twins from 8 goroutines through PgBouncer
// in transaction mode with 2 server connections, so consecutive
// transactions of one client land on different server sessions.
func TestPgBouncerModelAPI(t *testing.T) {
	need(t)
	for _, s := range bouncerSettings {
		t.Run(s.name, func(t *testing.T) {
			db := openDB(t, s.driver, env.bouncer+"&"+s.options, orm.MaxConnections(8))
			ctx := bg()
			items := orm.MustModel[item](db)
			if err := items.DropTable(ctx, true); err != nil {
				t.Fatal(err)
			}
			if err := items.CreateTable(ctx, false); err != nil {
				t.Fatal(err)
			}
			at := time.Date(2026, 12, 3, 10, 0, 0, 123456000, time.UTC)
			a := &item{Key: "a", N: 1, At: at, Tags: []string{"x", "y"}, Doc: orm.JSON[map[string]int]{V: map[string]int{"k": 1}}}
			if _, err := items.Create(ctx, a); err != nil {
				t.Fatalf("Create: %v", err)
			}
			got, err := items.Get(ctx, orm.Eq("key", "a"))
			if err != nil || got.ID != a.ID || got.N != 1 || !got.At.Equal(at) || len(got.Tags) != 2 || got.Tags[1] != "y" || got.Doc.V["k"] != 1 {
				t.Fatalf("Get: %+v, %v; want %+v", got, err, a)
			}
			if none, err := items.GetOrNone(ctx, orm.Eq("key", "missing")); none != nil || err != nil {
				t.Fatalf("GetOrNone(missing): %v, %v", none, err)
			}
			a.N = 2
			if n, err := items.Save(ctx, a); err != nil || n != 1 {
				t.Fatalf("Save: %d, %v", n, err)
			}
			if g, created, err := items.GetOrCreate(ctx, &item{Key: "a", At: at}, "key"); err != nil || created || g.N != 2 {
				t.Fatalf("GetOrCreate(existing): %+v, %v, %v", g, created, err)
			}
			if g, created, err := items.CreateOrGet(ctx, &item{Key: "b", N: 5, At: at}, "key"); err != nil || !created || g.ID == 0 {
				t.Fatalf("CreateOrGet(new): %+v, %v, %v", g, created, err)
			}
			if _, err := items.Insert(&item{Key: "c", N: 3, At: at}, &item{Key: "d", N: 4, At: at}).Exec(ctx); err != nil {
				t.Fatalf("bulk Insert: %v", err)
			}
			if n, err := items.Update().Set("n", orm.SQL("? + 10", orm.Col("n"))).Where(orm.In("key", []string{"c", "d"})).Exec(ctx); err != nil || n != 2 {
				t.Fatalf("Update: %d, %v", n, err)
			}
			list, err := items.Select().Where(orm.Gt("n", 10)).OrderBy("key").All(ctx)
			if err != nil || len(list) != 2 || list[0].Key != "c" || list[0].N != 13 || list[1].N != 14 {
				t.Fatalf("Select.All: %+v, %v", list, err)
			}
			if ok, err := items.Exists(ctx, orm.Eq("key", "b")); err != nil || !ok {
				t.Fatalf("Exists: %v, %v", ok, err)
			}
			if n, err := items.Count(ctx); err != nil || n != 4 {
				t.Fatalf("Count: %d, %v; want 4", n, err)
			}
			if n, err := items.Delete().Where(orm.Eq("key", "d")).Exec(ctx); err != nil || n != 1 {
				t.Fatalf("Delete: %d, %v", n, err)
			}
			if n, err := items.DeleteInstance(ctx, &list[0], false, false); err != nil || n != 1 {
				t.Fatalf("DeleteInstance: %d, %v", n, err)
			}

			// Atomic: committed, rolled back, and a savepoint rolled back
			// inside a committed transaction.
			errBoom := errors.New("boom")
			if err := db.Atomic(ctx, func(ctx context.Context) error {
				if _, err := items.Create(ctx, &item{Key: "t1", At: at}); err != nil {
					return err
				}
				err := db.Atomic(ctx, func(ctx context.Context) error {
					if _, err := items.Create(ctx, &item{Key: "t2", At: at}); err != nil {
						return err
					}
					return errBoom
				})
				if !errors.Is(err, errBoom) {
					return fmt.Errorf("the savepoint returned %v", err)
				}
				return nil
			}); err != nil {
				t.Fatalf("Atomic: %v", err)
			}
			if err := db.Atomic(ctx, func(ctx context.Context) error {
				if _, err := items.Create(ctx, &item{Key: "t3", At: at}); err != nil {
					return err
				}
				return errBoom
			}); !errors.Is(err, errBoom) {
				t.Fatalf("Atomic returned %v, want boom", err)
			}
			for key, want := range map[string]bool{"t1": true, "t2": false, "t3": false} {
				if ok, err := items.Exists(ctx, orm.Eq("key", key)); err != nil || ok != want {
					t.Fatalf("row %s exists = %v, %v; want %v", key, ok, err, want)
				}
			}

			// 8 goroutines, each with its own rows, through the Aio twins:
			// a transaction that creates, reads and saves, then a read.
			const workers, rounds = 8, 15
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx := context.Background()
					for i := range rounds {
						key := fmt.Sprintf("w%d-%d", w, i)
						_, err := aio.Await(ctx, db.AioAtomic(ctx, func(ctx context.Context) error {
							it, err := items.Create(ctx, &item{Key: key, N: i, At: at, Tags: []string{key}})
							if err != nil {
								return err
							}
							back, err := items.GetByPK(ctx, it.ID)
							if err != nil {
								return err
							}
							back.N += 100
							_, err = items.Save(ctx, back, "n")
							return err
						}, orm.Retry(orm.RetryPolicy{MaxAttempts: 3})))
						if err != nil {
							errs <- fmt.Errorf("%s: %w", key, err)
							return
						}
						got, err := aio.Await(ctx, items.AioGet(ctx, orm.Eq("key", key)))
						if err != nil {
							errs <- fmt.Errorf("%s: AioGet: %w", key, err)
							return
						}
						if got.Key != key || got.N != i+100 || len(got.Tags) != 1 || got.Tags[0] != key {
							errs <- fmt.Errorf("%s: read back %+v", key, got)
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if n, err := items.Count(ctx, orm.Like("key", "w%")); err != nil || n != workers*rounds {
				t.Fatalf("Count of the workers' rows = %d, %v; want %d", n, err, workers*rounds)
			}
		})
	}
}

// TestPgBouncerStatementCacheOn runs different statements from 8 clients
// through PgBouncer in transaction mode with the statement caches on
// (aiopg's default, and pgx's default cache_statement mode): prepared
// statements then land on server sessions that do not have them, and
// must fail with a clear error (SQLSTATE 26000 or 42P05 naming the
// statement), never return another statement's rows.
func TestPgBouncerStatementCacheOn(t *testing.T) {
	need(t)
	for _, drv := range []string{"aiopg", "aiopgx"} {
		t.Run(drv, func(t *testing.T) {
			db, err := sql.Open(drv, env.bouncer)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(8)
			const workers, rounds = 8, 60
			var (
				mu             sync.Mutex
				ok, wrong, bad int
				clear          = map[string]int{}
				wg             sync.WaitGroup
			)
			for g := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// Each client has its own statement, so a statement
					// run on a session where another client's statement
					// of the same name exists would return its rows.
					q := fmt.Sprintf("SELECT %d::int8 AS g, $1::int8 AS i", g)
					for i := range rounds {
						var gg, ii int64
						err := db.QueryRowContext(bg(), q, i).Scan(&gg, &ii)
						mu.Lock()
						switch code := sqlState(err); {
						case err == nil && gg == int64(g) && ii == int64(i):
							ok++
						case err == nil:
							wrong++
						case code == "26000" || code == "42P05":
							clear[code]++
						default:
							bad++
							t.Errorf("an error that does not say what happened: %v", err)
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			t.Logf("%s, statement cache on, behind PgBouncer (transaction mode, 2 server connections): %d right, %d wrong rows, errors %v", drv, ok, wrong, clear)
			if wrong != 0 {
				t.Fatalf("%d of %d reads returned another statement's rows", wrong, workers*rounds)
			}
			if len(clear) == 0 {
				t.Fatal("no prepared statement landed on another session: the test did not exercise the pooler")
			}
		})
	}
}

// sqlState returns the SQLSTATE of a lib/pq or pgx error, "" otherwise.
func sqlState(err error) string {
	var pqe *pq.Error
	var pge *pgconn.PgError
	switch {
	case errors.As(err, &pqe):
		return string(pqe.Code)
	case errors.As(err, &pge):
		return pge.Code
	}
	return ""
}
