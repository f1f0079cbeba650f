package html

import (
	"fmt"
	"strings"

	"github.com/aiassure/aiassure/report"
	"github.com/aiassure/aiassure/risk"
)

// Chart is an SVG chart drawn from rectangles, polylines, polygons, circles
// and text. Coordinates and
// colours are computed here; the template escapes every string.
type Chart struct {
	ID     string // element id of the title, for aria-labelledby
	Title  string
	Desc   string
	Width  int
	Height int
	Cells  []Cell
	Bands  []Band // drawn first, under everything else
	Lines  []Line
	Labels []Label
}

// Cell is one rectangle with its tooltip and centred label.
type Cell struct {
	X, Y, W, H   int
	Fill, Stroke string
	Title        string // tooltip: what the cell holds
	Text         string
	TX, TY       int
	Ink          string
}

// Label is free text on the chart.
type Label struct {
	X, Y   int
	Text   string
	Anchor string // start, middle, end
	Rotate bool   // vertical, reading upwards
}

// mix blends two colours; t in [0,1].
func mix(a, b [3]int, t float64) string {
	if t < 0 {
		t = 0
	}
	if t > 1 {
		t = 1
	}
	var c [3]int
	for i := range c {
		c[i] = a[i] + int(float64(b[i]-a[i])*t+0.5)
	}
	return fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2])
}

var (
	green  = [3]int{0xd9, 0xf0, 0xd3}
	yellow = [3]int{0xfe, 0xe0, 0x8b}
	red    = [3]int{0xd7, 0x30, 0x27}
	white  = [3]int{0xf7, 0xf7, 0xf7}
	teal   = [3]int{0x1a, 0x98, 0x50}
)

// heat goes green, yellow, red as t goes 0 to 1.
func heat(t float64) string {
	if t <= 0.5 {
		return mix(green, yellow, t*2)
	}
	return mix(yellow, red, (t-0.5)*2)
}

// ink picks a text colour that reads on the fill.
func ink(fill string) string {
	var r, g, b int
	fmt.Sscanf(fill, "#%02x%02x%02x", &r, &g, &b)
	if r*299+g*587+b*114 < 128000 {
		return "#ffffff"
	}
	return "#1a1a1a"
}

// riskMatrix draws likelihood (rows, highest on top) by impact (columns)
// with the number of entries in each cell, for the inherent or the residual
// scores.
func riskMatrix(id, title string, entries []risk.Entry, residual bool) Chart {
	pick := func(e risk.Entry) (risk.Score, risk.Score) {
		if residual {
			return e.ResidualLikelihood, e.ResidualImpact
		}
		return e.Likelihood, e.Impact
	}
	maxL, maxI := 3, 3
	lname, iname := map[int]string{}, map[int]string{}
	for _, e := range entries {
		l, i := pick(e)
		maxL, maxI = max(maxL, l.Value), max(maxI, i.Value)
		// Level names come from inherent and residual scores alike, so a
		// level that no entry of this matrix has is still named.
		for _, s := range []risk.Score{e.Likelihood, e.ResidualLikelihood} {
			if s.Value > 0 {
				lname[s.Value] = s.Level
			}
		}
		for _, s := range []risk.Score{e.Impact, e.ResidualImpact} {
			if s.Value > 0 {
				iname[s.Value] = s.Level
			}
		}
	}
	maxL, maxI = min(maxL, 10), min(maxI, 10) // a hostile report cannot make a huge chart
	const cw, ch, left, top = 96, 56, 110, 30
	c := Chart{ID: id, Title: title, Width: left + cw*maxI + 10, Height: top + ch*maxL + 56}
	c.Desc = fmt.Sprintf("Number of threat and asset pairs in each cell of the %d by %d likelihood and impact matrix.", maxL, maxI)
	names := map[[2]int][]string{}
	var outside []string
	for _, e := range entries {
		l, i := pick(e)
		if l.Value < 1 || i.Value < 1 || l.Value > maxL || i.Value > maxI {
			outside = append(outside, string(e.Threat))
			continue
		}
		k := [2]int{l.Value, i.Value}
		names[k] = append(names[k], string(e.Threat)+" on "+e.AssetList())
	}
	for l := 1; l <= maxL; l++ {
		y := top + (maxL-l)*ch
		c.Labels = append(c.Labels, Label{X: left - 8, Y: y + ch/2 + 4, Text: level(lname[l], l), Anchor: "end"})
		for i := 1; i <= maxI; i++ {
			x := left + (i-1)*cw
			n := names[[2]int{l, i}]
			fill := heat(float64(l*i-1) / float64(maxL*maxI-1))
			cell := Cell{X: x, Y: y, W: cw, H: ch, Fill: fill, Stroke: "#ffffff", TX: x + cw/2, TY: y + ch/2 + 5, Ink: ink(fill)}
			cell.Title = fmt.Sprintf("likelihood %s x impact %s = %d: ", level(lname[l], l), level(iname[i], i), l*i)
			if len(n) == 0 {
				cell.Title += "none"
			} else {
				cell.Text = fmt.Sprint(len(n))
				cell.Title += strings.Join(n, "; ")
			}
			c.Cells = append(c.Cells, cell)
		}
	}
	for i := 1; i <= maxI; i++ {
		c.Labels = append(c.Labels, Label{X: left + (i-1)*cw + cw/2, Y: top + maxL*ch + 18, Text: level(iname[i], i), Anchor: "middle"})
	}
	c.Labels = append(c.Labels,
		Label{X: left + maxI*cw/2, Y: top + maxL*ch + 40, Text: "impact", Anchor: "middle"},
		Label{X: 14, Y: top + maxL*ch/2, Text: "likelihood", Anchor: "middle", Rotate: true},
		Label{X: left, Y: 18, Text: title, Anchor: "start"})
	if len(outside) > 0 {
		c.Desc += " Not drawn (scores outside the matrix): " + strings.Join(outside, ", ") + "."
	}
	return c
}

func level(name string, v int) string {
	if name == "" {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%s (%d)", name, v)
}

// column of a heat map: its heading and, per row, the value to print and a
// score in [0,1] where 0 is worst (no coverage).
type column struct {
	Head  string
	Value func(i int) (text string, score float64)
}

// heatMap draws rows by columns, red where coverage is missing and green
// where it is full.
func heatMap(id, title, desc string, rows []string, cols []column) Chart {
	const rowH, colW, top = 26, 104, 44
	left := 40
	for _, r := range rows {
		left = max(left, 7*len(r)+16)
	}
	left = min(left, 260)
	c := Chart{ID: id, Title: title, Desc: desc, Width: left + colW*len(cols) + 10, Height: top + rowH*len(rows) + 10}
	c.Labels = append(c.Labels, Label{X: 4, Y: 16, Text: title, Anchor: "start"})
	for j, col := range cols {
		c.Labels = append(c.Labels, Label{X: left + j*colW + colW/2, Y: top - 8, Text: col.Head, Anchor: "middle"})
	}
	for i, r := range rows {
		y := top + i*rowH
		c.Labels = append(c.Labels, Label{X: left - 8, Y: y + rowH/2 + 4, Text: truncate(r, 36), Anchor: "end"})
		for j, col := range cols {
			text, score := col.Value(i)
			fill := mix(red, teal, score)
			if score > 0 && score < 1 {
				fill = heat(1 - score)
			}
			if text == "-" {
				fill = mix(white, white, 0)
			}
			x := left + j*colW
			c.Cells = append(c.Cells, Cell{X: x, Y: y, W: colW, H: rowH, Fill: fill, Stroke: "#ffffff",
				Title: r + ", " + col.Head + ": " + text, Text: text, TX: x + colW/2, TY: y + rowH/2 + 5, Ink: ink(fill)})
		}
	}
	return c
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "~"
}

func ratio(a, b int) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func count(n, most int) (string, float64) {
	if most <= 0 {
		return fmt.Sprint(n), 0
	}
	return fmt.Sprint(n), ratio(n, most)
}

func frac(a, b int) (string, float64) {
	if b <= 0 {
		return "-", 0
	}
	return fmt.Sprintf("%d/%d", a, b), ratio(a, b)
}

func requirementHeat(r *report.Report) Chart {
	rc := r.Coverage.Requirements
	rows := make([]string, len(rc))
	maxS, maxC := 0, 0
	for i, x := range rc {
		rows[i] = string(x.Requirement)
		maxS, maxC = max(maxS, len(x.Standards)), max(maxC, x.Controls)
	}
	return heatMap("heat-requirements", "Requirement coverage",
		"For each applicable requirement: standards that address it, controls in the catalogue, how many of those the system implements, and how many have evidence.",
		rows, []column{
			{"standards", func(i int) (string, float64) { return count(len(rc[i].Standards), maxS) }},
			{"controls", func(i int) (string, float64) { return count(rc[i].Controls, maxC) }},
			{"implemented", func(i int) (string, float64) { return frac(rc[i].Implemented, rc[i].Controls) }},
			{"evidenced", func(i int) (string, float64) { return frac(rc[i].Evidenced, rc[i].Controls) }},
		})
}

func threatHeat(r *report.Report) Chart {
	tc := r.Coverage.Threats
	rows := make([]string, len(tc))
	maxS, maxC := 0, 0
	for i, x := range tc {
		rows[i] = string(x.Threat)
		maxS, maxC = max(maxS, len(x.Standards)), max(maxC, x.Controls)
	}
	return heatMap("heat-threats", "Threat coverage",
		"For each applicable threat: standards that address it, whether an AI-specific standard covers it, mitigating controls in the catalogue, and how many of those the system implements.",
		rows, []column{
			{"standards", func(i int) (string, float64) { return count(len(tc[i].Standards), maxS) }},
			{"AI-specific", func(i int) (string, float64) {
				if tc[i].Specific {
					return "yes", 1
				}
				return "no", 0
			}},
			{"controls", func(i int) (string, float64) { return count(tc[i].Controls, maxC) }},
			{"implemented", func(i int) (string, float64) { return frac(tc[i].Implemented, tc[i].Controls) }},
		})
}
