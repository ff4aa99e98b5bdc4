package driver_test

// The drivers the tests open by name ("aiopg", ...), registered for the
// internal tests too: they are linked into the same test binary.
import _ "github.com/aiodb/aiodb/driver/all"
