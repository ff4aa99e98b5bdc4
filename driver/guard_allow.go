package driver

import (
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
)

// allowedFrom holds the packages whose sync calls pass the guard (see
// AllowSyncFrom); nil or empty costs the guard nothing. Copied on write.
var allowedFrom atomic.Pointer[[]string]

// AllowSyncFrom lets sync calls made through the given packages (import
// paths, covering their subpackages) pass the guard under every mode, as
// if their context were marked aio.AllowSync: for a library that runs
// statements with a context of its own making, such as a migration tool
// (goose's legacy API, golang-migrate) or an ORM's startup probe, on the
// same strict pool as the rest of the program. A call passes when any
// frame of its stack is in one of the packages, so code that calls such a
// library is covered by it; code that calls database/sql itself is
// guarded as before. It is safe to call at any time, usually from main or
// an init function, and the allowance lasts for the process. The guard
// walks the stack only for a call it would otherwise warn about or refuse.
func AllowSyncFrom(pkgs ...string) {
	skippedMu.Lock()
	defer skippedMu.Unlock()
	var next []string
	if cur := allowedFrom.Load(); cur != nil {
		next = slices.Clone(*cur)
	}
	for _, p := range pkgs {
		p = strings.TrimSuffix(p, "/")
		if p != "" && !slices.Contains(next, p) {
			next = append(next, p)
		}
	}
	allowedFrom.Store(&next)
}

// calledFromAllowed reports whether the stack has a frame in a package of
// AllowSyncFrom.
func calledFromAllowed() bool {
	allowed := allowedFrom.Load()
	if allowed == nil || len(*allowed) == 0 {
		return false
	}
	pcs := make([]uintptr, 128)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		for _, p := range *allowed {
			if inPackage(f.Function, p) {
				return true
			}
		}
		if !more {
			return false
		}
	}
}
