package onnx

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestVectorMath checks the vector GELU and exp (and the Go remainder loop)
// against math.Erf and math.Exp in float64: on a dense grid over [-12, 12],
// at the edges of the kernels' ranges and on NaN and the infinities.
func TestVectorMath(t *testing.T) {
	var xs []float32
	for i := -120000; i <= 120000; i++ {
		xs = append(xs, float32(i)/10000)
	}
	xs = append(xs, 0.921875, -0.921875, 3.925, -3.925, 87.33, -87.33, 88, 100, -100, 1e-30, -1e-30,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 0.5) // odd length: a remainder
	c, h := float32(math.Sqrt2), float32(0.5)
	got := make([]float32, len(xs))
	geluF32(got, xs, c, h)
	for i, x := range xs {
		v := float64(x)
		want := v * (1 + math.Erf(v/math.Sqrt2)) / 2
		if math.IsNaN(want) != math.IsNaN(float64(got[i])) {
			t.Fatalf("gelu(%g) = %g, want %g", x, got[i], want)
		}
		if math.IsNaN(want) || math.IsInf(want, 0) && float64(got[i]) == want {
			continue
		}
		if d := math.Abs(float64(got[i]) - want); d > 2e-7*math.Max(1, math.Abs(v)) {
			t.Fatalf("gelu(%g) = %g, want %g (error %g)", x, got[i], want, d)
		}
	}
	if !fma {
		return // the exp kernel needs AVX2 and FMA; the GELU above ran in Go
	}
	for _, sub := range []float32{0, 3, -2} {
		sum := vexpsum(&got[0], &xs[0], len(xs), sub)
		var want float64
		for i, x := range xs[:len(xs)&^7] {
			v := float64(x - sub)
			e := math.Exp(v)
			switch {
			case math.IsNaN(v):
				if !math.IsNaN(float64(got[i])) {
					t.Fatalf("exp(NaN) = %g", got[i])
				}
				continue
			case v < float64(float32(-87.33)):
				e = 0
			case v > 88:
				e = math.Exp(88)
			}
			if d := math.Abs(float64(got[i]) - e); d > 3e-7*e {
				t.Fatalf("exp(%g) = %g, want %g (relative error %g)", v, got[i], e, d/e)
			}
			want += float64(got[i])
		}
		if !math.IsNaN(float64(sum)) {
			t.Fatalf("sum with a NaN = %g", sum)
		}
		s := vexpsum(&got[0], &xs[0], 120000, sub) // the negative half of the grid
		want = 0
		for _, x := range xs[:120000] {
			want += math.Exp(float64(x - sub))
		}
		if d := math.Abs(float64(s) - want); d > 1e-5*want {
			t.Fatalf("sum of exp = %g, want %g", s, want)
		}
	}
}

func BenchmarkGelu(b *testing.B) {
	xs := make([]float32, 4096)
	for i := range xs {
		xs[i] = float32(i-2048) / 512
	}
	ys := make([]float32, len(xs))
	for _, mode := range []bool{true, false} {
		b.Run(map[bool]string{true: "vector", false: "scalar"}[mode], func(b *testing.B) {
			defer func(old bool) { fma = old }(fma)
			fma = fma && mode
			for b.Loop() {
				geluF32(ys, xs, math.Sqrt2, 0.5)
			}
			b.ReportMetric(float64(b.N*len(xs))/b.Elapsed().Seconds(), "values/s")
		})
	}
}

// TestVectorLayerNorm checks the vector row normalisation against the
// float64 formula on random rows of 8 to 512 values, some far from zero.
func TestVectorLayerNorm(t *testing.T) {
	if !fma {
		t.Skip("no AVX2 and FMA")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{8, 16, 64, 72, 512} {
		x, sc, bi, out := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64()*3 + 100)
			sc[i], bi[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		mean, inv := vlayernorm(&out[0], &x[0], &sc[0], &bi[0], n, 1e-5)
		var mu, q float64
		for _, v := range x {
			mu += float64(v)
		}
		mu /= float64(n)
		for _, v := range x {
			q += (float64(v) - mu) * (float64(v) - mu)
		}
		is := 1 / math.Sqrt(q/float64(n)+1e-5)
		if math.Abs(float64(mean)-mu) > 1e-6*math.Abs(mu) || math.Abs(float64(inv)-is) > 1e-4*is {
			t.Fatalf("n=%d: mean, inv = %g, %g, want %g, %g", n, mean, inv, mu, is)
		}
		for i, v := range x {
			want := (float64(v)-mu)*is*float64(sc[i]) + float64(bi[i])
			if d := math.Abs(float64(out[i]) - want); d > 1e-4*math.Max(1, math.Abs(want)) {
				t.Fatalf("n=%d: out[%d] = %g, want %g", n, i, out[i], want)
			}
		}
	}
}
