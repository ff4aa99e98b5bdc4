package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Key names one benchmark: Benchmark<Lib>/<Backend>/<Driver>/<Op>.
type Key struct {
	Lib, Backend, Driver, Op string
}

func (k Key) String() string { return k.Lib + "/" + k.Backend + "/" + k.Driver + "/" + k.Op }

// Result is every run of one benchmark: the values of each unit
// ("ns/op", "B/op", "allocs/op", or a custom b.ReportMetric unit), in the
// order the runs were read.
type Result struct {
	Key     Key
	Samples map[string][]float64
}

// Median returns the median of unit's values and whether there were any.
func (r *Result) Median(unit string) (float64, bool) {
	v := r.Samples[unit]
	if len(v) == 0 {
		return 0, false
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

// Spread says how much the runs disagreed, relative to their median (0.03
// for ±3%): half the interquartile range with four samples or more, so that
// one run disturbed by the rest of the machine does not set it, and half
// the range below that.
func (r *Result) Spread(unit string) float64 {
	v := r.Samples[unit]
	med, ok := r.Median(unit)
	if !ok || med == 0 || len(v) < 2 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	lo, hi := s[0], s[len(s)-1]
	if len(s) >= 4 {
		lo, hi = quantile(s, 0.25), quantile(s, 0.75)
	}
	return (hi - lo) / 2 / math.Abs(med)
}

// quantile returns the q-quantile of sorted s, interpolating linearly.
func quantile(s []float64, q float64) float64 {
	pos := q * float64(len(s)-1)
	i := int(pos)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (pos-float64(i))*(s[i+1]-s[i])
}

// Data is a parsed benchmark output: its results and the header lines go
// test prints (goos, goarch, cpu, pkg).
type Data struct {
	Results map[Key]*Result
	Order   []Key // first appearance
	Config  map[string]string
	Runs    int // the most samples any benchmark has
}

// Get returns the result of k, or nil.
func (d *Data) Get(k Key) *Result { return d.Results[k] }

var procSuffix = regexp.MustCompile(`-\d+$`)

// Parse reads the text go test -bench prints, any number of runs
// appended. Lines that are not results or config lines are ignored; a
// result whose name does not have four parts is an error naming the line,
// since every benchmark of the module is named that way.
func Parse(r io.Reader) (*Data, error) {
	d := &Data{Results: map[Key]*Result{}, Config: map[string]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if k, v, ok := strings.Cut(text, ": "); ok && !strings.HasPrefix(text, "Benchmark") && !strings.ContainsAny(k, " \t") {
			d.Config[k] = strings.TrimSpace(v)
			continue
		}
		if !strings.HasPrefix(text, "Benchmark") {
			continue
		}
		f := strings.Fields(text)
		// A result is name, iterations, then value-unit pairs; a bare
		// name is the line -v prints before running.
		if len(f) < 4 || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			continue
		}
		name := procSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), "")
		parts := strings.Split(name, "/")
		if len(parts) != 4 {
			return nil, fmt.Errorf("line %d: benchmark %q is not named Lib/backend/driver/Op", line, f[0])
		}
		k := Key{parts[0], parts[1], parts[2], parts[3]}
		res := d.Results[k]
		if res == nil {
			res = &Result{Key: k, Samples: map[string][]float64{}}
			d.Results[k] = res
			d.Order = append(d.Order, k)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: value %q of %s: %v", line, f[i], f[i+1], err)
			}
			res.Samples[f[i+1]] = append(res.Samples[f[i+1]], v)
			if n := len(res.Samples[f[i+1]]); n > d.Runs {
				d.Runs = n
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return d, nil
}
