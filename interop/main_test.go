package interop_test

import (
	"testing"

	"github.com/aiodb/aiodb/internal/leakcheck"
)

// TestMain fails the run when a goroutine the tests started (an *sql.DB
// never closed, a library's worker) is still running after them.
func TestMain(m *testing.M) { leakcheck.Main(m) }
