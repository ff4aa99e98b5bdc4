package testenv

import (
	"testing"
	"time"
)

// Paired runs hand and lib alternately in one benchmark loop (hand first
// on even iterations, lib first on odd ones, so that neither always runs
// on a warmer cache) and reports each one's ns/op and lib/hand: a ratio
// measured in the same run, which a shared noisy machine cannot skew the
// way two separate benchmarks can. name is the metric's name for lib's
// side ("orm" gives orm-ns/op and orm/hand).
func Paired(b *testing.B, name string, hand, lib func()) {
	var th, tl time.Duration
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			t0 := time.Now()
			hand()
			t1 := time.Now()
			lib()
			t2 := time.Now()
			th, tl = th+t1.Sub(t0), tl+t2.Sub(t1)
		} else {
			t0 := time.Now()
			lib()
			t1 := time.Now()
			hand()
			t2 := time.Now()
			tl, th = tl+t1.Sub(t0), th+t2.Sub(t1)
		}
		i++
	}
	b.ReportMetric(float64(th.Nanoseconds())/float64(b.N), "hand-ns/op")
	b.ReportMetric(float64(tl.Nanoseconds())/float64(b.N), name+"-ns/op")
	b.ReportMetric(float64(tl)/float64(th), name+"/hand")
}
