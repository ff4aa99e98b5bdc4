package sqlmock_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"

	aiodriver "github.com/aiodb/aiodb/driver"
)

// drvGuardOp is one way of sending a statement: expect sets the sqlmock
// expectation of what it sends, run sends it and stores in *line the line
// of the database/sql call, which the guard must report as the caller.
type drvGuardOp struct {
	name   string
	op     string // SyncCallError.Op
	sql    string
	sends  bool // under SyncPanic it panics rather than returning the error
	expect func(m sqlmock.Sqlmock)
	run    func(ctx context.Context, db *sql.DB, line *int) error
}

var drvGuardOps = []drvGuardOp{
	{
		name: "Query", op: "query", sql: "SELECT n FROM guard_q", sends: true,
		expect: func(m sqlmock.Sqlmock) {
			m.ExpectQuery("SELECT n FROM guard_q").WillReturnRows(sqlmock.NewRows([]string{"n"}).AddRow(1).AddRow(2))
		},
		run: func(ctx context.Context, db *sql.DB, line *int) error {
			*line = drvLine() + 1
			rows, err := db.QueryContext(ctx, "SELECT n FROM guard_q")
			if err != nil {
				return err
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				n++
			}
			if err := rows.Err(); err != nil {
				return err
			}
			if n != 2 {
				return fmt.Errorf("read %d rows, want 2", n)
			}
			return nil
		},
	},
	{
		name: "QueryRow", op: "query", sql: "SELECT n FROM guard_qr WHERE id = ?", sends: true,
		expect: func(m sqlmock.Sqlmock) {
			m.ExpectQuery("SELECT n FROM guard_qr WHERE id = ?").WithArgs(7).WillReturnRows(sqlmock.NewRows([]string{"n"}).AddRow(42))
		},
		run: func(ctx context.Context, db *sql.DB, line *int) error {
			var n int
			*line = drvLine() + 1
			if err := db.QueryRowContext(ctx, "SELECT n FROM guard_qr WHERE id = ?", 7).Scan(&n); err != nil {
				return err
			}
			if n != 42 {
				return fmt.Errorf("scanned %d, want 42", n)
			}
			return nil
		},
	},
	{
		name: "Exec", op: "exec", sql: "UPDATE guard_e SET n = 1", sends: true,
		expect: func(m sqlmock.Sqlmock) {
			m.ExpectExec("UPDATE guard_e SET n = 1").WillReturnResult(sqlmock.NewResult(0, 3))
		},
		run: func(ctx context.Context, db *sql.DB, line *int) error {
			*line = drvLine() + 1
			res, err := db.ExecContext(ctx, "UPDATE guard_e SET n = 1")
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 3 {
				return fmt.Errorf("rows affected %d, want 3", n)
			}
			return nil
		},
	},
	{
		name: "Begin", op: "begin", sql: "", sends: false,
		expect: func(m sqlmock.Sqlmock) {
			m.ExpectBegin()
			m.ExpectRollback()
		},
		run: func(ctx context.Context, db *sql.DB, line *int) error {
			*line = drvLine() + 1
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			return tx.Rollback()
		},
	},
	{
		name: "Prepare", op: "prepare", sql: "SELECT n FROM guard_p", sends: true,
		expect: func(m sqlmock.Sqlmock) {
			m.ExpectPrepare("SELECT n FROM guard_p").WillBeClosed()
		},
		run: func(ctx context.Context, db *sql.DB, line *int) error {
			*line = drvLine() + 1
			st, err := db.PrepareContext(ctx, "SELECT n FROM guard_p")
			if err != nil {
				return err
			}
			return st.Close()
		},
	},
}

// drvRun runs op, turning a panic into its value.
func drvRun(ctx context.Context, db *sql.DB, op drvGuardOp, line *int) (panicked any, err error) {
	defer func() { panicked = recover() }()
	return nil, op.run(ctx, db, line)
}

func TestDriverGuardModes(t *testing.T) {
	for _, mode := range []aiodriver.SyncMode{aiodriver.SyncAllow, aiodriver.SyncWarn, aiodriver.SyncError, aiodriver.SyncPanic} {
		for _, op := range drvGuardOps {
			t.Run(mode.String()+"/"+op.name, func(t *testing.T) {
				rec := &drvRecorder{}
				db, mock, logs := drvOpen(t, aiodriver.Options{Name: "mock", Sync: mode, Hooks: rec})
				op.expect(mock)
				var line int
				p, err := drvRun(context.Background(), db, op, &line)
				where := fmt.Sprintf("driver_guard_test.go:%d", line)

				switch mode {
				case aiodriver.SyncAllow, aiodriver.SyncWarn:
					if err != nil || p != nil {
						t.Fatalf("sync call under %s: err %v, panic %v; want it to run", mode, err, p)
					}
					if err := mock.ExpectationsWereMet(); err != nil {
						t.Fatalf("statement did not reach the server: %v", err)
					}
					if mode == aiodriver.SyncAllow {
						if len(rec.violations) != 0 || logs.String() != "" {
							t.Fatalf("allow mode reported a violation: %v / %q", rec.violations, logs.String())
						}
						return
					}
					if len(rec.violations) != 1 {
						t.Fatalf("violations = %v, want one", rec.violations)
					}
					v := rec.violations[0]
					if v.Op != op.op || v.SQL != op.sql || v.Mode != "warn" || !strings.HasSuffix(v.Caller, where) {
						t.Fatalf("violation = %+v, want op %s, sql %q, mode warn, caller ...%s", v, op.op, op.sql, where)
					}
					log := logs.String()
					if !strings.Contains(log, where) || !strings.Contains(log, "level=WARN") || !strings.Contains(log, "op="+op.op) {
						t.Fatalf("warn log %q does not name op %s and caller %s", log, op.op, where)
					}
					if op.sql != "" && !strings.Contains(log, op.sql) {
						t.Fatalf("warn log %q does not contain the SQL %q", log, op.sql)
					}
					return

				case aiodriver.SyncError:
					if p != nil {
						t.Fatalf("SyncError panicked: %v", p)
					}
				case aiodriver.SyncPanic:
					if op.sends {
						if p == nil {
							t.Fatalf("SyncPanic did not panic (err %v)", err)
						}
						pe, ok := p.(*aiodriver.SyncCallError)
						if !ok {
							t.Fatalf("panic value %T %v, want *driver.SyncCallError", p, p)
						}
						err = pe
					} else if p != nil {
						t.Fatalf("Begin panicked under SyncPanic (it must return the error, the pool would leak): %v", p)
					}
				}
				if !errors.Is(err, aiodriver.ErrSyncCall) {
					t.Fatalf("err = %v, want errors.Is ErrSyncCall", err)
				}
				var se *aiodriver.SyncCallError
				if !errors.As(err, &se) || se.Op != op.op || se.SQL != op.sql || se.Mode != mode || !strings.HasSuffix(se.Caller, where) {
					t.Fatalf("SyncCallError = %+v, want op %s, sql %q, mode %s, caller ...%s", se, op.op, op.sql, mode, where)
				}
				if len(rec.stmts) != 0 {
					t.Fatalf("statement events fired for a refused call: %+v", rec.stmts)
				}
				if len(rec.violations) != 1 || rec.violations[0].Mode != mode.String() {
					t.Fatalf("violations = %+v, want one with mode %s", rec.violations, mode)
				}
				if logs.String() != "" {
					t.Fatalf("only warn mode logs; got %q", logs.String())
				}
				// Nothing was sent: the expectation is still waiting...
				if mock.ExpectationsWereMet() == nil {
					t.Fatal("the refused statement reached sqlmock")
				}
				// ...and the same call in an allowed context consumes it.
				if p, err := drvRun(aiodriver.AllowSync(context.Background()), db, op, &line); err != nil || p != nil {
					t.Fatalf("allowed call after the refused one: err %v, panic %v", err, p)
				}
				if err := mock.ExpectationsWereMet(); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestDriverGuardMarkedContextsPass(t *testing.T) {
	for _, mark := range []struct {
		name string
		ctx  context.Context
	}{
		{"MarkAsync", aiodriver.MarkAsync(context.Background())},
		{"AllowSync", aiodriver.AllowSync(context.Background())},
	} {
		for _, op := range drvGuardOps {
			t.Run(mark.name+"/"+op.name, func(t *testing.T) {
				rec := &drvRecorder{}
				db, mock, logs := drvOpen(t, aiodriver.Options{Sync: aiodriver.SyncPanic, Hooks: rec})
				op.expect(mock)
				var line int
				if p, err := drvRun(mark.ctx, db, op, &line); err != nil || p != nil {
					t.Fatalf("err %v, panic %v", err, p)
				}
				if err := mock.ExpectationsWereMet(); err != nil {
					t.Fatal(err)
				}
				if len(rec.violations) != 0 || logs.String() != "" {
					t.Fatalf("marked context reported as a violation: %+v %q", rec.violations, logs.String())
				}
			})
		}
	}
}

// Under SyncPanic the pool must stay whole: many recovered panics on a
// pool of one connection, then a normal query gets that connection at once.
func TestDriverGuardPanicKeepsPool(t *testing.T) {
	db, mock, _ := drvOpen(t, aiodriver.Options{Sync: aiodriver.SyncPanic})
	db.SetMaxOpenConns(1)
	// A deadline keeps the calls sync (unmarked) and makes a leak fail fast.
	loopCtx, cancelLoop := context.WithTimeout(context.Background(), drvShortTimeout)
	defer cancelLoop()
	for i := 0; i < 200; i++ {
		for _, op := range drvGuardOps {
			var line int
			p, err := drvRun(loopCtx, db, op, &line)
			if p == nil && !errors.Is(err, aiodriver.ErrSyncCall) {
				t.Fatalf("%s: err %v, panic %v", op.name, err, p)
			}
		}
	}
	mock.ExpectQuery("SELECT 1").WillReturnRows(sqlmock.NewRows([]string{"n"}).AddRow(1))
	ctx, cancel := context.WithTimeout(aiodriver.AllowSync(context.Background()), drvShortTimeout)
	defer cancel()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&n); err != nil {
		t.Fatalf("after the panics the pool is exhausted: %v (stats %+v)", err, db.Stats())
	}
	if st := db.Stats(); st.InUse != 0 {
		t.Fatalf("connections still in use: %+v", st)
	}
}

// Inside a transaction begun with an allowed context, a sync statement
// panics and the transaction can still be rolled back.
func TestDriverGuardPanicInTx(t *testing.T) {
	db, mock, _ := drvOpen(t, aiodriver.Options{Sync: aiodriver.SyncPanic})
	mock.ExpectBegin()
	mock.ExpectRollback()
	mock.ExpectQuery("SELECT 1").WillReturnRows(sqlmock.NewRows([]string{"n"}).AddRow(1))
	tx, err := db.BeginTx(aiodriver.AllowSync(context.Background()), nil)
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if _, ok := recover().(*aiodriver.SyncCallError); !ok {
				t.Fatal("tx.Exec with a sync context did not panic with *SyncCallError")
			}
		}()
		tx.Exec("UPDATE t SET n = 1")
	}()
	func() {
		defer func() {
			if _, ok := recover().(*aiodriver.SyncCallError); !ok {
				t.Fatal("tx.Query with a sync context did not panic with *SyncCallError")
			}
		}()
		rows, err := tx.Query("SELECT n FROM t")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		rows.Next()
	}()
	// A leaked panic would hold the transaction's lock: bound the wait.
	if err := drvWithin(t, drvShortTimeout, tx.Rollback); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(aiodriver.AllowSync(context.Background()), drvShortTimeout)
	defer cancel()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&n); err != nil {
		t.Fatalf("after rollback: %v", err)
	}
	if err := mock.ExpectationsWereMet(); err != nil {
		t.Fatal(err)
	}
}

// A *sql.Stmt prepared in an allowed context and executed with a sync one:
// Exec returns the error ((*sql.Stmt).ExecContext would leak its
// connection on a panic), Query's rows panic on Next.
func TestDriverGuardPanicPreparedStmt(t *testing.T) {
	db, mock, _ := drvOpen(t, aiodriver.Options{Sync: aiodriver.SyncPanic})
	allowed := aiodriver.AllowSync(context.Background())
	ep := mock.ExpectPrepare("SELECT n FROM s WHERE id = ?")
	ep.ExpectQuery().WithArgs(1).WillReturnRows(sqlmock.NewRows([]string{"n"}).AddRow(5))
	st, err := db.PrepareContext(allowed, "SELECT n FROM s WHERE id = ?")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx, cancel := context.WithTimeout(context.Background(), drvShortTimeout)
	defer cancel()
	for i := 0; i < 50; i++ {
		if _, err := st.ExecContext(ctx, 1); !errors.Is(err, aiodriver.ErrSyncCall) {
			t.Fatalf("stmt Exec with a sync context: %v", err)
		}
		func() {
			defer func() {
				if _, ok := recover().(*aiodriver.SyncCallError); !ok {
					t.Fatal("stmt QueryRow.Scan with a sync context did not panic")
				}
			}()
			var n int
			st.QueryRowContext(ctx, 1).Scan(&n)
		}()
	}
	var n int
	if err := st.QueryRowContext(allowed, 1).Scan(&n); err != nil || n != 5 {
		t.Fatalf("allowed stmt query after the refusals: %d %v", n, err)
	}
	if err := mock.ExpectationsWereMet(); err != nil {
		t.Fatal(err)
	}
}
