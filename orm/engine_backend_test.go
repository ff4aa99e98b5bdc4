package orm_test

import (
	"context"

	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/ormpgx"
)

// openDriver opens a DB by the name of a testenv backend's Driver: the
// engine backend (testenv.PgxPool) through ormpgx.Open, so that the suites
// that draw from testenv.ORMBackends run on a pgx pool too, and any other
// through orm.Open.
func openDriver(driverName, dsn string, opts ...orm.Option) (*orm.DB, error) {
	if driverName == testenv.PgxPool {
		return ormpgx.Open(context.Background(), dsn, opts...)
	}
	return orm.Open(driverName, dsn, opts...)
}
