package onnx

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/aiassure/aiassure/model"
)

// The ai.onnx.ml models in testdata/ml were made from scikit-learn models by
// make_models.py; ort.json holds ONNX Runtime's outputs for them
// (run_ort.js).

type mlInput struct {
	Shape []int      `json:"shape"`
	Data  []*float64 `json:"data"`
}

type ortTensor struct {
	Type string            `json:"type"`
	Dims []int             `json:"dims"`
	Data []json.RawMessage `json:"data"`
}

func loadMLFixtures(t *testing.T) (map[string]mlInput, map[string]map[string]ortTensor) {
	t.Helper()
	var in map[string]mlInput
	var ref map[string]json.RawMessage
	for file, v := range map[string]any{"inputs.json": &in, "ort.json": &ref} {
		b, err := os.ReadFile(filepath.Join("testdata", "ml", file))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	out := map[string]map[string]ortTensor{}
	for name, raw := range ref {
		if name == "_runtime" {
			continue
		}
		var m map[string]ortTensor
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("ort.json %s: %v", name, err)
		}
		out[name] = m
	}
	return in, out
}

func (x mlInput) tensor() *tensor {
	f := make([]float32, len(x.Data))
	for i, v := range x.Data {
		if v == nil {
			f[i] = float32(math.NaN())
		} else {
			f[i] = float32(*v)
		}
	}
	return &tensor{dt: dtFloat, shape: x.Shape, f: f}
}

func TestMLOperatorsMatchONNXRuntime(t *testing.T) {
	inputs, ref := loadMLFixtures(t)
	names := make([]string, 0, len(inputs))
	for n := range inputs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "ml", name+".onnx"))
			if err != nil {
				t.Fatal(err)
			}
			g, err := compile(data, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			r := newRunner(g, 1)
			if err := r.forward(context.Background(), []*tensor{inputs[name].tensor()}); err != nil {
				t.Fatal(err)
			}
			want := ref[name]
			if name == "tree_iris_zipmap" {
				// ZipMap returns the probabilities of tree_iris.
				want = map[string]ortTensor{"label": want["label"], "zipped": ref["tree_iris"]["probabilities"]}
				want["zipped"] = ortTensor{Type: "float32", Dims: want["zipped"].Dims, Data: want["zipped"].Data}
			}
			if len(want) == 0 {
				t.Fatal("no reference outputs")
			}
			var labels []string
			for _, n := range g.nodes {
				if l, ok := n.k.(labeler); ok {
					labels = l.labels()
				}
			}
			for oname, w := range want {
				got := r.vals[g.byName[oname]]
				if got == nil {
					t.Fatalf("output %s not computed", oname)
				}
				if !slices.Equal(got.shape, w.Dims) {
					t.Fatalf("%s: shape %v, want %v", oname, got.shape, w.Dims)
				}
				for i, raw := range w.Data {
					switch w.Type {
					case "float32":
						var v float64
						if err := json.Unmarshal(raw, &v); err != nil {
							t.Fatal(err)
						}
						if d := math.Abs(float64(got.f[i]) - v); !(d <= 1e-5*math.Max(1, math.Abs(v))) {
							t.Errorf("%s[%d] = %g, ONNX Runtime %g", oname, i, got.f[i], v)
						}
					case "int64":
						var v int64
						if err := json.Unmarshal(raw, &v); err != nil {
							t.Fatal(err)
						}
						if got.i[i] != v {
							t.Errorf("%s[%d] = %d, ONNX Runtime %d", oname, i, got.i[i], v)
						}
					case "string":
						var v string
						if err := json.Unmarshal(raw, &v); err != nil {
							t.Fatal(err)
						}
						if got.i[i] < 0 || int(got.i[i]) >= len(labels) || labels[got.i[i]] != v {
							t.Errorf("%s[%d] = label %d of %v, ONNX Runtime %q", oname, i, got.i[i], labels, v)
						}
					default:
						t.Fatalf("%s: type %s", oname, w.Type)
					}
				}
			}
		})
	}
}

func TestMLModelTarget(t *testing.T) {
	m, err := Load(filepath.Join("testdata", "ml", "tree_iris_zipmap.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	info := m.Info()
	if info.Output != "zipped" || !slices.Equal(info.Labels, []string{"0", "1", "2"}) || info.Differentiable {
		t.Errorf("Info = %+v", info)
	}
	if !slices.Equal(info.OutputShape, []int{3}) {
		t.Errorf("OutputShape = %v, want [3]", info.OutputShape)
	}
	x := &model.Tensor{Shape: []int{2, 4}, Data: []float32{5.1, 3.5, 1.4, 0.2, 6.3, 3.3, 6, 2.5}}
	y, err := m.Predict(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	if got := y.ArgMax(); !slices.Equal(got, []int{0, 2}) {
		t.Errorf("argmax = %v, want [0 2]", got)
	}
	_, err = m.Gradient(context.Background(), x, y)
	if !errors.Is(err, model.ErrNotDifferentiable) {
		t.Errorf("Gradient error = %v, want ErrNotDifferentiable", err)
	}
}
