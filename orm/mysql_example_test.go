package orm_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aiodb/aiodb/orm"
)

// Event is a model for the MySQL/MariaDB examples.
type Event struct {
	ID    int64  `db:"id,pk,auto"`
	Code  string `db:"code,unique,size:40"`
	Title string `db:"title,size:200"`
	At    time.Time
	Hits  int
}

func (Event) TableName() string { return "my_example_events" }

// ExampleOpen_mySQL opens MariaDB without naming the dialect, inserts
// 1,000 rows in one statement and reads every key back, upserts, and
// stores a time given in another zone. It needs a MySQL or MariaDB
// server, so it is compiled but not run by go test.
func ExampleOpen_mySQL() {
	ctx := context.Background()
	// No parseTime, no loc: Open reads times in UTC, and picks the
	// MariaDB dialect (RETURNING) when the server is MariaDB 10.5+.
	db, err := orm.Open("aiomysql", "root@tcp(127.0.0.1:3306)/test?interpolateParams=true")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	fmt.Println("RETURNING:", db.Dialect().InsertReturning)

	events := orm.MustModel[Event](db)
	if err := events.CreateTable(ctx, true); err != nil { // DEFAULT CHARSET=utf8mb4
		panic(err)
	}
	rows := make([]*Event, 1000)
	for i := range rows {
		rows[i] = &Event{Code: fmt.Sprintf("e%d", i), Title: "🎉 launch", At: time.Now()}
	}
	// One INSERT ... RETURNING on MariaDB; on MySQL one INSERT when the
	// server's keys are consecutive, else one per row in a transaction.
	if _, err := events.Insert(rows...).Exec(ctx); err != nil {
		panic(err)
	}
	fmt.Println("first and last keys:", rows[0].ID, rows[999].ID)

	// ON DUPLICATE KEY UPDATE hits = hits + 1.
	again := &Event{Code: "e0"}
	if _, err := events.Insert(again).OnConflictSet([]string{"code"}, "hits", orm.SQL("? + 1", orm.Col("hits"))).Exec(ctx); err != nil {
		panic(err)
	}
	// INSERT IGNORE: n is 0 for the duplicate.
	n, err := events.Insert(&Event{Code: "e1"}).OnConflictDoNothing("code").Exec(ctx)
	fmt.Println("ignored:", n == 0, err)

	// 09:00 in Tokyo is stored as 00:00 UTC and comes back as that instant.
	tokyo := time.FixedZone("JST", 9*3600)
	at := time.Date(2025, 1, 2, 9, 0, 0, 0, tokyo)
	if _, err := events.Update().Set("at", at).Where(orm.Eq("code", "e2")).Exec(ctx); err != nil {
		panic(err)
	}
	e, err := events.Get(ctx, orm.Eq("code", "e2"))
	fmt.Println(e.At.Equal(at), e.At.Location(), err)
}

// ExampleOpen_mySQLServerDown: Open does not fail when the server cannot
// be asked for its version; it falls back to the MySQL dialect, which
// works on MariaDB too, and statements fail until the server is up.
func ExampleOpen_mySQLServerDown() {
	db, err := orm.Open("aiomysql", "root@tcp(127.0.0.1:1)/test?timeout=1s")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	fmt.Println(db.Dialect(), db.Dialect().InsertReturning)
	// Output: mysql false
}
