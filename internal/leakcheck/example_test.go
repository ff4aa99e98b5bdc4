package leakcheck_test

import (
	"fmt"
	"time"

	"github.com/aiodb/aiodb/internal/leakcheck"
)

// A test package calls leakcheck.Main from TestMain; Take and Leaked check
// one piece of code.
func ExampleLeaked() {
	before := leakcheck.Take()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { defer close(done); <-stop }()

	fmt.Println("while it runs:", len(leakcheck.Leaked(before, 10*time.Millisecond)))
	close(stop)
	<-done
	fmt.Println("after it ended:", len(leakcheck.Leaked(before, time.Second)))
	// Output:
	// while it runs: 1
	// after it ended: 0
}
