package aioprom

import (
	"database/sql"

	"github.com/prometheus/client_golang/prometheus"
)

// DBStatsCollector exports a *sql.DB's sql.DBStats, read at each scrape.
// Make it with NewDBStatsCollector.
type DBStatsCollector struct {
	db *sql.DB

	maxOpen, open, inUse, idle                          *prometheus.Desc
	waitCount, waitDuration                             *prometheus.Desc
	maxIdleClosed, maxIdleTimeClosed, maxLifetimeClosed *prometheus.Desc
}

var _ prometheus.Collector = (*DBStatsCollector)(nil)

// NewDBStatsCollector returns a collector of db's pool statistics with
// the label db=name, under the namespace "aiodb" (or the one given by
// WithNamespace; the other options do not apply). Register it once per
// *sql.DB, each with its own name.
func NewDBStatsCollector(db *sql.DB, name string, opts ...Option) *DBStatsCollector {
	cfg := config{namespace: "aiodb"}
	for _, o := range opts {
		o(&cfg)
	}
	labels := prometheus.Labels{"db": name}
	for k, v := range cfg.labels {
		labels[k] = v
	}
	desc := func(n, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(cfg.namespace, "db", n), help, nil, labels)
	}
	return &DBStatsCollector{
		db:                db,
		maxOpen:           desc("max_open_connections", "Maximum number of open connections (0: unlimited)."),
		open:              desc("open_connections", "Established connections, in use and idle."),
		inUse:             desc("in_use_connections", "Connections in use."),
		idle:              desc("idle_connections", "Idle connections."),
		waitCount:         desc("wait_count_total", "Connections waited for."),
		waitDuration:      desc("wait_duration_seconds_total", "Total time blocked waiting for a connection."),
		maxIdleClosed:     desc("max_idle_closed_total", "Connections closed because of SetMaxIdleConns."),
		maxIdleTimeClosed: desc("max_idle_time_closed_total", "Connections closed because of SetConnMaxIdleTime."),
		maxLifetimeClosed: desc("max_lifetime_closed_total", "Connections closed because of SetConnMaxLifetime."),
	}
}

// Describe sends the descriptions of the collector's metrics.
func (c *DBStatsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.maxOpen, c.open, c.inUse, c.idle, c.waitCount, c.waitDuration, c.maxIdleClosed, c.maxIdleTimeClosed, c.maxLifetimeClosed} {
		ch <- d
	}
}

// Collect reads db.Stats() and sends it.
func (c *DBStatsCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.db.Stats()
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(c.maxOpen, float64(s.MaxOpenConnections))
	gauge(c.open, float64(s.OpenConnections))
	gauge(c.inUse, float64(s.InUse))
	gauge(c.idle, float64(s.Idle))
	counter(c.waitCount, float64(s.WaitCount))
	counter(c.waitDuration, s.WaitDuration.Seconds())
	counter(c.maxIdleClosed, float64(s.MaxIdleClosed))
	counter(c.maxIdleTimeClosed, float64(s.MaxIdleTimeClosed))
	counter(c.maxLifetimeClosed, float64(s.MaxLifetimeClosed))
}
