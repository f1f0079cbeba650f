package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

func synthetic(n, k int, seed uint64) ([]int, [][]float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	y := make([]int, n)
	s := make([][]float64, n)
	for i := range n {
		y[i] = rng.IntN(k)
		row := make([]float64, k)
		sum := 0.0
		for j := range row {
			z := rng.NormFloat64()
			if j == y[i] {
				z += 1.5
			}
			row[j] = math.Exp(z)
			sum += row[j]
		}
		for j := range row {
			row[j] /= sum
		}
		s[i] = row
	}
	return y, s
}

func benchCompute(b *testing.B, n, k, resamples int) {
	y, s := synthetic(n, k, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(y, nil, s, Options{Resamples: resamples, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkComputeBinary10kNoBootstrap(b *testing.B)      { benchCompute(b, 10000, 2, -1) }
func BenchmarkComputeBinary10kBootstrap1000(b *testing.B)    { benchCompute(b, 10000, 2, 1000) }
func BenchmarkComputeDigits450Bootstrap1000(b *testing.B)    { benchCompute(b, 450, 10, 1000) }
func BenchmarkComputeClasses10x10kBootstrap200(b *testing.B) { benchCompute(b, 10000, 10, 200) }

// FuzzCompute feeds arbitrary labels, predictions and scores to Compute and
// Compare: errors are fine, panics and non-finite reports are not.
func FuzzCompute(f *testing.F) {
	f.Add([]byte{0, 1, 1, 0, 2, 2, 1, 1}, uint8(3))
	f.Add([]byte{1, 1, 1, 1}, uint8(2))
	f.Fuzz(func(t *testing.T, in []byte, k uint8) {
		if len(in) < 2 || len(in) > 400 || k < 2 || k > 8 {
			return
		}
		n := len(in) / 2
		y, pred := make([]int, n), make([]int, n)
		s := make([][]float64, n)
		for i := range n {
			y[i], pred[i] = int(in[2*i])%int(k), int(in[2*i+1])%int(k)
			s[i] = make([]float64, k)
			for j := range s[i] {
				s[i][j] = float64((int(in[2*i+1])+j*37)%11) / 10
			}
		}
		for _, scores := range [][][]float64{nil, s} {
			r, err := Compute(y, pred, scores, Options{Resamples: 20, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range []Estimate{r.Accuracy, r.BalancedAccuracy, r.Macro.F1, r.Weighted.F1} {
				if math.IsNaN(e.Value) || math.IsNaN(e.Lower) || math.IsNaN(e.Upper) {
					t.Fatalf("non-finite estimate %+v", e)
				}
			}
			if r.ROCAUC != nil && (r.ROCAUC.Value < 0 || r.ROCAUC.Value > 1) {
				t.Fatalf("AUC %v", r.ROCAUC.Value)
			}
		}
	})
}
