package driver

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"

	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/internal/sqltext"
)

// DefaultStmtCacheSize is the number of prepared statements a connection
// keeps when the cache is on by default (aiopg, aiomysql, aiosqlite) or
// Options.StmtCacheSize is negative. With MySQL's default
// max_prepared_stmt_count (16382, server-wide) it allows 163 connections.
const DefaultStmtCacheSize = 100

// cachedStmt is a statement prepared on the inner connection and kept for
// later uses of the same SQL text. At most one rows object reads from it at
// a time: while rows are open on the connection the cache is bypassed.
type cachedStmt struct {
	query      string
	si         driver.Stmt
	prev, next *cachedStmt // LRU order; root.next is the most recent
	busy       bool        // rows from it are open
	dropped    bool        // out of the cache: close once its rows close
}

// stmtCache is a connection's LRU cache of prepared statements, keyed by
// SQL text. Like the connection, it is used by one goroutine at a time.
type stmtCache struct {
	max  int
	m    map[string]*cachedStmt
	root cachedStmt
	// seen holds statements without arguments used once: they are
	// prepared at their second use, so that one-off texts (values written
	// into the SQL) do not churn the cache.
	seen map[string]struct{}
}

func newStmtCache(max int) *stmtCache {
	sc := &stmtCache{max: max, m: make(map[string]*cachedStmt, min(max, 16))}
	sc.root.next, sc.root.prev = &sc.root, &sc.root
	return sc
}

func (sc *stmtCache) unlink(cs *cachedStmt) {
	cs.prev.next, cs.next.prev = cs.next, cs.prev
	cs.prev, cs.next = nil, nil
}

func (sc *stmtCache) pushFront(cs *cachedStmt) {
	cs.prev, cs.next = &sc.root, sc.root.next
	cs.prev.next, cs.next.prev = cs, cs
}

// get returns the statement for query, made the most recent, or nil.
func (sc *stmtCache) get(query string) *cachedStmt {
	cs := sc.m[query]
	if cs != nil && sc.root.next != cs {
		sc.unlink(cs)
		sc.pushFront(cs)
	}
	return cs
}

// add caches si for query and returns the least recent statements pushed
// out by it, already removed.
func (sc *stmtCache) add(query string, si driver.Stmt) (cs *cachedStmt, evicted []*cachedStmt) {
	cs = &cachedStmt{query: query, si: si}
	sc.m[query] = cs
	sc.pushFront(cs)
	for len(sc.m) > sc.max {
		old := sc.root.prev
		sc.remove(old)
		evicted = append(evicted, old)
	}
	return cs, evicted
}

// seenBefore reports whether query was seen by an earlier call, and
// remembers it otherwise (forgetting them all when max are remembered).
func (sc *stmtCache) seenBefore(query string) bool {
	if _, ok := sc.seen[query]; ok {
		delete(sc.seen, query)
		return true
	}
	if sc.seen == nil {
		sc.seen = make(map[string]struct{})
	} else if len(sc.seen) >= sc.max {
		clear(sc.seen)
	}
	sc.seen[query] = struct{}{}
	return false
}

// remove takes cs out of the cache; it does not close it.
func (sc *stmtCache) remove(cs *cachedStmt) {
	if cs.dropped {
		return
	}
	delete(sc.m, cs.query)
	sc.unlink(cs)
	cs.dropped = true
}

// removeAll takes every statement out and returns them, most recent first.
func (sc *stmtCache) removeAll() []*cachedStmt {
	all := make([]*cachedStmt, 0, len(sc.m))
	for cs := sc.root.next; cs != &sc.root; cs = cs.next {
		all = append(all, cs)
	}
	for _, cs := range all {
		sc.remove(cs)
	}
	return all
}

// useCache decides how a statement runs: cs != nil is a cached statement
// to run (a hit); use without cs means prepare and cache it (a miss); !use
// passes the statement to the inner connection as without the cache.
// Statements without arguments are cached only where Cache.NoArgs says
// so, from their second use. While rows are open on the connection the
// inner driver is left to deal with the second statement as it would
// without the wrapper.
func (c *conn) useCache(query string, nargs int) (cs *cachedStmt, use bool) {
	if c.openRows > 0 || nargs == 0 && !c.be.Cache.NoArgs {
		return nil, false
	}
	if cs := c.cache.get(query); cs != nil {
		return cs, true
	}
	if !cacheable(query) {
		return nil, false
	}
	return nil, nargs > 0 || c.cache.seenBefore(query)
}

// prepareCached prepares query on the inner connection and caches it,
// closing the statements it pushes out.
func (c *conn) prepareCached(ctx context.Context, query string) (*cachedStmt, error) {
	si, err := c.prepare(ctx, query)
	if err != nil {
		return nil, err
	}
	cs, evicted := c.cache.add(query, si)
	for _, old := range evicted {
		c.closeCached(old)
	}
	return cs, nil
}

// closeCached closes a statement taken out of the cache, or leaves that to
// the close of the rows reading from it.
func (c *conn) closeCached(cs *cachedStmt) {
	if cs.busy {
		return
	}
	cs.si.Close() // the statement is gone either way; nothing to report to
}

// dropStale takes cs out of the cache after the server refused it.
func (c *conn) dropStale(cs *cachedStmt) {
	c.cache.remove(cs)
	c.closeCached(cs)
}

// execCached runs an exec through the cache. hit reports whether it ran on
// a statement prepared by an earlier call.
func (c *conn) execCached(ctx context.Context, query string, args []driver.NamedValue) (res driver.Result, hit bool, err error) {
	cs, use := c.useCache(query, len(args))
	if !use {
		res, err = c.exec(ctx, query, args)
		if err == nil {
			c.afterPassThrough(query)
		}
		return res, false, err
	}
	hit = cs != nil
	if !hit {
		if cs, err = c.prepareCached(ctx, query); err != nil {
			return nil, false, err
		}
	}
	if err := checkNumInput(cs.si, args); err != nil {
		return nil, hit, err
	}
	res, err = stmtExec(ctx, cs.si, args)
	if err != nil && hit && c.staleStmt(err) {
		c.dropStale(cs)
		if c.inTx {
			return nil, true, err
		}
		if cs, err = c.prepareCached(ctx, query); err != nil {
			return nil, false, err
		}
		res, err = stmtExec(ctx, cs.si, args)
		hit = false
	}
	return res, hit, err
}

// queryCached runs a query through the cache; see execCached. cs is the
// cached statement the rows read from, si a statement prepared for the
// rows alone (the driver.ErrSkip path), to close with them.
func (c *conn) queryCached(ctx context.Context, query string, args []driver.NamedValue) (ri driver.Rows, si driver.Stmt, cs *cachedStmt, hit bool, err error) {
	cs, use := c.useCache(query, len(args))
	if !use {
		ri, si, err = c.query(ctx, query, args)
		if err == nil {
			c.afterPassThrough(query)
		}
		return ri, si, nil, false, err
	}
	hit = cs != nil
	if !hit {
		if cs, err = c.prepareCached(ctx, query); err != nil {
			return nil, nil, nil, false, err
		}
	}
	if err := checkNumInput(cs.si, args); err != nil {
		return nil, nil, nil, hit, err
	}
	ri, err = stmtQuery(ctx, cs.si, args)
	if err != nil && hit && c.staleStmt(err) {
		c.dropStale(cs)
		if c.inTx {
			return nil, nil, nil, true, err
		}
		if cs, err = c.prepareCached(ctx, query); err != nil {
			return nil, nil, nil, false, err
		}
		ri, err = stmtQuery(ctx, cs.si, args)
		hit = false
	}
	if err != nil {
		return nil, nil, nil, hit, err
	}
	return ri, nil, cs, hit, nil
}

// afterPassThrough forgets the cached statements when a statement that
// went past the cache deallocated them all on the server (PostgreSQL's
// DISCARD ALL and DEALLOCATE [PREPARE] ALL), so that they are prepared
// again rather than failing once inside a transaction.
func (c *conn) afterPassThrough(query string) {
	if len(c.cache.m) == 0 || c.opts.Dialect == DialectMySQL || c.opts.Dialect == DialectSQLite {
		return
	}
	if !deallocatesAll(query) {
		return
	}
	for _, cs := range c.cache.removeAll() {
		if !cs.busy {
			cs.si = nil // gone on the server: nothing to close
		}
	}
}

// deallocatesAll recognises DISCARD ALL and DEALLOCATE [PREPARE] ALL.
func deallocatesAll(query string) bool {
	w, rest := sqltext.FirstWord(query)
	switch {
	case sqltext.EqualFold(w, "discard"):
	case sqltext.EqualFold(w, "deallocate"):
		if w2, r2 := sqltext.FirstWord(rest); sqltext.EqualFold(w2, "prepare") {
			rest = r2
		}
	default:
		return false
	}
	w, _ = sqltext.FirstWord(rest)
	return sqltext.EqualFold(w, "all")
}

// execWithCache is ExecContext when the connection has a cache.
func (c *conn) execWithCache(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	h := c.opts.Hooks
	if h == nil {
		res, _, err := c.execCached(ctx, query, args)
		return res, err
	}
	kind, name := classifyTx(query)
	hctx, ev := c.start(ctx, hooks.StmtExec, query, args)
	res, hit, err := c.execCached(hctx, query, args)
	n := int64(-1)
	if err == nil {
		if ra, raErr := res.RowsAffected(); raErr == nil {
			n = ra
		}
	}
	ev.Cached = hit
	c.end(hctx, ev, n, err)
	if kind != 0 {
		h.OnTx(ctx, &hooks.TxEvent{ConnID: c.id, Driver: c.opts.Name, Kind: kind, Name: name, Duration: ev.Duration, Err: err, Async: ev.Async})
	}
	return res, err
}

// queryWithCache is QueryContext when the connection has a cache. Every
// rows it returns is counted in openRows until closed.
func (c *conn) queryWithCache(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	var ev *hooks.StatementEvent
	hctx := ctx
	if c.opts.Hooks != nil {
		hctx, ev = c.start(ctx, hooks.StmtQuery, query, args)
	}
	ri, si, cs, hit, err := c.queryCached(hctx, query, args)
	if ev != nil {
		ev.Cached = hit
	}
	if err != nil {
		if ev != nil {
			c.end(hctx, ev, -1, err)
		}
		return nil, err
	}
	return c.trackRows(&rows{inner: ri, stmt: si, c: c, ev: ev, ctx: hctx}, cs), nil
}

// trackRows counts r as open on the connection, and cs (when not nil) as
// busy, until r closes.
func (c *conn) trackRows(r *rows, cs *cachedStmt) *rows {
	r.c = c
	r.tracked = true
	r.cs = cs
	c.openRows++
	if cs != nil {
		cs.busy = true
	}
	return r
}

// rowsClosed undoes trackRows and closes the statement of the rows when it
// left the cache while they were open.
func (c *conn) rowsClosed(cs *cachedStmt) {
	c.openRows--
	if cs == nil {
		return
	}
	cs.busy = false
	if cs.dropped && cs.si != nil {
		cs.si.Close()
		cs.si = nil
	}
}

// closeCache empties the cache when the connection closes. For network
// drivers (Cache.ServerStatements: the server frees a session's statements
// when it ends) the statements are not closed one by one; a statement
// whose rows are still open is closed with them.
func (c *conn) closeCache() {
	for _, cs := range c.cache.removeAll() {
		if cs.busy {
			continue
		}
		if !c.be.Cache.ServerStatements {
			cs.si.Close()
		}
		cs.si = nil
	}
}

// staleStmt reports whether err says that the server no longer accepts a
// prepared statement, though preparing the same text again would work:
// PostgreSQL's "cached plan must not change result type" (SQLSTATE 0A000,
// after a schema change altered the statement's result columns) and
// "prepared statement ... does not exist" (26000, after DISCARD or
// DEALLOCATE), or what the Backend's StaleStatement says (MySQL's 1615
// and 1243).
func (c *conn) staleStmt(err error) bool {
	var st interface{ SQLState() string } // *pq.Error, *pgconn.PgError
	if errors.As(err, &st) {
		switch st.SQLState() {
		case "0A000": // feature_not_supported has other causes too
			return strings.Contains(err.Error(), "cached plan must not change result type")
		case "26000": // invalid_sql_statement_name
			return true
		}
	}
	return c.be.StaleStatement != nil && c.be.StaleStatement(err)
}

// cacheable reports whether query may be kept prepared: a single statement
// (no ';' but a trailing one) whose first keyword, after whitespace and
// comments, is SELECT, INSERT, UPDATE, DELETE, WITH, VALUES or REPLACE.
// DDL, SET, LISTEN, COPY, transaction control and anything else is passed
// through: preparing them gains nothing, and some change the session.
// When in doubt it answers false; passing a statement through is always
// correct.
func cacheable(query string) bool {
	w, rest := sqltext.FirstWord(query)
	switch len(w) {
	case 4:
		if !sqltext.EqualFold(w, "with") {
			return false
		}
	case 6:
		if !sqltext.EqualFold(w, "select") && !sqltext.EqualFold(w, "insert") &&
			!sqltext.EqualFold(w, "update") && !sqltext.EqualFold(w, "delete") &&
			!sqltext.EqualFold(w, "values") {
			return false
		}
	case 7:
		if !sqltext.EqualFold(w, "replace") {
			return false
		}
	default:
		return false
	}
	return sqltext.SingleStatement(rest)
}
