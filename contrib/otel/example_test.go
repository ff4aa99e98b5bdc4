package aiootel_test

import (
	"context"
	"database/sql"
	"fmt"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	aiootel "github.com/aiodb/aiodb/contrib/otel"
	"github.com/aiodb/aiodb/driver"
)

// A request's span parents the transaction's, which parents its
// statements'. A program passes its own TracerProvider (or sets the global
// one) instead of the in-memory recorder used here.
func ExampleNew() {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(context.Background())

	h := aiootel.New(aiootel.WithTracerProvider(tp), aiootel.WithoutConnectSpans())
	c, err := driver.OpenConnector("aiosqlite", ":memory:", func(o *driver.Options) { o.Hooks = h })
	if err != nil {
		panic(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()

	ctx, req := tp.Tracer("app").Start(driver.MarkAsync(context.Background()), "request")
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		panic(err)
	}
	tx.ExecContext(ctx, "CREATE TABLE obs_pages (id integer PRIMARY KEY, body text)")
	tx.ExecContext(ctx, "INSERT INTO obs_pages (body) VALUES (?)", "not recorded")
	tx.Commit()
	req.End()

	names := map[string]string{}
	for _, s := range rec.Ended() {
		names[s.SpanContext().SpanID().String()] = s.Name()
	}
	for _, s := range rec.Ended() {
		parent := names[s.Parent().SpanID().String()]
		if parent == "" {
			parent = "-"
		}
		fmt.Printf("%-11s parent=%-11s", s.Name(), parent)
		for _, a := range s.Attributes() {
			if a.Key == "db.system.name" || a.Key == "db.query.text" || a.Key == "aiodb.tx.end" {
				fmt.Printf(" %s=%q", a.Key, a.Value.String())
			}
		}
		fmt.Println()
	}
	// Output:
	// CREATE      parent=TRANSACTION db.system.name="sqlite" db.query.text="CREATE TABLE obs_pages (id integer PRIMARY KEY, body text)"
	// INSERT      parent=TRANSACTION db.system.name="sqlite" db.query.text="INSERT INTO obs_pages (body) VALUES (?)"
	// TRANSACTION parent=request     db.system.name="sqlite" aiodb.tx.end="commit"
	// request     parent=-
}
