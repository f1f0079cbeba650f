package onnx

import "math"

// Vector kernels for the float32 transformer operators (the fused GELU and
// Softmax along the last axis): with AVX2 and FMA, 8 lanes at a time in
// assembly (vmath_amd64.s), the remainder and other machines in Go. The
// assembly evaluates erf and exp in float32 (absolute error of erf under
// 1.4e-7, relative error of exp about 2e-7, TestVectorMath).

// geluF32 sets dst[i] = x·(1 + erf(x/c))·h for x = src[i].
func geluF32(dst, src []float32, c, h float32) {
	dst = dst[:len(src)]
	n := 0
	if fma && len(src) >= 8 {
		n = len(src) &^ 7
		vgelu(&dst[0], &src[0], n, 1/c, h)
	}
	for i := n; i < len(src); i++ {
		v := src[i]
		dst[i] = v * (float32(erf32(float64(v/c))) + 1) * h
	}
}

// softmaxRows32 is Softmax over rows of l contiguous floats, rows lo to hi.
func softmaxRows32(xs, ys []float32, lo, hi, l int) {
	for o := lo; o < hi; o++ {
		x, y := xs[o*l:(o+1)*l], ys[o*l:(o+1)*l]
		mx := float32(math.Inf(-1))
		for _, v := range x {
			if v > mx {
				mx = v
			}
		}
		n := l &^ 7
		var sum float32
		if n > 0 {
			sum = vexpsum(&y[0], &x[0], n, mx)
		}
		for j := n; j < l; j++ {
			y[j] = float32(math.Exp(float64(x[j] - mx)))
			sum += y[j]
		}
		inv := 1 / sum
		for j := range y {
			y[j] *= inv
		}
	}
}
