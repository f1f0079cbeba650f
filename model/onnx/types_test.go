package onnx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/model"
)

// numpyRef holds the values tools/onnx_numpy_types.py recorded from numpy.
type numpyRef struct {
	F16    [][2]float64     `json:"f16"`   // value, FLOAT16 bits
	Str32  [][2]any         `json:"str32"` // float32 bits, str()
	Str64  [][2]any         `json:"str64"` // value, str()
	Str16  [][2]any         `json:"str16"` // FLOAT16 bits, str()
	Double map[string][]any `json:"double"`
}

func loadNumpyRef(t *testing.T) *numpyRef {
	t.Helper()
	b, err := os.ReadFile("testdata/types/numpy.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref numpyRef
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return &ref
}

func floatsOfJSON(t *testing.T, v []any) []float64 {
	t.Helper()
	out := make([]float64, len(v))
	for i, x := range v {
		f, ok := x.(float64)
		if !ok {
			t.Fatalf("value %v is not a number", x)
		}
		out[i] = f
	}
	return out
}

// TestFloat16Numpy checks float64 -> FLOAT16 rounding against numpy's
// direct conversion.
func TestFloat16Numpy(t *testing.T) {
	ref := loadNumpyRef(t)
	for _, c := range ref.F16 {
		if got := toSmallFloat(c[0], f16Mant, f16Exp); got != uint16(c[1]) {
			t.Errorf("FLOAT16(%g) = %#04x, numpy %#04x", c[0], got, uint16(c[1]))
		}
	}
}

// TestHalfExhaustive checks every bit pattern of FLOAT16 and BFLOAT16:
// decoding and re-encoding is the identity (NaN stays NaN), and the exact
// midpoint of two neighbouring finite values rounds to the one with an even
// mantissa (the definition of round-to-nearest-even), a hair above it to
// the upper one.
func TestHalfExhaustive(t *testing.T) {
	for _, dt := range []dtype{dtFloat16, dtBfloat16} {
		mant, exp := halfLayout(dt)
		for h := range 1 << 16 {
			v := halfToF32(dt, uint16(h))
			back := toSmallFloat(float64(v), mant, exp)
			if math.IsNaN(float64(v)) {
				if !math.IsNaN(float64(halfToF32(dt, back))) {
					t.Fatalf("%v %#04x: NaN re-encodes as %#04x", dt, h, back)
				}
				continue
			}
			if back != uint16(h) {
				t.Fatalf("%v %#04x = %g re-encodes as %#04x", dt, h, v, back)
			}
			next := halfToF32(dt, uint16(h+1))
			if h&0x7fff >= int(uint16(1<<exp-1)<<mant)-1 || math.Signbit(float64(v)) != math.Signbit(float64(next)) {
				continue // the largest finite value, or across the sign
			}
			mid := (float64(v) + float64(next)) / 2 // exact in float64
			want := uint16(h)
			if h&1 == 1 {
				want = uint16(h + 1)
			}
			if got := toSmallFloat(mid, mant, exp); got != want {
				t.Fatalf("%v: midpoint %g of %#04x and %#04x rounds to %#04x, want %#04x", dt, mid, h, h+1, got, want)
			}
			if got := toSmallFloat(math.Nextafter(mid, math.Copysign(math.Inf(1), mid)), mant, exp); got != uint16(h+1) {
				t.Fatalf("%v: just beyond the midpoint of %#04x rounds to %#04x", dt, h, got)
			}
		}
	}
	// Overflow: the midpoint between the largest finite value and the next
	// power of two rounds to infinity (its mantissa would be even).
	if got := toSmallFloat(65520, f16Mant, f16Exp); got != 0x7c00 {
		t.Errorf("FLOAT16(65520) = %#04x, want +Inf", got)
	}
	if got := toSmallFloat(math.MaxFloat32, bf16Mant, bf16Exp); got != 0x7f80 {
		t.Errorf("BFLOAT16(MaxFloat32) = %#04x, want +Inf", got)
	}
}

// TestFormatNumpy checks Cast-to-STRING formatting against numpy's str().
func TestFormatNumpy(t *testing.T) {
	ref := loadNumpyRef(t)
	for _, c := range ref.Str32 {
		x := &tensor{dt: dtFloat, shape: []int{1}, f: []float32{math.Float32frombits(uint32(c[0].(float64)))}}
		if got := formatElem(x, 0); got != c[1] {
			t.Errorf("float32 %g: %q, numpy %q", x.f[0], got, c[1])
		}
	}
	for _, c := range ref.Str64 {
		x := &tensor{dt: dtDouble, shape: []int{1}, d: []float64{c[0].(float64)}}
		if got := formatElem(x, 0); got != c[1] {
			t.Errorf("float64 %g: %q, numpy %q", x.d[0], got, c[1])
		}
	}
	for _, c := range ref.Str16 {
		x := &tensor{dt: dtFloat16, shape: []int{1}, f: []float32{halfToF32(dtFloat16, uint16(c[0].(float64)))}}
		if got := formatElem(x, 0); got != c[1] {
			t.Errorf("float16 %g: %q, numpy %q", x.f[0], got, c[1])
		}
	}
}

// runGraph compiles m and runs it on feeds, returning its outputs.
func runGraph(t *testing.T, m mbuild, lim Limits, feeds ...*tensor) ([]*tensor, error) {
	t.Helper()
	g, err := compile(m.encode(), lim)
	if err != nil {
		return nil, err
	}
	r := newRunner(g, 1)
	if err := r.forward(context.Background(), feeds); err != nil {
		return nil, err
	}
	var out []*tensor
	for _, o := range g.outputs {
		out = append(out, r.vals[o])
	}
	return out, nil
}

// TestDoubleKernels runs DOUBLE graphs and checks them against numpy's
// float64 results to 1e-12: float32 arithmetic would be off by about 1e-7.
func TestDoubleKernels(t *testing.T) {
	ref := loadNumpyRef(t).Double
	a, b, c := floatsOfJSON(t, ref["a"]), floatsOfJSON(t, ref["b"]), floatsOfJSON(t, ref["c"])
	inits := []tb{{name: "a", shape: []int{3, 4}, d: a}, {name: "b", shape: []int{4, 5}, d: b}, {name: "c", shape: []int{3, 4}, d: c},
		{name: "k30", shape: []int{}, d: []float64{30}}, {name: "ax1", shape: []int{}, i: []int64{1}}}
	cases := []struct {
		name  string
		nodes []nb
	}{
		{"add", []nb{{op: "Add", in: []string{"x", "c"}, out: []string{"y"}}}},
		{"div", []nb{{op: "Div", in: []string{"x", "c"}, out: []string{"y"}}}},
		{"exp", []nb{{op: "Div", in: []string{"x", "k30"}, out: []string{"t"}}, {op: "Exp", in: []string{"t"}, out: []string{"y"}}}},
		{"matmul", []nb{{op: "MatMul", in: []string{"x", "b"}, out: []string{"y"}}}},
		{"logsumexp1", []nb{{op: "ReduceLogSumExp", in: []string{"x"}, out: []string{"y"}, attrs: []ab{aInts("axes", 1), aInt("keepdims", 0)}}}},
		{"cumsum1", []nb{{op: "CumSum", in: []string{"x", "ax1"}, out: []string{"y"}}}},
		{"max", []nb{{op: "Max", in: []string{"x", "c"}, out: []string{"y"}}}},
		{"softmax1", []nb{{op: "Softmax", in: []string{"x"}, out: []string{"y"}, attrs: []ab{aInt("axis", 1)}}}},
		// The same product through Gemm, and data movement on the way.
		{"matmul", []nb{
			{op: "Transpose", in: []string{"x"}, out: []string{"xt"}},
			{op: "Gemm", in: []string{"xt", "b"}, out: []string{"y"}, attrs: []ab{aInt("transA", 1)}}}},
	}
	for _, tc := range cases {
		m := mbuild{nodes: tc.nodes, inits: inits, inputs: []vi{{name: "x", dt: dtDouble, dims: []int{3, 4}}}, outputs: []vi{{name: "y", dt: dtDouble}}}
		out, err := runGraph(t, m, DefaultLimits(), &tensor{dt: dtDouble, shape: []int{3, 4}, d: a})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want := floatsOfJSON(t, ref[tc.name])
		if out[0].dt != dtDouble || len(out[0].d) != len(want) {
			t.Fatalf("%s: got %v, want %d DOUBLE values", tc.name, out[0], len(want))
		}
		for i, w := range want {
			if g := out[0].d[i]; math.Abs(g-w) > 1e-12*math.Max(1, math.Abs(w)) {
				t.Errorf("%s: element %d: %.17g, numpy %.17g", tc.name, i, g, w)
			}
		}
	}
}

// TestHalfKernels checks that FLOAT16 results are rounded to FLOAT16 after
// each operator: 1 + 2^-11 is a tie that rounds back to 1 in FLOAT16, so
// (1 + 2^-11) - 1 is 0, while float32 arithmetic would keep 2^-11.
func TestHalfKernels(t *testing.T) {
	m := mbuild{
		nodes: []nb{
			{op: "Cast", in: []string{"x"}, out: []string{"h"}, attrs: []ab{aInt("to", int64(dtFloat16))}},
			{op: "Cast", in: []string{"e"}, out: []string{"he"}, attrs: []ab{aInt("to", int64(dtFloat16))}},
			{op: "Cast", in: []string{"one"}, out: []string{"h1"}, attrs: []ab{aInt("to", int64(dtFloat16))}},
			{op: "Add", in: []string{"h", "he"}, out: []string{"s"}},
			{op: "Sub", in: []string{"s", "h1"}, out: []string{"d"}},
			{op: "Cast", in: []string{"d"}, out: []string{"y"}, attrs: []ab{aInt("to", int64(dtFloat))}},
		},
		inits:   []tb{{name: "e", shape: []int{1}, f: []float32{1.0 / 2048}}, {name: "one", shape: []int{1}, f: []float32{1}}},
		inputs:  []vi{{name: "x", dt: dtFloat, dims: []int{1}}},
		outputs: []vi{{name: "y", dt: dtFloat}},
	}
	out, err := runGraph(t, m, DefaultLimits(), &tensor{dt: dtFloat, shape: []int{1}, f: []float32{1}})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].f[0] != 0 {
		t.Errorf("(1 + 2^-11) - 1 in FLOAT16 = %g, want 0", out[0].f[0])
	}
}

// TestStringTensors moves strings through the data-movement operators and
// parses them back.
func TestStringTensors(t *testing.T) {
	m := mbuild{
		nodes: []nb{
			{op: "Reshape", in: []string{"s", "shape"}, out: []string{"r"}},
			{op: "Transpose", in: []string{"r"}, out: []string{"tr"}},
			{op: "Gather", in: []string{"tr", "idx"}, out: []string{"g"}},
			{op: "Concat", in: []string{"g", "g"}, out: []string{"c"}, attrs: []ab{aInt("axis", 0)}},
			{op: "Identity", in: []string{"c"}, out: []string{"ys"}},
			{op: "Cast", in: []string{"c"}, out: []string{"yf"}, attrs: []ab{aInt("to", int64(dtDouble))}},
		},
		inits: []tb{
			{name: "shape", shape: []int{2}, i: []int64{2, 3}},
			{name: "idx", shape: []int{2}, i: []int64{2, 0}},
		},
		inputs:  []vi{{name: "s", dt: dtString, dims: []int{6}}},
		outputs: []vi{{name: "ys", dt: dtString}, {name: "yf", dt: dtDouble}},
	}
	in := &tensor{dt: dtString, shape: []int{6}, s: []string{"1", " 2.5 ", "-inf", "1e-3", "NaN", "0.1"}}
	out, err := runGraph(t, m, DefaultLimits(), in)
	if err != nil {
		t.Fatal(err)
	}
	// [[1, 2.5, -inf], [1e-3, NaN, 0.1]] transposed, rows 2 and 0, twice.
	want := []string{"-inf", "0.1", "1", "1e-3", "-inf", "0.1", "1", "1e-3"}
	if !slices.Equal(out[0].s, want) || fmt.Sprint(out[0].shape) != "[4 2]" {
		t.Errorf("strings %v %q, want [4 2] %q", out[0].shape, out[0].s, want)
	}
	wantF := []float64{math.Inf(-1), 0.1, 1, 1e-3, math.Inf(-1), 0.1, 1, 1e-3}
	if !slices.Equal(out[1].d, wantF) {
		t.Errorf("parsed %v, want %v", out[1].d, wantF)
	}
	in.s[0] = "one"
	if _, err := runGraph(t, m, DefaultLimits(), in); err == nil || !strings.Contains(err.Error(), `cannot cast "one" to DOUBLE`) {
		t.Errorf("parsing %q: error %v", in.s[0], err)
	}
}

// TestStringLimits checks that string headers and the bytes kernels make
// count against MaxRunBytes, and that operators without STRING support
// refuse it by name.
func TestStringLimits(t *testing.T) {
	lim := DefaultLimits()
	lim.MaxRunBytes = 1 << 16
	tile := mbuild{
		nodes:   []nb{{op: "Tile", in: []string{"s", "reps"}, out: []string{"y"}}},
		inits:   []tb{{name: "reps", shape: []int{1}, i: []int64{1 << 13}}},
		inputs:  []vi{{name: "s", dt: dtString, dims: []int{1}}},
		outputs: []vi{{name: "y", dt: dtString}},
	}
	in := &tensor{dt: dtString, shape: []int{1}, s: []string{"word"}}
	if _, err := runGraph(t, tile, lim, in); err == nil || !strings.Contains(err.Error(), "bytes of buffers") {
		t.Errorf("8,192 string headers under a 64 KiB budget: error %v", err)
	}
	cast := mbuild{
		nodes:   []nb{{op: "Cast", in: []string{"x"}, out: []string{"y"}, attrs: []ab{aInt("to", int64(dtString))}}},
		inputs:  []vi{{name: "x", dt: dtFloat, dims: []int{3000}}},
		outputs: []vi{{name: "y", dt: dtString}},
	}
	x := &tensor{dt: dtFloat, shape: []int{3000}, f: make([]float32, 3000)}
	for i := range x.f {
		x.f[i] = 1.2345678e-30
	}
	if _, err := runGraph(t, cast, lim, x); err == nil || !strings.Contains(err.Error(), "bytes of buffers") {
		// 48,000 bytes of headers fit, the 39,000 bytes of text do not.
		t.Errorf("3,000 formatted numbers of 13 bytes under a 64 KiB budget: error %v", err)
	}
	// A runner reused for many runs counts each run's strings once.
	x.shape, x.f = []int{1000}, x.f[:1000]
	cast.inputs[0].dims = []int{1000}
	g, err := compile(cast.encode(), lim)
	if err != nil {
		t.Fatal(err)
	}
	r := newRunner(g, 1)
	for run := range 10 {
		if err := r.forward(context.Background(), []*tensor{x}); err != nil {
			t.Fatalf("run %d of 29 KB of strings under 64 KiB: %v", run, err)
		}
	}
	neg := mbuild{
		nodes:   []nb{{op: "Neg", in: []string{"s"}, out: []string{"y"}}},
		inputs:  []vi{{name: "s", dt: dtString, dims: []int{1}}},
		outputs: []vi{{name: "y", dt: dtString}},
	}
	if _, err := runGraph(t, neg, DefaultLimits(), in); err == nil || !strings.Contains(err.Error(), "input type STRING is not supported") {
		t.Errorf("Neg of STRING: error %v", err)
	}
}

// TestModelDoubleBoundary runs a DOUBLE model through the float32 target
// API: inputs are widened, outputs rounded, and gradients are refused.
func TestModelDoubleBoundary(t *testing.T) {
	m := mbuild{
		nodes:   []nb{{op: "Mul", in: []string{"x", "k"}, out: []string{"y"}}},
		inits:   []tb{{name: "k", shape: []int{}, d: []float64{1.0 / 3}}},
		inputs:  []vi{{name: "x", dt: dtDouble, dims: []int{-1, 2}}},
		outputs: []vi{{name: "y", dt: dtDouble, dims: []int{-1, 2}}},
	}
	mod, err := Parse(m.encode())
	if err != nil {
		t.Fatal(err)
	}
	x := &model.Tensor{Shape: []int{2, 2}, Data: []float32{3, 1, 0.1, -6}}
	y, err := mod.Predict(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range x.Data {
		if want := float32(float64(v) / 3); y.Data[i] != want {
			t.Errorf("element %d: %g, want %g", i, y.Data[i], want)
		}
	}
	if _, err := mod.Gradient(context.Background(), x, y); !errors.Is(err, model.ErrNotDifferentiable) {
		t.Errorf("gradient of a DOUBLE model: error %v, want ErrNotDifferentiable", err)
	}
}
