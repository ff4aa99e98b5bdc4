package aioprom_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"

	aioprom "github.com/aiodb/aiodb/contrib/prometheus"
	"github.com/aiodb/aiodb/driver"
)

var async = driver.MarkAsync(context.Background())

func open(t *testing.T, name, dsn string, h *aioprom.Hook) *sql.DB {
	t.Helper()
	c, err := driver.OpenConnector(name, dsn, func(o *driver.Options) {
		if h != nil { // not a typed nil in the interface
			o.Hooks = h
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db
}

func exec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(async, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// value returns the value of the gathered series name{labels} (a
// counter's, a gauge's, or a histogram's sample count), and whether it
// exists.
func value(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, lp := range m.GetLabel() {
				have[lp.GetName()] = lp.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue metrics
				}
			}
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				return m.GetCounter().GetValue(), true
			case dto.MetricType_GAUGE:
				return m.GetGauge().GetValue(), true
			case dto.MetricType_HISTOGRAM:
				return float64(m.GetHistogram().GetSampleCount()), true
			}
		}
	}
	return 0, false
}

func wantValue(t *testing.T, reg *prometheus.Registry, want float64, name string, labels map[string]string) {
	t.Helper()
	got, ok := value(t, reg, name, labels)
	if !ok {
		t.Errorf("no series %s%v", name, labels)
	} else if got != want {
		t.Errorf("%s%v = %v, want %v", name, labels, got, want)
	}
}

func stmt(op, outcome string) map[string]string {
	return map[string]string{"driver": "aiosqlite", "operation": op, "outcome": outcome}
}

func TestHookCounts(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := aioprom.New()
	reg.MustRegister(h)
	db := open(t, "aiosqlite", ":memory:", h)

	exec(t, db, "CREATE TABLE obs_items (id integer PRIMARY KEY, name text)")
	for i := range 5 {
		exec(t, db, "INSERT INTO obs_items (id, name) VALUES (?, ?)", i, "secret-name")
	}
	for range 3 {
		rows, err := db.QueryContext(async, "SELECT id, name FROM obs_items")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
		}
		rows.Close()
	}
	if _, err := db.ExecContext(async, "INSERT INTO obs_missing VALUES (1)"); err == nil {
		t.Fatal("no error for a missing table")
	}
	ctx, cancel := context.WithTimeout(async, 50*time.Millisecond)
	var n int
	err := db.QueryRowContext(ctx, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c").Scan(&n)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("endless query: %v", err)
	}
	tx, err := db.BeginTx(async, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx.ExecContext(async, "SAVEPOINT s1")
	tx.Commit()
	tx, err = db.BeginTx(async, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx.Rollback()

	wantValue(t, reg, 7, "aiodb_statements_total", stmt("exec", "ok")) // CREATE, 5 INSERTs, SAVEPOINT
	wantValue(t, reg, 1, "aiodb_statements_total", stmt("exec", "error"))
	wantValue(t, reg, 3, "aiodb_statements_total", stmt("query", "ok"))
	wantValue(t, reg, 1, "aiodb_statements_total", stmt("query", "canceled"))
	wantValue(t, reg, 7, "aiodb_statement_duration_seconds", stmt("exec", "ok"))
	wantValue(t, reg, 1, "aiodb_statement_duration_seconds", stmt("query", "canceled"))
	tx1 := func(kind string) map[string]string {
		return map[string]string{"driver": "aiosqlite", "kind": kind, "outcome": "ok"}
	}
	wantValue(t, reg, 2, "aiodb_transactions_total", tx1("begin"))
	wantValue(t, reg, 1, "aiodb_transactions_total", tx1("commit"))
	wantValue(t, reg, 1, "aiodb_transactions_total", tx1("rollback"))
	wantValue(t, reg, 1, "aiodb_transactions_total", tx1("savepoint"))
	if v, _ := value(t, reg, "aiodb_connects_total", map[string]string{"driver": "aiosqlite", "outcome": "ok"}); v < 1 {
		t.Errorf("connects_total %v, want at least 1", v)
	}
}

// A failed connect is counted: nothing listens on port 1.
func TestConnectErrors(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := aioprom.New()
	reg.MustRegister(h)
	db := open(t, "aiopg", "postgres://obs@127.0.0.1:1/obs?sslmode=disable&connect_timeout=5", h)
	if err := db.PingContext(async); err == nil {
		t.Fatal("connected to port 1")
	}
	if v, _ := value(t, reg, "aiodb_connects_total", map[string]string{"driver": "aiopg", "outcome": "error"}); v < 1 {
		t.Errorf("connects_total{outcome=error} %v, want at least 1", v)
	}
	if v, _ := value(t, reg, "aiodb_connect_duration_seconds", map[string]string{"driver": "aiopg"}); v < 1 {
		t.Errorf("connect_duration_seconds count %v, want at least 1", v)
	}
}

func TestVerbLabelAndConstLabels(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := aioprom.New(aioprom.WithVerbLabel(), aioprom.WithConstLabels(prometheus.Labels{"app": "blog"}), aioprom.WithNamespace("blog"))
	reg.MustRegister(h)
	db := open(t, "aiosqlite", ":memory:", h)
	exec(t, db, "/* comment */ SELECT 1")
	exec(t, db, "select 2")
	wantValue(t, reg, 2, "blog_statements_total", map[string]string{"verb": "SELECT", "app": "blog", "operation": "exec"})
}

func TestDBStatsCollector(t *testing.T) {
	reg := prometheus.NewRegistry()
	db := open(t, "aiosqlite", ":memory:", nil)
	db.SetMaxOpenConns(1)
	reg.MustRegister(aioprom.NewDBStatsCollector(db, "main"))
	main := map[string]string{"db": "main"}

	conn, err := db.Conn(async)
	if err != nil {
		t.Fatal(err)
	}
	wantValue(t, reg, 1, "aiodb_db_max_open_connections", main)
	wantValue(t, reg, 1, "aiodb_db_open_connections", main)
	wantValue(t, reg, 1, "aiodb_db_in_use_connections", main)
	wantValue(t, reg, 0, "aiodb_db_idle_connections", main)
	// A statement waits for the one connection until it is released.
	done := make(chan error)
	go func() {
		_, err := db.ExecContext(async, "SELECT 1")
		done <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for db.Stats().WaitCount == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(10 * time.Millisecond)
	conn.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	wantValue(t, reg, 1, "aiodb_db_wait_count_total", main)
	wantValue(t, reg, 1, "aiodb_db_idle_connections", main)
	if v, _ := value(t, reg, "aiodb_db_wait_duration_seconds_total", main); v <= 0 {
		t.Errorf("wait_duration_seconds_total %v, want > 0", v)
	}
	db.SetMaxIdleConns(0) // closes the idle one
	wantValue(t, reg, 1, "aiodb_db_max_idle_closed_total", main)
	wantValue(t, reg, 0, "aiodb_db_open_connections", main)
}

// The registry, scraped over HTTP as Prometheus would, has the hook's
// and the pool's series and no SQL text.
func TestScrape(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := aioprom.New()
	db := open(t, "aiosqlite", ":memory:", h)
	reg.MustRegister(h, aioprom.NewDBStatsCollector(db, "main"))
	for range 4 {
		exec(t, db, "SELECT 'obs-secret'")
	}
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	text := string(body)
	for _, want := range []string{
		`aiodb_statements_total{driver="aiosqlite",operation="exec",outcome="ok"} 4`,
		`aiodb_statement_duration_seconds_count{driver="aiosqlite",operation="exec",outcome="ok"} 4`,
		`aiodb_statement_duration_seconds_bucket{driver="aiosqlite",operation="exec",outcome="ok",le="+Inf"} 4`,
		`aiodb_connects_total{driver="aiosqlite",outcome="ok"} 1`,
		`aiodb_db_open_connections{db="main"} 1`,
		`aiodb_db_idle_connections{db="main"} 1`,
		"# TYPE aiodb_db_wait_count_total counter",
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("scrape has no line %q", want)
		}
	}
	if strings.Contains(text, "obs-secret") || strings.Contains(text, "SELECT") {
		t.Error("the scrape carries SQL text")
	}
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
			reg := prometheus.NewRegistry()
			h := aioprom.New()
			reg.MustRegister(h)
			db := open(t, name, dsn, h)
			for i := range 3 {
				var v int
				if err := db.QueryRowContext(async, "SELECT $1::int", i).Scan(&v); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.ExecContext(async, "SELECT * FROM obs_missing_table"); err == nil {
				t.Fatal("no error for a missing table")
			}
			wantValue(t, reg, 3, "aiodb_statements_total", map[string]string{"driver": name, "operation": "query", "outcome": "ok"})
			wantValue(t, reg, 1, "aiodb_statements_total", map[string]string{"driver": name, "operation": "exec", "outcome": "error"})
		})
	}
}
