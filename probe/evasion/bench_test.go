package evasion

import (
	"context"
	"testing"

	"github.com/aiassure/aiassure/model"
)

// Benchmarks on the example digits models (8x8 images in [0, 1]), as
// recorded in docs/benchmarks.md: FGSM, PGD-40, Square (1,000 iterations)
// on 300 images at ε = 0.1 (L∞), and HopSkipJump-L2 (10 full iterations,
// no early stop) on 50, reported at ε = 1. Success rate and total queries
// are reported with the time.
func benchAttack(b *testing.B, file string, a Attack, n int, eps float64) {
	m, x, y := example(b, "border-biometrics", file, n)
	var t model.Target = m
	if a.Kind() != WhiteBox {
		t = blackBox{m}
	}
	p := Params{Epsilon: eps, Constraint: Box{0, 1}, Seed: 1}
	var pt Point
	if a.Minimal() {
		p.Epsilon = 0 // run every iteration, as ART does
	}
	for b.Loop() {
		o, err := a.Run(context.Background(), t, x, y, p)
		if err != nil {
			b.Fatal(err)
		}
		r, err := Evaluate(context.Background(), replay{a, o}, t, FromTensor(x, y, 0), []float64{eps}, p)
		if err != nil {
			b.Fatal(err)
		}
		pt = r.Points[0]
	}
	b.ReportMetric(pt.SuccessRate, "success")
	b.ReportMetric(float64(pt.Queries.Total), "queries")
}

func BenchmarkFGSM_MLP(b *testing.B)  { benchAttack(b, "mlp.onnx", FGSM{}, 300, 0.1) }
func BenchmarkFGSM_CNN(b *testing.B)  { benchAttack(b, "cnn.onnx", FGSM{}, 300, 0.1) }
func BenchmarkPGD40_MLP(b *testing.B) { benchAttack(b, "mlp.onnx", PGD{Steps: 40}, 300, 0.1) }
func BenchmarkPGD40_CNN(b *testing.B) { benchAttack(b, "cnn.onnx", PGD{Steps: 40}, 300, 0.1) }
func BenchmarkSquare_MLP(b *testing.B) {
	benchAttack(b, "mlp.onnx", Square{Iterations: 1000}, 300, 0.1)
}
func BenchmarkSquare_CNN(b *testing.B) {
	benchAttack(b, "cnn.onnx", Square{Iterations: 1000}, 300, 0.1)
}
func BenchmarkHSJ10_MLP(b *testing.B) {
	benchAttack(b, "mlp.onnx", HopSkipJump{Norm: L2, Iterations: 10}, 50, 1)
}
func BenchmarkHSJ10_CNN(b *testing.B) {
	benchAttack(b, "cnn.onnx", HopSkipJump{Norm: L2, Iterations: 10}, 50, 1)
}

// replay is an attack that returns a finished outcome, so that the
// benchmark measures the attack and reads the point from it.
type replay struct {
	Attack
	o *Outcome
}

func (r replay) Run(context.Context, model.Target, *model.Tensor, []int, Params) (*Outcome, error) {
	return r.o, nil
}
