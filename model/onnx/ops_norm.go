package onnx

import (
	"errors"
	"fmt"
	"math"
)

// CumSum and LayerNormalization.

// cumSumOp adds up along an axis (an input), optionally exclusive and
// reversed.
type cumSumOp struct{ exclusive, reverse bool }

func makeCumSum(a *attrs) (kernel, error) {
	return &cumSumOp{exclusive: a.int("exclusive", 0) != 0, reverse: a.int("reverse", 0) != 0}, nil
}

func (k *cumSumOp) geom(r *runner, n *node) (outer, dim, inner int, err error) {
	x := r.in(n, 0)
	v, err := r.in(n, 1).ints()
	if err != nil || len(v) != 1 {
		return 0, 0, 0, errors.New("axis must be one integer")
	}
	ax, err := normAxis(int(max(min(v[0], math.MaxInt32), math.MinInt32)), x.rank())
	if err != nil {
		return 0, 0, 0, err
	}
	return prod(x.shape[:ax]), x.shape[ax], prod(x.shape[ax+1:]), nil
}

// scan runs the cumulative sum of src into dst (as float64 accumulators
// through get and set).
func scanCum(outer, dim, inner int, exclusive, reverse bool, get func(i int) float64, set func(i int, v float64)) {
	for b := range outer {
		for c := range inner {
			acc := 0.0
			for t := range dim {
				j := t
				if reverse {
					j = dim - 1 - t
				}
				i := (b*dim+j)*inner + c
				v := get(i)
				if exclusive {
					set(i, acc)
					acc += v
				} else {
					acc += v
					set(i, acc)
				}
			}
		}
	}
}

func (k *cumSumOp) run(r *runner, n *node) error {
	outer, dim, inner, err := k.geom(r, n)
	if err != nil {
		return err
	}
	x := r.in(n, 0)
	y, err := r.out(n, 0, x.dt, x.shape)
	if err != nil {
		return err
	}
	switch {
	case x.dt.inF():
		scanCum(outer, dim, inner, k.exclusive, k.reverse, func(i int) float64 { return float64(x.f[i]) }, func(i int, v float64) { y.f[i] = float32(v) })
		return nil
	case x.dt == dtDouble:
		scanCum(outer, dim, inner, k.exclusive, k.reverse, func(i int) float64 { return x.d[i] }, func(i int, v float64) { y.d[i] = v })
		return nil
	}
	// Integers accumulate exactly in int64.
	for b := range outer {
		for c := range inner {
			var acc int64
			for t := range dim {
				j := t
				if k.reverse {
					j = dim - 1 - t
				}
				i := (b*dim+j)*inner + c
				v := x.i[i]
				if k.exclusive {
					y.i[i] = x.dt.wrap(acc)
					acc += v
				} else {
					acc += v
					y.i[i] = x.dt.wrap(acc)
				}
			}
		}
	}
	return nil
}

// backward: the gradient of a cumulative sum is the cumulative sum of the
// output gradient in the other direction.
func (k *cumSumOp) backward(r *runner, n *node) error {
	outer, dim, inner, err := k.geom(r, n)
	if err != nil {
		return err
	}
	g, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	scanCum(outer, dim, inner, k.exclusive, !k.reverse, func(i int) float64 { return float64(g[i]) }, func(i int, v float64) { gx[i] += float32(v) })
	return nil
}

// layerNorm normalises over the dimensions from axis on, then scales and
// shifts; outputs 1 and 2 are the mean and the inverse standard deviation.
type layerNorm struct {
	axis int
	eps  float64
}

func makeLayerNorm(a *attrs) (kernel, error) {
	k := &layerNorm{axis: int(a.int("axis", -1)), eps: float64(a.finite("epsilon", 1e-5))}
	if st := a.int("stash_type", 1); st != 1 {
		return nil, fmt.Errorf("stash_type %d is not supported (FLOAT only)", st)
	}
	return k, nil
}

func (k *layerNorm) geom(r *runner, n *node) (ax, rows, cols int, err error) {
	x := r.in(n, 0)
	if x.dt != dtFloat {
		return 0, 0, 0, fmt.Errorf("input type %v is not supported", x.dt)
	}
	if ax, err = normAxis(k.axis, x.rank()); err != nil {
		return 0, 0, 0, err
	}
	rows, cols = prod(x.shape[:ax]), prod(x.shape[ax:])
	for j := 1; j <= 2; j++ {
		if t := r.in(n, j); t != nil {
			if t.dt != dtFloat {
				return 0, 0, 0, fmt.Errorf("input %d type %v is not FLOAT", j, t.dt)
			}
			if _, err := bcastShape(x.shape[ax:], t.shape); err != nil || t.rank() > x.rank()-ax {
				return 0, 0, 0, fmt.Errorf("input %d shape %v does not broadcast to %v", j, t.shape, x.shape[ax:])
			}
		}
	}
	return ax, rows, cols, nil
}

func (k *layerNorm) run(r *runner, n *node) error {
	ax, rows, cols, err := k.geom(r, n)
	if err != nil {
		return err
	}
	x := r.in(n, 0)
	y, err := r.out(n, 0, dtFloat, x.shape)
	if err != nil {
		return err
	}
	sshape := append([]int(nil), x.shape...)
	for d := ax; d < len(sshape); d++ {
		sshape[d] = 1
	}
	mean, err := r.out(n, 1, dtFloat, sshape)
	if err != nil {
		return err
	}
	inv, err := r.out(n, 2, dtFloat, sshape)
	if err != nil {
		return err
	}
	sc, bi := normRow(r.in(n, 1), x.shape[ax:], 1), normRow(r.in(n, 2), x.shape[ax:], 0)
	for b := range rows {
		row := x.f[b*cols : (b+1)*cols]
		if fma && cols%8 == 0 && cols > 0 {
			out := y.f[b*cols : (b+1)*cols]
			_, _ = sc[cols-1], bi[cols-1]
			mean.f[b], inv.f[b] = vlayernorm(&out[0], &row[0], &sc[0], &bi[0], cols, float32(k.eps))
			continue
		}
		var s float64
		for _, v := range row {
			s += float64(v)
		}
		mu := s / float64(cols)
		var q float64
		for _, v := range row {
			d := float64(v) - mu
			q += d * d
		}
		is := 1 / math.Sqrt(q/float64(cols)+k.eps)
		mean.f[b], inv.f[b] = float32(mu), float32(is)
		out := y.f[b*cols : (b+1)*cols]
		for c, v := range row {
			out[c] = float32((float64(v)-mu)*is*float64(sc[c]) + float64(bi[c]))
		}
	}
	return nil
}

// normRow returns scale or bias t broadcast to one normalised row of shape
// (cols values), or def everywhere when t is absent.
func normRow(t *tensor, shape []int, def float32) []float32 {
	n := prod(shape)
	if t != nil && t.size() == n {
		return t.f
	}
	out := make([]float32, n)
	if t == nil {
		for i := range out {
			out[i] = def
		}
		return out
	}
	for i, j := range bcastIdx(shape, t.shape) {
		out[i] = t.f[j]
	}
	return out
}

func (k *layerNorm) backward(r *runner, n *node) error {
	ax, rows, cols, err := k.geom(r, n)
	if err != nil {
		return err
	}
	x := r.in(n, 0)
	g := r.gradOut(n, 0)
	if g == nil {
		return errors.New("gradients of the mean and inverse standard deviation outputs are not supported")
	}
	if r.gradOut(n, 1) != nil || r.gradOut(n, 2) != nil {
		return errors.New("gradients of the mean and inverse standard deviation outputs are not supported")
	}
	gx, gs, gb := r.gradIn(n, 0), r.gradIn(n, 1), r.gradIn(n, 2)
	var sc, bi []int
	if t := r.in(n, 1); t != nil {
		sc = bcastIdx(x.shape[ax:], t.shape)
	}
	if t := r.in(n, 2); t != nil {
		bi = bcastIdx(x.shape[ax:], t.shape)
	}
	xhat := make([]float64, cols)
	dh := make([]float64, cols)
	for b := range rows {
		row := x.f[b*cols : (b+1)*cols]
		gr := g[b*cols : (b+1)*cols]
		var s float64
		for _, v := range row {
			s += float64(v)
		}
		mu := s / float64(cols)
		var q float64
		for _, v := range row {
			d := float64(v) - mu
			q += d * d
		}
		is := 1 / math.Sqrt(q/float64(cols)+k.eps)
		var m1, m2 float64
		for c, v := range row {
			xhat[c] = (float64(v) - mu) * is
			dh[c] = float64(gr[c])
			if sc != nil {
				if gs != nil {
					gs[sc[c]] += float32(float64(gr[c]) * xhat[c])
				}
				dh[c] *= float64(r.in(n, 1).f[sc[c]])
			}
			if gb != nil && bi != nil {
				gb[bi[c]] += gr[c]
			}
			m1 += dh[c]
			m2 += dh[c] * xhat[c]
		}
		if gx == nil {
			continue
		}
		m1 /= float64(cols)
		m2 /= float64(cols)
		for c := range row {
			gx[b*cols+c] += float32(is * (dh[c] - m1 - xhat[c]*m2))
		}
	}
	return nil
}
