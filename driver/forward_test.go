package driver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aiodb/aiodb/hooks"
)

// A scripted inner driver with only the interfaces a test gives it: the
// wrapper must behave as database/sql behaves with the bare driver.

type stubLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *stubLog) add(format string, a ...any) {
	l.mu.Lock()
	l.calls = append(l.calls, fmt.Sprintf(format, a...))
	l.mu.Unlock()
}

func (l *stubLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.calls, "; ")
}

type stubDriver struct{ open func() driver.Conn }

func (d stubDriver) Open(string) (driver.Conn, error) { return d.open(), nil }

// legacyConn has only driver.Conn's methods.
type legacyConn struct {
	log      *stubLog
	numInput int
	cc       bool // statements implement ColumnConverter
}

func (c *legacyConn) Prepare(q string) (driver.Stmt, error) {
	c.log.add("prepare %s", q)
	s := &legacyStmt{log: c.log, q: q, n: c.numInput}
	if c.cc {
		return &ccStmt{s}, nil
	}
	return s, nil
}
func (c *legacyConn) Close() error { return nil }
func (c *legacyConn) Begin() (driver.Tx, error) {
	c.log.add("begin")
	return stubTx{c.log}, nil
}

type stubTx struct{ log *stubLog }

func (t stubTx) Commit() error   { t.log.add("commit"); return nil }
func (t stubTx) Rollback() error { t.log.add("rollback"); return nil }

type legacyStmt struct {
	log *stubLog
	q   string
	n   int
}

func (s *legacyStmt) Close() error  { s.log.add("close stmt"); return nil }
func (s *legacyStmt) NumInput() int { return s.n }
func (s *legacyStmt) Exec(args []driver.Value) (driver.Result, error) {
	s.log.add("stmt exec %v", args)
	return driver.RowsAffected(len(args)), nil
}
func (s *legacyStmt) Query(args []driver.Value) (driver.Rows, error) {
	s.log.add("stmt query %v", args)
	return &plainRows{n: 2}, nil
}

// ccStmt converts every argument with its ColumnConverter.
type ccStmt struct{ *legacyStmt }

func (s *ccStmt) ColumnConverter(int) driver.ValueConverter { return prefixConverter{} }

type prefixConverter struct{}

func (prefixConverter) ConvertValue(v any) (driver.Value, error) { return fmt.Sprintf("cc:%v", v), nil }

// plainRows has no optional interface.
type plainRows struct{ i, n int }

func (r *plainRows) Columns() []string { return []string{"v"} }
func (r *plainRows) Close() error      { return nil }
func (r *plainRows) Next(dest []driver.Value) error {
	if r.i >= r.n {
		return io.EOF
	}
	r.i++
	dest[0] = int64(r.i)
	return nil
}

// skipConn answers statements with arguments with driver.ErrSkip, as
// go-sql-driver/mysql does without interpolateParams.
type skipConn struct{ *legacyConn }

func (c skipConn) ExecContext(_ context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) > 0 {
		c.log.add("exec skip")
		return nil, driver.ErrSkip
	}
	c.log.add("exec %s", q)
	return driver.RowsAffected(0), nil
}

func (c skipConn) QueryContext(_ context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) > 0 {
		c.log.add("query skip")
		return nil, driver.ErrSkip
	}
	c.log.add("query %s", q)
	return &plainRows{n: 1}, nil
}

// checkerConn turns []int arguments into a string.
type checkerConn struct{ *legacyConn }

func (c checkerConn) CheckNamedValue(nv *driver.NamedValue) error {
	if v, ok := nv.Value.([]int); ok {
		nv.Value = fmt.Sprint(v)
		return nil
	}
	return driver.ErrSkip
}

type validatorConn struct{ *legacyConn }

func (validatorConn) IsValid() bool { return true }

type stmtRecorder struct {
	hooks.Base
	mu     sync.Mutex
	events []string
}

func (r *stmtRecorder) OnStatementStart(ctx context.Context, e *hooks.StatementEvent) context.Context {
	r.mu.Lock()
	r.events = append(r.events, "start "+e.Kind.String())
	r.mu.Unlock()
	return ctx
}

func (r *stmtRecorder) OnStatementEnd(_ context.Context, e *hooks.StatementEvent) {
	r.mu.Lock()
	r.events = append(r.events, fmt.Sprintf("end %s rows=%d err=%v", e.Kind, e.Rows, e.Err))
	r.mu.Unlock()
}

func openStub(t *testing.T, open func() driver.Conn, h hooks.Hook) *sql.DB {
	t.Helper()
	c, err := Wrap(stubDriver{open}, Options{Hooks: h}).OpenConnector("")
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// With driver.ErrSkip the wrapper prepares, runs and closes the statement
// itself: one statement event, no fallback through database/sql.
func TestForwardErrSkip(t *testing.T) {
	log := &stubLog{}
	rec := &stmtRecorder{}
	db := openStub(t, func() driver.Conn { return skipConn{&legacyConn{log: log, numInput: -1}} }, rec)
	if _, err := db.Exec("UPDATE x", 1, 2); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query("SELECT v", 3)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	rows.Close()
	want := "exec skip; prepare UPDATE x; stmt exec [1 2]; close stmt; query skip; prepare SELECT v; stmt query [3]; close stmt"
	if got := log.String(); got != want || n != 2 {
		t.Fatalf("inner calls\n%s\nwant\n%s (rows %d)", got, want, n)
	}
	wantEv := []string{"start exec", "end exec rows=2 err=<nil>", "start query", "end query rows=2 err=<nil>"}
	if !reflect.DeepEqual(rec.events, wantEv) {
		t.Fatalf("events %v, want %v", rec.events, wantEv)
	}
}

// The same, without hooks: the statement is still closed after its rows,
// and the argument count is checked as database/sql does.
func TestForwardErrSkipNoHooks(t *testing.T) {
	log := &stubLog{}
	db := openStub(t, func() driver.Conn { return skipConn{&legacyConn{log: log, numInput: 2}} }, nil)
	rows, err := db.Query("SELECT v", 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(log.String(), "stmt query [1 2]") {
		t.Fatalf("calls %s", log)
	}
	rows.Close()
	if !strings.HasSuffix(log.String(), "close stmt") {
		t.Fatalf("statement not closed with its rows: %s", log)
	}
	_, err = db.Exec("UPDATE x", 1)
	if err == nil || err.Error() != "sql: expected 2 arguments, got 1" {
		t.Fatalf("argument count error: %v", err)
	}
}

// An inner driver with only the legacy interfaces works through the
// wrapper, and BeginTx options it cannot honour fail as in database/sql.
func TestForwardLegacyDriver(t *testing.T) {
	log := &stubLog{}
	rec := &stmtRecorder{}
	db := openStub(t, func() driver.Conn { return &legacyConn{log: log, numInput: -1} }, rec)
	if _, err := db.Exec("UPDATE y", 5); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(); err != nil {
		t.Fatalf("Ping without an inner Pinger: %v", err)
	}
	for _, opts := range []*sql.TxOptions{{Isolation: sql.LevelSerializable}, {ReadOnly: true}} {
		_, err := db.BeginTx(context.Background(), opts)
		bare := sql.OpenDB(dsnConnector{d: stubDriver{func() driver.Conn { return &legacyConn{log: &stubLog{}} }}})
		_, bareErr := bare.BeginTx(context.Background(), opts)
		bare.Close()
		if err == nil || bareErr == nil || err.Error() != bareErr.Error() {
			t.Fatalf("BeginTx(%+v): %v, bare driver: %v", opts, err, bareErr)
		}
	}
	want := "prepare UPDATE y; stmt exec [5]; close stmt; begin; commit"
	if got := log.String(); got != want {
		t.Fatalf("calls %s, want %s", got, want)
	}
	if len(rec.events) != 2 {
		t.Fatalf("events %v", rec.events)
	}
}

// A statement's ColumnConverter is used through the wrapper exactly when
// the inner statement has one.
func TestForwardColumnConverter(t *testing.T) {
	for _, cc := range []bool{false, true} {
		log := &stubLog{}
		db := openStub(t, func() driver.Conn { return &legacyConn{log: log, numInput: 1, cc: cc} }, nil)
		st, err := db.Prepare("UPDATE z")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Exec(7); err != nil {
			t.Fatal(err)
		}
		st.Close()
		want := "stmt exec [7]"
		if cc {
			want = "stmt exec [cc:7]"
		}
		if !strings.Contains(log.String(), want) {
			t.Fatalf("ColumnConverter %v: calls %s, want %s", cc, log, want)
		}
	}
}

// NamedValueChecker: the inner conn's is used by connection and statement
// calls; without one, database/sql's default conversion applies.
func TestForwardNamedValueChecker(t *testing.T) {
	log := &stubLog{}
	db := openStub(t, func() driver.Conn { return checkerConn{&legacyConn{log: log, numInput: -1}} }, nil)
	if _, err := db.Exec("UPDATE a", []int{1, 2}); err != nil {
		t.Fatal(err)
	}
	st, err := db.Prepare("UPDATE b")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Exec([]int{3}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if got := log.String(); !strings.Contains(got, "stmt exec [[1 2]]") || !strings.Contains(got, "stmt exec [[3]]") {
		t.Fatalf("checker not applied: %s", got)
	}
	plain := openStub(t, func() driver.Conn { return &legacyConn{log: &stubLog{}, numInput: -1} }, nil)
	_, err = plain.Exec("UPDATE a", []int{1, 2})
	if err == nil || !strings.Contains(err.Error(), "unsupported type []int") {
		t.Fatalf("default conversion not applied without a checker: %v", err)
	}
}

// IsValid is offered exactly when the inner connection has it.
func TestForwardValidator(t *testing.T) {
	for _, valid := range []bool{false, true} {
		db := openStub(t, func() driver.Conn {
			c := &legacyConn{log: &stubLog{}}
			if valid {
				return validatorConn{c}
			}
			return c
		}, nil)
		conn, err := db.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		conn.Raw(func(dc any) error {
			if _, ok := dc.(driver.Validator); ok != valid {
				t.Errorf("inner IsValid %v, wrapper IsValid %v", valid, ok)
			}
			if _, ok := InnerConn(dc).(driver.Validator); ok != valid {
				t.Errorf("InnerConn did not return the inner connection")
			}
			return nil
		})
		conn.Close()
	}
}

// Rows without the optional interfaces report what database/sql reports
// for them.
func TestForwardColumnTypesDefaults(t *testing.T) {
	open := func() driver.Conn { return &legacyConn{log: &stubLog{}, numInput: -1} }
	bare := sql.OpenDB(dsnConnector{d: stubDriver{open}})
	defer bare.Close()
	wrapped := openStub(t, open, hooks.Base{}) // hooks: the rows are wrapped
	describe := func(db *sql.DB) string {
		rows, err := db.Query("SELECT v")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cts, err := rows.ColumnTypes()
		if err != nil {
			t.Fatal(err)
		}
		ct := cts[0]
		l, lok := ct.Length()
		nl, nok := ct.Nullable()
		p, s, pok := ct.DecimalSize()
		more := rows.NextResultSet()
		return fmt.Sprint(ct.Name(), ct.DatabaseTypeName(), ct.ScanType(), l, lok, nl, nok, p, s, pok, more, rows.Err())
	}
	if got, want := describe(wrapped), describe(bare); got != want {
		t.Fatalf("wrapped %q, bare %q", got, want)
	}
}

func TestClassifyTx(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		kind hooks.TxKind
		name string
	}{
		{"SAVEPOINT sp1", hooks.TxSavepoint, "sp1"},
		{"savepoint sp1;", hooks.TxSavepoint, "sp1"},
		{"  -- c\n /* d */ SavePoint \"My Sp\"", hooks.TxSavepoint, "My Sp"},
		{"SAVEPOINT `s``p`", hooks.TxSavepoint, "s`p"},
		{"RELEASE SAVEPOINT sp1", hooks.TxReleaseSavepoint, "sp1"},
		{"release sp1", hooks.TxReleaseSavepoint, "sp1"},
		{"RELEASE savepoint", hooks.TxReleaseSavepoint, "savepoint"},
		{"ROLLBACK TO SAVEPOINT sp1", hooks.TxRollbackToSavepoint, "sp1"},
		{"rollback to sp1", hooks.TxRollbackToSavepoint, "sp1"},
		{"ROLLBACK WORK TO SAVEPOINT sp1", hooks.TxRollbackToSavepoint, "sp1"},
		{"ROLLBACK TRANSACTION TO sp1 -- why", hooks.TxRollbackToSavepoint, "sp1"},
		{"ROLLBACK", 0, ""},
		{"SAVEPOINT", 0, ""},
		{"SAVEPOINT a b", 0, ""},
		{"SELECT 'SAVEPOINT x'", 0, ""},
		{"UPDATE savepoint SET x = 1", 0, ""},
		{"", 0, ""},
	} {
		k, n := classifyTx(tc.sql)
		if k != tc.kind || n != tc.name {
			t.Errorf("classifyTx(%q) = %v %q, want %v %q", tc.sql, k, n, tc.kind, tc.name)
		}
	}
}

// The caller named by the guard is the first frame outside database/sql
// and aiodb; here, this test file.
func TestGuardCallerIsTestFile(t *testing.T) {
	db := sql.OpenDB(NewConnector(dsnConnector{d: stubDriver{func() driver.Conn { return &legacyConn{log: &stubLog{}} }}}, Options{Sync: SyncError}))
	defer db.Close()
	_, err := db.Exec("UPDATE q")
	var se *SyncCallError
	if !errors.As(err, &se) {
		t.Fatalf("Exec under SyncError: %v", err)
	}
	if !strings.Contains(se.Caller, "forward_test.go:") {
		t.Fatalf("caller is %q, want this file", se.Caller)
	}
}
