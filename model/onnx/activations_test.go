package onnx

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/model"
)

// TestPenultimate checks the layer Penultimate names on the example models
// and the digits models of probe/backdoor (names as the exporters wrote
// them), and that it refuses models without a hidden dense layer.
func TestPenultimate(t *testing.T) {
	for _, tc := range []struct {
		file, want, err string
		dims            int
	}{
		{"examples/border-biometrics/model/cnn.onnx", "/Flatten_output_0", "", 0},
		{"examples/border-biometrics/model/mlp.onnx", "/1/Relu_output_0", "", 0},
		{"examples/credit-scoring/model/mlp.onnx", "/net/net.4/Relu_output_0", "", 0},
		{"examples/federated-diabetes/model/fedavg-mlp.onnx", "/net/net.2/Relu_output_0", "", 0},
		{"examples/medical-diagnosis/model/mlp.onnx", "/net/net.2/Relu_output_0", "", 0},
		{"examples/minimal-risk/model/mlp.onnx", "h0_relu", "", 0},
		{"examples/water-meter-reader/model/digit-cnn.onnx", "/net/Flatten_output_0", "", 0},
		{"probe/backdoor/testdata/cnn-trojan.onnx", "/Flatten_output_0", "", 128},
		{"probe/backdoor/testdata/mlp-trojan.onnx", "/1/Relu_output_0", "", 64},
		{"examples/medical-diagnosis/model/logreg.onnx", "", "no hidden layer", 0},
		{"examples/credit-scoring/model/gbt.onnx", "", "no dense layer", 0},
	} {
		m, err := Load(filepath.Join("..", "..", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.Penultimate()
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: got %q, %v; want an error with %q", tc.file, got, err, tc.err)
			}
			continue
		case err != nil || got != tc.want:
			t.Errorf("%s: got %q, %v; want %q", tc.file, got, err, tc.want)
			continue
		}
		// The activations have a batch dimension and, when a row is
		// known, its size; asking for the output gives Predict's values.
		x, err := model.Zeros(append([]int{3}, m.Info().InputShape...)...)
		if err != nil {
			t.Fatal(err)
		}
		for i := range x.Data {
			x.Data[i] = float32(i%7) / 7
		}
		out, err := m.Activations(context.Background(), x, got, m.Info().Output)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if out[0].Batch() != 3 || (tc.dims > 0 && out[0].RowLen() != tc.dims) {
			t.Errorf("%s: activations of shape %v", tc.file, out[0].Shape)
		}
		y, err := m.Predict(context.Background(), x)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(y.Data, out[1].Data) {
			t.Errorf("%s: the output through Activations differs from Predict", tc.file)
		}
	}
}

// TestActivationsMatchTorch compares the penultimate activations of the
// digits models with torch's on the first training rows
// (tools/make_backdoor_models.py).
func TestActivationsMatchTorch(t *testing.T) {
	dir := filepath.Join("..", "..", "probe", "backdoor", "testdata")
	b, err := os.ReadFile(filepath.Join(dir, "activations_reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Models map[string]struct {
			FirstRows [][]float64 `json:"first_rows"`
		} `json:"models"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	rows := readCSVRows(t, filepath.Join(dir, "train-poisoned.csv"), 5)
	for name, r := range ref.Models {
		m, err := Load(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		layer, err := m.Penultimate()
		if err != nil {
			t.Fatal(err)
		}
		x := &model.Tensor{Shape: append([]int{len(rows) / 64}, m.Info().InputShape...), Data: rows}
		out, err := m.Activations(context.Background(), x, layer)
		if err != nil {
			t.Fatal(err)
		}
		a := out[0]
		for i, want := range r.FirstRows {
			for j, w := range want {
				if g := float64(a.Data[i*a.RowLen()+j]); math.Abs(g-w) > 1e-5 {
					t.Fatalf("%s: row %d activation %d is %g, torch %g", name, i, j, g, w)
				}
			}
		}
	}
}

// readCSVRows reads the first n rows of pixels (without the label) of a
// digits CSV.
func readCSVRows(t *testing.T, file string, n int) []float32 {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")[1 : n+1]
	var out []float32
	for _, l := range lines {
		f := strings.Split(l, ",")
		for _, s := range f[:len(f)-1] {
			var v float64
			if _, err := fmt.Sscan(s, &v); err != nil {
				t.Fatal(err)
			}
			out = append(out, float32(v))
		}
	}
	return out
}

// TestActivationsErrors checks the values Activations refuses.
func TestActivationsErrors(t *testing.T) {
	m, err := Load(filepath.Join("..", "..", "probe", "backdoor", "testdata", "mlp-trojan.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	x, _ := model.Zeros(2, 64)
	for _, tc := range []struct{ name, want string }{
		{"nope", "has no value"},
		{"/0/Gemm_output_0", "fused"}, // the Relu is applied by the Gemm
		{"0.weight", "constant"},
	} {
		if _, err := m.Activations(context.Background(), x, tc.name); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	if _, err := m.Activations(context.Background(), x); err == nil {
		t.Error("no names: no error")
	}
	if _, err := m.Activations(context.Background(), &model.Tensor{Shape: []int{2, 3}, Data: make([]float32, 6)}, "/1/Relu_output_0"); err == nil {
		t.Error("a wrong input shape: no error")
	}
	if out, err := m.Activations(context.Background(), x, "input"); err != nil || !slices.Equal(out[0].Data, x.Data) {
		t.Errorf("the input: %v", err)
	}
}
