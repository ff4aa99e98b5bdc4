package driver

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/aiodb/aiodb/hooks"
)

// Driver is a guarded database/sql driver: it wraps an inner driver and
// adds the sync guard and the hooks to every connection it opens. Make one
// with Wrap; the drivers Register registers (aiopg, ...) are Drivers too.
type Driver struct {
	inner driver.Driver
	opts  Options
	be    *Backend // what Register was given; noBackend for Wrap
}

var (
	_ driver.Driver        = (*Driver)(nil)
	_ driver.DriverContext = (*Driver)(nil)
)

// Wrap returns a guarded driver around inner, for sql.Register or for
// sql.OpenDB through its OpenConnector. opts are the defaults of every
// connection; aio_* options in a DSN passed to Open or OpenConnector
// override them. Wrap panics if inner is nil.
func Wrap(inner driver.Driver, opts Options) *Driver {
	if inner == nil {
		panic("aiodb: driver.Wrap: inner driver is nil")
	}
	return &Driver{inner: inner, opts: opts, be: wrappedBackend(inner)}
}

// Options returns the options the driver was made with (not those of a
// particular DSN).
func (d *Driver) Options() Options { return d.opts }

// Dialect returns Options.Dialect, which DialectOf reports.
func (d *Driver) Dialect() string { return d.opts.Dialect }

// Unwrap returns the inner driver.
func (d *Driver) Unwrap() driver.Driver { return d.inner }

// Open opens a connection. database/sql calls it only for drivers without
// OpenConnector, so it is here for callers that use the driver directly;
// it parses dsn on every call. It fails when an aio_* option is unknown or
// has a bad value.
func (d *Driver) Open(dsn string) (driver.Conn, error) {
	c, err := d.openConnector(dsn, nil)
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

// OpenConnector parses dsn once: it takes the aio_* options out, applies
// them over the driver's Options and returns a connector for the rest of
// the DSN. database/sql calls it from sql.Open. It fails when an aio_*
// option is unknown or has a bad value, or when the inner driver rejects
// the DSN.
func (d *Driver) OpenConnector(dsn string) (driver.Connector, error) {
	return d.openConnector(dsn, nil)
}

func (d *Driver) openConnector(dsn string, configure func(*Options)) (*Connector, error) {
	opts := d.opts
	inner, err := TakeDSNOptions(dsn, &opts)
	if err != nil {
		return nil, err
	}
	if configure != nil {
		configure(&opts)
	}
	if opts.StmtCacheSize < 0 {
		opts.StmtCacheSize = DefaultStmtCacheSize
		if d.be.CacheSize != nil {
			opts.StmtCacheSize = d.be.CacheSize(inner)
		}
	}
	var ic driver.Connector
	switch {
	case d.be.Connector != nil:
		ic, err = d.be.Connector(inner)
	default:
		if dc, ok := d.inner.(driver.DriverContext); ok {
			ic, err = dc.OpenConnector(inner)
		} else {
			ic = dsnConnector{d: d.inner, dsn: inner}
		}
	}
	if err != nil {
		return nil, err
	}
	return newConnector(ic, opts, d.be), nil
}

// dsnConnector is the connector of a driver without DriverContext, as
// database/sql makes it.
type dsnConnector struct {
	d   driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.d }

// Connector is a guarded connector: every connection it makes is wrapped.
// Make one with NewConnector and pass it to sql.OpenDB.
type Connector struct {
	inner driver.Connector
	opts  Options
	drv   *Driver
	be    *Backend
}

var (
	_ driver.Connector = (*Connector)(nil)
	_ io.Closer        = (*Connector)(nil)
)

// NewConnector returns a guarded connector around inner (any driver's
// connector, go-sqlmock's too) with opts; a negative opts.StmtCacheSize
// means DefaultStmtCacheSize. NewConnector panics if inner is nil.
func NewConnector(inner driver.Connector, opts Options) *Connector {
	if inner == nil {
		panic("aiodb: driver.NewConnector: inner connector is nil")
	}
	if opts.StmtCacheSize < 0 {
		opts.StmtCacheSize = DefaultStmtCacheSize
	}
	return newConnector(inner, opts, wrappedBackend(inner.Driver()))
}

func newConnector(inner driver.Connector, opts Options, be *Backend) *Connector {
	opts.txStarter, _ = opts.Hooks.(hooks.TxStarter)
	opts.connStarter, _ = opts.Hooks.(hooks.ConnectStarter)
	return &Connector{inner: inner, opts: opts, be: be, drv: &Driver{inner: inner.Driver(), opts: opts, be: be}}
}

// Options returns the connector's options, including those of its DSN.
func (c *Connector) Options() Options { return c.opts }

// Unwrap returns the inner connector.
func (c *Connector) Unwrap() driver.Connector { return c.inner }

// Driver returns a guarded *Driver around the inner connector's driver,
// with the connector's options, so that (*sql.DB).Driver() reports the
// dialect and options (DialectOf works on it).
func (c *Connector) Driver() driver.Driver { return c.drv }

// Close closes the inner connector when it is an io.Closer; database/sql
// calls it from (*sql.DB).Close.
func (c *Connector) Close() error {
	if cl, ok := c.inner.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

var lastConnID atomic.Uint64

// NewConnID returns a connection id never returned before in this process,
// from the sequence of hooks.ConnEvent.ConnID, for a client that fires
// hooks for connections the driver does not open (orm/ormpgx's tracer).
func NewConnID() uint64 { return lastConnID.Add(1) }

// Connect opens a new physical connection through the inner connector and
// wraps it; Hooks.OnConnect sees the outcome and the time it took, after
// OnConnectStart when the hook is a hooks.ConnectStarter (the context it
// returns is the inner connector's and OnConnect's). Errors of the inner
// connector are returned unchanged.
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	h := c.opts.Hooks
	var start time.Time
	var ev *hooks.ConnEvent
	if h != nil {
		ev = &hooks.ConnEvent{Driver: c.opts.Name}
		if s := c.opts.connStarter; s != nil {
			ctx = s.OnConnectStart(ctx, ev)
		}
		start = time.Now()
	}
	var slot *netConnSlot
	if c.be.Cache.BadConnAfterSend {
		slot = &netConnSlot{ctx: ctx}
		ctx = context.WithValue(ctx, netConnSlotKey{}, slot)
	}
	ic, err := connectSafely(ctx, c.inner)
	if slot != nil && !slot.finish() {
		// The context ended while lib/pq was connecting: its socket's
		// deadline has passed, so the connection cannot be used.
		if err == nil { // on error lib/pq returns a typed nil
			ic.Close()
		}
		ic, err = nil, fmt.Errorf("aiodb: connect: %w (%v)", ctx.Err(), err)
	}
	if err != nil {
		if ctxErr := ended(ctx); ctxErr != nil && !errors.Is(err, ctxErr) {
			// A dial cut short by the context's deadline says "i/o
			// timeout", often before ctx.Err() is even set: the caller
			// must still see the context's error.
			err = fmt.Errorf("aiodb: connect: %w (%w)", ctxErr, err)
		}
		if h != nil {
			ev.Duration, ev.Err = time.Since(start), err
			h.OnConnect(ctx, ev)
		}
		return nil, err
	}
	cn := newConn(ic, &c.opts, c.be)
	if slot != nil {
		cn.netConn = slot.c
	}
	if h != nil {
		ev.ConnID, ev.Duration = cn.id, time.Since(start)
		h.OnConnect(ctx, ev)
	}
	if cn.validator != nil || cn.native != nil {
		return &validConn{cn}, nil
	}
	return cn, nil
}
