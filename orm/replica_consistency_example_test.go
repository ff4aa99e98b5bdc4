package orm_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

// StickyPrimary sends the reads that follow a write to the primary for a
// while; a Session narrows that to the writes of one request. Two SQLite
// files stand in for a primary and a lagging replica here. On PostgreSQL
// with streaming standbys, ReadYourWrites waits for the standby to replay
// the write instead, for at most its bound:
//
//	db, err := orm.Open("aiopgx", primaryDSN, orm.Replicas(standbyDSN),
//		orm.ReadYourWrites(200*time.Millisecond))
func Example_readYourWrites() {
	dir, _ := os.MkdirTemp("", "aiodb-example-")
	defer os.RemoveAll(dir)
	primary, replica := "file:"+filepath.Join(dir, "primary.db"), "file:"+filepath.Join(dir, "replica.db")
	ctx := aio.AllowSync(context.Background())
	for dsn, src := range map[string]string{primary: "primary", replica: "replica (stale)"} {
		db, _ := orm.Open("aiosqlite", dsn)
		places := orm.MustModel[rywPlace](db)
		_ = places.CreateTable(ctx, false)
		_, _ = places.Create(ctx, &rywPlace{ID: 1, Src: src})
		db.Close()
	}

	db, err := orm.Open("aiosqlite", primary, orm.Replicas(replica), orm.StickyPrimary(time.Minute))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	places := orm.MustModel[rywPlace](db)
	read := func(ctx context.Context) string {
		p, err := places.GetByPK(ctx, int64(1))
		if err != nil {
			return err.Error()
		}
		return p.Src
	}

	request := orm.Session(ctx) // one per request, or per user
	fmt.Println("before the write:", read(request))
	_, _ = places.Update().Set("src", "primary, updated").Where(orm.Eq("id", 1)).Exec(request)
	fmt.Println("after the write, same session:", read(request))
	fmt.Println("another session:", read(orm.Session(ctx)))
	// Output:
	// before the write: replica (stale)
	// after the write, same session: primary, updated
	// another session: replica (stale)
}
