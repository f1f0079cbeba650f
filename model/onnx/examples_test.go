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

// ortReference is an examples/<name>/model/<model>.ort.json file: ONNX
// Runtime's outputs for a batch of the example's test data.
type ortReference struct {
	Model   string     `json:"model"`
	Runtime string     `json:"runtime"`
	Inputs  []ortValue `json:"inputs"`
	Outputs []ortValue `json:"outputs"`
}

type ortValue struct {
	Name  string    `json:"name"`
	DType string    `json:"dtype"`
	Dims  []int     `json:"dims"`
	Data  []float64 `json:"data"`
}

func exampleReferences(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", "*", "model", "*.ort.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no example models with ONNX Runtime references under examples/*/model")
	}
	return files
}

func readReference(t testing.TB, file string) (*ortReference, string) {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var ref ortReference
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if len(ref.Inputs) != 1 || len(ref.Outputs) == 0 {
		t.Fatalf("%s: want one input and some outputs", file)
	}
	return &ref, filepath.Join(filepath.Dir(file), ref.Model)
}

// TestExamplesMatchONNXRuntime checks every output of every example model
// against ONNX Runtime within 1e-5.
func TestExamplesMatchONNXRuntime(t *testing.T) {
	for _, file := range exampleReferences(t) {
		name := strings.TrimSuffix(strings.TrimPrefix(file, filepath.Join("..", "..", "examples")+string(filepath.Separator)), ".ort.json")
		t.Run(name, func(t *testing.T) {
			ref, path := readReference(t, file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			g, err := compile(data, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			in := ref.Inputs[0]
			x := &tensor{dt: dtFloat, shape: in.Dims, f: make([]float32, len(in.Data))}
			for i, v := range in.Data {
				x.f[i] = float32(v)
			}
			r := newRunner(g, 2)
			if err := r.forward(context.Background(), []*tensor{x}); err != nil {
				t.Fatal(err)
			}
			worst := compareORT(t, g, r, ref.Outputs, func(float64) float64 { return 1e-5 })
			t.Logf("largest difference from %s: %.3g (relative beyond 1)", ref.Runtime, worst)
		})
	}
}

// TestExamplesAsTargets loads every example model as a target and checks
// Info and, for the differentiable ones, that a gradient is returned.
func TestExamplesAsTargets(t *testing.T) {
	for _, file := range exampleReferences(t) {
		ref, path := readReference(t, file)
		m, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		info := m.Info()
		in := ref.Inputs[0]
		if !slices.Equal(info.InputShape, in.Dims[1:]) {
			t.Errorf("%s: InputShape %v, want %v", path, info.InputShape, in.Dims[1:])
		}
		x := &model.Tensor{Shape: in.Dims, Data: make([]float32, len(in.Data))}
		for i, v := range in.Data {
			x.Data[i] = float32(v)
		}
		y, err := m.Predict(context.Background(), x)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if y.Batch() != x.Batch() {
			t.Errorf("%s: output batch %d, want %d", path, y.Batch(), x.Batch())
		}
		isTree := strings.Contains(path, "gbt")
		if info.Differentiable == isTree {
			t.Errorf("%s: Differentiable = %v", path, info.Differentiable)
		}
		if info.Differentiable {
			g, err := m.Gradient(context.Background(), x, y)
			if err != nil || !model.SameShape(g.Shape, x.Shape) {
				t.Errorf("%s: Gradient = %v, %v", path, g, err)
			}
		}
	}
}

// TestConcurrentUse runs predictions and gradients of one model from several
// goroutines at once (run it with -race) and checks them against a
// sequential run.
func TestConcurrentUse(t *testing.T) {
	file := exampleReferences(t)[0]
	for _, f := range exampleReferences(t) {
		if strings.Contains(f, "cnn") {
			file = f
		}
	}
	ref, path := readReference(t, file)
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	in := ref.Inputs[0]
	x := &model.Tensor{Shape: in.Dims, Data: make([]float32, len(in.Data))}
	for i, v := range in.Data {
		x.Data[i] = float32(v)
	}
	ctx := context.Background()
	want, err := m.Predict(ctx, x)
	if err != nil {
		t.Fatal(err)
	}
	wantG, err := m.Gradient(ctx, x, want)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for w := range 8 {
		go func() {
			rows := 1 + w*7%in.Dims[0]
			part, err := x.Slice(0, rows)
			if err == nil {
				var y *model.Tensor
				y, err = m.Predict(ctx, part)
				if err == nil && !slices.Equal(y.Data, want.Data[:len(y.Data)]) {
					err = fmt.Errorf("worker %d: outputs differ", w)
				}
				if err == nil && w%2 == 0 {
					var g *model.Tensor
					seed, _ := want.Slice(0, rows)
					g, err = m.Gradient(ctx, part, seed)
					if err == nil && !slices.Equal(g.Data, wantG.Data[:len(g.Data)]) {
						err = fmt.Errorf("worker %d: gradients differ", w)
					}
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// compareORT checks the outputs of a run against ONNX Runtime's: the shapes
// equal, every value within tol of the reference value w. It reports at most
// five differing values per output, then their count, and returns the
// largest difference, relative beyond magnitude 1.
func compareORT(t *testing.T, g *graph, r *runner, outs []ortValue, tol func(w float64) float64) float64 {
	t.Helper()
	worst := 0.0
	for _, o := range outs {
		vi, ok := g.byName[o.Name]
		if !ok {
			t.Fatalf("no output %q", o.Name)
		}
		got := r.vals[vi]
		if !slices.Equal(got.shape, o.Dims) {
			t.Fatalf("%s: shape %v, ONNX Runtime %v", o.Name, got.shape, o.Dims)
		}
		bad := 0
		for i, w := range o.Data {
			var v float64
			if got.dt == dtFloat {
				v = float64(got.f[i])
			} else {
				v = float64(got.i[i])
			}
			d := math.Abs(v - w)
			worst = math.Max(worst, d/math.Max(1, math.Abs(w)))
			if !(d <= tol(w)) {
				if bad++; bad <= 5 {
					t.Errorf("%s[%d] = %g, ONNX Runtime %g", o.Name, i, v, w)
				}
			}
		}
		if bad > 5 {
			t.Errorf("%s: %d of %d values differ", o.Name, bad, len(o.Data))
		}
	}
	return worst
}
