package evasion

import (
	"context"
	"testing"
)

// TestPGDNotWeakerThanFGSM runs FGSM and PGD with restarts at the same
// epsilon on the example MLPs: PGD must break at least as many samples.
func TestPGDNotWeakerThanFGSM(t *testing.T) {
	cases := []struct {
		example string
		eps     float64
		box     Constraint
	}{
		{"border-biometrics", 0.08, Box{0, 1}},
		{"credit-scoring", 0.1, nil},
		{"medical-diagnosis", 0.1, nil},
		{"minimal-risk", 0.1, nil},
	}
	for _, c := range cases {
		t.Run(c.example, func(t *testing.T) {
			m, x, y := example(t, c.example, "mlp.onnx", 200)
			for _, norm := range []Norm{Linf, L2} {
				eps := c.eps
				if norm == L2 {
					eps *= 5
				}
				p := Params{Epsilon: eps, Constraint: c.box, Seed: 1}
				f, err := FGSM{Norm: norm}.Run(context.Background(), m, x, y, p)
				if err != nil {
					t.Fatal(err)
				}
				g, err := PGD{Norm: norm, Steps: 20, Restarts: 3}.Run(context.Background(), m, x, y, p)
				if err != nil {
					t.Fatal(err)
				}
				nf, ng := countFound(f), countFound(g)
				t.Logf("%s ε=%g: FGSM broke %d, PGD %d of %d", norm, eps, nf, ng, len(y))
				if ng < nf {
					t.Errorf("%s ε=%g: PGD broke %d samples, FGSM %d", norm, eps, ng, nf)
				}
			}
		})
	}
}

func countFound(o *Outcome) int {
	n := 0
	for _, f := range o.Found {
		if f {
			n++
		}
	}
	return n
}

// TestBlackBoxNearPGD checks the black-box attacks against PGD on the
// digits MLP (first 100 test images, pixels in [0, 1]): Square Attack with
// 1,000 queries reaches PGD-L∞'s success rate at ε = 0.1 within 5 points,
// and HopSkipJump-L2 with at most 2,500 queries reaches PGD-L2's at ε = 0.6
// within 20 points (HopSkipJump-L∞ within 25 points of PGD-L∞).
func TestBlackBoxNearPGD(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	m, x, y := example(t, "border-biometrics", "mlp.onnx", 100)
	bb := blackBox{m}
	box := Box{0, 1}
	cases := []struct {
		ref, bb Attack
		eps     float64
		budget  int
		margin  float64
	}{
		{PGD{Norm: Linf, Restarts: 3}, Square{Iterations: 1000}, 0.1, 1000, 0.05},
		{PGD{Norm: L2, Restarts: 3}, HopSkipJump{Norm: L2, Iterations: 10}, 0.6, 2500, 0.20},
		{PGD{Norm: Linf, Restarts: 3}, HopSkipJump{Norm: Linf, Iterations: 10}, 0.1, 2500, 0.25},
	}
	for _, c := range cases {
		ref, err := Evaluate(context.Background(), c.ref, m, FromTensor(x, y, 0), []float64{c.eps}, Params{Constraint: box, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		got, err := Evaluate(context.Background(), c.bb, bb, FromTensor(x, y, 0), []float64{c.eps}, Params{Constraint: box, Seed: 1, Budget: c.budget})
		if err != nil {
			t.Fatal(err)
		}
		pr, pb := ref.Points[0], got.Points[0]
		t.Logf("%s %.3f vs %s %.3f at ε=%g (queries mean %.0f, max %d)", c.ref.Name(), pr.SuccessRate, c.bb.Name(), pb.SuccessRate, c.eps, pb.Queries.Mean, pb.Queries.Max)
		if pb.SuccessRate < pr.SuccessRate-c.margin {
			t.Errorf("%s success %.3f is more than %.2f below %s's %.3f", c.bb.Name(), pb.SuccessRate, c.margin, c.ref.Name(), pr.SuccessRate)
		}
		if pb.Queries.Max > c.budget {
			t.Errorf("%s spent %d queries on a sample, budget %d", c.bb.Name(), pb.Queries.Max, c.budget)
		}
	}
}

// TestCNN runs every attack once on the example CNN (input 1x8x8), where
// Square Attack uses square windows.
func TestCNN(t *testing.T) {
	m, x, y := example(t, "border-biometrics", "cnn.onnx", 40)
	for _, a := range quick() {
		p := Params{Epsilon: 0.15, Constraint: Box{0, 1}, Seed: 1}
		if a.Metric() == L2 {
			p.Epsilon = 1
		}
		o, err := a.Run(context.Background(), m, x, y, p)
		if err != nil {
			t.Fatalf("%s: %v", a.Name(), err)
		}
		if n := countFound(o); n < 10 {
			t.Errorf("%s broke %d of 40 samples", a.Name(), n)
		}
	}
}
