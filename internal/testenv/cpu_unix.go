//go:build unix

package testenv

import "syscall"

// ProcessCPU returns the CPU time (user and system) the process has used,
// in ns, or -1 when the system does not tell. Benchmarks report its growth
// per operation as the client's own cost: unlike the time per operation it
// leaves out the server and the waits, which on a busy machine vary far
// more than the client does. It counts the whole process (the GC's workers
// and the drivers' goroutines too).
func ProcessCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
