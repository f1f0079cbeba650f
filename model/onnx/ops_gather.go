package onnx

import (
	"errors"
	"fmt"
)

// GatherElements, ScatterElements, NegativeLogLikelihoodLoss and
// SoftmaxCrossEntropyLoss.

// elementsIdx returns, for every element of the index tensor, the offset of
// the data element it selects along axis ax.
func elementsIdx(data []int, ind *tensor, ax int) ([]int, error) {
	if ind.dt != dtInt64 && ind.dt != dtInt32 {
		return nil, fmt.Errorf("indices type %v is not INT32 or INT64", ind.dt)
	}
	if ind.rank() != len(data) {
		return nil, fmt.Errorf("indices rank %d differs from data rank %d", ind.rank(), len(data))
	}
	for d, v := range ind.shape {
		if d != ax && v > data[d] {
			return nil, fmt.Errorf("indices shape %v exceeds data shape %v", ind.shape, data)
		}
	}
	str := make([]int, len(data))
	s := 1
	for d := len(data) - 1; d >= 0; d-- {
		str[d] = s
		s *= data[d]
	}
	out := make([]int, ind.size())
	pos := make([]int, len(data))
	for o := range out {
		v := ind.i[o]
		if v < 0 {
			v += int64(data[ax])
		}
		if v < 0 || v >= int64(data[ax]) {
			return nil, fmt.Errorf("index %d out of range for dimension %d", ind.i[o], data[ax])
		}
		j := 0
		for d, p := range pos {
			if d == ax {
				p = int(v)
			}
			j += p * str[d]
		}
		out[o] = j
		for d := len(pos) - 1; d >= 0; d-- {
			if pos[d]++; pos[d] < ind.shape[d] {
				break
			}
			pos[d] = 0
		}
	}
	return out, nil
}

type gatherElements struct{ axis int }

func makeGatherElements(a *attrs) (kernel, error) {
	return &gatherElements{axis: a.intIn("axis", 0, -64, 64)}, nil
}

func (k *gatherElements) plan(r *runner, n *node) ([]int, error) {
	x := r.in(n, 0)
	ax, err := normAxis(k.axis, x.rank())
	if err != nil {
		return nil, err
	}
	return elementsIdx(x.shape, r.in(n, 1), ax)
}

func (k *gatherElements) run(r *runner, n *node) error {
	idx, err := k.plan(r, n)
	if err != nil {
		return err
	}
	x := r.in(n, 0)
	y, err := r.out(n, 0, x.dt, r.in(n, 1).shape)
	if err != nil {
		return err
	}
	copyIdx(y, x, idx)
	return nil
}

func (k *gatherElements) backward(r *runner, n *node) error {
	idx, err := k.plan(r, n)
	if err != nil {
		return err
	}
	g, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	if gx == nil {
		return nil
	}
	for o, j := range idx {
		gx[j] += g[o]
	}
	return nil
}

// scatterElements writes updates into a copy of data at the positions the
// indices give along an axis (reduction none, add, mul, max or min).
type scatterElements struct {
	axis      int
	reduction string
}

func makeScatterElements(a *attrs) (kernel, error) {
	k := &scatterElements{axis: a.intIn("axis", 0, -64, 64), reduction: a.str("reduction", "none")}
	return k, checkReduction(a, k.reduction)
}

func (k *scatterElements) run(r *runner, n *node) error {
	x, ind, upd := r.in(n, 0), r.in(n, 1), r.in(n, 2)
	if upd.dt != x.dt || fmt.Sprint(upd.shape) != fmt.Sprint(ind.shape) {
		return errors.New("updates must match the indices' shape and the data's type")
	}
	ax, err := normAxis(k.axis, x.rank())
	if err != nil {
		return err
	}
	idx, err := elementsIdx(x.shape, ind, ax)
	if err != nil {
		return err
	}
	y, err := r.out(n, 0, x.dt, x.shape)
	if err != nil {
		return err
	}
	copy(y.f, x.f)
	copy(y.i, x.i)
	for o, j := range idx {
		scatterOne(y, upd, j, o, k.reduction)
	}
	return nil
}

// checkReduction accepts the scatter reductions of the node's version: none,
// add and mul (16), max and min (18).
func checkReduction(a *attrs, red string) error {
	switch {
	case red == "none" || red == "add" || red == "mul":
		return nil
	case (red == "max" || red == "min") && a.version() >= 18:
		return nil
	}
	return fmt.Errorf("reduction %q is not supported", red)
}

// scatterOne combines update element u into y[o] by the reduction.
func scatterOne(y, upd *tensor, o, u int, red string) {
	if y.dt == dtFloat {
		switch red {
		case "add":
			y.f[o] += upd.f[u]
		case "mul":
			y.f[o] *= upd.f[u]
		case "max":
			y.f[o] = max(y.f[o], upd.f[u])
		case "min":
			y.f[o] = min(y.f[o], upd.f[u])
		default:
			y.f[o] = upd.f[u]
		}
		return
	}
	switch red {
	case "add":
		y.i[o] = y.dt.wrap(y.i[o] + upd.i[u])
	case "mul":
		y.i[o] = y.dt.wrap(y.i[o] * upd.i[u])
	case "max":
		y.i[o] = max(y.i[o], upd.i[u])
	case "min":
		y.i[o] = min(y.i[o], upd.i[u])
	default:
		y.i[o] = upd.i[u]
	}
}
