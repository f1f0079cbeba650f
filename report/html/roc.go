package html

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure"
)

// ROCCurve is one membership attack's ROC read from a Result.
type ROCCurve struct {
	Attack     string
	Model      string
	NonMembers int     // from the "non_members" metric; 0 when not given
	MinFPR     float64 // the smallest FPR the non-members resolve
	AUC        float64
	Points     []ROCPoint
}

// ROCPoint is the TPR at an FPR of at most FPR.
type ROCPoint struct{ FPR, TPR float64 }

// rocCurves reads the ROC curves from the Results: every Result whose
// Metrics hold "roc_tpr@<fpr>" keys (package probe/privacy), with
// "roc_auc" and "min_fpr" where given. FPRs must be in (0, 1] and TPRs in
// [0, 1]; other points are dropped.
func rocCurves(results []aiassure.Result) []ROCCurve {
	var out []ROCCurve
	for _, r := range results {
		c := ROCCurve{Attack: strings.TrimPrefix(r.ID, "privacy/mia-"), Model: modelOf(r), AUC: r.Metrics["roc_auc"]}
		if n := r.Metrics["non_members"]; n >= 1 && n < 1e9 {
			c.NonMembers = int(n)
		}
		for k, v := range r.Metrics {
			s, ok := strings.CutPrefix(k, "roc_tpr@")
			if !ok {
				continue
			}
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || !(f > 0 && f <= 1) || !(v >= 0 && v <= 1) {
				continue
			}
			c.Points = append(c.Points, ROCPoint{f, v})
		}
		if len(c.Points) < 2 {
			continue
		}
		slices.SortFunc(c.Points, func(a, b ROCPoint) int { return cmp.Compare(a.FPR, b.FPR) })
		if len(c.Points) > maxCurvePoints {
			c.Points = c.Points[:maxCurvePoints]
		}
		c.MinFPR = c.Points[0].FPR
		if m := r.Metrics["min_fpr"]; m > 0 && m <= 1 {
			c.MinFPR = m
		}
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b ROCCurve) int { return cmp.Compare(a.Attack, b.Attack) })
	if len(out) > maxCurves {
		out = out[:maxCurves]
	}
	return out
}

// rocChart draws the ROC curves on log-log axes, FPR against TPR, both
// from the smallest FPR the non-members resolve (a decade below, rounded)
// to 1, with the chance diagonal TPR = FPR. A TPR below the axis (zero
// included) is drawn on it, and its tooltip says so.
func rocChart(id string, cs []ROCCurve) Chart {
	var models []string
	lo := 1.0
	for _, c := range cs {
		if c.Model != "" && !slices.Contains(models, c.Model) {
			models = append(models, c.Model)
		}
		lo = min(lo, c.MinFPR, c.Points[0].FPR)
	}
	lo = math.Pow(10, math.Floor(math.Log10(lo)))
	lo = min(max(lo, 1e-6), 0.1) // at least one decade
	title := "Membership inference ROC (log-log)"
	if len(models) > 0 {
		title += " of " + strings.Join(models, ", ")
	}
	const left, top, w, h, legend = 64, 34, 320, 320, 190
	c := Chart{ID: id, Title: title, Width: left + w + legend, Height: top + h + 56}
	c.Desc = fmt.Sprintf("True-positive rate (training records found) against false-positive rate (other records wrongly called training records) of each membership attack on %s, "+
		"both on log scales; the dashed diagonal is an attacker who guesses. A point is the highest TPR at that FPR or below; TPRs under %s are drawn on the axis.",
		orText(strings.Join(models, ", "), "the model"), strconv.FormatFloat(lo, 'g', -1, 64))
	span := -math.Log10(lo)
	pos := func(v float64) float64 { return (math.Log10(max(v, lo)) + span) / span }
	xOf := func(f float64) int { return left + int(math.Round(float64(w)*pos(f))) }
	yOf := func(t float64) int { return top + int(math.Round(float64(h)*(1-pos(t)))) }
	axis := "#555555"
	c.Lines = append(c.Lines, Line{Points: fmt.Sprintf("%d,%d %d,%d %d,%d", left, top, left, top+h, left+w, top+h), Stroke: axis, Width: 1},
		Line{Points: fmt.Sprintf("%d,%d %d,%d", xOf(lo), yOf(lo), xOf(1), yOf(1)), Stroke: "#999999", Dash: "4 4", Width: 1})
	for d := lo; d <= 1.0000001; d *= 10 {
		txt := strconv.FormatFloat(d, 'g', -1, 64)
		x, y := xOf(d), yOf(d)
		if d < 1 {
			c.Lines = append(c.Lines, Line{Points: fmt.Sprintf("%d,%d %d,%d", left, y, left+w, y), Stroke: "#e3e3e3", Width: 1},
				Line{Points: fmt.Sprintf("%d,%d %d,%d", x, top, x, top+h), Stroke: "#e3e3e3", Width: 1})
		}
		c.Labels = append(c.Labels, Label{X: left - 6, Y: y + 4, Text: txt, Anchor: "end"},
			Label{X: x, Y: top + h + 18, Text: txt, Anchor: "middle"})
	}
	c.Labels = append(c.Labels,
		Label{X: left + w/2, Y: top + h + 40, Text: "false-positive rate (log scale)", Anchor: "middle"},
		Label{X: 16, Y: top + h/2, Text: "true-positive rate (log scale)", Anchor: "middle", Rotate: true},
		Label{X: left, Y: 18, Text: title, Anchor: "start"})
	for i, cv := range cs {
		col, dash := palette[i%len(palette)], dashes[(i/len(palette)+i)%len(dashes)]
		ln := Line{Stroke: col, Dash: dash, Width: 2}
		var pts []string
		for _, p := range cv.Points {
			x, y := xOf(p.FPR), yOf(p.TPR)
			pts = append(pts, fmt.Sprintf("%d,%d", x, y))
			t := fmt.Sprintf("%s: TPR %.2f%% at FPR ≤ %s%%", cv.Attack, 100*p.TPR, strconv.FormatFloat(100*p.FPR, 'g', 3, 64))
			if p.TPR < lo {
				t += " (below the axis)"
			}
			ln.Marks = append(ln.Marks, Mark{X: x, Y: y, Fill: col, Title: t})
		}
		ln.Points = strings.Join(pts, " ")
		c.Lines = append(c.Lines, ln)
		ly := top + 8 + 20*i
		c.Lines = append(c.Lines, Line{Points: fmt.Sprintf("%d,%d %d,%d", left+w+14, ly, left+w+40, ly), Stroke: col, Dash: dash, Width: 2})
		c.Labels = append(c.Labels, Label{X: left + w + 46, Y: ly + 4, Text: fmt.Sprintf("%s (AUC %.3f)", cv.Attack, cv.AUC), Anchor: "start"})
	}
	return c
}

// rocCharts returns one ROC chart per model that has membership results.
func rocCharts(results []aiassure.Result) ([]Chart, []ROCCurve) {
	cs := rocCurves(results)
	var models []string
	for _, c := range cs {
		if !slices.Contains(models, c.Model) {
			models = append(models, c.Model)
		}
	}
	var out []Chart
	for i, m := range models {
		var sel []ROCCurve
		for _, c := range cs {
			if c.Model == m {
				sel = append(sel, c)
			}
		}
		out = append(out, rocChart("roc-"+strconv.Itoa(i), sel))
	}
	return out, cs
}
