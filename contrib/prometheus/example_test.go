package aioprom_test

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	aioprom "github.com/aiodb/aiodb/contrib/prometheus"
	"github.com/aiodb/aiodb/driver"
)

// The hook counts statements by driver, operation and outcome; the
// collector reports the pool. A program registers both with its registry
// (or prometheus.DefaultRegisterer) and serves it with promhttp.
func ExampleNew() {
	h := aioprom.New()
	c, err := driver.OpenConnector("aiosqlite", ":memory:", func(o *driver.Options) { o.Hooks = h })
	if err != nil {
		panic(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(h, aioprom.NewDBStatsCollector(db, "main"))

	ctx := driver.MarkAsync(context.Background())
	for range 3 {
		db.ExecContext(ctx, "SELECT 1")
	}
	db.ExecContext(ctx, "SELECT * FROM missing")

	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		switch mf.GetName() {
		case "aiodb_statements_total", "aiodb_db_open_connections":
			for _, m := range mf.GetMetric() {
				fmt.Print(mf.GetName())
				for _, l := range m.GetLabel() {
					fmt.Printf(" %s=%s", l.GetName(), l.GetValue())
				}
				fmt.Println(":", m.GetCounter().GetValue()+m.GetGauge().GetValue())
			}
		}
	}
	// Output:
	// aiodb_db_open_connections db=main: 1
	// aiodb_statements_total driver=aiosqlite operation=exec outcome=error: 1
	// aiodb_statements_total driver=aiosqlite operation=exec outcome=ok: 3
}
