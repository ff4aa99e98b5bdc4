package aioprom

import "github.com/prometheus/client_golang/prometheus"

// Option configures a Hook made by New.
type Option func(*config)

type config struct {
	namespace string
	labels    prometheus.Labels
	buckets   []float64
	verb      bool
}

// WithNamespace sets the metrics' namespace, "aiodb" by default.
func WithNamespace(ns string) Option { return func(c *config) { c.namespace = ns } }

// WithConstLabels adds labels with fixed values to every metric of the
// hook, for example the database's name.
func WithConstLabels(l prometheus.Labels) Option { return func(c *config) { c.labels = l } }

// WithBuckets sets the bucket bounds, in seconds, of the statement
// duration histogram.
func WithBuckets(b []float64) Option { return func(c *config) { c.buckets = b } }

// WithVerbLabel adds to the statement metrics a verb label: the
// statement's first keyword, upper-cased (SELECT, INSERT, WITH, ...), or
// "" when it has none.
func WithVerbLabel() Option { return func(c *config) { c.verb = true } }
