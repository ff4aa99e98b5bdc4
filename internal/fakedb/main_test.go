package fakedb_test

import (
	"testing"

	"github.com/aiodb/aiodb/internal/leakcheck"
)

// TestMain fails the run when a goroutine started by the tests (a worker,
// an unread result, an *sql.DB never closed) is still running after them.
func TestMain(m *testing.M) { leakcheck.Main(m) }
