package mysqldialect

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"reflect"
	"strings"
	"time"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm/dialect"
)

// ProbeTimeout bounds Probe, so that opening a pool on a server that does
// not answer returns (with the MySQL dialect) instead of hanging.
const ProbeTimeout = 5 * time.Second

// Probe asks the server behind db for its version and its auto-increment
// settings; orm.Open and orm.New call it (Dialect.ProbeServer). It runs
// through the pool like any statement, with a driver.Internal context:
// the sync guard lets it through and hooks see it marked Internal; the
// connection stays in the pool for the first real query. It returns nil
// when db's driver is not go-sql-driver/mysql (a mock, say), or when the
// server cannot be reached within ProbeTimeout or answers something
// unexpected: the pool then keeps the MySQL dialect, which works on
// MariaDB too, and inserts rows one by one when keys must come back.
func Probe(db *sql.DB) *dialect.Server {
	if !isGoMySQL(db.Driver()) {
		return nil
	}
	ctx, cancel := context.WithTimeout(driver.Internal(context.Background()), ProbeTimeout)
	defer cancel()
	var version string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return nil
	}
	s := &dialect.Server{Version: version}
	if returning(version) {
		s.Dialect = MariaDB()
	}
	// In lock modes 0 and 1 InnoDB reserves the keys of a multi-row
	// INSERT of known length in one step; in mode 2 (MySQL 8's default,
	// Galera's) concurrent statements may interleave them. Servers
	// without InnoDB (or these variables) are not known to be consecutive.
	var mode, inc sql.NullInt64
	err := db.QueryRowContext(ctx, "SELECT @@innodb_autoinc_lock_mode, @@auto_increment_increment").Scan(&mode, &inc)
	s.ConsecutiveIDs = err == nil && mode.Valid && inc.Valid && (mode.Int64 == 0 || mode.Int64 == 1) && inc.Int64 == 1
	return s
}

// isGoMySQL reports whether d is go-sql-driver/mysql, possibly wrapped by
// aiodb's driver (the aiomysql driver): only then is the probe's SQL
// understood and its connection a real server. It goes by the type's
// package path, so that the dialect does not link the driver.
func isGoMySQL(d sqldriver.Driver) bool {
	for range 4 {
		t := reflect.TypeOf(d)
		if t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t != nil && t.PkgPath() == "github.com/go-sql-driver/mysql" && t.Name() == "MySQLDriver" {
			return true
		}
		u, ok := d.(interface{ Unwrap() sqldriver.Driver })
		if !ok {
			return false
		}
		d = u.Unwrap()
	}
	return false
}

// returning reports whether VERSION() is that of MariaDB 10.5 or later,
// whose INSERT and DELETE accept RETURNING: "10.11.6-MariaDB-0+deb12u1",
// "5.5.5-10.4.2-MariaDB" (with the replication prefix); never MySQL's
// "8.0.36".
func returning(v string) bool {
	if !strings.Contains(strings.ToLower(v), "mariadb") {
		return false
	}
	parts := strings.SplitN(strings.TrimPrefix(v, "5.5.5-"), ".", 3)
	if len(parts) < 2 {
		return false
	}
	major, minor := leadingInt(parts[0]), leadingInt(parts[1])
	return major > 10 || major == 10 && minor >= 5
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
