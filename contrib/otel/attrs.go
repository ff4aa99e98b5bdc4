package aiootel

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/otel/attribute"

	aiodriver "github.com/aiodb/aiodb/driver"
)

// The attribute keys of OpenTelemetry's database and general semantic
// conventions this package sets, and aiodb's own.
const (
	keySystem       = attribute.Key("db.system.name")
	keyQueryText    = attribute.Key("db.query.text")
	keyOperation    = attribute.Key("db.operation.name")
	keyNamespace    = attribute.Key("db.namespace")
	keyReturnedRows = attribute.Key("db.response.returned_rows")
	keyStatusCode   = attribute.Key("db.response.status_code")
	keyServer       = attribute.Key("server.address")
	keyPort         = attribute.Key("server.port")
	keyErrorType    = attribute.Key("error.type")
	keyParamPrefix  = "db.query.parameter."

	keyConnID       = attribute.Key("aiodb.conn_id")
	keyAsync        = attribute.Key("aiodb.async")
	keyCacheHit     = attribute.Key("aiodb.stmt_cache_hit")
	keyRowsAffected = attribute.Key("aiodb.rows_affected")
	keyInternal     = attribute.Key("aiodb.internal")
	keyTxEnd        = attribute.Key("aiodb.tx.end")
	keyPrepare      = attribute.Key("aiodb.prepare")
)

// systemOf maps a registered driver name to db.system.name.
func systemOf(driverName string) string {
	switch driverName {
	case "aiopg", "aiopgx", "postgres", "pgx":
		return "postgresql"
	case "aiomysql", "mysql":
		return "mysql"
	case "aiosqlite", "sqlite", "sqlite3":
		return "sqlite"
	}
	return "other_sql"
}

// errorType is error.type: the context's error when it ended, so that a
// cancelled caller is told from a failing database, aiodb's lost
// connection, otherwise the error's Go type, or _OTHER for an anonymous
// one (errors.New, fmt.Errorf).
func errorType(err error) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "context.Canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "context.DeadlineExceeded"
	case errors.Is(err, aiodriver.ErrConnLost):
		return "aiodb.ErrConnLost"
	case errors.Is(err, driver.ErrBadConn):
		return "driver.ErrBadConn"
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		switch t := fmt.Sprintf("%T", e); t {
		case "*errors.errorString", "*fmt.wrapError", "*fmt.wrapErrors", "*errors.joinError":
		default:
			return t
		}
	}
	return "_OTHER"
}

// statusCode is db.response.status_code: the SQLSTATE of a PostgreSQL
// error, the error number of a MySQL one; "" otherwise.
func statusCode(err error) string {
	var st interface{ SQLState() string }
	if errors.As(err, &st) {
		return st.SQLState()
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return strconv.Itoa(int(me.Number))
	}
	return ""
}

// argValue formats a bound argument for db.query.parameter.*, cut to 256
// bytes.
func argValue(nv driver.NamedValue) attribute.KeyValue {
	key := nv.Name
	if key == "" {
		key = strconv.Itoa(nv.Ordinal - 1)
	}
	var s string
	switch v := nv.Value.(type) {
	case nil:
		s = "NULL"
	case []byte:
		s = string(v)
	case string:
		s = v
	default:
		s = fmt.Sprint(v)
	}
	if len(s) > 256 {
		s = s[:256]
	}
	return attribute.String(keyParamPrefix+key, s)
}

type dsnAttrs struct {
	host      string
	port      int
	namespace string
}

// parseDSN reads the server and database of a DSN, leaving aio_* options
// to the drivers' parsers (they keep unknown parameters as run-time
// settings).
func parseDSN(driverName, dsn string) (dsnAttrs, bool) {
	switch systemOf(driverName) {
	case "postgresql":
		cfg, err := pgconn.ParseConfig(dsn)
		if err != nil {
			return dsnAttrs{}, false
		}
		return dsnAttrs{host: cfg.Host, port: int(cfg.Port), namespace: cfg.Database}, true
	case "mysql":
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			return dsnAttrs{}, false
		}
		a := dsnAttrs{host: cfg.Addr, namespace: cfg.DBName}
		if cfg.Net != "unix" {
			if h, p, err := net.SplitHostPort(cfg.Addr); err == nil {
				a.host = h
				a.port, _ = strconv.Atoi(p)
			}
		}
		return a, true
	case "sqlite":
		path, _, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
		return dsnAttrs{namespace: path}, path != ""
	}
	return dsnAttrs{}, false
}
