package onnx

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestDFTClosedForms checks DFT against closed forms: a cosine of
// frequency 3 over 12 samples has n/2 at bins 3 and 9 and zero elsewhere
// (in DOUBLE, to 1e-12); a unit impulse zero-padded to 5 points is flat;
// the inverse of the forward transform of a complex signal of 7 points (not
// a power of two) along an inner axis gives it back; a onesided transform
// is the first n/2+1 bins of the full one.
func TestDFTClosedForms(t *testing.T) {
	const n = 12
	cos := make([]float64, n)
	for j := range cos {
		cos[j] = math.Cos(2 * math.Pi * 3 * float64(j) / n)
	}
	dft := func(in string, attrs ...ab) nb {
		return nb{op: "DFT", in: []string{in}, out: []string{"y"}, attrs: attrs}
	}
	out, err := runGraph(t, mbuild{nodes: []nb{dft("x")}, inputs: []vi{{name: "x", dt: dtDouble, dims: []int{1, n, 1}}}, outputs: []vi{{name: "y"}}},
		DefaultLimits(), &tensor{dt: dtDouble, shape: []int{1, n, 1}, d: cos})
	if err != nil {
		t.Fatal(err)
	}
	for k := range n {
		want := 0.0
		if k == 3 || k == n-3 {
			want = n / 2
		}
		if re, im := out[0].d[2*k], out[0].d[2*k+1]; math.Abs(re-want) > 1e-12 || math.Abs(im) > 1e-12 {
			t.Errorf("cosine bin %d: %g%+gi, want %g", k, re, im, want)
		}
	}

	padded := mbuild{nodes: []nb{{op: "DFT", in: []string{"x", "len"}, out: []string{"y"}}}, inits: []tb{{name: "len", shape: []int{}, i: []int64{5}}},
		inputs: []vi{{name: "x", dt: dtFloat, dims: []int{1, 1, 1}}}, outputs: []vi{{name: "y"}}}
	out, err = runGraph(t, padded, DefaultLimits(), &tensor{dt: dtFloat, shape: []int{1, 1, 1}, f: []float32{1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out[0].f) != 10 {
		t.Fatalf("impulse: shape %v, want [1 5 2]", out[0].shape)
	}
	for k := range 5 {
		if out[0].f[2*k] != 1 || out[0].f[2*k+1] != 0 {
			t.Errorf("impulse bin %d: %v, want 1+0i", k, out[0].f[2*k:2*k+2])
		}
	}

	rng := rand.New(rand.NewPCG(1, 2))
	x := randT(rng, "x", -1, 1, 2, 3, 7, 2)
	round := mbuild{nodes: []nb{
		{op: "DFT", in: []string{"x"}, out: []string{"f"}, attrs: []ab{aInt("axis", 2)}},
		{op: "DFT", in: []string{"f"}, out: []string{"y"}, attrs: []ab{aInt("axis", -2), aInt("inverse", 1)}},
	}, inputs: []vi{{name: "x", dt: dtFloat, dims: []int{2, 3, 7, 2}}}, outputs: []vi{{name: "y"}}}
	out, err = runGraph(t, round, DefaultLimits(), &tensor{dt: dtFloat, shape: x.shape, f: x.f})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range x.f {
		if math.Abs(float64(out[0].f[i]-v)) > 1e-5 {
			t.Fatalf("round trip element %d: %g, want %g", i, out[0].f[i], v)
		}
	}

	rx := randT(rng, "x", -1, 1, 1, 9, 1)
	both := mbuild{nodes: []nb{
		{op: "DFT", in: []string{"x"}, out: []string{"full"}},
		{op: "DFT", in: []string{"x"}, out: []string{"half"}, attrs: []ab{aInt("onesided", 1)}},
	}, inputs: []vi{{name: "x", dt: dtFloat, dims: []int{1, 9, 1}}}, outputs: []vi{{name: "full"}, {name: "half"}}}
	out, err = runGraph(t, both, DefaultLimits(), &tensor{dt: dtFloat, shape: rx.shape, f: rx.f})
	if err != nil {
		t.Fatal(err)
	}
	if got := out[1].shape; len(got) != 3 || got[1] != 5 {
		t.Fatalf("onesided shape %v, want [1 5 2]", got)
	}
	for i, v := range out[1].f {
		if v != out[0].f[i] {
			t.Fatalf("onesided element %d: %g, full %g", i, v, out[0].f[i])
		}
	}
}

// TestSignalErrors checks the refusals of DFT and STFT.
func TestSignalErrors(t *testing.T) {
	tiny := DefaultLimits()
	tiny.MaxTensorElements = 100
	sig := func(dims ...int) vi { return vi{name: "x", dt: dtFloat, dims: dims} }
	step := tb{name: "step", shape: []int{}, i: []int64{4}}
	tests := []struct {
		name string
		node nb
		in   vi
		lim  Limits
		want string
	}{
		{"work bound", nb{op: "DFT", in: []string{"x"}, out: []string{"y"}}, sig(1, 100, 1), tiny, "multiply-adds"},
		{"complex onesided", nb{op: "DFT", in: []string{"x"}, out: []string{"y"}, attrs: []ab{aInt("onesided", 1)}}, sig(1, 8, 2), DefaultLimits(), "takes a real input"},
		{"inverse onesided", nb{op: "DFT", in: []string{"x"}, out: []string{"y"}, attrs: []ab{aInt("onesided", 1), aInt("inverse", 1)}}, sig(1, 8, 1), DefaultLimits(), "inverse onesided"},
		{"last axis", nb{op: "DFT", in: []string{"x"}, out: []string{"y"}, attrs: []ab{aInt("axis", -1)}}, sig(1, 8, 1), DefaultLimits(), "must be a signal axis"},
		{"not complex", nb{op: "DFT", in: []string{"x"}, out: []string{"y"}}, sig(1, 8, 3), DefaultLimits(), "1 (real) or 2 (complex)"},
		{"frame too long", nb{op: "STFT", in: []string{"x", "step", "", "len"}, out: []string{"y"}}, sig(1, 8, 1), DefaultLimits(), "do not fit a signal of 8"},
		{"no frame length", nb{op: "STFT", in: []string{"x", "step"}, out: []string{"y"}}, sig(1, 8, 1), DefaultLimits(), "needs a window or a frame_length"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := mbuild{nodes: []nb{tc.node}, inits: []tb{step, {name: "len", shape: []int{}, i: []int64{16}}}, inputs: []vi{tc.in}, outputs: []vi{{name: "y"}}}
			x := newTensor(dtFloat, tc.in.dims)
			_, err := runGraph(t, m, tc.lim, x)
			if err == nil || !strings.Contains(err.Error(), tc.want) || errors.Is(err, errInternal) {
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestRoiAlignMelErrors checks the refusals of RoiAlign and
// MelWeightMatrix: a batch index out of range, a box that is not finite,
// more samples than the bound, and a mel filter past the last bin (an odd
// DFT length at the Nyquist frequency, which ONNX Runtime refuses too).
func TestRoiAlignMelErrors(t *testing.T) {
	tiny := DefaultLimits()
	tiny.MaxTensorElements = 1000
	box := func(v ...float32) tb { return tb{name: "rois", shape: []int{1, 4}, f: v} }
	roi := func(b int64, rois tb, attrs ...ab) mbuild {
		return mbuild{nodes: []nb{{op: "RoiAlign", in: []string{"x", "rois", "idx"}, out: []string{"y"}, attrs: attrs}},
			inits: []tb{rois, {name: "idx", shape: []int{1}, i: []int64{b}}}, inputs: []vi{{name: "x", dt: dtFloat, dims: []int{1, 1, 4, 4}}}, outputs: []vi{{name: "y"}}}
	}
	mel := mbuild{nodes: []nb{{op: "MelWeightMatrix", in: []string{"bins", "len", "rate", "lo", "hi"}, out: []string{"y"}}},
		inits: []tb{{name: "bins", shape: []int{}, i: []int64{12}}, {name: "len", shape: []int{}, i: []int64{63}}, {name: "rate", shape: []int{}, i: []int64{360}},
			{name: "lo", shape: []int{}, f: []float32{0.5}}, {name: "hi", shape: []int{}, f: []float32{180}}},
		inputs: []vi{{name: "x", dt: dtFloat, dims: []int{1, 1, 4, 4}}}, outputs: []vi{{name: "y"}}}
	tests := []struct {
		name string
		m    mbuild
		lim  Limits
		want string
	}{
		{"batch index", roi(1, box(0, 0, 2, 2)), DefaultLimits(), "batch index 1 out of range"},
		{"NaN box", roi(0, box(0, float32(math.NaN()), 2, 2)), DefaultLimits(), "rois must be finite"},
		{"adaptive samples", roi(0, box(0, 0, 1e6, 1e6)), tiny, "more than 64000 samples"},
		{"mel past the last bin", mel, DefaultLimits(), "edge 180 Hz falls beyond the 32 bins of a 63-point DFT at 360 Hz"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runGraph(t, tc.m, tc.lim, newTensor(dtFloat, []int{1, 1, 4, 4}))
			if err == nil || !strings.Contains(err.Error(), tc.want) || errors.Is(err, errInternal) {
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
