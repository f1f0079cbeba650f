package probe

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/model/onnx"
)

// TestGradientMasking runs the substantial plan (shrunk by Quick) on the
// medical-diagnosis MLP behind input discretisation (testdata/
// masked-mlp.onnx, made by tools/make_masked_model.py: every feature
// rounded to 17 levels, so its gradient is zero), where the gradient-masking
// check must flag the black-box Square Attack beating PGD and DeepFool, and
// on the same MLP without it, where it must not.
func TestGradientMasking(t *testing.T) {
	for _, c := range []struct {
		model  string
		masked bool
	}{
		{filepath.Join("testdata", "masked-mlp.onnx"), true},
		{filepath.Join("..", "examples", "medical-diagnosis", "model", "mlp.onnx"), false},
	} {
		t.Run(filepath.Base(c.model), func(t *testing.T) {
			_, r, cons := load(t, "medical-diagnosis", "mlp.onnx")
			m, err := onnx.Load(c.model)
			if err != nil {
				t.Fatal(err)
			}
			pl := quick("substantial")
			pl.Suites = []string{SuiteEvasion}
			rs, _, err := Run(context.Background(), RunInput{Target: m, Data: r, Constraints: cons, Plan: pl})
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(rs, func(r aiassure.Result) bool { return r.ID == "evasion/gradient-masking-linf" })
			if i < 0 {
				t.Fatalf("no gradient-masking result in %d results", len(rs))
			}
			res := rs[i]
			t.Logf("%s: %s", res.Status, res.Summary)
			if !c.masked {
				if res.Status != aiassure.Pass || len(res.Threats) != 0 {
					t.Errorf("masking flagged on the plain MLP: %s: %s", res.Status, res.Reason)
				}
				return
			}
			if res.Status != aiassure.Unknown || res.Metrics["black_box_beats_white_box"] != 1 ||
				!slices.Equal(res.Threats, []aiassure.ThreatID{"evasion-white-box"}) {
				t.Fatalf("masking not flagged: %s %v: %s", res.Status, res.Threats, res.Reason)
			}
			// The ensemble takes the black-box findings in.
			ra := map[string]float64{}
			for _, r := range rs {
				ra[r.ID] = r.Metrics["robust_accuracy"]
			}
			if e := ra["evasion/ensemble-linf"]; e > ra["evasion/square-linf"] || e >= ra["evasion/pgd-linf"] {
				t.Errorf("robust accuracies %v", ra)
			}
		})
	}
}
