package evasion

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/metrics"
	"github.com/aiassure/aiassure/model"
)

func TestMajorityBaseline(t *testing.T) {
	cases := []struct {
		name    string
		labels  []int
		classes []string
		want    Baseline
	}{
		{"imbalanced", []int{0, 1, 0, 0, 2, 0, 1, 0, 0, 0}, []string{"good", "bad", "unknown"}, Baseline{Rate: 0.7, Class: "good", Samples: 10, Of: "the test set"}},
		{"minority first", []int{1, 0, 0}, nil, Baseline{Rate: 2.0 / 3, Class: "0", Samples: 3, Of: "the test set"}},
		{"tie takes the lowest class", []int{2, 1, 2, 1, 0}, []string{"a", "b", "c"}, Baseline{Rate: 0.4, Class: "b", Samples: 5, Of: "the test set"}},
		{"balanced", []int{0, 1, 2, 2, 1, 0}, nil, Baseline{Rate: 1.0 / 3, Class: "0", Samples: 6, Of: "the test set"}},
		{"unnamed class", []int{3, 3}, []string{"a"}, Baseline{Rate: 1, Class: "3", Samples: 2, Of: "the test set"}},
		{"no labels", nil, nil, Baseline{}},
	}
	for _, c := range cases {
		if got := MajorityBaseline(c.labels, c.classes); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

// mkPoint builds a point of n samples of which clean are classified
// correctly and broken of those are broken, majority of them in class 0.
func mkPoint(eps float64, n, clean, broken, majority int) Point {
	p := Point{Epsilon: eps, Samples: n, CleanCorrect: clean, Broken: broken, Robust: clean - broken, Majority: majority}
	p.CleanAccuracy, p.RobustAccuracy = float64(clean)/float64(n), float64(clean-broken)/float64(n)
	p.SuccessRate = float64(broken) / float64(clean)
	p.RobustCI = Wilson(p.Robust, n)
	return p
}

func report1(p Point) *Report {
	return &Report{Attack: "pgd-linf", Kind: WhiteBox, Norm: Linf, Target: "m", Points: []Point{p}}
}

// TestCriterionClosedForm checks verdicts whose limits and bounds follow
// from the counts: limit = b + k(clean − b); the robust-accuracy bounds are
// clean × (1 − the Wilson bounds of broken/clean).
func TestCriterionClosedForm(t *testing.T) {
	half := Baseline{Rate: 0.5, Class: "no", Samples: 1000, Of: "the test set"}
	tenth := Baseline{Rate: 0.1, Class: "3", Samples: 1000, Of: "the test set"}
	cases := []struct {
		name    string
		pt      Point
		base    Baseline
		k       float64
		status  aiassure.Status
		limit   float64
		phrases []string
	}{
		// 200 samples, clean 0.9, majority 0.5: limit 0.7; 5 of 180 broken,
		// robust accuracy at least 0.9 × (1 − 0.0635) = 0.843.
		{"keeps its accuracy", mkPoint(0.05, 200, 180, 5, 100), half, 0, aiassure.Pass, 0.7,
			[]string{"keeps 94% of its skill", "broke 5 of 180", "≥ limit 0.700", "majority-class rate 0.500 (class no of the test set, n=1000)", "at most 22.2% of the correctly classified"}},
		// 150 of 180 broken: robust accuracy 0.15, at most 0.9 × (1 − 0.772) = 0.205 ≤ 0.5.
		{"collapses", mkPoint(0.1, 200, 180, 150, 100), half, 0, aiassure.Fail, 0.7,
			[]string{"no better than always answering the majority class", "≤ majority-class rate 0.500"}},
		// Ten balanced classes, clean 0.95, robust 0.30: limit 0.525, far
		// above chance but below the limit.
		{"loses most of its skill", mkPoint(0.1, 200, 190, 130, 20), tenth, 0, aiassure.Fail, 0.525,
			[]string{"keeps 24% of its skill", "< limit 0.525"}},
		// 19 of 90 broken is just below the largest share allowed
		// (0.2/0.9): the interval straddles the limit.
		{"inconclusive", mkPoint(0.05, 100, 90, 19, 50), half, 0, aiassure.Unknown, 0.7,
			[]string{"inconclusive on 100 samples", "around the limit 0.700", "attacked samples at this success rate would decide it"}},
		// A stricter k: keep three quarters, limit 0.8; 5 of 180 still pass.
		{"k 0.75", mkPoint(0.05, 200, 180, 5, 100), half, 0.75, aiassure.Pass, 0.8, []string{"keep three quarters of its skill"}},
		// Clean accuracy 0.5 at a majority rate 0.5: nothing to judge.
		{"no skill", mkPoint(0.05, 100, 50, 0, 50), half, 0, aiassure.Unknown, math.NaN(), []string{"no skill to attack"}},
		// Without a baseline the attacked samples' own rate (60 of 100) stands in.
		{"own baseline", mkPoint(0.05, 100, 90, 1, 60), Baseline{}, 0, aiassure.Pass, 0.75, []string{"majority-class rate 0.600 (class 0 of the attacked samples, n=100)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := ResultOf(report1(c.pt), ResultOptions{Baseline: c.base, RetainedSkill: c.k})
			if res.Status != c.status {
				t.Errorf("status %s, want %s: %s", res.Status, c.status, res.Reason)
			}
			lim, ok := res.Metrics["threshold"]
			if math.IsNaN(c.limit) {
				if ok {
					t.Errorf("limit %g without skill", lim)
				}
			} else if math.Abs(lim-c.limit) > 1e-12 || res.Metrics["baseline"] != lim {
				t.Errorf("limit %g (baseline %g), want %g", lim, res.Metrics["baseline"], c.limit)
			}
			if ok {
				sLo, sHi := metrics.Wilson(c.pt.Broken, c.pt.CleanCorrect, 0.95)
				acc := c.pt.CleanAccuracy
				if lo, hi := res.Metrics["robust_accuracy_lo_given_clean"], res.Metrics["robust_accuracy_hi_given_clean"]; math.Abs(lo-acc*(1-sHi)) > 1e-12 || math.Abs(hi-acc*(1-sLo)) > 1e-12 {
					t.Errorf("bounds [%g, %g], want [%g, %g]", lo, hi, acc*(1-sHi), acc*(1-sLo))
				}
			}
			wantRate := c.base.Rate
			if c.base.Samples == 0 {
				wantRate = float64(c.pt.Majority) / float64(c.pt.Samples)
			}
			if res.Metrics["baseline_majority_rate"] != wantRate || res.Metrics["clean_accuracy"] != c.pt.CleanAccuracy {
				t.Errorf("metrics %v", res.Metrics)
			}
			if (res.Metrics["inconclusive"] == 1) != (c.name == "inconclusive") || (res.Metrics["no_skill"] == 1) != (c.name == "no skill") {
				t.Errorf("flags inconclusive %g, no_skill %g", res.Metrics["inconclusive"], res.Metrics["no_skill"])
			}
			for _, p := range append(c.phrases, "criterion: no robust accuracy declared", fmt.Sprintf("ε=%g (L∞)", c.pt.Epsilon)) {
				if !strings.Contains(res.Reason, p) {
					t.Errorf("reason lacks %q:\n%s", p, res.Reason)
				}
			}
			if again := ResultOf(report1(c.pt), ResultOptions{Baseline: c.base, RetainedSkill: c.k}); !cmp.Equal(res, again) {
				t.Error("two verdicts of one report differ")
			}
		})
	}
}

// TestCriterionDeclared: a declared robust accuracy is the limit, on the
// point estimate, and the criterion says so.
func TestCriterionDeclared(t *testing.T) {
	pt := mkPoint(0.05, 200, 180, 40, 100) // robust accuracy 0.7
	base := Baseline{Rate: 0.5, Class: "no", Samples: 1000, Of: "the test set"}
	for _, c := range []struct {
		need   float64
		status aiassure.Status
		phrase string
	}{
		{0.7, aiassure.Pass, "robust accuracy 0.700 reaches the declared 0.7"},
		{0.75, aiassure.Fail, "robust accuracy 0.700 is below the declared 0.75"},
	} {
		res := ResultOf(report1(pt), ResultOptions{MinRobustAccuracy: c.need, Baseline: base})
		if res.Status != c.status || res.Metrics["threshold"] != c.need || res.Metrics["declared"] != c.need {
			t.Errorf("declared %g: %s, metrics %v", c.need, res.Status, res.Metrics)
		}
		for _, p := range []string{c.phrase, "criterion: the declared robust accuracy", "ε=0.05 (L∞)", "majority-class rate 0.500"} {
			if !strings.Contains(res.Reason, p) {
				t.Errorf("declared %g: reason lacks %q: %s", c.need, p, res.Reason)
			}
		}
		if _, ok := res.Metrics["baseline"]; ok {
			t.Errorf("declared %g: judged against the baseline too", c.need)
		}
	}
	// On the confidence bound (the high plan) the lower Wilson bound of
	// 140/200, 0.6328, must reach the declaration.
	for _, c := range []struct {
		need   float64
		status aiassure.Status
	}{{0.63, aiassure.Pass}, {0.65, aiassure.Fail}} {
		res := ResultOf(report1(pt), ResultOptions{MinRobustAccuracy: c.need, Basis: metrics.ConfidenceBound, Baseline: base})
		if res.Status != c.status || !strings.Contains(res.Reason, "lower 95% bound of robust accuracy 0.633") ||
			!strings.Contains(res.Reason, "pass if the lower 95% bound (Wilson) of robust accuracy reaches it") {
			t.Errorf("declared %g on the bound: %s: %s", c.need, res.Status, res.Reason)
		}
	}
}

// TestCriterionEvaluate runs FGSM on a one-feature threshold model, class
// 1 iff x > 0.5, with 70 samples of class 0 at x = 0.05..0.4 and 30 of
// class 1 at x = 0.6..0.95, all classified correctly. A sample is broken
// exactly when ε exceeds |x − 0.5|: at ε 0.02 none is and the model keeps
// its skill (pass); at ε 0.6 every one is and it collapses to below the
// majority-class rate 0.7 (fail).
func TestCriterionEvaluate(t *testing.T) {
	l := &linear{w: [][]float32{{0}, {10}}, b: []float32{0, -5}}
	var xs []float32
	var ys []int
	for i := range 70 {
		xs, ys = append(xs, 0.05+0.35*float32(i)/69), append(ys, 0)
	}
	for i := range 30 {
		xs, ys = append(xs, 0.6+0.35*float32(i)/29), append(ys, 1)
	}
	x := &model.Tensor{Shape: []int{100, 1}, Data: xs}
	base := MajorityBaseline(ys, []string{"stay", "leave"})
	r, err := Evaluate(context.Background(), FGSM{Norm: Linf}, l, FromTensor(x, ys, 32), []float64{0.02, 0.6}, Params{Constraint: Box{0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		eps    float64
		status aiassure.Status
		robust int
		phrase string
	}{
		{0.02, aiassure.Pass, 100, "keeps 100% of its skill"},
		{0.6, aiassure.Fail, 0, "no better than always answering the majority class"},
	} {
		res := ResultOf(r, ResultOptions{Epsilon: c.eps, Baseline: base})
		if res.Status != c.status || res.Metrics["robust_accuracy"]*100 != float64(c.robust) {
			t.Errorf("ε %g: %s, robust accuracy %g: %s", c.eps, res.Status, res.Metrics["robust_accuracy"], res.Reason)
		}
		if !strings.Contains(res.Reason, c.phrase) || !strings.Contains(res.Reason, "majority-class rate 0.700 (class stay of the test set, n=100)") ||
			res.Metrics["threshold"] != 0.85 {
			t.Errorf("ε %g: reason %s, metrics %v", c.eps, res.Reason, res.Metrics)
		}
	}
	if p := r.Points[0]; p.Majority != 70 || p.MajorityClass != 0 {
		t.Errorf("point majority %d of class %d, want 70 of class 0", p.Majority, p.MajorityClass)
	}
}

// TestSamplesToDecide: the count returned decides (the Wilson interval
// excludes the limit) and is larger than the count that did not.
func TestSamplesToDecide(t *testing.T) {
	for _, c := range []struct {
		p, limit float64
		n        int
	}{
		{0.25, 0.2, 90}, {0.1, 0.2, 30}, {0.036, 0.032, 112}, {0, 0.05, 10},
	} {
		got := samplesToDecide(c.p, c.limit, c.n)
		lo, hi := metrics.Wilson(int(math.Round(c.p*float64(got))), got, 0.95)
		if got <= c.n || lo < c.limit-tolerance && hi >= c.limit-tolerance {
			t.Errorf("samplesToDecide(%g, %g, %d) = %d: interval [%g, %g]", c.p, c.limit, c.n, got, lo, hi)
		}
	}
	// Exactly at the limit no count decides, and the inconclusive verdict
	// gives no hint.
	if got := samplesToDecide(0.2, 0.2, 50); got != 0 {
		t.Errorf("at the limit: %d, want 0", got)
	}
	if roundHint(69195) != 70000 || roundHint(464) != 470 || roundHint(99) != 99 {
		t.Errorf("roundHint: %d %d %d", roundHint(69195), roundHint(464), roundHint(99))
	}
}
