package onnx

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/aiassure/aiassure/model"
)

// gradCase is a one-node (or small) model whose gradient with respect to X
// is checked against central finite differences.
type gradCase struct {
	name   string
	opset  int
	xshape []int
	nodes  []nb
	inits  []tb
}

func one(op string, in []string, attrs ...ab) []nb {
	return []nb{{op: op, in: in, out: []string{"Y"}, attrs: attrs}}
}

func gradCases(rng *rand.Rand) []gradCase {
	w := func(name string, shape ...int) tb { return randT(rng, name, -1, 1, shape...) }
	pos := func(name string, shape ...int) tb { return randT(rng, name, 0.5, 1.5, shape...) }
	return []gradCase{
		{name: "Gemm", xshape: []int{3, 4}, nodes: one("Gemm", []string{"X", "W", "C"}, aInt("transB", 1)), inits: []tb{w("W", 5, 4), w("C", 5)}},
		{name: "Gemm/transA/alpha/beta", xshape: []int{4, 3}, nodes: one("Gemm", []string{"X", "W", "C"}, aInt("transA", 1), aFloat("alpha", 0.5), aFloat("beta", 2)), inits: []tb{w("W", 4, 5), w("C", 3, 5)}},
		{name: "Gemm/X as B", xshape: []int{4, 5}, nodes: one("Gemm", []string{"W", "X"}, aInt("transB", 1)), inits: []tb{w("W", 3, 5)}},
		{name: "MatMul/3d x 2d", xshape: []int{2, 3, 4}, nodes: one("MatMul", []string{"X", "W"}), inits: []tb{w("W", 4, 5)}},
		{name: "MatMul/broadcast batch", xshape: []int{3, 4}, nodes: one("MatMul", []string{"X", "W"}), inits: []tb{w("W", 2, 4, 5)}},
		{name: "MatMul/X times X", xshape: []int{2, 3, 3}, nodes: one("MatMul", []string{"X", "X"})},
		{name: "Add/broadcast", xshape: []int{2, 3, 4}, nodes: one("Add", []string{"X", "W"}), inits: []tb{w("W", 3, 1)}},
		{name: "Add/X broadcast", xshape: []int{1, 4}, nodes: one("Add", []string{"W", "X"}), inits: []tb{w("W", 3, 1)}},
		{name: "Sub", xshape: []int{2, 3}, nodes: one("Sub", []string{"W", "X"}), inits: []tb{w("W", 2, 1, 3)}},
		{name: "Mul/X times X", xshape: []int{2, 3}, nodes: one("Mul", []string{"X", "X"})},
		{name: "Mul/broadcast", xshape: []int{2, 3, 2}, nodes: one("Mul", []string{"X", "W"}), inits: []tb{w("W", 2)}},
		{name: "Div/by W", xshape: []int{2, 3}, nodes: one("Div", []string{"X", "W"}), inits: []tb{pos("W", 3)}},
		{name: "Div/by X", xshape: []int{2, 3}, nodes: []nb{{op: "Add", in: []string{"X", "K"}, out: []string{"P"}}, {op: "Div", in: []string{"W", "P"}, out: []string{"Y"}}}, inits: []tb{w("W", 2, 3), {name: "K", shape: []int{}, f: []float32{20}}}},
		{name: "Relu", xshape: []int{3, 5}, nodes: one("Relu", []string{"X"})},
		{name: "LeakyRelu", xshape: []int{3, 5}, nodes: one("LeakyRelu", []string{"X"}, aFloat("alpha", 0.2))},
		{name: "Sigmoid", xshape: []int{3, 5}, nodes: one("Sigmoid", []string{"X"})},
		{name: "Tanh", xshape: []int{3, 5}, nodes: one("Tanh", []string{"X"})},
		{name: "Softmax", xshape: []int{3, 5}, nodes: one("Softmax", []string{"X"})},
		{name: "Softmax/axis 1 of 3", xshape: []int{2, 3, 4}, nodes: one("Softmax", []string{"X"}, aInt("axis", 1))},
		{name: "Softmax/opset 11 coerced", opset: 11, xshape: []int{2, 3, 4}, nodes: one("Softmax", []string{"X"}, aInt("axis", 1))},
		{name: "LogSoftmax", xshape: []int{3, 5}, nodes: one("LogSoftmax", []string{"X"})},
		{name: "Conv/pads strides", xshape: []int{2, 3, 7, 7}, nodes: one("Conv", []string{"X", "W", "B"}, aInts("pads", 1, 1, 1, 1), aInts("strides", 2, 2)), inits: []tb{w("W", 4, 3, 3, 3), w("B", 4)}},
		{name: "Conv/dilated same", xshape: []int{1, 2, 6, 6}, nodes: one("Conv", []string{"X", "W"}, aInts("dilations", 2, 2), aStr("auto_pad", "SAME_UPPER")), inits: []tb{w("W", 3, 2, 3, 3)}},
		{name: "Conv/depthwise", xshape: []int{2, 3, 5, 5}, nodes: one("Conv", []string{"X", "W"}, aInt("group", 3), aInts("pads", 1, 0, 1, 0)), inits: []tb{w("W", 6, 1, 3, 3)}},
		{name: "Conv/1d", xshape: []int{2, 2, 9}, nodes: one("Conv", []string{"X", "W", "B"}, aInts("strides", 2)), inits: []tb{w("W", 3, 2, 3), w("B", 3)}},
		{name: "Conv/3d", xshape: []int{1, 2, 4, 4, 4}, nodes: one("Conv", []string{"X", "W"}, aInts("pads", 1, 0, 1, 0, 1, 0)), inits: []tb{w("W", 2, 2, 2, 2, 2)}},
		{name: "MaxPool", xshape: []int{2, 2, 6, 6}, nodes: one("MaxPool", []string{"X"}, aInts("kernel_shape", 2, 2), aInts("strides", 2, 2))},
		{name: "MaxPool/pads ceil", xshape: []int{1, 2, 5, 5}, nodes: one("MaxPool", []string{"X"}, aInts("kernel_shape", 3, 3), aInts("strides", 2, 2), aInts("pads", 1, 1, 0, 0), aInt("ceil_mode", 1))},
		{name: "AveragePool", xshape: []int{2, 2, 6, 6}, nodes: one("AveragePool", []string{"X"}, aInts("kernel_shape", 3, 3), aInts("strides", 2, 2), aInts("pads", 1, 1, 1, 1))},
		{name: "AveragePool/include pad", xshape: []int{1, 2, 5, 5}, nodes: one("AveragePool", []string{"X"}, aInts("kernel_shape", 3, 3), aInts("pads", 1, 1, 1, 1), aInt("count_include_pad", 1))},
		{name: "GlobalAveragePool", xshape: []int{2, 3, 4, 5}, nodes: one("GlobalAveragePool", []string{"X"})},
		{name: "BatchNormalization", xshape: []int{2, 3, 4, 4}, nodes: one("BatchNormalization", []string{"X", "S", "B", "M", "V"}), inits: []tb{w("S", 3), w("B", 3), w("M", 3), pos("V", 3)}},
		{name: "Flatten", xshape: []int{2, 3, 4}, nodes: []nb{{op: "Flatten", in: []string{"X"}, out: []string{"F"}}, {op: "Mul", in: []string{"F", "W"}, out: []string{"Y"}}}, inits: []tb{w("W", 12)}},
		{name: "Reshape", xshape: []int{2, 6}, nodes: []nb{{op: "Reshape", in: []string{"X", "S"}, out: []string{"R"}}, {op: "Mul", in: []string{"R", "W"}, out: []string{"Y"}}}, inits: []tb{intT("S", 0, 3, -1), w("W", 3, 2)}},
		{name: "Transpose", xshape: []int{2, 3, 4}, nodes: []nb{{op: "Transpose", in: []string{"X"}, out: []string{"T"}, attrs: []ab{aInts("perm", 2, 0, 1)}}, {op: "Mul", in: []string{"T", "W"}, out: []string{"Y"}}}, inits: []tb{w("W", 4, 2, 3)}},
		{name: "Concat", xshape: []int{2, 3}, nodes: one("Concat", []string{"X", "W", "X"}, aInt("axis", 1)), inits: []tb{w("W", 2, 2)}},
		{name: "Identity and Dropout", xshape: []int{2, 3}, nodes: []nb{{op: "Identity", in: []string{"X"}, out: []string{"I"}}, {op: "Dropout", in: []string{"I"}, out: []string{"D"}}, {op: "Mul", in: []string{"D", "D"}, out: []string{"Y"}}}},
		{name: "Clip", xshape: []int{3, 4}, nodes: one("Clip", []string{"X", "L", "H"}), inits: []tb{{name: "L", shape: []int{}, f: []float32{-0.3}}, {name: "H", shape: []int{}, f: []float32{0.4}}}},
		{name: "Pad/constant", xshape: []int{2, 3}, nodes: one("Pad", []string{"X", "P", "V"}), inits: []tb{intT("P", 1, 0, 0, 2), {name: "V", shape: []int{}, f: []float32{0.5}}}},
		{name: "Pad/reflect", xshape: []int{1, 2, 4}, nodes: one("Pad", []string{"X", "P"}, aStr("mode", "reflect")), inits: []tb{intT("P", 0, 0, 2, 0, 0, 3)}},
		{name: "Pad/edge crop", xshape: []int{1, 2, 4}, nodes: one("Pad", []string{"X", "P"}, aStr("mode", "edge")), inits: []tb{intT("P", 0, 1, 2, 0, 0, -1)}},
		{name: "Squeeze Unsqueeze", xshape: []int{2, 1, 3}, nodes: []nb{{op: "Squeeze", in: []string{"X", "A"}, out: []string{"S"}}, {op: "Unsqueeze", in: []string{"S", "B"}, out: []string{"U"}}, {op: "Mul", in: []string{"U", "W"}, out: []string{"Y"}}}, inits: []tb{intT("A", 1), intT("B", 0, -1), w("W", 1, 2, 3, 1)}},
		{name: "ReduceMean", xshape: []int{2, 3, 4}, nodes: one("ReduceMean", []string{"X"}, aInts("axes", 0, 2))},
		{name: "ReduceSum", xshape: []int{2, 3, 4}, nodes: one("ReduceSum", []string{"X", "A"}, aInt("keepdims", 0)), inits: []tb{intT("A", 1)}},
		{name: "ReduceMax", xshape: []int{2, 3, 4}, nodes: one("ReduceMax", []string{"X"}, aInts("axes", -1))},
		{name: "Gather", xshape: []int{3, 4}, nodes: one("Gather", []string{"X", "I"}, aInt("axis", 1)), inits: []tb{intT("I", 3, 0, 3, -1)}},
		{name: "Cast float to float", xshape: []int{2, 3}, nodes: []nb{{op: "Cast", in: []string{"X"}, out: []string{"C"}, attrs: []ab{aInt("to", 1)}}, {op: "Mul", in: []string{"C", "C"}, out: []string{"Y"}}}},
		{name: "MLP", xshape: []int{4, 6}, nodes: []nb{
			{op: "Gemm", in: []string{"X", "W1", "B1"}, out: []string{"H"}, attrs: []ab{aInt("transB", 1)}},
			{op: "Relu", in: []string{"H"}, out: []string{"R"}},
			{op: "Gemm", in: []string{"R", "W2", "B2"}, out: []string{"Z"}, attrs: []ab{aInt("transB", 1)}},
			{op: "Softmax", in: []string{"Z"}, out: []string{"Y"}, attrs: []ab{aInt("axis", 1)}},
		}, inits: []tb{w("W1", 8, 6), w("B1", 8), w("W2", 3, 8), w("B2", 3)}},
		{name: "CNN", xshape: []int{2, 1, 8, 8}, nodes: []nb{
			{op: "Conv", in: []string{"X", "W1", "B1"}, out: []string{"C"}, attrs: []ab{aInts("pads", 1, 1, 1, 1)}},
			{op: "BatchNormalization", in: []string{"C", "S", "BB", "M", "V"}, out: []string{"N"}},
			{op: "Relu", in: []string{"N"}, out: []string{"R"}},
			{op: "MaxPool", in: []string{"R"}, out: []string{"P"}, attrs: []ab{aInts("kernel_shape", 2, 2), aInts("strides", 2, 2)}},
			{op: "Flatten", in: []string{"P"}, out: []string{"F"}},
			{op: "Gemm", in: []string{"F", "W2", "B2"}, out: []string{"Z"}, attrs: []ab{aInt("transB", 1)}},
			{op: "LogSoftmax", in: []string{"Z"}, out: []string{"Y"}, attrs: []ab{aInt("axis", 1)}},
		}, inits: []tb{w("W1", 4, 1, 3, 3), w("B1", 4), w("S", 4), w("BB", 4), w("M", 4), pos("V", 4), w("W2", 3, 64), w("B2", 3)}},
	}
}

// spread returns n distinct values, 0.05 apart, none within 0.025 of a
// multiple of 0.05 (so no finite-difference step of 0.01 crosses a kink of
// Relu, Clip or a max), in random order.
func spread(rng *rand.Rand, n int) []float32 {
	out := make([]float32, n)
	for i, p := range rng.Perm(n) {
		out[i] = float32(p-n/2)*0.05 + 0.025
	}
	return out
}

func lossOf(t *testing.T, m *Model, x *model.Tensor, seed []float32) float64 {
	t.Helper()
	y, err := m.Predict(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	var l float64
	for i, v := range y.Data {
		l += float64(v) * float64(seed[i])
	}
	return l
}

// centralDiff returns the central difference of sum(seed*Predict(x)) in
// x[i] with step h, accumulated in float64.
func centralDiff(t *testing.T, m *Model, x *model.Tensor, seed []float32, i int, h float32) float64 {
	old := x.Data[i]
	x.Data[i] = old + h
	lp := lossOf(t, m, x, seed)
	x.Data[i] = old - h
	lm := lossOf(t, m, x, seed)
	x.Data[i] = old
	return (lp - lm) / float64(2*h)
}

func TestGradientsFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range append(gradCases(rng), moreGradCases(rand.New(rand.NewPCG(3, 4)))...) {
		t.Run(c.name, func(t *testing.T) {
			mb := mbuild{opset: c.opset, nodes: c.nodes, inits: c.inits,
				inputs: []vi{{name: "X", dt: dtFloat, dims: c.xshape}}, outputs: []vi{{name: "Y", dt: dtFloat}}}
			m, err := Parse(mb.encode())
			if err != nil {
				t.Fatal(err)
			}
			if !m.Info().Differentiable {
				t.Fatal("Info().Differentiable is false")
			}
			x := &model.Tensor{Shape: c.xshape, Data: spread(rng, prod(c.xshape))}
			if c.name == "MLP" || c.name == "CNN" || c.name == "Sigmoid" || c.name == "Tanh" {
				for i := range x.Data {
					x.Data[i] /= float32(prod(c.xshape)) / 40
				}
			}
			y, err := m.Predict(context.Background(), x)
			if err != nil {
				t.Fatal(err)
			}
			seed := make([]float32, len(y.Data))
			for i := range seed {
				seed[i] = 2*rng.Float32() - 1
			}
			g, err := m.Gradient(context.Background(), x, &model.Tensor{Shape: y.Shape, Data: seed})
			if err != nil {
				t.Fatal(err)
			}
			if !model.SameShape(g.Shape, x.Shape) {
				t.Fatalf("gradient shape %v, want %v", g.Shape, x.Shape)
			}
			const h = 0.01
			var num, den float64
			skipped := 0
			for i := range x.Data {
				fd := centralDiff(t, m, x, seed, i, h)
				// A step that crosses a kink (of a Relu or a max deep in
				// a network) makes the two step sizes disagree: skip it.
				if fd2 := centralDiff(t, m, x, seed, i, h/4); math.Abs(fd-fd2) > 1e-3*math.Max(1, math.Abs(fd)) {
					skipped++
					continue
				}
				d := float64(g.Data[i]) - fd
				num += d * d
				den += fd * fd
				if math.Abs(d) > 2e-2*math.Max(1, math.Abs(fd)) {
					t.Errorf("x[%d]: gradient %g, finite difference %g", i, g.Data[i], fd)
				}
			}
			if den > 0 && math.Sqrt(num/den) > 5e-3 {
				t.Errorf("relative error %.3g", math.Sqrt(num/den))
			}
			t.Logf("%d of %d elements skipped", skipped, len(x.Data))
			if skipped > len(x.Data)/10 {
				t.Errorf("%d of %d elements skipped (near a kink)", skipped, len(x.Data))
			}
			if den == 0 {
				t.Error("finite-difference gradient is zero: the case tests nothing")
			}
		})
	}
}

func TestGradientNotDifferentiable(t *testing.T) {
	mb := mbuild{nodes: one("ArgMax", []string{"X"}, aInt("axis", 1)),
		inputs: []vi{{name: "X", dt: dtFloat, dims: []int{-1, 3}}}, outputs: []vi{{name: "Y", dt: dtInt64}}}
	m, err := Parse(mb.encode())
	if err != nil {
		t.Fatal(err)
	}
	if m.Info().Differentiable {
		t.Error("ArgMax output reported differentiable")
	}
	x := &model.Tensor{Shape: []int{1, 3}, Data: []float32{1, 3, 2}}
	y, err := m.Predict(context.Background(), x)
	if err != nil || y.Data[0] != 1 {
		t.Fatalf("Predict = %v, %v; want [1]", y, err)
	}
	_, err = m.Gradient(context.Background(), x, y)
	if !errors.Is(err, model.ErrNotDifferentiable) {
		t.Errorf("Gradient error = %v, want ErrNotDifferentiable", err)
	}
}

func TestValueAndGradientMatchesGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var c gradCase
	for _, gc := range gradCases(rng) {
		if gc.name == "CNN" {
			c = gc
		}
	}
	mb := mbuild{nodes: c.nodes, inits: c.inits,
		inputs: []vi{{name: "X", dt: dtFloat, dims: []int{-1, 1, 8, 8}}}, outputs: []vi{{name: "Y", dt: dtFloat}}}
	m, err := Parse(mb.encode())
	if err != nil {
		t.Fatal(err)
	}
	x := &model.Tensor{Shape: []int{5, 1, 8, 8}, Data: spread(rng, 320)}
	label := []int{0, 1, 2, 1, 0}
	// Negative log-likelihood of the labels (the output is log-softmax).
	seed := func(out *model.Tensor) (*model.Tensor, error) {
		s := &model.Tensor{Shape: out.Shape, Data: make([]float32, len(out.Data))}
		for i, l := range label {
			s.Data[i*3+l] = -1
		}
		return s, nil
	}
	out, g1, err := model.ValueAndGradient(context.Background(), m, x, seed)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := seed(out)
	g2, err := m.Gradient(context.Background(), x, s)
	if err != nil {
		t.Fatal(err)
	}
	for i := range g1.Data {
		if g1.Data[i] != g2.Data[i] {
			t.Fatalf("gradients differ at %d: %g and %g", i, g1.Data[i], g2.Data[i])
		}
	}
}

// TestGradientCoverage requires a finite-difference case of
// TestGradientsFiniteDifferences for every operator whose kernel has a
// gradient.
func TestGradientCoverage(t *testing.T) {
	used := map[string]bool{}
	for _, c := range append(gradCases(rand.New(rand.NewPCG(1, 2))), moreGradCases(rand.New(rand.NewPCG(3, 4)))...) {
		for _, n := range c.nodes {
			used[n.op] = true
		}
	}
	var missing []string
	for name, def := range opsAI {
		if def.grad && !used[name] {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("operators with a gradient but no finite-difference case: %v", missing)
	}
}
