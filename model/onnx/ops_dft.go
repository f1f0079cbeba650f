package onnx

import (
	"errors"
	"fmt"
	"math"
)

// Signal processing of opset 17: DFT, STFT and MelWeightMatrix. Complex
// values are a trailing dimension of 2 (real, imaginary); a real input has
// a trailing 1. The transforms are direct sums in float64 over a table of
// twiddle factors indexed exactly ((j·k) mod n), so a length need not be a
// power of two; their work (transforms × length × bins) is bounded by 64 ×
// MaxTensorElements.

func init() {
	opsAI["DFT"] = opDef{since: []int{17, 20}, min: 17, minIn: 1, maxIn: 3, maxOut: 1, types: tsFloats, make: makeDFT}
	opsAI["STFT"] = opDef{since: []int{17}, min: 17, minIn: 2, maxIn: 4, maxOut: 1, types: tsFloats, make: makeSTFT}
	opsAI["MelWeightMatrix"] = opDef{since: []int{17}, min: 17, minIn: 5, maxIn: 5, maxOut: 1, types: tsFloats, make: makeMelWeightMatrix}
}

// twiddles returns exp(∓2πik/n) for k in [0, n) (+ for the inverse).
func twiddles(n int, inverse bool) []complex128 {
	w := make([]complex128, n)
	sign := -1.0
	if inverse {
		sign = 1
	}
	for k := range w {
		s, c := math.Sincos(2 * math.Pi * float64(k) / float64(n))
		w[k] = complex(c, sign*s)
	}
	return w
}

// dftInto sets out[k] to the sum over j of x[j]·w[(j·k) mod n], where
// w = twiddles(n, ·) and x holds the first len(x) ≤ n samples (the rest
// are zero).
func dftInto(out, x, w []complex128) {
	n := len(w)
	for k := range out {
		var s complex128
		for j, v := range x {
			s += v * w[j*k%n] // j, k < n ≤ MaxTensorElements < 2^31: no overflow
		}
		out[k] = s
	}
}

// complexAt reads the sample at offset p of x: real (c = 1) or complex
// (c = 2, the imaginary part at p+1).
func complexAt(x *tensor, p, c int) complex128 {
	if c == 2 {
		return complex(num(x, p), num(x, p+1))
	}
	return complex(num(x, p), 0)
}

// signalScalar reads a positive one-element integer input.
func signalScalar(t *tensor, what string, limit int) (int, error) {
	if t == nil || !t.dt.isInt() || t.size() != 1 {
		return 0, fmt.Errorf("%s must be one integer, have %v", what, t)
	}
	if v := t.i[0]; v <= 0 || v > int64(limit) {
		return 0, fmt.Errorf("%s %d out of range [1, %d]", what, v, limit)
	}
	return int(t.i[0]), nil
}

// checkWork refuses transforms whose work exceeds 64 × MaxTensorElements.
func (r *runner) checkWork(transforms, length, bins int) error {
	lim := int64(r.g.lim.MaxTensorElements) * 64
	w := int64(transforms) * int64(length)
	if w > lim || w*int64(bins) > lim {
		return fmt.Errorf("transform needs more than %d multiply-adds", lim)
	}
	return nil
}

// DFT transforms along one axis: forward or inverse (scaled by 1/n),
// optionally of dft_length points (zero-padded or truncated), and for real
// input optionally onesided (the n/2+1 non-redundant bins).
type dftOp struct {
	axis              int
	axisInput         bool // DFT-20: the axis is input 2 (default -2), not an attribute
	inverse, onesided bool
}

func makeDFT(a *attrs) (kernel, error) {
	k := dftOp{inverse: a.intIn("inverse", 0, 0, 1) == 1, onesided: a.intIn("onesided", 0, 0, 1) == 1}
	if a.n.version >= 20 {
		k.axis, k.axisInput = -2, true
	} else {
		k.axis = a.intIn("axis", 1, -64, 64)
	}
	if k.inverse && k.onesided {
		return nil, errors.New("an inverse onesided DFT is not supported")
	}
	return k, nil
}

func (k dftOp) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if x.rank() < 2 || x.shape[x.rank()-1] != 1 && x.shape[x.rank()-1] != 2 {
		return fmt.Errorf("input must end in a dimension of 1 (real) or 2 (complex), have %v", x)
	}
	c := x.shape[x.rank()-1]
	ax := k.axis
	if t := r.in(n, 2); k.axisInput && t != nil {
		if !t.dt.isInt() || t.size() != 1 {
			return fmt.Errorf("axis must be one integer, have %v", t)
		}
		ax = int(max(min(t.i[0], 64), -64))
	}
	axis, err := normAxis(ax, x.rank())
	if err != nil || axis == x.rank()-1 {
		return fmt.Errorf("axis %d must be a signal axis of %v", ax, x)
	}
	length := x.shape[axis]
	size := length
	if t := r.in(n, 1); t != nil {
		if size, err = signalScalar(t, "dft_length", r.g.lim.MaxTensorElements); err != nil {
			return err
		}
	}
	if k.onesided && c == 2 {
		return errors.New("a onesided DFT takes a real input")
	}
	bins := size
	if k.onesided {
		bins = size/2 + 1
	}
	shape := append([]int(nil), x.shape...)
	shape[axis], shape[len(shape)-1] = bins, 2
	outer, inner := prod(x.shape[:axis]), prod(x.shape[axis+1:len(x.shape)-1])
	if err := r.checkWork(outer*inner, min(length, size), bins); err != nil {
		return err
	}
	y, err := r.out(n, 0, x.dt, shape)
	if err != nil {
		return err
	}
	if size == 0 || y.size() == 0 {
		return nil
	}
	w := twiddles(size, k.inverse)
	scale := 1.0
	if k.inverse {
		scale = 1 / float64(size)
	}
	sig, res := make([]complex128, min(length, size)), make([]complex128, bins)
	vals, err := r.floatTemp(y.size())
	if err != nil {
		return err
	}
	for o := range outer {
		for i := range inner {
			for j := range sig {
				sig[j] = complexAt(x, ((o*length+j)*inner+i)*c, c)
			}
			dftInto(res, sig, w)
			for b, v := range res {
				q := ((o*bins+b)*inner + i) * 2
				vals[q], vals[q+1] = real(v)*scale, imag(v)*scale
			}
		}
		if r.stopped() {
			return r.ctx.Err()
		}
	}
	storeFloats(y, len(vals), func(o int) float64 { return vals[o] })
	return nil
}

// STFT: the DFT of frames of frame_length samples every frame_step
// samples, each multiplied by the window when one is given; onesided
// (default) keeps the frame_length/2+1 non-redundant bins of a real
// signal. Signal [batch, length, 1 or 2] → [batch, frames, bins, 2].
type stftOp struct{ onesided bool }

func makeSTFT(a *attrs) (kernel, error) {
	return stftOp{onesided: a.intIn("onesided", 1, 0, 1) == 1}, nil
}

func (k stftOp) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if x.rank() != 3 || x.shape[2] != 1 && x.shape[2] != 2 {
		return fmt.Errorf("signal must be [batch, length, 1 or 2], have %v", x)
	}
	batch, length, c := x.shape[0], x.shape[1], x.shape[2]
	step, err := signalScalar(r.in(n, 1), "frame_step", r.g.lim.MaxTensorElements)
	if err != nil {
		return err
	}
	win := r.in(n, 2)
	if win != nil && (win.rank() != 1 || !win.dt.isFloat()) {
		return fmt.Errorf("window must be a 1-D float tensor, have %v", win)
	}
	frame := 0
	if t := r.in(n, 3); t != nil {
		if frame, err = signalScalar(t, "frame_length", r.g.lim.MaxTensorElements); err != nil {
			return err
		}
	}
	switch {
	case win != nil && frame != 0 && win.shape[0] != frame:
		return fmt.Errorf("window of %d samples for frames of %d", win.shape[0], frame)
	case win != nil:
		frame = win.shape[0]
	case frame == 0:
		return errors.New("STFT needs a window or a frame_length")
	}
	if frame == 0 || frame > length {
		return fmt.Errorf("frames of %d samples do not fit a signal of %d", frame, length)
	}
	if k.onesided && c == 2 {
		return errors.New("a onesided STFT takes a real signal")
	}
	frames, bins := 1+(length-frame)/step, frame
	if k.onesided {
		bins = frame/2 + 1
	}
	if err := r.checkWork(batch*frames, frame, bins); err != nil {
		return err
	}
	y, err := r.out(n, 0, x.dt, []int{batch, frames, bins, 2})
	if err != nil {
		return err
	}
	w := twiddles(frame, false)
	sig, res := make([]complex128, frame), make([]complex128, bins)
	vals, err := r.floatTemp(y.size())
	if err != nil {
		return err
	}
	for b := range batch {
		for f := range frames {
			for j := range sig {
				sig[j] = complexAt(x, (b*length+f*step+j)*c, c)
				if win != nil {
					sig[j] *= complex(num(win, j), 0)
				}
			}
			dftInto(res, sig, w)
			for k, v := range res {
				q := ((b*frames+f)*bins + k) * 2
				vals[q], vals[q+1] = real(v), imag(v)
			}
		}
		if r.stopped() {
			return r.ctx.Err()
		}
	}
	storeFloats(y, len(vals), func(o int) float64 { return vals[o] })
	return nil
}

// MelWeightMatrix: [dft_length/2+1, num_mel_bins] triangular filters
// between lower_edge_hertz and upper_edge_hertz, equally spaced on the mel
// scale (2595·log10(1 + f/700)), as the ONNX definition computes them.
type melOp struct{ dt dtype }

func makeMelWeightMatrix(a *attrs) (kernel, error) {
	dt := dtype(a.int("output_datatype", int64(dtFloat)))
	if !dt.isFloat() {
		return nil, fmt.Errorf("output_datatype %v is not supported (float types only)", dt)
	}
	return melOp{dt: dt}, nil
}

func (k melOp) run(r *runner, n *node) error {
	lim := r.g.lim.MaxTensorElements
	mels, err := signalScalar(r.in(n, 0), "num_mel_bins", lim)
	if err != nil {
		return err
	}
	size, err := signalScalar(r.in(n, 1), "dft_length", lim)
	if err != nil {
		return err
	}
	rate, err := signalScalar(r.in(n, 2), "sample_rate", math.MaxInt32)
	if err != nil {
		return err
	}
	lo, err := r.in(n, 3).scalarFloat()
	if err != nil {
		return fmt.Errorf("lower_edge_hertz: %w", err)
	}
	hi, err := r.in(n, 4).scalarFloat()
	if err != nil {
		return fmt.Errorf("upper_edge_hertz: %w", err)
	}
	if !(lo >= 0 && lo < hi) {
		return fmt.Errorf("edges %g and %g Hz must satisfy 0 ≤ lower < upper", lo, hi)
	}
	specBins := size/2 + 1
	// ONNX Runtime's check, in its float32: both edges must fall in a bin
	// (an odd dft_length at the Nyquist frequency falls one past the last).
	f32 := func(v float64) float64 { return float64(float32(v)) }
	for _, e := range []float64{lo, hi} {
		if b := math.Floor(f32(f32(f32(float64(size+1))*e) / f32(float64(rate)))); b >= float64(specBins) {
			return fmt.Errorf("edge %g Hz falls beyond the %d bins of a %d-point DFT at %d Hz", e, specBins, size, rate)
		}
	}
	y, err := r.out(n, 0, k.dt, []int{specBins, mels})
	if err != nil {
		return err
	}
	// The edges are computed as ONNX Runtime computes them: the mel values
	// in float32, the powers and frequencies in float64 (so that an edge on
	// a bin boundary falls on the same side).
	mel := func(hz float64) float64 { return f32(2595 * f32(math.Log10(f32(1+f32(hz/700))))) }
	lowMel := mel(lo)
	step := f32((mel(hi) - lowMel) / float64(mels+2))
	edge := make([]int, mels+2)
	for i := range edge {
		m := f32(lowMel + f32(step*float64(i)))
		hz := 700 * (math.Pow(10, f32(m/2595)) - 1)
		edge[i] = int(math.Floor(float64(size+1) * hz / float64(rate)))
		if edge[i] < 0 || edge[i] >= specBins {
			return fmt.Errorf("filter edge %d falls outside the %d bins", edge[i], specBins)
		}
	}
	vals, err := r.floatTemp(y.size())
	if err != nil {
		return err
	}
	for i := range mels {
		l, c, h := edge[i], edge[i+1], edge[i+2]
		if c == l {
			vals[c*mels+i] = 1
		} else {
			for j := l; j <= c; j++ {
				vals[j*mels+i] = float64(j-l) / float64(c-l)
			}
		}
		for j := c; j < h; j++ {
			vals[j*mels+i] = float64(h-j) / float64(h-c)
		}
	}
	storeFloats(y, len(vals), func(o int) float64 { return vals[o] })
	return nil
}

// floatTemp returns n float64s of scratch for this run, counted against
// MaxRunBytes.
func (r *runner) floatTemp(n int) ([]float64, error) {
	if err := r.accountTemp(int64(n) * 8); err != nil {
		return nil, err
	}
	return make([]float64, n), nil
}
