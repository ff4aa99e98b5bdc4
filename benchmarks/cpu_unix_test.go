//go:build unix

package benchmarks

import "syscall"

// cpuTime returns the CPU time (user and system) the process has used, in
// ns. Reported per operation as cpu-ns/op, it is the client's own cost on a
// real server: unlike the time per operation it leaves out the server and
// the waits, which on a busy machine vary far more than the client does.
// It counts the whole process (the GC's workers and the drivers'
// goroutines too) and the few setup steps an operation runs before b.Loop.
// It returns -1 when the system does not tell.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
