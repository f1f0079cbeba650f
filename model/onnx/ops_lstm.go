package onnx

import (
	"errors"
	"fmt"
	"math"
)

// LSTM (versions 7 and 14), forward only: gates i, o, f, c in the ONNX
// order, peepholes, input_forget, clip, sequence lengths, initial states and
// the batch-first layout of version 14.
type lstmOp struct {
	rnn         rnnOp // hidden size, directions, clip, layout
	acts        [][3]func(float64) float64
	inputForget bool
}

func makeLSTM(a *attrs) (kernel, error) {
	k := &lstmOp{inputForget: a.int("input_forget", 0) != 0}
	k.rnn = rnnOp{hidden: a.intIn("hidden_size", 0, 1, 1<<20), dirs: 1, clip: math.Inf(1), layout: a.intIn("layout", 0, 0, 1)}
	switch d := a.str("direction", "forward"); d {
	case "forward":
	case "reverse":
		k.rnn.reverse = true
	case "bidirectional":
		k.rnn.dirs = 2
	default:
		return nil, fmt.Errorf("direction %q is not supported", d)
	}
	if a.has("clip") {
		k.rnn.clip = float64(a.finite("clip", 0))
	}
	if a.has("activation_alpha") || a.has("activation_beta") {
		return nil, errors.New("activation_alpha and activation_beta are not supported")
	}
	names, ok := a.strs("activations")
	if !ok {
		names = []string{"Sigmoid", "Tanh", "Tanh", "Sigmoid", "Tanh", "Tanh"}[:3*k.rnn.dirs]
	}
	if len(names) != 3*k.rnn.dirs {
		return nil, fmt.Errorf("%d activations for %d directions", len(names), k.rnn.dirs)
	}
	for d := range k.rnn.dirs {
		var fs [3]func(float64) float64
		for j := range 3 {
			f, err := rnnActivation(names[3*d+j])
			if err != nil {
				return nil, err
			}
			fs[j] = f
		}
		k.acts = append(k.acts, fs)
	}
	return k, nil
}

func (k *lstmOp) run(r *runner, n *node) error {
	x, w, rr, b, lens, h0, c0, p := r.in(n, 0), r.in(n, 1), r.in(n, 2), r.in(n, 3), r.in(n, 4), r.in(n, 5), r.in(n, 6), r.in(n, 7)
	if x.dt != dtFloat || w.dt != dtFloat || rr.dt != dtFloat || x.rank() != 3 {
		return errors.New("X, W and R must be FLOAT, X of rank 3")
	}
	seq, batch, in := x.shape[0], x.shape[1], x.shape[2]
	if k.rnn.layout == 1 {
		seq, batch = batch, seq
	}
	hs, nd := k.rnn.hidden, k.rnn.dirs
	if fmt.Sprint(w.shape) != fmt.Sprint([]int{nd, 4 * hs, in}) || fmt.Sprint(rr.shape) != fmt.Sprint([]int{nd, 4 * hs, hs}) {
		return fmt.Errorf("W %v or R %v does not match %d directions, hidden size %d, input size %d", w.shape, rr.shape, nd, hs, in)
	}
	for _, c := range []struct {
		t    *tensor
		size int
		name string
	}{{b, nd * 8 * hs, "B"}, {h0, nd * batch * hs, "initial_h"}, {c0, nd * batch * hs, "initial_c"}, {p, nd * 3 * hs, "P"}} {
		if c.t != nil && (c.t.dt != dtFloat || c.t.size() != c.size) {
			return fmt.Errorf("%s must be FLOAT with %d elements", c.name, c.size)
		}
	}
	if lens != nil && lens.size() != batch {
		return errors.New("sequence_lens must have one length per batch entry")
	}
	if _, err := checkedProd([]int{nd, seq, batch, 4 * hs, in + hs}, 64*r.g.lim.MaxTensorElements); err != nil {
		return fmt.Errorf("work: %w", err)
	}
	lay := k.rnn.layout
	xAt := func(t, bi, j int) float64 {
		if lay == 1 {
			return float64(x.f[(bi*seq+t)*in+j])
		}
		return float64(x.f[(t*batch+bi)*in+j])
	}
	yShape, hShape := []int{seq, nd, batch, hs}, []int{nd, batch, hs}
	if lay == 1 {
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
	yc, err := r.out(n, 2, dtFloat, hShape)
	if err != nil {
		return err
	}
	clear(y.f)
	yIdx := func(t, d, bi, j int) int {
		if lay == 1 {
			return ((bi*seq+t)*nd+d)*hs + j
		}
		return ((t*nd+d)*batch+bi)*hs + j
	}
	hIdx := func(d, bi, j int) int {
		if lay == 1 {
			return (bi*nd+d)*hs + j
		}
		return (d*batch+bi)*hs + j
	}
	h, c := make([]float64, hs), make([]float64, hs)
	gate := make([]float64, 4*hs)
	for d := range nd {
		rev := k.rnn.reverse || d == 1
		f, g, hf := k.acts[d][0], k.acts[d][1], k.acts[d][2]
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
				h[j], c[j] = 0, 0
				if h0 != nil {
					h[j] = float64(h0.f[(d*batch+bi)*hs+j])
				}
				if c0 != nil {
					c[j] = float64(c0.f[(d*batch+bi)*hs+j])
				}
			}
			for s := range ln {
				t := s
				if rev {
					t = ln - 1 - s
				}
				for q := range 4 * hs {
					v := 0.0
					if b != nil {
						v = float64(b.f[d*8*hs+q]) + float64(b.f[d*8*hs+4*hs+q])
					}
					for i := range in {
						v += xAt(t, bi, i) * float64(w.f[(d*4*hs+q)*in+i])
					}
					for i := range hs {
						v += h[i] * float64(rr.f[(d*4*hs+q)*hs+i])
					}
					gate[q] = v
				}
				peep := func(kind, j int) float64 { // kind 0 i, 1 o, 2 f
					if p == nil {
						return 0
					}
					return float64(p.f[d*3*hs+kind*hs+j])
				}
				clip := func(v float64) float64 { return math.Max(-k.rnn.clip, math.Min(k.rnn.clip, v)) }
				for j := range hs {
					it := f(clip(gate[j] + peep(0, j)*c[j]))
					ft := f(clip(gate[2*hs+j] + peep(2, j)*c[j]))
					if k.inputForget {
						ft = 1 - it
					}
					ct := g(clip(gate[3*hs+j]))
					c[j] = ft*c[j] + it*ct
					ot := f(clip(gate[hs+j] + peep(1, j)*c[j]))
					h[j] = ot * hf(c[j])
				}
				for j := range hs {
					y.f[yIdx(t, d, bi, j)] = float32(h[j])
				}
			}
			for j := range hs {
				yh.f[hIdx(d, bi, j)] = float32(h[j])
				yc.f[hIdx(d, bi, j)] = float32(c[j])
			}
		}
	}
	return nil
}
