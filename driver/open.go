package driver

import (
	"database/sql/driver"
	"errors"
	"log/slog"

	"github.com/aiodb/aiodb/hooks"
)

// Options configures a guarded driver. (Stub: the driver engineer replaces
// this file.)
type Options struct {
	Name    string
	Dialect string
	Sync    SyncMode
	Hooks   hooks.Hook
	Logger  *slog.Logger
}

// OpenConnector returns a connector for one of aiodb's registered drivers.
// (Stub: the driver engineer replaces this file.)
func OpenConnector(name, dsn string, configure func(*Options)) (driver.Connector, error) {
	return nil, errors.New("driver: not implemented yet")
}
