package html

import (
	"cmp"
	"fmt"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure"
)

// Line is a polyline with marks at its points.
type Line struct {
	Points string // "x,y x,y ..."
	Stroke string
	Dash   string // stroke-dasharray, or ""
	Width  int
	Marks  []Mark
}

// Mark is one data point: a small circle with a tooltip.
type Mark struct {
	X, Y  int
	Fill  string
	Title string
}

// Band is a filled polygon (a confidence band).
type Band struct {
	Points  string
	Fill    string
	Opacity string
}

// Curve is one attack's robustness curve read from a Result.
type Curve struct {
	Attack  string
	Norm    string // linf or l2
	Model   string // the model file attacked, from the result's evidence
	Samples int    // attacked samples per point, from the "samples" metric; 0 when not given
	Points  []CurvePoint
}

// CurvePoint is robust accuracy at one epsilon, with its interval when the
// Result gives it (HasCI).
type CurvePoint struct {
	Epsilon, Robust, Lo, Hi float64
	HasCI                   bool
}

// Limits that keep a hostile report from making a huge chart.
const (
	maxCurves      = 12
	maxCurvePoints = 40
)

// curves reads the robustness curves from the Results: every Result whose
// Metrics hold "robust_accuracy@<ε>" keys (with "robust_accuracy_lo@<ε>"
// and "robust_accuracy_hi@<ε>" for the interval, and the flag "norm_l2" or
// "norm_linf"; see package probe). Values outside [0, 1] and epsilons that
// are not positive finite numbers are dropped.
func curves(results []aiassure.Result) []Curve {
	var out []Curve
	for _, r := range results {
		c := Curve{Attack: strings.TrimPrefix(r.ID, "evasion/"), Norm: "linf", Model: modelOf(r)}
		if n := r.Metrics["samples"]; n >= 1 && n < 1e9 {
			c.Samples = int(n)
		}
		if r.Metrics["norm_l2"] == 1 || (r.Metrics["norm_linf"] != 1 && strings.HasSuffix(r.ID, "-l2")) {
			c.Norm = "l2"
		}
		for k, v := range r.Metrics {
			s, ok := strings.CutPrefix(k, "robust_accuracy@")
			if !ok {
				continue
			}
			e, err := strconv.ParseFloat(s, 64)
			if err != nil || !(e > 0) || math.IsInf(e, 0) || !(v >= 0 && v <= 1) {
				continue
			}
			p := CurvePoint{Epsilon: e, Robust: v}
			lo, okl := r.Metrics["robust_accuracy_lo@"+s]
			hi, okh := r.Metrics["robust_accuracy_hi@"+s]
			if okl && okh && lo >= 0 && lo <= v && hi >= v && hi <= 1 {
				p.Lo, p.Hi, p.HasCI = lo, hi, true
			}
			c.Points = append(c.Points, p)
		}
		if len(c.Points) == 0 {
			continue
		}
		slices.SortFunc(c.Points, func(a, b CurvePoint) int { return cmp.Compare(a.Epsilon, b.Epsilon) })
		if len(c.Points) > maxCurvePoints {
			c.Points = c.Points[:maxCurvePoints]
		}
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b Curve) int { return cmp.Compare(a.Attack, b.Attack) })
	return out
}

// modelOf names the model a result ran on: the base name of its first
// evidence path that is not a data file, or of its first evidence path.
func modelOf(r aiassure.Result) string {
	var first string
	for _, ev := range r.Evidence {
		p, _, _ := strings.Cut(ev, "@")
		if p == "" || strings.HasPrefix(p, "sha256:") {
			continue
		}
		base := path.Base(p)
		if first == "" {
			first = base
		}
		switch strings.ToLower(path.Ext(base)) {
		case ".csv", ".json", ".arff", ".npy", ".parquet", ".jsonl":
			continue
		}
		return base
	}
	return first
}

// Okabe-Ito colours (distinguishable with colour-vision deficiencies) and
// dash patterns, so that lines differ in more than colour.
var (
	palette = []string{"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000"}
	dashes  = []string{"", "6 3", "2 3", "8 3 2 3"}
)

// robustnessChart draws robust accuracy against epsilon, one line per
// attack of one norm, with the Wilson interval as a shaded band. The x axis
// is logarithmic when the epsilons span a factor of ten or more.
func robustnessChart(id, norm string, cs []Curve) Chart {
	if len(cs) > maxCurves {
		cs = cs[:maxCurves]
	}
	name := map[string]string{"linf": "L∞", "l2": "L2"}[norm]
	var models, samples []string
	for _, cv := range cs {
		if cv.Model != "" && !slices.Contains(models, cv.Model) {
			models = append(models, cv.Model)
		}
		if n := fmt.Sprint(cv.Samples); cv.Samples > 0 && !slices.Contains(samples, n) {
			samples = append(samples, n)
		}
	}
	title := fmt.Sprintf("Robustness curve (%s)", name)
	if len(models) > 0 {
		title += " of " + strings.Join(models, ", ")
	}
	if len(samples) > 0 {
		title += ", " + strings.Join(samples, " or ") + " samples per point"
	}
	const left, top, w, h, legend = 64, 34, 420, 240, 190
	c := Chart{ID: id, Title: title, Width: left + w + legend, Height: top + h + 56}
	c.Desc = fmt.Sprintf("Robust accuracy (the share of attacked samples still classified correctly) of %s against the %s perturbation size ε, "+
		"measured on %s at each ε, on features scaled to [0, 1] by their ranges, one line per attack; the shaded band is the Wilson 95%% interval.",
		orText(strings.Join(models, ", "), "the model"), name, orText(strings.Join(samples, " or ")+" samples", "the attacked samples"))
	lo, hi := math.Inf(1), math.Inf(-1)
	var eps []float64
	for _, cv := range cs {
		for _, p := range cv.Points {
			lo, hi = min(lo, p.Epsilon), max(hi, p.Epsilon)
			eps = append(eps, p.Epsilon)
		}
	}
	logX := math.Log(hi)-math.Log(lo) >= math.Log(10)
	xOf := func(e float64) int {
		switch {
		case hi == lo:
			return left + w/2
		case logX:
			return left + int(math.Round(float64(w)*(math.Log(e)-math.Log(lo))/(math.Log(hi)-math.Log(lo))))
		}
		return left + int(math.Round(float64(w)*e/hi))
	}
	yOf := func(v float64) int { return top + int(math.Round(float64(h)*(1-v))) }

	// Axes, grid and ticks.
	axis := "#555555"
	c.Lines = append(c.Lines,
		Line{Points: fmt.Sprintf("%d,%d %d,%d %d,%d", left, top, left, top+h, left+w, top+h), Stroke: axis, Width: 1})
	for _, v := range []float64{0, 0.25, 0.5, 0.75, 1} {
		y := yOf(v)
		if v > 0 {
			c.Lines = append(c.Lines, Line{Points: fmt.Sprintf("%d,%d %d,%d", left, y, left+w, y), Stroke: "#e3e3e3", Width: 1})
		}
		c.Labels = append(c.Labels, Label{X: left - 6, Y: y + 4, Text: fmt.Sprintf("%.0f%%", 100*v), Anchor: "end"})
	}
	slices.Sort(eps)
	eps = slices.Compact(eps)
	lastX := -100
	for _, e := range eps {
		x := xOf(e)
		if x-lastX < 36 { // keep tick labels apart
			continue
		}
		lastX = x
		c.Lines = append(c.Lines, Line{Points: fmt.Sprintf("%d,%d %d,%d", x, top+h, x, top+h+5), Stroke: axis, Width: 1})
		c.Labels = append(c.Labels, Label{X: x, Y: top + h + 18, Text: strconv.FormatFloat(e, 'g', 4, 64), Anchor: "middle"})
	}
	unit := "share of each feature's range"
	if norm == "l2" {
		unit = "features scaled to [0, 1] by their ranges"
	}
	xName := "ε (" + name + ", " + unit
	if logX {
		xName += ", log scale"
	}
	c.Labels = append(c.Labels,
		Label{X: left + w/2, Y: top + h + 40, Text: xName + ")", Anchor: "middle"},
		Label{X: 16, Y: top + h/2, Text: "robust accuracy", Anchor: "middle", Rotate: true},
		Label{X: left, Y: 18, Text: title, Anchor: "start"})

	for i, cv := range cs {
		col, dash := palette[i%len(palette)], dashes[(i/len(palette)+i)%len(dashes)]
		var pts, upper, lower []string
		ln := Line{Stroke: col, Dash: dash, Width: 2}
		for _, p := range cv.Points {
			x, y := xOf(p.Epsilon), yOf(p.Robust)
			pts = append(pts, fmt.Sprintf("%d,%d", x, y))
			t := fmt.Sprintf("%s at ε=%g: robust accuracy %.1f%%", cv.Attack, p.Epsilon, 100*p.Robust)
			if p.HasCI {
				t += fmt.Sprintf(" [%.1f, %.1f]", 100*p.Lo, 100*p.Hi)
				upper = append(upper, fmt.Sprintf("%d,%d", x, yOf(p.Hi)))
				lower = append([]string{fmt.Sprintf("%d,%d", x, yOf(p.Lo))}, lower...)
			}
			ln.Marks = append(ln.Marks, Mark{X: x, Y: y, Fill: col, Title: t})
		}
		ln.Points = strings.Join(pts, " ")
		if len(upper) == len(cv.Points) && len(upper) > 1 {
			c.Bands = append(c.Bands, Band{Points: strings.Join(append(upper, lower...), " "), Fill: col, Opacity: "0.12"})
		}
		c.Lines = append(c.Lines, ln)
		// Legend entry.
		ly := top + 8 + 20*i
		c.Lines = append(c.Lines, Line{Points: fmt.Sprintf("%d,%d %d,%d", left+w+14, ly, left+w+40, ly), Stroke: col, Dash: dash, Width: 2})
		c.Labels = append(c.Labels, Label{X: left + w + 46, Y: ly + 4, Text: cv.Attack, Anchor: "start"})
	}
	return c
}

func orText(s, alt string) string {
	if s == "" || s == " samples" {
		return alt
	}
	return s
}

// robustnessCharts returns one chart per norm that has curves, L∞ first.
func robustnessCharts(results []aiassure.Result) ([]Chart, []Curve) {
	cs := curves(results)
	var out []Chart
	for _, norm := range []string{"linf", "l2"} {
		var sel []Curve
		for _, c := range cs {
			if c.Norm == norm {
				sel = append(sel, c)
			}
		}
		if len(sel) > 0 {
			out = append(out, robustnessChart("curve-"+norm, norm, sel))
		}
	}
	return out, cs
}
