package driver_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	aiodriver "github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/internal/testenv"
)

// stmtLog records the statement events of the COPY, LISTEN and batch
// tests: each start and each end, in order.
type stmtLog struct {
	hooks.Base
	mu         sync.Mutex
	log        []string // "start SQL" and "end SQL rows err"
	ends       []hooks.StatementEvent
	violations int
}

func (h *stmtLog) OnStatementStart(ctx context.Context, e *hooks.StatementEvent) context.Context {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log = append(h.log, "start "+e.SQL)
	return ctx
}

func (h *stmtLog) OnStatementEnd(_ context.Context, e *hooks.StatementEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log = append(h.log, fmt.Sprintf("end %s %d %v", e.SQL, e.Rows, e.Err))
	h.ends = append(h.ends, *e)
}

func (h *stmtLog) OnSyncViolation(context.Context, *hooks.SyncViolation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.violations++
}

// reset forgets what was recorded so far.
func (h *stmtLog) reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log, h.ends, h.violations = nil, nil, 0
}

func (h *stmtLog) endEvents() []hooks.StatementEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hooks.StatementEvent(nil), h.ends...)
}

func (h *stmtLog) lines() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.log...)
}

// pgDrivers are the two PostgreSQL drivers the COPY, LISTEN and batch
// tests run on.
var pgDrivers = []string{"aiopg", "aiopgx"}

// openStrictPG opens driver name on the test PostgreSQL server with the
// guard in error mode and h as its hooks.
func openStrictPG(t *testing.T, name string, h hooks.Hook) *sql.DB {
	t.Helper()
	dsn := testenv.PostgresDSN(t)
	return openDB(t, name, dsn, func(o *aiodriver.Options) {
		o.Sync = aiodriver.SyncError
		o.Hooks = h
	})
}

// cpTable returns a table name unique to the test, with the cp_ prefix.
func cpTable() string { return fmt.Sprintf("cp_%d_%d", rand.Uint32(), tableSeq.Add(1)) }
