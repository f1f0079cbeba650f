package probe

import (
	"context"
	"fmt"
	"math"

	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/model"
)

// scale maps the model's input space to the unit space the attacks work
// in: feature j of a sample is x = off[j] + z*span[j], with z in [0, 1]
// when x lies in the feature's range. With it one epsilon means the same
// share of every feature's range, whatever the features' units.
type scale struct {
	off, span []float32
	shape     []int // the shape of one sample the model takes
}

// newScale takes each feature's range from the constraints, or the observed
// range lo..hi where a bound is infinite; a feature of zero range gets span 1.
func newScale(c *dataset.Constraints, lo, hi []float64, shape []int) *scale {
	n := c.Len()
	s := &scale{off: make([]float32, n), span: make([]float32, n), shape: shape}
	for j := range n {
		a, b := c.Min[j], c.Max[j]
		if (math.IsInf(a, 0) || math.IsNaN(a)) && j < len(lo) {
			a = lo[j]
		}
		if (math.IsInf(b, 0) || math.IsNaN(b)) && j < len(hi) {
			b = hi[j]
		}
		if math.IsInf(a, 0) || math.IsNaN(a) {
			a = 0
		}
		s.off[j], s.span[j] = float32(a), float32(b-a)
		if !(b > a) || math.IsInf(b-a, 0) || s.span[j] == 0 {
			s.span[j] = 1
		}
	}
	return s
}

// toModel returns x = off + z*span with the model's sample shape.
func (s *scale) toModel(z *model.Tensor) (*model.Tensor, error) {
	if z.RowLen() != len(s.off) {
		return nil, fmt.Errorf("probe: sample has %d values, want %d", z.RowLen(), len(s.off))
	}
	x := &model.Tensor{Shape: append([]int{z.Batch()}, s.shape...), Data: make([]float32, len(z.Data))}
	n := len(s.off)
	for i, v := range z.Data {
		j := i % n
		x.Data[i] = s.off[j] + v*s.span[j]
	}
	return x, nil
}

// toUnit maps x back, in place, to the unit space, keeping z's shape.
func (s *scale) toUnit(x *model.Tensor, shape []int) {
	n := len(s.off)
	for i, v := range x.Data {
		j := i % n
		x.Data[i] = (v - s.off[j]) / s.span[j]
	}
	x.Shape = shape
}

// unit returns a copy of x (a data batch) in the unit space, with the
// model's sample shape.
func (s *scale) unit(x *model.Tensor) *model.Tensor {
	z := &model.Tensor{Shape: append([]int{x.Batch()}, s.shape...), Data: make([]float32, len(x.Data))}
	copy(z.Data, x.Data)
	s.toUnit(z, z.Shape)
	return z
}

// scaledTarget presents a target in the unit space.
type scaledTarget struct {
	t model.Target
	s *scale
}

func (t *scaledTarget) Info() model.Info {
	i := t.t.Info()
	i.InputShape = append([]int(nil), t.s.shape...)
	return i
}

func (t *scaledTarget) Predict(ctx context.Context, z *model.Tensor) (*model.Tensor, error) {
	x, err := t.s.toModel(z)
	if err != nil {
		return nil, err
	}
	return t.t.Predict(ctx, x)
}

// scaledDiff is a scaledTarget over a differentiable target: the gradient
// with respect to z is the gradient with respect to x times span.
type scaledDiff struct {
	scaledTarget
	d model.Differentiable
}

func (t *scaledDiff) Gradient(ctx context.Context, z, seed *model.Tensor) (*model.Tensor, error) {
	x, err := t.s.toModel(z)
	if err != nil {
		return nil, err
	}
	g, err := t.d.Gradient(ctx, x, seed)
	if err != nil {
		return nil, err
	}
	return t.chain(g, z.Shape)
}

func (t *scaledDiff) ValueAndGradient(ctx context.Context, z *model.Tensor, seed model.SeedFunc) (out, grad *model.Tensor, err error) {
	x, err := t.s.toModel(z)
	if err != nil {
		return nil, nil, err
	}
	out, g, err := model.ValueAndGradient(ctx, t.d, x, seed)
	if err != nil {
		return nil, nil, err
	}
	grad, err = t.chain(g, z.Shape)
	return out, grad, err
}

func (t *scaledDiff) chain(g *model.Tensor, shape []int) (*model.Tensor, error) {
	n := len(t.s.span)
	if g.RowLen() != n || len(g.Data)%n != 0 {
		return nil, fmt.Errorf("probe: gradient of shape %v for samples of %d values", g.Shape, n)
	}
	for i := range g.Data {
		g.Data[i] *= t.s.span[i%n]
	}
	g.Shape = append([]int(nil), shape...)
	return g, nil
}

// wrap presents t in the unit space; the result is differentiable when t
// is and says so.
func wrap(t model.Target, s *scale) model.Target {
	st := scaledTarget{t: t, s: s}
	if d, ok := t.(model.Differentiable); ok && t.Info().Differentiable {
		return &scaledDiff{scaledTarget: st, d: d}
	}
	return &st
}

// unitConstraint projects in the unit space through the data set's
// constraints. Every feature lies in [0, 1] there, which the black-box
// attacks read through Bounds.
type unitConstraint struct {
	c      *dataset.Constraints
	s      *scale
	pinned []bool // features that keep the clean value: immutable ones and their groups
}

func newUnitConstraint(c *dataset.Constraints, s *scale) unitConstraint {
	u := unitConstraint{c: c, s: s, pinned: make([]bool, c.Len())}
	for j, im := range c.Immutable {
		u.pinned[j] = im
	}
	for _, g := range c.Groups {
		any := false
		for _, j := range g.Columns {
			any = any || c.Immutable[j]
		}
		for _, j := range g.Columns {
			u.pinned[j] = u.pinned[j] || any
		}
	}
	return u
}

func (u unitConstraint) Bounds() (lo, hi float32) { return 0, 1 }

func (u unitConstraint) Project(z, z0 *model.Tensor) error {
	x, err := u.s.toModel(z)
	if err != nil {
		return err
	}
	var x0 *model.Tensor
	if z0 != nil {
		if len(z0.Data) != len(z.Data) {
			return fmt.Errorf("probe: project: x0 shape %v differs from x shape %v", z0.Shape, z.Shape)
		}
		if x0, err = u.s.toModel(z0); err != nil {
			return err
		}
	}
	if err := u.c.Project(x, x0); err != nil {
		return err
	}
	u.s.toUnit(x, z.Shape)
	copy(z.Data, x.Data)
	if z0 != nil {
		// Pinned values come back bit-identical, not rounded twice.
		n := len(u.pinned)
		for i := range z.Data {
			if u.pinned[i%n] {
				z.Data[i] = z0.Data[i]
			}
		}
	}
	return nil
}
