package metrics

import (
	"encoding/json"
	"math"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/profile"
)

func TestWilson(t *testing.T) {
	tests := []struct {
		x, n   int
		conf   float64
		lo, hi float64
	}{
		// Computed with scipy.stats.norm.ppf for z and the closed form
		// (as tools/metrics_reference.py does).
		{0, 10, 0.95, 0, 0.27753279986289},
		{10, 10, 0.95, 0.72246720013711, 1},
		{5, 10, 0.95, 0.23659309051256, 0.76340690948744},
		{5, 10, 0.99, 0.18422551824724, 0.81577448175276},
		{0, 0, 0.95, 0, 1},
	}
	for _, tc := range tests {
		lo, hi := Wilson(tc.x, tc.n, tc.conf)
		if math.Abs(lo-tc.lo) > 1e-12 || math.Abs(hi-tc.hi) > 1e-12 {
			t.Errorf("Wilson(%d, %d, %v) = [%.14f, %.14f], want [%.14f, %.14f]", tc.x, tc.n, tc.conf, lo, hi, tc.lo, tc.hi)
		}
	}
}

func referenceCase(t *testing.T, name string) refCase {
	for _, c := range loadReference(t) {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no case %q", name)
	return refCase{}
}

func TestBootstrapDeterministic(t *testing.T) {
	c := referenceCase(t, "multiclass")
	opt := Options{Resamples: 300, Seed: 7}
	a, err := Compute(c.Y, c.Pred, c.Scores, opt)
	if err != nil {
		t.Fatal(err)
	}
	prev := runtime.GOMAXPROCS(1)
	b, err := Compute(c.Y, c.Pred, c.Scores, opt)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different CPUs, different reports:\n%s", diff)
	}
	opt.Seed = 8
	d, _ := Compute(c.Y, c.Pred, c.Scores, opt)
	if a.Macro.F1.Lower == d.Macro.F1.Lower && a.ROCAUC.Upper == d.ROCAUC.Upper {
		t.Error("different seeds gave the same intervals")
	}
	for name, e := range map[string]Estimate{"macro f1": a.Macro.F1, "auc": *a.ROCAUC, "ece": *a.ECE, "brier": *a.Brier, "balanced": a.BalancedAccuracy, "f1[0]": a.PerClass[0].F1} {
		if e.Method != "bootstrap-percentile" || !(e.Lower <= e.Value && e.Value <= e.Upper) || e.Upper-e.Lower <= 0 || e.Upper-e.Lower > 0.3 {
			t.Errorf("%s: %+v", name, e)
		}
	}
	if _, err := json.Marshal(a); err != nil {
		t.Errorf("report does not encode as JSON: %v", err)
	}
}

// TestBootstrapWidthShrinks checks that the interval narrows as the sample
// grows (by about 1/sqrt(n)) and that a wider confidence level gives a wider
// interval.
func TestBootstrapWidthShrinks(t *testing.T) {
	c := referenceCase(t, "binary")
	var y []int
	var s [][]float64
	for range 16 {
		y = append(y, c.Y...)
		s = append(s, c.Scores...)
	}
	small, _ := Compute(c.Y, nil, c.Scores, Options{Resamples: 400, Seed: 1})
	big, _ := Compute(y, nil, s, Options{Resamples: 400, Seed: 1})
	ws, wb := small.ROCAUC.Upper-small.ROCAUC.Lower, big.ROCAUC.Upper-big.ROCAUC.Lower
	if r := ws / wb; r < 3 || r > 5.5 {
		t.Errorf("AUC interval width %v at n=200, %v at n=3200: ratio %v, want about 4", ws, wb, r)
	}
	wide, _ := Compute(c.Y, nil, c.Scores, Options{Resamples: 400, Seed: 1, Confidence: 0.99})
	if wide.Macro.F1.Upper-wide.Macro.F1.Lower <= small.Macro.F1.Upper-small.Macro.F1.Lower {
		t.Error("99 % interval not wider than 95 %")
	}
	un, _ := Compute(c.Y, nil, c.Scores, Options{Resamples: 400, Seed: 1, Unstratified: true})
	if un.Macro.F1 == small.Macro.F1 {
		t.Error("unstratified bootstrap gave the stratified interval")
	}
}

func TestComputeErrors(t *testing.T) {
	tests := []struct {
		name   string
		y      []int
		pred   []int
		scores [][]float64
		err    string
	}{
		{"empty", nil, nil, nil, "no samples"},
		{"nothing", []int{0}, nil, nil, "need predicted"},
		{"length", []int{0, 1}, []int{0}, nil, "1 predictions for 2 labels"},
		{"negative", []int{0, -1}, []int{0, 0}, nil, "out of range"},
		{"ragged", []int{0, 1}, nil, [][]float64{{0.5, 0.5}, {1}}, "row 1 has 1"},
		{"nan", []int{0}, nil, [][]float64{{math.NaN(), 1}}, "not finite"},
		{"columns", []int{0, 2}, nil, [][]float64{{0.5, 0.5}, {0.5, 0.5}}, "2 columns"},
	}
	for _, tc := range tests {
		if _, err := Compute(tc.y, tc.pred, tc.scores, Options{Resamples: -1}); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.err)
		}
	}
	// One class only: AUC undefined, noted, not an error.
	r, err := Compute([]int{1, 1}, nil, [][]float64{{0.2, 0.8}, {0.6, 0.4}}, Options{Resamples: 50})
	if err != nil || r.ROCAUC != nil || len(r.Notes) == 0 {
		t.Errorf("single class: %v, %+v", err, r)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("JSON: %v", err)
	}
}

func TestCompare(t *testing.T) {
	// 222 of 300 correct: accuracy 0.74 exactly, Wilson [0.687, 0.787].
	y := make([]int, 300)
	pred := make([]int, 300)
	for i := range y {
		y[i] = i % 2
		pred[i] = y[i]
		if i < 78 {
			pred[i] = 1 - y[i]
		}
	}
	r, err := Compute(y, pred, nil, Options{Classes: []string{"good", "bad"}, Resamples: 200})
	if err != nil {
		t.Fatal(err)
	}
	decl := []profile.Declared{
		{Metric: "accuracy", Value: 0.74},
		{Metric: "accuracy", Value: 0.75},
		{Metric: "recall", Class: "bad", Value: 0.70},
		{Metric: "fnr", Class: "bad", Value: 0.30},
		{Metric: "f1", Value: 0.7},
		{Metric: "roc_auc", Value: 0.8},
		{Metric: "robust_accuracy", Value: 0.5, Epsilon: 0.1, Norm: "linf"},
		{Metric: "recall", Class: "ugly", Value: 0.5},
		{Metric: "accuracy", Class: "bad", Value: 0.5},
		{Metric: "mystery", Value: 1},
	}
	status := func(vs []Verdict) []aiassure.Status {
		var s []aiassure.Status
		for _, v := range vs {
			s = append(s, v.Status)
		}
		return s
	}
	point := Compare(decl, r, "")
	want := []aiassure.Status{aiassure.Pass, aiassure.Fail, aiassure.Pass, aiassure.Pass, aiassure.Pass,
		aiassure.Unknown, aiassure.Unknown, aiassure.Unknown, aiassure.Unknown}
	if diff := cmp.Diff(want, status(point)); diff != "" {
		t.Errorf("point estimate (-want +got):\n%s", diff)
	}
	bound := Compare(decl, r, ConfidenceBound)
	want = []aiassure.Status{aiassure.Fail, aiassure.Fail, aiassure.Fail, aiassure.Fail, aiassure.Fail,
		aiassure.Unknown, aiassure.Unknown, aiassure.Unknown, aiassure.Unknown}
	if diff := cmp.Diff(want, status(bound)); diff != "" {
		t.Errorf("confidence bound (-want +got):\n%s", diff)
	}
	if !strings.Contains(point[1].Reason, "below the declared 0.75") || !strings.Contains(bound[3].Reason, "upper confidence bound") {
		t.Errorf("reasons: %q, %q", point[1].Reason, bound[3].Reason)
	}
	// A lower-is-better claim passes on its upper bound when that is low enough.
	if v := Compare([]profile.Declared{{Metric: "fnr", Class: "bad", Value: 0.35}}, r, ConfidenceBound); v[0].Status != aiassure.Pass {
		t.Errorf("fnr 0.26 (upper %.3f) vs 0.35 on the bound: %s", r.PerClass[1].FNR.Upper, v[0].Status)
	}

	res := Results(r, point, []string{"data/test.csv"})
	if len(res) != len(point) {
		t.Fatalf("%d results for %d verdicts", len(res), len(point))
	}
	acc := res[1]
	if acc.ID != "metrics/accuracy" || acc.Check != "metrics/accuracy" || acc.Status != aiassure.Fail ||
		acc.Category != aiassure.ModelFlaws || acc.Threats[0] != "model-flaws" || acc.Controls[0] != "c-accuracy-testing" ||
		acc.Requirements[0] != "ai-act-art-15-3" || acc.Metrics["accuracy"] != 0.74 || acc.Metrics["declared"] != 0.75 ||
		acc.Metrics["accuracy_lower"] >= 0.74 || acc.Metrics["n"] != 300 || acc.Evidence[0] != "data/test.csv" {
		t.Errorf("accuracy result: %+v", acc)
	}
	if res[2].ID != "metrics/recall/bad" || res[5].Metrics != nil || res[5].Status != aiassure.Unknown {
		t.Errorf("results: %+v / %+v", res[2], res[5])
	}
}

// TestCompareExampleProfile checks the credit-scoring profile's declared
// accuracy (0.75) against the 0.74 its MLP reaches: the claim fails.
func TestCompareExampleProfile(t *testing.T) {
	p, err := profile.Load(filepath.Join("..", "examples", "credit-scoring", "profile.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// The MLP's confusion matrix from model/expected.json: [[182 28] [50 40]].
	var y, pred []int
	add := func(n, yy, pp int) {
		for range n {
			y, pred = append(y, yy), append(pred, pp)
		}
	}
	add(182, 0, 0)
	add(28, 0, 1)
	add(50, 1, 0)
	add(40, 1, 1)
	r, err := Compute(y, pred, nil, Options{Classes: []string{"good", "bad"}, Resamples: 100})
	if err != nil {
		t.Fatal(err)
	}
	vs := Compare(p.Performance, r, PointEstimate)
	got := map[string]aiassure.Status{}
	for _, v := range vs {
		got[v.Key] = v.Status
	}
	want := map[string]aiassure.Status{"accuracy": aiassure.Fail, "recall/bad": aiassure.Pass, "f1": aiassure.Pass, "roc_auc": aiassure.Unknown}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("verdicts (-want +got):\n%s", diff)
	}
}
