package route

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/sqltext"
)

// Gate is the switch of a replica pool's connector: Shut stops new
// connections and Reopen allows them again; each reports whether it
// changed the state. orm's Manager.Close and Connect use it.
type Gate interface {
	Shut() bool
	Reopen() bool
}

// replica is one replica's pool and health.
type replica struct {
	db   *sql.DB
	gate Gate
	// downUntil is when a replica whose connection failed may be tried
	// again (Unix nanoseconds); 0 while it is healthy.
	downUntil atomic.Int64
}

// Set routes reads among the replicas; it is the executor orm uses for a
// read outside a transaction.
type Set struct {
	primary  *sql.DB
	list     []*replica
	next     atomic.Uint32
	cooldown time.Duration
	connLost func(error) bool // the dialect's IsConnLost, or nil
	cons     *Consistency     // ReadYourWrites, StickyPrimary; nil without
}

// QueryContext runs a read on the next healthy replica, on the following
// one when that one's connection fails, and on the primary when none is
// left.
func (s *Set) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, _, err := s.Query(ctx, query, args)
	return rows, err
}

// Server is the server that answered a read (the zero Server for the
// primary), so that a read whose connection breaks while its rows are
// read can be run again elsewhere: see Failed.
type Server struct{ r *replica }

// Query is QueryContext, also saying which server the rows come from.
func (s *Set) Query(ctx context.Context, query string, args []any) (*sql.Rows, Server, error) {
	if s.cons != nil { // ReadYourWrites, StickyPrimary
		if rows, r, done, err := s.consistentQuery(ctx, query, args); done {
			return rows, Server{r}, err
		}
	}
	n := uint32(len(s.list))
	start := s.next.Add(1) - 1
	now := time.Now().UnixNano()
	for i := range n {
		r := s.list[(start+i)%n]
		if !r.available(now, s.cooldown) {
			continue
		}
		rows, err := r.db.QueryContext(ctx, query, args...)
		if err == nil {
			r.downUntil.Store(0)
			return rows, Server{r}, nil
		}
		if !s.lost(ctx, err) {
			return nil, Server{}, err
		}
		r.markDown(s.cooldown)
	}
	rows, err := s.primary.QueryContext(ctx, query, args...)
	return rows, Server{}, err
}

// Failed is called with the error met while reading the rows of a read
// that srv answered. It reports whether the replica's connection broke
// (the server shut down in the middle of the result, say): the replica
// is then put in its cooldown, and the read, run again from its first
// row, goes to the next server. It is false for the primary (the zero
// Server), for an error of the statement, and once ctx is done.
func (s *Set) Failed(ctx context.Context, srv Server, err error) bool {
	if srv.r == nil || !s.lost(ctx, err) {
		return false
	}
	srv.r.markDown(s.cooldown)
	return true
}

// Tries is how many times a read may be run: once on each replica, then
// on the primary.
func (s *Set) Tries() int { return len(s.list) + 1 }

// lost reports whether err is a broken replica connection that makes a
// read worth trying on another server.
func (s *Set) lost(ctx context.Context, err error) bool {
	return ctx.Err() == nil && (isConnError(err) || s.connLost != nil && s.connLost(err))
}

// markDown starts r's cooldown.
func (r *replica) markDown(cooldown time.Duration) {
	r.downUntil.Store(time.Now().Add(cooldown).UnixNano())
}

// available reports whether r may take a read now. Once the cooldown of a
// failed replica is over, only the first caller gets it, as a probe; the
// others keep skipping it until the probe succeeds.
func (r *replica) available(now int64, cooldown time.Duration) bool {
	d := r.downUntil.Load()
	if d == 0 {
		return true
	}
	return now >= d && r.downUntil.CompareAndSwap(d, now+int64(cooldown))
}

// ExecContext runs on the primary: replicas take reads only.
func (s *Set) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.primary.ExecContext(ctx, query, args...)
}

// QueryRowContext runs on the primary: its error shows only at Scan, too
// late to try another replica.
func (s *Set) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return s.primary.QueryRowContext(ctx, query, args...)
}

// isConnError reports whether err means the server could not be reached
// or the connection broke, as opposed to an error of the statement. A
// read is safe to run again elsewhere even when it reached the server
// (driver.ErrConnLost).
func isConnError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, sqldriver.ErrBadConn) || errors.Is(err, driver.ErrConnLost) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// IsRead reports whether query is a SELECT that neither locks rows
// nor writes into a table or file. Quoted text and comments are skipped,
// so a column named "into" does not count; text the lexer cannot vouch
// for (an unterminated quote, a backslash in quotes) goes to the primary.
func IsRead(query string) bool {
	// A statement that starts with a comment, or holds one of MySQL's
	// executable comments (/*! ... */, run as SQL), goes to the primary.
	if t := strings.TrimLeft(query, " \t\r\n("); t == "" || !sqltext.IsWordByte(t[0]) || strings.Contains(query, "/*!") {
		return false
	}
	l := sqltext.New(query)
	first := l.Next()
	for first.Text == "(" {
		first = l.Next()
	}
	if first.Kind != sqltext.Word || !sqltext.EqualFold(first.Text, "SELECT") {
		return false
	}
	prev := ""
	for {
		t := l.Next()
		switch t.Kind {
		case sqltext.EOF:
			return true
		case sqltext.Invalid:
			return false
		case sqltext.Semicolon:
			// Only trailing ones: a second statement could write.
			for t = l.Next(); t.Kind == sqltext.Semicolon; t = l.Next() {
			}
			return t.Kind == sqltext.EOF
		case sqltext.Word:
			w := t.Text
			switch {
			case sqltext.EqualFold(w, "INTO"):
				return false
			case sqltext.EqualFold(prev, "FOR") && (sqltext.EqualFold(w, "UPDATE") || sqltext.EqualFold(w, "SHARE") || sqltext.EqualFold(w, "NO") || sqltext.EqualFold(w, "KEY")):
				return false
			case sqltext.EqualFold(prev, "LOCK") && sqltext.EqualFold(w, "IN"):
				return false
			}
			prev = w
		default:
			prev = ""
		}
	}
}

// Close closes every replica pool.
func (s *Set) Close() error {
	var errs []error
	for _, r := range s.list {
		errs = append(errs, r.db.Close())
	}
	if s.cons != nil {
		errs = append(errs, s.cons.close())
	}
	return errors.Join(errs...)
}

// Suspend shuts the replicas' gates and closes their idle connections,
// for Manager.Close.
func (s *Set) Suspend() {
	for _, r := range s.list {
		if r.gate.Shut() {
			r.db.SetMaxIdleConns(-1)
		}
	}
	if s.cons != nil {
		s.cons.suspend()
	}
}

// Resume reopens the replicas' gates and pings them, for Manager.Connect.
// A replica that does not answer is marked down rather than failing
// Connect: reads go elsewhere meanwhile.
func (s *Set) Resume(ctx context.Context, idle int) {
	if s.cons != nil {
		s.cons.resume(idle)
	}
	for _, r := range s.list {
		if r.gate.Reopen() {
			r.db.SetMaxIdleConns(idle)
		}
		if err := r.db.PingContext(ctx); err != nil && ctx.Err() == nil {
			r.downUntil.Store(time.Now().Add(s.cooldown).UnixNano())
		} else if err == nil {
			r.downUntil.Store(0)
		}
	}
}

// New returns a Set that falls back to primary. cooldown is how long a
// replica whose connection failed is skipped; connLost, when not nil, is
// the dialect's test for a lost connection.
func New(primary *sql.DB, cooldown time.Duration, connLost func(error) bool) *Set {
	return &Set{primary: primary, cooldown: cooldown, connLost: connLost}
}

// Add adds a replica pool and its connector's gate.
func (s *Set) Add(db *sql.DB, gate Gate) { s.list = append(s.list, &replica{db: db, gate: gate}) }

// DBs returns the replicas' pools in the order they were added.
func (s *Set) DBs() []*sql.DB {
	out := make([]*sql.DB, len(s.list))
	for i, r := range s.list {
		out[i] = r.db
	}
	return out
}
