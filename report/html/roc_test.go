package html

import (
	"strconv"
	"strings"
	"testing"

	"github.com/aiassure/aiassure"
)

func rocResult(attack string, tprs map[float64]float64) aiassure.Result {
	m := map[string]float64{"roc_auc": 0.8, "min_fpr": 0.0025, "non_members": 400}
	for f, t := range tprs {
		m["roc_tpr@"+strconv.FormatFloat(f, 'g', -1, 64)] = t
	}
	return aiassure.Result{ID: "privacy/mia-" + attack, Metrics: m, Evidence: []string{"model/overfit.onnx", "data/members.csv"}}
}

func TestROCChart(t *testing.T) {
	r := fixture(t)
	r.Results = append(r.Results,
		rocResult("lira", map[float64]float64{0.0025: 0.01, 0.005: 0.02, 0.01: 0.05, 0.1: 0.4, 1: 1}),
		rocResult("threshold", map[float64]float64{0.0025: 0, 0.01: 0.01, 0.1: 0.2, 1: 1}))
	charts, cs := rocCharts(r.Results)
	if len(charts) != 1 || len(cs) != 2 || cs[0].Attack != "lira" || cs[0].Model != "overfit.onnx" || cs[0].MinFPR != 0.0025 {
		t.Fatalf("%d charts, curves %+v", len(charts), cs)
	}
	ch := charts[0]
	for _, l := range ch.Lines {
		for _, m := range l.Marks {
			if m.X < 0 || m.Y < 0 || m.X > ch.Width || m.Y > ch.Height {
				t.Errorf("mark %+v outside %dx%d", m, ch.Width, ch.Height)
			}
		}
	}
	// Log-log: FPR 0.01 lies halfway between 0.001 and 0.1 on the axis.
	var lira Line
	for _, l := range ch.Lines {
		if len(l.Marks) > 0 {
			lira = l
			break
		}
	}
	x := func(f float64) int {
		for _, m := range lira.Marks {
			if strings.Contains(m.Title, "FPR ≤ "+strconv.FormatFloat(100*f, 'g', 3, 64)+"%") {
				return m.X
			}
		}
		t.Fatalf("no mark at FPR %g", f)
		return 0
	}
	if a, b, c := x(0.005), x(0.1), x(1); c-b < 106 || c-b > 107 || b-a <= 0 {
		t.Errorf("x positions %d %d %d are not on a log scale of 3 decades", a, b, c)
	}
	out := render(t, r)
	if err := balanced(out); err != nil {
		t.Error(err)
	}
	for _, want := range []string{"Membership inference ROC (log-log) of overfit.onnx", "lira (AUC 0.800)", "threshold: TPR 0.00% at FPR ≤ 0.25% (below the axis)", "<h3>Membership inference</h3>"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if got, _ := rocCharts(nil); got != nil {
		t.Error("charts without ROC results")
	}
}

// FuzzROC feeds arbitrary ROC keys and values to the chart.
func FuzzROC(f *testing.F) {
	f.Add("privacy/mia-lira", "roc_tpr@0.001", 0.5, "min_fpr", 0.001)
	f.Add("x", "roc_tpr@1e-300", 1.0, "roc_tpr@NaN", -1.0)
	f.Add("privacy/mia-a", "roc_tpr@5e-324", 0.0, "min_fpr", 1e308)
	f.Fuzz(func(t *testing.T, id, k1 string, v1 float64, k2 string, v2 float64) {
		rs := []aiassure.Result{{ID: id, Metrics: map[string]float64{k1: v1, k2: v2, "roc_tpr@1": 1}}}
		charts, _ := rocCharts(rs)
		for _, c := range charts {
			if c.Width > 2000 || c.Height > 2000 || len(c.Lines) > 200 {
				t.Errorf("chart %dx%d, %d lines", c.Width, c.Height, len(c.Lines))
			}
			for _, l := range c.Lines {
				for _, m := range l.Marks {
					if m.X < 0 || m.Y < 0 || m.X > c.Width || m.Y > c.Height {
						t.Errorf("mark %+v outside the chart", m)
					}
				}
			}
		}
	})
}
