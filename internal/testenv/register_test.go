package testenv

// The drivers the tests open by name ("aiosqlite", ...).
import _ "github.com/aiodb/aiodb/driver/all"
