package onnx

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
)

// runner holds the buffers of one run of a graph. A runner is used by one
// goroutine at a time and reused across runs, so that a run with the same
// batch size as the previous one allocates nothing.
type runner struct {
	g           *graph
	ctx         context.Context
	threads     int
	vals        []*tensor // the current value of each graph value
	slot        []tensor  // tensor headers the runner owns, one per value
	bufF        [][]float32
	bufD        [][]float64
	bufI        [][]int64
	bufS        [][]string
	bytes       *int64              // buffer bytes allocated, shared with the runners of subgraphs
	steps       *int64              // loop iterations and scan steps of this run, shared likewise
	temp        *int64              // bytes of this run's temporary copies (scan outputs), shared likewise
	subs        map[*node][]*runner // runners of a node's subgraphs
	sub         bool                // a subgraph's runner (steps count for the whole run)
	scratch     map[*node][]float32
	scratchInts map[*node][]int32
	flags       map[*node]bool // per-node state kept from forward to backward
	work        int64          // elements produced and tree nodes visited (Model.Work)

	// gradients (only for values with need[v])
	need []bool
	gbuf [][]float32
	gset []bool
}

func newRunner(g *graph, threads int) *runner {
	n := len(g.values)
	r := &runner{
		g:           g,
		ctx:         context.Background(),
		threads:     max(threads, 1),
		vals:        make([]*tensor, n),
		slot:        make([]tensor, n),
		bufF:        make([][]float32, n),
		bufD:        make([][]float64, n),
		bufI:        make([][]int64, n),
		bufS:        make([][]string, n),
		scratch:     map[*node][]float32{},
		scratchInts: map[*node][]int32{},
		flags:       map[*node]bool{},
		bytes:       new(int64),
		steps:       new(int64),
		temp:        new(int64),
	}
	for i, v := range g.values {
		r.vals[i] = v.konst
	}
	return r
}

// forward runs the graph on feeds (one per g.inputs entry, in order).
func (r *runner) forward(ctx context.Context, feeds []*tensor) error {
	r.ctx = ctx
	defer func() { r.ctx = context.Background() }()
	if !r.sub {
		*r.steps, *r.temp = 0, 0
	}
	if len(feeds) != len(r.g.inputs) {
		return fmt.Errorf("got %d inputs, the graph has %d", len(feeds), len(r.g.inputs))
	}
	for k, vi := range r.g.inputs {
		t := feeds[k]
		if t != nil && (!t.isPlain() || r.g.values[vi].typ.isSeqKind()) {
			if err := r.feedValue(vi, t); err != nil {
				return err
			}
			r.vals[vi] = t
			continue
		}
		if t == nil || !t.dt.supported() {
			return fmt.Errorf("input %q: missing or unsupported tensor", r.g.values[vi].name)
		}
		if len(t.shape) > r.g.lim.MaxRank {
			return fmt.Errorf("input %q: rank %d exceeds the limit of %d", r.g.values[vi].name, len(t.shape), r.g.lim.MaxRank)
		}
		if _, err := checkedProd(t.shape, r.g.lim.MaxTensorElements); err != nil {
			return fmt.Errorf("input %q: %w", r.g.values[vi].name, err)
		}
		if t.size() != t.len() {
			return fmt.Errorf("input %q: data length does not match shape %v", r.g.values[vi].name, t.shape)
		}
		if typ := r.g.values[vi].typ; typ != nil && typ.kind == typeTensor && typ.elemType != 0 && dtype(typ.elemType) != t.dt {
			return fmt.Errorf("input %q: got %v, the graph declares %v", r.g.values[vi].name, t.dt, dtype(typ.elemType))
		}
		r.vals[vi] = t
	}
	for _, n := range r.g.nodes {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.runNode(n); err != nil {
			return fmt.Errorf("%v: %w", n, err)
		}
	}
	return nil
}

// release drops the runner's references to the caller's input and to views
// of it (its own buffers stay for the next run).
func (r *runner) release() {
	for i, v := range r.g.values {
		r.vals[i] = v.konst
		r.slot[i].f, r.slot[i].d, r.slot[i].i, r.slot[i].s = nil, nil, nil, nil
	}
	for _, subs := range r.subs {
		for _, s := range subs {
			if s != nil {
				s.release()
			}
		}
	}
}

func (r *runner) runNode(n *node) (err error) {
	for _, i := range n.deps() {
		if i >= 0 && r.vals[i] == nil {
			return fmt.Errorf("input %q has no value", r.g.values[i].name)
		}
	}
	if err := r.checkTypes(n); err != nil {
		return err
	}
	defer recoverInternal(&err)
	if err := n.k.run(r, n); err != nil {
		return err
	}
	for _, o := range n.out {
		if o < 0 || r.vals[o] == nil {
			continue
		}
		t := r.vals[o]
		r.work += int64(t.len())
		if (t.dt == dtFloat16 || t.dt == dtBfloat16) && len(t.f) > 0 && cap(r.bufF[o]) > 0 && &t.f[0] == &r.bufF[o][:1][0] {
			roundHalfs(t.dt, t.f) // only the runner's own buffer: views are rounded already
		}
	}
	return r.ctx.Err() // heavy kernels stop early when the context is done
}

// stopped reports whether the run's context is done; the loops of heavy
// kernels (per image, per plane) check it so that a cancelled run of a huge
// model returns promptly.
func (r *runner) stopped() bool { return r.ctx.Err() != nil }

// errInternal marks a kernel panic turned into an error: a bug, which the
// fuzz test reports, but never a crash of the caller.
var errInternal = errors.New("internal error")

func recoverInternal(err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("%w: %v", errInternal, p)
	}
}

// in returns node input k, or nil when it is absent.
func (r *runner) in(n *node, k int) *tensor {
	if k >= len(n.in) || n.in[k] < 0 {
		return nil
	}
	return r.vals[n.in[k]]
}

// wantOut reports whether node output k is used (present).
func (r *runner) wantOut(n *node, k int) bool { return k < len(n.out) && n.out[k] >= 0 }

// out returns the runner's buffer for node output k, sized for shape (data
// not cleared). A missing optional output gets a throw-away tensor.
func (r *runner) out(n *node, k int, dt dtype, shape []int) (*tensor, error) {
	if len(shape) > r.g.lim.MaxRank {
		return nil, fmt.Errorf("output rank %d exceeds the limit of %d", len(shape), r.g.lim.MaxRank)
	}
	size, err := checkedProd(shape, r.g.lim.MaxTensorElements)
	if err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	if !dt.supported() {
		return nil, fmt.Errorf("output type %v is not supported", dt)
	}
	if !r.wantOut(n, k) {
		return newTensor(dt, slices.Clone(shape)), nil
	}
	v := n.out[k]
	t := &r.slot[v]
	t.dt = dt
	t.shape = append(t.shape[:0], shape...)
	t.f, t.d, t.i, t.s = nil, nil, nil, nil
	var err2 error
	switch {
	case dt.inF():
		t.f, err2 = growBuf(r, &r.bufF[v], size, 4)
	case dt == dtDouble:
		t.d, err2 = growBuf(r, &r.bufD[v], size, 8)
	case dt == dtString:
		// A string header is 16 bytes; the bytes of strings a kernel makes
		// are accounted by the kernel (accountStrings).
		t.s, err2 = growBuf(r, &r.bufS[v], size, 16)
		clear(t.s) // drop references to the previous run's strings
	default:
		t.i, err2 = growBuf(r, &r.bufI[v], size, 8)
	}
	if err2 != nil {
		return nil, err2
	}
	r.vals[v] = t
	return t, nil
}

// growBuf returns (*buf)[:size], reallocating the buffer (and accounting its
// width-byte elements) when it is too small.
func growBuf[T any](r *runner, buf *[]T, size int, width int64) ([]T, error) {
	if cap(*buf) < size {
		if err := r.account(int64(size-cap(*buf)) * width); err != nil {
			return nil, err
		}
		*buf = make([]T, size)
	}
	return (*buf)[:size], nil
}

// accountTemp counts b bytes of copies that live until the end of the run.
func (r *runner) accountTemp(b int64) error {
	*r.temp += b
	return r.account(0)
}

// accountStrings counts the bytes of strings a kernel made against
// MaxRunBytes, for the rest of the run (the buffers of a reused runner are
// counted once, the strings they hold once per run).
func (r *runner) accountStrings(s []string) error {
	var b int64
	for _, v := range s {
		b += int64(len(v))
	}
	return r.accountTemp(b)
}

// checkTypes refuses, by name, an input of a type beyond FLOAT, the integer
// types and BOOL unless the node's operator declares that it handles it
// (opDef.types): kernels written for those types never see the others.
func (r *runner) checkTypes(n *node) error {
	for _, i := range n.in {
		if i < 0 {
			continue
		}
		if !r.vals[i].isPlain() && n.types&tsSeq == 0 {
			return fmt.Errorf("input %q is a %s, which the operator does not take", r.g.values[i].name, r.vals[i].kindName())
		}
		if dt := r.vals[i].dt; dt.extra() && n.types&typeBit(dt) == 0 {
			return fmt.Errorf("input type %v is not supported", dt)
		}
	}
	return nil
}

func (r *runner) account(b int64) error {
	*r.bytes += b
	if *r.bytes+*r.temp > r.g.lim.MaxRunBytes {
		return fmt.Errorf("run needs more than %d bytes of buffers", r.g.lim.MaxRunBytes)
	}
	return nil
}

// alias makes node output k share src's data with a new shape.
func (r *runner) alias(n *node, k int, src *tensor, shape []int) error {
	if !r.wantOut(n, k) {
		return nil
	}
	if len(shape) > r.g.lim.MaxRank {
		return fmt.Errorf("output rank %d exceeds the limit of %d", len(shape), r.g.lim.MaxRank)
	}
	if prod(shape) != src.size() {
		return fmt.Errorf("cannot view %v as shape %v", src.shape, shape)
	}
	v := n.out[k]
	t := &r.slot[v]
	t.dt = src.dt
	t.shape = append(t.shape[:0], shape...)
	t.f, t.d, t.i, t.s = src.f, src.d, src.i, src.s
	r.vals[v] = t
	return nil
}

// scratchF returns a scratch buffer of size floats owned by node n.
func (r *runner) scratchF(n *node, size int) ([]float32, error) {
	b := r.scratch[n]
	if cap(b) < size {
		if err := r.account(int64(size-cap(b)) * 4); err != nil {
			return nil, err
		}
		b = make([]float32, size)
		r.scratch[n] = b
	}
	return b[:size], nil
}

// scratchI returns a scratch buffer of size int32s owned by node n; it keeps
// its contents from the forward run to the backward one.
func (r *runner) scratchI(n *node, size int) ([]int32, error) {
	b := r.scratchInts[n]
	if cap(b) < size {
		if err := r.account(int64(size-cap(b)) * 4); err != nil {
			return nil, err
		}
		b = make([]int32, size)
		r.scratchInts[n] = b
	}
	return b[:size], nil
}

// parallelGrain is the least work (in multiply-adds) worth a goroutine.
const parallelGrain = 1 << 15

// parallelFor runs fn over [0, n) in chunks on up to r.threads goroutines of
// the shared worker pool. cost estimates the work of one item (in
// multiply-adds); small jobs run on the calling goroutine.
func (r *runner) parallelFor(n, cost int, fn func(lo, hi int)) {
	chunks := min(r.threads, n)
	if total := n * max(cost, 1); total/parallelGrain < chunks {
		chunks = total / parallelGrain
	}
	if chunks <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var panicked any
	step := (n + chunks - 1) / chunks
	for lo := step; lo < n; lo += step {
		hi := min(lo+step, n)
		wg.Add(1)
		task := func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					mu.Lock()
					panicked = p
					mu.Unlock()
				}
			}()
			fn(lo, hi)
		}
		select {
		case workers().tasks <- task:
		default:
			go task()
		}
	}
	func() {
		defer func() {
			if p := recover(); p != nil {
				mu.Lock()
				panicked = p
				mu.Unlock()
			}
		}()
		fn(0, min(step, n))
	}()
	wg.Wait()
	if panicked != nil {
		panic(panicked) // re-raised on the caller's goroutine, where runNode recovers it
	}
}

type workerPool struct{ tasks chan func() }

var (
	poolOnce sync.Once
	pool     *workerPool
)

// workers returns the package's worker pool: GOMAXPROCS goroutines that run
// the chunks of heavy operators, shared by all models and runs.
func workers() *workerPool {
	poolOnce.Do(func() {
		pool = &workerPool{tasks: make(chan func())}
		for range runtime.GOMAXPROCS(0) {
			go func() {
				for t := range pool.tasks {
					t()
				}
			}()
		}
	})
	return pool
}

// Gradient support.

// gradOut returns the gradient flowing into node output k, or nil when none
// flows (it is zero).
func (r *runner) gradOut(n *node, k int) []float32 {
	if k >= len(n.out) || n.out[k] < 0 || !r.gset[n.out[k]] {
		return nil
	}
	return r.gbuf[n.out[k]]
}

// gradIn returns the gradient accumulator of node input k (zeroed on first
// use in a backward pass), or nil when that input needs no gradient.
func (r *runner) gradIn(n *node, k int) []float32 {
	if k >= len(n.in) || n.in[k] < 0 {
		return nil
	}
	v := n.in[k]
	if !r.need[v] {
		return nil
	}
	if !r.gset[v] {
		size := r.vals[v].size()
		if cap(r.gbuf[v]) < size {
			r.gbuf[v] = make([]float32, size)
		}
		r.gbuf[v] = r.gbuf[v][:size]
		clear(r.gbuf[v])
		r.gset[v] = true
	}
	return r.gbuf[v]
}

// backward propagates seed, the gradient of output value out, back to the
// values marked in need, after a forward run.
func (r *runner) backward(ctx context.Context, need []bool, out int, seed []float32) error {
	if len(r.gbuf) != len(r.vals) {
		r.gbuf = make([][]float32, len(r.vals))
		r.gset = make([]bool, len(r.vals))
	}
	clear(r.gset)
	r.need = need
	r.ctx = ctx
	defer func() { r.ctx = context.Background() }()
	if len(seed) != r.vals[out].size() {
		return fmt.Errorf("seed has %d elements, output has %d", len(seed), r.vals[out].size())
	}
	r.gbuf[out] = append(r.gbuf[out][:0], seed...)
	r.gset[out] = true
	for i := len(r.g.nodes) - 1; i >= 0; i-- {
		n := r.g.nodes[i]
		flows, needs := false, false
		for _, o := range n.out {
			if o >= 0 && r.gset[o] {
				flows = true
			}
		}
		for _, v := range n.in {
			if v >= 0 && need[v] {
				needs = true
			}
		}
		if !flows || !needs {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		b, ok := n.k.(backwarder)
		if !ok {
			return fmt.Errorf("%v has no gradient", n)
		}
		if err := backwardNode(b, r, n); err != nil {
			return fmt.Errorf("%v: gradient: %w", n, err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

func backwardNode(b backwarder, r *runner, n *node) (err error) {
	defer recoverInternal(&err)
	return b.backward(r, n)
}
