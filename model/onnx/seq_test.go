package onnx

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/model"
)

// TestSequenceOps checks the sequence operators on small graphs whose
// results follow from the definitions (a split and its concatenation give
// the input back; positions count from the end when negative), beyond what
// the backend tests cover.
func TestSequenceOps(t *testing.T) {
	x5 := fT("x", []int{5}, 1, 2, 3, 4, 5)
	x23 := fT("x", []int{2, 3}, 1, 2, 3, 4, 5, 6)
	m := mbuild{
		nodes: []nb{
			{op: "SplitToSequence", in: []string{"x5", "two"}, out: []string{"s"}},
			{op: "SequenceLength", in: []string{"s"}, out: []string{"len"}},
			{op: "ConcatFromSequence", in: []string{"s"}, out: []string{"cat"}, attrs: []ab{aInt("axis", 0)}},
			{op: "SequenceAt", in: []string{"s", "minus1"}, out: []string{"last"}},
			// [2, 3] split into its 3 columns without the axis, stacked back.
			{op: "SplitToSequence", in: []string{"x23"}, out: []string{"cols"}, attrs: []ab{aInt("axis", 1), aInt("keepdims", 0)}},
			{op: "ConcatFromSequence", in: []string{"cols"}, out: []string{"stack"}, attrs: []ab{aInt("axis", -1), aInt("new_axis", 1)}},
			// Erase the first column (position -3 of 3), insert it at the end.
			{op: "SequenceAt", in: []string{"cols", "zero"}, out: []string{"c0"}},
			{op: "SequenceErase", in: []string{"cols", "minus3"}, out: []string{"rest"}},
			{op: "SequenceInsert", in: []string{"rest", "c0"}, out: []string{"rot"}},
			{op: "ConcatFromSequence", in: []string{"rot"}, out: []string{"rotcat"}, attrs: []ab{aInt("axis", 0)}},
			{op: "Optional", in: []string{"c0"}, out: []string{"opt"}},
			{op: "OptionalHasElement", in: []string{"opt"}, out: []string{"has"}},
			{op: "OptionalGetElement", in: []string{"opt"}, out: []string{"got"}},
		},
		inits: []tb{intT("two", 2), {name: "minus1", shape: []int{}, i: []int64{-1}}, {name: "minus3", shape: []int{}, i: []int64{-3}},
			{name: "zero", shape: []int{}, i: []int64{0}}},
		inputs:  []vi{{name: "x5", dt: dtFloat, dims: []int{5}}, {name: "x23", dt: dtFloat, dims: []int{2, 3}}},
		outputs: []vi{{name: "len"}, {name: "cat"}, {name: "last"}, {name: "stack"}, {name: "rotcat"}, {name: "has"}, {name: "got"}},
	}
	m.inits[0].shape = []int{} // a scalar split: pieces of 2, the last one shorter
	out, err := runGraph(t, m, DefaultLimits(), &tensor{dt: dtFloat, shape: []int{5}, f: x5.f}, &tensor{dt: dtFloat, shape: []int{2, 3}, f: x23.f})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name  string
		got   *tensor
		shape []int
		f     []float32
		i     []int64
	}{
		{"length", out[0], []int{}, nil, []int64{3}},
		{"concat", out[1], []int{5}, x5.f, nil},
		{"last piece", out[2], []int{1}, []float32{5}, nil},
		{"stacked columns", out[3], []int{2, 3}, x23.f, nil},
		{"rotated columns", out[4], []int{6}, []float32{2, 5, 3, 6, 1, 4}, nil},
		{"has element", out[5], []int{}, nil, []int64{1}},
		{"element", out[6], []int{2}, []float32{1, 4}, nil},
	}
	for _, c := range checks {
		if !slices.Equal(c.got.shape, c.shape) || !slices.Equal(c.got.f, c.f) || !slices.Equal(c.got.i, c.i) {
			t.Errorf("%s: %v %v %v, want %v %v %v", c.name, c.got.shape, c.got.f, c.got.i, c.shape, c.f, c.i)
		}
	}
}

// TestSequenceErrors checks that misuse is an error naming the problem,
// never a panic.
func TestSequenceErrors(t *testing.T) {
	x := vi{name: "x", dt: dtFloat, dims: []int{3}}
	pos := func(name string, v int64) tb { return tb{name: name, shape: []int{}, i: []int64{v}} }
	tests := []struct {
		name  string
		nodes []nb
		inits []tb
		want  string
	}{
		{"position beyond the end", []nb{
			{op: "SequenceConstruct", in: []string{"x", "x", "x"}, out: []string{"s"}},
			{op: "SequenceAt", in: []string{"s", "p"}, out: []string{"y"}},
		}, []tb{pos("p", 3)}, "position 3 is out of range for a sequence of 3"},
		{"position before the start", []nb{
			{op: "SequenceConstruct", in: []string{"x"}, out: []string{"s"}},
			{op: "SequenceErase", in: []string{"s", "p"}, out: []string{"e"}},
			{op: "SequenceLength", in: []string{"e"}, out: []string{"y"}},
		}, []tb{pos("p", -2)}, "out of range"},
		{"wrong element type", []nb{
			{op: "SequenceEmpty", out: []string{"s"}, attrs: []ab{aInt("dtype", int64(dtInt64))}},
			{op: "SequenceInsert", in: []string{"s", "x"}, out: []string{"y"}},
		}, nil, "cannot insert FLOAT[3] into a sequence of INT64"},
		{"mixed construct", []nb{
			{op: "SequenceConstruct", in: []string{"x", "p"}, out: []string{"y"}},
		}, []tb{pos("p", 1)}, "a sequence of FLOAT cannot hold INT64[]"},
		{"sequence into a tensor operator", []nb{
			{op: "SequenceConstruct", in: []string{"x"}, out: []string{"s"}},
			{op: "Relu", in: []string{"s"}, out: []string{"y"}},
		}, nil, `input "s" is a sequence, which the operator does not take`},
		{"tensor where a sequence goes", []nb{
			{op: "SequenceLength", in: []string{"x"}, out: []string{"y"}},
		}, nil, "input 0 must be a sequence, have a tensor"},
		{"empty optional", []nb{
			{op: "Optional", out: []string{"o"}, attrs: []ab{{name: "type", typ: attrTypeProto}}},
			{op: "OptionalGetElement", in: []string{"o"}, out: []string{"y"}},
		}, nil, "the optional is empty"},
		{"concat of an empty sequence", []nb{
			{op: "SequenceEmpty", out: []string{"s"}},
			{op: "ConcatFromSequence", in: []string{"s"}, out: []string{"y"}, attrs: []ab{aInt("axis", 0)}},
		}, nil, "the sequence is empty"},
		{"split lengths", []nb{
			{op: "SplitToSequence", in: []string{"x", "sp"}, out: []string{"s"}},
			{op: "SequenceLength", in: []string{"s"}, out: []string{"y"}},
		}, []tb{intT("sp", 1, 1)}, "does not sum to dimension 3"},
		{"split of zero", []nb{
			{op: "SplitToSequence", in: []string{"x", "p"}, out: []string{"s"}},
			{op: "SequenceLength", in: []string{"s"}, out: []string{"y"}},
		}, []tb{pos("p", 0)}, "must be positive"},
		{"optional without type", []nb{
			{op: "Optional", out: []string{"o"}},
			{op: "OptionalHasElement", in: []string{"o"}, out: []string{"y"}},
		}, nil, "needs the type attribute"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := mbuild{nodes: tc.nodes, inits: tc.inits, inputs: []vi{x}, outputs: []vi{{name: "y"}}}
			_, err := runGraph(t, m, DefaultLimits(), &tensor{dt: dtFloat, shape: []int{3}, f: []float32{1, 2, 3}})
			if err == nil || !strings.Contains(err.Error(), tc.want) || errors.Is(err, errInternal) {
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestSequenceLimits checks that sequences count against the limits: an
// endless Loop that grows a sequence ends with an error, and empty
// elements count towards a sequence's size.
func TestSequenceLimits(t *testing.T) {
	grow := mbuild{
		nodes: []nb{{op: "Loop", in: []string{"", "yes", "s0"}, out: []string{"s"}, attrs: []ab{aGraph("body", mbuild{
			nodes: []nb{
				{op: "Identity", in: []string{"cond_in"}, out: []string{"cond_out"}},
				{op: "SequenceInsert", in: []string{"s_in", "x"}, out: []string{"s_out"}},
			},
			inputs:  []vi{{name: "iter", dt: dtInt64, dims: []int{}}, {name: "cond_in", dt: dtBool, dims: []int{}}, {name: "s_in", dt: dtFloat, kind: typeSequence}},
			outputs: []vi{{name: "cond_out"}, {name: "s_out"}},
		})}}, {op: "SequenceLength", in: []string{"s"}, out: []string{"y"}}},
		inits:   []tb{{name: "yes", dt: dtBool, shape: []int{}, i: []int64{1}}},
		inputs:  []vi{{name: "x", dt: dtFloat, dims: []int{4}}},
		outputs: []vi{{name: "y"}},
	}
	grow.nodes = append([]nb{{op: "SequenceEmpty", out: []string{"s0"}}}, grow.nodes...)
	x := &tensor{dt: dtFloat, shape: []int{4}, f: make([]float32, 4)}
	for _, c := range []struct {
		name string
		lim  func(*Limits)
		want string
	}{
		{"elements", func(l *Limits) { l.MaxTensorElements = 1000 }, "sequence has more than 1000 elements in all"},
		{"bytes", func(l *Limits) { l.MaxRunBytes = 1 << 16 }, "bytes of buffers"},
	} {
		lim := DefaultLimits()
		c.lim(&lim)
		if _, err := runGraph(t, grow, lim, x); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error = %v, want one containing %q", c.name, err, c.want)
		}
	}
	// 1,000 empty pieces fit a limit of 1,000; one more does not.
	empties := mbuild{
		nodes: []nb{
			{op: "SplitToSequence", in: []string{"e"}, out: []string{"s"}},
			{op: "SequenceInsert", in: []string{"s", "e1"}, out: []string{"s2"}},
			{op: "SequenceLength", in: []string{"s2"}, out: []string{"y"}},
		},
		inits:   []tb{{name: "e1", shape: []int{1, 0}, f: []float32{}}},
		inputs:  []vi{{name: "e", dt: dtFloat, dims: []int{1000, 0}}},
		outputs: []vi{{name: "y"}},
	}
	lim := DefaultLimits()
	lim.MaxTensorElements = 1000
	if _, err := runGraph(t, empties, lim, &tensor{dt: dtFloat, shape: []int{1000, 0}}); err == nil || !strings.Contains(err.Error(), "more than 1000 elements") {
		t.Errorf("1,001 empty elements: %v", err)
	}
}

// TestSequenceTarget checks the target boundary: sequence inputs and
// outputs are refused at load with a clear message, a sequence inside the
// model works through Predict (each run with its own data: a sequence holds
// copies, not the runner's buffers) and makes the model non-differentiable.
func TestSequenceTarget(t *testing.T) {
	inner := mbuild{
		nodes: []nb{
			{op: "Relu", in: []string{"x"}, out: []string{"r"}},
			{op: "SequenceConstruct", in: []string{"x", "r"}, out: []string{"s"}},
			{op: "ConcatFromSequence", in: []string{"s"}, out: []string{"y"}, attrs: []ab{aInt("axis", 1)}},
		},
		inputs:  []vi{{name: "x", dt: dtFloat, dims: []int{-1, 2}}},
		outputs: []vi{{name: "s", dt: dtFloat, kind: typeSequence}, {name: "y", dt: dtFloat}},
	}
	mod, err := Parse(inner.encode())
	if err != nil {
		t.Fatal(err)
	}
	if got := mod.Info().Output; got != "y" {
		t.Errorf("default output %q, want the tensor y", got)
	}
	for _, c := range []struct{ x, want []float32 }{{[]float32{-1, 2}, []float32{-1, 2, 0, 2}}, {[]float32{3, -4}, []float32{3, -4, 3, 0}}} {
		y, err := mod.Predict(context.Background(), &model.Tensor{Shape: []int{1, 2}, Data: c.x})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(y.Data, c.want) || !slices.Equal(y.Shape, []int{1, 4}) {
			t.Errorf("x %v: %v %v, want [1 4] %v", c.x, y.Shape, y.Data, c.want)
		}
	}
	one := &model.Tensor{Shape: []int{1, 2}, Data: []float32{1, 1}}
	if _, err := mod.Gradient(context.Background(), one, &model.Tensor{Shape: []int{1, 4}, Data: make([]float32, 4)}); !errors.Is(err, model.ErrNotDifferentiable) || !strings.Contains(err.Error(), "SequenceConstruct") {
		t.Errorf("gradient through a sequence: %v", err)
	}
	if _, err := Parse(inner.encode(), WithOutput("s")); err == nil || !strings.Contains(err.Error(), `output "s" is a sequence; a target returns one tensor`) {
		t.Errorf("sequence output: %v", err)
	}
	seqIn := mbuild{
		nodes:   []nb{{op: "SequenceLength", in: []string{"s"}, out: []string{"y"}}},
		inputs:  []vi{{name: "s", dt: dtFloat, kind: typeSequence}},
		outputs: []vi{{name: "y", dt: dtInt64}},
	}
	if _, err := Parse(seqIn.encode()); err == nil || !strings.Contains(err.Error(), `input "s" is a sequence; a target feeds one tensor`) {
		t.Errorf("sequence input: %v", err)
	}
	// A graph fed a tensor where it declares a sequence (and back).
	if _, err := runGraph(t, seqIn, DefaultLimits(), &tensor{dt: dtFloat, shape: []int{1}, f: []float32{0}}); err == nil || !strings.Contains(err.Error(), "got a tensor, the graph declares a sequence") {
		t.Errorf("tensor fed as a sequence: %v", err)
	}
}
