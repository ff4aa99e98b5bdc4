package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Two runs, as run.sh appends them, with the lines go test prints around
// results (and a -v line naming a benchmark before it runs).
const sample = `goos: linux
goarch: amd64
pkg: github.com/aiodb/aiodb/benchmarks
cpu: Test CPU @ 3.0GHz
BenchmarkRaw/nop/nop/Read
BenchmarkRaw/nop/nop/Read-2         	 1000	      1000 ns/op	     560 B/op	       8 allocs/op
BenchmarkAiodb/nop/nop/Read-2       	 1000	      1200 ns/op	     900 B/op	      10 allocs/op
BenchmarkAiodb/nop/nop/ReadSlice-2  	 1000	      5200 ns/op	     900 B/op	      20 allocs/op
BenchmarkRaw/nop/nop/ReadSlice-2    	 1000	      4000 ns/op	     900 B/op	     115 allocs/op
BenchmarkRaw/pg/pgx/Read-2          	 1000	    100000 ns/op	    4000 B/op	      70 allocs/op
BenchmarkAiodb/pg/aiopgx/Read-2     	 1000	    103000 ns/op	    4100 B/op	      72 allocs/op
BenchmarkBun/pg/pgx/Read-2          	 1000	    125000 ns/op	    9000 B/op	      74 allocs/op
BenchmarkRaw/pg/pq/Read-2           	 1000	    200000 ns/op	    1800 B/op	      45 allocs/op
BenchmarkAsync/pg/aiopgx/AioExecute100k-2	 1	 900000000 ns/op	 12.5 peak-MiB	 1000 B/op	 10 allocs/op
PASS
ok  	github.com/aiodb/aiodb/benchmarks	1.0s
goos: linux
BenchmarkRaw/nop/nop/Read-2         	 1000	      1100 ns/op	     560 B/op	       8 allocs/op
BenchmarkAiodb/nop/nop/Read-2       	 1000	      1400 ns/op	     900 B/op	      10 allocs/op
BenchmarkAiodb/nop/nop/ReadSlice-2  	 1000	      5200 ns/op	     900 B/op	      20 allocs/op
BenchmarkRaw/nop/nop/ReadSlice-2    	 1000	      4000 ns/op	     900 B/op	     115 allocs/op
BenchmarkRaw/pg/pgx/Read-2          	 1000	    100000 ns/op	    4000 B/op	      70 allocs/op
BenchmarkAiodb/pg/aiopgx/Read-2     	 1000	    105000 ns/op	    4100 B/op	      72 allocs/op
BenchmarkBun/pg/pgx/Read-2          	 1000	    125000 ns/op	    9000 B/op	      74 allocs/op
BenchmarkRaw/pg/pq/Read-2           	 1000	    200000 ns/op	    1800 B/op	      45 allocs/op
`

func parseSample(t *testing.T) *Data {
	t.Helper()
	d, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestParseMediansAndConfig(t *testing.T) {
	d := parseSample(t)
	if d.Runs != 2 {
		t.Errorf("Runs = %d, want 2", d.Runs)
	}
	if got := d.Config["cpu"]; got != "Test CPU @ 3.0GHz" {
		t.Errorf("cpu = %q", got)
	}
	r := d.Get(Key{"Aiodb", "nop", "nop", "Read"})
	if r == nil {
		t.Fatal("Aiodb/nop/nop/Read not parsed")
	}
	if m, _ := r.Median("ns/op"); m != 1300 {
		t.Errorf("median ns/op = %g, want 1300 (mean of 1200 and 1400)", m)
	}
	if s := r.Spread("ns/op"); s < 0.076 || s > 0.077 {
		t.Errorf("spread = %g, want 100/1300", s)
	}
	if n := len(r.Samples["allocs/op"]); n != 2 {
		t.Errorf("%d allocs samples, want 2", n)
	}
	a := d.Get(Key{"Async", "pg", "aiopgx", "AioExecute100k"})
	if a == nil {
		t.Fatal("custom-metric benchmark not parsed")
	}
	if v, _ := a.Median("peak-MiB"); v != 12.5 {
		t.Errorf("peak-MiB = %g, want 12.5", v)
	}
}

func TestParseRejectsOtherNames(t *testing.T) {
	_, err := Parse(strings.NewReader("BenchmarkFoo/bar-2 \t 10 \t 5 ns/op\n"))
	if err == nil || !strings.Contains(err.Error(), "BenchmarkFoo/bar-2") {
		t.Fatalf("err = %v, want one naming the benchmark", err)
	}
}

func TestRatioAndTargets(t *testing.T) {
	d := parseSample(t)
	r, ok := d.Ratio(Key{"Aiodb", "pg", "aiopgx", "Read"}, Key{"Raw", "pg", "pgx", "Read"}, "ns/op")
	if !ok || r < 1.039 || r > 1.041 {
		t.Fatalf("ratio = %g, %v; want 1.04", r, ok)
	}
	if _, ok := d.Ratio(Key{"Aiodb", "pg", "aiopgx", "Insert"}, Key{"Raw", "pg", "pgx", "Insert"}, "ns/op"); ok {
		t.Fatal("ratio of a benchmark that did not run reported ok")
	}

	verdicts := func(desc string) map[string]Verdict {
		for _, tg := range Targets {
			if strings.HasPrefix(tg.Desc, desc) {
				out := map[string]Verdict{}
				for _, v := range d.Check(tg) {
					out[v.Op] = v
				}
				return out
			}
		}
		t.Fatalf("no target %q", desc)
		return nil
	}
	pgx := verdicts("aiopgx within 1.05")
	if v := pgx["Read"]; !v.Met || v.Measured != "1.04×" {
		t.Errorf("aiopgx Read = %+v, want met at 1.04×", v)
	}
	if v := pgx["Insert"]; v.Measured != "" || v.Met {
		t.Errorf("aiopgx Insert = %+v, want not run", v)
	}
	nop := verdicts("do-nothing driver: Read")
	if v := nop["Read"]; !v.Met || v.Measured != "1.24×" { // 1300 / 1050
		t.Errorf("nop Read = %+v, want met at 1.24×", v)
	}
	if v := nop["ReadSlice"]; v.Met || v.Measured != "1.30×" { // 5200 / 4000
		t.Errorf("nop ReadSlice = %+v, want missed at 1.30×", v)
	}
	allocs := verdicts("do-nothing driver: at most 3")
	if v := allocs["Read"]; !v.Met || v.Measured != "10 vs 8" {
		t.Errorf("nop Read allocs = %+v, want met, 10 vs 8", v)
	}
}

func TestRowsOrder(t *testing.T) {
	d := parseSample(t)
	var pg Backend
	for _, b := range Backends {
		if b.Key == "pg" && !b.Alt {
			pg = b
		}
	}
	var got []string
	for _, r := range d.Rows(pg) {
		got = append(got, r.Lib+"/"+r.Driver)
	}
	want := "Raw/pgx Raw/pq Aiodb/aiopgx Bun/pgx"
	if strings.Join(got, " ") != want {
		t.Fatalf("rows = %v, want %s", got, want)
	}
}

func TestMarkdown(t *testing.T) {
	d := parseSample(t)
	var buf bytes.Buffer
	err := d.WriteMarkdown(&buf, Report{Source: "bench.txt", Machine: []string{"PostgreSQL 15"}, Analysis: "## Analysis\n\nWhy.", SVG: "RESULTS.svg"})
	if err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		"- cpu: Test CPU @ 3.0GHz",
		"- PostgreSQL 15",
		"| hand-written (pgx stdlib) | — | — | — | 100 µs ±0% | — |",
		"| aiodb (aiopgx) | — | — | — | 1.04× ±1% | — |", // ratios 1.03 and 1.05
		"| hand-written (lib/pq) | — | — | — | 2.00× ±0% | — |",
		"| bun (pgx stdlib) | — | — | — | 1.25× ±0% | — |",
		"| aiodb (nopdriver) | — | — | — | 900 B · 10 (1.2×) | 900 B · 20 (0.2×) |",
		"![Time per operation as a multiple of hand-written database/sql](RESULTS.svg)",
		"## Analysis\n\nWhy.",
		"| Async/pg/aiopgx/AioExecute100k | 900 ms ±0% | — | — | — | 1000 B | 10 | 12.5 peak-MiB |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(md)
	}
}

func TestSVGIsWellFormedAndMarksMisses(t *testing.T) {
	d := parseSample(t)
	var buf bytes.Buffer
	if err := d.WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
	bars := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "rect" {
			for _, a := range se.Attr {
				if a.Name.Local == "height" && a.Value == "13" {
					bars++
				}
			}
		}
	}
	// One bar per (row, op) that ran: nop Read and ReadSlice for two
	// rows, pg Read for four rows.
	if bars != 8 {
		t.Errorf("%d bars, want 8", bars)
	}
	svg := buf.String()
	// aiodb's nop ReadSlice is 1.30× against a 1.15× target: red.
	if !strings.Contains(svg, `fill="#d00000">1.30</text>`) {
		t.Errorf("the missed nop ReadSlice target is not drawn in red:\n%s", svg)
	}
}

func TestRunWritesFiles(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "bench.txt")
	if err := os.WriteFile(in, []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	md, svg := filepath.Join(dir, "RESULTS.md"), filepath.Join(dir, "RESULTS.svg")
	if err := run(in, md, svg, "", "", "./run.sh"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "](RESULTS.svg)") || !strings.Contains(string(b), "- command: `./run.sh`") {
		t.Errorf("RESULTS.md does not link the chart or name the command:\n%s", b)
	}
	if _, err := os.Stat(svg); err != nil {
		t.Error(err)
	}
	if err := run(in, md, svg, "", filepath.Join(dir, "missing.md"), ""); err == nil {
		t.Error("a missing -analysis file was not reported")
	}
	empty := filepath.Join(dir, "empty.txt")
	if err := os.WriteFile(empty, []byte("PASS\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(empty, md, svg, "", "", ""); err == nil || !strings.Contains(err.Error(), "no benchmark results") {
		t.Errorf("run on output without results: err = %v", err)
	}
}

func TestRatioPairsPassesWhenItCan(t *testing.T) {
	// The machine slowed down in the second pass: paired, the ratio stays
	// 1.1; as a ratio of medians it would not.
	const paired = `BenchmarkRaw/nop/nop/Read-2 	 1	 1000 ns/op
BenchmarkAiodb/nop/nop/Read-2 	 1	 1100 ns/op
BenchmarkRaw/nop/nop/Read-2 	 1	 3000 ns/op
BenchmarkAiodb/nop/nop/Read-2 	 1	 3300 ns/op
BenchmarkRaw/nop/nop/Read-2 	 1	 1000 ns/op
BenchmarkAiodb/nop/nop/Read-2 	 1	 1100 ns/op
`
	d, err := Parse(strings.NewReader(paired))
	if err != nil {
		t.Fatal(err)
	}
	a, base := Key{"Aiodb", "nop", "nop", "Read"}, Key{"Raw", "nop", "nop", "Read"}
	if r, spread, ok := d.RatioSpread(a, base, "ns/op"); !ok || math.Abs(r-1.1) > 1e-9 || spread > 1e-9 {
		t.Fatalf("paired ratio = %g ±%g, %v; want 1.1 ±0", r, spread, ok)
	}
	// With a sample missing the passes cannot be paired: ratio of medians.
	d.Results[a].Samples["ns/op"] = []float64{1100, 3300}
	if r, _, ok := d.RatioSpread(a, base, "ns/op"); !ok || math.Abs(r-2.2) > 1e-9 {
		t.Fatalf("unpaired ratio = %g, %v; want 2200/1000", r, ok)
	}
}

func TestAsyncFormsAgainstHandWritten(t *testing.T) {
	const async = `BenchmarkRaw/pg/pgx/Stream100k-2 	 3	 200000000 ns/op	 100000000 cpu-ns/op	 19.5 peak-heap-MiB	 0.5 peak-live-MiB	 26000000 B/op	 1300000 allocs/op
BenchmarkAiodb/pg/aiopgx/Stream100k-2 	 3	 250000000 ns/op	 130000000 cpu-ns/op	 21 peak-heap-MiB	 1.5 peak-live-MiB	 39000000 B/op	 1400000 allocs/op
`
	d, err := Parse(strings.NewReader(async))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := d.WriteMarkdown(&buf, Report{Source: "x"}); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		"| Raw/pg/pgx/Stream100k | 200 ms ±0% | — | — | — | 24.8 MiB | 1300000 | 19.5 peak-heap-MiB, 0.50 peak-live-MiB |",
		"| Aiodb/pg/aiopgx/Stream100k | 250 ms ±0% | 1.25× ±0% | — | 1.30× | 37.2 MiB | 1400000 | 21 peak-heap-MiB, 1.50 peak-live-MiB |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	if strings.Index(md, "Raw/pg/pgx/Stream100k") > strings.Index(md, "Aiodb/pg/aiopgx/Stream100k") {
		t.Error("the hand-written form is not listed first")
	}
}

func TestSpreadIgnoresOneDisturbedRun(t *testing.T) {
	r := &Result{Samples: map[string][]float64{"ns/op": {100, 102, 98, 101, 99, 400}}}
	// Quartiles 99.25 and 101.75 around a median of 100.5: ±1.2%, where
	// half the range would say ±150%.
	if s := r.Spread("ns/op"); s < 0.012 || s > 0.013 {
		t.Fatalf("spread = %g, want about 0.0124", s)
	}
	two := &Result{Samples: map[string][]float64{"ns/op": {100, 110}}}
	if s := two.Spread("ns/op"); math.Abs(s-5.0/105) > 1e-9 {
		t.Fatalf("spread of two runs = %g, want half their range over the median", s)
	}
}

func TestClientCPUTable(t *testing.T) {
	const cpu = `BenchmarkRaw/pg/pgx/Read-2 	 10	 100000 ns/op	 20000 cpu-ns/op	 1800 B/op	 44 allocs/op
BenchmarkAiodb/pg/aiopgx/Read-2 	 10	 130000 ns/op	 21000 cpu-ns/op	 1900 B/op	 45 allocs/op
`
	d, err := Parse(strings.NewReader(cpu))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := d.WriteMarkdown(&buf, Report{Source: "x"}); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	cpuTable := md[strings.Index(md, "Client CPU per operation"):]
	for _, want := range []string{
		"| hand-written (pgx stdlib) | — | — | — | 20 µs ±0% | — |",
		"| aiodb (aiopgx) | — | — | — | 1.05× ±0% | — |",
	} {
		if !strings.Contains(cpuTable, want) {
			t.Errorf("CPU table lacks %q:\n%s", want, cpuTable)
		}
	}
	// The time target is missed (1.30×) and the CPU column shows 1.05×.
	if !strings.Contains(md, "| Read | 1.30× | ≤ 1.05× | missed | 1.05× |") {
		t.Errorf("targets table lacks the CPU ratio:\n%s", md)
	}
}

func TestOtherBaselines(t *testing.T) {
	const alt = `BenchmarkRaw/mysql/mysql/Read-2 	 10	 200000 ns/op	 40000 cpu-ns/op	 1800 B/op	 40 allocs/op
BenchmarkRaw/mysql/mysql-stmt/Read-2 	 10	 100000 ns/op	 20000 cpu-ns/op	 1800 B/op	 40 allocs/op
BenchmarkAiodb/mysql/aiomysql/Read-2 	 10	 95000 ns/op	 19000 cpu-ns/op	 1200 B/op	 27 allocs/op
BenchmarkRaw/pg/pgx/Read-2 	 10	 100000 ns/op	 20000 cpu-ns/op	 1800 B/op	 44 allocs/op
BenchmarkPgx/pg/pool/Read-2 	 10	 80000 ns/op	 15000 cpu-ns/op	 500 B/op	 10 allocs/op
BenchmarkPgx/pg/pool/Fanout64-2 	 10	 2000000 ns/op
BenchmarkRaw/pg/pgx/Fanout64-2 	 10	 2500000 ns/op
`
	d, err := Parse(strings.NewReader(alt))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := d.WriteMarkdown(&buf, Report{Source: "x"}); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	sec := md[strings.Index(md, "## MariaDB, against a reused prepared statement"):]
	sec = sec[:strings.Index(sec[3:], "## ")+3]
	for _, want := range []string{
		"| hand-written (go-sql-driver/mysql, reused prepared stmt) | — | — | — | 100 µs ±0% | — |",
		"| hand-written (go-sql-driver/mysql) | — | — | — | 2.00× ±0% | — |",
		"| aiodb (aiomysql) | — | — | — | 0.95× ±0% | — |",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("the reused-statement section lacks %q:\n%s", want, sec)
		}
	}
	if strings.Contains(sec, "Memory per operation") {
		t.Error("a second baseline's section repeats the memory table")
	}
	// The main section still compares with the default go-sql-driver code.
	if !strings.Contains(md, "| aiodb (aiomysql) | — | — | — | 0.47× ±0% | — |") {
		t.Errorf("the MariaDB section lacks aiomysql against prepare-per-query:\n%s", md)
	}
	if !strings.Contains(md, "| hand-written (pgx stdlib) | — | — | — | 1.25× ±0% | — |") {
		t.Errorf("the pgxpool section lacks pgx stdlib against pgxpool:\n%s", md)
	}
	// The summary compares aiomysql with the reused statement, and
	// leaves out what did not run.
	if !strings.Contains(md, "| mysql | aiodb (aiomysql) | hand-written (go-sql-driver/mysql, reused prepared stmt) | — | — | — | 0.95× / 0.95× | — |") {
		t.Errorf("the summary lacks aiomysql against the reused statement:\n%s", md)
	}
	if strings.Contains(md, "| sqlite |") {
		t.Error("the summary lists a comparison that did not run")
	}
	// interpolateParams did not run: no section for it.
	if strings.Contains(md, "against interpolateParams") {
		t.Error("a section whose baseline did not run was written")
	}
	// The async forms compare with the hand-written database/sql form.
	if !strings.Contains(md, "| Pgx/pg/pool/Fanout64 | 2 ms ±0% | 0.80× ±0% |") {
		t.Errorf("Fanout64 over pgxpool is not compared with hand-written:\n%s", md)
	}
}

func TestPgxpoolContender(t *testing.T) {
	const pool = `BenchmarkRaw/pg/pgx/Read-2 	 10	 100000 ns/op	 20000 cpu-ns/op	 1800 B/op	 44 allocs/op
BenchmarkPgx/pg/pool/Read-2 	 10	 80000 ns/op	 15000 cpu-ns/op	 500 B/op	 10 allocs/op
BenchmarkPgx/pg/pool/Insert-2 	 10	 80000 ns/op	 15000 cpu-ns/op	 500 B/op	 10 allocs/op
BenchmarkAiodb/pg/aiopgx/Read-2 	 10	 100000 ns/op	 20000 cpu-ns/op	 1900 B/op	 45 allocs/op
BenchmarkAiodb/pg/pgxpool/Read-2 	 10	 81600 ns/op	 15600 cpu-ns/op	 1200 B/op	 13 allocs/op
BenchmarkAiodb/pg/pgxpool/Insert-2 	 10	 92000 ns/op	 16500 cpu-ns/op	 600 B/op	 12 allocs/op
BenchmarkAiodbModel/pg/pgxpool/Read-2 	 10	 88000 ns/op	 16500 cpu-ns/op	 1200 B/op	 12 allocs/op
BenchmarkRaw/pg/pgx/Fanout64-2 	 10	 2500000 ns/op
BenchmarkPgx/pg/pool/Fanout64-2 	 10	 2000000 ns/op
BenchmarkAiodb/pg/pgxpool/Fanout64-2 	 10	 2200000 ns/op
`
	d, err := Parse(strings.NewReader(pool))
	if err != nil {
		t.Fatal(err)
	}
	// The target compares with sqlc-style pgxpool, not with pgx stdlib.
	var target *Target
	for i := range Targets {
		if strings.HasPrefix(Targets[i].Desc, "ormpgx within 1.05") {
			target = &Targets[i]
		}
	}
	if target == nil {
		t.Fatal("no ormpgx target")
	}
	got := map[string]Verdict{}
	for _, v := range d.Check(*target) {
		got[v.Op] = v
	}
	if v := got["Read"]; !v.Met || v.Measured != "1.02×" { // 81600 / 80000
		t.Errorf("ormpgx Read = %+v, want met at 1.02×", v)
	}
	if v := got["Insert"]; v.Met || v.Measured != "1.15×" { // 92000 / 80000
		t.Errorf("ormpgx Insert = %+v, want missed at 1.15×", v)
	}
	if v := got["Update"]; v.Measured != "" {
		t.Errorf("ormpgx Update = %+v, want not run", v)
	}

	var buf bytes.Buffer
	if err := d.WriteMarkdown(&buf, Report{Source: "x"}); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	sec := md[strings.Index(md, "## PostgreSQL, against pgx without database/sql"):]
	sec = sec[:strings.Index(sec[3:], "## ")+3]
	for _, want := range []string{
		"| pgx native (sqlc-style over pgxpool) | 80 µs ±0% | — | — | 80 µs ±0% | — |",
		"| aiodb on pgxpool (ormpgx) | 1.15× ±0% | — | — | 1.02× ±0% | — |",
		"| aiodb methods on pgxpool (ormpgx) | — | — | — | 1.10× ±0% | — |",
		"| aiodb (aiopgx) | — | — | — | 1.25× ±0% | — |",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("the pgxpool section lacks %q:\n%s", want, sec)
		}
	}
	for _, want := range []string{
		"| ormpgx within 1.05× of sqlc-style pgxpool | Insert | 1.15× | ≤ 1.05× | missed | 1.10× |",
		"|  | Read | 1.02× | ≤ 1.05× | met | 1.04× |",
		"| pg | aiodb on pgxpool (ormpgx) | pgx native (sqlc-style over pgxpool) | 1.15× / 1.10× | — | — | 1.02× / 1.04× | — |",
		"| pg | aiodb methods on pgxpool (ormpgx) | pgx native (sqlc-style over pgxpool) | — | — | — | 1.10× / 1.10× | — |",
		"| pg | aiodb on pgxpool (ormpgx) | aiodb (aiopgx) | — | — | — | 0.82× / 0.78× | — |",
		// Fan-out against the database/sql goroutines and pgxpool's.
		"| Aiodb/pg/pgxpool/Fanout64 | 2.20 ms ±0% | 0.88× ±0% | 1.10× ±0% |",
		"| Pgx/pg/pool/Fanout64 | 2 ms ±0% | 0.80× ±0% | — |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}

	buf.Reset()
	if err := d.WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	// Dashed marks: aiopgx's Read in the first section, ormpgx's Insert and
	// Read in the pgxpool section (and not aiopgx's there).
	if n := strings.Count(svg, "stroke-dasharray"); n != 3 {
		t.Errorf("%d target marks, want 3", n)
	}
	if !strings.Contains(svg, `fill="#d00000">1.15</text>`) {
		t.Error("ormpgx's missed Insert target is not drawn in red")
	}
	if !strings.Contains(svg, ">aiodb on pgxpool (ormpgx)</text>") {
		t.Error("the chart does not label the ormpgx row")
	}
}
