package html

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

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
	Sub          string // a second, smaller line under Text
	SY           int
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

// ink picks a text colour for the fill: the first of near-black, white and
// black whose WCAG contrast with the fill is at least 4.5:1 (AA for normal
// text), or the one with the highest contrast. Black or white always
// reaches 4.5:1 against any fill.
func ink(fill string) string {
	best, bestC := "#000000", 0.0
	for _, c := range []string{"#1a1a1a", "#ffffff", "#000000"} {
		r := Contrast(fill, c)
		if r >= 4.5 {
			return c
		}
		if r > bestC {
			best, bestC = c, r
		}
	}
	return best
}

// Luminance is the WCAG 2 relative luminance of a "#rrggbb" colour.
func Luminance(hex string) float64 {
	var rgb [3]int
	if _, err := fmt.Sscanf(hex, "#%02x%02x%02x", &rgb[0], &rgb[1], &rgb[2]); err != nil {
		return 0
	}
	var l [3]float64
	for i, v := range rgb {
		c := float64(v) / 255
		if c <= 0.03928 {
			l[i] = c / 12.92
		} else {
			l[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
}

// Contrast is the WCAG 2 contrast ratio of two "#rrggbb" colours, 1 to 21.
func Contrast(a, b string) float64 {
	la, lb := Luminance(a), Luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// Class is a risk class of the scoring tables: the risk values it spans,
// what it means, and the colour it is drawn in.
type Class struct {
	Level    string
	Min, Max int
	Meaning  string
	Fill     string
	Ink      string
}

// classFills are the TVRA class colours, least to most severe: green for
// minor, amber for major, red for critical.
var classFills = []string{"#b7e1a1", "#fdae61", "#b2182b"}

// Classes returns the risk classes of the scoring tables (risk/scoring.yaml)
// with their colours. With other than three classes the colours are
// interpolated from green to red.
func Classes() []Class {
	s, err := risk.LoadScoring()
	if err != nil {
		return nil
	}
	var out []Class
	n := len(s.Risk.Levels)
	for i, l := range s.Risk.Levels {
		fill := ""
		if n == len(classFills) {
			fill = classFills[i]
		} else {
			fill = heat(ratio(i, max(n-1, 1)))
		}
		out = append(out, Class{Level: l.Level, Min: l.Min, Max: l.Max, Meaning: l.Meaning, Fill: fill, Ink: ink(fill)})
	}
	return out
}

func classOf(classes []Class, v int) (Class, bool) {
	for _, c := range classes {
		if v >= c.Min && v <= c.Max {
			return c, true
		}
	}
	return Class{}, false
}

// riskMatrix draws likelihood (rows, highest on top) by impact (columns)
// with the number of entries in each cell, for the inherent or the residual
// scores.
func riskMatrix(id, title string, entries []risk.Entry, residual bool, classes []Class) Chart {
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
	c.Desc = fmt.Sprintf("Number of risk entries (a threat against one or more assets of one kind) in each cell of the %d by %d likelihood and impact matrix; "+
		"each cell is coloured by the risk class of likelihood x impact.", maxL, maxI)
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
			fill, class := "#e0e0e0", "unclassified"
			if k, ok := classOf(classes, l*i); ok {
				fill, class = k.Fill, k.Level
			}
			cell := Cell{X: x, Y: y, W: cw, H: ch, Fill: fill, Stroke: "#ffffff", TX: x + cw/2, TY: y + ch/2 - 2, Ink: ink(fill),
				Text: fmt.Sprint(len(n)), Sub: fmt.Sprintf("%s (%d)", class, l*i), SY: y + ch/2 + 16}
			cell.Title = fmt.Sprintf("likelihood %s x impact %s = %d, %s: ", level(lname[l], l), level(iname[i], i), l*i, class)
			if len(n) == 0 {
				cell.Title += "no entry"
			} else {
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
	const rowH, colW = 24, 120
	left := 40
	for _, r := range rows {
		left = max(left, 7*utf8.RuneCountInString(r)+16)
	}
	left = min(left, 480)
	heads := make([][]string, len(cols))
	lines := 1
	for j, col := range cols {
		heads[j] = splitLabel(col.Head, 18)
		lines = max(lines, len(heads[j]))
	}
	lines = min(lines, 4)
	top := 30 + 14*lines
	c := Chart{ID: id, Title: title, Desc: desc, Width: left + colW*len(cols) + 10, Height: top + rowH*len(rows) + 10}
	c.Labels = append(c.Labels, Label{X: 4, Y: 16, Text: title, Anchor: "start"})
	for j := range cols {
		hl := heads[j]
		if len(hl) > lines {
			hl = hl[:lines]
		}
		for k, t := range hl {
			c.Labels = append(c.Labels, Label{X: left + j*colW + colW/2, Y: top - 8 - 14*(len(hl)-1-k), Text: t, Anchor: "middle"})
		}
	}
	for i, r := range rows {
		y := top + i*rowH
		c.Labels = append(c.Labels, Label{X: left - 8, Y: y + rowH/2 + 4, Text: r, Anchor: "end"})
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

// splitLabel breaks a heading into lines of about n characters at spaces.
func splitLabel(s string, n int) []string {
	var out []string
	cur := ""
	for _, w := range strings.Fields(s) {
		if cur != "" && utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(w) > n {
			out = append(out, cur)
			cur = ""
		}
		if cur != "" {
			cur += " "
		}
		cur += w
	}
	if cur != "" || len(out) == 0 {
		out = append(out, cur)
	}
	return out
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
		"For each applicable requirement: the number of standards that address it, the number of catalogue controls that serve it, how many of those the system implements, and how many of those have evidence. Red is none, green is full coverage.",
		rows, []column{
			{"standards that address it", func(i int) (string, float64) { return count(len(rc[i].Standards), maxS) }},
			{"catalogue controls", func(i int) (string, float64) { return count(rc[i].Controls, maxC) }},
			{"controls implemented", func(i int) (string, float64) { return frac(rc[i].Implemented, rc[i].Controls) }},
			{"controls with evidence", func(i int) (string, float64) { return frac(rc[i].Evidenced, rc[i].Controls) }},
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
		"For each applicable threat: the number of standards that address it, whether a published AI-specific standard covers it, the number of catalogue controls that mitigate it, and how many of those the system implements. Red is none, green is full coverage.",
		rows, []column{
			{"standards that address it", func(i int) (string, float64) { return count(len(tc[i].Standards), maxS) }},
			{"AI-specific standard covers it", func(i int) (string, float64) {
				if tc[i].Specific {
					return "yes", 1
				}
				return "no", 0
			}},
			{"catalogue controls", func(i int) (string, float64) { return count(tc[i].Controls, maxC) }},
			{"controls implemented", func(i int) (string, float64) { return frac(tc[i].Implemented, tc[i].Controls) }},
		})
}
