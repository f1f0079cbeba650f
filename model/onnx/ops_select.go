package onnx

import (
	"errors"
	"fmt"
	"math"
)

// Selection and broadcasting: Where, the variadic Max, Min, Sum and Mean,
// Expand and Tile.

// whereOp picks X where the condition holds and Y elsewhere (broadcast).
type whereOp struct{}

func makeWhere(a *attrs) (kernel, error) { return whereOp{}, nil }

func (whereOp) outType(_ int, in []dtype) dtype { return in[1] }

func (whereOp) plan(r *runner, n *node) (c, x, y *tensor, shape []int, err error) {
	c, x, y = r.in(n, 0), r.in(n, 1), r.in(n, 2)
	if c.dt != dtBool {
		return nil, nil, nil, nil, fmt.Errorf("condition type %v is not BOOL", c.dt)
	}
	if x.dt != y.dt {
		return nil, nil, nil, nil, fmt.Errorf("operand types differ: %v and %v", x.dt, y.dt)
	}
	if shape, err = bcastShape(c.shape, x.shape); err == nil {
		shape, err = bcastShape(shape, y.shape)
	}
	return c, x, y, shape, err
}

func (k whereOp) run(r *runner, n *node) error {
	c, x, y, shape, err := k.plan(r, n)
	if err != nil {
		return err
	}
	out, err := r.out(n, 0, x.dt, shape)
	if err != nil {
		return err
	}
	ic, ix, iy := bcastIdx(shape, c.shape), bcastIdx(shape, x.shape), bcastIdx(shape, y.shape)
	mx, my := mover(out, x), mover(out, y)
	for o := range ic {
		if c.i[ic[o]] != 0 {
			mx(o, ix[o])
		} else {
			my(o, iy[o])
		}
	}
	return nil
}

func (k whereOp) backward(r *runner, n *node) error {
	c, x, y, shape, err := k.plan(r, n)
	if err != nil {
		return err
	}
	g, gx, gy := r.gradOut(n, 0), r.gradIn(n, 1), r.gradIn(n, 2)
	ic, ix, iy := bcastIdx(shape, c.shape), bcastIdx(shape, x.shape), bcastIdx(shape, y.shape)
	for o := range ic {
		if c.i[ic[o]] != 0 {
			if gx != nil {
				gx[ix[o]] += g[o]
			}
		} else if gy != nil {
			gy[iy[o]] += g[o]
		}
	}
	return nil
}

// variadicOp is Max, Min, Sum or Mean of any number of inputs, broadcast
// from version 8 and of one shape before.
type variadicOp struct{ kind int }

const (
	varMax = iota
	varMin
	varSum
	varMean
)

func makeVariadic(kind int) func(a *attrs) (kernel, error) {
	return func(a *attrs) (kernel, error) { return &variadicOp{kind: kind}, nil }
}

func (k *variadicOp) plan(r *runner, n *node) ([]int, [][]int, error) {
	shape := r.in(n, 0).shape
	for j := 1; j < len(n.in); j++ {
		t := r.in(n, j)
		if t == nil {
			return nil, nil, errors.New("missing input")
		}
		if t.dt != r.in(n, 0).dt {
			return nil, nil, fmt.Errorf("operand types differ: %v and %v", r.in(n, 0).dt, t.dt)
		}
		if n.version < 8 && fmt.Sprint(t.shape) != fmt.Sprint(shape) {
			return nil, nil, fmt.Errorf("shapes %v and %v differ (no broadcasting before version 8)", shape, t.shape)
		}
		var err error
		if shape, err = bcastShape(shape, t.shape); err != nil {
			return nil, nil, err
		}
	}
	idx := make([][]int, len(n.in))
	for j := range n.in {
		idx[j] = bcastIdx(shape, r.in(n, j).shape)
	}
	return shape, idx, nil
}

func (k *variadicOp) run(r *runner, n *node) error {
	shape, idx, err := k.plan(r, n)
	if err != nil {
		return err
	}
	dt := r.in(n, 0).dt
	y, err := r.out(n, 0, dt, shape)
	if err != nil {
		return err
	}
	for o := range prod(shape) {
		if dt.isInt() {
			v := r.in(n, 0).i[idx[0][o]]
			for j := 1; j < len(n.in); j++ {
				w := r.in(n, j).i[idx[j][o]]
				switch k.kind {
				case varMax:
					v = max(v, w)
				case varMin:
					v = min(v, w)
				default:
					v += w
				}
			}
			if k.kind == varMean {
				v /= int64(len(n.in))
			}
			y.i[o] = dt.wrap(v)
			continue
		}
		v := num(r.in(n, 0), idx[0][o])
		for j := 1; j < len(n.in); j++ {
			w := num(r.in(n, j), idx[j][o])
			switch {
			case math.IsNaN(v) || math.IsNaN(w):
				v = math.NaN()
			case k.kind == varMax:
				v = max(v, w)
			case k.kind == varMin:
				v = min(v, w)
			default:
				v += w
			}
		}
		if k.kind == varMean {
			v /= float64(len(n.in))
		}
		if dt == dtDouble {
			y.d[o] = v
		} else {
			y.f[o] = float32(v)
		}
	}
	return nil
}

// backward: Sum and Mean pass the gradient to every input; Max and Min to
// the first input holding the extreme value.
func (k *variadicOp) backward(r *runner, n *node) error {
	shape, idx, err := k.plan(r, n)
	if err != nil {
		return err
	}
	g, y := r.gradOut(n, 0), r.vals[n.out[0]].f
	gs := make([][]float32, len(n.in))
	for j := range n.in {
		gs[j] = r.gradIn(n, j)
	}
	s := float32(1)
	if k.kind == varMean {
		s = 1 / float32(len(n.in))
	}
	for o := range prod(shape) {
		for j := range n.in {
			if k.kind == varMax || k.kind == varMin {
				if r.in(n, j).f[idx[j][o]] != y[o] {
					continue
				}
				if gs[j] != nil {
					gs[j][idx[j][o]] += g[o]
				}
				break
			}
			if gs[j] != nil {
				gs[j][idx[j][o]] += g[o] * s
			}
		}
	}
	return nil
}

// shapeInput reads a 1-D INT64 shape or repeat-count input.
func shapeInput(t *tensor, lim Limits) ([]int, error) {
	if t == nil || t.dt != dtInt64 || t.rank() > 1 {
		return nil, errors.New("shape input must be a 1-D INT64 tensor")
	}
	if len(t.i) > lim.MaxRank {
		return nil, fmt.Errorf("shape has %d dimensions, more than %d", len(t.i), lim.MaxRank)
	}
	out := make([]int, len(t.i))
	for i, v := range t.i {
		if v < 0 || v > int64(lim.MaxTensorElements) {
			return nil, fmt.Errorf("dimension %d out of range", v)
		}
		out[i] = int(v)
	}
	return out, nil
}

// copyIdx copies src elements by an offset table into y.
func copyIdx(y, src *tensor, idx []int) {
	if src.dt == dtFloat { // the common case, without a call per element
		for o, j := range idx {
			y.f[o] = src.f[j]
		}
		return
	}
	mv := mover(y, src)
	for o, j := range idx {
		mv(o, j)
	}
}

// expandOp broadcasts its input to a shape (numpy rules, both ways).
type expandOp struct{}

func makeExpand(a *attrs) (kernel, error) { return expandOp{}, nil }

func (expandOp) plan(r *runner, n *node) ([]int, []int, error) {
	x := r.in(n, 0)
	want, err := shapeInput(r.in(n, 1), r.g.lim)
	if err != nil {
		return nil, nil, err
	}
	shape, err := bcastShape(x.shape, want)
	if err != nil {
		return nil, nil, err
	}
	if _, err := checkedProd(shape, r.g.lim.MaxTensorElements); err != nil {
		return nil, nil, err
	}
	return shape, bcastIdx(shape, x.shape), nil
}

func (k expandOp) run(r *runner, n *node) error {
	shape, idx, err := k.plan(r, n)
	if err != nil {
		return err
	}
	x := r.in(n, 0)
	y, err := r.out(n, 0, x.dt, shape)
	if err != nil {
		return err
	}
	copyIdx(y, x, idx)
	return nil
}

func (k expandOp) backward(r *runner, n *node) error {
	_, idx, err := k.plan(r, n)
	if err != nil {
		return err
	}
	g, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	for o, j := range idx {
		gx[j] += g[o]
	}
	return nil
}

// tileOp repeats its input along every axis.
type tileOp struct{}

func makeTile(a *attrs) (kernel, error) { return tileOp{}, nil }

func (tileOp) plan(r *runner, n *node) ([]int, []int, error) {
	x := r.in(n, 0)
	reps, err := shapeInput(r.in(n, 1), r.g.lim)
	if err != nil {
		return nil, nil, fmt.Errorf("repeats: %w", err)
	}
	if len(reps) != x.rank() {
		return nil, nil, fmt.Errorf("%d repeats for rank %d", len(reps), x.rank())
	}
	shape := make([]int, len(reps))
	for i, d := range x.shape {
		shape[i] = d * reps[i]
	}
	if _, err := checkedProd(shape, r.g.lim.MaxTensorElements); err != nil {
		return nil, nil, err
	}
	idx := make([]int, prod(shape))
	pos := make([]int, len(shape))
	str := make([]int, len(shape))
	s := 1
	for d := len(shape) - 1; d >= 0; d-- {
		str[d] = s
		s *= x.shape[d]
	}
	for o := range idx {
		j := 0
		for d, p := range pos {
			j += (p % x.shape[d]) * str[d]
		}
		idx[o] = j
		for d := len(shape) - 1; d >= 0; d-- {
			if pos[d]++; pos[d] < shape[d] {
				break
			}
			pos[d] = 0
		}
	}
	return shape, idx, nil
}

func (k tileOp) run(r *runner, n *node) error {
	shape, idx, err := k.plan(r, n)
	if err != nil {
		return err
	}
	x := r.in(n, 0)
	y, err := r.out(n, 0, x.dt, shape)
	if err != nil {
		return err
	}
	copyIdx(y, x, idx)
	return nil
}

func (k tileOp) backward(r *runner, n *node) error {
	_, idx, err := k.plan(r, n)
	if err != nil {
		return err
	}
	g, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	for o, j := range idx {
		gx[j] += g[o]
	}
	return nil
}
