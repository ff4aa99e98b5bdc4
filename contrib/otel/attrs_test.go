package aiootel

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/lib/pq"

	aiodriver "github.com/aiodb/aiodb/driver"
)

func TestParseDSN(t *testing.T) {
	for _, c := range []struct {
		driver, dsn string
		want        dsnAttrs
	}{
		{"aiopg", "postgres://u:pw@db.example:6543/shop?sslmode=disable&aio_sync=panic", dsnAttrs{"db.example", 6543, "shop"}},
		{"aiopgx", "host=10.0.0.5 port=5433 dbname=app user=u password=pw sslmode=disable", dsnAttrs{"10.0.0.5", 5433, "app"}},
		{"aiomysql", "root:pw@tcp(127.0.0.1:3306)/test?parseTime=true", dsnAttrs{"127.0.0.1", 3306, "test"}},
		{"aiomysql", "root@unix(/run/mysqld/mysqld.sock)/test", dsnAttrs{"/run/mysqld/mysqld.sock", 0, "test"}},
		{"aiosqlite", "file:/data/app.db?_pragma=busy_timeout(5000)", dsnAttrs{"", 0, "/data/app.db"}},
	} {
		got, ok := parseDSN(c.driver, c.dsn)
		if !ok || got != c.want {
			t.Errorf("parseDSN(%s, %q) = %+v, %v; want %+v", c.driver, c.dsn, got, ok, c.want)
		}
	}
	if _, ok := parseDSN("other", "x"); ok {
		t.Error("parseDSN read the DSN of an unknown driver")
	}
}

func TestErrorTypeAndStatusCode(t *testing.T) {
	pqErr := &pq.Error{Code: "23505"}
	myErr := &mysql.MySQLError{Number: 1062}
	for _, c := range []struct {
		err       error
		typ, code string
	}{
		{context.Canceled, "context.Canceled", ""},
		{fmt.Errorf("wrapped: %w", context.DeadlineExceeded), "context.DeadlineExceeded", ""},
		{aiodriver.ErrConnLost, "aiodb.ErrConnLost", ""},
		{pqErr, "*pq.Error", "23505"},
		{fmt.Errorf("insert: %w", pqErr), "*pq.Error", "23505"},
		{myErr, "*mysql.MySQLError", "1062"},
		{errors.New("plain"), "_OTHER", ""},
	} {
		if got := errorType(c.err); got != c.typ {
			t.Errorf("errorType(%v) = %q, want %q", c.err, got, c.typ)
		}
		if got := statusCode(c.err); got != c.code {
			t.Errorf("statusCode(%v) = %q, want %q", c.err, got, c.code)
		}
	}
}
