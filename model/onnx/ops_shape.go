package onnx

import (
	"errors"
	"fmt"
	"slices"
)

// Operators that move or reshape data: Flatten, Reshape, Squeeze, Unsqueeze,
// Transpose, Concat, Gather, Pad, Shape and Constant.

func normAxis(axis, rank int) (int, error) {
	if axis < -rank || axis >= rank {
		return 0, fmt.Errorf("axis %d out of range for rank %d", axis, rank)
	}
	if axis < 0 {
		axis += rank
	}
	return axis, nil
}

// view is the kernel of the operators whose output is the input with another
// shape (Flatten, Reshape, Squeeze, Unsqueeze).
type view struct {
	shape func(r *runner, n *node, in []int) ([]int, error)
}

func (k *view) run(r *runner, n *node) error {
	x := r.in(n, 0)
	s, err := k.shape(r, n, x.shape)
	if err != nil {
		return err
	}
	return r.alias(n, 0, x, s)
}

func (k *view) backward(r *runner, n *node) error {
	return addInto(r.gradIn(n, 0), r.gradOut(n, 0))
}

func makeFlatten(a *attrs) (kernel, error) {
	axis := a.int("axis", 1)
	return &view{shape: func(r *runner, n *node, in []int) ([]int, error) {
		ax := int(axis)
		if ax < -len(in) || ax > len(in) {
			return nil, fmt.Errorf("axis %d out of range for rank %d", ax, len(in))
		}
		if ax < 0 {
			ax += len(in)
		}
		return []int{prod(in[:ax]), prod(in[ax:])}, nil
	}}, nil
}

func makeReshape(a *attrs) (kernel, error) {
	allowZero := a.int("allowzero", 0) != 0
	return &view{shape: func(r *runner, n *node, in []int) ([]int, error) {
		st := r.in(n, 1)
		if st == nil {
			return nil, errors.New("missing shape input")
		}
		want, err := st.ints()
		if err != nil {
			return nil, fmt.Errorf("shape: %w", err)
		}
		if len(want) > r.g.lim.MaxRank {
			return nil, fmt.Errorf("shape has %d dimensions, more than %d", len(want), r.g.lim.MaxRank)
		}
		out := make([]int, len(want))
		infer := -1
		known := 1
		for i, d := range want {
			switch {
			case d == -1:
				if infer >= 0 {
					return nil, errors.New("shape has more than one -1")
				}
				infer = i
				continue
			case d == 0 && !allowZero:
				if i >= len(in) {
					return nil, fmt.Errorf("shape copies dimension %d of a rank-%d input", i, len(in))
				}
				out[i] = in[i]
			case d < 0 || d > int64(r.g.lim.MaxTensorElements):
				return nil, fmt.Errorf("shape dimension %d out of range", d)
			default:
				out[i] = int(d)
			}
			if out[i] != 0 && known > r.g.lim.MaxTensorElements/out[i] {
				return nil, errors.New("shape too large")
			}
			known *= out[i]
		}
		total := prod(in)
		if infer >= 0 {
			if known == 0 || total%known != 0 {
				return nil, fmt.Errorf("cannot reshape %v to %v", in, want)
			}
			out[infer] = total / known
		}
		if prod(out) != total {
			return nil, fmt.Errorf("cannot reshape %v to %v", in, want)
		}
		return out, nil
	}}, nil
}

// axesArg returns the axes of Squeeze and Unsqueeze: an attribute before
// version 13, an optional input from then on.
func axesArg(r *runner, n *node, attr []int64) ([]int64, bool, error) {
	if n.version < 13 {
		return attr, attr != nil, nil
	}
	t := r.in(n, 1)
	if t == nil {
		return nil, false, nil
	}
	v, err := t.ints()
	return v, true, err
}

func makeSqueeze(a *attrs) (kernel, error) {
	attr, _ := a.ints("axes")
	return &view{shape: func(r *runner, n *node, in []int) ([]int, error) {
		axes, ok, err := axesArg(r, n, attr)
		if err != nil {
			return nil, err
		}
		drop := make([]bool, len(in))
		if !ok {
			for i, d := range in {
				drop[i] = d == 1
			}
		}
		for _, ax := range axes {
			i, err := normAxis(int(ax), len(in))
			if err != nil {
				return nil, err
			}
			if in[i] != 1 {
				return nil, fmt.Errorf("cannot squeeze axis %d of size %d", ax, in[i])
			}
			drop[i] = true
		}
		var out []int
		for i, d := range in {
			if !drop[i] {
				out = append(out, d)
			}
		}
		return out, nil
	}}, nil
}

func makeUnsqueeze(a *attrs) (kernel, error) {
	attr, _ := a.ints("axes")
	return &view{shape: func(r *runner, n *node, in []int) ([]int, error) {
		axes, ok, err := axesArg(r, n, attr)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errors.New("missing axes")
		}
		rank := len(in) + len(axes)
		if rank > r.g.lim.MaxRank {
			return nil, fmt.Errorf("rank %d exceeds the limit of %d", rank, r.g.lim.MaxRank)
		}
		ins := make([]bool, rank)
		for _, ax := range axes {
			i, err := normAxis(int(ax), rank)
			if err != nil {
				return nil, err
			}
			if ins[i] {
				return nil, fmt.Errorf("axis %d repeated", ax)
			}
			ins[i] = true
		}
		out := make([]int, rank)
		j := 0
		for i := range out {
			if ins[i] {
				out[i] = 1
			} else {
				out[i] = in[j]
				j++
			}
		}
		return out, nil
	}}, nil
}

// Transpose permutes the axes.
type transposeOp struct{ perm []int }

func makeTranspose(a *attrs) (kernel, error) {
	p, ok := a.dims("perm", 0)
	if !ok {
		p = nil
	}
	return &transposeOp{perm: p}, nil
}

func (k *transposeOp) plan(shape []int) ([]int, []int, error) {
	perm := k.perm
	if perm == nil {
		perm = make([]int, len(shape))
		for i := range perm {
			perm[i] = len(shape) - 1 - i
		}
	}
	if len(perm) != len(shape) {
		return nil, nil, fmt.Errorf("perm %v does not match rank %d", perm, len(shape))
	}
	seen := make([]bool, len(perm))
	for _, p := range perm {
		if p >= len(perm) || seen[p] {
			return nil, nil, fmt.Errorf("perm %v is not a permutation", perm)
		}
		seen[p] = true
	}
	out := make([]int, len(shape))
	for i, p := range perm {
		out[i] = shape[p]
	}
	return perm, out, nil
}

// eachPermuted calls fn(o, i) for output offset o and input offset i of a
// transpose of a tensor of shape in by perm, in output order.
func eachPermuted(in, perm []int, fn func(o, i int)) {
	r := len(in)
	stride := make([]int, r)
	s := 1
	for j := r - 1; j >= 0; j-- {
		stride[j] = s
		s *= in[j]
	}
	total := prod(in)
	if total == 0 {
		return
	}
	if r == 0 {
		fn(0, 0)
		return
	}
	outDims := make([]int, r)
	ostr := make([]int, r)
	for j, p := range perm {
		outDims[j] = in[p]
		ostr[j] = stride[p]
	}
	idx := make([]int, r)
	off := 0
	for o := 0; o < total; o++ {
		fn(o, off)
		for j := r - 1; j >= 0; j-- {
			idx[j]++
			off += ostr[j]
			if idx[j] < outDims[j] {
				break
			}
			off -= ostr[j] * outDims[j]
			idx[j] = 0
		}
	}
}

func (k *transposeOp) run(r *runner, n *node) error {
	x := r.in(n, 0)
	perm, shape, err := k.plan(x.shape)
	if err != nil {
		return err
	}
	y, err := r.out(n, 0, x.dt, shape)
	if err != nil {
		return err
	}
	if l, ok := innerRun(x.shape, perm); ok && x.dt == dtFloat {
		eachPermuted(x.shape[:len(perm)-1], perm[:len(perm)-1], func(o, i int) { copy(y.f[o*l:(o+1)*l], x.f[i*l:(i+1)*l]) })
	} else {
		eachPermuted(x.shape, perm, mover(y, x))
	}
	return nil
}

func (k *transposeOp) backward(r *runner, n *node) error {
	x := r.in(n, 0)
	perm, _, err := k.plan(x.shape)
	if err != nil {
		return err
	}
	g, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	if l, ok := innerRun(x.shape, perm); ok {
		eachPermuted(x.shape[:len(perm)-1], perm[:len(perm)-1], func(o, i int) {
			for j, v := range g[o*l : (o+1)*l] {
				gx[i*l+j] += v
			}
		})
		return nil
	}
	eachPermuted(x.shape, perm, func(o, i int) { gx[i] += g[o] })
	return nil
}

// innerRun reports whether a transpose keeps the last axis last, with rows of
// l ≥ 4 elements that it can move whole (as attention's head split does).
func innerRun(shape, perm []int) (l int, ok bool) {
	r := len(perm)
	if r < 2 || perm[r-1] != r-1 || shape[r-1] < 4 {
		return 0, false
	}
	return shape[r-1], true
}

// Concat joins tensors along an axis.
type concatOp struct{ axis int }

func makeConcat(a *attrs) (kernel, error) {
	if !a.has("axis") {
		return nil, errors.New("missing attribute axis")
	}
	return &concatOp{axis: a.intIn("axis", 0, -64, 64)}, nil
}

func (k *concatOp) plan(r *runner, n *node) (axis int, shape []int, err error) {
	return concatShape(k.parts(r, n), k.axis)
}

func (k *concatOp) parts(r *runner, n *node) []*tensor {
	parts := make([]*tensor, len(n.in))
	for j := range n.in {
		parts[j] = r.in(n, j)
	}
	return parts
}

// concatShape checks that parts can be joined along axis and returns the
// axis (made non-negative) and the shape of the result.
func concatShape(parts []*tensor, axis int) (int, []int, error) {
	if len(parts) == 0 || parts[0] == nil {
		return 0, nil, errors.New("missing input")
	}
	first := parts[0]
	axis, err := normAxis(axis, first.rank())
	if err != nil {
		return 0, nil, err
	}
	shape := slices.Clone(first.shape)
	shape[axis] = 0
	for _, t := range parts {
		if t == nil {
			return 0, nil, errors.New("missing input")
		}
		if t.dt != first.dt || t.rank() != first.rank() {
			return 0, nil, fmt.Errorf("inputs %v and %v do not match", first, t)
		}
		for d := range shape {
			if d != axis && t.shape[d] != shape[d] {
				return 0, nil, fmt.Errorf("inputs %v and %v do not match", first, t)
			}
		}
		shape[axis] += t.shape[axis]
	}
	return axis, shape, nil
}

func (k *concatOp) run(r *runner, n *node) error { return r.concatOut(n, k.parts(r, n), k.axis) }

// concatOut joins parts along axis into node output 0 (Concat,
// ConcatFromSequence).
func (r *runner) concatOut(n *node, parts []*tensor, axis int) error {
	axis, shape, err := concatShape(parts, axis)
	if err != nil {
		return err
	}
	y, err := r.out(n, 0, parts[0].dt, shape)
	if err != nil {
		return err
	}
	concatCopy(y, parts, axis)
	return nil
}

// concatCopy copies parts into y, joined along axis (concatShape's).
func concatCopy(y *tensor, parts []*tensor, axis int) {
	outer, inner := prod(y.shape[:axis]), prod(y.shape[axis+1:])
	row := y.shape[axis] * inner
	off := 0
	for _, t := range parts {
		blk := t.shape[axis] * inner
		cp := copier(y, t)
		for o := range outer {
			cp(o*row+off, o*blk, blk)
		}
		off += blk
	}
}

func (k *concatOp) backward(r *runner, n *node) error {
	axis, shape, err := k.plan(r, n)
	if err != nil {
		return err
	}
	g := r.gradOut(n, 0)
	outer, inner := prod(shape[:axis]), prod(shape[axis+1:])
	row := shape[axis] * inner
	off := 0
	for j := range n.in {
		t := r.in(n, j)
		blk := t.shape[axis] * inner
		if gx := r.gradIn(n, j); gx != nil {
			for o := range outer {
				dst := gx[o*blk : (o+1)*blk]
				for i, v := range g[o*row+off : o*row+off+blk] {
					dst[i] += v
				}
			}
		}
		off += blk
	}
	return nil
}

// Constant returns the tensor of its attribute.
type constOp struct{ t *tensor }

func makeConstant(a *attrs) (kernel, error) {
	var t *tensor
	var err error
	switch {
	case a.has("value"):
		p, _ := a.tensor("value")
		if p == nil {
			return nil, errors.New("attribute value is not a tensor")
		}
		t, err = fromProto(p, a.lim.MaxTensorElements, a.lim.MaxRank)
	case a.has("value_float"):
		t = &tensor{dt: dtFloat, shape: []int{}, f: []float32{a.float("value_float", 0)}}
	case a.has("value_floats"):
		v, _ := a.floats("value_floats")
		t = &tensor{dt: dtFloat, shape: []int{len(v)}, f: slices.Clone(v)}
	case a.has("value_int"):
		t = &tensor{dt: dtInt64, shape: []int{}, i: []int64{a.int("value_int", 0)}}
	case a.has("value_ints"):
		v, _ := a.ints("value_ints")
		t = &tensor{dt: dtInt64, shape: []int{len(v)}, i: slices.Clone(v)}
	case a.has("value_string"):
		t = &tensor{dt: dtString, shape: []int{}, s: []string{a.str("value_string", "")}}
	case a.has("value_strings"):
		v, _ := a.strs("value_strings")
		t = &tensor{dt: dtString, shape: []int{len(v)}, s: slices.Clone(v)}
	default:
		return nil, errors.New("no supported value attribute (sparse constants are not supported)")
	}
	if err != nil {
		return nil, err
	}
	return &constOp{t: t}, nil
}

func (k *constOp) run(r *runner, n *node) error { return r.alias(n, 0, k.t, k.t.shape) }

// Shape returns the shape of its input (a slice of it from version 15).
type shapeOp struct{ start, end int64 }

func makeShape(a *attrs) (kernel, error) {
	return &shapeOp{start: a.int("start", 0), end: a.int("end", 1<<31)}, nil
}

func (k *shapeOp) run(r *runner, n *node) error {
	x := r.in(n, 0)
	rank := int64(x.rank())
	clamp := func(v int64) int64 {
		if v < 0 {
			v += rank
		}
		return min(max(v, 0), rank)
	}
	s, e := clamp(k.start), clamp(k.end)
	if e < s {
		e = s
	}
	y, err := r.out(n, 0, dtInt64, []int{int(e - s)})
	if err != nil {
		return err
	}
	for i := s; i < e; i++ {
		y.i[i-s] = int64(x.shape[i])
	}
	return nil
}

// Gather picks slices along an axis by index.
type gatherOp struct{ axis int }

func makeGather(a *attrs) (kernel, error) {
	return &gatherOp{axis: a.intIn("axis", 0, -64, 64)}, nil
}

func (k *gatherOp) plan(r *runner, n *node) (axis int, idx []int, shape []int, err error) {
	x, ind := r.in(n, 0), r.in(n, 1)
	axis, err = normAxis(k.axis, x.rank())
	if err != nil {
		return 0, nil, nil, err
	}
	iv, err := ind.ints()
	if err != nil {
		return 0, nil, nil, fmt.Errorf("indices: %w", err)
	}
	d := x.shape[axis]
	idx = make([]int, len(iv))
	for j, v := range iv {
		if v < -int64(d) || v >= int64(d) {
			return 0, nil, nil, fmt.Errorf("index %d out of range [%d, %d)", v, -d, d)
		}
		if v < 0 {
			v += int64(d)
		}
		idx[j] = int(v)
	}
	shape = append(append(slices.Clone(x.shape[:axis]), ind.shape...), x.shape[axis+1:]...)
	return axis, idx, shape, nil
}

func (k *gatherOp) run(r *runner, n *node) error {
	x := r.in(n, 0)
	axis, idx, shape, err := k.plan(r, n)
	if err != nil {
		return err
	}
	y, err := r.out(n, 0, x.dt, shape)
	if err != nil {
		return err
	}
	outer, inner := prod(x.shape[:axis]), prod(x.shape[axis+1:])
	d := x.shape[axis]
	o := 0
	cp := copier(y, x)
	for a := range outer {
		for _, j := range idx {
			cp(o, (a*d+j)*inner, inner)
			o += inner
		}
	}
	return nil
}

func (k *gatherOp) backward(r *runner, n *node) error {
	x := r.in(n, 0)
	axis, idx, _, err := k.plan(r, n)
	if err != nil {
		return err
	}
	g, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	if gx == nil {
		return nil
	}
	outer, inner := prod(x.shape[:axis]), prod(x.shape[axis+1:])
	d := x.shape[axis]
	o := 0
	for a := range outer {
		for _, j := range idx {
			dst := gx[(a*d+j)*inner:]
			for i, v := range g[o : o+inner] {
				dst[i] += v
			}
			o += inner
		}
	}
	return nil
}

// Pad pads (or, with negative pads, crops) a tensor.
type padOp struct {
	mode  string
	pads  []int64 // version 2 attribute
	value float32 // version 2 attribute
}

func makePad(a *attrs) (kernel, error) {
	k := &padOp{mode: a.str("mode", "constant")}
	switch k.mode {
	case "constant", "reflect", "edge":
	case "wrap":
		if a.version() < 19 {
			return nil, fmt.Errorf("pad mode %q is not supported before version 19", k.mode)
		}
	default:
		return nil, fmt.Errorf("pad mode %q is not supported", k.mode)
	}
	if a.version() < 18 && len(a.n.in) > 3 {
		return nil, errors.New("the axes input needs version 18")
	}
	if a.version() < 11 {
		k.pads, _ = a.ints("pads")
		k.value = a.float("value", 0)
	}
	return k, nil
}

// padAxes spreads pads given for the axes of the axes input (version 18)
// over all rank dimensions; the others get none.
func padAxes(pads []int64, ax *tensor, rank int) ([]int64, error) {
	axes, err := ax.ints()
	if err != nil {
		return nil, fmt.Errorf("axes: %w", err)
	}
	if len(pads) != 2*len(axes) {
		return nil, fmt.Errorf("pads has %d values for %d axes", len(pads), len(axes))
	}
	full := make([]int64, 2*rank)
	seen := make([]bool, rank)
	for j, a := range axes {
		d, err := normAxis(int(a), rank)
		if err != nil {
			return nil, err
		}
		if seen[d] {
			return nil, fmt.Errorf("axis %d given twice", a)
		}
		seen[d] = true
		full[d], full[d+rank] = pads[j], pads[j+len(axes)]
	}
	return full, nil
}

// maps returns, per dimension, the input index of each output index (-1 for
// padding) and the output shape.
func (k *padOp) maps(r *runner, n *node) ([][]int, []int, error) {
	x := r.in(n, 0)
	pads := k.pads
	if n.version >= 11 {
		p := r.in(n, 1)
		if p == nil {
			return nil, nil, errors.New("missing pads")
		}
		var err error
		if pads, err = p.ints(); err != nil {
			return nil, nil, fmt.Errorf("pads: %w", err)
		}
	}
	rank := x.rank()
	if ax := r.in(n, 3); ax != nil {
		var err error
		if pads, err = padAxes(pads, ax, rank); err != nil {
			return nil, nil, err
		}
	}
	if len(pads) != 2*rank {
		return nil, nil, fmt.Errorf("pads has %d values, want %d", len(pads), 2*rank)
	}
	lim := int64(r.g.lim.MaxTensorElements)
	shape := make([]int, rank)
	maps := make([][]int, rank)
	for d := range rank {
		b, e := pads[d], pads[d+rank]
		if b < -lim || b > lim || e < -lim || e > lim {
			return nil, nil, fmt.Errorf("pad %d/%d out of range", b, e)
		}
		size := int64(x.shape[d]) + b + e
		if size < 0 {
			return nil, nil, fmt.Errorf("pads %d/%d crop dimension %d of size %d below zero", b, e, d, x.shape[d])
		}
		if size > lim {
			return nil, nil, errors.New("padded tensor too large")
		}
		shape[d] = int(size)
	}
	if _, err := checkedProd(shape, r.g.lim.MaxTensorElements); err != nil {
		return nil, nil, err
	}
	for d := range rank {
		in, b := x.shape[d], int(pads[d])
		m := make([]int, shape[d])
		for o := range m {
			i := o - b
			switch {
			case i >= 0 && i < in:
			case k.mode == "constant":
				i = -1
			case in == 0:
				return nil, nil, fmt.Errorf("cannot %s-pad an empty dimension", k.mode)
			case k.mode == "edge":
				i = min(max(i, 0), in-1)
			case k.mode == "wrap":
				i = (i%in + in) % in
			default: // reflect
				if in == 1 {
					i = 0
					break
				}
				p := 2 * (in - 1)
				i = ((i % p) + p) % p
				if i >= in {
					i = p - i
				}
			}
			m[o] = i
		}
		maps[d] = m
	}
	return maps, shape, nil
}

// eachPadded calls fn(o, i) for every output offset o with its input offset
// i (-1 for padding).
func eachPadded(in []int, maps [][]int, shape []int, fn func(o, i int)) {
	total := prod(shape)
	rank := len(shape)
	if total == 0 {
		return
	}
	stride := make([]int, rank)
	s := 1
	for d := rank - 1; d >= 0; d-- {
		stride[d] = s
		s *= in[d]
	}
	idx := make([]int, rank)
	for o := range total {
		off := 0
		for d := range rank {
			i := maps[d][idx[d]]
			if i < 0 {
				off = -1
				break
			}
			off += i * stride[d]
		}
		fn(o, off)
		for d := rank - 1; d >= 0; d-- {
			if idx[d]++; idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
}

func (k *padOp) run(r *runner, n *node) error {
	x := r.in(n, 0)
	maps, shape, err := k.maps(r, n)
	if err != nil {
		return err
	}
	y, err := r.out(n, 0, x.dt, shape)
	if err != nil {
		return err
	}
	var cv float64 = float64(k.value)
	if n.version >= 11 {
		cv = 0
		if t := r.in(n, 2); t != nil {
			if cv, err = t.scalarFloat(); err != nil {
				return fmt.Errorf("constant_value: %w", err)
			}
		}
	}
	if x.dt == dtFloat {
		c := float32(cv)
		eachPadded(x.shape, maps, shape, func(o, i int) {
			if i < 0 {
				y.f[o] = c
			} else {
				y.f[o] = x.f[i]
			}
		})
		return nil
	}
	c := x.dt.wrap(int64(cv))
	eachPadded(x.shape, maps, shape, func(o, i int) {
		if i < 0 {
			y.i[o] = c
		} else {
			y.i[o] = x.i[i]
		}
	})
	return nil
}

func (k *padOp) backward(r *runner, n *node) error {
	x := r.in(n, 0)
	maps, shape, err := k.maps(r, n)
	if err != nil {
		return err
	}
	g, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	if gx == nil {
		return nil
	}
	eachPadded(x.shape, maps, shape, func(o, i int) {
		if i >= 0 {
			gx[i] += g[o]
		}
	})
	return nil
}
