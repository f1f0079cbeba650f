package onnx

import (
	"errors"
	"fmt"
	"math"
)

// Slice, Split, Range, ConstantOfShape, Size, Trilu, CumSum, CastLike and
// LayerNormalization.

// sliceOp takes strided sub-ranges: starts, ends and axes as attributes in
// version 1, and starts, ends, axes and steps as inputs from version 10.
type sliceOp struct{ starts, ends, axes []int64 }

func makeSlice(a *attrs) (kernel, error) {
	k := &sliceOp{}
	if a.version() < 10 {
		var ok bool
		if k.starts, ok = a.ints("starts"); !ok {
			return nil, errors.New("attribute starts is missing")
		}
		if k.ends, ok = a.ints("ends"); !ok {
			return nil, errors.New("attribute ends is missing")
		}
		k.axes, _ = a.ints("axes")
	}
	return k, nil
}

func optInts(t *tensor) ([]int64, error) {
	if t == nil {
		return nil, nil
	}
	return t.ints()
}

// plan returns the output shape and the input offset of every output element.
func (k *sliceOp) plan(r *runner, n *node) ([]int, []int, error) {
	x := r.in(n, 0)
	starts, ends, axes := k.starts, k.ends, k.axes
	var steps []int64
	if n.version >= 10 {
		var err error
		if starts, err = optInts(r.in(n, 1)); err != nil {
			return nil, nil, fmt.Errorf("starts: %w", err)
		}
		if ends, err = optInts(r.in(n, 2)); err != nil {
			return nil, nil, fmt.Errorf("ends: %w", err)
		}
		if axes, err = optInts(r.in(n, 3)); err != nil {
			return nil, nil, fmt.Errorf("axes: %w", err)
		}
		if steps, err = optInts(r.in(n, 4)); err != nil {
			return nil, nil, fmt.Errorf("steps: %w", err)
		}
	}
	if len(starts) != len(ends) || (axes != nil && len(axes) != len(starts)) || (steps != nil && len(steps) != len(starts)) {
		return nil, nil, errors.New("starts, ends, axes and steps differ in length")
	}
	rank := x.rank()
	first := make([]int, rank)
	step := make([]int, rank)
	shape := append([]int(nil), x.shape...)
	for d := range step {
		step[d] = 1
	}
	seen := make([]bool, rank)
	for i := range starts {
		ax := i
		if axes == nil && i >= rank {
			return nil, nil, fmt.Errorf("%d starts for rank %d", len(starts), rank)
		}
		if axes != nil {
			var err error
			if ax, err = normAxis(int(max(min(axes[i], math.MaxInt32), math.MinInt32)), rank); err != nil {
				return nil, nil, err
			}
		}
		if seen[ax] {
			return nil, nil, fmt.Errorf("axis %d repeated", ax)
		}
		seen[ax] = true
		st := int64(1)
		if steps != nil {
			st = steps[i]
		}
		if st == 0 {
			return nil, nil, errors.New("step 0")
		}
		dim := int64(x.shape[ax])
		s, e := starts[i], ends[i]
		if s < 0 {
			s += dim
		}
		if e < 0 {
			e += dim
		}
		var cnt int64
		if st > 0 {
			s, e = min(max(s, 0), dim), min(max(e, 0), dim)
			cnt = max(0, (e-s+st-1)/st)
		} else {
			s, e = min(max(s, 0), dim-1), min(max(e, -1), dim-1)
			cnt = max(0, (s-e-st-1)/(-st))
		}
		first[ax], step[ax], shape[ax] = int(s), int(max(min(st, math.MaxInt32), math.MinInt32)), int(cnt)
	}
	str := make([]int, rank)
	s := 1
	for d := rank - 1; d >= 0; d-- {
		str[d] = s
		s *= x.shape[d]
	}
	idx := make([]int, prod(shape))
	pos := make([]int, rank)
	for o := range idx {
		j := 0
		for d, p := range pos {
			j += (first[d] + p*step[d]) * str[d]
		}
		idx[o] = j
		for d := rank - 1; d >= 0; d-- {
			if pos[d]++; pos[d] < shape[d] {
				break
			}
			pos[d] = 0
		}
	}
	return shape, idx, nil
}

func (k *sliceOp) run(r *runner, n *node) error {
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

func (k *sliceOp) backward(r *runner, n *node) error {
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

// splitOp cuts its input along an axis: the sizes come from the split
// attribute (before 13) or input (from 13), else equal parts.
type splitOp struct {
	axis  int
	split []int64
	num   int // num_outputs (version 18): chunks of ceil(dim/num), the last smaller
}

func makeSplit(a *attrs) (kernel, error) {
	k := &splitOp{axis: int(a.int("axis", 0))}
	if a.version() < 13 {
		k.split, _ = a.ints("split")
	}
	if a.version() >= 18 && a.has("num_outputs") {
		k.num = a.intIn("num_outputs", 0, 1, math.MaxInt32)
		if k.num != len(a.n.out) {
			return nil, fmt.Errorf("num_outputs %d, but %d outputs", k.num, len(a.n.out))
		}
		if len(a.n.in) > 1 && a.n.in[1] >= 0 {
			return nil, fmt.Errorf("both the split input and num_outputs are given")
		}
	}
	return k, nil
}

func (k *splitOp) parts(r *runner, n *node) (int, []int, error) {
	x := r.in(n, 0)
	ax, err := normAxis(k.axis, x.rank())
	if err != nil {
		return 0, nil, err
	}
	split := k.split
	if n.version >= 13 {
		if split, err = optInts(r.in(n, 1)); err != nil {
			return 0, nil, fmt.Errorf("split: %w", err)
		}
	}
	dim := x.shape[ax]
	parts := make([]int, len(n.out))
	if split == nil && k.num > 0 {
		chunk := (dim + k.num - 1) / k.num
		if dim > 0 && chunk*(k.num-1) >= dim {
			return 0, nil, fmt.Errorf("dimension %d does not split into %d parts of %d", dim, k.num, chunk)
		}
		for i := range parts {
			parts[i] = min(chunk, dim-i*chunk)
		}
		return ax, parts, nil
	}
	if split == nil {
		if dim%len(n.out) != 0 {
			return 0, nil, fmt.Errorf("dimension %d does not split into %d equal parts", dim, len(n.out))
		}
		for i := range parts {
			parts[i] = dim / len(n.out)
		}
		return ax, parts, nil
	}
	if len(split) != len(n.out) {
		return 0, nil, fmt.Errorf("%d split sizes for %d outputs", len(split), len(n.out))
	}
	total := 0
	for i, s := range split {
		if s < 0 || s > int64(dim) {
			return 0, nil, fmt.Errorf("split size %d out of range", s)
		}
		parts[i] = int(s)
		total += int(s)
	}
	if total != dim {
		return 0, nil, fmt.Errorf("split sizes sum to %d, the dimension is %d", total, dim)
	}
	return ax, parts, nil
}

// eachSplit calls fn(k, o, i, m) for every run of m contiguous elements
// copied from input offset i to offset o of output k.
func eachSplit(shape []int, ax int, parts []int, fn func(k, o, i, m int)) {
	outer, inner := prod(shape[:ax]), prod(shape[ax+1:])
	dim := shape[ax]
	off := 0
	for k, p := range parts {
		for b := range outer {
			fn(k, b*p*inner, (b*dim+off)*inner, p*inner)
		}
		off += p
	}
}

func (k *splitOp) run(r *runner, n *node) error {
	ax, parts, err := k.parts(r, n)
	if err != nil {
		return err
	}
	x := r.in(n, 0)
	outs := make([]*tensor, len(parts))
	for j, p := range parts {
		shape := append([]int(nil), x.shape...)
		shape[ax] = p
		if outs[j], err = r.out(n, j, x.dt, shape); err != nil {
			return err
		}
	}
	cps := make([]func(o, i, m int), len(outs))
	for j, t := range outs {
		cps[j] = copier(t, x)
	}
	eachSplit(x.shape, ax, parts, func(j, o, i, m int) { cps[j](o, i, m) })
	return nil
}

func (k *splitOp) backward(r *runner, n *node) error {
	ax, parts, err := k.parts(r, n)
	if err != nil {
		return err
	}
	gx := r.gradIn(n, 0)
	eachSplit(r.in(n, 0).shape, ax, parts, func(j, o, i, m int) {
		if g := r.gradOut(n, j); g != nil {
			for t := range m {
				gx[i+t] += g[o+t]
			}
		}
	})
	return nil
}

// rangeOp makes the sequence start, start+delta, ... below limit. From
// version 27, FLOAT16 and BFLOAT16 ranges are computed in stash_type (FLOAT,
// the default, or DOUBLE) and rounded to the type.
type rangeOp struct{ stash dtype }

func makeRange(a *attrs) (kernel, error) {
	k := rangeOp{stash: dtFloat}
	if a.version() >= 27 {
		k.stash = dtype(a.int("stash_type", int64(dtFloat)))
		if k.stash != dtFloat && k.stash != dtDouble {
			return nil, fmt.Errorf("stash_type %v is not supported (FLOAT or DOUBLE)", k.stash)
		}
	}
	return k, nil
}

func (k rangeOp) run(r *runner, n *node) error {
	s, l, d := r.in(n, 0), r.in(n, 1), r.in(n, 2)
	if s.dt != l.dt || s.dt != d.dt || s.size() != 1 || l.size() != 1 || d.size() != 1 {
		return errors.New("start, limit and delta must be scalars of one type")
	}
	start, limit, delta := num(s, 0), num(l, 0), num(d, 0)
	if delta == 0 {
		return errors.New("delta is 0")
	}
	cnt := math.Max(math.Ceil((limit-start)/delta), 0)
	if !(cnt <= float64(r.g.lim.MaxTensorElements)) {
		return fmt.Errorf("range of %g elements exceeds the limit of %d", cnt, r.g.lim.MaxTensorElements)
	}
	y, err := r.out(n, 0, s.dt, []int{int(cnt)})
	if err != nil {
		return err
	}
	for i := range int(cnt) {
		switch {
		case s.dt != dtFloat && s.dt.inF() && k.stash == dtDouble:
			y.f[i] = roundHalf(s.dt, float64(s.f[0])+float64(i)*float64(d.f[0]))
		case s.dt.inF():
			y.f[i] = s.f[0] + float32(i)*d.f[0]
		case s.dt == dtDouble:
			y.d[i] = s.d[0] + float64(i)*d.d[0]
		default:
			y.i[i] = s.dt.wrap(s.i[0] + int64(i)*d.i[0])
		}
	}
	return nil
}

// constantOfShape fills a tensor of the given shape with one value.
type constantOfShape struct{ v *tensor }

func makeConstantOfShape(a *attrs) (kernel, error) {
	k := &constantOfShape{v: &tensor{dt: dtFloat, shape: []int{1}, f: []float32{0}}}
	if p, ok := a.tensor("value"); ok {
		t, err := fromProto(p, a.lim.MaxTensorElements, a.lim.MaxRank)
		if err != nil {
			return nil, err
		}
		if t.size() != 1 {
			return nil, errors.New("value must have one element")
		}
		k.v = t
	}
	return k, nil
}

func (k *constantOfShape) outType(int, []dtype) dtype { return k.v.dt }

func (k *constantOfShape) run(r *runner, n *node) error {
	shape, err := shapeInput(r.in(n, 0), r.g.lim)
	if err != nil {
		return err
	}
	y, err := r.out(n, 0, k.v.dt, shape)
	if err != nil {
		return err
	}
	mv := mover(y, k.v)
	for i := range y.size() {
		mv(i, 0)
	}
	return nil
}

// sizeOp returns the number of elements.
type sizeOp struct{}

func makeSize(a *attrs) (kernel, error) { return sizeOp{}, nil }

func (sizeOp) outType(int, []dtype) dtype { return dtInt64 }

func (sizeOp) run(r *runner, n *node) error {
	y, err := r.out(n, 0, dtInt64, []int{})
	if err != nil {
		return err
	}
	y.i[0] = int64(r.in(n, 0).size())
	return nil
}

// triluOp keeps the upper (or lower) triangle of the last two dimensions,
// shifted by the optional diagonal k.
type triluOp struct{ upper bool }

func makeTrilu(a *attrs) (kernel, error) { return &triluOp{upper: a.int("upper", 1) != 0}, nil }

func (k *triluOp) keep(r *runner, n *node) (func(i int) bool, error) {
	x := r.in(n, 0)
	if x.rank() < 2 {
		return nil, errors.New("input must have rank 2 or more")
	}
	diag := int64(0)
	if t := r.in(n, 1); t != nil {
		v, err := t.ints()
		if err != nil || len(v) != 1 {
			return nil, errors.New("k must be one INT64")
		}
		diag = max(min(v[0], math.MaxInt32), math.MinInt32)
	}
	rows, cols := x.shape[x.rank()-2], x.shape[x.rank()-1]
	return func(i int) bool {
		p := i % (rows * cols)
		d := int64(p%cols - p/cols)
		if k.upper {
			return d >= diag
		}
		return d <= diag
	}, nil
}

func (k *triluOp) run(r *runner, n *node) error {
	keep, err := k.keep(r, n)
	if err != nil {
		return err
	}
	x := r.in(n, 0)
	y, err := r.out(n, 0, x.dt, x.shape)
	if err != nil {
		return err
	}
	for i := range x.size() {
		switch {
		case x.dt == dtFloat && keep(i):
			y.f[i] = x.f[i]
		case x.dt == dtFloat:
			y.f[i] = 0
		case keep(i):
			y.i[i] = x.i[i]
		default:
			y.i[i] = 0
		}
	}
	return nil
}

func (k *triluOp) backward(r *runner, n *node) error {
	keep, err := k.keep(r, n)
	if err != nil {
		return err
	}
	g, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	for i := range gx {
		if keep(i) {
			gx[i] += g[i]
		}
	}
	return nil
}

// castLike casts input 0 to the type of input 1.
type castLike struct{}

func makeCastLike(a *attrs) (kernel, error) { return castLike{}, nil }

func (castLike) outType(_ int, in []dtype) dtype { return in[1] }

func (castLike) run(r *runner, n *node) error {
	return (&castOp{to: r.in(n, 1).dt}).run(r, n)
}

func (castLike) backward(r *runner, n *node) error {
	return (&castOp{to: r.in(n, 1).dt}).backward(r, n)
}
