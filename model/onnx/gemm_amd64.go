//go:build amd64 && !purego

package onnx

// sgemm6x16 computes, for i < 6 and j < 16,
//
//	c[i*ldc+j] (+)= sum over p < k of a[i*lda+p] * b[p*16+j]
//
// adding to c with kAcc in fl and applying Relu with kRelu, with AVX2 and
// FMA (gemm_amd64.s). The caller checks the bounds.
//
//go:noescape
func sgemm6x16(k int, a *float32, lda int, b *float32, c *float32, ldc int, fl int)

// sconv6x16 is the direct-convolution kernel (gemm_amd64.s): for i < rows
// and j < 16, c[i*ldc+j] = bias[i] + sum over p < k of a[i*lda+p] * B[p][j],
// where B[p][j] is x[offs[p]+j] for j < 8 and x[offs[p]+hi+j-8] above, then
// Relu with kRelu in fl. The caller checks the bounds; bias has 6 values.
//
//go:noescape
func sconv6x16(k int, a *float32, lda int, x *float32, offs *int32, hi int, c *float32, ldc int, rows int, bias *float32, fl int)

func cpuid(eaxIn, ecxIn uint32) (eax, ebx, ecx, edx uint32)

func xgetbv() (eax, edx uint32)

// haveFMA reports whether the CPU and the operating system support AVX2 and
// FMA.
func haveFMA() bool {
	maxID, _, _, _ := cpuid(0, 0)
	if maxID < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const fmaBit, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if ecx1&fmaBit == 0 || ecx1&osxsave == 0 || ecx1&avx == 0 {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 { // XMM and YMM state enabled
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<5) != 0 // AVX2
}
