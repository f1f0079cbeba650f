package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/model/onnx"
	"github.com/aiassure/aiassure/model/remote/testserver"
)

const (
	medModel = "../../../../examples/medical-diagnosis/model/mlp.onnx"
	medData  = "../../../../examples/medical-diagnosis/data/test.csv"
)

// TestPredictEndpointEqualsLocal serves an example model over the Open
// Inference Protocol on loopback, with authentication, and checks that
// predict gives the same output through the endpoint as from the file.
func TestPredictEndpointEqualsLocal(t *testing.T) {
	m, err := onnx.Load(medModel)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := testserver.New(m, testserver.Config{Name: "diag"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	code, local, errs := run(t, "predict", "-model", medModel, "-data", medData)
	if code != ExitOK {
		t.Fatalf("local predict: %d %s", code, errs)
	}
	// Without the token the server refuses.
	t.Setenv("AIASSURE_ENDPOINT_TOKEN", "wrong")
	if code, _, errs := run(t, "predict", "-endpoint", srv.URL, "-endpoint-model", "diag", "-data", medData); code == ExitOK {
		t.Fatalf("predict with a wrong token succeeded: %s", errs)
	} else if strings.Contains(errs, "wrong") {
		t.Errorf("the token leaked into the error: %s", errs)
	}
	t.Setenv("AIASSURE_ENDPOINT_TOKEN", srv.Token)
	code, remote, errs := run(t, "predict", "-endpoint", srv.URL, "-endpoint-model", "diag", "-data", medData, "-max-queries", "1000")
	if code != ExitOK {
		t.Fatalf("endpoint predict: %d %s", code, errs)
	}
	if remote != local {
		t.Errorf("endpoint output differs from local output")
	}
	if strings.Count(local, "\n") != 144 { // header + 143 test rows
		t.Errorf("local output has %d lines, want 144", strings.Count(local, "\n"))
	}
	// A budget smaller than the data set stops the run with a clear error.
	if code, _, errs := run(t, "predict", "-endpoint", srv.URL, "-endpoint-model", "diag", "-data", medData, "-max-queries", "10", "-batch", "5"); code == ExitOK || !strings.Contains(errs, "budget") {
		t.Errorf("budget of 10 over 143 rows: exit %d, stderr %q", code, errs)
	}
}

func TestPredictUsage(t *testing.T) {
	for _, args := range [][]string{
		{"predict", "-data", medData},
		{"predict", "-model", medModel},
		{"predict", "-model", medModel, "-endpoint", "http://127.0.0.1:1", "-data", medData},
		{"predict", "-model", medModel, "-data", medData, "-format", "xml"},
		{"predict", "-model", "nope.onnx", "-data", medData},
	} {
		if code, _, _ := run(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}

// TestPredictOutputs: -o FILE.jsonl writes JSON lines, -o FILE.csv CSV,
// and a contradiction is refused.
func TestPredictOutputs(t *testing.T) {
	dir := t.TempDir()
	jl := filepath.Join(dir, "p.jsonl")
	code, out, errs := run(t, "predict", "-model", medModel, "-data", medData, "-o", jl)
	if code != ExitOK || out != "" || !strings.HasPrefix(errs, "wrote "+jl+" (json, ") || !strings.Contains(errs, " rows") {
		t.Fatalf("predict -o p.jsonl: exit %d, stderr %q", code, errs)
	}
	b, _ := os.ReadFile(jl)
	first, _, _ := strings.Cut(string(b), "\n")
	var rec struct{ Pred *int }
	if err := json.Unmarshal([]byte(first), &rec); err != nil || rec.Pred == nil {
		t.Errorf("first line is not a prediction: %q (%v)", first, err)
	}
	if code, _, errs := run(t, "predict", "-model", medModel, "-data", medData, "-format", "csv", "-o", filepath.Join(dir, "p.json")); code != ExitUsage || !strings.Contains(errs, "contradicts") {
		t.Errorf("-format csv -o p.json: exit %d: %s", code, errs)
	}
}

// TestPredictImageRows feeds an image model its CSV rows of pixels: each
// flat row is given the model's sample shape, and the predictions agree
// with the labels as well as the example's recorded accuracy says.
func TestPredictImageRows(t *testing.T) {
	code, out, errs := run(t, "predict", "-model", "../../../../examples/border-biometrics/model/cnn.onnx",
		"-data", "../../../../examples/border-biometrics/data/test.csv", "-format", "csv")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	right := 0
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		if len(f) > 2 && f[1] == f[2] {
			right++
		}
	}
	if n := len(lines) - 1; n != 450 || float64(right)/float64(n) < 0.9 {
		t.Errorf("%d rows, %d predicted right", n, right)
	}
}
