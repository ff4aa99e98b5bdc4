package aiootel

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Option configures a Hook made by New.
type Option func(*config)

type config struct {
	tp           trace.TracerProvider
	mp           metric.MeterProvider
	system       string
	server       string
	port         int
	namespace    string
	attrs        []attribute.KeyValue
	args         bool
	noText       bool
	skipInternal bool
	noConnect    bool
}

// WithTracerProvider sets the provider of the hook's tracer; without it
// the global one (otel.GetTracerProvider) is used, as it is when New runs.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tp = tp }
}

// WithMeterProvider sets the provider of the hook's meter; without it the
// global one (otel.GetMeterProvider) is used, a no-op until one is set.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.mp = mp }
}

// WithSystem sets db.system.name, for example "mariadb" for a MariaDB
// server behind aiomysql. Without it the name follows the driver of each
// event: postgresql for aiopg and aiopgx, mysql for aiomysql, sqlite for
// aiosqlite, other_sql for a driver given to driver.Wrap.
func WithSystem(name string) Option {
	return func(c *config) { c.system = name }
}

// WithServer sets server.address and server.port (a port of 0 leaves
// server.port out). WithDSN finds them in a DSN.
func WithServer(address string, port int) Option {
	return func(c *config) { c.server, c.port = address, port }
}

// WithDSN sets server.address, server.port and db.namespace from the DSN
// given to the driver named driverName (aiopg, aiopgx, aiomysql or
// aiosqlite, or the inner drivers' names postgres, pgx, mysql, sqlite). A
// DSN it cannot read sets nothing; the password is never kept.
func WithDSN(driverName, dsn string) Option {
	return func(c *config) {
		if a, ok := parseDSN(driverName, dsn); ok {
			c.server, c.port, c.namespace = a.host, a.port, a.namespace
		}
	}
}

// WithAttributes adds attributes to every span the hook makes.
func WithAttributes(attrs ...attribute.KeyValue) Option {
	return func(c *config) { c.attrs = append(c.attrs, attrs...) }
}

// WithArgs records each bound argument of a statement as
// db.query.parameter.<key> (the argument's name, or its index from 0).
// Off by default: argument values may hold personal data or secrets.
func WithArgs() Option {
	return func(c *config) { c.args = true }
}

// WithoutQueryText leaves db.query.text out of the spans, for programs
// that write values into their statements' text rather than bind them.
func WithoutQueryText() Option {
	return func(c *config) { c.noText = true }
}

// SkipInternal makes no span and records no duration for the statements
// aiodb runs on its own behalf (driver.Internal, such as the MySQL
// version probe).
func SkipInternal() Option {
	return func(c *config) { c.skipInternal = true }
}

// WithoutConnectSpans makes no span for opening connections.
func WithoutConnectSpans() Option {
	return func(c *config) { c.noConnect = true }
}
