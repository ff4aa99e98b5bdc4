package aioprom

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aiodb/aiodb/hooks"
)

// Hook counts the events of guarded connections as Prometheus metrics. It
// implements hooks.Hook and prometheus.Collector; make it with New. Its
// methods are safe for concurrent use; a statement with a series seen
// before costs a map read under a read lock and two atomic updates.
type Hook struct {
	hooks.Base
	cfg config

	statements      *prometheus.CounterVec
	duration        *prometheus.HistogramVec
	transactions    *prometheus.CounterVec
	connects        *prometheus.CounterVec
	connectDuration *prometheus.HistogramVec
	closes          *prometheus.CounterVec
	syncViolations  *prometheus.CounterVec

	mu     sync.RWMutex
	series map[seriesKey]series
}

var (
	_ hooks.Hook           = (*Hook)(nil)
	_ prometheus.Collector = (*Hook)(nil)
)

// seriesKey names one statement series; series holds its metrics, looked
// up once.
type seriesKey struct {
	driver  string
	kind    hooks.StmtKind
	outcome string
	verb    string
}

type series struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// The outcome label's values.
const (
	outcomeOK       = "ok"
	outcomeError    = "error"
	outcomeCanceled = "canceled"
)

// New returns a Hook with opts. Register it (it is a prometheus.Collector)
// and set it as the driver's Options.Hooks.
func New(opts ...Option) *Hook {
	h := &Hook{cfg: config{namespace: "aiodb"}, series: map[seriesKey]series{}}
	for _, o := range opts {
		o(&h.cfg)
	}
	if h.cfg.buckets == nil {
		for _, b := range hooks.LatencyBounds() {
			h.cfg.buckets = append(h.cfg.buckets, b.Seconds())
		}
	}
	ns, cl := h.cfg.namespace, h.cfg.labels
	stmtLabels := []string{"driver", "operation", "outcome"}
	if h.cfg.verb {
		stmtLabels = append(stmtLabels, "verb")
	}
	h.statements = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: ns, Name: "statements_total", ConstLabels: cl,
		Help: "Statements run, by driver, operation (query, exec, prepare) and outcome (ok, error, canceled).",
	}, stmtLabels)
	h.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: ns, Name: "statement_duration_seconds", ConstLabels: cl, Buckets: h.cfg.buckets,
		Help: "Duration of statements, a query's until its rows are closed.",
	}, stmtLabels)
	h.transactions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: ns, Name: "transactions_total", ConstLabels: cl,
		Help: "Transaction control statements, by driver, kind (begin, commit, rollback, savepoint, ...) and outcome.",
	}, []string{"driver", "kind", "outcome"})
	h.connects = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: ns, Name: "connects_total", ConstLabels: cl,
		Help: "Physical connections opened, by driver and outcome.",
	}, []string{"driver", "outcome"})
	h.connectDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: ns, Name: "connect_duration_seconds", ConstLabels: cl, Buckets: prometheus.DefBuckets,
		Help: "Time to open a physical connection, failed ones included.",
	}, []string{"driver"})
	h.closes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: ns, Name: "connections_closed_total", ConstLabels: cl,
		Help: "Physical connections closed.",
	}, []string{"driver"})
	h.syncViolations = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: ns, Name: "sync_violations_total", ConstLabels: cl,
		Help: "Sync calls the guard saw, by its mode (warn, error, panic).",
	}, []string{"mode"})
	return h
}

func (h *Hook) collectors() []prometheus.Collector {
	return []prometheus.Collector{h.statements, h.duration, h.transactions, h.connects, h.connectDuration, h.closes, h.syncViolations}
}

// Describe sends the descriptions of the hook's metrics.
func (h *Hook) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range h.collectors() {
		c.Describe(ch)
	}
}

// Collect sends the hook's metrics.
func (h *Hook) Collect(ch chan<- prometheus.Metric) {
	for _, c := range h.collectors() {
		c.Collect(ch)
	}
}

// outcome is the outcome label of an event's error.
func outcome(err error) string {
	switch {
	case err == nil:
		return outcomeOK
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return outcomeCanceled
	}
	return outcomeError
}

// OnStatementEnd counts the statement and observes its duration.
func (h *Hook) OnStatementEnd(_ context.Context, e *hooks.StatementEvent) {
	k := seriesKey{driver: e.Driver, kind: e.Kind, outcome: outcome(e.Err)}
	if h.cfg.verb {
		k.verb = hooks.Operation(e.SQL)
	}
	h.mu.RLock()
	s, ok := h.series[k]
	h.mu.RUnlock()
	if !ok {
		s = h.newSeries(k)
	}
	s.count.Inc()
	s.duration.Observe(e.Duration.Seconds())
}

func (h *Hook) newSeries(k seriesKey) series {
	lv := []string{k.driver, k.kind.String(), k.outcome}
	if h.cfg.verb {
		lv = append(lv, k.verb)
	}
	s := series{count: h.statements.WithLabelValues(lv...), duration: h.duration.WithLabelValues(lv...)}
	h.mu.Lock()
	h.series[k] = s
	h.mu.Unlock()
	return s
}

// OnTx counts a transaction control statement.
func (h *Hook) OnTx(_ context.Context, e *hooks.TxEvent) {
	h.transactions.WithLabelValues(e.Driver, strings.ReplaceAll(e.Kind.String(), " ", "_"), outcome(e.Err)).Inc()
}

// OnConnect counts a connect and observes its duration.
func (h *Hook) OnConnect(_ context.Context, e *hooks.ConnEvent) {
	h.connects.WithLabelValues(e.Driver, outcome(e.Err)).Inc()
	h.connectDuration.WithLabelValues(e.Driver).Observe(e.Duration.Seconds())
}

// OnClose counts a closed connection.
func (h *Hook) OnClose(e *hooks.ConnEvent) {
	h.closes.WithLabelValues(e.Driver).Inc()
}

// OnSyncViolation counts a sync call seen by the guard.
func (h *Hook) OnSyncViolation(_ context.Context, e *hooks.SyncViolation) {
	h.syncViolations.WithLabelValues(e.Mode).Inc()
}
