package onnx

import "sync"

// Matrix multiplication kernels. All products are reduced to one kernel,
// gemmNT, that multiplies a row-major A (m×k) by the transpose of a
// row-major Bt (n×k): every inner product then reads two contiguous rows.

// gemmNT sets (or, with acc, adds to) C[i*ldc+j] the dot product of row i of
// a and row j of bt, for i < m and j < n.
func gemmNT(m, n, k int, a []float32, lda int, bt []float32, ldb int, c []float32, ldc int, acc bool) {
	i := 0
	for ; i+2 <= m; i += 2 {
		a0 := a[i*lda : i*lda+k]
		a1 := a[(i+1)*lda : (i+1)*lda+k]
		c0 := c[i*ldc : i*ldc+n]
		c1 := c[(i+1)*ldc : (i+1)*ldc+n]
		j := 0
		for ; j+4 <= n; j += 4 {
			b0 := bt[j*ldb : j*ldb+k]
			b1 := bt[(j+1)*ldb : (j+1)*ldb+k]
			b2 := bt[(j+2)*ldb : (j+2)*ldb+k]
			b3 := bt[(j+3)*ldb : (j+3)*ldb+k]
			var s00, s01, s02, s03, s10, s11, s12, s13 float32
			for p := range a0 {
				x0, x1 := a0[p], a1[p]
				y0, y1, y2, y3 := b0[p], b1[p], b2[p], b3[p]
				s00 += x0 * y0
				s01 += x0 * y1
				s02 += x0 * y2
				s03 += x0 * y3
				s10 += x1 * y0
				s11 += x1 * y1
				s12 += x1 * y2
				s13 += x1 * y3
			}
			if acc {
				c0[j] += s00
				c0[j+1] += s01
				c0[j+2] += s02
				c0[j+3] += s03
				c1[j] += s10
				c1[j+1] += s11
				c1[j+2] += s12
				c1[j+3] += s13
			} else {
				c0[j], c0[j+1], c0[j+2], c0[j+3] = s00, s01, s02, s03
				c1[j], c1[j+1], c1[j+2], c1[j+3] = s10, s11, s12, s13
			}
		}
		for ; j < n; j++ {
			b0 := bt[j*ldb : j*ldb+k]
			var s0, s1 float32
			for p, y := range b0 {
				s0 += a0[p] * y
				s1 += a1[p] * y
			}
			if acc {
				c0[j] += s0
				c1[j] += s1
			} else {
				c0[j], c1[j] = s0, s1
			}
		}
	}
	for ; i < m; i++ {
		a0 := a[i*lda : i*lda+k]
		c0 := c[i*ldc : i*ldc+n]
		j := 0
		for ; j+4 <= n; j += 4 {
			b0 := bt[j*ldb : j*ldb+k]
			b1 := bt[(j+1)*ldb : (j+1)*ldb+k]
			b2 := bt[(j+2)*ldb : (j+2)*ldb+k]
			b3 := bt[(j+3)*ldb : (j+3)*ldb+k]
			var s0, s1, s2, s3 float32
			for p, x := range a0 {
				s0 += x * b0[p]
				s1 += x * b1[p]
				s2 += x * b2[p]
				s3 += x * b3[p]
			}
			if acc {
				c0[j] += s0
				c0[j+1] += s1
				c0[j+2] += s2
				c0[j+3] += s3
			} else {
				c0[j], c0[j+1], c0[j+2], c0[j+3] = s0, s1, s2, s3
			}
		}
		for ; j < n; j++ {
			b0 := bt[j*ldb : j*ldb+k]
			var s float32
			for p, x := range a0 {
				s += x * b0[p]
			}
			if acc {
				c0[j] += s
			} else {
				c0[j] = s
			}
		}
	}
}

var packPool = sync.Pool{New: func() any { return new([]float32) }}

func getPack(n int) *[]float32 {
	p := packPool.Get().(*[]float32)
	if cap(*p) < n {
		*p = make([]float32, n)
	}
	*p = (*p)[:n]
	return p
}

// transpose writes the transpose of the rows×cols row-major src into dst.
func transpose(dst, src []float32, rows, cols int) {
	const blk = 32
	for i0 := 0; i0 < rows; i0 += blk {
		i1 := min(i0+blk, rows)
		for j0 := 0; j0 < cols; j0 += blk {
			j1 := min(j0+blk, cols)
			for i := i0; i < i1; i++ {
				row := src[i*cols : i*cols+cols]
				for j := j0; j < j1; j++ {
					dst[j*rows+i] = row[j]
				}
			}
		}
	}
}

// matmul computes C (m×n, row-major) = op(A)·op(B), or adds it to C with
// acc. op(A) is m×k: A is stored m×k, or k×m when transA. op(B) is k×n: B is
// stored k×n, or n×k when transB. Work is split over the runner's threads.
func (r *runner) matmul(m, n, k int, a []float32, transA bool, b []float32, transB bool, c []float32, acc bool) {
	matmulOn(r, m, n, k, a, transA, b, transB, c, acc)
}

// matmul1 is matmul on the calling goroutine only.
func matmul1(m, n, k int, a []float32, transA bool, b []float32, transB bool, c []float32, acc bool) {
	matmulOn(nil, m, n, k, a, transA, b, transB, c, acc)
}

func matmulOn(r *runner, m, n, k int, a []float32, transA bool, b []float32, transB bool, c []float32, acc bool) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		if !acc {
			clear(c[:m*n])
		}
		return
	}
	if transA {
		p := getPack(m * k)
		defer packPool.Put(p)
		transpose(*p, a[:k*m], k, m)
		a = *p
	}
	if !transB {
		p := getPack(n * k)
		defer packPool.Put(p)
		transpose(*p, b[:k*n], k, n)
		b = *p
	}
	if r == nil {
		gemmNT(m, n, k, a, k, b, k, c, n, acc)
		return
	}
	r.gemmPar(m, n, k, a, b, c, acc)
}

// gemmPar runs gemmNT (lda = ldb = k, ldc = n) split by rows of C, or by
// columns when there are few rows.
func (r *runner) gemmPar(m, n, k int, a, bt, c []float32, acc bool) {
	if m >= 2*r.threads || m >= n {
		r.parallelFor((m+1)/2, 2*n*k, func(lo, hi int) {
			lo, hi = 2*lo, min(2*hi, m)
			gemmNT(hi-lo, n, k, a[lo*k:], k, bt, k, c[lo*n:], n, acc)
		})
		return
	}
	r.parallelFor((n+3)/4, 4*m*k, func(lo, hi int) {
		lo, hi = 4*lo, min(4*hi, n)
		gemmNT(m, hi-lo, k, a, k, bt[lo*k:], k, c[lo:], n, acc)
	})
}
