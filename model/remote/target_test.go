package remote

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aiassure/aiassure/model"
	"github.com/aiassure/aiassure/model/remote/testserver"
)

// examples lists the example models served in the equivalence tests.
var examples = []struct{ dir, file string }{
	{"minimal-risk", "mlp.onnx"},
	{"medical-diagnosis", "logreg.onnx"},
	{"credit-scoring", "gbt.onnx"},
	{"border-biometrics", "cnn.onnx"},
}

// TestOIPMatchesLocal checks that an OIP target's outputs equal the local
// ONNX model's on the example data, for FP32 and FP64 score outputs, with
// batches split into requests that do not divide the batch evenly.
func TestOIPMatchesLocal(t *testing.T) {
	ctx := context.Background()
	for _, e := range examples {
		ex := loadExample(t, e.dir, e.file, 150)
		want, err := ex.model.Predict(ctx, ex.x)
		if err != nil {
			t.Fatal(err)
		}
		for _, dt := range []string{"FP32", "FP64"} {
			t.Run(ex.name+"/"+dt, func(t *testing.T) {
				s := serve(t, ex, testserver.Config{Name: "m-" + e.dir, OutputDatatype: dt})
				tgt, err := NewOIP(ctx, s.URL, "m-"+e.dir, WithBearerToken(s.Token), WithMaxBatch(32), WithConcurrency(3))
				if err != nil {
					t.Fatal(err)
				}
				info, local := tgt.Info(), ex.model.Info()
				if diff := cmp.Diff([]any{local.Input, local.Output, local.InputShape, local.OutputShape, "oip"},
					[]any{info.Input, info.Output, info.InputShape, info.OutputShape, info.Kind}); diff != "" {
					t.Errorf("Info (-local +remote):\n%s", diff)
				}
				got, err := tgt.Predict(ctx, ex.x)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("outputs differ (-local +remote):\n%s", diff)
				}
				if n := s.Samples(); n != int64(ex.x.Batch()) {
					t.Errorf("server predicted %d samples, want %d", n, ex.x.Batch())
				}
				if b := s.MaxBatch(); b != 32 {
					t.Errorf("largest request had %d samples, want 32", b)
				}
				if st := tgt.Stats(); st.Samples != int64(ex.x.Batch()) || st.Requests != int64((ex.x.Batch()+31)/32)+2 /* health, metadata */ {
					t.Errorf("stats %+v for %d samples", st, ex.x.Batch())
				}
			})
		}
	}
}

// TestOIPLabelOutput reads the INT64 label output and compares it with the
// local model's argmax.
func TestOIPLabelOutput(t *testing.T) {
	ctx := context.Background()
	ex := loadExample(t, "minimal-risk", "mlp.onnx", 45)
	s := serve(t, ex, testserver.Config{Name: "iris"})
	tgt, err := NewOIP(ctx, s.URL, "iris", WithBearerToken(s.Token), WithOutput("label"), WithVersion("1"))
	if err != nil {
		t.Fatal(err)
	}
	if got := tgt.Outputs(); !cmp.Equal(got, []string{"probabilities", "label"}) {
		t.Errorf("Outputs() = %v", got)
	}
	got, err := tgt.Predict(ctx, ex.x)
	if err != nil {
		t.Fatal(err)
	}
	probs, _ := ex.model.Predict(ctx, ex.x)
	want := make([]float32, ex.x.Batch())
	for i, k := range probs.ArgMax() {
		want[i] = float32(k)
	}
	if diff := cmp.Diff(&model.Tensor{Shape: []int{ex.x.Batch()}, Data: want}, got); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
}

func TestOIPConstructionErrors(t *testing.T) {
	ctx := context.Background()
	ex := loadExample(t, "minimal-risk", "mlp.onnx", 1)
	s := serve(t, ex, testserver.Config{Name: "iris"})
	for _, tc := range []struct {
		name  string
		model string
		opts  []Option
		want  string
	}{
		{"unknown model", "nope", nil, `HTTP 404 Not Found: model "nope" not found`},
		{"unknown version", "iris", []Option{WithVersion("7")}, `version "7" of model "iris" not found`},
		{"unknown output", "iris", []Option{WithOutput("zz")}, `no output named "zz"`},
		{"unknown input", "iris", []Option{WithInput("zz")}, `no input named "zz"`},
		{"empty name", "", nil, "empty model name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewOIP(ctx, s.URL, tc.model, append(tc.opts, WithBearerToken(s.Token))...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestInputShapeErrors checks the Target contract: a wrong shape is an error.
func TestInputShapeErrors(t *testing.T) {
	ctx := context.Background()
	ex := loadExample(t, "minimal-risk", "mlp.onnx", 2)
	s := serve(t, ex, testserver.Config{})
	tgt, err := NewOIP(ctx, s.URL, "model", WithBearerToken(s.Token))
	if err != nil {
		t.Fatal(err)
	}
	nan := ex.x.Clone()
	nan.Data[3] = float32(nanValue())
	for name, x := range map[string]*model.Tensor{
		"wrong width": {Shape: []int{2, 5}, Data: make([]float32, 10)},
		"no batch":    {Shape: []int{}, Data: []float32{1}},
		"rank 3":      {Shape: []int{1, 2, 2}, Data: make([]float32, 4)},
		"short data":  {Shape: []int{2, 4}, Data: make([]float32, 7)},
		"empty batch": {Shape: []int{0, 4}, Data: nil},
		"NaN":         nan,
		"nil tensor":  nil,
	} {
		if _, err := tgt.Predict(ctx, x); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if n := s.Requests(); n != 0 {
		t.Errorf("%d requests sent for invalid inputs", n)
	}
	// The input is not modified.
	before := ex.x.Clone()
	if _, err := tgt.Predict(ctx, ex.x); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, ex.x); diff != "" {
		t.Errorf("Predict modified x:\n%s", diff)
	}
}

// TestJSONMatchesLocal drives the generic JSON target against /predict with
// several mappings: scores in rows, nested and object layouts, and labels.
func TestJSONMatchesLocal(t *testing.T) {
	ctx := context.Background()
	for _, e := range examples {
		ex := loadExample(t, e.dir, e.file, 100)
		want, err := ex.model.Predict(ctx, ex.x)
		if err != nil {
			t.Fatal(err)
		}
		in := ex.model.Info()
		s := serve(t, ex, testserver.Config{Features: ex.features})
		k := in.OutputShape[len(in.OutputShape)-1]
		labels := make([]string, k)
		for i := range labels {
			labels[i] = "class-" + strconv.Itoa(i)
		}
		s2 := serve(t, ex, testserver.Config{Labels: labels})
		layouts := []string{"rows", "objects"}
		if len(in.InputShape) > 1 {
			layouts = []string{"rows", "nested"}
		}
		for _, layout := range layouts {
			t.Run(ex.name+"/scores/"+layout, func(t *testing.T) {
				m := Mapping{
					Request:     `{"instances": null, "options": {"explain": false}}`,
					InputPath:   "$.instances",
					InputLayout: layout,
					OutputPath:  "predictions[*].scores",
					InputShape:  in.InputShape,
					OutputShape: in.OutputShape,
				}
				if layout == "objects" {
					m.Features = ex.features
				}
				tgt, err := NewJSON(s.URL+"/predict", m, WithBearerToken(s.Token), WithMaxBatch(17))
				if err != nil {
					t.Fatal(err)
				}
				got, err := tgt.Predict(ctx, ex.x)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("outputs differ (-local +remote):\n%s", diff)
				}
			})
		}
		t.Run(ex.name+"/labels", func(t *testing.T) {
			tgt, err := NewJSON(s2.URL+"/predict", Mapping{LabelPath: "predictions[*].label", InputShape: in.InputShape, Labels: labels},
				WithBearerToken(s2.Token))
			if err != nil {
				t.Fatal(err)
			}
			got, err := tgt.Predict(ctx, ex.x)
			if err != nil {
				t.Fatal(err)
			}
			if !cmp.Equal(got.Shape, []int{ex.x.Batch(), k}) {
				t.Fatalf("shape %v", got.Shape)
			}
			if diff := cmp.Diff(want.ArgMax(), got.ArgMax()); diff != "" {
				t.Errorf("labels differ (-local +remote):\n%s", diff)
			}
		})
	}
}

func TestJSONSingle(t *testing.T) {
	ctx := context.Background()
	ex := loadExample(t, "minimal-risk", "mlp.onnx", 10)
	s := serve(t, ex, testserver.Config{})
	// The server takes a batch; a template holding a one-element batch and
	// paths into element 0 make a per-sample API of it.
	tgt, err := NewJSON(s.URL+"/predict", Mapping{
		Request: `{"instances": [null]}`, InputPath: "instances[0]", Single: true,
		OutputPath: "predictions[0].scores", InputShape: []int{4},
	}, WithBearerToken(s.Token), WithMaxBatch(64))
	if err != nil {
		t.Fatal(err)
	}
	got, err := tgt.Predict(ctx, ex.x)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ex.model.Predict(ctx, ex.x)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-local +remote):\n%s", diff)
	}
	if s.Requests() != 10 || s.MaxBatch() != 1 {
		t.Errorf("%d requests, largest batch %d; want 10 and 1", s.Requests(), s.MaxBatch())
	}
}

func TestJSONMappingErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Mapping
		want string
	}{
		{"no output", Mapping{InputShape: []int{4}}, "output path"},
		{"both outputs", Mapping{InputShape: []int{4}, OutputPath: "a", LabelPath: "b"}, "not both"},
		{"no shape", Mapping{OutputPath: "a"}, "input shape is required"},
		{"bad template", Mapping{Request: "{", OutputPath: "a", InputShape: []int{4}}, "request template"},
		{"template clash", Mapping{Request: `{"instances": 3}`, InputPath: "instances.x", OutputPath: "a", InputShape: []int{4}}, "not an object"},
		{"wildcard input", Mapping{InputPath: "a[*]", OutputPath: "a", InputShape: []int{4}}, "wildcard"},
		{"labels missing", Mapping{LabelPath: "a", InputShape: []int{4}}, "list of labels"},
		{"features missing", Mapping{InputLayout: "objects", OutputPath: "a", InputShape: []int{4}}, "0 features"},
		{"bad layout", Mapping{InputLayout: "csv", OutputPath: "a", InputShape: []int{4}}, "input layout"},
		{"credential header", Mapping{OutputPath: "a", InputShape: []int{4}, Headers: map[string]string{"authorization": "x"}}, "carries credentials"},
		{"bad method", Mapping{Method: "DELETE", OutputPath: "a", InputShape: []int{4}}, "POST or PUT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewJSON("http://127.0.0.1:1/x", tc.m, WithoutCredentials())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := NewJSON("http://127.0.0.1:1/x", Mapping{OutputPath: "a", InputShape: []int{4}}, WithOutput("x")); err == nil {
		t.Error("OIP-only option accepted")
	}
	if _, err := NewJSON("ftp://h/x", Mapping{OutputPath: "a", InputShape: []int{4}}); err == nil {
		t.Error("ftp URL accepted")
	}
}

// TestConcurrencyBound checks that at most Concurrency requests are in flight
// at once, across concurrent Predict calls, and that results stay in order.
func TestConcurrencyBound(t *testing.T) {
	ctx := context.Background()
	ex := loadExample(t, "medical-diagnosis", "mlp.onnx", 60)
	s := serve(t, ex, testserver.Config{})
	s.SetDelay(10 * time.Millisecond)
	tgt, err := NewOIP(ctx, s.URL, "model", WithBearerToken(s.Token), WithConcurrency(3), WithMaxBatch(5))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ex.model.Predict(ctx, ex.x)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			got, err := tgt.Predict(ctx, ex.x)
			if err == nil && !cmp.Equal(want, got) {
				err = errors.New("outputs differ from the local model's")
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if m := s.MaxInFlight(); m > 3 || m < 2 {
		t.Errorf("max in flight %d, want 2..3", m)
	}
}
