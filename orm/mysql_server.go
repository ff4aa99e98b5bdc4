package orm

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
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
// auto-increment settings, through the pool like any statement but with a
// driver.Internal context: the sync guard lets the probe through and
// hooks see it marked Internal. The connection stays in the pool for the
// first real query. It returns nil when the server cannot be reached or
// answers something unexpected: the caller then falls back to the MySQL
// dialect and to inserting rows one by one when keys must come back.
func probeMySQL(sqlDB *sql.DB) *mysqlServer {
	if !isGoMySQL(sqlDB.Driver()) {
		return nil
	}
	ctx, cancel := context.WithTimeout(driver.Internal(context.Background()), mysqlProbeTimeout)
	defer cancel()
	var version string
	if err := sqlDB.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return nil
	}
	s := parseMySQLVersion(version)
	// Servers without InnoDB (or these variables) keep the default: not
	// known to be consecutive.
	var mode, inc sql.NullInt64
	err := sqlDB.QueryRowContext(ctx, "SELECT @@innodb_autoinc_lock_mode, @@auto_increment_increment").Scan(&mode, &inc)
	s.consecutiveIDs = err == nil && mode.Valid && inc.Valid && (mode.Int64 == 0 || mode.Int64 == 1) && inc.Int64 == 1
	return s
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
