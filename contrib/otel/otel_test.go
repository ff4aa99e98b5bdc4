package aiootel_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	aiootel "github.com/aiodb/aiodb/contrib/otel"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
)

// tracing is an in-memory tracer and meter for one test.
type tracing struct {
	sr     *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
}

func newTracing(t *testing.T) *tracing {
	tr := &tracing{sr: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	tr.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tr.sr))
	tr.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(tr.reader))
	t.Cleanup(func() {
		tr.tp.Shutdown(context.Background())
		tr.mp.Shutdown(context.Background())
	})
	return tr
}

func (tr *tracing) hook(opts ...aiootel.Option) *aiootel.Hook {
	return aiootel.New(append([]aiootel.Option{aiootel.WithTracerProvider(tr.tp), aiootel.WithMeterProvider(tr.mp)}, opts...)...)
}

// named returns the ended spans called name, in the order they ended.
func (tr *tracing) named(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range tr.sr.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

func (tr *tracing) one(t *testing.T, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	s := tr.named(name)
	if len(s) != 1 {
		t.Fatalf("%d spans named %s, want 1 (ended: %v)", len(s), name, spanNames(tr.sr.Ended()))
	}
	return s[0]
}

func spanNames(spans []sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name())
	}
	return out
}

func attr(s sdktrace.ReadOnlySpan, key string) (attribute.Value, bool) {
	for _, a := range s.Attributes() {
		if string(a.Key) == key {
			return a.Value, true
		}
	}
	return attribute.Value{}, false
}

func wantAttr(t *testing.T, s sdktrace.ReadOnlySpan, key string, want any) {
	t.Helper()
	v, ok := attr(s, key)
	if !ok {
		t.Errorf("span %s has no %s (attributes %v)", s.Name(), key, s.Attributes())
		return
	}
	if got := v.AsInterface(); got != want {
		t.Errorf("span %s: %s = %#v, want %#v", s.Name(), key, got, want)
	}
}

func wantParent(t *testing.T, child, parent sdktrace.ReadOnlySpan) {
	t.Helper()
	if child.Parent().SpanID() != parent.SpanContext().SpanID() || child.SpanContext().TraceID() != parent.SpanContext().TraceID() {
		t.Errorf("span %s's parent is %s, want %s", child.Name(), child.Parent().SpanID(), parent.Name())
	}
}

// openSQLite opens a private in-memory SQLite database with h.
func openSQLite(t *testing.T, h *aiootel.Hook) *sql.DB {
	t.Helper()
	c, err := driver.OpenConnector("aiosqlite", ":memory:", func(o *driver.Options) { o.Hooks = h })
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db
}

var async = driver.MarkAsync(context.Background())

func TestStatementSpans(t *testing.T) {
	tr := newTracing(t)
	db := openSQLite(t, tr.hook())
	ctx, req := tr.tp.Tracer("test").Start(async, "request")
	if _, err := db.ExecContext(ctx, "CREATE TABLE obs_users (id integer PRIMARY KEY, email text)"); err != nil {
		t.Fatal(err)
	}
	const insert = "INSERT INTO obs_users (id, email) VALUES (?, ?)"
	if _, err := db.ExecContext(ctx, insert, 1, "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	var email string
	if err := db.QueryRowContext(ctx, "SELECT email FROM obs_users WHERE id = ?", 1).Scan(&email); err != nil {
		t.Fatal(err)
	}
	req.End()
	request := tr.one(t, "request")

	conn := tr.one(t, "CONNECT")
	wantParent(t, conn, request) // database/sql connected for this request
	wantAttr(t, conn, "db.system.name", "sqlite")
	if v, ok := attr(conn, "aiodb.conn_id"); !ok || v.AsInt64() == 0 {
		t.Errorf("CONNECT has no conn_id: %v", conn.Attributes())
	}

	ins := tr.one(t, "INSERT")
	wantParent(t, ins, request)
	if ins.SpanKind() != trace.SpanKindClient {
		t.Errorf("INSERT span kind %v, want client", ins.SpanKind())
	}
	wantAttr(t, ins, "db.system.name", "sqlite")
	wantAttr(t, ins, "db.operation.name", "INSERT")
	wantAttr(t, ins, "db.query.text", insert)
	wantAttr(t, ins, "aiodb.rows_affected", int64(1))
	wantAttr(t, ins, "aiodb.async", true)
	if ins.Status().Code != codes.Unset {
		t.Errorf("INSERT status %v", ins.Status())
	}

	sel := tr.one(t, "SELECT")
	wantParent(t, sel, request)
	wantAttr(t, sel, "db.response.returned_rows", int64(1))
	if !sel.EndTime().After(sel.StartTime()) {
		t.Errorf("SELECT span from %v to %v", sel.StartTime(), sel.EndTime())
	}

	// No bound value anywhere by default.
	for _, s := range tr.sr.Ended() {
		for _, a := range s.Attributes() {
			if strings.Contains(a.Value.String(), "alice") || strings.HasPrefix(string(a.Key), "db.query.parameter") {
				t.Errorf("span %s records an argument: %s=%s", s.Name(), a.Key, a.Value.String())
			}
		}
	}
}

func TestWithArgsAndWithoutQueryText(t *testing.T) {
	tr := newTracing(t)
	db := openSQLite(t, tr.hook(aiootel.WithArgs(), aiootel.WithoutQueryText(), aiootel.WithoutConnectSpans()))
	if _, err := db.ExecContext(async, "SELECT ?, ?", "bob", nil); err != nil {
		t.Fatal(err)
	}
	s := tr.one(t, "SELECT")
	wantAttr(t, s, "db.query.parameter.0", "bob")
	wantAttr(t, s, "db.query.parameter.1", "NULL")
	if _, ok := attr(s, "db.query.text"); ok {
		t.Error("db.query.text recorded under WithoutQueryText")
	}
	if n := len(tr.named("CONNECT")); n != 0 {
		t.Errorf("%d CONNECT spans under WithoutConnectSpans", n)
	}
}

func TestTransactionSpans(t *testing.T) {
	tr := newTracing(t)
	db := openSQLite(t, tr.hook())
	tracer := tr.tp.Tracer("test")
	if _, err := db.ExecContext(async, "CREATE TABLE obs_tx (id integer PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	ctx, req := tracer.Start(async, "request")
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO obs_tx (id) VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	// A span the caller starts inside the transaction parents its
	// statements instead.
	inner, step := tracer.Start(ctx, "step")
	var n int
	if err := tx.QueryRowContext(inner, "SELECT count(*) FROM obs_tx").Scan(&n); err != nil || n != 1 {
		t.Fatalf("count %d, %v", n, err)
	}
	step.End()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	req.End()

	request, txSpan := tr.one(t, "request"), tr.one(t, "TRANSACTION")
	wantParent(t, txSpan, request)
	wantAttr(t, txSpan, "aiodb.tx.end", "commit")
	wantAttr(t, txSpan, "db.system.name", "sqlite")
	ins := tr.one(t, "INSERT")
	wantParent(t, ins, txSpan)
	sel := tr.one(t, "SELECT")
	wantParent(t, sel, tr.one(t, "step"))
	for _, s := range []sdktrace.ReadOnlySpan{ins, sel} {
		if s.StartTime().Before(txSpan.StartTime()) || s.EndTime().After(txSpan.EndTime()) {
			t.Errorf("%s [%v, %v] is not inside TRANSACTION [%v, %v]", s.Name(), s.StartTime(), s.EndTime(), txSpan.StartTime(), txSpan.EndTime())
		}
	}

	// A rollback, and a transaction left open until its context ends.
	tx, err = db.BeginTx(async, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	cctx, cancel := context.WithCancel(async)
	if _, err := db.BeginTx(cctx, nil); err != nil {
		t.Fatal(err)
	}
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for len(tr.named("TRANSACTION")) < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	txs := tr.named("TRANSACTION")
	if len(txs) != 3 {
		t.Fatalf("%d TRANSACTION spans ended, want 3", len(txs))
	}
	for _, s := range txs[1:] {
		wantAttr(t, s, "aiodb.tx.end", "rollback")
		if s.Parent().IsValid() {
			t.Errorf("TRANSACTION begun without a span has parent %v", s.Parent())
		}
	}
}

func TestErrorSpans(t *testing.T) {
	tr := newTracing(t)
	db := openSQLite(t, tr.hook())
	if _, err := db.ExecContext(async, "SELECT * FROM obs_missing"); err == nil {
		t.Fatal("no error for a missing table")
	}
	s := tr.one(t, "SELECT")
	if s.Status().Code != codes.Error || !strings.Contains(s.Status().Description, "obs_missing") {
		t.Errorf("status %+v", s.Status())
	}
	if v, ok := attr(s, "error.type"); !ok || v.AsString() != "*sqlite.Error" {
		t.Errorf("error.type %v", v.String())
	}
	if !slices.ContainsFunc(s.Events(), func(e sdktrace.Event) bool { return e.Name == "exception" }) {
		t.Errorf("no exception event: %v", s.Events())
	}

	// An ended context is told from a database error.
	const forever = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
	for _, c := range []struct {
		want string
		ctx  func() (context.Context, context.CancelFunc)
	}{
		{"context.DeadlineExceeded", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(async, 50*time.Millisecond)
		}},
		{"context.Canceled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(async)
			time.AfterFunc(50*time.Millisecond, cancel)
			return ctx, cancel
		}},
	} {
		tr.sr.Reset()
		ctx, cancel := c.ctx()
		var n int
		err := db.QueryRowContext(ctx, forever).Scan(&n)
		cancel()
		if !errors.Is(err, ctx.Err()) {
			t.Fatalf("%s: error %v", c.want, err)
		}
		s := tr.one(t, "WITH")
		wantAttr(t, s, "error.type", c.want)
		if s.Status().Code != codes.Error {
			t.Errorf("%s: status %+v", c.want, s.Status())
		}
	}
}

func TestDurationMetric(t *testing.T) {
	tr := newTracing(t)
	db := openSQLite(t, tr.hook(aiootel.WithServer("db.internal", 5432)))
	for i := range 5 {
		if _, err := db.ExecContext(async, "SELECT ?", i); err != nil {
			t.Fatal(err)
		}
	}
	db.ExecContext(async, "SELECT * FROM obs_missing")
	var rm metricdata.ResourceMetrics
	if err := tr.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var hist metricdata.Histogram[float64]
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == "db.client.operation.duration" {
				hist = m.Data.(metricdata.Histogram[float64])
				if m.Unit != "s" {
					t.Errorf("unit %q", m.Unit)
				}
			}
		}
	}
	counts := map[string]uint64{}
	for _, dp := range hist.DataPoints {
		op, _ := dp.Attributes.Value("db.operation.name")
		et, _ := dp.Attributes.Value("error.type")
		sys, _ := dp.Attributes.Value("db.system.name")
		srv, _ := dp.Attributes.Value("server.address")
		if sys.AsString() != "sqlite" || srv.AsString() != "db.internal" {
			t.Errorf("data point attributes %v", dp.Attributes.ToSlice())
		}
		if _, ok := dp.Attributes.Value("db.query.text"); ok {
			t.Error("the metric carries the query text")
		}
		counts[op.AsString()+"/"+et.AsString()] += dp.Count
	}
	if counts["SELECT/"] != 5 || counts["SELECT/*sqlite.Error"] != 1 {
		t.Errorf("counts %v, want 5 SELECT and 1 failed", counts)
	}
}

// Two hooks in one chain each end their own spans. They nest like
// middleware: the second hook's statement span is a child of the first's.
func TestTwoHooks(t *testing.T) {
	a, b := newTracing(t), newTracing(t)
	c, err := driver.OpenConnector("aiosqlite", ":memory:", func(o *driver.Options) {
		o.Hooks = hooks.Chain(a.hook(), b.hook())
	})
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	tx, err := db.BeginTx(async, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx.ExecContext(async, "SELECT 1")
	tx.Commit()
	for _, tr := range []*tracing{a, b} {
		wantAttr(t, tr.one(t, "TRANSACTION"), "aiodb.tx.end", "commit")
	}
	wantParent(t, a.one(t, "SELECT"), a.one(t, "TRANSACTION"))
	wantParent(t, b.one(t, "SELECT"), a.one(t, "SELECT"))
	wantParent(t, b.one(t, "TRANSACTION"), a.one(t, "TRANSACTION"))
}

func TestPostgres(t *testing.T) {
	dsn := os.Getenv("AIODB_PG_DSN")
	if dsn == "" {
		if os.Getenv("AIODB_REQUIRE_DB") != "" {
			t.Fatal("AIODB_PG_DSN is not set")
		}
		t.Skip("set AIODB_PG_DSN to run against PostgreSQL")
	}
	for _, name := range []string{"aiopg", "aiopgx"} {
		t.Run(name, func(t *testing.T) {
			tr := newTracing(t)
			h := tr.hook(aiootel.WithDSN(name, dsn))
			c, err := driver.OpenConnector(name, dsn, func(o *driver.Options) { o.Hooks = h })
			if err != nil {
				t.Fatal(err)
			}
			db := sql.OpenDB(c)
			defer db.Close()
			tx, err := db.BeginTx(async, nil)
			if err != nil {
				t.Fatal(err)
			}
			var v int
			if err := tx.QueryRowContext(async, "SELECT $1::int", 7).Scan(&v); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.ExecContext(async, "SELECT * FROM obs_missing_table"); err == nil {
				t.Fatal("no error for a missing table")
			}
			tx.Rollback()
			txSpan := tr.one(t, "TRANSACTION")
			wantAttr(t, txSpan, "aiodb.tx.end", "rollback")
			for _, s := range tr.named("SELECT") {
				wantParent(t, s, txSpan)
				wantAttr(t, s, "db.system.name", "postgresql")
				wantAttr(t, s, "server.address", "127.0.0.1")
				wantAttr(t, s, "server.port", int64(5432))
				wantAttr(t, s, "db.namespace", "test")
			}
			failed := tr.named("SELECT")[1]
			wantAttr(t, failed, "db.response.status_code", "42P01")
		})
	}
}
