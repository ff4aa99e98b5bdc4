package interop_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/XSAM/otelsql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/dialect/pgdialect"
)

var otelTable = "iop_otel_" + randomSuffix()

type otelNote struct {
	ID   int64  `db:"id,pk,auto"`
	Body string `db:"body"`
}

func (otelNote) TableName() string { return otelTable }

// TestOtelsqlInFront: otelsql.Open("aiopg", dsn) wraps aiodb's driver, so
// (*sql.DB).Driver() is otelsql's and orm.New cannot learn the dialect:
// it fails asking for orm.WithDialect. With WithDialect the ORM works,
// otelsql records its spans, and the guard still refuses a sync call,
// naming this file's line rather than otelsql's or orm's.
func TestOtelsqlInFront(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })

	sqlDB, err := otelsql.Open("aiopg", dsnFor(t, "aiopg", "aio_sync=panic"), otelsql.WithTracerProvider(tp))
	require.NoError(t, err)
	t.Cleanup(func() { sqlDB.Close() })
	assert.Empty(t, driver.DialectOf(sqlDB.Driver()), "otelsql hides the guarded driver")

	_, err = orm.New(sqlDB)
	require.ErrorContains(t, err, "orm.WithDialect")

	db, err := orm.New(sqlDB, orm.WithDialect(pgdialect.New()))
	require.NoError(t, err)
	notes := orm.MustModel[otelNote](db)
	ctx := allowed()
	require.NoError(t, notes.CreateTable(ctx, false))
	dropLater(t, sqlDB, otelTable)

	require.NoError(t, db.Atomic(ctx, func(ctx context.Context) error {
		_, err := notes.Create(ctx, &otelNote{Body: "traced"})
		return err
	}))
	got, err := notes.Select().All(ctx)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "traced", got[0].Body)

	var names []string
	for _, s := range exp.GetSpans() {
		names = append(names, s.Name)
	}
	for _, want := range []string{"sql.conn.begin_tx", "sql.tx.commit", "sql.conn.query"} {
		assert.True(t, slices.Contains(names, want), "otelsql span %s among %v", want, names)
	}

	bg := context.Background()
	where := nextLine()
	err = recovered(func() { _, _ = notes.Select().All(bg) })
	requireRefused(t, err, where)
	// orm.New cannot see the DSN's aio_sync behind otelsql (orm.SyncMode
	// is for orm.Open), so BEGIN is refused by the driver, which returns
	// the error where orm.Open's DB would have panicked.
	where = nextLine()
	err = db.Atomic(bg, func(context.Context) error { return errors.New("not reached") })
	requireRefused(t, err, where)
}
