package driver_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	aiodriver "github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/testenv"
)

func TestSendBatch(t *testing.T) {
	h := &stmtLog{}
	db := openStrictPG(t, "aiopgx", h)
	table := createCopyTable(t, db)
	ctx := aiodriver.MarkAsync(context.Background())
	var b aiodriver.Batch
	b.Queue("INSERT INTO "+table+" VALUES ($1, $2, $3), ($4, $5, $6)", 1, "a", 10, 2, "b", 20).
		Queue("UPDATE "+table+" SET v = v + $1", 1).
		Queue("SELECT id FROM " + table)

	// The guard checks once, before anything is sent.
	h.reset()
	if _, err := aiodriver.SendBatch(context.Background(), db, &b); !errors.Is(err, aiodriver.ErrSyncCall) {
		t.Fatalf("sync SendBatch: %v", err)
	}
	if len(h.lines()) != 0 || h.violations != 1 {
		t.Fatalf("refused batch: events %q, violations %d", h.lines(), h.violations)
	}

	h.reset()
	rows, err := aiodriver.SendBatch(ctx, db, &b)
	if err != nil || len(rows) != 3 || rows[0] != 2 || rows[1] != 2 || rows[2] != 2 {
		t.Fatalf("SendBatch: %v %v", rows, err)
	}
	// One round trip: every statement started before the first ended.
	l := h.lines()
	if len(l) != 6 {
		t.Fatalf("events %q, want 3 starts and 3 ends", l)
	}
	for i := range 3 {
		if !strings.HasPrefix(l[i], "start ") || !strings.HasPrefix(l[3+i], "end ") {
			t.Fatalf("events %q: want the 3 starts first", l)
		}
	}
	for i, e := range h.endEvents() {
		if !strings.HasPrefix(e.SQL, b2sql(&b, i)) || e.Rows != 2 || e.Err != nil || !e.Async {
			t.Fatalf("event %d: %+v", i, e)
		}
	}
	if n, sum, _ := tableSums(t, db, table); n != 2 || sum != 32 {
		t.Fatalf("%d rows, sum %d", n, sum)
	}

	// An error in the second statement undoes the first (one implicit
	// transaction) and ends every statement with an error.
	h.reset()
	var bad aiodriver.Batch
	bad.Queue("INSERT INTO " + table + " VALUES (3, 'c', 0)").
		Queue("INSERT INTO " + table + " VALUES (1, 'dup', 0)").
		Queue("SELECT 1")
	rows, err = aiodriver.SendBatch(ctx, db, &bad)
	if err == nil || len(rows) != 1 {
		t.Fatalf("failing batch: %v %v", rows, err)
	}
	ends := h.endEvents()
	if len(ends) != 3 || ends[0].Err != nil || ends[1].Err == nil || ends[2].Err == nil {
		t.Fatalf("events %q", h.lines())
	}
	if n, _, _ := tableSums(t, db, table); n != 2 {
		t.Fatalf("%d rows after the failed batch, want 2", n)
	}
}

func b2sql(_ *aiodriver.Batch, i int) string {
	return []string{"INSERT", "UPDATE", "SELECT"}[i]
}

func TestSendBatchOtherDrivers(t *testing.T) {
	var b aiodriver.Batch
	b.Queue("SELECT 1")
	db := openDB(t, "aiopg", testenv.PostgresDSN(t), nil)
	if _, err := aiodriver.SendBatch(allow, db, &b); !errors.Is(err, aiodriver.ErrNoBatch) || !strings.Contains(err.Error(), "aiopg") {
		t.Fatalf("aiopg: %v", err)
	}
	sq := openDB(t, "aiosqlite", testenv.SQLiteDSN(t, ""), nil)
	if _, err := aiodriver.SendBatch(allow, sq, &b); !errors.Is(err, aiodriver.ErrNotPostgres) || !strings.Contains(err.Error(), "aiosqlite") {
		t.Fatalf("aiosqlite: %v", err)
	}
}
