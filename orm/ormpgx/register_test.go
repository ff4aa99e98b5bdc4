package ormpgx_test

// aiosqlite, for the tests of a DB on database/sql.
import _ "github.com/aiodb/aiodb/driver/sqlite"
