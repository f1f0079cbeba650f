package onnx

import (
	"errors"
	"fmt"
	"math"
)

// GRU (versions 7 and 14), forward only: gates z, r, h in the ONNX order,
// linear_before_reset, clip, sequence lengths, an initial state and the
// batch-first layout of version 14.
type gruOp struct {
	rnn               rnnOp
	acts              [][2]func(float64) float64
	linearBeforeReset bool
}

func makeGRU(a *attrs) (kernel, error) {
	k := &gruOp{linearBeforeReset: a.int("linear_before_reset", 0) != 0}
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
		names = []string{"Sigmoid", "Tanh", "Sigmoid", "Tanh"}[:2*k.rnn.dirs]
	}
	if len(names) != 2*k.rnn.dirs {
		return nil, fmt.Errorf("%d activations for %d directions", len(names), k.rnn.dirs)
	}
	for d := range k.rnn.dirs {
		var fs [2]func(float64) float64
		for j := range 2 {
			f, err := rnnActivation(names[2*d+j])
			if err != nil {
				return nil, err
			}
			fs[j] = f
		}
		k.acts = append(k.acts, fs)
	}
	return k, nil
}

func (k *gruOp) run(r *runner, n *node) error {
	x, w, rr, b, lens, h0 := r.in(n, 0), r.in(n, 1), r.in(n, 2), r.in(n, 3), r.in(n, 4), r.in(n, 5)
	if x.dt != dtFloat || w.dt != dtFloat || rr.dt != dtFloat || x.rank() != 3 {
		return errors.New("X, W and R must be FLOAT, X of rank 3")
	}
	seq, batch, in := x.shape[0], x.shape[1], x.shape[2]
	lay := k.rnn.layout
	if lay == 1 {
		seq, batch = batch, seq
	}
	hs, nd := k.rnn.hidden, k.rnn.dirs
	if fmt.Sprint(w.shape) != fmt.Sprint([]int{nd, 3 * hs, in}) || fmt.Sprint(rr.shape) != fmt.Sprint([]int{nd, 3 * hs, hs}) {
		return fmt.Errorf("W %v or R %v does not match %d directions, hidden size %d, input size %d", w.shape, rr.shape, nd, hs, in)
	}
	if b != nil && (b.dt != dtFloat || b.size() != nd*6*hs) {
		return errors.New("B must be FLOAT [directions, 6·hidden]")
	}
	if h0 != nil && (h0.dt != dtFloat || h0.size() != nd*batch*hs) {
		return errors.New("initial_h must be FLOAT [directions, batch, hidden]")
	}
	if lens != nil && lens.size() != batch {
		return errors.New("sequence_lens must have one length per batch entry")
	}
	if _, err := checkedProd([]int{nd, seq, batch, 3 * hs, in + hs}, 64*r.g.lim.MaxTensorElements); err != nil {
		return fmt.Errorf("work: %w", err)
	}
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
	clear(y.f)
	bias := func(d, q int) float64 { // q in [0, 6·hs): Wb then Rb
		if b == nil {
			return 0
		}
		return float64(b.f[d*6*hs+q])
	}
	clip := func(v float64) float64 { return math.Max(-k.rnn.clip, math.Min(k.rnn.clip, v)) }
	h, next, rv := make([]float64, hs), make([]float64, hs), make([]float64, hs)
	xw, hr := make([]float64, 3*hs), make([]float64, 3*hs)
	for d := range nd {
		rev := k.rnn.reverse || d == 1
		f, g := k.acts[d][0], k.acts[d][1]
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
				for q := range 3 * hs {
					v := bias(d, q)
					for i := range in {
						v += xAt(t, bi, i) * float64(w.f[(d*3*hs+q)*in+i])
					}
					xw[q] = v
					u := bias(d, 3*hs+q)
					for i := range hs {
						u += h[i] * float64(rr.f[(d*3*hs+q)*hs+i])
					}
					hr[q] = u
				}
				for j := range hs {
					rv[j] = f(clip(xw[hs+j] + hr[hs+j]))
				}
				for j := range hs {
					z := f(clip(xw[j] + hr[j]))
					rg := rv[j]
					var pre float64
					if k.linearBeforeReset {
						pre = xw[2*hs+j] + rg*hr[2*hs+j]
					} else {
						u := bias(d, 5*hs+j)
						for i := range hs {
							// (r ⊙ H)·Rhᵀ: the reset gate of hidden unit i.
							u += rv[i] * h[i] * float64(rr.f[(d*3*hs+2*hs+j)*hs+i])
						}
						pre = xw[2*hs+j] + u
					}
					ht := g(clip(pre))
					next[j] = (1-z)*ht + z*h[j]
				}
				copy(h, next)
				for j := range hs {
					idx := ((t*nd+d)*batch+bi)*hs + j
					if lay == 1 {
						idx = ((bi*seq+t)*nd+d)*hs + j
					}
					y.f[idx] = float32(h[j])
				}
			}
			for j := range hs {
				idx := (d*batch+bi)*hs + j
				if lay == 1 {
					idx = (bi*nd+d)*hs + j
				}
				yh.f[idx] = float32(h[j])
			}
		}
	}
	return nil
}
