package main

import (
	"testing"

	"github.com/aiodb/aiodb/internal/leakcheck"
)

// TestMain fails the run when a goroutine started by the tests (an
// *sql.DB never closed, a Manager worker never stopped) is still running
// after them.
func TestMain(m *testing.M) { leakcheck.Main(m) }
