package orm_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
)

// cpTableName is the table of cpRow, unique to this process: the model's
// table name comes from a method, so it is chosen once.
var cpTableName = fmt.Sprintf("cp_orm_%d", rand.Uint32())

type cpRow struct {
	ID      int64     `db:"id,pk,auto"`
	Code    string    `db:"code,unique,size:32"`
	N       int64     `db:"n"`
	Note    *string   `db:"note"`
	Created time.Time `db:"created"`
}

func (cpRow) TableName() string { return cpTableName }

// cpHook records the statement events that end.
type cpHook struct {
	hooks.Base
	mu   sync.Mutex
	ends []hooks.StatementEvent
}

func (h *cpHook) OnStatementEnd(_ context.Context, e *hooks.StatementEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ends = append(h.ends, *e)
}

// copies returns the ended COPY statements.
func (h *cpHook) copies() []hooks.StatementEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []hooks.StatementEvent
	for _, e := range h.ends {
		if strings.HasPrefix(e.SQL, "COPY ") {
			out = append(out, e)
		}
	}
	return out
}

func cpRows(n, from int) []*cpRow {
	rows := make([]*cpRow, n)
	created := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for i := range rows {
		r := &cpRow{Code: fmt.Sprintf("c%d", from+i), N: int64(from + i), Created: created}
		if i%3 == 0 {
			note := fmt.Sprintf("note\t%d", i)
			r.Note = &note
		}
		rows[i] = r
	}
	return rows
}

func cpOpen(t testing.TB, name string, h hooks.Hook) (*orm.DB, *orm.Model[cpRow]) {
	t.Helper()
	db, err := orm.Open(name, testenv.PostgresDSN(t), orm.SyncMode(driver.SyncError), orm.WithHooks(h))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	m := orm.MustModel[cpRow](db)
	allow := aio.AllowSync(context.Background())
	if err := m.DropTable(allow, true); err != nil {
		t.Fatal(err)
	}
	if err := m.CreateTable(allow, false); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.DropTable(allow, true) })
	return db, m
}

// cpSums returns the count and sum(n) of the table.
func cpSums(t *testing.T, db *orm.DB) (n, sum int64) {
	t.Helper()
	err := db.SQLDB().QueryRowContext(aio.AllowSync(context.Background()), "SELECT count(*), coalesce(sum(n), 0) FROM "+cpTableName).Scan(&n, &sum)
	if err != nil {
		t.Fatal(err)
	}
	return n, sum
}

func TestCopyFromModel(t *testing.T) {
	for _, name := range []string{"aiopg", "aiopgx"} {
		t.Run(name, func(t *testing.T) {
			h := &cpHook{}
			db, m := cpOpen(t, name, h)
			ctx := context.Background()
			rows := cpRows(10000, 0)

			// A sync context on the strict pool: refused, nothing sent.
			if _, err := orm.CopyFrom(ctx, m, rows); !errors.Is(err, driver.ErrSyncCall) {
				t.Fatalf("sync CopyFrom: %v", err)
			}
			if len(h.copies()) != 0 {
				t.Fatal("a refused COPY reached the hooks")
			}

			n, err := aio.Await(ctx, orm.AioCopyFrom(ctx, m, rows))
			if err != nil || n != 10000 {
				t.Fatalf("AioCopyFrom: %d %v", n, err)
			}
			if got, sum := cpSums(t, db); got != 10000 || sum != 9999*10000/2 {
				t.Fatalf("%d rows, sum %d", got, sum)
			}
			cs := h.copies()
			want := fmt.Sprintf(`COPY "%s" ("code", "n", "note", "created") FROM STDIN`, cpTableName)
			if len(cs) != 1 || cs[0].SQL != want || cs[0].Rows != 10000 || !cs[0].Async {
				t.Fatalf("COPY events %+v; want one of 10000 rows: %s", cs, want)
			}
			// The rows read back as they were written; the auto key was
			// filled by the database.
			got, err := aio.Await(ctx, m.AioGet(ctx, orm.Eq("code", "c4")))
			if err != nil || got.ID == 0 || got.N != 4 || got.Note != nil || !got.Created.Equal(rows[4].Created) {
				t.Fatalf("row c4: %+v %v", got, err)
			}
			got, err = aio.Await(ctx, m.AioGet(ctx, orm.Eq("code", "c9999")))
			if err != nil || got.Note == nil || *got.Note != "note\t9999" {
				t.Fatalf("row c9999: %+v %v", got, err)
			}

			// A duplicate code: ErrIntegrity, nothing added.
			_, err = aio.Await(ctx, orm.AioCopyFrom(ctx, m, append(cpRows(5, 20000), cpRows(1, 7)...)))
			if !errors.Is(err, orm.ErrIntegrity) {
				t.Fatalf("duplicate COPY: %v, want ErrIntegrity", err)
			}
			if got, _ := cpSums(t, db); got != 10000 {
				t.Fatalf("%d rows after a failed COPY", got)
			}

			// Inside a transaction: refused, and the rollback leaves
			// nothing of what the transaction did.
			actx := aio.AllowSync(ctx)
			err = db.Atomic(actx, func(ctx context.Context) error {
				if _, err := m.Create(ctx, &cpRow{Code: "in-tx", Created: time.Now()}); err != nil {
					return err
				}
				_, err := orm.CopyFrom(ctx, m, cpRows(10, 30000))
				return err
			})
			if !errors.Is(err, orm.ErrCopyInTransaction) {
				t.Fatalf("CopyFrom in Atomic: %v", err)
			}
			if got, _ := cpSums(t, db); got != 10000 {
				t.Fatalf("%d rows after the rolled-back transaction", got)
			}

			// From an iterator, nil rows skipped.
			seq := func(yield func(*cpRow) bool) {
				for i, r := range cpRows(100, 40000) {
					if i%10 == 0 && !yield(nil) {
						return
					}
					if !yield(r) {
						return
					}
				}
			}
			if n, err := orm.CopyFromSeq(actx, m, seq); err != nil || n != 100 {
				t.Fatalf("CopyFromSeq: %d %v", n, err)
			}
		})
	}
}

func TestCopyFromModelNotPostgres(t *testing.T) {
	db, err := orm.Open("aiosqlite", testenv.SQLiteDSN(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := orm.MustModel[cpRow](db)
	_, err = orm.CopyFrom(aio.AllowSync(context.Background()), m, cpRows(1, 0))
	if !errors.Is(err, driver.ErrNotPostgres) || !strings.Contains(err.Error(), "aiosqlite") {
		t.Fatalf("aiosqlite: %v", err)
	}
}

// BenchmarkCopyFrom loads 10,000 rows with COPY and, for comparison, with
// multi-row INSERTs of 1,000 rows each.
func BenchmarkCopyFrom(b *testing.B) {
	for _, name := range []string{"aiopg", "aiopgx"} {
		b.Run(name, func(b *testing.B) {
			if !(testenv.Backend{Server: testenv.Postgres}).Configured() {
				b.Skip("PostgreSQL not configured")
			}
			db, m := cpOpen(b, name, nil)
			ctx := aio.AllowSync(context.Background())
			rows := cpRows(10000, 0)
			truncate := func() {
				b.StopTimer()
				if err := m.Truncate(ctx); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			_ = db
			b.Run("copy-10k", func(b *testing.B) {
				for b.Loop() {
					truncate()
					if _, err := orm.CopyFrom(ctx, m, rows); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("insert-10k-by-1k", func(b *testing.B) {
				for b.Loop() {
					truncate()
					for i := 0; i < len(rows); i += 1000 {
						if _, err := m.Insert(rows[i : i+1000]...).Exec(ctx); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		})
	}
}
