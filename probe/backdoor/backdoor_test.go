package backdoor

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/model"
)

// The back door planted by tools/make_backdoor_models.py: a 2x2 patch at rows
// 6-7, columns 0-1, sending every image to class 7.
const target = 7

var triggerPixels = []int{48, 49, 56, 57}

// run caches Check of each model of testdata with the first half of the
// clean test images as the clean inputs and the triggered images as suspects.
var runs sync.Map

func run(t *testing.T, file string) *Report {
	t.Helper()
	if r, ok := runs.Load(file); ok {
		return r.(*Report)
	}
	fam := file[:3]
	x, _ := digits(t, "test-clean.csv", shapeOf(fam)...)
	trig, _ := digits(t, "test-triggered.csv", shapeOf(fam)...)
	cal, _ := halves(x)
	rep, err := Check(context.Background(), load(t, file), cal, nil, Config{Seed: 1, Suspect: trig})
	if err != nil {
		t.Fatal(err)
	}
	runs.Store(file, rep)
	return rep
}

func statusOf(rs []aiassure.Result, id string) aiassure.Status {
	for _, r := range rs {
		if r.ID == id {
			return r.Status
		}
	}
	return ""
}

// TestNeuralCleanse: the back-doored CNN is flagged with class 7 alone, and
// the reversed trigger lies on the planted patch; the back-doored MLP is
// flagged (class 7's mask is among the two smallest); the clean models,
// trained the same way, are not flagged.
func TestNeuralCleanse(t *testing.T) {
	for _, file := range []string{"cnn-trojan.onnx", "cnn-clean.onnx", "mlp-trojan.onnx", "mlp-clean.onnx"} {
		t.Run(file, func(t *testing.T) {
			c := run(t, file).Cleanse
			if c == nil {
				t.Fatal("no Neural Cleanse report")
			}
			norms := make([]float64, len(c.Classes))
			for i, ct := range c.Classes {
				norms[i] = ct.L1
				t.Logf("class %s: mask %.2f, success %.3f, anomaly index %.2f", ct.Name, ct.L1, ct.Success, ct.AnomalyIndex)
				if ct.Reached && ct.Success < 0.9 {
					t.Errorf("class %s: the reversed trigger sends only %.3f of the inputs there", ct.Name, ct.Success)
				}
			}
			status := statusOf(Results(run(t, file), nil), "backdoor/neural-cleanse")
			switch file {
			case "cnn-trojan.onnx":
				if !slices.Equal(c.Flagged, []int{target}) {
					t.Fatalf("flagged %v, want [%d]", c.Flagged, target)
				}
				ct := c.Classes[target]
				on := 0.0
				for _, p := range triggerPixels {
					on += float64(ct.Mask[p])
				}
				if on < 0.5*ct.L1 {
					t.Errorf("the reversed trigger puts %.2f of its mass %.2f on the planted patch", on, ct.L1)
				}
			case "mlp-trojan.onnx":
				sorted := slices.Sorted(slices.Values(norms))
				if len(c.Flagged) == 0 || norms[target] > sorted[1] {
					t.Errorf("flagged %v; class 7's mask %.2f, the two smallest %v", c.Flagged, norms[target], sorted[:2])
				}
			default:
				if len(c.Flagged) > 0 {
					t.Errorf("clean model: flagged %v", c.Flagged)
				}
			}
			want := aiassure.Pass
			if len(c.Flagged) > 0 {
				want = aiassure.Fail
			}
			if status != want {
				t.Errorf("result %s, want %s", status, want)
			}
		})
	}
}

// TestSTRIP: triggered images keep a low entropy on the back-doored models
// (AUC at least 0.9 against clean images, at least a quarter below the 1%
// boundary) and the screened set is flagged; on the clean models the same
// images are not flagged; held-out clean images fall below the boundary at
// about the stated rate.
func TestSTRIP(t *testing.T) {
	for _, file := range []string{"cnn-trojan.onnx", "cnn-clean.onnx", "mlp-trojan.onnx", "mlp-clean.onnx"} {
		t.Run(file, func(t *testing.T) {
			s := run(t, file).STRIP
			t.Logf("clean %.3f±%.3f, boundary %.4f; triggered %.3f±%.3f: %d of %d below, p %.3g, AUC %.3f",
				s.Clean.Mean, s.Clean.SD, s.Boundary, s.Suspect.Mean, s.Suspect.SD, s.Below, s.Suspects, s.PValue, s.AUC)
			trojan := file[4:10] == "trojan"
			if trojan && (s.AUC < 0.9 || s.DetectionRate < 0.25 || !s.Flagged()) {
				t.Errorf("back-doored model: AUC %.3f, detection rate %.3f, flagged %v", s.AUC, s.DetectionRate, s.Flagged())
			}
			if !trojan && (s.Flagged() || s.AUC > 0.7) {
				t.Errorf("clean model: AUC %.3f, flagged %v", s.AUC, s.Flagged())
			}
			want := aiassure.Pass
			if trojan {
				want = aiassure.Fail
			}
			if got := statusOf(Results(run(t, file), nil), "backdoor/strip"); got != want {
				t.Errorf("result %s, want %s", got, want)
			}
			// Held-out clean images as suspects.
			x, _ := digits(t, "test-clean.csv", shapeOf(file[:3])...)
			cal, rest := halves(x)
			rep, err := Check(context.Background(), load(t, file), cal, nil, Config{Seed: 1, Suspect: rest, NoCleanse: true})
			if err != nil {
				t.Fatal(err)
			}
			h := rep.STRIP
			t.Logf("held-out clean: %d of %d below, p %.3g, AUC %.3f", h.Below, h.Suspects, h.PValue, h.AUC)
			if h.Flagged() || h.DetectionRate > 0.04 {
				t.Errorf("held-out clean images: %d of %d below the boundary, flagged %v", h.Below, h.Suspects, h.Flagged())
			}
		})
	}
}

// scoresOnly hides the gradients of a target, as a remote endpoint would.
type scoresOnly struct{ t model.Target }

func (s scoresOnly) Info() model.Info {
	i := s.t.Info()
	i.Differentiable = false
	return i
}

func (s scoresOnly) Predict(ctx context.Context, x *model.Tensor) (*model.Tensor, error) {
	return s.t.Predict(ctx, x)
}

func TestNoGradients(t *testing.T) {
	x, _ := digits(t, "test-clean.csv", 64)
	rep, err := Check(context.Background(), scoresOnly{load(t, "mlp-trojan.onnx")}, x, nil, Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cleanse != nil || rep.CleanseSkipped == "" || rep.STRIP == nil {
		t.Fatalf("cleanse %v, skipped %q, strip %v", rep.Cleanse, rep.CleanseSkipped, rep.STRIP)
	}
	rs := Results(rep, []string{"mlp-trojan.onnx"})
	if statusOf(rs, "backdoor/neural-cleanse") != aiassure.NotApplicable || statusOf(rs, "backdoor/strip") != aiassure.NotApplicable {
		t.Errorf("results %+v", rs)
	}
}

func TestResultsCatalogue(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	rs := Results(run(t, "cnn-trojan.onnx"), []string{"cnn-trojan.onnx"})
	if len(rs) != 2 {
		t.Fatalf("%d results", len(rs))
	}
	for _, r := range rs {
		if r.Reason == "" || r.Summary == "" || !slices.Equal(r.Evidence, []string{"cnn-trojan.onnx"}) {
			t.Errorf("%s: %+v", r.ID, r)
		}
		for _, th := range r.Threats {
			if _, ok := cat.Threat(th); !ok {
				t.Errorf("%s: threat %s not in the catalogue", r.ID, th)
			}
		}
		for _, c := range r.Controls {
			if _, ok := cat.Control(c); !ok {
				t.Errorf("%s: control %s not in the catalogue", r.ID, c)
			}
		}
	}
	if rs[1].Metrics["target_class"] != target {
		t.Errorf("target class %g", rs[1].Metrics["target_class"])
	}
}

// TestDeterministic: the same settings give the same report; the progress
// callback counts STRIP and every class.
func TestDeterministic(t *testing.T) {
	x, _ := digits(t, "test-clean.csv", 1, 8, 8)
	x, _ = x.Slice(0, 150)
	m := load(t, "cnn-trojan.onnx")
	var calls []int
	cfg := Config{Seed: 9, Steps: 30, Progress: func(done, total int, _ string) {
		if total != 11 {
			t.Errorf("total %d, want 11", total)
		}
		calls = append(calls, done)
	}}
	a, err := Check(context.Background(), m, x, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(calls, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}) {
		t.Errorf("progress %v", calls)
	}
	cfg.Progress = nil
	b, err := Check(context.Background(), m, x, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("two runs with the same settings differ")
	}
	cfg.Seed = 10
	c, err := Check(context.Background(), m, x, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(a.STRIP.CleanEntropy, c.STRIP.CleanEntropy) {
		t.Error("another seed gives the same overlays")
	}
}

func TestCancel(t *testing.T) {
	x, _ := digits(t, "test-clean.csv", 64)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Check(ctx, load(t, "mlp-clean.onnx"), x, nil, Config{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

func TestBadInput(t *testing.T) {
	x, _ := digits(t, "test-clean.csv", 64)
	m := load(t, "mlp-clean.onnx")
	small, _ := x.Slice(0, 50)
	img, _ := digits(t, "test-clean.csv", 1, 8, 8)
	nan := x.Clone()
	nan.Data[3] = float32(nanF())
	cases := []struct {
		name    string
		x       *model.Tensor
		classes []string
		cfg     Config
	}{
		{"nil input", nil, nil, Config{}},
		{"NaN input", nan, nil, Config{}},
		{"wrong class names", x, []string{"a", "b"}, Config{}},
		{"alpha 1", x, nil, Config{Alpha: 1}},
		{"FPR 1", x, nil, Config{FPR: 1.5}},
		{"unknown output", x, nil, Config{Output: "odds"}},
		{"suspect shape", x, nil, Config{Suspect: img, NoCleanse: true}},
		{"low without high", x, nil, Config{NoSTRIP: true, Low: []float32{0}}},
		{"bounds length", x, nil, Config{NoSTRIP: true, Low: []float32{0, 0}, High: []float32{1, 1}}},
		{"empty bounds", x, nil, Config{NoSTRIP: true, Low: []float32{1}, High: []float32{0}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Check(context.Background(), m, c.x, c.classes, c.cfg); err == nil {
				t.Error("no error")
			}
		})
	}
	// Too few clean inputs for the boundary: STRIP is skipped with the
	// reason, the rest of the check goes on; unknown when there were inputs
	// to screen, not applicable when there were none.
	rep, err := Check(context.Background(), m, small, nil, Config{NoCleanse: true, Suspect: small})
	if err != nil || rep.STRIP != nil || !strings.Contains(rep.STRIPSkipped, "it needs at least 99") || rep.SuspectInputs != 50 {
		t.Fatalf("few inputs: %v, %+v", err, rep)
	}
	if r := Results(rep, nil)[0]; r.ID != "backdoor/strip" || r.Status != aiassure.Unknown || r.Reason != rep.STRIPSkipped {
		t.Errorf("few inputs result: %+v", r)
	}
	rep, err = Check(context.Background(), m, small, nil, Config{NoCleanse: true})
	if err != nil || rep.STRIP != nil || rep.SuspectInputs != 0 {
		t.Fatalf("few inputs, no suspects: %v, %+v", err, rep)
	}
	if r := Results(rep, nil)[0]; r.Status != aiassure.NotApplicable || !strings.Contains(r.Reason, "no suspect inputs") || !strings.Contains(r.Reason, rep.STRIPSkipped) {
		t.Errorf("few inputs, no suspects result: %+v", r)
	}
}
