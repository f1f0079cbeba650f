package onnx

import (
	"context"
	"encoding/json"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// typeFeed is one input of testdata/types/inputs.json.
type typeFeed struct {
	Type  string            `json:"type"`
	Shape []int             `json:"shape"`
	Data  []json.RawMessage `json:"data"`
}

func (f typeFeed) tensor(t *testing.T) *tensor {
	t.Helper()
	x := &tensor{shape: f.Shape}
	for _, raw := range f.Data {
		switch f.Type {
		case "float64":
			x.dt = dtDouble
			x.d = append(x.d, decodeJSON[float64](t, raw))
		case "float32":
			x.dt = dtFloat
			x.f = append(x.f, float32(decodeJSON[float64](t, raw)))
		case "string":
			x.dt = dtString
			x.s = append(x.s, decodeJSON[string](t, raw))
		default:
			t.Fatalf("input type %q", f.Type)
		}
	}
	return x
}

func decodeJSON[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// typeTolerance is the allowed difference from ONNX Runtime per output, as
// atol + rtol*|v|. ONNX Runtime's CPU provider runs the FLOAT16 graph in
// float32 (it inserts casts around operators without FLOAT16 kernels and
// drops the redundant ones), while the interpreter rounds every operator's
// output to FLOAT16: the MLP's logits and probabilities differ by FLOAT16
// rounding, everything else agrees to float64 or float32 precision or
// exactly.
var typeTolerance = map[string][2]float64{
	"half_mlp/logits":        {0.03, 4e-3},
	"half_mlp/probabilities": {2e-3, 4e-3},
	// The transforms and RoiAlign accumulate in float64 here, in float32 in
	// ONNX Runtime (which uses a Bluestein FFT for lengths that are not a
	// power of two): the differences are float32 rounding of sums whose
	// largest values are 1 (dft_complex), 26 (dft_ecg), 50 (stft_ecg) and 15
	// (roialign).
	"dft_complex/y":    {1e-6, 0},
	"dft_ecg/full":     {1e-5, 0},
	"dft_ecg/half":     {5e-5, 0},
	"stft_ecg/y":       {2e-5, 0},
	"roialign_avg10/y": {1e-5, 0},
	"roialign_max/y":   {2e-5, 0},
}

// TestTypesMatchONNXRuntime runs the DOUBLE, FLOAT16, BFLOAT16 and STRING
// models of testdata/types (make_models.py) and compares every output with
// the ONNX Runtime outputs recorded by run_ort.js.
func TestTypesMatchONNXRuntime(t *testing.T) { matchONNXRuntime(t, "types") }

// TestSignalMatchONNXRuntime does the same for the DFT, STFT,
// MelWeightMatrix, RoiAlign and sequence models of testdata/signal, made
// from an ECG record and digits images.
func TestSignalMatchONNXRuntime(t *testing.T) { matchONNXRuntime(t, "signal") }

// matchONNXRuntime runs the models of testdata/<dir> on the inputs of its
// inputs.json and compares every output with ONNX Runtime's in its ort.json.
func matchONNXRuntime(t *testing.T, dir string) {
	var inputs map[string]map[string]typeFeed
	var ref map[string]json.RawMessage
	for file, v := range map[string]any{"inputs.json": &inputs, "ort.json": &ref} {
		b, err := os.ReadFile(filepath.Join("testdata", dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(inputs)) {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", dir, name+".onnx"))
			if err != nil {
				t.Fatal(err)
			}
			g, err := compile(data, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			var feeds []*tensor
			for _, v := range g.inputs {
				feeds = append(feeds, inputs[name][g.values[v].name].tensor(t))
			}
			r := newRunner(g, 1)
			if err := r.forward(context.Background(), feeds); err != nil {
				t.Fatal(err)
			}
			var want map[string]ortTensor
			if err := json.Unmarshal(ref[name], &want); err != nil {
				t.Fatal(err)
			}
			if len(want) != len(g.outputs) {
				t.Fatalf("%d reference outputs, the graph has %d", len(want), len(g.outputs))
			}
			for oname, w := range want {
				got := r.vals[g.byName[oname]]
				if !slices.Equal(got.shape, w.Dims) {
					t.Fatalf("%s: shape %v, ONNX Runtime %v", oname, got.shape, w.Dims)
				}
				tol, ok := typeTolerance[name+"/"+oname]
				if !ok {
					tol = [2]float64{0, 1e-12}
					if got.dt == dtFloat {
						tol = [2]float64{0, 1e-6}
					}
				}
				worst := 0.0
				for i, raw := range w.Data {
					switch w.Type {
					case "string":
						if v := decodeJSON[string](t, raw); got.s[i] != v {
							t.Errorf("%s[%d] = %q, ONNX Runtime %q", oname, i, got.s[i], v)
						}
					case "int64":
						if v := decodeJSON[int64](t, raw); got.i[i] != v {
							t.Errorf("%s[%d] = %d, ONNX Runtime %d", oname, i, got.i[i], v)
						}
					default:
						v := decodeJSON[float64](t, raw)
						d := math.Abs(num(got, i) - v)
						worst = max(worst, d)
						if !(d <= tol[0]+tol[1]*math.Abs(v)) {
							t.Errorf("%s[%d] = %.17g, ONNX Runtime %.17g", oname, i, num(got, i), v)
						}
					}
				}
				if got.dt.isFloat() {
					t.Logf("%s (%v): largest difference %.3g", oname, got.dt, worst)
				}
			}
		})
	}
}
