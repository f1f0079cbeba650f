package onnx

import "sync"

// Matrix products. The right operand B (k×n) is packed once into the layout
// of the active kernel (weights): with AVX2 and FMA, 16-column panels that an
// assembly micro-kernel multiplies 6 rows at a time; otherwise B transposed,
// for a portable kernel of dot products over contiguous rows. Constant
// weights are packed at load time.

// fma reports whether the assembly kernel is used; set at start-up from the
// CPU's features (tests switch it off to check the portable kernel).
var fma = haveFMA()

const (
	panelW = 16 // columns per panel
	tileM  = 6  // rows per micro-kernel call
)

// weights is B (k×n) packed for the active kernel.
type weights struct {
	k, n   int
	bt     []float32 // portable kernel: n×k, row j is column j of B
	panels []float32 // FMA kernel: [ceil(n/16)][k][16], zero-padded
}

// packB packs b, stored k×n row-major or, when trans, n×k (that is, as
// B transposed). dst is reused when large enough.
func packB(b []float32, k, n int, trans bool, dst []float32) *weights {
	w := &weights{k: k, n: n}
	if !fma {
		w.bt = grow(dst[:0], n*k)[:n*k]
		if trans {
			copy(w.bt, b[:n*k])
		} else {
			transpose(w.bt, b[:k*n], k, n)
		}
		return w
	}
	np := (n + panelW - 1) / panelW
	w.panels = grow(dst[:0], np*k*panelW)[:np*k*panelW]
	for q := range np {
		panel := w.panels[q*k*panelW : (q+1)*k*panelW]
		j0 := q * panelW
		cols := min(panelW, n-j0)
		for p := range k {
			row := panel[p*panelW : (p+1)*panelW]
			if trans {
				for j := range cols {
					row[j] = b[(j0+j)*k+p]
				}
			} else {
				copy(row[:cols], b[p*n+j0:p*n+j0+cols])
			}
			clear(row[cols:])
		}
	}
	return w
}

// Flags of the kernels: add to C rather than overwrite it; apply Relu to the
// result.
const (
	kAcc  = 1
	kRelu = 2
)

func flags(acc, relu bool) int {
	f := 0
	if acc {
		f |= kAcc
	}
	if relu {
		f |= kRelu
	}
	return f
}

// gemmCols computes C[:, j0:j1] (+)= A·B[:, j0:j1] for m rows of A (row
// stride lda) into C (row stride ldc), then Relu with kRelu. With the FMA
// kernel j0 must be a multiple of 16.
func gemmCols(m int, a []float32, lda int, w *weights, c []float32, ldc int, fl int, j0, j1 int) {
	if m == 0 || j1 <= j0 {
		return
	}
	acc := fl&kAcc != 0
	if w.k == 0 || w.panels == nil {
		if w.k == 0 && !acc {
			for i := range m {
				clear(c[i*ldc+j0 : i*ldc+j1])
			}
		} else if w.k > 0 {
			gemmNT(m, j1-j0, w.k, a, lda, w.bt[j0*w.k:], w.k, c[j0:], ldc, acc)
		}
		if fl&kRelu != 0 {
			for i := range m {
				row := c[i*ldc+j0 : i*ldc+j1]
				relu(row, row)
			}
		}
		return
	}
	k := w.k
	var tile [tileM * panelW]float32
	var tmpA *[]float32
	for i := 0; i < m; i += tileM {
		rows := min(tileM, m-i)
		ablk, la := a[i*lda:], lda
		if rows < tileM {
			if tmpA == nil {
				tmpA = getPack(tileM * k)
			}
			t := *tmpA
			for r := range tileM {
				if r < rows {
					copy(t[r*k:(r+1)*k], ablk[r*lda:r*lda+k])
				} else {
					clear(t[r*k : (r+1)*k])
				}
			}
			ablk, la = t, k
		}
		for j := j0; j < j1; j += panelW {
			cols := min(panelW, j1-j)
			panel := w.panels[j/panelW*k*panelW:]
			if rows == tileM && cols == panelW {
				_ = ablk[(tileM-1)*la+k-1]
				_ = panel[k*panelW-1]
				_ = c[i*ldc+j+(tileM-1)*ldc+panelW-1]
				sgemm6x16(k, &ablk[0], la, &panel[0], &c[i*ldc+j], ldc, fl)
				continue
			}
			sgemm6x16(k, &ablk[0], la, &panel[0], &tile[0], panelW, 0)
			for r := range rows {
				dst := c[(i+r)*ldc+j : (i+r)*ldc+j+cols]
				src := tile[r*panelW : r*panelW+cols]
				if acc {
					for x, v := range src {
						dst[x] += v
					}
				} else {
					copy(dst, src)
				}
				if fl&kRelu != 0 {
					relu(dst, dst)
				}
			}
		}
	}
	if tmpA != nil {
		packPool.Put(tmpA)
	}
}

// gemm computes C (m×n, row stride ldc) (+)= A (m×k, row stride lda) · B
// (then Relu, with kRelu in fl), split over the runner's threads by rows or,
// for few rows, by columns. A nil runner runs on the calling goroutine.
func (r *runner) gemm(m int, a []float32, lda int, w *weights, c []float32, ldc int, fl int) {
	n := w.n
	if r == nil || r.threads == 1 || m*n*w.k < 2*parallelGrain {
		gemmCols(m, a, lda, w, c, ldc, fl, 0, n)
		return
	}
	if m >= 2*tileM*r.threads || m >= n {
		blocks := (m + tileM - 1) / tileM
		r.parallelFor(blocks, tileM*n*w.k, func(lo, hi int) {
			lo, hi = lo*tileM, min(hi*tileM, m)
			gemmCols(hi-lo, a[lo*lda:], lda, w, c[lo*ldc:], ldc, fl, 0, n)
		})
		return
	}
	step := panelW
	if w.panels == nil {
		step = 4
	}
	blocks := (n + step - 1) / step
	r.parallelFor(blocks, step*m*w.k, func(lo, hi int) {
		gemmCols(m, a, lda, w, c, ldc, fl, lo*step, min(hi*step, n))
	})
}

// gemmNT sets (or, with acc, adds to) C[i*ldc+j] the dot product of row i of
// a and row j of bt, for i < m and j < n: the portable kernel.
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
// stored k×n, or n×k when transB. Work is split over the runner's threads (a
// nil runner uses the calling goroutine only).
func (r *runner) matmul(m, n, k int, a []float32, transA bool, b []float32, transB bool, c []float32, acc bool) {
	if m == 0 || n == 0 {
		return
	}
	if transA {
		p := getPack(m * k)
		defer packPool.Put(p)
		transpose(*p, a[:k*m], k, m)
		a = *p
	}
	p := getPack(0)
	defer packPool.Put(p)
	w := packB(b, k, n, transB, *p)
	*p = w.bt
	if w.panels != nil {
		*p = w.panels
	}
	r.gemm(m, a, k, w, c, n, flags(acc, false))
}
