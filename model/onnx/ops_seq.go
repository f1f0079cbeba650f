package onnx

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Sequence and optional operators (value.go holds the values). The kernels
// copy a tensor when it goes into a sequence (runner.own) and hand out a
// sequence's elements as views: neither is ever modified. None has a
// gradient.

func init() {
	seq := func(since []int, minIn, maxIn, maxOut int, make func(*attrs) (kernel, error)) opDef {
		return opDef{since: since, min: since[0], minIn: minIn, maxIn: maxIn, maxOut: maxOut, types: tsAll | tsSeq, make: make}
	}
	opsAI["SequenceEmpty"] = seq([]int{11}, 0, 0, 1, makeSequenceEmpty)
	opsAI["SequenceConstruct"] = seq([]int{11}, 1, math.MaxInt32, 1, func(*attrs) (kernel, error) { return seqConstruct{}, nil })
	opsAI["SequenceAt"] = seq([]int{11}, 2, 2, 1, func(*attrs) (kernel, error) { return seqAt{}, nil })
	opsAI["SequenceInsert"] = seq([]int{11}, 2, 3, 1, func(*attrs) (kernel, error) { return seqInsert{}, nil })
	opsAI["SequenceErase"] = seq([]int{11}, 1, 2, 1, func(*attrs) (kernel, error) { return seqErase{}, nil })
	opsAI["SequenceLength"] = seq([]int{11}, 1, 1, 1, func(*attrs) (kernel, error) { return seqLength{}, nil })
	opsAI["SplitToSequence"] = seq([]int{11, 24}, 1, 2, 1, makeSplitToSequence)
	opsAI["ConcatFromSequence"] = seq([]int{11}, 1, 1, 1, makeConcatFromSequence)
	// SequenceMap compiles its body, which looks operators up in opsAI:
	// it is added here, not in opsAI's literal.
	opsAI["SequenceMap"] = seq([]int{17}, 1, math.MaxInt32, math.MaxInt32, makeSequenceMap)
	opsAI["Optional"] = seq([]int{15}, 0, 1, 1, makeOptional)
	opsAI["OptionalHasElement"] = seq([]int{15, 18}, 1, 1, 1, func(*attrs) (kernel, error) { return optHas{}, nil })
	opsAI["OptionalGetElement"] = seq([]int{15, 18}, 1, 1, 1, func(*attrs) (kernel, error) { return optGet{}, nil })
}

// seqPos reads a position input (one INT32 or INT64) into [0, n) (or
// [0, n] when end is allowed); absent, it is def.
func (r *runner) seqPos(n *node, k, length int, end bool, def int) (int, error) {
	t, err := r.plainIn(n, k)
	if err != nil || t == nil {
		return def, err
	}
	if (t.dt != dtInt32 && t.dt != dtInt64) || t.size() != 1 {
		return 0, fmt.Errorf("position must be one INT32 or INT64, have %v", t)
	}
	p, hi := t.i[0], int64(length)
	if !end {
		hi--
	}
	if p < -int64(length) || p > hi {
		return 0, fmt.Errorf("position %d is out of range for a sequence of %d", p, length)
	}
	if p < 0 {
		p += int64(length)
	}
	return int(p), nil
}

// viewOut makes node output k a view of sequence element e.
func (r *runner) viewOut(n *node, k int, e *tensor) error {
	if !e.isPlain() {
		r.setValue(n, k, e)
		return nil
	}
	return r.alias(n, k, e, e.shape)
}

// SequenceEmpty makes an empty sequence of its dtype (default FLOAT).
type seqEmpty struct{ dt dtype }

func makeSequenceEmpty(a *attrs) (kernel, error) {
	dt := dtype(a.int("dtype", int64(dtFloat)))
	if !dt.supported() {
		return nil, fmt.Errorf("dtype %v is not supported", dt)
	}
	return seqEmpty{dt: dt}, nil
}

func (k seqEmpty) run(r *runner, n *node) error {
	s, err := r.newSeq(nil, k.dt)
	if err == nil {
		r.setValue(n, 0, s)
	}
	return err
}

// SequenceConstruct makes a sequence of its inputs (all of one type).
type seqConstruct struct{}

func (seqConstruct) run(r *runner, n *node) error {
	elems := make([]*tensor, len(n.in))
	for j := range n.in {
		t, err := r.plainIn(n, j)
		if err == nil && t == nil {
			err = fmt.Errorf("input %d is missing", j)
		}
		if err != nil {
			return err
		}
		if elems[j], err = r.own(t); err != nil {
			return err
		}
	}
	s, err := r.newSeq(elems, dtUndefined)
	if err == nil {
		r.setValue(n, 0, s)
	}
	return err
}

// SequenceAt returns the element at a position (negative: from the end).
type seqAt struct{}

func (seqAt) run(r *runner, n *node) error {
	s, err := r.seqIn(n, 0)
	if err != nil {
		return err
	}
	if len(s.elems) == 0 {
		return errors.New("the sequence is empty")
	}
	p, err := r.seqPos(n, 1, len(s.elems), false, 0)
	if err != nil {
		return err
	}
	return r.viewOut(n, 0, s.elems[p])
}

// SequenceInsert inserts a tensor at a position (default: at the end).
type seqInsert struct{}

func (seqInsert) run(r *runner, n *node) error {
	s, err := r.seqIn(n, 0)
	if err != nil {
		return err
	}
	t, err := r.plainIn(n, 1)
	if err != nil {
		return err
	}
	if s.elemDT != dtUndefined && t.dt != s.elemDT {
		return fmt.Errorf("cannot insert %v into a sequence of %v", t, s.elemDT)
	}
	p, err := r.seqPos(n, 2, len(s.elems), true, len(s.elems))
	if err != nil {
		return err
	}
	c, err := r.own(t)
	if err != nil {
		return err
	}
	out, err := r.newSeq(slices.Insert(slices.Clip(s.elems), p, c), s.elemDT)
	if err == nil {
		r.setValue(n, 0, out)
	}
	return err
}

// SequenceErase removes the element at a position (default: the last).
type seqErase struct{}

func (seqErase) run(r *runner, n *node) error {
	s, err := r.seqIn(n, 0)
	if err != nil {
		return err
	}
	if len(s.elems) == 0 {
		return errors.New("the sequence is empty")
	}
	p, err := r.seqPos(n, 1, len(s.elems), false, len(s.elems)-1)
	if err != nil {
		return err
	}
	out, err := r.newSeq(slices.Delete(slices.Clone(s.elems), p, p+1), s.elemDT)
	if err == nil {
		r.setValue(n, 0, out)
	}
	return err
}

// SequenceLength returns the number of elements as an INT64 scalar.
type seqLength struct{}

func (seqLength) run(r *runner, n *node) error {
	s, err := r.seqIn(n, 0)
	if err != nil {
		return err
	}
	y, err := r.out(n, 0, dtInt64, []int{})
	if err == nil {
		y.i[0] = int64(len(s.elems))
	}
	return err
}

// SplitToSequence splits a tensor along an axis into a sequence: into
// pieces of one (the axis kept unless keepdims=0), of a scalar split's
// length (the last one shorter), or of the lengths of a 1-D split.
type splitToSeq struct {
	axis int
	keep bool
}

func makeSplitToSequence(a *attrs) (kernel, error) {
	return splitToSeq{axis: a.intIn("axis", 0, -64, 64), keep: a.intIn("keepdims", 1, 0, 1) == 1}, nil
}

func (k splitToSeq) run(r *runner, n *node) error {
	x, err := r.plainIn(n, 0)
	if err != nil {
		return err
	}
	axis, err := normAxis(k.axis, x.rank())
	if err != nil {
		return err
	}
	split, err := r.plainIn(n, 1)
	if err != nil {
		return err
	}
	dim := x.shape[axis]
	if err := r.accountTemp(int64(dim) * 8); err != nil { // lens, at most one per index
		return err
	}
	var lens []int
	squeeze := false
	switch {
	case split == nil:
		lens = slices.Repeat([]int{1}, dim)
		squeeze = !k.keep
	case split.dt != dtInt32 && split.dt != dtInt64 || split.rank() > 1:
		return fmt.Errorf("split must be an INT32 or INT64 scalar or 1-D tensor, have %v", split)
	case split.rank() == 0:
		c := split.i[0]
		if c <= 0 {
			return fmt.Errorf("split %d must be positive", c)
		}
		step := int(min(c, int64(max(dim, 1))))
		for lo := 0; lo < dim; lo += step {
			lens = append(lens, min(step, dim-lo))
		}
	default:
		sum := int64(0)
		for _, l := range split.i {
			if l < 0 || sum+l > int64(dim) {
				return fmt.Errorf("split %v does not sum to dimension %d", split.i, dim)
			}
			sum += l
			lens = append(lens, int(l))
		}
		if sum != int64(dim) {
			return fmt.Errorf("split %v does not sum to dimension %d", split.i, dim)
		}
	}
	outer, inner := prod(x.shape[:axis]), prod(x.shape[axis+1:])
	elems := make([]*tensor, 0, len(lens))
	lo := 0
	for _, l := range lens {
		shape := slices.Clone(x.shape)
		shape[axis] = l
		if squeeze {
			shape = slices.Delete(shape, axis, axis+1)
		}
		if err := r.accountTemp(int64(outer*l*inner)*8 + elemBytes); err != nil {
			return err
		}
		e := newTensor(x.dt, shape)
		cp := copier(e, x)
		for o := range outer {
			cp(o*l*inner, (o*dim+lo)*inner, l*inner)
		}
		elems = append(elems, e)
		lo += l
	}
	s, err := r.newSeq(elems, x.dt)
	if err == nil {
		r.setValue(n, 0, s)
	}
	return err
}

// ConcatFromSequence joins a sequence's tensors along an axis, or stacks
// them on a new one (new_axis=1).
type concatFromSeq struct {
	axis  int
	stack bool
}

func makeConcatFromSequence(a *attrs) (kernel, error) {
	if !a.has("axis") {
		return nil, errors.New("missing attribute axis")
	}
	return concatFromSeq{axis: a.intIn("axis", 0, -64, 64), stack: a.intIn("new_axis", 0, 0, 1) == 1}, nil
}

func (k concatFromSeq) run(r *runner, n *node) error {
	s, err := r.seqIn(n, 0)
	if err != nil {
		return err
	}
	if len(s.elems) == 0 {
		return errors.New("the sequence is empty")
	}
	parts := s.elems
	axis := k.axis
	if k.stack {
		// Views with a dimension of one inserted at the new axis.
		rank := parts[0].rank() + 1
		if axis < -rank || axis >= rank {
			return fmt.Errorf("axis %d out of range for rank %d", axis, rank)
		}
		if axis < 0 {
			axis += rank
		}
		views := make([]*tensor, len(parts))
		for j, p := range parts {
			v := *p
			v.shape = slices.Insert(slices.Clone(p.shape), min(axis, p.rank()), 1)
			views[j] = &v
		}
		parts = views
	}
	return r.concatOut(n, parts, axis)
}

// SequenceMap runs its body once per position of the input sequence: the
// body's inputs are the elements at that position of the sequence inputs
// (of equal length) and the tensor inputs whole; its outputs are collected
// into one sequence each.
type seqMap struct{ body *graph }

func makeSequenceMap(a *attrs) (kernel, error) {
	body, err := a.body()
	if err != nil {
		return nil, err
	}
	if body.nFormal != len(a.n.in) || len(body.outputs) != len(a.n.out) {
		return nil, fmt.Errorf("body has %d inputs and %d outputs, the node %d and %d",
			body.nFormal, len(body.outputs), len(a.n.in), len(a.n.out))
	}
	return &seqMap{body: body}, nil
}

func (k *seqMap) run(r *runner, n *node) error {
	s, err := r.seqIn(n, 0)
	if err != nil {
		return err
	}
	length := len(s.elems)
	for j := 1; j < len(n.in); j++ {
		if t := r.in(n, j); t == nil || t.seq != nil && (t.seq.opt || len(t.seq.elems) != length) {
			return fmt.Errorf("input %d must be a tensor or a sequence of %d", j, length)
		}
	}
	outs := make([][]*tensor, len(n.out))
	feeds := make([]*tensor, len(n.in))
	for i := range length {
		if err := r.step(); err != nil {
			return err
		}
		for j := range feeds {
			if t := r.in(n, j); t.seq != nil {
				feeds[j] = t.seq.elems[i]
			} else {
				feeds[j] = t
			}
		}
		res, err := r.runSub(n, 0, k.body, slices.Clone(feeds))
		if err != nil {
			return err
		}
		for o, t := range res {
			if !t.isPlain() {
				return fmt.Errorf("body output %d is a %s; SequenceMap collects tensors", o, t.kindName())
			}
			c, err := r.own(t)
			if err != nil {
				return err
			}
			outs[o] = append(outs[o], c)
		}
	}
	for o, elems := range outs {
		dt := dtUndefined
		if typ := k.body.values[k.body.outputs[o]].typ; typ != nil && typ.kind == typeTensor && dtype(typ.elemType).supported() {
			dt = dtype(typ.elemType)
		}
		seq, err := r.newSeq(elems, dt)
		if err != nil {
			return err
		}
		r.setValue(n, o, seq)
	}
	return nil
}

// Optional wraps its input (a tensor or a sequence) in an optional; with
// no input it makes an empty one, of the type its attribute declares.
type optional struct{}

// attrTypeProto is AttributeProto.TYPE_PROTO (Optional's type; the
// element type is not needed to run it, so it is not decoded).
const attrTypeProto = 13

func makeOptional(a *attrs) (kernel, error) {
	if (len(a.n.in) == 0 || a.n.in[0] < 0) && a.get("type", attrTypeProto) == nil {
		return nil, errors.New("an Optional without input needs the type attribute")
	}
	return optional{}, nil
}

func (optional) run(r *runner, n *node) error {
	x := r.in(n, 0)
	switch {
	case x == nil:
		r.setValue(n, 0, newOptional(nil))
		return nil
	case x.seq != nil && x.seq.opt:
		return errors.New("an optional cannot hold an optional")
	case x.seq != nil:
		r.setValue(n, 0, newOptional(x))
		return nil
	}
	c, err := r.own(x)
	if err == nil {
		r.setValue(n, 0, newOptional(c))
	}
	return err
}

// OptionalHasElement tells whether an optional holds an element (a tensor
// or sequence in its place counts as present, as in opset 18).
type optHas struct{}

func (optHas) run(r *runner, n *node) error {
	x := r.in(n, 0)
	y, err := r.out(n, 0, dtBool, []int{})
	if err == nil {
		y.i[0] = int64(b2f(x.seq == nil || !x.seq.opt || len(x.seq.elems) == 1))
	}
	return err
}

// OptionalGetElement returns an optional's element; an empty optional is
// an error (a tensor or sequence in its place is returned as it is, as in
// opset 18).
type optGet struct{}

func (optGet) run(r *runner, n *node) error {
	x := r.in(n, 0)
	switch {
	case x.seq == nil:
		return r.alias(n, 0, x, x.shape)
	case !x.seq.opt:
		r.setValue(n, 0, x)
		return nil
	case len(x.seq.elems) == 0:
		return errors.New("the optional is empty")
	}
	return r.viewOut(n, 0, x.seq.elems[0])
}
