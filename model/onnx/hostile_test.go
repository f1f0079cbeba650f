package onnx

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aiassure/aiassure/model"
)

// Hostile and malformed models are refused with an error naming the
// problem, never with a panic, an out-of-memory or a hang.
func TestHostileModels(t *testing.T) {
	x := vi{name: "X", dt: dtFloat, dims: []int{-1, 4}}
	y := vi{name: "Y", dt: dtFloat}
	small := DefaultLimits()
	small.MaxRunBytes = 1 << 12
	tiny := DefaultLimits()
	tiny.MaxTensorElements = 8
	tests := []struct {
		name string
		m    mbuild
		lim  *Limits
		want string
	}{
		{"cycle", mbuild{nodes: []nb{
			{op: "Relu", in: []string{"B"}, out: []string{"A"}},
			{op: "Relu", in: []string{"A"}, out: []string{"B"}},
			{op: "Add", in: []string{"X", "B"}, out: []string{"Y"}},
		}, inputs: []vi{x}, outputs: []vi{y}}, nil, "cycle"},
		{"self loop", mbuild{nodes: []nb{{op: "Add", in: []string{"X", "Y"}, out: []string{"Y"}}}, inputs: []vi{x}, outputs: []vi{y}}, nil, "cycle"},
		{"value defined twice", mbuild{nodes: []nb{
			{op: "Relu", in: []string{"X"}, out: []string{"Y"}},
			{op: "Sigmoid", in: []string{"X"}, out: []string{"Y"}},
		}, inputs: []vi{x}, outputs: []vi{y}}, nil, "more than once"},
		{"undefined input", mbuild{nodes: one("Add", []string{"X", "Z"}), inputs: []vi{x}, outputs: []vi{y}}, nil, `"Z" is never defined`},
		{"unsupported operator", mbuild{nodes: one("Bernoulli", []string{"X"}), inputs: []vi{x}, outputs: []vi{y}}, nil, "operator Bernoulli is not supported"},
		{"unknown domain", mbuild{nodes: []nb{{op: "Gelu", domain: "com.microsoft", in: []string{"X"}, out: []string{"Y"}}}, inputs: []vi{x}, outputs: []vi{y}}, nil, "com.microsoft.Gelu is not supported"},
		{"opset 28", mbuild{opset: 28, nodes: one("Relu", []string{"X"}), inputs: []vi{x}, outputs: []vi{y}}, nil, "opset 28 is not supported"},
		{"cast to FLOAT8E8M0", mbuild{opset: 24, nodes: one("Cast", []string{"X"}, aInt("to", 24)), inputs: []vi{x}, outputs: []vi{y}}, nil, "Cast to FLOAT8E8M0 is not supported"},
		{"quantize to UINT2", mbuild{opset: 25, nodes: one("QuantizeLinear", []string{"X", "S"}, aInt("output_dtype", 25)), inits: []tb{{name: "S", f: []float32{1}}}, inputs: []vi{x}, outputs: []vi{y}}, nil, "output_dtype UINT2 is not supported"},
		{"blocked quantization", mbuild{opset: 21, nodes: one("DequantizeLinear", []string{"X", "S"}, aInt("block_size", 2)), inits: []tb{{name: "S", f: []float32{1}}}, inputs: []vi{x}, outputs: []vi{y}}, nil, "block_size 2 (blocked quantization) is not supported"},
		{"range stash_type", mbuild{opset: 27, nodes: one("Range", []string{"X", "X", "X"}, aInt("stash_type", int64(dtFloat16))), inputs: []vi{x}, outputs: []vi{y}}, nil, "stash_type FLOAT16 is not supported"},
		{"old operator version", mbuild{opset: 5, nodes: one("Relu", []string{"X"}), inputs: []vi{x}, outputs: []vi{y}}, nil, "version 1 (opset 5) is not supported"},
		{"huge initializer", mbuild{nodes: one("Add", []string{"X", "W"}), inits: []tb{{name: "W", shape: []int{1 << 20, 1 << 20}, f: []float32{1}}}, inputs: []vi{x}, outputs: []vi{y}}, nil, "elements"},
		{"empty tensor with huge dimensions", mbuild{nodes: one("Add", []string{"X", "W"}), inits: []tb{{name: "W", shape: []int{1 << 20, 1 << 20, 0}}}, inputs: []vi{x}, outputs: []vi{y}}, nil, "elements"},
		{"matmul batch broadcast blow-up", mbuild{nodes: []nb{
			{op: "Reshape", in: []string{"X", "S1"}, out: []string{"A"}},
			{op: "Reshape", in: []string{"X", "S2"}, out: []string{"B"}},
			{op: "MatMul", in: []string{"A", "B"}, out: []string{"Y"}},
		}, inits: []tb{intT("S1", 4, 1, 1, 1), intT("S2", 1, 4, 1, 1)}, inputs: []vi{{name: "X", dt: dtFloat, dims: []int{1, 4}}}, outputs: []vi{y}}, &tiny, "elements"},
		{"initializer data short", mbuild{nodes: one("Add", []string{"X", "W"}), inits: []tb{{name: "W", shape: []int{4}, f: []float32{1}}}, inputs: []vi{x}, outputs: []vi{y}}, nil, "want 4"},
		{"huge kernel", mbuild{nodes: one("MaxPool", []string{"X"}, aInts("kernel_shape", 1<<40)), inputs: []vi{{name: "X", dt: dtFloat, dims: []int{1, 1, 4}}}, outputs: []vi{y}}, nil, "out of range"},
		{"zero stride", mbuild{nodes: one("MaxPool", []string{"X"}, aInts("kernel_shape", 2), aInts("strides", 0)), inputs: []vi{{name: "X", dt: dtFloat, dims: []int{1, 1, 4}}}, outputs: []vi{y}}, nil, "out of range"},
		{"zero group", mbuild{nodes: one("Conv", []string{"X", "W"}, aInt("group", 0)), inits: []tb{{name: "W", shape: []int{1, 1, 1}, f: []float32{1}}}, inputs: []vi{{name: "X", dt: dtFloat, dims: []int{1, 1, 4}}}, outputs: []vi{y}}, nil, "group=0 out of range"},
		{"absurd axis", mbuild{nodes: one("Softmax", []string{"X"}, aInt("axis", 1<<40)), inputs: []vi{x}, outputs: []vi{y}}, nil, "out of range"},
		{"bad perm", mbuild{nodes: one("Transpose", []string{"X"}, aInts("perm", 0, 0)), inputs: []vi{{name: "X", dt: dtFloat, dims: []int{2, 2}}}, outputs: []vi{y}}, nil, "not a permutation"},
		{"huge pad", mbuild{nodes: one("Pad", []string{"X", "P"}), inits: []tb{intT("P", 0, 0, 0, 1<<40)}, inputs: []vi{{name: "X", dt: dtFloat, dims: []int{1, 4}}}, outputs: []vi{y}}, nil, "out of range"},
		{"pad product too large", mbuild{nodes: one("Pad", []string{"X", "P"}), inits: []tb{intT("P", 0, 0, 1<<25, 1<<25)}, inputs: []vi{{name: "X", dt: dtFloat, dims: []int{1, 4}}}, outputs: []vi{y}}, nil, "elements"},
		{"reshape mismatch", mbuild{nodes: one("Reshape", []string{"X", "S"}), inits: []tb{intT("S", 1<<40)}, inputs: []vi{{name: "X", dt: dtFloat, dims: []int{1, 4}}}, outputs: []vi{y}}, nil, "out of range"},
		{"run memory", mbuild{nodes: one("MatMul", []string{"X", "W"}), inits: []tb{{name: "W", shape: []int{4, 4096}, f: make([]float32, 4*4096)}}, inputs: []vi{{name: "X", dt: dtFloat, dims: []int{1, 4}}}, outputs: []vi{y}}, &small, "bytes of buffers"},
		{"integer division by zero", mbuild{nodes: one("Div", []string{"X", "Z"}), inits: []tb{intT("Z", 0)}, inputs: []vi{{name: "X", dt: dtInt64, dims: []int{1, 1}}}, outputs: []vi{y}}, nil, "division by zero"},
		{"tree cycle", mbuild{mlOpset: 3, nodes: []nb{{op: "TreeEnsembleRegressor", domain: domainML, in: []string{"X"}, out: []string{"Y"}, attrs: []ab{
			aInts("nodes_treeids", 0, 0), aInts("nodes_nodeids", 0, 1), aInts("nodes_featureids", 0, 0),
			aFloats("nodes_values", 0, 0), aStrs("nodes_modes", "BRANCH_LEQ", "BRANCH_LEQ"),
			aInts("nodes_truenodeids", 1, 0), aInts("nodes_falsenodeids", 1, 0),
			aInts("target_treeids", 0), aInts("target_nodeids", 1), aInts("target_ids", 0), aFloats("target_weights", 1),
		}}}, inputs: []vi{x}, outputs: []vi{y}}, nil, "cycle"},
		{"tree weight target out of range", mbuild{mlOpset: 3, nodes: []nb{{op: "TreeEnsembleRegressor", domain: domainML, in: []string{"X"}, out: []string{"Y"}, attrs: []ab{
			aInts("nodes_treeids", 0), aInts("nodes_nodeids", 0), aInts("nodes_featureids", 0),
			aFloats("nodes_values", 0), aStrs("nodes_modes", "LEAF"), aInts("nodes_truenodeids", 0), aInts("nodes_falsenodeids", 0),
			aInts("target_treeids", 0), aInts("target_nodeids", 0), aInts("target_ids", 5), aFloats("target_weights", 1),
		}}}, inputs: []vi{x}, outputs: []vi{y}}, nil, "out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := []Option{}
			if tc.lim != nil {
				opts = append(opts, WithLimits(*tc.lim))
			}
			m, err := Parse(tc.m.encode(), opts...)
			if err == nil {
				in := tc.m.inputs[0]
				shape := []int{1}
				for _, d := range in.dims[1:] {
					shape = append(shape, max(d, 1))
				}
				xt, _ := model.Zeros(shape...)
				_, err = m.Predict(context.Background(), xt)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
			if errors.Is(err, errInternal) {
				t.Fatalf("internal error: %v", err)
			}
		})
	}
}

func TestMalformedBytes(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "seed", "test_gemm_all_attributes.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "no graph"},
		{"garbage", []byte("not a model at all"), "decode model"},
		{"truncated", good[:len(good)/2], "decode model"},
		{"bad wire type", []byte{0x0b}, "decode model"},
		{"huge length", []byte{0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f}, "truncated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compile(tc.data, DefaultLimits())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
	lim := DefaultLimits()
	lim.MaxFileBytes = 100
	if _, err := compile(good, lim); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("file size limit: error = %v", err)
	}
	lim = DefaultLimits()
	lim.MaxNodes = 0
	if _, err := compile(good, lim); err == nil {
		t.Error("zero limits accepted")
	}
}

func TestMaxNodes(t *testing.T) {
	var nodes []nb
	prev := "X"
	for i := range 20 {
		out := "Y"
		if i < 19 {
			out = "h" + string(rune('a'+i))
		}
		nodes = append(nodes, nb{op: "Relu", in: []string{prev}, out: []string{out}})
		prev = out
	}
	data := mbuild{nodes: nodes, inputs: []vi{{name: "X", dt: dtFloat, dims: []int{-1, 2}}}, outputs: []vi{{name: "Y", dt: dtFloat}}}.encode()
	lim := DefaultLimits()
	lim.MaxNodes = 10
	if _, err := Parse(data, WithLimits(lim)); err == nil || !strings.Contains(err.Error(), "more than 10 nodes") {
		t.Errorf("error = %v", err)
	}
	if _, err := Parse(data); err != nil {
		t.Errorf("20 nodes refused: %v", err)
	}
}

// A run of a heavy model stops soon after its context is done. The run is
// about 10 GFLOP (16 images of 0.6 GFLOP each; kernels check the context
// between images; 190 ms on the 2-core machine CI runs on), so that no
// machine finishes it within the 10 ms deadline.
func TestCancelHeavyRun(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	mb := mbuild{
		nodes:  one("Conv", []string{"X", "W"}, aInts("pads", 1, 1, 1, 1)),
		inits:  []tb{randT(rng, "W", -1, 1, 128, 64, 3, 3)},
		inputs: []vi{{name: "X", dt: dtFloat, dims: []int{-1, 64, 64, 64}}}, outputs: []vi{{name: "Y", dt: dtFloat}},
	}
	m, err := Parse(mb.encode())
	if err != nil {
		t.Fatal(err)
	}
	x, _ := model.Zeros(16, 64, 64, 64)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = m.Predict(ctx, x)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want the context's", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cancelled run took %v", d)
	}
}

func TestPoolWorkBound(t *testing.T) {
	mb := mbuild{nodes: one("MaxPool", []string{"X"}, aInts("kernel_shape", 4096, 4096), aInts("pads", 4095, 4095, 4095, 4095)),
		inputs: []vi{{name: "X", dt: dtFloat, dims: []int{1, 1, 4096, 4096}}}, outputs: []vi{{name: "Y", dt: dtFloat}}}
	_, err := Parse(mb.encode())
	if err == nil || !strings.Contains(err.Error(), "window geometry too large") {
		t.Fatalf("error = %v, want the window geometry refused", err)
	}
	t.Log(err)
}
