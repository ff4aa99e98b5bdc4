package driver

import (
	"errors"
	"fmt"
	"strings"
)

// SyncMode decides what the guard does with a sync call: a statement whose
// context was marked neither async (package aio) nor AllowSync.
type SyncMode uint8

const (
	// SyncAllow runs sync calls. It is the default.
	SyncAllow SyncMode = iota
	// SyncWarn runs sync calls, logs the SQL and the caller's file:line
	// through log/slog and fires the hook's OnSyncViolation.
	SyncWarn
	// SyncError fails sync calls with an error matching ErrSyncCall;
	// nothing is sent to the server.
	SyncError
	// SyncPanic panics with a *SyncCallError; nothing is sent to the server.
	SyncPanic
)

var syncModeNames = [...]string{"allow", "warn", "error", "panic"}

// String returns the mode's aio_sync value ("allow", "warn", "error",
// "panic"), or SyncMode(n) for a value outside them.
func (m SyncMode) String() string {
	if int(m) < len(syncModeNames) {
		return syncModeNames[m]
	}
	return fmt.Sprintf("SyncMode(%d)", m)
}

// ParseSyncMode parses the value of the aio_sync DSN option.
func ParseSyncMode(s string) (SyncMode, error) {
	for i, name := range syncModeNames {
		if strings.EqualFold(s, name) {
			return SyncMode(i), nil
		}
	}
	return 0, fmt.Errorf("aiodb: aio_sync=%q: want allow, warn, error or panic", s)
}

// ErrSyncCall matches (with errors.Is) the error of a sync call rejected by
// the guard.
var ErrSyncCall = errors.New("aiodb: sync call")

// SyncCallError is the error of a rejected sync call, and the value of the
// panic under SyncPanic.
type SyncCallError struct {
	Op     string   // "query", "exec", "prepare" or "begin"
	SQL    string   // the statement, empty for begin
	Caller string   // file:line of the caller outside database/sql and aiodb
	Mode   SyncMode // SyncError or SyncPanic
}

// Error describes the refused call: its operation, the mode, the caller
// and the SQL.
func (e *SyncCallError) Error() string {
	var b strings.Builder
	b.WriteString("aiodb: sync call (")
	b.WriteString(e.Op)
	b.WriteString(") under aio_sync=")
	b.WriteString(e.Mode.String())
	if e.Caller != "" {
		b.WriteString(" at ")
		b.WriteString(e.Caller)
	}
	if e.SQL != "" {
		b.WriteString(": ")
		b.WriteString(e.SQL)
	}
	b.WriteString("; use an aio context or aio.AllowSync(ctx)")
	return b.String()
}

// Is makes errors.Is(err, ErrSyncCall) true.
func (e *SyncCallError) Is(target error) bool { return target == ErrSyncCall }
