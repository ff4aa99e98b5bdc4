package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// Ops are the five operations every library runs, in table order.
var Ops = []string{"Insert", "InsertMulti", "Update", "Read", "ReadSlice"}

// Backend is one section of the report: the benchmarks whose second name
// part is Key, compared with the baseline, BaseLib (default Raw, the
// hand-written database/sql code) over BaseDriver. An Alt section is a
// second view of a backend's benchmarks against another baseline run in
// the same passes: its time and CPU tables only.
type Backend struct {
	Key        string
	Title      string
	BaseDriver string
	BaseLib    string // "" for Raw
	Alt        bool
}

// Backends in report order: each backend, then its other baselines.
var Backends = []Backend{
	{Key: "nop", Title: "Do-nothing driver: the client's own cost", BaseDriver: "nop"},
	{Key: "pg", Title: "PostgreSQL", BaseDriver: "pgx"},
	{Key: "pg", Title: "PostgreSQL, against pgx without database/sql (sqlc-style over pgxpool)", BaseLib: "Pgx", BaseDriver: "pool", Alt: true},
	{Key: "mysql", Title: "MariaDB", BaseDriver: "mysql"},
	{Key: "mysql", Title: "MariaDB, against a reused prepared statement", BaseDriver: "mysql-stmt", Alt: true},
	{Key: "mysql", Title: "MariaDB, against interpolateParams=true", BaseDriver: "mysql-interp", Alt: true},
	{Key: "sqlite", Title: "SQLite (embedded)", BaseDriver: "sqlite"},
	{Key: "sqlite", Title: "SQLite, against a reused prepared statement", BaseDriver: "sqlite-stmt", Alt: true},
}

// baseLib is the library of the baselines: hand-written database/sql.
const baseLib = "Raw"

// BaseRow is b's baseline.
func (b Backend) BaseRow() Row {
	lib := b.BaseLib
	if lib == "" {
		lib = baseLib
	}
	return Row{lib, b.BaseDriver}
}

// Base returns the key of b's baseline for op.
func (b Backend) Base(op string) Key {
	r := b.BaseRow()
	return Key{r.Lib, b.Key, r.Driver, op}
}

// hasBase reports whether b's baseline ran any of the five operations.
func (d *Data) hasBase(b Backend) bool {
	for _, op := range Ops {
		if d.Get(b.Base(op)) != nil {
			return true
		}
	}
	return false
}

// Row is one library over one driver in a backend's tables.
type Row struct{ Lib, Driver string }

var libOrder = map[string]int{"Raw": 0, "Pgx": 1, "Aiodb": 2, "AiodbModel": 3, "Bun": 4, "Gorm": 5, "Sqlx": 6}

var libLabels = map[string]string{
	"Raw": "hand-written", "Pgx": "pgx native", "Aiodb": "aiodb", "AiodbModel": "aiodb methods",
	"Bun": "bun", "Gorm": "gorm", "Sqlx": "sqlx",
}

var driverLabels = map[string]string{
	"pgx":               "pgx stdlib",
	"pq":                "lib/pq",
	"mysql":             "go-sql-driver/mysql",
	"mysql-stmt":        "go-sql-driver/mysql, reused prepared stmt",
	"mysql-interp":      "go-sql-driver/mysql, interpolateParams",
	"mysql-preparestmt": "go-sql-driver/mysql, PrepareStmt",
	"sqlite":            "modernc sqlite",
	"sqlite-stmt":       "modernc sqlite, reused prepared stmt",
	"nop":               "nopdriver",
	"aiopg-nocache":     "aiopg, no stmt cache",
	"pool":              "sqlc-style over pgxpool",
	"conn":              "sqlc-style over one pgx.Conn",
}

// rowLabels name the rows whose library and driver do not read as
// "library (driver)".
var rowLabels = map[Row]string{
	{"Aiodb", "pgxpool"}:      "aiodb on pgxpool (ormpgx)",
	{"AiodbModel", "pgxpool"}: "aiodb methods on pgxpool (ormpgx)",
}

// Label is the row's name in tables and the chart.
func (r Row) Label() string {
	if l, ok := rowLabels[r]; ok {
		return l
	}
	lib := libLabels[r.Lib]
	if lib == "" {
		lib = strings.ToLower(r.Lib)
	}
	drv := driverLabels[r.Driver]
	if drv == "" {
		drv = r.Driver
	}
	return lib + " (" + drv + ")"
}

// Rows returns the libraries that ran any of the five operations on b:
// the baseline first, then the other hand-written drivers, then aiodb,
// bun, gorm, sqlx and anything else, each in the order they were read.
func (d *Data) Rows(b Backend) []Row {
	seen := map[Row]int{}
	var rows []Row
	for _, k := range d.Order {
		if k.Backend != b.Key || !isOp(k.Op) {
			continue
		}
		r := Row{k.Lib, k.Driver}
		if _, ok := seen[r]; !ok {
			seen[r] = len(rows)
			rows = append(rows, r)
		}
	}
	rank := func(r Row) int {
		if r == b.BaseRow() {
			return -1
		}
		if n, ok := libOrder[r.Lib]; ok {
			return n
		}
		return len(libOrder)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		ri, rj := rank(rows[i]), rank(rows[j])
		if ri != rj {
			return ri < rj
		}
		if ri == len(libOrder) && rows[i].Lib != rows[j].Lib {
			return rows[i].Lib < rows[j].Lib
		}
		return seen[rows[i]] < seen[rows[j]]
	})
	return rows
}

func isOp(op string) bool {
	for _, o := range Ops {
		if o == op {
			return true
		}
	}
	return false
}

// Ratio returns how many times base's unit k's is. When both have the
// same number of samples, the i-th of each came from the same pass of
// run.sh, run within seconds of each other, so the ratio is the median of
// the per-pass ratios: load on the machine that changes between passes
// then cancels out. Otherwise it is the ratio of the medians. It is false
// when either is missing or the base is zero.
func (d *Data) Ratio(k, base Key, unit string) (float64, bool) {
	r, _, ok := d.RatioSpread(k, base, unit)
	return r, ok
}

// RatioSpread is Ratio with the spread of the per-pass ratios (see
// Result.Spread; 0 when they are not paired).
func (d *Data) RatioSpread(k, base Key, unit string) (ratio, spread float64, ok bool) {
	r, b := d.Get(k), d.Get(base)
	if r == nil || b == nil {
		return 0, 0, false
	}
	rs, bs := r.Samples[unit], b.Samples[unit]
	if len(rs) > 0 && len(rs) == len(bs) {
		pr := &Result{Samples: map[string][]float64{unit: make([]float64, 0, len(rs))}}
		for i := range rs {
			if bs[i] == 0 {
				return 0, 0, false
			}
			pr.Samples[unit] = append(pr.Samples[unit], rs[i]/bs[i])
		}
		m, _ := pr.Median(unit)
		return m, pr.Spread(unit), true
	}
	rv, ok1 := r.Median(unit)
	bv, ok2 := b.Median(unit)
	if !ok1 || !ok2 || bv == 0 {
		return 0, 0, false
	}
	return rv / bv, 0, true
}

// Target is one of the goals (issue 7's, and issue 16's for ormpgx): Lib
// over Driver on Backend, against BaseLib (default Raw, the hand-written
// code) over BaseDriver, at most Max[op] times its ns/op (or, when Allocs
// is set, at most Allocs more allocs/op).
type Target struct {
	Desc       string
	Lib        string
	Backend    string
	Driver     string
	BaseLib    string // "" for Raw
	BaseDriver string
	Max        map[string]float64 // per op; nil with Allocs
	Allocs     float64            // extra allocs/op allowed when Max is nil
}

// BaseRow is t's baseline.
func (t Target) BaseRow() Row {
	lib := t.BaseLib
	if lib == "" {
		lib = baseLib
	}
	return Row{lib, t.BaseDriver}
}

// Base returns the key of t's baseline for op.
func (t Target) Base(op string) Key {
	r := t.BaseRow()
	return Key{r.Lib, t.Backend, r.Driver, op}
}

func allOps(max float64) map[string]float64 {
	m := map[string]float64{}
	for _, op := range Ops {
		m[op] = max
	}
	return m
}

// Targets are the goals of issue 7, and issue 16's for the ORM on a pgx
// pool.
var Targets = []Target{
	{Desc: "aiopgx within 1.05× of hand-written pgx stdlib", Lib: "Aiodb", Backend: "pg", Driver: "aiopgx", BaseDriver: "pgx", Max: allOps(1.05)},
	{Desc: "ormpgx within 1.05× of sqlc-style pgxpool", Lib: "Aiodb", Backend: "pg", Driver: "pgxpool", BaseLib: "Pgx", BaseDriver: "pool", Max: allOps(1.05)},
	{Desc: "aiopg (statement cache on) within 1.10× of hand-written pgx stdlib", Lib: "Aiodb", Backend: "pg", Driver: "aiopg", BaseDriver: "pgx", Max: allOps(1.10)},
	{Desc: "aiopg (statement cache off) within 1.03× of hand-written lib/pq", Lib: "Aiodb", Backend: "pg", Driver: "aiopg-nocache", BaseDriver: "pq", Max: allOps(1.03)},
	{Desc: "do-nothing driver: Read 1.25×, ReadSlice 1.15×, writes 1.5× of hand-written", Lib: "Aiodb", Backend: "nop", Driver: "nop", BaseDriver: "nop",
		Max: map[string]float64{"Insert": 1.5, "InsertMulti": 1.5, "Update": 1.5, "Read": 1.25, "ReadSlice": 1.15}},
	{Desc: "do-nothing driver: at most 3 allocs/op more than hand-written", Lib: "Aiodb", Backend: "nop", Driver: "nop", BaseDriver: "nop", Allocs: 3},
}

// Comparison is one line of the summary: Row against Base, both on
// Backend and measured in the same passes.
type Comparison struct {
	Backend   string
	Row, Base Row
}

// Summary lists the comparisons of issue 16's fair baselines: aiodb and
// the peers against the fastest hand-written code of each backend, beside
// the baselines of the sections.
var Summary = []Comparison{
	{"pg", Row{"Aiodb", "aiopgx"}, Row{"Raw", "pgx"}},
	{"pg", Row{"Aiodb", "aiopgx"}, Row{"Pgx", "pool"}},
	{"pg", Row{"Aiodb", "pgxpool"}, Row{"Pgx", "pool"}},
	{"pg", Row{"AiodbModel", "pgxpool"}, Row{"Pgx", "pool"}},
	{"pg", Row{"Aiodb", "pgxpool"}, Row{"Aiodb", "aiopgx"}},
	{"pg", Row{"Pgx", "pool"}, Row{"Raw", "pgx"}},
	{"pg", Row{"Pgx", "conn"}, Row{"Pgx", "pool"}},
	{"pg", Row{"Bun", "pgx"}, Row{"Raw", "pgx"}},
	{"pg", Row{"Bun", "pgx"}, Row{"Aiodb", "aiopgx"}},
	{"pg", Row{"Gorm", "pgx"}, Row{"Raw", "pgx"}},
	{"pg", Row{"Sqlx", "pgx"}, Row{"Raw", "pgx"}},
	{"mysql", Row{"Aiodb", "aiomysql"}, Row{"Raw", "mysql"}},
	{"mysql", Row{"Aiodb", "aiomysql"}, Row{"Raw", "mysql-stmt"}},
	{"mysql", Row{"Aiodb", "aiomysql"}, Row{"Raw", "mysql-interp"}},
	{"mysql", Row{"Raw", "mysql-interp"}, Row{"Raw", "mysql-stmt"}},
	{"mysql", Row{"Bun", "mysql"}, Row{"Raw", "mysql-stmt"}},
	{"mysql", Row{"Gorm", "mysql"}, Row{"Raw", "mysql-stmt"}},
	{"mysql", Row{"Gorm", "mysql-preparestmt"}, Row{"Raw", "mysql-stmt"}},
	{"sqlite", Row{"Aiodb", "aiosqlite"}, Row{"Raw", "sqlite"}},
	{"sqlite", Row{"Aiodb", "aiosqlite"}, Row{"Raw", "sqlite-stmt"}},
	{"sqlite", Row{"Bun", "sqlite"}, Row{"Raw", "sqlite-stmt"}},
	{"sqlite", Row{"Sqlx", "sqlite"}, Row{"Raw", "sqlite-stmt"}},
}

// writeSummary writes the Summary lines that ran: per operation, the time
// ratio and the client CPU ratio, each the median of the per-pass ratios.
func (d *Data) writeSummary(p *printer) {
	var lines []string
	for _, c := range Summary {
		cells, any := "", false
		for _, op := range Ops {
			k, base := Key{c.Row.Lib, c.Backend, c.Row.Driver, op}, Key{c.Base.Lib, c.Backend, c.Base.Driver, op}
			t, ok := d.Ratio(k, base, "ns/op")
			if !ok {
				cells += " — |"
				continue
			}
			any = true
			cell := fmt.Sprintf("%.2f×", t)
			if cpu, ok := d.Ratio(k, base, "cpu-ns/op"); ok {
				cell += fmt.Sprintf(" / %.2f×", cpu)
			}
			cells += " " + cell + " |"
		}
		if any {
			lines = append(lines, fmt.Sprintf("| %s | %s | %s |%s\n", c.Backend, c.Row.Label(), c.Base.Label(), cells))
		}
	}
	if len(lines) == 0 {
		return
	}
	p.f("## Summary: against each baseline\n\n")
	p.f("Each cell is the time per operation, then the client CPU per operation, of the first library as a multiple of " +
		"the second's, both measured in the same passes (the median of the per-pass ratios). The reads vary their key over " +
		"1,000 rows; every library sends LIMIT as a literal.\n\n")
	p.f("| backend | library (driver) | against |")
	for _, op := range Ops {
		p.f(" %s |", op)
	}
	p.f("\n|---|---|---|")
	for range Ops {
		p.f("---:|")
	}
	p.f("\n")
	for _, l := range lines {
		p.f("%s", l)
	}
	p.f("\n")
}

// Verdict is a target checked on one operation.
type Verdict struct {
	Op       string
	Measured string // "1.03×" or "12 vs 9 allocs"; "" when not run
	Limit    string
	Met      bool
}

// Check measures t on every operation.
func (d *Data) Check(t Target) []Verdict {
	var out []Verdict
	for _, op := range Ops {
		k := Key{t.Lib, t.Backend, t.Driver, op}
		base := t.Base(op)
		v := Verdict{Op: op}
		if t.Max != nil {
			max, ok := t.Max[op]
			if !ok {
				continue
			}
			v.Limit = fmt.Sprintf("≤ %.2f×", max)
			if r, ok := d.Ratio(k, base, "ns/op"); ok {
				v.Measured = fmt.Sprintf("%.2f×", r)
				v.Met = r <= max
			}
		} else {
			v.Limit = fmt.Sprintf("≤ +%g", t.Allocs)
			if a, b := d.Get(k), d.Get(base); a != nil && b != nil {
				am, ok1 := a.Median("allocs/op")
				bm, ok2 := b.Median("allocs/op")
				if ok1 && ok2 {
					v.Measured = fmt.Sprintf("%g vs %g", am, bm)
					v.Met = am-bm <= t.Allocs
				}
			}
		}
		out = append(out, v)
	}
	return out
}

// Report is what WriteMarkdown needs besides the data.
type Report struct {
	Source   string   // the file the data came from
	Machine  []string // lines describing the machine and servers
	Analysis string   // hand-written markdown, included as it is
	SVG      string   // the chart's file name, "" for none
	Command  string   // how the data was produced
}

// WriteMarkdown writes RESULTS.md.
func (d *Data) WriteMarkdown(w io.Writer, rep Report) error {
	p := &printer{w: w}
	p.f("# aiodb benchmarks: results\n\n")
	p.f("Generated by `go run ./cmd/chart` from `%s`: %d pass(es) of every benchmark. In each pass run.sh "+
		"runs one operation on one backend for every library back to back, in a random order, so a ratio "+
		"compares figures taken seconds apart; each ratio is the median over the passes, each absolute "+
		"figure the median of its runs. Do not edit this file: edit `analysis.md` and run `./run.sh`.\n\n",
		rep.Source, d.Runs)
	p.f("## Machine\n\n")
	for _, k := range []string{"goos", "goarch", "cpu"} {
		if v := d.Config[k]; v != "" {
			p.f("- %s: %s\n", k, v)
		}
	}
	for _, m := range rep.Machine {
		p.f("- %s\n", m)
	}
	if rep.Command != "" {
		p.f("- command: `%s`\n", rep.Command)
	}
	p.f("\n## Targets\n\nMeasured on the time per operation, as issues 7 and 16 state them; the client CPU column is the same ratio " +
		"on the benchmark process's CPU time, which the load of a shared machine disturbs far less.\n\n")
	p.f("| target | op | measured | limit | | client CPU |\n|---|---|---|---|---|---|\n")
	for _, t := range Targets {
		for i, v := range d.Check(t) {
			desc := ""
			if i == 0 {
				desc = t.Desc
			}
			verdict, measured := "missed", v.Measured
			switch {
			case v.Measured == "":
				verdict, measured = "not run", "—"
			case v.Met:
				verdict = "met"
			}
			cpu := "—"
			if t.Max != nil {
				k := Key{t.Lib, t.Backend, t.Driver, v.Op}
				if r, ok := d.Ratio(k, t.Base(v.Op), "cpu-ns/op"); ok {
					cpu = fmt.Sprintf("%.2f×", r)
				}
			}
			p.f("| %s | %s | %s | %s | %s | %s |\n", desc, v.Op, measured, v.Limit, verdict, cpu)
		}
	}
	p.f("\n")
	d.writeSummary(p)
	if rep.SVG != "" {
		p.f("![Time per operation as a multiple of hand-written database/sql](%s)\n\n", rep.SVG)
	}
	if a := strings.TrimSpace(rep.Analysis); a != "" {
		p.f("%s\n\n", a)
	}
	for _, b := range Backends {
		rows := d.Rows(b)
		if len(rows) == 0 || !d.hasBase(b) {
			continue
		}
		base := b.BaseRow()
		p.f("## %s\n\n", b.Title)
		if b.Alt {
			p.f("The same runs as the section above, against another baseline measured in the same passes. ")
		}
		p.f("Time per operation: the baseline, %s, in absolute terms (± half the interquartile range of its runs); "+
			"every other row as a multiple of it (the median of the ratios of each pass, ± half their interquartile range).\n\n", base.Label())
		d.ratioTable(p, b, rows, "ns/op")
		if d.has(b, "cpu-ns/op") {
			p.f("\nClient CPU per operation (user and system time of the benchmark process: the server and the waits " +
				"left out), in the same form.\n\n")
			d.ratioTable(p, b, rows, "cpu-ns/op")
		}
		if b.Alt {
			p.f("\n")
			continue
		}
		p.f("\nMemory per operation: bytes · allocations (allocations as a multiple of the baseline's).\n\n")
		p.header(rows)
		for _, r := range rows {
			p.f("| %s |", r.Label())
			for _, op := range Ops {
				k := Key{r.Lib, b.Key, r.Driver, op}
				res := d.Get(k)
				if res == nil {
					p.f(" — |")
					continue
				}
				bytes, _ := res.Median("B/op")
				allocs, _ := res.Median("allocs/op")
				cell := fmt.Sprintf("%s · %g", formatBytes(bytes), allocs)
				if r != base {
					if ratio, ok := d.Ratio(k, b.Base(op), "allocs/op"); ok {
						cell += fmt.Sprintf(" (%.1f×)", ratio)
					}
				}
				p.f(" %s |", cell)
			}
			p.f("\n")
		}
		p.f("\n")
	}
	d.writeOthers(p)
	return p.err
}

// has reports whether any benchmark on b reported unit.
func (d *Data) has(b Backend, unit string) bool {
	for k, r := range d.Results {
		if k.Backend == b.Key && len(r.Samples[unit]) > 0 {
			return true
		}
	}
	return false
}

// ratioTable writes one row per library: the baseline's unit in absolute
// terms, the others' as multiples of it.
func (d *Data) ratioTable(p *printer, b Backend, rows []Row, unit string) {
	base := b.BaseRow()
	p.header(rows)
	for _, r := range rows {
		p.f("| %s |", r.Label())
		for _, op := range Ops {
			k := Key{r.Lib, b.Key, r.Driver, op}
			res := d.Get(k)
			v, ok := 0.0, false
			if res != nil {
				v, ok = res.Median(unit)
			}
			if !ok {
				p.f(" — |")
				continue
			}
			if r != base {
				if ratio, spread, ok := d.RatioSpread(k, b.Base(op), unit); ok {
					p.f(" %.2f× ±%.0f%% |", ratio, 100*spread)
					continue
				}
			}
			p.f(" %s ±%.0f%% |", formatNs(v), 100*res.Spread(unit))
		}
		p.f("\n")
	}
}

// writeOthers lists the benchmarks that are not one of the five
// operations (the async forms): time with its multiple of the hand-written
// form on the same backend when there is one and of the backend's other
// baseline that ran it (on PostgreSQL sqlc-style pgxpool), memory, and
// every other unit they report.
func (d *Data) writeOthers(p *printer) {
	var keys []Key
	for _, k := range d.Order {
		if !isOp(k.Op) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return
	}
	sort.SliceStable(keys, func(i, j int) bool {
		if keys[i].Op != keys[j].Op {
			return keys[i].Op < keys[j].Op
		}
		if keys[i].Backend != keys[j].Backend {
			return keys[i].Backend < keys[j].Backend
		}
		return keys[i].Lib == baseLib && keys[j].Lib != baseLib
	})
	p.f("## Async forms\n\n")
	p.f("Fanout64: one operation is 64 reads of one row started at once and all awaited (hand-written: " +
		"64 goroutines and a WaitGroup; aiodb: 64 AioGet and aio.Gather), on a pool of 16 connections. " +
		"Stream100k: 100,000 rows read one at a time and dropped (hand-written: rows.Next into one struct; " +
		"aiodb: ranging over AioExecute's channel, a fresh *T per row). peak-heap is how far the heap rose " +
		"above its start, garbage included; peak-live is the most that survived a GC: what the code held on to. " +
		"× other baseline is the time against the backend's other baseline where it ran the form (on PostgreSQL, " +
		"sqlc-style pgx over pgxpool: Fanout64 is its 64 goroutines on the pool, Stream100k its rows.Next loop).\n\n")
	p.f("| benchmark | time/op | × hand-written | × other baseline | client CPU × | B/op | allocs/op | other |\n|---|---:|---:|---:|---:|---:|---:|---|\n")
	for _, k := range keys {
		res := d.Get(k)
		ns, _ := res.Median("ns/op")
		cell := func(unit string, format func(float64) string) string {
			if v, ok := res.Median(unit); ok {
				return format(v)
			}
			return "—"
		}
		ratio, alt, cpu := "—", "—", "—"
		for _, b := range Backends {
			if b.Key != k.Backend || (Row{k.Lib, k.Driver}) == b.BaseRow() {
				continue
			}
			if !b.Alt {
				if r, spread, ok := d.RatioSpread(k, b.Base(k.Op), "ns/op"); ok {
					ratio = fmt.Sprintf("%.2f× ±%.0f%%", r, 100*spread)
				}
				if r, ok := d.Ratio(k, b.Base(k.Op), "cpu-ns/op"); ok {
					cpu = fmt.Sprintf("%.2f×", r)
				}
			} else if alt == "—" {
				if r, spread, ok := d.RatioSpread(k, b.Base(k.Op), "ns/op"); ok {
					alt = fmt.Sprintf("%.2f× ±%.0f%%", r, 100*spread)
				}
			}
		}
		var units []string
		for u := range res.Samples {
			if u != "ns/op" && u != "B/op" && u != "allocs/op" && u != "cpu-ns/op" {
				units = append(units, u)
			}
		}
		sort.Strings(units)
		var other []string
		for _, u := range units {
			v, _ := res.Median(u)
			other = append(other, fmt.Sprintf("%s %s", trimFloat(v), u))
		}
		p.f("| %s | %s ±%.0f%% | %s | %s | %s | %s | %s | %s |\n", k, formatNs(ns), 100*res.Spread("ns/op"), ratio, alt, cpu,
			cell("B/op", formatBytes), cell("allocs/op", trimFloat), strings.Join(other, ", "))
	}
	p.f("\n")
}

func (p *printer) header(rows []Row) {
	p.f("| library (driver) |")
	for _, op := range Ops {
		p.f(" %s |", op)
	}
	p.f("\n|---|")
	for range Ops {
		p.f("---:|")
	}
	p.f("\n")
}

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

// formatNs writes a duration in ns with three significant digits.
func formatNs(ns float64) string {
	switch {
	case ns >= 1e6:
		return trimFloat(ns/1e6) + " ms"
	case ns >= 1e3:
		return trimFloat(ns/1e3) + " µs"
	default:
		return trimFloat(ns) + " ns"
	}
}

func formatBytes(b float64) string {
	switch {
	case b >= 1<<20:
		return trimFloat(b/(1<<20)) + " MiB"
	case b >= 1<<10:
		return trimFloat(b/(1<<10)) + " KiB"
	default:
		return trimFloat(b) + " B"
	}
}

// trimFloat writes v with three significant digits (more for large
// integers).
func trimFloat(v float64) string {
	switch {
	case v >= 100 || v == math.Trunc(v):
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}
