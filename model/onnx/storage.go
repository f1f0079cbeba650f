package onnx

import "fmt"

// Storage helpers shared by the kernels that serve several data types: one
// generic implementation for float32 storage (FLOAT, FLOAT16, BFLOAT16) and
// float64 storage (DOUBLE), and element movers for the data-movement
// operators, which handle every type including STRING.

// floatT is the element type of float storage.
type floatT interface{ float32 | float64 }

// floatsOf returns the float storage of t as []F (t.f for float32, t.d for
// float64).
func floatsOf[F floatT](t *tensor) []F {
	if s, ok := any(t.f).([]F); ok {
		return s
	}
	return any(t.d).([]F)
}

// num returns element i of a numeric tensor as a float64.
func num(t *tensor, i int) float64 {
	switch {
	case t.dt.inF():
		return float64(t.f[i])
	case t.dt == dtDouble:
		return t.d[i]
	}
	return float64(t.i[i])
}

// storeFloats sets elements [0, n) of the float tensor y to fn(o), rounded
// to y's storage.
func storeFloats(y *tensor, n int, fn func(o int) float64) {
	if y.dt == dtDouble {
		d := y.d[:n]
		for o := range d {
			d[o] = fn(o)
		}
		return
	}
	f := y.f[:n]
	for o := range f {
		f[o] = float32(fn(o))
	}
}

// newTensor allocates a zero tensor of type dt.
func newTensor(dt dtype, shape []int) *tensor {
	y := &tensor{dt: dt, shape: shape}
	n := prod(shape)
	switch {
	case dt.inF():
		y.f = make([]float32, n)
	case dt == dtDouble:
		y.d = make([]float64, n)
	case dt == dtString:
		y.s = make([]string, n)
	default:
		y.i = make([]int64, n)
	}
	return y
}

// mover returns a function that copies element i of x to element o of y
// (tensors of one type).
func mover(y, x *tensor) func(o, i int) {
	switch {
	case x.dt.inF():
		yf, xf := y.f, x.f
		return func(o, i int) { yf[o] = xf[i] }
	case x.dt == dtDouble:
		yd, xd := y.d, x.d
		return func(o, i int) { yd[o] = xd[i] }
	case x.dt == dtString:
		ys, xs := y.s, x.s
		return func(o, i int) { ys[o] = xs[i] }
	}
	yi, xi := y.i, x.i
	return func(o, i int) { yi[o] = xi[i] }
}

// copier returns a function that copies the m elements of x from offset i
// to y from offset o (tensors of one type).
func copier(y, x *tensor) func(o, i, m int) {
	switch {
	case x.dt.inF():
		return func(o, i, m int) { copy(y.f[o:o+m], x.f[i:i+m]) }
	case x.dt == dtDouble:
		return func(o, i, m int) { copy(y.d[o:o+m], x.d[i:i+m]) }
	case x.dt == dtString:
		return func(o, i, m int) { copy(y.s[o:o+m], x.s[i:i+m]) }
	}
	return func(o, i, m int) { copy(y.i[o:o+m], x.i[i:i+m]) }
}

// setOne sets element o of y to 1 in y's type (EyeLike, OneHot).
func setOne(y *tensor, o int) {
	switch {
	case y.dt.inF():
		y.f[o] = 1
	case y.dt == dtDouble:
		y.d[o] = 1
	default:
		y.i[o] = 1
	}
}

// clearData zeroes the data of t.
func clearData(t *tensor) {
	clear(t.f)
	clear(t.d)
	clear(t.i)
	clear(t.s)
}

// matmul64 sets y (m×n) to A·B for DOUBLE operands, A m×k (k×m when ta),
// B k×n (n×k when tb), accumulating in float64: a direct loop (the packed
// kernels are float32).
func matmul64(m, n, k int, a []float64, ta bool, b []float64, tb bool, y []float64) {
	y = y[:m*n]
	clear(y)
	for i := range m {
		row := y[i*n : (i+1)*n]
		for p := range k {
			av := a[i*k+p]
			if ta {
				av = a[p*m+i]
			}
			if tb {
				for j := range row {
					row[j] += av * b[j*k+p]
				}
			} else {
				for j, bv := range b[p*n : (p+1)*n] {
					row[j] += av * bv
				}
			}
		}
	}
}

// run64 is Gemm for DOUBLE: Y = alpha·A·B + beta·C, then the fused Relu.
func (k *gemmOp) run64(y, a, b, c *tensor, m, n, kk int) error {
	matmul64(m, n, kk, a.d, k.transA, b.d, k.transB, y.d)
	alpha, beta := float64(k.alpha), float64(k.beta)
	for i := range y.d {
		y.d[i] *= alpha
	}
	if c != nil && beta != 0 {
		shape, err := bcastShape(y.shape, c.shape)
		if err != nil || shape[0] != m || shape[1] != n {
			return fmt.Errorf("C %v does not broadcast to %v", c.shape, y.shape)
		}
		for o, ci := range bcastIdx(y.shape, c.shape) {
			y.d[o] += beta * c.d[ci]
		}
	}
	if k.relu {
		for i, v := range y.d {
			y.d[i] = max(v, 0)
		}
	}
	return nil
}
