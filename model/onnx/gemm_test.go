package onnx

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMatmulKernels checks both kernels (the assembly one where the CPU has
// it, and the portable one) against a float64 reference, over shapes that
// exercise full and partial tiles, transposes, accumulation and threads.
func TestMatmulKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	modes := []bool{false}
	if haveFMA() {
		modes = append(modes, true)
	} else {
		t.Log("no AVX2/FMA: only the portable kernel is tested")
	}
	defer func(old bool) { fma = old }(fma)
	for _, mode := range modes {
		fma = mode
		for _, sz := range [][3]int{{1, 1, 1}, {1, 10, 64}, {6, 16, 9}, {7, 17, 3}, {13, 33, 0}, {256, 64, 64}, {5, 100, 31}, {64, 8, 9}} {
			m, n, k := sz[0], sz[1], sz[2]
			for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
				for _, acc := range []bool{false, true} {
					a := randSlice(rng, m*k)
					b := randSlice(rng, k*n)
					c := randSlice(rng, m*n)
					want := make([]float64, m*n)
					for i := range m {
						for j := range n {
							s := 0.0
							if acc {
								s = float64(c[i*n+j])
							}
							for p := range k {
								av := a[i*k+p]
								if tr[0] {
									av = a[p*m+i]
								}
								bv := b[p*n+j]
								if tr[1] {
									bv = b[j*k+p]
								}
								s += float64(av) * float64(bv)
							}
							want[i*n+j] = s
						}
					}
					if !tr[0] {
						// The fused Relu of gemm.
						got := append([]float32(nil), c...)
						w := packB(b, k, n, tr[1], nil)
						(&runner{threads: 2}).gemm(m, a, k, w, got, n, flags(acc, true))
						for i, v := range want {
							if math.Abs(float64(got[i])-math.Max(v, 0)) > 1e-4*(1+math.Abs(v)) {
								t.Fatalf("relu fma=%v %dx%dx%d: c[%d] = %g, want %g", mode, m, n, k, i, got[i], math.Max(v, 0))
							}
						}
					}
					for _, threads := range []int{1, 3} {
						got := append([]float32(nil), c...)
						r := &runner{threads: threads}
						r.matmul(m, n, k, a, tr[0], b, tr[1], got, acc)
						for i, w := range want {
							if math.Abs(float64(got[i])-w) > 1e-4*(1+math.Abs(w)) {
								t.Fatalf("fma=%v %dx%dx%d trans=%v acc=%v threads=%d: c[%d] = %g, want %g",
									mode, m, n, k, tr, acc, threads, i, got[i], w)
							}
						}
					}
				}
			}
		}
	}
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 2*rng.Float32() - 1
	}
	return s
}

// TestPortableKernelModels runs the gradient and example tests' models with
// the portable kernel, so both kernels are covered on an AVX2 machine.
func TestPortableKernelModels(t *testing.T) {
	if !fma {
		t.Skip("the portable kernel is already the active one")
	}
	fma = false
	defer func() { fma = true }()
	t.Run("gradients", TestGradientsFiniteDifferences)
	t.Run("examples", TestExamplesMatchONNXRuntime)
}
