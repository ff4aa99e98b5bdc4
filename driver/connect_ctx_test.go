package driver_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"testing"
	"time"

	aiodriver "github.com/aiodb/aiodb/driver"
)

// dialTimeout is an inner driver whose connect gives up at the context's
// deadline with a dialer's own error, as net.Dialer does ("i/o
// timeout"), which does not match context.DeadlineExceeded.
type dialTimeout struct{}

var errIOTimeout = errors.New("dial tcp 127.0.0.1:5432: i/o timeout")

func (dialTimeout) Open(string) (driver.Conn, error) { return nil, errIOTimeout }

func (dialTimeout) OpenConnector(string) (driver.Connector, error) {
	return dialTimeoutConnector{}, nil
}

type dialTimeoutConnector struct{}

func (dialTimeoutConnector) Connect(ctx context.Context) (driver.Conn, error) {
	if d, ok := ctx.Deadline(); ok {
		time.Sleep(time.Until(d)) // the dial's own timer, not ctx.Done
	}
	return nil, errIOTimeout
}

func (dialTimeoutConnector) Driver() driver.Driver { return dialTimeout{} }

// TestConnectTimeoutMatchesDeadline: a connect that fails at the
// context's deadline with the dialer's error returns an error matching
// context.DeadlineExceeded and still the dialer's error.
func TestConnectTimeoutMatchesDeadline(t *testing.T) {
	c, err := aiodriver.Wrap(dialTimeout{}, aiodriver.Options{Name: "dialtimeout"}).OpenConnector("")
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	for i := 0; i < 20; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
		err := db.PingContext(ctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, errIOTimeout) {
			t.Fatalf("call %d: %v; want an error matching context.DeadlineExceeded and the dialer's", i, err)
		}
	}
}
