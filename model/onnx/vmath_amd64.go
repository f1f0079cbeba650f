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
