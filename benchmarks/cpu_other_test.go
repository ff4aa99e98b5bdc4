//go:build !unix

package benchmarks

// cpuTime returns -1: without getrusage the benchmarks report no
// cpu-ns/op.
func cpuTime() int64 { return -1 }
