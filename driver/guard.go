package driver

import (
	"context"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aiodb/aiodb/hooks"
)

// skipped holds the packages whose frames are not "the caller" of a sync
// call: database/sql, this package, and those SkipCallerPackages added.
// Frames in *_test.go files always are callers, so a package's own tests
// see themselves. Copied on write: the guard reads it without a lock.
var (
	skipped   atomic.Pointer[[]string]
	skippedMu sync.Mutex
)

func init() {
	skipped.Store(&[]string{"database/sql", "github.com/aiodb/aiodb/driver"})
	SkipCallerPackages(knownLibraries...) // guard_libraries.go
}

// SkipCallerPackages adds import paths whose frames the guard passes over
// when it names the caller of a sync call (SyncCallError.Caller, the warn
// log line, hooks.SyncViolation.Caller); a path covers its subpackages.
// aiodb's own packages above this one (aio, orm) add themselves when they
// are imported; add the libraries through which your code reaches
// database/sql (an ORM, a query builder, a migration tool) so that the
// report names your line rather than theirs. It is safe to call at any
// time, though usually from an init function.
func SkipCallerPackages(pkgs ...string) {
	skippedMu.Lock()
	defer skippedMu.Unlock()
	next := slices.Clone(*skipped.Load())
	for _, p := range pkgs {
		p = strings.TrimSuffix(p, "/")
		if p != "" && !slices.Contains(next, p) {
			next = append(next, p)
		}
	}
	skipped.Store(&next)
}

// frameInfo is what the guard learns from the stack of a sync call.
type frameInfo struct {
	caller string // file:line of the first frame outside the skipped packages
	// viaSQL: database/sql is on the stack; safe: the database/sql
	// function that called the driver releases the connection in a defer
	// (execDC, prepareDC), so a panic cannot leak it.
	viaSQL, safe bool
}

func inPackage(fn, pkg string) bool {
	if !strings.HasPrefix(fn, pkg) {
		return false
	}
	rest := fn[len(pkg):]
	return strings.HasPrefix(rest, ".") || (pkg != "database/sql" && strings.HasPrefix(rest, "/"))
}

// inspectStack walks the stack above the driver. safeFn names the
// database/sql function (e.g. "database/sql.(*DB).execDC") whose presence
// makes a panic safe; "" for none.
func inspectStack(safeFn string) frameInfo {
	var fi frameInfo
	pcs := make([]uintptr, 64)
	for {
		n := runtime.Callers(3, pcs)
		if n < len(pcs) {
			pcs = pcs[:n]
			break
		}
		pcs = make([]uintptr, 2*len(pcs))
	}
	frames := runtime.CallersFrames(pcs)
	skip := *skipped.Load()
	for {
		f, more := frames.Next()
		internal := false
		if !strings.HasSuffix(f.File, "_test.go") {
			for _, p := range skip {
				if inPackage(f.Function, p) {
					internal = true
					break
				}
			}
		}
		if inPackage(f.Function, "database/sql") {
			if !fi.viaSQL {
				// Frames seen before database/sql's are a driver
				// wrapping this one (a tracer): not the caller.
				fi.caller = ""
			}
			fi.viaSQL = true
			if safeFn != "" && f.Function == safeFn {
				fi.safe = true
			}
		}
		if !internal && fi.caller == "" && f.Function != "" {
			fi.caller = f.File + ":" + strconv.Itoa(f.Line)
			if fi.viaSQL {
				// database/sql's frames sit between the driver and the
				// caller, so they have all been seen.
				break
			}
			// Without database/sql yet, this may be a wrapping driver:
			// walk on, so that viaSQL (and panic safety) is right.
		}
		if !more {
			break
		}
	}
	return fi
}

// Operations named in sync-call errors, events and log lines.
const (
	opQuery   = "query"
	opExec    = "exec"
	opPrepare = "prepare"
	opBegin   = "begin"
)

// The database/sql functions that release the connection in a defer.
const (
	sqlExecDC    = "database/sql.(*DB).execDC"
	sqlPrepareDC = "database/sql.(*DB).prepareDC"
)

// Check is the guard's decision on a call with ctx under mode, for the
// layers above the driver that must decide before database/sql takes a
// connection (package orm checks BEGIN under SyncPanic with it, since a
// driver that panics inside BeginTx leaks the connection). It returns nil
// when the call may run: mode is SyncAllow or SyncWarn (the driver warns
// when the statement runs), ctx is async or allowed, or the call comes
// through a package of AllowSyncFrom. Otherwise it
// returns the *SyncCallError the driver would raise, naming the caller.
// It fires no hook and logs nothing: the driver does that when it sees
// the call.
func Check(ctx context.Context, mode SyncMode, op, query string) error {
	if mode == SyncAllow || mode == SyncWarn || passesGuard(ctx) || calledFromAllowed() {
		return nil
	}
	if mode != SyncPanic {
		mode = SyncError // an out-of-range mode fails closed, as in guard
	}
	return &SyncCallError{Op: op, SQL: query, Caller: inspectStack("").caller, Mode: mode}
}

// Guard is the sync guard for statements sent without database/sql (the
// ORM's engines, such as orm/ormpgx on a pgx pool), under opts' mode,
// hooks and logger; the engine calls it before it sends anything or takes
// a connection. op is one of "query", "exec", "begin". It returns nil when
// the call may run: the mode is SyncAllow, ctx is async or allowed, the
// call comes through a package of AllowSyncFrom, or the mode is SyncWarn
// (after the warning is logged and Hooks.OnSyncViolation fired, with
// ConnID 0: no connection is taken yet). Under SyncError it returns the
// *SyncCallError, matching ErrSyncCall, after OnSyncViolation; under
// SyncPanic it panics with it, which leaks nothing since nothing is held.
func Guard(ctx context.Context, opts *Options, op, query string) error {
	mode := opts.Sync
	if mode == SyncAllow || passesGuard(ctx) {
		return nil
	}
	e, panicNow := violation(ctx, opts, 0, mode, op, query, "")
	if e == nil {
		return nil
	}
	if panicNow {
		panic(e)
	}
	return e
}

// guard decides on a statement under the sync guard. It returns nil when
// the statement may run (mode allow, a marked context, or warn after the
// warning), otherwise the *SyncCallError to return or panic with; panic
// tells whether panicking is both asked for and safe here: database/sql is
// not on the stack, or safeFn is.
func (c *conn) guard(ctx context.Context, op, query, safeFn string) (e *SyncCallError, panicNow bool) {
	mode := c.opts.Sync
	if mode == SyncAllow || passesGuard(ctx) {
		return nil, false
	}
	return violation(ctx, c.opts, c.id, mode, op, query, safeFn)
}

// violation is the slow path of guard, kept apart so guard stays small.
func violation(ctx context.Context, opts *Options, connID uint64, mode SyncMode, op, query, safeFn string) (*SyncCallError, bool) {
	if calledFromAllowed() {
		return nil, false // AllowSyncFrom
	}
	fi := inspectStack(safeFn)
	if h := opts.Hooks; h != nil {
		h.OnSyncViolation(ctx, &hooks.SyncViolation{ConnID: connID, Op: op, SQL: query, Caller: fi.caller, Mode: mode.String()})
	}
	if mode == SyncWarn {
		opts.logger().WarnContext(ctx, "aiodb: sync call",
			"op", op, "sql", query, "caller", fi.caller, "driver", opts.Name, "conn_id", connID)
		return nil, false
	}
	if mode != SyncError && mode != SyncPanic {
		// An out-of-range mode fails closed, as SyncError.
		mode = SyncError
	}
	e := &SyncCallError{Op: op, SQL: query, Caller: fi.caller, Mode: mode}
	return e, mode == SyncPanic && (fi.safe || !fi.viaSQL)
}
