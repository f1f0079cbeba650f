package onnx

import (
	"fmt"
	"math"
)

// Reductions: ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd,
// ReduceL1, ReduceL2, ReduceLogSum, ReduceLogSumExp, ReduceSumSquare, and
// ArgMax and ArgMin.

const (
	redSum = iota
	redMean
	redMax
	redMin
	redProd
	redL1
	redL2
	redLogSum
	redLogSumExp
	redSumSquare
)

type reduceOp struct {
	kind      int
	axes      []int64 // attribute (all versions up to 17 except ReduceSum 13)
	keep      bool
	noopEmpty bool
	axesIn    bool // the axes come from input 1 (ReduceSum from version 13, the others from 18)
}

func makeReduce(kind int) func(a *attrs) (kernel, error) {
	return func(a *attrs) (kernel, error) {
		k := &reduceOp{kind: kind, keep: a.int("keepdims", 1) != 0}
		k.axesIn = a.version() >= 18 || kind == redSum && a.version() >= 13
		k.axes, _ = a.ints("axes")
		k.noopEmpty = a.int("noop_with_empty_axes", 0) != 0
		if !k.axesIn && len(a.n.in) > 1 {
			return nil, fmt.Errorf("takes one input before version 18 (axes is an attribute)")
		}
		return k, nil
	}
}

// plan returns the output shape, the output offset stride of each input
// dimension (0 for reduced ones) and the number of elements per output; nil
// strides mean the reduction is a no-op.
func (k *reduceOp) plan(r *runner, n *node, in []int) (out, ostr []int, cnt int, err error) {
	axes := k.axes
	if k.axesIn {
		axes = nil
		if t := r.in(n, 1); t != nil {
			if axes, err = t.ints(); err != nil {
				return nil, nil, 0, fmt.Errorf("axes: %w", err)
			}
		}
	}
	red := make([]bool, len(in))
	if len(axes) == 0 {
		if k.noopEmpty {
			return in, nil, 1, nil
		}
		for i := range red {
			red[i] = true
		}
	}
	for _, ax := range axes {
		i, err := normAxis(int(ax), len(in))
		if err != nil {
			return nil, nil, 0, err
		}
		red[i] = true
	}
	ostr = make([]int, len(in))
	s := 1
	cnt = 1
	for i := len(in) - 1; i >= 0; i-- {
		if red[i] {
			cnt *= in[i]
			continue
		}
		ostr[i] = s
		s *= in[i]
	}
	for i, d := range in {
		switch {
		case !red[i]:
			out = append(out, d)
		case k.keep:
			out = append(out, 1)
		}
	}
	if out == nil {
		out = []int{}
	}
	return out, ostr, cnt, nil
}

// eachReduced calls fn(i, o) for every input offset i with its output offset.
func eachReduced(in, ostr []int, fn func(i, o int)) {
	total := prod(in)
	if total == 0 {
		return
	}
	idx := make([]int, len(in))
	o := 0
	for i := range total {
		fn(i, o)
		for d := len(in) - 1; d >= 0; d-- {
			idx[d]++
			o += ostr[d]
			if idx[d] < in[d] {
				break
			}
			o -= ostr[d] * in[d]
			idx[d] = 0
		}
	}
}

func (k *reduceOp) run(r *runner, n *node) error {
	x := r.in(n, 0)
	out, ostr, cnt, err := k.plan(r, n, x.shape)
	if err != nil {
		return err
	}
	if ostr == nil {
		return r.alias(n, 0, x, x.shape)
	}
	y, err := r.out(n, 0, x.dt, out)
	if err != nil {
		return err
	}
	if x.dt.isFloat() {
		acc := make([]float64, y.size())
		if x.dt == dtDouble {
			reduceF(k, x.d, x.shape, ostr, acc)
		} else {
			reduceF(k, x.f, x.shape, ostr, acc)
		}
		if k.kind == redMean {
			for o := range acc {
				acc[o] /= float64(cnt)
			}
		}
		storeFloats(y, len(acc), func(o int) float64 { return acc[o] })
		return nil
	}
	switch k.kind {
	case redMax, redMin:
		for o := range y.i {
			y.i[o] = math.MinInt64
			if k.kind == redMin {
				y.i[o] = math.MaxInt64
			}
		}
		eachReduced(x.shape, ostr, func(i, o int) {
			if k.kind == redMax {
				y.i[o] = max(y.i[o], x.i[i])
			} else {
				y.i[o] = min(y.i[o], x.i[i])
			}
		})
		return nil
	case redSum, redMean, redProd, redL1, redSumSquare:
	default:
		return fmt.Errorf("input type %v is not supported", x.dt)
	}
	for o := range y.i {
		y.i[o] = 0
		if k.kind == redProd {
			y.i[o] = 1
		}
	}
	eachReduced(x.shape, ostr, func(i, o int) {
		switch v := x.i[i]; k.kind {
		case redProd:
			y.i[o] *= v
		case redL1:
			y.i[o] += absInt(v)
		case redSumSquare:
			y.i[o] += v * v
		default:
			y.i[o] += v
		}
	})
	for o, v := range y.i {
		if k.kind == redMean && cnt > 0 {
			v /= int64(cnt)
		}
		y.i[o] = x.dt.wrap(v)
	}
	return nil
}

// reduceF reduces float storage xs of the given shape into acc (the mean is
// divided by the caller).
func reduceF[F floatT](k *reduceOp, xs []F, shape, ostr []int, acc []float64) {
	init := 0.0
	switch k.kind {
	case redMax, redLogSumExp:
		init = math.Inf(-1)
	case redMin:
		init = math.Inf(1)
	case redProd:
		init = 1
	}
	for o := range acc {
		acc[o] = init
	}
	switch k.kind {
	case redMax:
		eachReduced(shape, ostr, func(i, o int) { acc[o] = math.Max(acc[o], float64(xs[i])) })
	case redMin:
		eachReduced(shape, ostr, func(i, o int) { acc[o] = math.Min(acc[o], float64(xs[i])) })
	case redProd:
		eachReduced(shape, ostr, func(i, o int) { acc[o] *= float64(xs[i]) })
	case redL1:
		eachReduced(shape, ostr, func(i, o int) { acc[o] += math.Abs(float64(xs[i])) })
	case redL2, redSumSquare:
		eachReduced(shape, ostr, func(i, o int) { acc[o] += float64(xs[i]) * float64(xs[i]) })
	case redLogSumExp:
		m := make([]float64, len(acc))
		copy(m, acc)
		eachReduced(shape, ostr, func(i, o int) { m[o] = math.Max(m[o], float64(xs[i])) })
		for o := range acc {
			acc[o] = 0
			if math.IsInf(m[o], 0) {
				m[o] = 0
			}
		}
		eachReduced(shape, ostr, func(i, o int) { acc[o] += math.Exp(float64(xs[i]) - m[o]) })
		for o := range acc {
			acc[o] = math.Log(acc[o]) + m[o]
		}
	default:
		eachReduced(shape, ostr, func(i, o int) { acc[o] += float64(xs[i]) })
	}
	switch k.kind {
	case redL2:
		for o := range acc {
			acc[o] = math.Sqrt(acc[o])
		}
	case redLogSum:
		for o := range acc {
			acc[o] = math.Log(acc[o])
		}
	}
}

func (k *reduceOp) backward(r *runner, n *node) error {
	x := r.in(n, 0)
	_, ostr, cnt, err := k.plan(r, n, x.shape)
	if err != nil {
		return err
	}
	g, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	if ostr == nil {
		return addInto(gx, g)
	}
	y := r.vals[n.out[0]].f
	switch k.kind {
	case redSum:
		eachReduced(x.shape, ostr, func(i, o int) { gx[i] += g[o] })
	case redMean:
		s := 1 / float32(cnt)
		eachReduced(x.shape, ostr, func(i, o int) { gx[i] += g[o] * s })
	case redMax, redMin:
		done := make([]bool, len(y))
		eachReduced(x.shape, ostr, func(i, o int) {
			if !done[o] && x.f[i] == y[o] {
				gx[i] += g[o]
				done[o] = true
			}
		})
	case redProd:
		// The product of the other elements, recomputed (x may hold zeros).
		eachReduced(x.shape, ostr, func(i, o int) {
			p := 1.0
			eachReduced(x.shape, ostr, func(j, q int) {
				if q == o && j != i {
					p *= float64(x.f[j])
				}
			})
			gx[i] += g[o] * float32(p)
		})
	case redL1:
		eachReduced(x.shape, ostr, func(i, o int) { gx[i] += g[o] * float32(sign(float64(x.f[i]))) })
	case redL2:
		eachReduced(x.shape, ostr, func(i, o int) {
			if y[o] != 0 {
				gx[i] += g[o] * x.f[i] / y[o]
			}
		})
	case redSumSquare:
		eachReduced(x.shape, ostr, func(i, o int) { gx[i] += 2 * g[o] * x.f[i] })
	case redLogSum:
		eachReduced(x.shape, ostr, func(i, o int) { gx[i] += g[o] / float32(math.Exp(float64(y[o]))) })
	case redLogSumExp:
		eachReduced(x.shape, ostr, func(i, o int) { gx[i] += g[o] * float32(math.Exp(float64(x.f[i])-float64(y[o]))) })
	}
	return nil
}

// ArgMax returns the index of the largest element along an axis.
type argMaxOp struct {
	axis       int
	keep, last bool
	min        bool // ArgMin
}

func makeArgMin(a *attrs) (kernel, error) {
	k, err := makeArgMax(a)
	if err == nil {
		k.(*argMaxOp).min = true
	}
	return k, err
}

func makeArgMax(a *attrs) (kernel, error) {
	return &argMaxOp{
		axis: a.intIn("axis", 0, -64, 64),
		keep: a.int("keepdims", 1) != 0,
		last: a.int("select_last_index", 0) != 0,
	}, nil
}

func (k *argMaxOp) run(r *runner, n *node) error {
	x := r.in(n, 0)
	ax, err := normAxis(k.axis, x.rank())
	if err != nil {
		return err
	}
	var out []int
	for i, d := range x.shape {
		switch {
		case i != ax:
			out = append(out, d)
		case k.keep:
			out = append(out, 1)
		}
	}
	if out == nil {
		out = []int{}
	}
	y, err := r.out(n, 0, dtInt64, out)
	if err != nil {
		return err
	}
	outer, l, inner := prod(x.shape[:ax]), x.shape[ax], prod(x.shape[ax+1:])
	for o := range outer {
		for in := range inner {
			base := o*l*inner + in
			best := 0
			for j := 1; j < l; j++ {
				i, b := base+j*inner, base+best*inner
				var gt, eq bool
				switch {
				case x.dt == dtFloat && k.min:
					gt, eq = x.f[i] < x.f[b], x.f[i] == x.f[b]
				case x.dt == dtFloat:
					gt, eq = x.f[i] > x.f[b], x.f[i] == x.f[b]
				case x.dt.isFloat() && k.min:
					gt, eq = num(x, i) < num(x, b), num(x, i) == num(x, b)
				case x.dt.isFloat():
					gt, eq = num(x, i) > num(x, b), num(x, i) == num(x, b)
				case k.min:
					gt, eq = x.i[i] < x.i[b], x.i[i] == x.i[b]
				default:
					gt, eq = x.i[i] > x.i[b], x.i[i] == x.i[b]
				}
				if gt || (eq && k.last) {
					best = j
				}
			}
			y.i[o*inner+in] = int64(best)
		}
	}
	return nil
}
