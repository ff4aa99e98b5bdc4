package migrate_test

import (
	"testing"

	"github.com/aiodb/aiodb/internal/leakcheck"
)

// TestMain fails the run when a goroutine started by the tests is still
// running after them.
func TestMain(m *testing.M) { leakcheck.Main(m) }
