// Command chart turns the output of the benchmarks into RESULTS.md (tables
// of every library as a multiple of the hand-written baseline of the same
// runs, with B/op and allocs/op, and the targets checked) and
// RESULTS.svg (the same ratios drawn as bars). run.sh calls it:
//
//	go run ./cmd/chart -in results/bench.txt -machine results/machine.txt \
//		-analysis analysis.md -md RESULTS.md -svg RESULTS.svg
//
// The input is what go test -bench prints, any number of runs appended;
// each figure is the median of the runs. A missing -machine or -analysis
// file is an error, so a typo cannot silently drop a section.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	in := flag.String("in", "results/bench.txt", "benchmark output to read")
	md := flag.String("md", "RESULTS.md", "Markdown report to write (\"\" for none)")
	svg := flag.String("svg", "RESULTS.svg", "chart to write (\"\" for none)")
	machine := flag.String("machine", "", "file of lines describing the machine and servers, one per line")
	analysis := flag.String("analysis", "", "hand-written Markdown to include after the targets")
	command := flag.String("command", "", "the command that produced the input, for the report")
	flag.Parse()
	if err := run(*in, *md, *svg, *machine, *analysis, *command); err != nil {
		fmt.Fprintln(os.Stderr, "chart:", err)
		os.Exit(1)
	}
}

func run(in, md, svg, machine, analysis, command string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	d, err := Parse(f)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	if len(d.Results) == 0 {
		return fmt.Errorf("%s: no benchmark results", in)
	}
	rep := Report{Source: in, Command: command}
	if machine != "" {
		b, err := os.ReadFile(machine)
		if err != nil {
			return err
		}
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				rep.Machine = append(rep.Machine, l)
			}
		}
	}
	if analysis != "" {
		b, err := os.ReadFile(analysis)
		if err != nil {
			return err
		}
		rep.Analysis = string(b)
	}
	if svg != "" {
		var buf bytes.Buffer
		if err := d.WriteSVG(&buf); err != nil {
			return err
		}
		if err := os.WriteFile(svg, buf.Bytes(), 0o644); err != nil {
			return err
		}
		if md != "" {
			// The report links the chart relative to itself.
			if rel, err := filepath.Rel(filepath.Dir(md), svg); err == nil {
				rep.SVG = filepath.ToSlash(rel)
			}
		}
	}
	if md != "" {
		var buf bytes.Buffer
		if err := d.WriteMarkdown(&buf, rep); err != nil {
			return err
		}
		return os.WriteFile(md, buf.Bytes(), 0o644)
	}
	return nil
}
