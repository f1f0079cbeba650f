package evasion

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/model"
)

// quick returns every attack with settings small enough for unit tests.
func quick() []Attack {
	return []Attack{
		FGSM{Norm: Linf}, FGSM{Norm: L2},
		PGD{Norm: Linf, Steps: 10, Restarts: 2}, PGD{Norm: L2, Steps: 10, Restarts: 2},
		DeepFool{Norm: L2}, DeepFool{Norm: Linf},
		Square{Iterations: 200},
		HopSkipJump{Norm: L2, Iterations: 5, InitEvals: 20}, HopSkipJump{Norm: Linf, Iterations: 5, InitEvals: 20},
	}
}

// halfBox keeps features in [0.2, 0.8]: a constraint that binds.
type halfBox struct{}

func (halfBox) Project(x, _ *model.Tensor) error { return Box{0.2, 0.8}.Project(x, nil) }

// frozen keeps the first three features at their clean values.
type frozen struct{}

func (frozen) Project(x, x0 *model.Tensor) error {
	if err := (Box{0, 1}).Project(x, nil); err != nil {
		return err
	}
	r := x.RowLen()
	for i := range x.Batch() {
		copy(x.Data[i*r:i*r+3], x0.Data[i*r:i*r+3])
	}
	return nil
}

// TestInvariants checks, for every attack on a 3-class linear model, that
// each perturbed input satisfies the constraint and the epsilon ball, that
// no sample spends more than its budget, that the queries counted equal
// the rows the target received, that Found agrees with the target's
// prediction of Adv, and that a seed gives the same outcome twice.
func TestInvariants(t *testing.T) {
	l, x, _ := randomLinear(5, 3, 8, 30, true)
	// Project the data into [0.2, 0.8] so that the clean inputs are feasible.
	_ = halfBox{}.Project(x, nil)
	y, _ := l.Predict(context.Background(), x)
	labels := y.ArgMax()
	labels[0] = (labels[0] + 1) % 3 // one misclassified sample
	for _, a := range quick() {
		for _, c := range []Constraint{halfBox{}, frozen{}} {
			for _, budget := range []int{0, 7, 60} {
				p := Params{Epsilon: 0.3, Budget: budget, Seed: 9, Constraint: c, BatchSize: 16}
				if a.Metric() == L2 {
					p.Epsilon = 0.8
				}
				tgt, rows := count(l)
				if a.Kind() != WhiteBox {
					tgt, rows = count(blackBox{l})
				}
				o, err := a.Run(context.Background(), tgt, x, labels, p)
				if err != nil {
					t.Fatalf("%s: %v", a.Name(), err)
				}
				sum := 0
				for _, q := range o.Queries {
					sum += q
					if budget > 0 && q > budget {
						t.Errorf("%s budget %d: a sample spent %d queries", a.Name(), budget, q)
					}
				}
				if int64(sum) != rows.Load() {
					t.Errorf("%s budget %d: outcome counts %d queries, target received %d rows", a.Name(), budget, sum, rows.Load())
				}
				proj := o.Adv.Clone()
				if err := c.Project(proj, x); err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(o.Adv.Data, proj.Data); d != "" {
					t.Errorf("%s %T: perturbed inputs violate the constraint", a.Name(), c)
				}
				pred, _ := l.Predict(context.Background(), o.Adv)
				for i, pc := range pred.ArgMax() {
					if !a.Minimal() && !inBall(dist(o.Adv.Row(i), x.Row(i), a.Metric()), p.Epsilon) {
						t.Errorf("%s: sample %d outside the epsilon ball", a.Name(), i)
					}
					if o.Found[i] != (o.Clean[i] == labels[i] && pc != labels[i]) {
						t.Errorf("%s: sample %d found=%v but predicted %d (label %d)", a.Name(), i, o.Found[i], pc, labels[i])
					}
				}
				if o.Found[0] {
					t.Errorf("%s: a misclassified sample was attacked", a.Name())
				}
				again, err := a.Run(context.Background(), l, x, labels, p)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(o, again, cmp.Comparer(func(a, b *model.Tensor) bool { return slices.Equal(a.Data, b.Data) })); d != "" {
					t.Errorf("%s: two runs with the same seed differ:\n%s", a.Name(), d)
				}
			}
		}
	}
}

// TestSomethingFound guards the invariants test against vacuity: at a
// large epsilon every attack breaks most samples of the linear model.
func TestSomethingFound(t *testing.T) {
	l, x, y := randomLinear(5, 3, 8, 30, false)
	for _, a := range quick() {
		o, err := a.Run(context.Background(), l, x, y, Params{Epsilon: 2, Seed: 1, Constraint: Box{-5, 5}})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range o.Found {
			if f {
				n++
			}
		}
		if n < 20 {
			t.Errorf("%s broke %d of 30 samples at epsilon 2", a.Name(), n)
		}
	}
}

func TestErrors(t *testing.T) {
	l, x, y := randomLinear(1, 3, 4, 5, false)
	ctx := context.Background()
	for _, a := range All() {
		if a.Kind() == WhiteBox {
			if _, err := a.Run(ctx, blackBox{l}, x, y, Params{Epsilon: 0.1}); !errors.Is(err, ErrNeedsGradient) {
				t.Errorf("%s on a black box: %v, want ErrNeedsGradient", a.Name(), err)
			}
		}
		cases := map[string]struct {
			x *model.Tensor
			y []int
			p Params
		}{
			"labels":     {x, y[:2], Params{Epsilon: 0.1}},
			"label":      {x, []int{0, 1, 2, 3, 0}, Params{Epsilon: 0.1}},
			"shape":      {&model.Tensor{Shape: []int{5, 3}, Data: make([]float32, 15)}, y, Params{Epsilon: 0.1}},
			"nan eps":    {x, y, Params{Epsilon: math.NaN()}},
			"neg budget": {x, y, Params{Epsilon: 0.1, Budget: -1}},
			"output":     {x, y, Params{Epsilon: 0.1, Output: "odds"}},
		}
		if !a.Minimal() {
			cases["zero eps"] = cases["labels"]
			cases["zero eps"] = struct {
				x *model.Tensor
				y []int
				p Params
			}{x, y, Params{}}
		}
		for name, c := range cases {
			if _, err := a.Run(ctx, l, c.x, c.y, c.p); err == nil {
				t.Errorf("%s %s: no error", a.Name(), name)
			}
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := a.Run(cctx, l, x, y, Params{Epsilon: 0.1}); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v", a.Name(), err)
		}
	}
	if _, err := ByName("nope"); err == nil {
		t.Error("ByName accepted an unknown attack")
	}
	names := map[string]bool{}
	for _, a := range All() {
		if names[a.Name()] {
			t.Errorf("duplicate attack name %s", a.Name())
		}
		names[a.Name()] = true
		if b, err := ByName(a.Name()); err != nil || b.Name() != a.Name() {
			t.Errorf("ByName(%s): %v", a.Name(), err)
		}
	}
}

// stopAfter cancels its context after n Predict calls.
type stopAfter struct {
	model.Target
	n      int
	cancel context.CancelFunc
}

func (s *stopAfter) Predict(ctx context.Context, x *model.Tensor) (*model.Tensor, error) {
	if s.n--; s.n < 0 {
		s.cancel()
	}
	return s.Target.Predict(ctx, x)
}

// TestEvaluateInterrupted checks that an interrupted evaluation keeps the
// batches that finished.
func TestEvaluateInterrupted(t *testing.T) {
	l, x, y := randomLinear(3, 3, 8, 40, false)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tgt := &stopAfter{Target: l, n: 3 * 201 / 2, cancel: cancel} // partway through the second batch
	r, err := Evaluate(ctx, Square{Iterations: 200}, tgt, FromTensor(x, y, 10), []float64{0.2}, Params{Seed: 1})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if !r.Partial || len(r.Points) != 1 || r.Points[0].Samples == 0 || r.Points[0].Samples%10 != 0 || r.Points[0].Samples == 40 {
		t.Fatalf("partial report = %+v", r)
	}
	res := ResultOf(r, ResultOptions{})
	if res.Reason == "" {
		t.Error("the result of an interrupted run does not say so")
	}
}

// TestCurve checks that robust accuracy does not rise with epsilon, for a
// fixed-budget and a minimal attack, and that the points agree with the
// per-sample outcome.
func TestCurve(t *testing.T) {
	l, x, y := randomLinear(4, 3, 8, 50, false)
	grid := []float64{0.05, 0.1, 0.2, 0.4}
	for _, a := range []Attack{PGD{Steps: 10}, DeepFool{}} {
		r, err := Evaluate(context.Background(), a, l, FromTensor(x, y, 16), grid, Params{Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Points) != len(grid) {
			t.Fatalf("%s: %d points", a.Name(), len(r.Points))
		}
		for i, p := range r.Points {
			if p.Samples != 50 || p.Robust+p.Broken != p.CleanCorrect {
				t.Errorf("%s point %d inconsistent: %+v", a.Name(), i, p)
			}
			if p.RobustCI.Lo > p.RobustAccuracy || p.RobustCI.Hi < p.RobustAccuracy {
				t.Errorf("%s point %d: interval %+v excludes %g", a.Name(), i, p.RobustCI, p.RobustAccuracy)
			}
			if i > 0 && p.RobustAccuracy > r.Points[i-1].RobustAccuracy {
				t.Errorf("%s: robust accuracy rises from %g to %g", a.Name(), r.Points[i-1].RobustAccuracy, p.RobustAccuracy)
			}
			if p.Broken > 0 && (p.Linf.Max > p.Epsilon*(1+1e-5)+1e-6 && a.Metric() == Linf || p.L2.Max > p.Epsilon*(1+1e-5)+1e-6 && a.Metric() == L2) {
				t.Errorf("%s point %d: perturbations above epsilon: %+v", a.Name(), i, p)
			}
		}
		if r.Points[0].RobustAccuracy == r.Points[len(grid)-1].RobustAccuracy {
			t.Errorf("%s: flat curve %+v", a.Name(), r.Points)
		}
	}
}

func TestWilson(t *testing.T) {
	for _, c := range []struct {
		k, n   int
		lo, hi float64
	}{
		{0, 10, 0, 0.2775}, {50, 100, 0.4038, 0.5962}, {10, 10, 0.7225, 1}, {81, 263, 0.2553, 0.3662}, {0, 0, 0, 1},
	} {
		w := Wilson(c.k, c.n)
		if math.Abs(w.Lo-c.lo) > 1e-4 || math.Abs(w.Hi-c.hi) > 1e-4 {
			t.Errorf("Wilson(%d, %d) = %+v, want [%g, %g]", c.k, c.n, w, c.lo, c.hi)
		}
	}
}

func TestSpread(t *testing.T) {
	got := spread([]float64{5, 1, 4, 2, 3, 6, 7, 8, 9, 10})
	want := Spread{N: 10, Min: 1, Median: 5, P90: 9, Max: 10}
	if d := cmp.Diff(want, got); d != "" {
		t.Error(d)
	}
}

func TestResultOf(t *testing.T) {
	pt := Point{Epsilon: 0.1, Samples: 100, CleanCorrect: 90, Majority: 50, Robust: 40, Broken: 50, CleanAccuracy: 0.9, RobustAccuracy: 0.4, RobustCI: Wilson(40, 100), SuccessRate: 50.0 / 90}
	r := &Report{Attack: "pgd-linf", Kind: WhiteBox, Norm: Linf, Target: "m", Points: []Point{{Epsilon: 0.05, Samples: 100, CleanCorrect: 90, Majority: 50, Robust: 90, CleanAccuracy: 0.9, RobustAccuracy: 0.9}, pt}}
	cases := []struct {
		name   string
		r      *Report
		o      ResultOptions
		status aiassure.Status
		threat aiassure.ThreatID
	}{
		// No declaration: majority rate 0.5 of the points' samples, limit
		// 0.7; at ε 0.1 50 of 90 are broken, at 0.05 none.
		{"baseline", r, ResultOptions{}, aiassure.Fail, "evasion-white-box"},
		{"declared", r, ResultOptions{MinRobustAccuracy: 0.35}, aiassure.Pass, "evasion-white-box"},
		{"smaller epsilon", r, ResultOptions{Epsilon: 0.05}, aiassure.Pass, "evasion-white-box"},
		{"missing epsilon", r, ResultOptions{Epsilon: 0.3}, aiassure.Unknown, "evasion-white-box"},
		{"score", &Report{Attack: "square-linf", Kind: BlackBoxScore, Points: []Point{pt}}, ResultOptions{}, aiassure.Fail, "evasion-black-box-score"},
		{"decision", &Report{Attack: "hopskipjump-l2", Kind: BlackBoxDecision, Points: []Point{{Epsilon: 1, Samples: 3}}}, ResultOptions{}, aiassure.Unknown, "evasion-black-box-decision"},
	}
	for _, c := range cases {
		res := ResultOf(c.r, c.o)
		if res.Status != c.status || !slices.Equal(res.Threats, []aiassure.ThreatID{c.threat}) {
			t.Errorf("%s: status %s threats %v, want %s %s", c.name, res.Status, res.Threats, c.status, c.threat)
		}
		if res.Check != "evasion/"+c.r.Attack || res.Category != aiassure.AdversarialExamples ||
			!slices.Equal(res.Controls, []aiassure.ControlID{"c-robustness-testing"}) ||
			!slices.Equal(res.Requirements, []aiassure.RequirementID{"ai-act-art-15-4", "ai-act-art-15-5"}) {
			t.Errorf("%s: wrong ties %+v", c.name, res)
		}
		if (c.status == aiassure.Fail || c.status == aiassure.Pass) && !strings.Contains(res.Reason, "criterion: ") {
			t.Errorf("%s: a verdict without its criterion: %q", c.name, res.Reason)
		}
	}
	res := ResultOf(r, ResultOptions{})
	for k, v := range map[string]float64{"robust_accuracy": 0.4, "epsilon": 0.1, "success_rate": 50.0 / 90, "robust_accuracy@0.05": 0.9, "threshold": 0.7, "baseline_majority_rate": 0.5} {
		if res.Metrics[k] != v {
			t.Errorf("metric %s = %g, want %g", k, res.Metrics[k], v)
		}
	}
	if len(Results([]*Report{r, r}, ResultOptions{})) != 2 {
		t.Error("Results does not return one result per report")
	}
}

// TestOutputDetection checks that logits and probabilities are told apart
// and that the loss works either way (same adversarial examples from PGD
// without random start on the two forms of one model).
func TestOutputDetection(t *testing.T) {
	lp, x, y := randomLinear(8, 3, 6, 20, true)
	ll := &linear{w: lp.w, b: lp.b}
	sp, _ := begin(context.Background(), lp, x, y, Params{}, Linf)
	sl, _ := begin(context.Background(), ll, x, y, Params{}, Linf)
	if !sp.probs || sl.probs {
		t.Fatalf("detected probs=%v for probabilities and %v for logits", sp.probs, sl.probs)
	}
	a := PGD{Steps: 5, NoRandomStart: true}
	op, err := a.Run(context.Background(), lp, x, y, Params{Epsilon: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	ol, err := a.Run(context.Background(), ll, x, y, Params{Epsilon: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(op.Found, ol.Found); d != "" {
		t.Errorf("probabilities and logits give different results:\n%s", d)
	}
}
