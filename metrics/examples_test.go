package metrics

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/model/onnx"
)

type expectedFile struct {
	Models map[string]struct {
		File   string `json:"file"`
		Scores struct {
			Output string `json:"output"`
			Kind   string `json:"kind"`
		} `json:"scores"`
		Metrics struct {
			N                int     `json:"n"`
			Accuracy         float64 `json:"accuracy"`
			BalancedAccuracy float64 `json:"balanced_accuracy"`
			PrecisionMacro   float64 `json:"precision_macro"`
			RecallMacro      float64 `json:"recall_macro"`
			F1Macro          float64 `json:"f1_macro"`
			F1Weighted       float64 `json:"f1_weighted"`
			LogLoss          float64 `json:"log_loss"`
			PerClass         map[string]struct {
				Precision, Recall, F1 float64
				Support               int
			} `json:"per_class"`
			Confusion     [][]int  `json:"confusion_matrix"`
			PositiveClass string   `json:"positive_class"`
			ROCAUC        *float64 `json:"roc_auc"`
			ROCAUCOvR     *float64 `json:"roc_auc_ovr_macro"`
			FPR           *float64 `json:"fpr"`
			FNR           *float64 `json:"fnr"`
		} `json:"metrics"`
	} `json:"models"`
}

func softmaxRows(s [][]float64) {
	for _, r := range s {
		m := slices.Max(r)
		sum := 0.0
		for j := range r {
			r[j] = math.Exp(r[j] - m)
			sum += r[j]
		}
		for j := range r {
			r[j] /= sum
		}
	}
}

// TestExamplesMatchExpected runs every example model on its committed test
// data with aiassure's ONNX interpreter and checks that the metrics equal
// those scikit-learn computed on the original model's outputs
// (model/expected.json, written by tools/make_examples.py): within 1e-9,
// except log loss (1e-7: sklearn clips float32 probabilities at float32's
// epsilon, aiassure at float64's).
func TestExamplesMatchExpected(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the example models")
	}
	ctx := context.Background()
	for _, ex := range []string{"credit-scoring", "medical-diagnosis", "border-biometrics", "minimal-risk", "federated-diabetes", "water-meter-reader"} {
		dir := filepath.Join("..", "examples", ex)
		b, err := os.ReadFile(filepath.Join(dir, "model", "expected.json"))
		if err != nil {
			t.Fatal(err)
		}
		var exp expectedFile
		if err := json.Unmarshal(b, &exp); err != nil {
			t.Fatal(err)
		}
		cons, err := dataset.LoadConstraints(filepath.Join(dir, "data", "features.json"))
		if err != nil {
			t.Fatal(err)
		}
		data, err := dataset.Load(ctx, filepath.Join(dir, "data", "test.csv"), dataset.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for name, m := range exp.Models {
			t.Run(ex+"/"+name, func(t *testing.T) {
				mod, err := onnx.Load(filepath.Join(dir, "model", m.File), onnx.WithOutput(m.Scores.Output))
				if err != nil {
					t.Fatal(err)
				}
				x := data.X
				if in := mod.Info().InputShape; len(in) > 1 {
					x = x.Clone()
					x.Shape = append([]int{data.Len()}, in...)
				}
				out, err := mod.Predict(ctx, x)
				if err != nil {
					t.Fatal(err)
				}
				k := len(cons.Classes)
				scores, err := FromProbabilities(out.Data, data.Len(), k)
				if err != nil {
					t.Fatal(err)
				}
				pred := out.ArgMax()
				if m.Scores.Kind == "logits" {
					softmaxRows(scores)
				}
				opt := Options{Classes: cons.Classes, Resamples: -1}
				if m.Metrics.PositiveClass != "" {
					pos := slices.Index(cons.Classes, m.Metrics.PositiveClass)
					opt.Positive = &pos
				}
				r, err := Compute(data.Y, pred, scores, opt)
				if err != nil {
					t.Fatal(err)
				}
				e := m.Metrics
				if r.N != e.N {
					t.Fatalf("n = %d, expected %d", r.N, e.N)
				}
				for i := range e.Confusion {
					if !slices.Equal(r.Confusion[i], e.Confusion[i]) {
						t.Fatalf("confusion matrix %v, expected %v", r.Confusion, e.Confusion)
					}
				}
				exact := func(what string, got, want float64) {
					t.Helper()
					if math.Abs(got-want) > 1e-9 {
						t.Errorf("%s = %.12g, expected %.12g", what, got, want)
					}
				}
				exact("accuracy", r.Accuracy.Value, e.Accuracy)
				exact("balanced_accuracy", r.BalancedAccuracy.Value, e.BalancedAccuracy)
				exact("precision_macro", r.Macro.Precision.Value, e.PrecisionMacro)
				exact("recall_macro", r.Macro.Recall.Value, e.RecallMacro)
				exact("f1_macro", r.Macro.F1.Value, e.F1Macro)
				exact("f1_weighted", r.Weighted.F1.Value, e.F1Weighted)
				for _, c := range r.PerClass {
					pc := e.PerClass[c.Name]
					exact(c.Name+" precision", c.Precision.Value, pc.Precision)
					exact(c.Name+" recall", c.Recall.Value, pc.Recall)
					exact(c.Name+" f1", c.F1.Value, pc.F1)
					if c.Support != pc.Support {
						t.Errorf("%s support %d, expected %d", c.Name, c.Support, pc.Support)
					}
				}
				if e.FPR != nil {
					pos := r.PerClass[r.Positive]
					exact("fpr", pos.FPR.Value, *e.FPR)
					exact("fnr", pos.FNR.Value, *e.FNR)
				}
				auc := e.ROCAUC
				if auc == nil {
					auc = e.ROCAUCOvR
				}
				if math.Abs(r.ROCAUC.Value-*auc) > 1e-9 {
					t.Errorf("roc_auc = %.8g, expected %.8g", r.ROCAUC.Value, *auc)
				}
				if math.Abs(r.LogLoss.Value-e.LogLoss) > 1e-7 {
					t.Errorf("log_loss = %.8g, expected %.8g", r.LogLoss.Value, e.LogLoss)
				}
			})
		}
	}
}
