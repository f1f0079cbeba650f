//go:build amd64 && !purego

package onnx

// vexpsum sets dst[i] = exp(src[i] − sub) for i < n&^7 and returns their sum
// (vmath_amd64.s; AVX2 and FMA). The caller checks the bounds.
//
//go:noescape
func vexpsum(dst, src *float32, n int, sub float32) float32

// vgelu sets dst[i] = src[i]·(1 + erf(src[i]·rc))·h for i < n&^7
// (vmath_amd64.s). The caller checks the bounds.
//
//go:noescape
func vgelu(dst, src *float32, n int, rc, h float32)

// vlayernorm normalises one row of n floats, n a positive multiple of 8
// (vmath_amd64.s): out = (x − mean)·inv·scale + bias, inv = 1/sqrt(variance
// + eps), computed in float32. The caller checks the bounds.
//
//go:noescape
func vlayernorm(out, x, scale, bias *float32, n int, eps float32) (mean, inv float32)
