package driver

import (
	"context"
	"runtime"
	"strconv"
	"strings"

	"github.com/aiodb/aiodb/hooks"
)

// Packages whose frames are not "the caller" of a sync call. Frames in
// *_test.go files always are, so the package's own tests see themselves.
var internalPackages = [...]string{
	"database/sql",
	"github.com/aiodb/aiodb/driver",
	"github.com/aiodb/aiodb/aio",
	"github.com/aiodb/aiodb/orm",
}

// frameInfo is what the guard learns from the stack of a sync call.
type frameInfo struct {
	caller string // file:line of the first frame outside internalPackages
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
	for {
		f, more := frames.Next()
		internal := false
		if !strings.HasSuffix(f.File, "_test.go") {
			for _, p := range internalPackages {
				if inPackage(f.Function, p) {
					internal = true
					break
				}
			}
		}
		if inPackage(f.Function, "database/sql") {
			fi.viaSQL = true
			if safeFn != "" && f.Function == safeFn {
				fi.safe = true
			}
		}
		if !internal && fi.caller == "" && f.Function != "" {
			fi.caller = f.File + ":" + strconv.Itoa(f.Line)
			// database/sql's frames sit between the driver and the
			// caller, so they have all been seen.
			break
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
	return c.violation(ctx, mode, op, query, safeFn)
}

// violation is the slow path of guard, kept apart so guard stays small.
func (c *conn) violation(ctx context.Context, mode SyncMode, op, query, safeFn string) (*SyncCallError, bool) {
	fi := inspectStack(safeFn)
	if h := c.opts.Hooks; h != nil {
		h.OnSyncViolation(ctx, &hooks.SyncViolation{ConnID: c.id, Op: op, SQL: query, Caller: fi.caller, Mode: mode.String()})
	}
	if mode == SyncWarn {
		c.opts.logger().WarnContext(ctx, "aiodb: sync call",
			"op", op, "sql", query, "caller", fi.caller, "driver", c.opts.Name, "conn_id", c.id)
		return nil, false
	}
	if mode != SyncError && mode != SyncPanic {
		// An out-of-range mode fails closed, as SyncError.
		mode = SyncError
	}
	e := &SyncCallError{Op: op, SQL: query, Caller: fi.caller, Mode: mode}
	return e, mode == SyncPanic && (fi.safe || !fi.viaSQL)
}
