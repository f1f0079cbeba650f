package evasion

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/model"
)

// TestEnsembleWorstCase runs four attacks on the medical-diagnosis logistic
// regression and checks the ensemble against the attacks' own outcomes
// (Attack.Run, not the reports): at every ε its robust count is that of
// the samples no attack broke at that ε or a smaller one, and at most the
// least of the attacks'.
func TestEnsembleWorstCase(t *testing.T) {
	m, x, y := example(t, "medical-diagnosis", "logreg.onnx", 60)
	eps := []float64{0.01, 0.03, 0.1, 0.3}
	attacks := []Attack{FGSM{}, PGD{Steps: 10, Restarts: 2}, Square{Iterations: 100}, HopSkipJump{Norm: Linf, Iterations: 3}}
	p := Params{Seed: 3}
	var reps []*Report
	broken := map[float64][]bool{} // by ε: broken by any attack at that ε
	for _, e := range eps {
		broken[e] = make([]bool, len(y))
	}
	for _, a := range attacks {
		r, err := Evaluate(context.Background(), a, m, FromTensor(x, y, 0), eps, p)
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, r)
		for _, e := range eps {
			pp := p
			pp.Epsilon = e
			if a.Minimal() {
				pp.Epsilon = 0
			}
			o, err := a.Run(context.Background(), m, x, y, pp)
			if err != nil {
				t.Fatal(err)
			}
			for i, f := range o.Found {
				d := o.Linf[i]
				if f && inBall(d, e) {
					broken[e][i] = true
				}
			}
		}
	}
	ens, err := Ensemble(reps)
	if err != nil {
		t.Fatal(err)
	}
	if ens.Attack != "ensemble-linf" || ens.Kind != WhiteBox || len(ens.Members) != 4 || len(ens.Points) != len(eps) {
		t.Fatalf("ensemble %s %s, %d members, %d points", ens.Attack, ens.Kind, len(ens.Members), len(ens.Points))
	}
	clean := reps[0].Points[0].CleanCorrect
	below := false // somewhere below every attack: the ensemble combines them
	for k, pt := range ens.Points {
		want := clean
		for i := range y {
			hit := false
			for _, e := range eps[:k+1] {
				hit = hit || broken[e][i]
			}
			if hit {
				want--
			}
		}
		if pt.Robust != want {
			t.Errorf("ε=%g: ensemble robust %d, want %d", pt.Epsilon, pt.Robust, want)
		}
		least := math.Inf(1)
		for _, r := range reps {
			q := r.Points[k]
			least = min(least, q.RobustAccuracy)
			if pt.RobustAccuracy > q.RobustAccuracy {
				t.Errorf("ε=%g: ensemble robust accuracy %g above %s's %g", pt.Epsilon, pt.RobustAccuracy, r.Attack, q.RobustAccuracy)
			}
		}
		below = below || pt.RobustAccuracy < least
		if lo, hi := metricsWilson(pt.Robust, pt.Samples); pt.RobustCI.Lo != lo || pt.RobustCI.Hi != hi {
			t.Errorf("ε=%g: interval %v", pt.Epsilon, pt.RobustCI)
		}
		t.Logf("ε=%g: ensemble %d robust of %d; attacks %d %d %d %d", pt.Epsilon, pt.Robust, pt.Samples,
			reps[0].Points[k].Robust, reps[1].Points[k].Robust, reps[2].Points[k].Robust, reps[3].Points[k].Robust)
	}
	if !below {
		t.Error("the ensemble is nowhere below the best attack")
	}
	res := ResultOf(ens, ResultOptions{Epsilon: 0.1})
	if !slices.Equal(res.Threats, []aiassure.ThreatID{"evasion-white-box", "evasion-black-box-score", "evasion-black-box-decision"}) || res.ID != "evasion/ensemble-linf" {
		t.Errorf("ensemble result %s threats %v", res.ID, res.Threats)
	}
}

func metricsWilson(k, n int) (float64, float64) {
	iv := Wilson(k, n)
	return iv.Lo, iv.Hi
}

// TestEnsembleClosedForm: on a binary linear model FGSM breaks a sample
// exactly when ε exceeds its minimal L∞ perturbation |f|/||w||_1 and
// DeepFool finds that perturbation (times 1.02), so the ensemble's robust
// samples at ε are those whose minimal perturbation is at least ε; samples
// within 3% of ε are left out of the count.
func TestEnsembleClosedForm(t *testing.T) {
	l, x, y := randomLinear(5, 2, 8, 200, false)
	f, w := boundary(l, x)
	n1, _ := norms(w)
	eps := []float64{0.02, 0.05, 0.1, 0.2}
	var reps []*Report
	for _, a := range []Attack{FGSM{}, DeepFool{Norm: Linf}, PGD{Steps: 20}} {
		r, err := Evaluate(context.Background(), a, l, FromTensor(x, y, 64), eps, Params{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, r)
	}
	ens, err := Ensemble(reps)
	if err != nil {
		t.Fatal(err)
	}
	for k, e := range eps {
		ens1 := ens.Points[k].recs
		checked := 0
		for i := range f {
			d := math.Abs(f[i]) / n1
			if d > e*0.97 && d < e*1.03 {
				continue
			}
			checked++
			if got, want := brokenAt(ens1[i], e), d < e; got != want {
				t.Errorf("ε=%g sample %d: minimal perturbation %.4g, ensemble broken %v", e, i, d, got)
			}
		}
		if checked < 150 {
			t.Errorf("ε=%g: only %d samples away from the boundary", e, checked)
		}
	}
}

func TestEnsembleErrors(t *testing.T) {
	l, x, y := randomLinear(5, 2, 8, 20, false)
	a, _ := Evaluate(context.Background(), FGSM{}, l, FromTensor(x, y, 0), []float64{0.1}, Params{})
	b, _ := Evaluate(context.Background(), FGSM{Norm: L2}, l, FromTensor(x, y, 0), []float64{0.1}, Params{})
	c, _ := Evaluate(context.Background(), PGD{}, l, FromTensor(x, y, 0), []float64{0.2}, Params{})
	short, _ := Evaluate(context.Background(), PGD{}, l, FromTensor(&model.Tensor{Shape: []int{10, 8}, Data: x.Data[:80]}, y[:10], 0), []float64{0.1}, Params{})
	for name, reps := range map[string][]*Report{
		"one":          {a},
		"two norms":    {a, b},
		"no shared ε":  {a, c},
		"other sample": {a, short},
		"from JSON":    {a, {Attack: "x", Norm: Linf, Points: []Point{{Epsilon: 0.1}}}},
	} {
		if _, err := Ensemble(reps); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
