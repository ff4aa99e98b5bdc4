// Package mysql registers aiodb's guarded driver "aiomysql", over
// go-sql-driver/mysql, for MySQL and MariaDB, with database/sql when it
// is imported:
//
//	import _ "github.com/aiodb/aiodb/driver/mysql"
//
//	db, err := sql.Open("aiomysql", "root@tcp(127.0.0.1:3306)/app?aio_sync=panic")
//
// aiomysql keeps a statement cache per connection, off when the DSN asks
// for interpolateParams=true (the user chose to send arguments inside the
// SQL text).
package mysql

import (
	"errors"

	"github.com/go-sql-driver/mysql"

	aiodriver "github.com/aiodb/aiodb/driver"
)

func init() {
	aiodriver.Register(aiodriver.Backend{
		Name:      "aiomysql",
		Dialect:   aiodriver.DialectMySQL,
		Driver:    &mysql.MySQLDriver{},
		CacheSize: cacheSize,
		// Not NoArgs: go-sql-driver/mysql reads a prepared statement's
		// rows in the binary protocol, whose values have other Go types
		// (int64 rather than []byte) than its text protocol's.
		Cache:          aiodriver.CachePolicy{ServerStatements: true},
		StaleStatement: func(err error) bool { return hasNumber(err, 1615, 1243) },
		Interrupted:    func(err error) bool { return hasNumber(err, 1317, 1969) },
		ConnLost:       func(err error) bool { return errors.Is(err, mysql.ErrInvalidConn) },
		ErrorNumber:    errorNumber,
	})
}

// cacheSize turns the cache off by default when the DSN asks for
// interpolateParams=true.
func cacheSize(dsn string) int {
	if cfg, err := mysql.ParseDSN(dsn); err == nil && cfg.InterpolateParams {
		return 0
	}
	return aiodriver.DefaultStmtCacheSize
}

func errorNumber(err error) (int, bool) {
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		return int(my.Number), true
	}
	return 0, false
}

// hasNumber reports whether err is a server error with one of numbers:
// 1615 "Prepared statement needs to be re-prepared", 1243 "Unknown
// prepared statement handler", 1317 "Query execution was interrupted"
// (KILL QUERY), 1969 MariaDB's max_statement_time.
func hasNumber(err error, numbers ...int) bool {
	n, ok := errorNumber(err)
	if !ok {
		return false
	}
	for _, want := range numbers {
		if n == want {
			return true
		}
	}
	return false
}
