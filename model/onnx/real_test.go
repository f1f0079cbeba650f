package onnx

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/aiassure/aiassure/model"
)

// realDir holds the exported transformer and CNN models, models.json (the
// cases) and ONNX Runtime's outputs for them (tools/ort_real.mjs).
const realDir = "testdata/real"

type realCase struct {
	Case    string   `json:"case"`
	Model   string   `json:"model"`
	Cache   bool     `json:"cache"`
	Outputs []string `json:"outputs"`
}

type realReference struct {
	Case        string     `json:"case"`
	Model       string     `json:"model"`
	ModelSHA256 string     `json:"model_sha256"`
	Runtime     string     `json:"runtime"`
	Inputs      []ortValue `json:"inputs"`
	Outputs     []ortValue `json:"outputs"`
}

// realCacheDir is where tools/fetch_real_models.sh puts the published models.
func realCacheDir() string {
	if d := os.Getenv("AIASSURE_REAL_MODELS"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".cache", "aiassure", "onnx-real")
}

func realCases(t testing.TB) []realCase {
	b, err := os.ReadFile(filepath.Join(realDir, "models.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []realCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Cases
}

// loadRealCase reads a case's model and reference; ok is false when a
// published model or its reference is not in the cache.
func loadRealCase(t testing.TB, c realCase) (model []byte, ref *realReference, ok bool) {
	dir := realDir
	if c.Cache {
		dir = realCacheDir()
	}
	model, err := os.ReadFile(filepath.Join(dir, c.Model))
	if err == nil {
		var b []byte
		if b, err = os.ReadFile(filepath.Join(dir, filepath.Dir(c.Model), c.Case+".ort.json")); err == nil {
			ref = new(realReference)
			err = json.Unmarshal(b, ref)
		}
	}
	if c.Cache && errors.Is(err, fs.ErrNotExist) {
		return nil, nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return model, ref, true
}

// feed converts a reference input to a tensor.
func (v ortValue) feed(t testing.TB) *tensor {
	x := &tensor{shape: v.Dims}
	switch v.DType {
	case "float32":
		x.dt, x.f = dtFloat, make([]float32, len(v.Data))
		for i, d := range v.Data {
			x.f[i] = float32(d)
		}
	case "int64":
		x.dt, x.i = dtInt64, make([]int64, len(v.Data))
		for i, d := range v.Data {
			x.i[i] = int64(d)
		}
	default:
		t.Fatalf("input %s: type %s", v.Name, v.DType)
	}
	return x
}

// realTolerance is the bound on |Go - ONNX Runtime| for one value w of ONNX
// Runtime: 1e-4 absolute up to |w| = 1, 1e-4 relative beyond.
func realTolerance(w float64) float64 { return 1e-4 * math.Max(1, math.Abs(w)) }

// TestRealModelsMatchONNXRuntime runs every case of testdata/real/models.json
// (transformers, CNNs, a quantised CNN, published PaddleOCR, GRU and
// scikit-learn models) and compares every output with ONNX Runtime's.
func TestRealModelsMatchONNXRuntime(t *testing.T) {
	for _, c := range realCases(t) {
		t.Run(c.Case, func(t *testing.T) {
			data, ref, ok := loadRealCase(t, c)
			if !ok {
				t.Skipf("%s or its reference is not in %s: run tools/fetch_real_models.sh and node tools/ort_real.mjs", c.Model, realCacheDir())
			}
			if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != ref.ModelSHA256 {
				t.Fatalf("%s.ort.json was made for another %s: rerun node tools/ort_real.mjs", c.Case, c.Model)
			}
			g, err := compile(data, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if len(ref.Inputs) != len(g.inputs) {
				t.Fatalf("%d reference inputs, the graph has %d", len(ref.Inputs), len(g.inputs))
			}
			feeds := make([]*tensor, len(g.inputs))
			for k, vi := range g.inputs {
				i := slices.IndexFunc(ref.Inputs, func(v ortValue) bool { return v.Name == g.values[vi].name })
				if i < 0 {
					t.Fatalf("no reference input %q", g.values[vi].name)
				}
				feeds[k] = ref.Inputs[i].feed(t)
			}
			r := newRunner(g, 2)
			if err := r.forward(context.Background(), feeds); err != nil {
				t.Fatal(err)
			}
			worst := compareORT(t, g, r, ref.Outputs, realTolerance)
			t.Logf("%s: largest difference from %s %.3g (relative beyond 1)", c.Model, ref.Runtime, worst)
		})
	}
}

// TestRealModelGradients checks Gradient on the exported encoder (fed
// embeddings, the input a white-box attack on a text model perturbs; both its
// outputs) against central differences: on 64 random elements and
// along one random direction through all of them.
func TestRealModelGradients(t *testing.T) {
	for _, c := range []struct {
		model, output string
		scale         float32
	}{
		{"bert_tiny_embeds.onnx", "logits", 0.1},
		{"bert_tiny_embeds.onnx", "last_hidden_state", 0.1},
	} {
		t.Run(c.model+"/"+c.output, func(t *testing.T) {
			m, err := Load(filepath.Join(realDir, c.model), WithOutput(c.output))
			if err != nil {
				t.Fatal(err)
			}
			if !m.Info().Differentiable {
				t.Fatal("Info().Differentiable is false")
			}
			rng := rand.New(rand.NewPCG(5, 6))
			shape := append([]int{2}, m.Info().InputShape...)
			if shape[1] < 0 { // the encoder's sequence axis
				shape[1] = 12
			}
			x := &model.Tensor{Shape: shape, Data: make([]float32, prod(shape))}
			for i := range x.Data {
				x.Data[i] = c.scale * float32(rng.NormFloat64())
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
			h := c.scale / 20
			var num, den float64
			for _, i := range rng.Perm(len(x.Data))[:64] {
				fd := centralDiff(t, m, x, seed, i, h)
				d := float64(g.Data[i]) - fd
				num, den = num+d*d, den+fd*fd
				// 1e-3: the float32 rounding of a thousand outputs, over 2h.
				if math.Abs(d) > 1e-3+2e-2*math.Abs(fd) {
					t.Errorf("x[%d]: gradient %g, finite difference %g", i, g.Data[i], fd)
				}
			}
			if den == 0 || math.Sqrt(num/den) > 5e-3 {
				t.Errorf("relative error %.3g over 64 elements (|fd| %.3g)", math.Sqrt(num/den), math.Sqrt(den))
			}
			// Along a direction v: (L(x+hv) - L(x-hv)) / 2h against <g, v>.
			v := make([]float32, len(x.Data))
			var gv float64
			for i := range v {
				v[i] = float32(rng.NormFloat64())
				gv += float64(v[i]) * float64(g.Data[i])
			}
			shift := func(s float32) float64 {
				xs := &model.Tensor{Shape: x.Shape, Data: slices.Clone(x.Data)}
				for i := range xs.Data {
					xs.Data[i] += s * v[i]
				}
				return lossOf(t, m, xs, seed)
			}
			step := c.scale / 100
			fd := (shift(step) - shift(-step)) / float64(2*step)
			if math.Abs(fd-gv) > 1e-2*math.Abs(fd) {
				t.Errorf("directional derivative %g, <gradient, v> %g", fd, gv)
			}
			t.Logf("relative error %.3g over 64 elements; directional %g vs %g", math.Sqrt(num/den), fd, gv)
		})
	}
}

// processCPU is the user and system time of the process so far: on a
// machine shared with other work it measures the cost of a single-threaded
// run better than the wall clock.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRealPredict times the exported encoder (fed embeddings, 16
// tokens) and ResNet at batch 1 and 32, on one thread and on GOMAXPROCS;
// bench/onnx-real/run sets it beside ONNX Runtime on the same models.
func BenchmarkRealPredict(b *testing.B) {
	for _, bm := range []struct {
		name string
		dims []int
	}{{"bert_tiny_embeds", []int{16, 64}}, {"resnet_tiny", []int{3, 32, 32}}} {
		for _, threads := range []int{1, 0} {
			for _, batch := range []int{1, 32} {
				b.Run(fmt.Sprintf("%s/batch=%d/threads=%s", bm.name, batch, threadName(threads)), func(b *testing.B) {
					opts := []Option{}
					if threads > 0 {
						opts = append(opts, WithThreads(threads))
					}
					m, err := Load(filepath.Join(realDir, bm.name+".onnx"), opts...)
					if err != nil {
						b.Fatal(err)
					}
					x, err := model.Zeros(append([]int{batch}, bm.dims...)...)
					if err != nil {
						b.Fatal(err)
					}
					rng := rand.New(rand.NewPCG(1, 1))
					for i := range x.Data {
						x.Data[i] = rng.Float32() - 0.5
					}
					ctx := context.Background()
					b.ResetTimer()
					cpu0 := processCPU()
					for b.Loop() {
						if _, err := m.Predict(ctx, x); err != nil {
							b.Fatal(err)
						}
					}
					samples := float64(batch) * float64(b.N)
					b.ReportMetric(samples/b.Elapsed().Seconds(), "samples/s")
					b.ReportMetric(samples/(processCPU()-cpu0).Seconds(), "samples/cpu-s")
				})
			}
		}
	}
}

// TestFuseLayerNormExported checks that the five LayerNorms of the exported
// encoder (written as ReduceMean, Sub, Pow, Sqrt, Div, Mul, Add at opset 14)
// become LayerNormalization nodes, its two GELUs (Div, Erf, Add, Mul, Mul)
// gelu nodes and its Linear layers MatMuls that add their bias, and the same
// in the fuzz seed fused_patterns.onnx; TestRealModelsMatchONNXRuntime checks the
// outputs and TestRealModelGradients the gradient through them.
func TestFuseLayerNormExported(t *testing.T) {
	for _, c := range []struct {
		file              string
		norms, gelus, mms int
		nodes             int
	}{
		// Q, K, V, attention output, intermediate, output: 6 biased MatMuls per layer
		{filepath.Join(realDir, "bert_tiny_embeds.onnx"), 5, 2, 12, 0},
		{filepath.Join("testdata", "seed", "fused_patterns.onnx"), 1, 1, 1, 3}, // 16 nodes before
	} {
		data, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		g, err := compile(data, DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		ops := map[string]int{}
		biased := 0
		for _, n := range g.nodes {
			ops[n.op]++
			if k, ok := n.k.(*matmulOp); ok && k.bias != nil {
				biased++
			}
		}
		if ops["LayerNormalization"] != c.norms || ops["Gelu"] != c.gelus || ops["Pow"]+ops["Sqrt"]+ops["Erf"] != 0 {
			t.Errorf("%s after fusion: %v; want %d LayerNormalization, %d Gelu, no Pow, Sqrt or Erf", c.file, ops, c.norms, c.gelus)
		}
		if biased != c.mms {
			t.Errorf("%s: %d MatMuls add their bias, want %d", c.file, biased, c.mms)
		}
		if c.nodes > 0 && len(g.nodes) != c.nodes {
			t.Errorf("%s: %d nodes after fusion, want %d", c.file, len(g.nodes), c.nodes)
		}
	}
}
