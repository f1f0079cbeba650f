package onnx

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Control flow: If, Loop and Scan run subgraph attributes. A subgraph is
// compiled once, with the outer values it uses (node.capt) as extra inputs;
// each node keeps a runner per subgraph, which shares the run's buffer
// budget (MaxRunBytes) and its step counter: the loop iterations and scan
// steps of one run, nested ones included, are bounded by
// MaxTensorElements. The values a loop carries from one iteration to the
// next are copied out of the subgraph's buffers, and scan outputs are
// stacked at the end. They have no gradient.

// The control-flow operators are added to opsAI here: their kernels compile
// subgraphs, which looks operators up in opsAI (an initialization cycle if
// they were in its literal).
func init() {
	opsAI["If"] = opDef{since: []int{1, 11, 13, 16, 19, 21, 23, 24, 25}, min: 1, minIn: 1, maxIn: 1, maxOut: math.MaxInt32, types: tsAll, make: makeIf}
	opsAI["Loop"] = opDef{since: []int{1, 11, 13, 16, 19, 21, 23, 24, 25}, min: 1, minIn: 0, maxIn: math.MaxInt32, maxOut: math.MaxInt32, types: tsAll | tsSeq, make: makeLoop}
	opsAI["Scan"] = opDef{since: []int{8, 9, 11, 16, 19, 21, 23, 24, 25}, min: 8, minIn: 0, maxIn: math.MaxInt32, maxOut: math.MaxInt32, types: tsAll, make: makeScan}
}

// runSub runs subgraph k of node n on feeds (its declared inputs; the
// captured values are appended) and returns its outputs, which stay valid
// until the next run of that subgraph.
func (r *runner) runSub(n *node, k int, sg *graph, feeds []*tensor) ([]*tensor, error) {
	if r.subs == nil {
		r.subs = map[*node][]*runner{}
	}
	subs := r.subs[n]
	for len(subs) <= k {
		subs = append(subs, nil)
	}
	if subs[k] == nil {
		s := newRunner(sg, r.threads)
		s.bytes, s.steps, s.temp, s.sub = r.bytes, r.steps, r.temp, true
		subs[k] = s
	}
	r.subs[n] = subs
	if len(feeds) != sg.nFormal {
		return nil, fmt.Errorf("subgraph %q takes %d inputs, got %d", sg.name, sg.nFormal, len(feeds))
	}
	for _, c := range n.capt {
		feeds = append(feeds, r.vals[c])
	}
	if err := subs[k].forward(r.ctx, feeds); err != nil {
		return nil, fmt.Errorf("subgraph %q: %w", sg.name, err)
	}
	out := make([]*tensor, len(sg.outputs))
	for i, o := range sg.outputs {
		if out[i] = subs[k].vals[o]; out[i] == nil {
			return nil, fmt.Errorf("subgraph %q: output %d has no value", sg.name, i)
		}
	}
	return out, nil
}

// step counts one loop iteration or scan step against the run's bound.
func (r *runner) step() error {
	if *r.steps++; *r.steps > int64(r.g.lim.MaxTensorElements) {
		return fmt.Errorf("more than %d loop iterations and scan steps in one run", r.g.lim.MaxTensorElements)
	}
	return r.ctx.Err()
}

// setOut copies t into node output k.
func (r *runner) setOut(n *node, k int, t *tensor) error {
	if !t.isPlain() {
		r.setValue(n, k, t) // never modified: shared
		return nil
	}
	y, err := r.out(n, k, t.dt, t.shape)
	if err != nil {
		return err
	}
	copier(y, t)(0, 0, t.len())
	return nil
}

// keep returns a copy of t owned by the caller (a scan output of one step),
// counted against the run's buffer budget until the run ends.
func (r *runner) keep(t *tensor) (*tensor, error) {
	if err := r.accountTemp(int64(t.len()) * 8); err != nil {
		return nil, err
	}
	return t.clone(), nil
}

// boolScalar reads a one-element BOOL tensor.
func boolScalar(t *tensor, what string) (bool, error) {
	if t.dt != dtBool || t.size() != 1 {
		return false, fmt.Errorf("%s must be one BOOL, have %v", what, t)
	}
	return t.i[0] != 0, nil
}

// ifOp runs then_branch or else_branch.
type ifOp struct{ then, els *graph }

func makeIf(a *attrs) (kernel, error) {
	k := &ifOp{}
	tg, eg := a.graph("then_branch"), a.graph("else_branch")
	if a.err != nil {
		return nil, a.err
	}
	var err error
	if k.then, err = compileSub(tg, a.n.captNames, a.g.opsets, a.lim); err != nil {
		return nil, err
	}
	if k.els, err = compileSub(eg, a.n.captNames, a.g.opsets, a.lim); err != nil {
		return nil, err
	}
	if k.then.nFormal != 0 || k.els.nFormal != 0 {
		return nil, errors.New("If branches take no inputs")
	}
	if len(k.then.outputs) != len(a.n.out) || len(k.els.outputs) != len(a.n.out) {
		return nil, fmt.Errorf("branches have %d and %d outputs, the node %d", len(k.then.outputs), len(k.els.outputs), len(a.n.out))
	}
	return k, nil
}

func (k *ifOp) run(r *runner, n *node) error {
	c, err := boolScalar(r.in(n, 0), "cond")
	if err != nil {
		return err
	}
	g, which := k.els, 1
	if c {
		g, which = k.then, 0
	}
	outs, err := r.runSub(n, which, g, nil)
	if err != nil {
		return err
	}
	for j, t := range outs {
		if err := r.setOut(n, j, t); err != nil {
			return err
		}
	}
	return nil
}

// loopOp runs body while the trip count and the condition allow:
// body(iteration, cond, v...) -> (cond, v..., scan...).
type loopOp struct{ body *graph }

// body compiles the node's "body" subgraph attribute (Loop, SequenceMap).
func (a *attrs) body() (*graph, error) {
	b := a.graph("body")
	if a.err != nil {
		return nil, a.err
	}
	return compileSub(b, a.n.captNames, a.g.opsets, a.lim)
}

func makeLoop(a *attrs) (kernel, error) {
	body, err := a.body()
	if err != nil {
		return nil, err
	}
	carried := len(a.n.in) - 2
	if carried < 0 {
		return nil, errors.New("Loop needs the M and cond inputs (either may be empty)")
	}
	if body.nFormal != 2+carried || len(body.outputs) < 1+carried || len(a.n.out) > len(body.outputs)-1 {
		return nil, fmt.Errorf("body has %d inputs and %d outputs for %d carried values and %d node outputs",
			body.nFormal, len(body.outputs), carried, len(a.n.out))
	}
	return &loopOp{body: body}, nil
}

func (k *loopOp) run(r *runner, n *node) error {
	trips := int64(-1)
	if m := r.in(n, 0); m != nil {
		if m.dt != dtInt64 || m.size() != 1 {
			return fmt.Errorf("trip count must be one INT64, have %v", m)
		}
		trips = m.i[0]
	}
	cond, hasCond := true, r.in(n, 1) != nil
	if hasCond {
		var err error
		if cond, err = boolScalar(r.in(n, 1), "cond"); err != nil {
			return err
		}
	}
	carried := len(n.in) - 2
	vs := make([]*tensor, carried)
	for j := range vs {
		if vs[j] = r.in(n, 2+j); vs[j] == nil {
			return fmt.Errorf("loop-carried input %d is missing", j)
		}
	}
	nscan := len(k.body.outputs) - 1 - carried
	scans := make([][]*tensor, nscan)
	for i := int64(0); (trips < 0 || i < trips) && cond; i++ {
		if err := r.step(); err != nil {
			return err
		}
		it := &tensor{dt: dtInt64, shape: []int{}, i: []int64{i}}
		ct := &tensor{dt: dtBool, shape: []int{}, i: []int64{int64(b2f(cond))}}
		outs, err := r.runSub(n, 0, k.body, append([]*tensor{it, ct}, vs...))
		if err != nil {
			return err
		}
		if hasCond {
			if cond, err = boolScalar(outs[0], "the body's cond"); err != nil {
				return err
			}
		}
		for j := range vs {
			vs[j] = outs[1+j].clone() // one live copy per carried value
		}
		for j := range scans {
			t, err := r.keep(outs[1+carried+j])
			if err != nil {
				return err
			}
			scans[j] = append(scans[j], t)
		}
	}
	for j := range n.out {
		if j < carried {
			if err := r.setOut(n, j, vs[j]); err != nil {
				return err
			}
			continue
		}
		t, err := r.stackParts(scans[j-carried], 0, false, k.body, 1+j)
		if err != nil {
			return err
		}
		if err := r.setOut(n, j, t); err != nil {
			return err
		}
	}
	return nil
}

// stackParts stacks parts (one per step, of one shape) along a new axis
// (in reverse order when rev). With no parts the result is empty, of the
// type subgraph sg declares for its output o.
func (r *runner) stackParts(parts []*tensor, axis int, rev bool, sg *graph, o int) (*tensor, error) {
	if len(parts) == 0 {
		dt := dtFloat
		if typ := sg.values[sg.outputs[o]].typ; typ != nil && typ.kind == typeTensor && dtype(typ.elemType).supported() {
			dt = dtype(typ.elemType)
		}
		return newTensor(dt, []int{0}), nil
	}
	first := parts[0]
	for _, p := range parts {
		if !p.isPlain() {
			return nil, fmt.Errorf("scan output %d is a %s; scan outputs are tensors", o, p.kindName())
		}
		if p.dt != first.dt || !slices.Equal(p.shape, first.shape) {
			return nil, fmt.Errorf("scan output %d changes from %v to %v", o, first, p)
		}
	}
	if axis < 0 {
		axis += first.rank() + 1
	}
	if axis < 0 || axis > first.rank() {
		return nil, fmt.Errorf("scan output axis out of range for rank %d", first.rank())
	}
	shape := slices.Insert(slices.Clone(first.shape), axis, len(parts))
	if len(shape) > r.g.lim.MaxRank {
		return nil, fmt.Errorf("scan output rank %d exceeds the limit of %d", len(shape), r.g.lim.MaxRank)
	}
	size, err := checkedProd(shape, r.g.lim.MaxTensorElements)
	if err != nil {
		return nil, fmt.Errorf("scan output: %w", err)
	}
	if err := r.accountTemp(int64(size) * 8); err != nil {
		return nil, err
	}
	y := newTensor(first.dt, shape)
	outer, blk := prod(first.shape[:axis]), prod(first.shape[axis:])
	for t, p := range parts {
		if rev {
			t = len(parts) - 1 - t
		}
		cp := copier(y, p)
		for o := range outer {
			cp((o*len(parts)+t)*blk, o*blk, blk)
		}
	}
	return y, nil
}

// sliceAxis returns element idx of t along axis, with that axis removed.
func sliceAxis(t *tensor, axis, idx int) *tensor {
	y := newTensor(t.dt, slices.Delete(slices.Clone(t.shape), axis, axis+1))
	outer, inner, l := prod(t.shape[:axis]), prod(t.shape[axis+1:]), t.shape[axis]
	cp := copier(y, t)
	for o := range outer {
		cp(o*inner, (o*l+idx)*inner, inner)
	}
	return y
}

// scanOp runs body once per step along the scan inputs:
// body(state..., slices...) -> (state..., scan outputs...). Version 8 has
// a batch axis in front of every input and output and a sequence_lens
// input (which must then be absent or the full length); from version 9 the
// scan axes and directions are attributes.
type scanOp struct {
	body             *graph
	m                int // scan inputs
	inAxes, inDirs   []int64
	outAxes, outDirs []int64
	batched          bool // version 8
}

func makeScan(a *attrs) (kernel, error) {
	b := a.graph("body")
	k := &scanOp{m: a.intIn("num_scan_inputs", 0, 1, 4096), batched: a.version() < 9}
	if a.err != nil {
		return nil, a.err
	}
	var err error
	if k.body, err = compileSub(b, a.n.captNames, a.g.opsets, a.lim); err != nil {
		return nil, err
	}
	first := 0
	if k.batched {
		first = 1 // sequence_lens
	}
	states := len(a.n.in) - first - k.m
	nout := len(k.body.outputs) - states
	if states < 0 || k.body.nFormal != states+k.m || nout < 0 || len(a.n.out) > len(k.body.outputs) {
		return nil, fmt.Errorf("body has %d inputs and %d outputs for %d scan inputs of %d", k.body.nFormal, len(k.body.outputs), k.m, len(a.n.in)-first)
	}
	list := func(name string, n int) []int64 {
		v, ok := a.ints(name)
		if !ok {
			return make([]int64, n)
		}
		if len(v) != n {
			a.fail("attribute %q has %d values, want %d", name, len(v), n)
		}
		return v
	}
	if k.batched {
		k.inAxes, k.outAxes, k.outDirs = make([]int64, k.m), make([]int64, nout), make([]int64, nout)
		k.inDirs = list("directions", k.m)
	} else {
		k.inAxes, k.inDirs = list("scan_input_axes", k.m), list("scan_input_directions", k.m)
		k.outAxes, k.outDirs = list("scan_output_axes", nout), list("scan_output_directions", nout)
	}
	return k, a.err
}

func (k *scanOp) run(r *runner, n *node) error {
	first := 0
	if k.batched {
		first = 1
	}
	states := len(n.in) - first - k.m
	in := make([]*tensor, len(n.in)-first)
	for j := range in {
		if in[j] = r.in(n, first+j); in[j] == nil {
			return fmt.Errorf("input %d is missing", first+j)
		}
	}
	if !k.batched {
		return k.scan(r, n, in[:states], in[states:], func(outs []*tensor) error {
			for j, t := range outs {
				if err := r.setOut(n, j, t); err != nil {
					return err
				}
			}
			return nil
		})
	}
	// Version 8: one scan per batch row, the results stacked on axis 0.
	batch := -1
	for _, t := range in {
		if t.rank() == 0 || batch >= 0 && t.shape[0] != batch {
			return errors.New("every input needs the same batch dimension")
		}
		batch = t.shape[0]
	}
	rows := make([][]*tensor, len(n.out))
	for b := range batch {
		row := make([]*tensor, len(in))
		for j, t := range in {
			row[j] = sliceAxis(t, 0, b)
		}
		if sl := r.in(n, 0); sl != nil {
			lens, err := sl.ints()
			if err != nil || len(lens) != batch || row[states].rank() == 0 || lens[b] != int64(row[states].shape[0]) {
				return errors.New("sequence_lens shorter than the scan inputs are not supported")
			}
		}
		err := k.scan(r, n, row[:states], row[states:], func(outs []*tensor) error {
			for j := range rows {
				t, err := r.keep(outs[j])
				if err != nil {
					return err
				}
				rows[j] = append(rows[j], t)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for j := range rows {
		t, err := r.stackParts(rows[j], 0, false, k.body, j)
		if err != nil {
			return err
		}
		if err := r.setOut(n, j, t); err != nil {
			return err
		}
	}
	return nil
}

// scan runs the steps over the scan inputs and passes the final states and
// the stacked scan outputs (in node output order) to done.
func (k *scanOp) scan(r *runner, n *node, state, xs []*tensor, done func([]*tensor) error) error {
	steps := -1
	axes := make([]int, len(xs))
	for j, x := range xs {
		ax, err := normAxis(int(k.inAxes[j]), x.rank())
		if err != nil {
			return fmt.Errorf("scan input %d: %w", j, err)
		}
		axes[j] = ax
		if steps >= 0 && x.shape[ax] != steps {
			return errors.New("scan inputs differ in length")
		}
		steps = x.shape[ax]
	}
	state = slices.Clone(state)
	nout := len(k.body.outputs) - len(state)
	scans := make([][]*tensor, nout)
	for t := range steps {
		if err := r.step(); err != nil {
			return err
		}
		feeds := slices.Clone(state)
		for j, x := range xs {
			idx := t
			if k.inDirs[j] != 0 {
				idx = steps - 1 - t
			}
			feeds = append(feeds, sliceAxis(x, axes[j], idx))
		}
		outs, err := r.runSub(n, 0, k.body, feeds)
		if err != nil {
			return err
		}
		for j := range state {
			state[j] = outs[j].clone()
		}
		for j := range scans {
			s, err := r.keep(outs[len(state)+j])
			if err != nil {
				return err
			}
			scans[j] = append(scans[j], s)
		}
	}
	res := slices.Clone(state)
	for j, parts := range scans {
		t, err := r.stackParts(parts, int(k.outAxes[j]), k.outDirs[j] != 0, k.body, len(state)+j)
		if err != nil {
			return err
		}
		res = append(res, t)
	}
	return done(res[:min(len(res), len(n.out))])
}
