package onnx

import (
	"errors"
	"fmt"
	"math"
)

// RNN (versions 7 and 14), forward only: H_t = f(X_t·Wᵀ + H_{t-1}·Rᵀ + Wb + Rb)
// per direction, with sequence lengths, an initial state, clip and the
// batch-first layout of version 14.
type rnnOp struct {
	hidden  int
	dirs    int
	reverse bool // direction "reverse" (with one direction)
	acts    []func(float64) float64
	clip    float64
	layout  int
}

func rnnActivation(name string) (func(float64) float64, error) {
	switch name {
	case "Tanh":
		return math.Tanh, nil
	case "Relu":
		return func(v float64) float64 { return math.Max(v, 0) }, nil
	case "Sigmoid":
		return func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }, nil
	}
	return nil, fmt.Errorf("activation %q is not supported (Tanh, Relu, Sigmoid are)", name)
}

func makeRNN(a *attrs) (kernel, error) {
	k := &rnnOp{hidden: a.intIn("hidden_size", 0, 1, 1<<20), dirs: 1, clip: math.Inf(1), layout: a.intIn("layout", 0, 0, 1)}
	switch d := a.str("direction", "forward"); d {
	case "forward":
	case "reverse":
		k.reverse = true
	case "bidirectional":
		k.dirs = 2
	default:
		return nil, fmt.Errorf("direction %q is not supported", d)
	}
	if a.has("clip") {
		k.clip = float64(a.finite("clip", 0))
	}
	if a.has("activation_alpha") || a.has("activation_beta") {
		return nil, errors.New("activation_alpha and activation_beta are not supported")
	}
	names, ok := a.strs("activations")
	if !ok {
		names = []string{"Tanh", "Tanh"}[:k.dirs]
	}
	if len(names) != k.dirs {
		return nil, fmt.Errorf("%d activations for %d directions", len(names), k.dirs)
	}
	for _, nm := range names {
		f, err := rnnActivation(nm)
		if err != nil {
			return nil, err
		}
		k.acts = append(k.acts, f)
	}
	return k, nil
}

func (k *rnnOp) run(r *runner, n *node) error {
	x, w, rr, b, lens, h0 := r.in(n, 0), r.in(n, 1), r.in(n, 2), r.in(n, 3), r.in(n, 4), r.in(n, 5)
	if x.dt != dtFloat || w.dt != dtFloat || rr.dt != dtFloat || x.rank() != 3 {
		return errors.New("X, W and R must be FLOAT, X of rank 3")
	}
	seq, batch, in := x.shape[0], x.shape[1], x.shape[2]
	if k.layout == 1 {
		seq, batch = batch, seq
	}
	hs, nd := k.hidden, k.dirs
	if fmt.Sprint(w.shape) != fmt.Sprint([]int{nd, hs, in}) || fmt.Sprint(rr.shape) != fmt.Sprint([]int{nd, hs, hs}) {
		return fmt.Errorf("W %v or R %v does not match %d directions, hidden size %d, input size %d", w.shape, rr.shape, nd, hs, in)
	}
	if b != nil && (b.dt != dtFloat || b.size() != nd*2*hs) {
		return errors.New("B must be FLOAT [directions, 2·hidden]")
	}
	if h0 != nil && (h0.dt != dtFloat || h0.size() != nd*batch*hs) {
		return errors.New("initial_h must be FLOAT [directions, batch, hidden]")
	}
	if lens != nil && lens.size() != batch {
		return errors.New("sequence_lens must have one length per batch entry")
	}
	if _, err := checkedProd([]int{nd, seq, batch, hs, in + hs}, 64*r.g.lim.MaxTensorElements); err != nil {
		return fmt.Errorf("work: %w", err)
	}
	xAt := func(t, bi, j int) float64 {
		if k.layout == 1 {
			return float64(x.f[(bi*seq+t)*in+j])
		}
		return float64(x.f[(t*batch+bi)*in+j])
	}
	yShape, hShape := []int{seq, nd, batch, hs}, []int{nd, batch, hs}
	if k.layout == 1 {
		yShape, hShape = []int{batch, seq, nd, hs}, []int{batch, nd, hs}
	}
	y, err := r.out(n, 0, dtFloat, yShape)
	if err != nil {
		return err
	}
	yh, err := r.out(n, 1, dtFloat, hShape)
	if err != nil {
		return err
	}
	clear(y.f)
	yIdx := func(t, d, bi, j int) int {
		if k.layout == 1 {
			return ((bi*seq+t)*nd+d)*hs + j
		}
		return ((t*nd+d)*batch+bi)*hs + j
	}
	hIdx := func(d, bi, j int) int {
		if k.layout == 1 {
			return (bi*nd+d)*hs + j
		}
		return (d*batch+bi)*hs + j
	}
	h, next := make([]float64, hs), make([]float64, hs)
	for d := range nd {
		rev := k.reverse || d == 1
		for bi := range batch {
			if r.stopped() {
				return r.ctx.Err()
			}
			ln := seq
			if lens != nil {
				ln = int(num(lens, bi))
				if ln < 0 || ln > seq {
					return fmt.Errorf("sequence length %d out of range", ln)
				}
			}
			for j := range hs {
				h[j] = 0
				if h0 != nil {
					h[j] = float64(h0.f[(d*batch+bi)*hs+j])
				}
			}
			for s := range ln {
				t := s
				if rev {
					t = ln - 1 - s
				}
				for j := range hs {
					v := 0.0
					if b != nil {
						v = float64(b.f[d*2*hs+j]) + float64(b.f[d*2*hs+hs+j])
					}
					for i := range in {
						v += xAt(t, bi, i) * float64(w.f[(d*hs+j)*in+i])
					}
					for i := range hs {
						v += h[i] * float64(rr.f[(d*hs+j)*hs+i])
					}
					v = math.Max(-k.clip, math.Min(k.clip, v))
					next[j] = k.acts[d](v)
				}
				h, next = next, h
				for j := range hs {
					y.f[yIdx(t, d, bi, j)] = float32(h[j])
				}
			}
			for j := range hs {
				yh.f[hIdx(d, bi, j)] = float32(h[j])
			}
		}
	}
	return nil
}
