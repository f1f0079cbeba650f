package onnx

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/model"
)

func fT(name string, shape []int, v ...float32) tb { return tb{name: name, shape: shape, f: v} }

// TestIfCaptures runs If whose branches use outer values (the model input
// and an outer initializer), through the target API.
func TestIfCaptures(t *testing.T) {
	m := mbuild{
		nodes: []nb{
			{op: "ReduceSum", in: []string{"x"}, out: []string{"s"}, attrs: []ab{aInt("keepdims", 0)}},
			{op: "Greater", in: []string{"s", "zero"}, out: []string{"c"}},
			{op: "If", in: []string{"c"}, out: []string{"y"}, attrs: []ab{
				aGraph("then_branch", mbuild{nodes: []nb{{op: "Mul", in: []string{"x", "w"}, out: []string{"t"}}}, outputs: []vi{{name: "t"}}}),
				aGraph("else_branch", mbuild{nodes: []nb{{op: "Neg", in: []string{"x"}, out: []string{"e"}}}, outputs: []vi{{name: "e"}}}),
			}},
		},
		inits:   []tb{fT("zero", []int{}, 0), fT("w", []int{3}, 1, 2, 3)},
		inputs:  []vi{{name: "x", dt: dtFloat, dims: []int{-1, 3}}},
		outputs: []vi{{name: "y", dt: dtFloat}},
	}
	mod, err := Parse(m.encode())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ x, want []float32 }{{[]float32{1, 1, 1}, []float32{1, 2, 3}}, {[]float32{-1, 0, 0.5}, []float32{1, 0, -0.5}}} {
		y, err := mod.Predict(context.Background(), &model.Tensor{Shape: []int{1, 3}, Data: c.x})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(y.Data, c.want) {
			t.Errorf("x %v: %v, want %v", c.x, y.Data, c.want)
		}
	}
	if mod.Info().Differentiable {
		t.Error("a model with If reports a gradient")
	}
	if _, err := mod.Gradient(context.Background(), &model.Tensor{Shape: []int{1, 3}, Data: []float32{1, 1, 1}}, &model.Tensor{Shape: []int{1, 3}, Data: []float32{1, 1, 1}}); !errors.Is(err, model.ErrNotDifferentiable) {
		t.Errorf("gradient through If: %v", err)
	}
}

// loopBody is a Loop body: (iter, cond_in, s_in) -> (cond_out, s_out,
// scan), with an If inside that uses w from two levels up: s + w on even
// iterations, s - 1 on odd ones.
func loopBody() mbuild {
	return mbuild{
		nodes: []nb{
			{op: "Identity", in: []string{"cond_in"}, out: []string{"cond_out"}},
			{op: "Mod", in: []string{"iter", "two"}, out: []string{"r"}},
			{op: "Equal", in: []string{"r", "izero"}, out: []string{"even"}},
			{op: "If", in: []string{"even"}, out: []string{"s_out"}, attrs: []ab{
				aGraph("then_branch", mbuild{nodes: []nb{{op: "Add", in: []string{"s_in", "w"}, out: []string{"a"}}}, outputs: []vi{{name: "a"}}}),
				aGraph("else_branch", mbuild{nodes: []nb{{op: "Sub", in: []string{"s_in", "one"}, out: []string{"b"}}}, outputs: []vi{{name: "b"}}}),
			}},
			{op: "Identity", in: []string{"s_out"}, out: []string{"scan"}},
		},
		inits:   []tb{intT("two", 2), intT("izero", 0)},
		inputs:  []vi{{name: "iter", dt: dtInt64, dims: []int{}}, {name: "cond_in", dt: dtBool, dims: []int{}}, {name: "s_in", dt: dtFloat}},
		outputs: []vi{{name: "cond_out"}, {name: "s_out"}, {name: "scan", dt: dtFloat}},
	}
}

// TestLoopNested checks Loop with a trip count, a carried value, a scan
// output and a nested If against the values computed by hand.
func TestLoopNested(t *testing.T) {
	for _, c := range []struct {
		trips     int64
		final     []float32
		scan      []float32
		scanShape []int
	}{
		// s: [0 0] -> +w [1 2] -> -1 [0 1] -> +w [1 3] -> -1 [0 2]
		{4, []float32{0, 2}, []float32{1, 2, 0, 1, 1, 3, 0, 2}, []int{4, 2}},
		{0, []float32{0, 0}, nil, []int{0}},
	} {
		m := mbuild{
			nodes:   []nb{{op: "Loop", in: []string{"M", "", "s0"}, out: []string{"s", "scans"}, attrs: []ab{aGraph("body", loopBody())}}},
			inits:   []tb{intT("M", c.trips), fT("s0", []int{2}, 0, 0), fT("w", []int{2}, 1, 2), fT("one", []int{1}, 1)},
			inputs:  []vi{{name: "x", dt: dtFloat, dims: []int{1}}},
			outputs: []vi{{name: "s", dt: dtFloat}, {name: "scans", dt: dtFloat}},
		}
		out, err := runGraph(t, m, DefaultLimits(), &tensor{dt: dtFloat, shape: []int{1}, f: []float32{0}})
		if err != nil {
			t.Fatalf("M=%d: %v", c.trips, err)
		}
		if !slices.Equal(out[0].f, c.final) || !slices.Equal(out[1].f, c.scan) && len(c.scan) > 0 || !slices.Equal(out[1].shape, c.scanShape) {
			t.Errorf("M=%d: final %v, scans %v %v; want %v, %v %v", c.trips, out[0].f, out[1].shape, out[1].f, c.final, c.scanShape, c.scan)
		}
	}
}

// TestLoopCondition runs a Loop without a trip count that stops when its
// condition turns false, and one that never stops, which the step bound
// ends.
func TestLoopCondition(t *testing.T) {
	body := func(cond string) mbuild {
		return mbuild{
			nodes: []nb{
				{op: "Add", in: []string{"c_in", "one"}, out: []string{"c_out"}},
				{op: "Less", in: []string{"iter", "two"}, out: []string{"less"}},
				{op: "Identity", in: []string{cond}, out: []string{"cond_out"}},
			},
			inits:   []tb{intT("two", 2), intT("one", 1)},
			inputs:  []vi{{name: "iter", dt: dtInt64, dims: []int{}}, {name: "cond_in", dt: dtBool, dims: []int{}}, {name: "c_in", dt: dtInt64}},
			outputs: []vi{{name: "cond_out"}, {name: "c_out"}},
		}
	}
	loop := func(cond string) mbuild {
		return mbuild{
			nodes:   []nb{{op: "Loop", in: []string{"", "yes", "c0"}, out: []string{"c"}, attrs: []ab{aGraph("body", body(cond))}}},
			inits:   []tb{{name: "yes", dt: dtBool, shape: []int{}, i: []int64{1}}, intT("c0", 0)},
			inputs:  []vi{{name: "x", dt: dtFloat, dims: []int{1}}},
			outputs: []vi{{name: "c", dt: dtInt64}},
		}
	}
	x := &tensor{dt: dtFloat, shape: []int{1}, f: []float32{0}}
	out, err := runGraph(t, loop("less"), DefaultLimits(), x)
	if err != nil {
		t.Fatal(err)
	}
	// Iterations 0, 1 and 2 run (the condition 2 < 2 fails in the third),
	// so the counter is 3.
	if !slices.Equal(out[0].i, []int64{3}) {
		t.Errorf("counter %v, want [3]", out[0].i)
	}
	lim := DefaultLimits()
	lim.MaxTensorElements = 1000
	_, err = runGraph(t, loop("cond_in"), lim, x)
	if err == nil || !strings.Contains(err.Error(), "more than 1000 loop iterations") {
		t.Errorf("endless loop: %v", err)
	}
}

// TestScanAxesDirections checks Scan 9 with a state, two scan inputs on
// different axes and directions, and a reversed scan output on axis 1,
// against the sums computed here.
func TestScanAxesDirections(t *testing.T) {
	x := []float32{1, 2, 3, 4, 5, 6}       // [3, 2], scanned on axis 0 forward
	y := []float32{10, 20, 30, 40, 50, 60} // [2, 3], scanned on axis 1 in reverse
	m := mbuild{
		nodes: []nb{{op: "Scan", in: []string{"s0", "x", "y"}, out: []string{"s", "outs"}, attrs: []ab{
			aInt("num_scan_inputs", 2), aInts("scan_input_axes", 0, 1), aInts("scan_input_directions", 0, 1),
			aInts("scan_output_axes", 1), aInts("scan_output_directions", 1),
			aGraph("body", mbuild{
				nodes: []nb{
					{op: "Add", in: []string{"s_in", "xt"}, out: []string{"a"}},
					{op: "Add", in: []string{"a", "yt"}, out: []string{"s_out"}},
					{op: "Identity", in: []string{"s_out"}, out: []string{"o"}},
				},
				inputs:  []vi{{name: "s_in", dt: dtFloat}, {name: "xt", dt: dtFloat}, {name: "yt", dt: dtFloat}},
				outputs: []vi{{name: "s_out"}, {name: "o"}},
			}),
		}}},
		inits:   []tb{fT("s0", []int{2}, 0, 0), fT("x", []int{3, 2}, x...), fT("y", []int{2, 3}, y...)},
		inputs:  []vi{{name: "z", dt: dtFloat, dims: []int{1}}},
		outputs: []vi{{name: "s", dt: dtFloat}, {name: "outs", dt: dtFloat}},
	}
	out, err := runGraph(t, m, DefaultLimits(), &tensor{dt: dtFloat, shape: []int{1}, f: []float32{0}})
	if err != nil {
		t.Fatal(err)
	}
	s := []float32{0, 0}
	steps := make([][]float32, 3)
	for k := range 3 {
		for j := range 2 {
			s[j] += x[k*2+j] + y[j*3+(2-k)] // row k of x, column 2-k of y
		}
		steps[k] = slices.Clone(s)
	}
	// Output [2, 3]: element (j, t) is state j after step 2-t (reversed).
	var want []float32
	for j := range 2 {
		for tt := range 3 {
			want = append(want, steps[2-tt][j])
		}
	}
	if !slices.Equal(out[0].f, s) || !slices.Equal(out[1].shape, []int{2, 3}) || !slices.Equal(out[1].f, want) {
		t.Errorf("final %v, outputs %v %v; want %v, [2 3] %v", out[0].f, out[1].shape, out[1].f, s, want)
	}
}

// TestSubgraphDepth refuses subgraphs nested deeper than maxGraphDepth.
func TestSubgraphDepth(t *testing.T) {
	inner := mbuild{nodes: []nb{{op: "Identity", in: []string{"x"}, out: []string{"y0"}}}, outputs: []vi{{name: "y0"}}}
	for d := 1; d <= maxGraphDepth+1; d++ {
		out := fmt.Sprintf("y%d", d)
		inner = mbuild{nodes: []nb{{op: "If", in: []string{"c"}, out: []string{out}, attrs: []ab{
			aGraph("then_branch", inner), aGraph("else_branch", inner)}}}, outputs: []vi{{name: out}}}
	}
	m := inner
	m.inputs = []vi{{name: "x", dt: dtFloat, dims: []int{1}}, {name: "c", dt: dtBool, dims: []int{}}}
	if _, err := compile(m.encode(), DefaultLimits()); err == nil || !strings.Contains(err.Error(), "nested more than 16 deep") {
		t.Errorf("17 nested If: %v", err)
	}
}
