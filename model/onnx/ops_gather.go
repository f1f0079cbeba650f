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
// indices give along an axis (reduction none, add or mul).
type scatterElements struct {
	axis      int
	reduction string
}

func makeScatterElements(a *attrs) (kernel, error) {
	k := &scatterElements{axis: a.intIn("axis", 0, -64, 64), reduction: a.str("reduction", "none")}
	switch k.reduction {
	case "none", "add", "mul":
	default:
		return nil, fmt.Errorf("reduction %q is not supported", k.reduction)
	}
	return k, nil
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
		if x.dt == dtFloat {
			switch k.reduction {
			case "add":
				y.f[j] += upd.f[o]
			case "mul":
				y.f[j] *= upd.f[o]
			default:
				y.f[j] = upd.f[o]
			}
			continue
		}
		switch k.reduction {
		case "add":
			y.i[j] = x.dt.wrap(y.i[j] + upd.i[o])
		case "mul":
			y.i[j] = x.dt.wrap(y.i[j] * upd.i[o])
		default:
			y.i[j] = upd.i[o]
		}
	}
	return nil
}
