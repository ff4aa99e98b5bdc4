// Package all registers every driver of aiodb with database/sql when it
// is imported: "aiopg" (lib/pq), "aiopgx" (pgx), "aiomysql"
// (go-sql-driver/mysql) and "aiosqlite" (modernc.org/sqlite).
//
//	import _ "github.com/aiodb/aiodb/driver/all"
//
// A program that uses one database imports that driver's package instead
// (driver/pg, driver/pgx, driver/mysql, driver/sqlite), so that its
// binary carries that driver alone.
package all

import (
	_ "github.com/aiodb/aiodb/driver/mysql"
	_ "github.com/aiodb/aiodb/driver/pg"
	_ "github.com/aiodb/aiodb/driver/pgx"
	_ "github.com/aiodb/aiodb/driver/sqlite"
)
