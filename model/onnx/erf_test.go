package onnx

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestErf32 checks erf32 against math.Erf on a fine grid and at the edges of
// its pieces.
func TestErf32(t *testing.T) {
	worst := 0.0
	check := func(x float64) {
		d := math.Abs(erf32(x) - math.Erf(x))
		bound := 4e-9
		if math.Abs(x) >= 4 {
			bound = 1.6e-8 // 1 - erf(4) = 1.54e-8: erf rounds to ±1 in float32 there
		} else {
			worst = math.Max(worst, d)
		}
		if !(d <= bound) {
			t.Fatalf("erf32(%g) = %.17g, math.Erf %.17g", x, erf32(x), math.Erf(x))
		}
	}
	for i := -600000; i <= 600000; i++ {
		check(float64(i) * 1e-5)
	}
	for _, x := range []float64{0, 1, 2, 3, 4, math.Nextafter(1, 0), math.Nextafter(4, 0), 1e-30, 5, 100, math.Inf(1), math.Inf(-1)} {
		check(x)
		check(-x)
	}
	if !math.IsNaN(erf32(math.NaN())) {
		t.Error("erf32(NaN) is not NaN")
	}
	if math.Signbit(erf32(math.Copysign(0, -1))) != true {
		t.Error("erf32(-0) is not -0")
	}
	t.Logf("largest |erf32 - math.Erf| below 4: %.3g", worst)
}

func BenchmarkErf32(b *testing.B) {
	// Random order, as activations come: a sorted input would hide the cost
	// of mispredicted branches.
	xs := make([]float64, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range xs {
		xs[i] = 1.5 * rng.NormFloat64()
	}
	for _, f := range []struct {
		name string
		fn   func(float64) float64
	}{{"math.Erf", math.Erf}, {"erf32", erf32}} {
		b.Run(f.name, func(b *testing.B) {
			var s float64
			for b.Loop() {
				for _, x := range xs {
					s += f.fn(x)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N*len(xs)), "ns/call")
			_ = s
		})
	}
}
