package cli

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/model"
	"github.com/aiassure/aiassure/model/onnx"
	"github.com/aiassure/aiassure/model/remote"
	"github.com/aiassure/aiassure/model/remote/testserver"
)

const ex = "../../../../examples/"

func TestProbe(t *testing.T) {
	iris := []string{"-model", ex + "minimal-risk/model/mlp.onnx", "-data", ex + "minimal-risk/data/test.csv"}
	dir := t.TempDir()
	tests := []struct {
		name      string
		args      []string
		code      int
		out, errs string
	}{
		{"text", iris, ExitOK, "evasion/square-linf", ""},
		{"curve in text", iris, ExitOK, "ROBUSTNESS CURVES", ""},
		{"criterion under a pass", iris, ExitOK, "keeps 80% of its skill: the attack broke 6 of 45 correctly classified samples (13.3%, 95% CI 6.3–26.2%); robust accuracy at least 0.738 (95%) ≥ limit 0.667; criterion: no robust accuracy declared", ""},
		{"one attack", append([]string{"-attacks", "pgd-linf", "-epsilon", "0.1", "-samples", "10"}, iris...), ExitOK, "pgd-linf (L∞) on mlp.onnx at ε=0.1", ""},
		{"metrics only", append([]string{"-suite", "metrics"}, iris...), ExitOK, "metrics/measured", ""},
		{"no model", []string{"-data", ex + "minimal-risk/data/test.csv"}, ExitUsage, "", "usage: aiassure probe"},
		{"format contradicts -o", append([]string{"-format", "text", "-o", filepath.Join(dir, "r.json")}, iris...), ExitUsage, "", "-format text contradicts -o"},
		{"model and endpoint", append([]string{"-endpoint", "http://127.0.0.1:1"}, iris...), ExitUsage, "", "usage: aiassure probe"},
		{"bad level", append([]string{"-level", "extreme"}, iris...), ExitUsage, "", `assurance level "extreme"`},
		{"bad attack", append([]string{"-attacks", "cw-l2"}, iris...), ExitUsage, "", `unknown evasion attack "cw-l2"`},
		{"attack settings", append([]string{"-attack", "pgd-linf:steps=5,restarts=2,step=0.3", "-attack", "square-linf:iterations=30,p_init=0.05", "-samples", "10"}, iris...), ExitOK,
			"settings: -attack pgd-linf:steps=5,restarts=2,step=0.3,random_start=true square-linf (black-box-score, linf):", ""},
		{"ensemble and masking check", append([]string{"-attack", "pgd-linf:steps=5", "-attack", "square-linf", "-samples", "10"}, iris...), ExitOK, "evasion/ensemble-linf", ""},
		{"attack setting it does not take", append([]string{"-attack", "square-linf:steps=40"}, iris...), ExitUsage, "", `attack square-linf has no setting "steps" (its settings: iterations, p_init, budget)`},
		{"attack setting out of range", append([]string{"-attack", "square-linf:p_init=3"}, iris...), ExitUsage, "", "out of range [0, 1]"},
		{"attack named twice", append([]string{"-attacks", "fgsm", "-attack", "pgd-linf", "-attack", "pgd-linf:steps=3"}, iris...), ExitUsage, "", "pgd-linf named twice"},
		{"bad suite", append([]string{"-suite", "fuzzing"}, iris...), ExitUsage, "", `unknown suite "fuzzing"`},
		{"bad epsilon", append([]string{"-epsilon", "big"}, iris...), ExitUsage, "", `-epsilon "big"`},
		{"negative epsilon", append([]string{"-epsilon", "-0.1"}, iris...), ExitUsage, "", "not a positive number"},
		{"bad budget", append([]string{"-budget", "0"}, iris...), ExitUsage, "", "-budget"},
		{"bad format", append([]string{"-format", "xml"}, iris...), ExitUsage, "", `-format: unknown format "xml" (have text, json)`},
		{"missing model", []string{"-model", filepath.Join(dir, "none.onnx"), "-data", ex + "minimal-risk/data/test.csv"}, ExitUsage, "", "none.onnx"},
		{"missing data", []string{"-model", ex + "minimal-risk/model/mlp.onnx", "-data", filepath.Join(dir, "none.csv")}, ExitUsage, "", "none.csv"},
		{"data that does not fit", []string{"-model", ex + "minimal-risk/model/mlp.onnx", "-data", ex + "medical-diagnosis/data/test.csv"}, ExitUsage, "", "bad input"},
		{"json endpoint without mapping", []string{"-endpoint", "http://127.0.0.1:1/predict", "-protocol", "json", "-data", ex + "minimal-risk/data/test.csv"}, ExitUsage, "", "needs -mapping"},
		{"oip endpoint without name", []string{"-endpoint", "http://127.0.0.1:1", "-data", ex + "minimal-risk/data/test.csv"}, ExitUsage, "", "-endpoint-model"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := run(t, append([]string{"probe"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d\nstderr: %s", code, tt.code, errs)
			}
			if !strings.Contains(oneLine(out), tt.out) {
				t.Errorf("stdout does not contain %q:\n%.3000s", tt.out, out)
			}
			if !strings.Contains(errs, tt.errs) {
				t.Errorf("stderr does not contain %q:\n%s", tt.errs, errs)
			}
			if line := doubled(errs); line != "" {
				t.Errorf("doubled prefix in %q", line)
			}
			if strings.Contains(errs, "\r") {
				t.Error("progress bar drawn on a non-terminal")
			}
		})
	}
}

func TestProbeJSON(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, errs := run(t, "probe", "-model", ex+"credit-scoring/model/mlp.onnx", "-data", ex+"credit-scoring/data/test.csv",
		"-level", "substantial", "-samples", "20", "-budget", "50", "-format", "json", "-o", out)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Results []aiassure.Result `json:"results"`
		Summary struct {
			Level    string `json:"level"`
			Attacked int    `json:"attacked"`
			Samples  int    `json:"samples"`
			Evasion  []struct {
				Attack   string             `json:"attack"`
				Settings map[string]float64 `json:"settings"`
			} `json:"evasion"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Summary.Level != "substantial" || doc.Summary.Attacked != 20 || doc.Summary.Samples != 300 {
		t.Errorf("summary %+v", doc.Summary)
	}
	ids := map[string]aiassure.Status{}
	for _, r := range doc.Results {
		ids[r.ID] = r.Status
	}
	// The plan's settings, defaults filled in, in the summary.
	want := map[string]map[string]float64{
		"pgd-linf":      {"steps": 20, "restarts": 3, "step": 0.125, "random_start": 1},
		"square-linf":   {"iterations": 300, "p_init": 0.1, "budget": 50},
		"deepfool-linf": {"iterations": 50, "overshoot": 0.02},
	}
	for _, rep := range doc.Summary.Evasion {
		if w, ok := want[rep.Attack]; ok && !maps.Equal(rep.Settings, w) {
			t.Errorf("%s: settings %v, want %v", rep.Attack, rep.Settings, w)
		}
	}
	for _, id := range []string{"metrics/measured", "evasion/pgd-linf", "evasion/square-linf", "evasion/deepfool-linf", "evasion/ensemble-linf", "evasion/gradient-masking-linf"} {
		if _, ok := ids[id]; !ok {
			t.Errorf("no result %s in %v", id, ids)
		}
	}
}

// TestProbeEndpoint tests the example MLP served over the Open Inference
// Protocol: a black box, so only the black-box attacks run, within the
// hard query limit.
func TestProbeEndpoint(t *testing.T) {
	m, err := onnx.Load(ex + "minimal-risk/model/mlp.onnx")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := testserver.New(m, testserver.Config{Name: "iris"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	t.Setenv(remote.TokenEnv, srv.Token)
	code, out, errs := run(t, "probe", "-endpoint", srv.URL+"/v2/models/iris", "-data", ex+"minimal-risk/data/test.csv",
		"-level", "substantial", "-samples", "10", "-budget", "30", "-max-queries", "100000", "-format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Contains(out+errs, srv.Token) {
		t.Error("the token appears in the output")
	}
	var doc struct {
		Results []aiassure.Result `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]aiassure.Status{}
	for _, r := range doc.Results {
		got[r.ID] = r.Status
	}
	if got["evasion/pgd-linf"] != aiassure.NotApplicable || got["evasion/square-linf"] == "" || got["evasion/hopskipjump-linf"] == "" {
		t.Errorf("results %v", got)
	}
	if srv.Samples() == 0 {
		t.Error("the endpoint saw no query")
	}
}

func TestProgressLine(t *testing.T) {
	cases := []struct {
		done, total int
		want        string
	}{
		{0, 4, "[..............................]   0% x"},
		{2, 4, "[###############...............]  50% x"},
		{5, 4, "[##############################] 100% x"},
	}
	for _, c := range cases {
		if got := strings.TrimRight(progressLine(c.done, c.total, "x"), " "); got != c.want {
			t.Errorf("%d/%d: %q, want %q", c.done, c.total, got, c.want)
		}
	}
}

func TestProbePrivacy(t *testing.T) {
	const td = "../../../../probe/privacy/testdata/"
	priv := []string{"-suite", "privacy", "-model", td + "overfit.onnx", "-members", td + "members.csv", "-non-members", td + "nonmembers.csv",
		"-references", "2", "-extraction-budget", "50"}
	tests := []struct {
		name      string
		args      []string
		code      int
		out, errs string
	}{
		{"text", priv, ExitOK, "PRIVACY (400 members, 400 non-members", ""},
		{"roc metrics", priv, ExitOK, "privacy/mia-lira", ""},
		{"inversion", append([]string{"-sensitive", "property_magnitude"}, priv...), ExitOK, "inversion of property_magnitude", ""},
		{"no members", []string{"-suite", "privacy", "-model", td + "overfit.onnx"}, ExitUsage, "", "-suite privacy needs -members FILE and -non-members FILE"},
		{"members alone", []string{"-suite", "privacy", "-model", td + "overfit.onnx", "-members", td + "members.csv"}, ExitUsage, "", "needs both -members and -non-members"},
		{"members without the suite", []string{"-suite", "metrics", "-model", td + "overfit.onnx", "-data", td + "nonmembers.csv", "-members", td + "members.csv", "-non-members", td + "nonmembers.csv"}, ExitUsage, "", "which -suite leaves out"},
		{"missing members", []string{"-suite", "privacy", "-model", td + "overfit.onnx", "-members", td + "none.csv", "-non-members", td + "nonmembers.csv"}, ExitUsage, "", "none.csv"},
		{"members that do not fit", []string{"-suite", "privacy", "-model", td + "overfit.onnx", "-members", ex + "minimal-risk/data/test.csv", "-non-members", td + "nonmembers.csv"}, ExitUsage, "", "bad input"},
		{"bad references", append(append([]string{}, priv...), "-references", "1"), ExitUsage, "", "-references"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := run(t, append([]string{"probe"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d\nstderr: %s", code, tt.code, errs)
			}
			if !strings.Contains(oneLine(out), tt.out) {
				t.Errorf("stdout does not contain %q:\n%.3000s", tt.out, out)
			}
			if !strings.Contains(errs, tt.errs) {
				t.Errorf("stderr does not contain %q:\n%s", tt.errs, errs)
			}
		})
	}
	// JSON: the results carry the metric names of docs/privacy.md.
	out := filepath.Join(t.TempDir(), "p.json")
	if code, _, errs := run(t, append([]string{"probe", "-format", "json", "-o", out}, priv...)...); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Results []aiassure.Result `json:"results"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range doc.Results {
		if r.ID == "privacy/mia-threshold" {
			found = true
			for _, k := range []string{"roc_auc", "tpr_at_fpr_0.001", "tpr_at_fpr_0.01", "roc_auc_lo", "tpr_at_fpr_0.01_hi"} {
				if _, ok := r.Metrics[k]; !ok {
					t.Errorf("no metric %s", k)
				}
			}
		}
	}
	if !found {
		t.Errorf("no privacy/mia-threshold in %s", b)
	}
}

// labelsOnly answers with the one-hot decided class, as an endpoint that
// returns labels only.
type labelsOnly struct{ model.Target }

func (l labelsOnly) Predict(ctx context.Context, x *model.Tensor) (*model.Tensor, error) {
	out, err := l.Target.Predict(ctx, x)
	if err != nil {
		return nil, err
	}
	k := out.RowLen()
	for i, c := range out.ArgMax() {
		row := out.Data[i*k : (i+1)*k]
		clear(row)
		row[c] = 1
	}
	return out, nil
}

// TestProbePrivacyEndpoint runs the privacy suite against a live OIP
// endpoint that returns labels only: the suite says so, skips the
// score-based attacks, and stays within -max-queries.
func TestProbePrivacyEndpoint(t *testing.T) {
	const td = "../../../../probe/privacy/testdata/"
	m, err := onnx.Load(td + "regularised.onnx")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := testserver.New(labelsOnly{m}, testserver.Config{Name: "credit"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	t.Setenv(remote.TokenEnv, srv.Token)
	code, out, errs := run(t, "probe", "-suite", "privacy", "-level", "substantial", "-endpoint", srv.URL+"/v2/models/credit",
		"-members", td+"members.csv", "-non-members", td+"nonmembers.csv", "-references", "2", "-extraction-budget", "50",
		"-max-queries", "20000")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"the target returns labels only", "skipped: lira: needs scores", "skipped: rmia: needs scores", "privacy/mia-threshold", "privacy/mia-label-only", "extraction from labels"} {
		if !strings.Contains(oneLine(out), want) {
			t.Errorf("output lacks %q:\n%.4000s", want, out)
		}
	}
	if strings.Contains(out, "extraction from scores") {
		t.Error("extraction from scores on a labels-only endpoint")
	}
	// 800 answers and 16 noisy copies of each for the label-only attack.
	if n := srv.Samples(); n != 800*17 {
		t.Errorf("%d samples sent, want %d", n, 800*17)
	}
	// A budget that runs out skips the attacks that need more queries and
	// says why; the others stand.
	code, out, errs = run(t, "probe", "-suite", "privacy", "-level", "substantial", "-endpoint", srv.URL+"/v2/models/credit",
		"-members", td+"members.csv", "-non-members", td+"nonmembers.csv", "-references", "2", "-extraction-budget", "50",
		"-max-queries", "2000", "-sensitive", "property_magnitude")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"privacy/mia-threshold", "failed: label-only: the target's answers failed", "failed: inversion of property_magnitude", "UNKNOWN privacy/mia-label-only"} {
		if !strings.Contains(oneLine(out), want) {
			t.Errorf("output lacks %q:\n%.4000s", want, out)
		}
	}
}

// TestProbeAvailabilityEndpoint runs the availability suite against the
// example MLP served over OIP: the latency profile, the sponge search
// (timed, the endpoint cannot count its work) and the malformed requests,
// sent to the one inference URL with the endpoint's credentials.
func TestProbeAvailabilityEndpoint(t *testing.T) {
	m, err := onnx.Load(ex + "minimal-risk/model/mlp.onnx")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := testserver.New(m, testserver.Config{Name: "iris"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	t.Setenv(remote.TokenEnv, srv.Token)
	code, out, errs := run(t, "probe", "-endpoint", srv.URL+"/v2/models/iris", "-data", ex+"minimal-risk/data/test.csv",
		"-suite", "availability", "-samples", "10", "-max-queries", "100000", "-timeout", "60s")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"availability/latency", "availability/sponge", "availability/malformed", "MALFORMED REQUESTS", "oip-wrong-shape: 400 rejected", "criterion"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+errs, srv.Token) {
		t.Error("the token appears in the output")
	}
	if srv.AuthFailures() != 0 {
		t.Errorf("%d requests without the credentials", srv.AuthFailures())
	}
}

// TestProbeAvailabilityJSON sends the malformed requests to a mapped JSON
// endpoint (the test server's /predict), built from the mapping file.
func TestProbeAvailabilityJSON(t *testing.T) {
	m, err := onnx.Load(ex + "minimal-risk/model/mlp.onnx")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := testserver.New(m, testserver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	t.Setenv(remote.TokenEnv, srv.Token)
	mapping := filepath.Join(t.TempDir(), "map.json")
	if err := os.WriteFile(mapping, []byte(`{"output_path": "predictions[*].scores", "input_shape": [4]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "probe", "-endpoint", srv.URL+"/predict", "-protocol", "json", "-mapping", mapping,
		"-data", ex+"minimal-risk/data/test.csv", "-suite", "availability", "-samples", "5", "-level", "basic", "-requests", "7", "-sponge-budget", "20", "-format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Results []aiassure.Result `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]aiassure.Status{}
	for _, r := range doc.Results {
		got[r.ID] = r.Status
		if r.ID == "availability/latency" && r.Metrics["requests"] != 7 || r.ID == "availability/sponge" && r.Metrics["evaluations"] != 20 {
			t.Errorf("%s ignores -requests/-sponge-budget: %v", r.ID, r.Metrics)
		}
	}
	if got["availability/malformed"] != aiassure.Pass || got["availability/latency"] != aiassure.Pass || got["availability/sponge"] == "" {
		t.Errorf("results %v", got)
	}
}
