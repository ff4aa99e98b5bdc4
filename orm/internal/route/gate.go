package route

import (
	"context"
	sqldriver "database/sql/driver"
	"io"
	"sync/atomic"
)

// GateConnector is a connector with a switch. While it is shut every new
// connection fails with Refused, which is how orm's Manager closes a pool
// and later reopens it: the *sql.DB, and every setting made on it, stays
// the same. It is the Gate of a replica pool too.
type GateConnector struct {
	sqldriver.Connector
	Refused error
	shut    atomic.Bool
}

// Connect opens a connection of the wrapped connector unless the gate is
// shut.
func (g *GateConnector) Connect(ctx context.Context) (sqldriver.Conn, error) {
	if g.shut.Load() {
		return nil, g.Refused
	}
	return g.Connector.Connect(ctx)
}

// Close forwards to the wrapped connector, which database/sql calls when
// the *sql.DB is closed.
func (g *GateConnector) Close() error {
	if c, ok := g.Connector.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// IsShut reports whether the gate is shut.
func (g *GateConnector) IsShut() bool { return g.shut.Load() }

// Shut shuts the gate; it reports whether it was open.
func (g *GateConnector) Shut() bool { return !g.shut.Swap(true) }

// Reopen opens the gate; it reports whether it was shut.
func (g *GateConnector) Reopen() bool { return g.shut.Swap(false) }
