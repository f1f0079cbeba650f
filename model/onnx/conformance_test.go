package onnx

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// The ONNX backend node tests shipped by Debian's libonnx-testdata: every
// test whose operators are all supported must pass, except the ones listed
// in conformanceExcluded.
const nodeTestDir = "/usr/share/libonnx-testdata/data/node"

// conformanceExcluded lists node tests of supported operators that need a
// feature the interpreter deliberately lacks, with the reason. They count in
// the total but not as passed.
var conformanceExcluded = map[string]string{
	// Tensor types other than FLOAT and the integer types.
	"test_cast_BFLOAT16_to_FLOAT":              "BFLOAT16 tensors",
	"test_cast_DOUBLE_to_FLOAT":                "DOUBLE tensors",
	"test_cast_DOUBLE_to_FLOAT16":              "DOUBLE and FLOAT16 tensors",
	"test_cast_FLOAT16_to_DOUBLE":              "FLOAT16 and DOUBLE tensors",
	"test_cast_FLOAT16_to_FLOAT":               "FLOAT16 tensors",
	"test_cast_FLOAT_to_BFLOAT16":              "BFLOAT16 tensors",
	"test_cast_FLOAT_to_DOUBLE":                "DOUBLE tensors",
	"test_cast_FLOAT_to_FLOAT16":               "FLOAT16 tensors",
	"test_cast_FLOAT_to_STRING":                "STRING tensors",
	"test_cast_STRING_to_FLOAT":                "STRING tensors",
	"test_castlike_BFLOAT16_to_FLOAT_expanded": "BFLOAT16 tensors",
	"test_castlike_DOUBLE_to_FLOAT16_expanded": "DOUBLE and FLOAT16 tensors",
	"test_castlike_DOUBLE_to_FLOAT_expanded":   "DOUBLE tensors",
	"test_castlike_FLOAT16_to_DOUBLE_expanded": "FLOAT16 and DOUBLE tensors",
	"test_castlike_FLOAT16_to_FLOAT_expanded":  "FLOAT16 tensors",
	"test_castlike_FLOAT_to_BFLOAT16_expanded": "BFLOAT16 tensors",
	"test_castlike_FLOAT_to_DOUBLE_expanded":   "DOUBLE tensors",
	"test_castlike_FLOAT_to_FLOAT16_expanded":  "FLOAT16 tensors",
	"test_castlike_FLOAT_to_STRING_expanded":   "STRING tensors",
	"test_castlike_STRING_to_FLOAT_expanded":   "STRING tensors",
	// Sequence and optional values.
	"test_identity_sequence": "sequence values",
	"test_identity_opt":      "optional values",
	// Dropout in training mode draws random numbers; the expected outputs
	// come from numpy's generator.
	"test_training_dropout":              "random training-mode dropout",
	"test_training_dropout_default":      "random training-mode dropout",
	"test_training_dropout_default_mask": "random training-mode dropout",
	"test_training_dropout_mask":         "random training-mode dropout",
}

// allSupported reports whether every node of the model uses a supported
// operator.
func allSupported(data []byte) (bool, error) {
	d := decoder{lim: DefaultLimits()}
	m, err := d.model(data)
	if err != nil {
		return false, err
	}
	for _, n := range m.graph.nodes {
		switch n.domain {
		case "", "ai.onnx":
			if _, ok := opsAI[n.opType]; !ok {
				return false, nil
			}
		case domainML:
			if _, ok := opsML[n.opType]; !ok {
				return false, nil
			}
		default:
			return false, nil
		}
	}
	return true, nil
}

func readTensorFile(path string) (*tensor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	d := decoder{lim: DefaultLimits()}
	p, err := d.tensor(b)
	if err != nil {
		return nil, err
	}
	return fromProto(p, DefaultLimits().MaxTensorElements, 8)
}

// runNodeTest runs one backend test directory and compares the outputs.
func runNodeTest(dir string) error {
	data, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return err
	}
	g, err := compile(data, DefaultLimits())
	if err != nil {
		return fmt.Errorf("compile: %w", err)
	}
	set := filepath.Join(dir, "test_data_set_0")
	var feeds []*tensor
	for i := range g.inputs {
		t, err := readTensorFile(filepath.Join(set, fmt.Sprintf("input_%d.pb", i)))
		if err != nil {
			return fmt.Errorf("input %d: %w", i, err)
		}
		feeds = append(feeds, t)
	}
	r := newRunner(g, 2)
	if err := r.forward(context.Background(), feeds); err != nil {
		return fmt.Errorf("run: %w", err)
	}
	for i, o := range g.outputs {
		want, err := readTensorFile(filepath.Join(set, fmt.Sprintf("output_%d.pb", i)))
		if err != nil {
			return fmt.Errorf("output %d: %w", i, err)
		}
		if err := compareTensors(r.vals[o], want, 1e-3, 1e-4); err != nil {
			return fmt.Errorf("output %d (%s): %w", i, g.values[o].name, err)
		}
	}
	return nil
}

// compareTensors checks got against want: same type and shape, integers
// equal, floats within atol + rtol*|want| (NaN matches NaN).
func compareTensors(got, want *tensor, rtol, atol float64) error {
	if got.dt != want.dt {
		return fmt.Errorf("type %v, want %v", got.dt, want.dt)
	}
	if fmt.Sprint(got.shape) != fmt.Sprint(want.shape) {
		return fmt.Errorf("shape %v, want %v", got.shape, want.shape)
	}
	if got.dt == dtFloat {
		for i, w := range want.f {
			g, w := float64(got.f[i]), float64(w)
			if math.IsNaN(w) && math.IsNaN(g) {
				continue
			}
			if math.IsInf(w, 0) && g == w {
				continue
			}
			if !(math.Abs(g-w) <= atol+rtol*math.Abs(w)) {
				return fmt.Errorf("element %d: %g, want %g", i, g, w)
			}
		}
		return nil
	}
	for i, w := range want.i {
		if got.i[i] != w {
			return fmt.Errorf("element %d: %d, want %d", i, got.i[i], w)
		}
	}
	return nil
}

// extraExcluded lists the tests of the package's PyTorch-exported sets
// (pytorch-converted, pytorch-operator, simple) that need what the
// interpreter deliberately lacks.
var extraExcluded = map[string]string{
	// Opset 6 models: Add and Gemm before opset 7 broadcast only with an
	// explicit broadcast attribute (versions from 7 are supported).
	"test_Linear":                                 "opset 6 Gemm",
	"test_operator_add_broadcast":                 "opset 6 Add",
	"test_operator_add_size1_broadcast":           "opset 6 Add",
	"test_operator_add_size1_right_broadcast":     "opset 6 Add",
	"test_operator_add_size1_singleton_broadcast": "opset 6 Add",
	"test_operator_addmm":                         "opset 6 Gemm",
	"test_operator_mm":                            "opset 6 Gemm",
	"test_operator_non_float_params":              "opset 6 Add",
	"test_BatchNorm1d_3d_input_eval":              "opset 6 BatchNormalization",
	"test_BatchNorm2d_eval":                       "opset 6 BatchNormalization",
	"test_BatchNorm2d_momentum_eval":              "opset 6 BatchNormalization",
	"test_BatchNorm3d_eval":                       "opset 6 BatchNormalization",
	"test_BatchNorm3d_momentum_eval":              "opset 6 BatchNormalization",
	// A DOUBLE constant.
	"test_operator_addconstant": "DOUBLE tensors",
}

func TestConformance(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(nodeTestDir, "test_*"))
	if err != nil || len(dirs) == 0 {
		t.Skipf("ONNX node tests not found in %s (install Debian's libonnx-testdata)", nodeTestDir)
	}
	passed, total := runConformanceSet(t, dirs, conformanceExcluded)
	fmt.Printf("onnx conformance: %d/%d passed\n", passed, total)
	var extra []string
	for _, set := range []string{"pytorch-converted", "pytorch-operator", "simple"} {
		d, _ := filepath.Glob(filepath.Join(filepath.Dir(nodeTestDir), set, "test_*"))
		extra = append(extra, d...)
	}
	if len(extra) > 0 {
		passed, total := runConformanceSet(t, extra, extraExcluded)
		fmt.Printf("onnx conformance (PyTorch-exported sets): %d/%d passed\n", passed, total)
	}
}

// runConformanceSet runs the test directories whose operators are all
// supported; the excluded ones count in the total and must fail.
func runConformanceSet(t *testing.T, dirs []string, excluded map[string]string) (passed, total int) {
	sort.Strings(dirs)
	seen := map[string]bool{}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		data, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		ok, err := allSupported(data)
		if err != nil {
			t.Errorf("%s: decode: %v", name, err)
			continue
		}
		if !ok {
			continue
		}
		total++
		if why, ok := excluded[name]; ok {
			seen[name] = true
			if err := runNodeTest(dir); err == nil {
				t.Errorf("%s: excluded (%s) but passes: remove the exclusion", name, why)
			}
			continue
		}
		if err := runNodeTest(dir); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		passed++
	}
	for name := range excluded {
		if !seen[name] {
			t.Errorf("excluded test %s was not found", name)
		}
	}
	t.Logf("%d run, %d passed, %d excluded", total, passed, len(excluded))
	return passed, total
}
