package main

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// Chart geometry, in SVG user units (pixels).
const (
	labelW   = 350 // the library names at the left
	panelW   = 190 // one operation's bars
	panelGap = 18
	barH     = 13
	rowH     = 18
	margin   = 16
	maxScale = 3.0 // bars longer than this many times the baseline are cut
)

var libColors = map[string]string{
	"Raw": "#7f7f7f", "Pgx": "#2e8b3e", "Aiodb": "#1f6fb4", "Bun": "#ef8a17", "Gorm": "#c83737", "Sqlx": "#8a5bbf",
}

// rowColor is the row's bar colour: aiodb's variants in shades of blue,
// the other hand-written drivers lighter than the baseline.
func rowColor(r Row, base Row) string {
	switch {
	case r == base:
		return "#4d4d4d"
	case r.Lib == "Aiodb" && strings.HasSuffix(r.Driver, "-nocache"):
		return "#7fb2e0"
	case r.Lib == "Aiodb" && r.Driver == "aiopg":
		return "#3c8fd6"
	case r.Lib == "Aiodb" && r.Driver == "pgxpool":
		return "#0d3f73"
	case r.Lib == "AiodbModel" && r.Driver == "pgxpool":
		return "#0c6b6b"
	case r.Lib == "AiodbModel":
		return "#17a2a2"
	case r.Lib == "Pgx" && r.Driver == "conn":
		return "#8fcf8f"
	}
	if c, ok := libColors[r.Lib]; ok {
		if r.Lib == "Raw" {
			return "#a6a6a6"
		}
		return c
	}
	return "#2ca02c"
}

// panelScale is the ratio at the right edge of a panel: the largest ratio
// rounded up to a half, at least 1.5 so that the baseline's line stands
// clear, at most maxScale.
func panelScale(maxRatio float64) float64 {
	s := math.Ceil(maxRatio*2) / 2
	return math.Min(math.Max(s, 1.5), maxScale)
}

// targetFor returns aiodb's time target for the row on backend b and op,
// relative to b's baseline, or 0 when there is none: a target shows in
// the section whose baseline is its own.
func targetFor(r Row, b Backend, op string) float64 {
	for _, t := range Targets {
		if t.Lib == r.Lib && t.Backend == b.Key && t.Driver == r.Driver && t.BaseRow() == b.BaseRow() && t.Max != nil {
			return t.Max[op]
		}
	}
	return 0
}

// WriteSVG draws, for every backend, each library's time per operation as
// a multiple of the hand-written baseline: one panel per operation, one bar
// per library, a line at 1.0 and a dashed mark at aiodb's targets; a value
// over its target is written in red.
func (d *Data) WriteSVG(w io.Writer) error {
	type block struct {
		b    Backend
		rows []Row
	}
	var blocks []block
	for _, b := range Backends {
		if rows := d.Rows(b); len(rows) > 0 && d.hasBase(b) {
			blocks = append(blocks, block{b, rows})
		}
	}
	width := 2*margin + labelW + len(Ops)*panelW + (len(Ops)-1)*panelGap
	height := margin + 56
	for _, bl := range blocks {
		height += 40 + len(bl.rows)*rowH + 14
	}
	height += margin

	p := &printer{w: w}
	p.f(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="11">`+"\n", width, height, width, height)
	p.f(`<rect width="100%%" height="100%%" fill="#ffffff"/>` + "\n")
	p.f(`<text x="%d" y="%d" font-size="16" font-weight="bold">Time per operation as a multiple of each section's baseline (shorter is faster)</text>`+"\n", margin, margin+14)
	p.f(`<text x="%d" y="%d" fill="#444">Medians over %d pass(es) of the ratio to the baseline of the same pass (1×; its own time is printed on its bar). Dashed marks: aiodb's targets; red figures miss them. Bars past %.0f× are cut (›).</text>`+"\n",
		margin, margin+34, d.Runs, maxScale)
	y := margin + 56
	for _, bl := range blocks {
		base := bl.b.BaseRow()
		p.f(`<text x="%d" y="%d"><tspan font-size="13" font-weight="bold">%s</tspan><tspan fill="#444" dx="10">baseline = %s</tspan></text>`+"\n",
			margin, y+14, esc(bl.b.Title), esc(base.Label()))
		top := y + 40
		for i, r := range bl.rows {
			ry := top + i*rowH
			weight := "normal"
			if strings.HasPrefix(r.Lib, "Aiodb") {
				weight = "bold"
			}
			p.f(`<text x="%d" y="%d" text-anchor="end" font-weight="%s">%s</text>`+"\n", margin+labelW-8, ry+barH-2, weight, esc(r.Label()))
		}
		for j, op := range Ops {
			x0 := margin + labelW + j*(panelW+panelGap)
			maxR := 1.0
			for _, r := range bl.rows {
				if v, ok := d.Ratio(Key{r.Lib, bl.b.Key, r.Driver, op}, bl.b.Base(op), "ns/op"); ok {
					maxR = math.Max(maxR, v)
				}
			}
			scale := panelScale(maxR)
			barMax := float64(panelW - 44) // room for the figure after the bar
			px := func(ratio float64) float64 { return float64(x0) + barMax*math.Min(ratio, scale)/scale }
			p.f(`<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", x0, top-6, op)
			p.f(`<rect x="%d" y="%d" width="%d" height="%d" fill="#f4f4f4"/>`+"\n", x0, top-2, panelW, len(bl.rows)*rowH)
			// Grid lines every 0.5.
			for g := 0.5; g <= scale+1e-9; g += 0.5 {
				stroke, sw := "#dddddd", 1.0
				if g == 1 {
					stroke, sw = "#333333", 1.2
				}
				p.f(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="%.1f"/>`+"\n", px(g), top-2, px(g), top-2+len(bl.rows)*rowH, stroke, sw)
			}
			p.f(`<text x="%.1f" y="%d" fill="#666" font-size="9" text-anchor="middle">1×</text>`+"\n", px(1), top+len(bl.rows)*rowH+9)
			p.f(`<text x="%.1f" y="%d" fill="#666" font-size="9" text-anchor="middle">%g×</text>`+"\n", px(scale), top+len(bl.rows)*rowH+9, scale)
			for i, r := range bl.rows {
				ry := top + i*rowH
				k := Key{r.Lib, bl.b.Key, r.Driver, op}
				res := d.Get(k)
				if res == nil {
					p.f(`<text x="%d" y="%d" fill="#999">—</text>`+"\n", x0+4, ry+barH-2)
					continue
				}
				var ratio float64
				var label string
				if r == base {
					ns, _ := res.Median("ns/op")
					ratio, label = 1, formatNs(ns)
				} else if v, ok := d.Ratio(k, bl.b.Base(op), "ns/op"); ok {
					ratio, label = v, fmt.Sprintf("%.2f", v)
				} else {
					p.f(`<text x="%d" y="%d" fill="#999">no baseline</text>`+"\n", x0+4, ry+barH-2)
					continue
				}
				end := px(ratio)
				p.f(`<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s %s: %s</title></rect>`+"\n",
					x0, ry, end-float64(x0), barH, rowColor(r, base), esc(r.Label()), op, esc(label))
				if ratio > scale {
					p.f(`<text x="%.1f" y="%d" fill="#ffffff" font-weight="bold" text-anchor="end">›</text>`+"\n", end-2, ry+barH-2)
				}
				fill, textX := "#222222", end+3
				if t := targetFor(r, bl.b, op); t > 0 {
					p.f(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#000000" stroke-width="1.5" stroke-dasharray="3,2"/>`+"\n", px(t), ry-2, px(t), ry+barH+2)
					if ratio > t {
						fill = "#d00000"
					}
					// The figure goes right of the mark when the mark would run
					// through it (figures are about 28 units wide).
					if m := px(t); m >= textX-2 && m < textX+30 {
						textX = m + 4
					}
				}
				p.f(`<text x="%.1f" y="%d" fill="%s">%s</text>`+"\n", textX, ry+barH-2, fill, esc(label))
			}
		}
		y = top + len(bl.rows)*rowH + 14
	}
	p.f("</svg>\n")
	return p.err
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

func esc(s string) string { return escaper.Replace(s) }
