package benchmarks

// The aiodb drivers the benchmarks open by name ("aiopgx", ...).
import _ "github.com/aiodb/aiodb/driver/all"
