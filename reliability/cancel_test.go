package reliability_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/dialect/mysqldialect"
	"github.com/aiodb/aiodb/orm/dialect/pgdialect"
)

// relCancelItem is a row the cancellation tests write.
type relCancelItem struct {
	ID  int64  `db:"id,pk,auto"`
	Tag string `db:"tag,size:64"`
}

func (relCancelItem) TableName() string { return "rel_cancel_item" }

// next checks that db serves a call within 10 s and that no connection is
// left checked out: the pool is whole after the fault.
func next(t *testing.T, s server, db *orm.DB) {
	t.Helper()
	waitIdle(t, s.name, db.SQLDB())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := aio.Await(ctx, orm.MustModel[relRow](db).Raw(s.pid+" AS pid").IgnoreUnknownColumns().AioOne(ctx))
	if err != nil || r.Pid == 0 {
		t.Errorf("%s: the next call after the fault: %v", s.name, err)
	}
	waitIdle(t, s.name, db.SQLDB())
}

// TestCancelBeforeConnect gives a call a context that has already ended:
// it fails with the context's error without opening a connection.
func TestCancelBeforeConnect(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			db, err := orm.Open(s.driver, s.dsn(t), orm.MaxConnections(2), orm.WithDialect(dialectOf(s)))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			opened := db.SQLDB().Stats().OpenConnections // aiomysql's Open may have probed the server
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			for range 50 {
				_, err := aio.Await(context.Background(), orm.MustModel[relRow](db).Raw(s.pid+" AS pid").IgnoreUnknownColumns().AioOne(ctx))
				if !isCtxErr(err) {
					t.Fatalf("%s: call with a cancelled context: %v; want context.Canceled", s.name, err)
				}
			}
			if st := db.SQLDB().Stats(); st.OpenConnections != opened {
				t.Errorf("%s: %d connection(s) opened for calls whose context had ended", s.name, st.OpenConnections-opened)
			}
			next(t, s, db)
		})
	}
}

// dialectOf names s's dialect, so that Open does not probe a MariaDB
// server (that probe would open a connection before the test starts).
func dialectOf(s server) *orm.Dialect {
	if s.driver == "aiomysql" {
		return mysqldialect.MariaDB()
	}
	return pgdialect.New()
}

// TestCancelDuringConnect ends contexts while the driver is connecting
// (a proxy holds the connection before it reaches the server): each call
// fails with its deadline, promptly, and once the server answers again the
// pool of two connections serves normally. peewee-async #254: a cancel
// during connect broke the pool for good.
func TestCancelDuringConnect(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			dsn, p := s.viaProxy(t)
			db, err := orm.Open(s.driver, dsn, orm.MaxConnections(2), orm.WithDialect(dialectOf(s)))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// Close what aiomysql's Open probed with, so that every call
			// below has to connect.
			db.SQLDB().SetMaxIdleConns(0)
			db.SQLDB().SetMaxIdleConns(2)
			p.delay.Store(int64(3 * time.Second))
			var wg sync.WaitGroup
			for i := range 10 {
				wg.Go(func() {
					ctx, cancel := context.WithTimeout(context.Background(), time.Duration(50+20*i)*time.Millisecond)
					defer cancel()
					start := time.Now()
					_, err := aio.Await(context.Background(), orm.MustModel[relRow](db).Raw(s.pid+" AS pid").IgnoreUnknownColumns().AioOne(ctx))
					if took := time.Since(start); !isCtxErr(err) || took > 2*time.Second {
						t.Errorf("%s: call cancelled during connect: %v after %v; want its deadline, promptly", s.name, err, took)
					}
				})
			}
			wg.Wait()
			p.delay.Store(0)
			next(t, s, db)
			if st := db.SQLDB().Stats(); st.OpenConnections > 2 {
				t.Errorf("%s: %d connections open on a pool of 2", s.name, st.OpenConnections)
			}
		})
	}
}

// TestCancelMidQuery ends a call's context while its statement runs on
// the server: the call returns promptly with the context's error, the
// statement stops on PostgreSQL, and the pool serves the next call.
func TestCancelMidQuery(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			db := s.open(t, 2)
			admin := s.admin(t)
			marker := "rel_cancel_query_" + s.name
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := aio.Await(context.Background(),
				orm.MustModel[relRow](db).Raw(fmt.Sprintf(s.sleep, 10.0)+" AS pad /* "+marker+" */").IgnoreUnknownColumns().AioOne(ctx))
			took := time.Since(start)
			t.Logf("%s: cancelled query: %v after %v", s.name, err, took.Round(time.Millisecond))
			if !isCtxErr(err) || took > 3*time.Second {
				t.Errorf("%s: query cancelled after 300ms: %v after %v; want the context's error, promptly", s.name, err, took)
			}
			if s.driver != "aiomysql" {
				// The server must not go on running it for the full 10 s.
				if !testenv.Poll(5*time.Second, func() bool {
					var n int
					if err := admin.QueryRow("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()", marker).Scan(&n); err != nil {
						t.Fatal(err)
					}
					return n == 0
				}) {
					t.Errorf("%s: the cancelled statement still runs on the server 5s later", s.name)
				}
			}
			next(t, s, db)
		})
	}
}

// TestCancelMidStream cancels a stream after a few rows: the channel
// closes promptly with the cancellation as its last Result (or nothing,
// when the reader is gone), the connection goes back, the pool serves the
// next call.
func TestCancelMidStream(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			db := s.open(t, 2)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ch := orm.MustModel[relRow](db).Raw(s.streamSQL()).IgnoreUnknownColumns().AioExecute(ctx)
			n := 0
			for r := range ch {
				if r.Err != nil {
					t.Fatalf("%s: row %d: %v", s.name, n, r.Err)
				}
				if n++; n == 3 {
					break
				}
			}
			cancel()
			start := time.Now()
			var last error
			for r := range ch {
				if r.Err != nil {
					last = r.Err
				}
			}
			took := time.Since(start)
			if took > 3*time.Second {
				t.Errorf("%s: the cancelled stream took %v to close its channel", s.name, took)
			}
			if last != nil && !isCtxErr(last) {
				t.Errorf("%s: the cancelled stream ended with %v; want the cancellation", s.name, last)
			}
			next(t, s, db)
		})
	}
}

// TestCancelMidTransaction ends a transaction's context between two
// inserts and, in a second case, during a statement: Atomic fails with the
// context's error, nothing of the transaction is in the table, and the
// next transaction commits.
func TestCancelMidTransaction(t *testing.T) {
	for _, s := range servers {
		for _, during := range []bool{false, true} {
			name := s.name + "/between"
			if during {
				name = s.name + "/during"
			}
			t.Run(name, func(t *testing.T) {
				db := s.open(t, 2)
				items := orm.MustModel[relCancelItem](db)
				bg := aio.Async(context.Background())
				if err := items.CreateTable(bg, true); err != nil {
					t.Fatal(err)
				}
				tag := fmt.Sprintf("%s-%d", name, time.Now().UnixNano())
				ctx, cancel := context.WithCancel(bg)
				defer cancel()
				start := time.Now()
				err := db.Atomic(ctx, func(ctx context.Context) error {
					if _, err := items.Create(ctx, &relCancelItem{Tag: tag}); err != nil {
						return err
					}
					if during {
						time.AfterFunc(200*time.Millisecond, cancel)
						_, err := items.Raw(fmt.Sprintf(s.sleep, 10.0) + " AS tag").IgnoreUnknownColumns().All(ctx)
						return err
					}
					cancel()
					_, err := items.Create(ctx, &relCancelItem{Tag: tag})
					return err
				})
				took := time.Since(start)
				t.Logf("%s: cancelled transaction: %v after %v", name, err, took.Round(time.Millisecond))
				if !isCtxErr(err) || took > 3*time.Second {
					t.Errorf("%s: cancelled transaction: %v after %v; want the context's error, promptly", name, err, took)
				}
				waitIdle(t, name, db.SQLDB())
				if n, err := items.Count(bg, orm.Eq("tag", tag)); err != nil || n != 0 {
					t.Errorf("%s: %d row(s) of the cancelled transaction in the table (%v)", name, n, err)
				}
				if err := db.Atomic(bg, func(ctx context.Context) error {
					_, err := items.Create(ctx, &relCancelItem{Tag: tag + "-after"})
					return err
				}); err != nil {
					t.Errorf("%s: next transaction: %v", name, err)
				}
				next(t, s, db)
			})
		}
	}
}
