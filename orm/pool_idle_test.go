package orm_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
)

// TestMaxConnectionsKeepsIdle: with MaxConnections(n) the pool keeps all
// n connections once they are released, not database/sql's default 2,
// so a busy pool does not close and redial them.
func TestMaxConnectionsKeepsIdle(t *testing.T) {
	ctx := context.Background()
	db, err := orm.Open("aiosqlite", testenv.SQLiteDSN(t, ""), orm.MaxConnections(4))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var conns []*sql.Conn
	for range 4 {
		c, err := db.SQLDB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
	if st := db.SQLDB().Stats(); st.Idle != 4 || st.MaxOpenConnections != 4 {
		t.Fatalf("after releasing 4 connections: %d idle, at most %d open; want 4 and 4", st.Idle, st.MaxOpenConnections)
	}
}
