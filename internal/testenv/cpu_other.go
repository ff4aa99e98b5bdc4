//go:build !unix

package testenv

// ProcessCPU returns -1: without getrusage benchmarks report no CPU time.
func ProcessCPU() int64 { return -1 }
