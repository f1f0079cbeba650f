package onnx

import (
	"fmt"
	"math"
)

// Reductions: ReduceSum, ReduceMean, ReduceMax and ArgMax.

const (
	redSum = iota
	redMean
	redMax
)

type reduceOp struct {
	kind      int
	axes      []int64 // attribute (all versions up to 17 except ReduceSum 13)
	keep      bool
	noopEmpty bool
}

func makeReduce(kind int) func(a *attrs) (kernel, error) {
	return func(a *attrs) (kernel, error) {
		k := &reduceOp{kind: kind, keep: a.int("keepdims", 1) != 0}
		k.axes, _ = a.ints("axes")
		k.noopEmpty = a.int("noop_with_empty_axes", 0) != 0
		return k, nil
	}
}

// axesInput reports whether the axes come from input 1.
func (k *reduceOp) axesInput(n *node) bool { return k.kind == redSum && n.version >= 13 }

// plan returns the output shape, the output offset stride of each input
// dimension (0 for reduced ones) and the number of elements per output; nil
// strides mean the reduction is a no-op.
func (k *reduceOp) plan(r *runner, n *node, in []int) (out, ostr []int, cnt int, err error) {
	axes := k.axes
	if k.axesInput(n) {
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
	if x.dt == dtFloat {
		acc := make([]float64, len(y.f))
		if k.kind == redMax {
			for i := range acc {
				acc[i] = math.Inf(-1)
			}
			eachReduced(x.shape, ostr, func(i, o int) { acc[o] = math.Max(acc[o], float64(x.f[i])) })
		} else {
			eachReduced(x.shape, ostr, func(i, o int) { acc[o] += float64(x.f[i]) })
		}
		for o, v := range acc {
			if k.kind == redMean {
				v /= float64(cnt)
			}
			y.f[o] = float32(v)
		}
		return nil
	}
	if k.kind == redMax {
		for o := range y.i {
			y.i[o] = math.MinInt64
		}
		eachReduced(x.shape, ostr, func(i, o int) { y.i[o] = max(y.i[o], x.i[i]) })
		return nil
	}
	clear(y.i)
	eachReduced(x.shape, ostr, func(i, o int) { y.i[o] += x.i[i] })
	for o, v := range y.i {
		if k.kind == redMean && cnt > 0 {
			v /= int64(cnt)
		}
		y.i[o] = x.dt.wrap(v)
	}
	return nil
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
	switch k.kind {
	case redSum:
		eachReduced(x.shape, ostr, func(i, o int) { gx[i] += g[o] })
	case redMean:
		s := 1 / float32(cnt)
		eachReduced(x.shape, ostr, func(i, o int) { gx[i] += g[o] * s })
	case redMax:
		y := r.vals[n.out[0]].f
		done := make([]bool, len(y))
		eachReduced(x.shape, ostr, func(i, o int) {
			if !done[o] && x.f[i] == y[o] {
				gx[i] += g[o]
				done[o] = true
			}
		})
	}
	return nil
}

// ArgMax returns the index of the largest element along an axis.
type argMaxOp struct {
	axis       int
	keep, last bool
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
				if x.dt == dtFloat {
					gt, eq = x.f[i] > x.f[b], x.f[i] == x.f[b]
				} else {
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
