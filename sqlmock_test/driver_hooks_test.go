package sqlmock_test

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"

	aiodriver "github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
)

func TestDriverHooksOrderAndPayloads(t *testing.T) {
	rec := &drvRecorder{}
	db, mock, _ := drvOpen(t, aiodriver.Options{Name: "mockdrv", Hooks: rec})
	ctx := context.Background()
	actx := aiodriver.MarkAsync(ctx)

	mock.ExpectQuery("SELECT id FROM h WHERE k = ?").WithArgs("a").
		WillReturnRows(sqlmock.NewRows([]string{"id"}).AddRow(1).AddRow(2).AddRow(3))
	mock.ExpectExec("UPDATE h SET v = 1").WillReturnResult(sqlmock.NewResult(0, 5))
	mock.ExpectExec("DELETE FROM h").WillReturnError(errors.New("boom"))
	mock.ExpectBegin()
	mock.ExpectExec("SAVEPOINT sp_1").WillReturnResult(sqlmock.NewResult(0, 0))
	mock.ExpectExec("INSERT INTO h (k) VALUES (?)").WithArgs("b").WillReturnResult(sqlmock.NewResult(9, 1))
	mock.ExpectExec("  /* nested */ -- note\n rollback TO savepoint \"sp_1\"").WillReturnResult(sqlmock.NewResult(0, 0))
	mock.ExpectExec("Release Savepoint sp_1;").WillReturnResult(sqlmock.NewResult(0, 0))
	mock.ExpectCommit()
	mock.ExpectPrepare("SELECT k FROM h WHERE id = ?").
		ExpectQuery().WithArgs(2).WillReturnRows(sqlmock.NewRows([]string{"k"}).AddRow("x"))

	rows, err := db.QueryContext(actx, "SELECT id FROM h WHERE k = ?", "a")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	if n != 3 || rows.Err() != nil {
		t.Fatalf("read %d rows, err %v", n, rows.Err())
	}
	rows.Close()
	if _, err := db.ExecContext(ctx, "UPDATE h SET v = 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "DELETE FROM h"); err == nil || err.Error() != "boom" {
		t.Fatalf("inner error not returned unchanged: %v", err)
	}
	tx, err := db.BeginTx(actx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"SAVEPOINT sp_1", "INSERT INTO h (k) VALUES (?)", "  /* nested */ -- note\n rollback TO savepoint \"sp_1\"", "Release Savepoint sp_1;"} {
		var args []any
		if strings.HasPrefix(q, "INSERT") {
			args = []any{"b"}
		}
		if _, err := tx.ExecContext(actx, q, args...); err != nil {
			t.Fatal(q, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	st, err := db.PrepareContext(ctx, "SELECT k FROM h WHERE id = ?")
	if err != nil {
		t.Fatal(err)
	}
	var k string
	if err := st.QueryRowContext(ctx, 2).Scan(&k); err != nil || k != "x" {
		t.Fatalf("stmt query: %q %v", k, err)
	}
	st.Close()
	mock.ExpectClose()
	db.Close()
	if err := mock.ExpectationsWereMet(); err != nil {
		t.Fatal(err)
	}

	want := []string{
		"connect err=<nil>",
		"start query SELECT id FROM h WHERE k = ?",
		"end query SELECT id FROM h WHERE k = ? rows=3 err=<nil>",
		"reset",
		"start exec UPDATE h SET v = 1",
		"end exec UPDATE h SET v = 1 rows=5 err=<nil>",
		"reset",
		"start exec DELETE FROM h",
		"end exec DELETE FROM h rows=-1 err=boom",
		"reset",
		"tx begin",
		"start exec SAVEPOINT sp_1",
		"end exec SAVEPOINT sp_1 rows=0 err=<nil>",
		"tx savepoint sp_1",
		"start exec INSERT INTO h (k) VALUES (?)",
		"end exec INSERT INTO h (k) VALUES (?) rows=1 err=<nil>",
		"start exec   /* nested */ -- note\n rollback TO savepoint \"sp_1\"",
		"end exec   /* nested */ -- note\n rollback TO savepoint \"sp_1\" rows=0 err=<nil>",
		"tx rollback to savepoint sp_1",
		"start exec Release Savepoint sp_1;",
		"end exec Release Savepoint sp_1; rows=0 err=<nil>",
		"tx release savepoint sp_1",
		"tx commit",
		"reset",
		"start prepare SELECT k FROM h WHERE id = ?",
		"end prepare SELECT k FROM h WHERE id = ? rows=-1 err=<nil>",
		"reset",
		"start query SELECT k FROM h WHERE id = ?",
		"end query SELECT k FROM h WHERE id = ? rows=1 err=<nil>",
		"close",
	}
	if got := rec.Lines(); !reflect.DeepEqual(got, want) {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Payloads: one connection id everywhere, flags, args, durations and
	// the context returned by OnStatementStart reaching OnStatementEnd.
	id := rec.conns[0].ConnID
	if id == 0 {
		t.Fatal("ConnID is 0")
	}
	for _, c := range rec.conns {
		if c.ConnID != id || c.Driver != "mockdrv" || c.Err != nil {
			t.Fatalf("conn event %+v, want id %d driver mockdrv", c, id)
		}
	}
	for _, e := range rec.txs {
		if e.ConnID != id || e.Duration < 0 || e.Err != nil || !e.Async {
			t.Fatalf("tx event %+v, want conn %d, async, no error", e, id)
		}
	}
	if rec.sawCtx != len(rec.stmts) {
		t.Fatalf("OnStatementEnd saw the start context %d times out of %d", rec.sawCtx, len(rec.stmts))
	}
	for i, e := range rec.stmts {
		inTx := i >= 3 && i <= 6
		async := i == 0 || inTx
		if e.ConnID != id || e.InTx != inTx || e.Async != async || e.Duration < 0 || e.Start.IsZero() || e.Cached {
			t.Fatalf("statement %d %+v: want conn %d, InTx %v, Async %v", i, e, id, inTx, async)
		}
	}
	if a := rec.stmts[0].Args; len(a) != 1 || a[0].Value != "a" || a[0].Ordinal != 1 {
		t.Fatalf("query args %+v", a)
	}
	if a := rec.stmts[4].Args; len(a) != 1 || a[0].Value != "b" {
		t.Fatalf("insert args %+v", a)
	}
	if a := rec.stmts[8].Args; len(a) != 1 || a[0].Value != int64(2) {
		t.Fatalf("prepared query args %+v", a)
	}
}

func TestDriverHooksSyncViolationWarn(t *testing.T) {
	rec := &drvRecorder{}
	db, mock, logs := drvOpen(t, aiodriver.Options{Name: "mockdrv", Sync: aiodriver.SyncWarn, Hooks: rec})
	mock.ExpectExec("UPDATE w SET n = 2").WillReturnResult(sqlmock.NewResult(0, 1))
	line := drvLine() + 1
	if _, err := db.Exec("UPDATE w SET n = 2"); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"connect err=<nil>",
		"violation warn exec UPDATE w SET n = 2",
		"start exec UPDATE w SET n = 2",
		"end exec UPDATE w SET n = 2 rows=1 err=<nil>",
	}
	if got := rec.Lines(); !reflect.DeepEqual(got, want) {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	v := rec.violations[0]
	if v.ConnID != rec.conns[0].ConnID || !strings.HasSuffix(v.Caller, "driver_hooks_test.go:"+strconv.Itoa(line)) {
		t.Fatalf("violation %+v, want conn %d and caller at line %d", v, rec.conns[0].ConnID, line)
	}
	if log := logs.String(); !strings.Contains(log, "driver_hooks_test.go:"+strconv.Itoa(line)) || !strings.Contains(log, "driver=mockdrv") {
		t.Fatalf("log %q", log)
	}
}

func TestDriverHooksConnIDsUnique(t *testing.T) {
	rec := &drvRecorder{}
	db, mock, _ := drvOpen(t, aiodriver.Options{Hooks: rec})
	db.SetMaxIdleConns(0) // every statement gets a new physical connection
	for i := 0; i < 3; i++ {
		mock.ExpectExec("SELECT 1").WillReturnResult(sqlmock.NewResult(0, 0))
		if _, err := db.Exec("SELECT 1"); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[uint64]bool{}
	for _, c := range rec.conns {
		if c.ConnID == 0 {
			t.Fatalf("conn event without id: %+v", c)
		}
		seen[c.ConnID] = true
	}
	if len(seen) != 3 {
		t.Fatalf("want 3 distinct connection ids, got %v from %v", seen, rec.Lines())
	}
	var kinds []hooks.StmtKind
	for _, e := range rec.stmts {
		kinds = append(kinds, e.Kind)
	}
	if len(kinds) != 3 {
		t.Fatalf("statements %v", kinds)
	}
}
