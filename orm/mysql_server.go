package orm

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/aiodb/aiodb/driver"
)

// mysqlServer is what Open and New learned from a MySQL-family server:
// which dialect it speaks and whether one multi-row INSERT is known to
// get consecutive auto keys.
type mysqlServer struct {
	version string // VERSION(), e.g. "10.11.6-MariaDB"
	mariaDB bool
	// returning: MariaDB 10.5 or later, whose INSERT and DELETE accept
	// RETURNING.
	returning bool
	// consecutiveIDs: innodb_autoinc_lock_mode is 0 or 1 and
	// auto_increment_increment is 1. In those lock modes InnoDB reserves
	// the keys of a multi-row INSERT of known length in one step, so they
	// are LastInsertId, +1, +2, ... In mode 2 (MySQL 8's default,
	// Galera's) concurrent statements may interleave their keys.
	consecutiveIDs bool
}

// mysqlProbeTimeout bounds the probe, so that Open against a server that
// does not answer returns (with the MySQL dialect) instead of hanging.
const mysqlProbeTimeout = 5 * time.Second

// isGoMySQL reports whether d is go-sql-driver/mysql, possibly wrapped by
// aiodb's driver (the aiomysql driver): only then is the probe's SQL
// understood and its connection a real server.
func isGoMySQL(d sqldriver.Driver) bool {
	for range 4 {
		switch x := d.(type) {
		case *mysql.MySQLDriver, mysql.MySQLDriver:
			return true
		case interface{ Unwrap() sqldriver.Driver }:
			d = x.Unwrap()
		default:
			return false
		}
	}
	return false
}

// probeMySQL asks the server behind sqlDB for its version and its
// auto-increment settings. It reads them on a pooled connection through
// the inner driver's connection, so no hook sees a statement and the sync
// guard does not apply; the connection goes back to the pool for the
// first real query. It returns nil when the server cannot be reached or
// answers something unexpected: the caller then falls back to the MySQL
// dialect and to inserting rows one by one when keys must come back.
func probeMySQL(sqlDB *sql.DB) *mysqlServer {
	if !isGoMySQL(sqlDB.Driver()) {
		return nil
	}
	ctx, cancel := context.WithTimeout(driver.AllowSync(context.Background()), mysqlProbeTimeout)
	defer cancel()
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil
	}
	defer conn.Close()
	var s *mysqlServer
	_ = conn.Raw(func(dc any) error {
		q, ok := driver.InnerConn(dc).(sqldriver.QueryerContext)
		if !ok {
			return nil
		}
		vals, err := queryRow(ctx, q, "SELECT VERSION()")
		if err != nil || len(vals) != 1 {
			return nil
		}
		s = parseMySQLVersion(vals[0])
		// Servers without InnoDB (or these variables) keep the default:
		// not known to be consecutive.
		vals, err = queryRow(ctx, q, "SELECT @@innodb_autoinc_lock_mode, @@auto_increment_increment")
		if err == nil && len(vals) == 2 {
			mode, err1 := strconv.Atoi(vals[0])
			inc, err2 := strconv.Atoi(vals[1])
			s.consecutiveIDs = err1 == nil && err2 == nil && (mode == 0 || mode == 1) && inc == 1
		}
		return nil
	})
	return s
}

// queryRow runs query on a raw driver connection and returns its first
// row as text.
func queryRow(ctx context.Context, q sqldriver.QueryerContext, query string) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, nil)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	dest := make([]sqldriver.Value, len(rows.Columns()))
	if err := rows.Next(dest); err != nil {
		if err == io.EOF {
			return nil, errors.New("no row")
		}
		return nil, err
	}
	out := make([]string, len(dest))
	for i, v := range dest {
		switch x := v.(type) {
		case []byte:
			out[i] = string(x)
		case nil:
		default:
			out[i] = fmt.Sprint(x)
		}
	}
	return out, nil
}

// parseMySQLVersion reads VERSION(): "10.11.6-MariaDB-0+deb12u1",
// "8.0.36", "5.5.5-10.4.2-MariaDB" (the replication prefix).
func parseMySQLVersion(v string) *mysqlServer {
	s := &mysqlServer{version: v, mariaDB: strings.Contains(strings.ToLower(v), "mariadb")}
	num := strings.TrimPrefix(v, "5.5.5-")
	var major, minor int
	parts := strings.SplitN(num, ".", 3)
	if len(parts) >= 2 {
		major, minor = leadingInt(parts[0]), leadingInt(parts[1])
	}
	s.returning = s.mariaDB && (major > 10 || major == 10 && minor >= 5)
	return s
}

// leadingInt is the number s starts with (0 if none).
func leadingInt(s string) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// mysqlDialect probes a MySQL-family server (see probeMySQL) and returns
// the dialect to use: MariaDB on MariaDB 10.5 and later unless the user
// chose one (explicit), else d.
func mysqlDialect(sqlDB *sql.DB, d *Dialect, explicit bool) (*Dialect, *mysqlServer) {
	if d.Name != driver.DialectMySQL {
		return d, nil
	}
	srv := probeMySQL(sqlDB)
	if !explicit && srv != nil && srv.returning && d == MySQL {
		d = MariaDB
	}
	return d, srv
}
