package metrics

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

type refCase struct {
	Name         string      `json:"name"`
	Y            []int       `json:"y"`
	Pred         []int       `json:"pred"`
	Scores       [][]float64 `json:"scores"`
	Positive     *int        `json:"positive"`
	ZeroDivision float64     `json:"zero_division"`
	Sklearn      struct {
		Accuracy         float64     `json:"accuracy"`
		BalancedAccuracy float64     `json:"balanced_accuracy"`
		Precision        []float64   `json:"precision"`
		Recall           []float64   `json:"recall"`
		F1               []float64   `json:"f1"`
		Support          []int       `json:"support"`
		Macro            []float64   `json:"macro"`
		Micro            []float64   `json:"micro"`
		Weighted         []float64   `json:"weighted"`
		FPR              []float64   `json:"fpr"`
		FNR              []float64   `json:"fnr"`
		Confusion        [][]int     `json:"confusion_matrix"`
		AccuracyWilson   []float64   `json:"accuracy_wilson95"`
		RecallWilson     [][]float64 `json:"recall_wilson95"`
		PrecisionWilson  [][]float64 `json:"precision_wilson95"`
		BinaryAverage    []float64   `json:"binary_average"`
		ROCAUC           *float64    `json:"roc_auc"`
		Brier            *float64    `json:"brier"`
		LogLoss          *float64    `json:"log_loss"`
		ECE10            *float64    `json:"ece10"`
		ECE15            *float64    `json:"ece15"`
	} `json:"sklearn"`
}

func loadReference(t *testing.T) []refCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "sklearn_reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []refCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Cases) < 8 {
		t.Fatalf("%d reference cases", len(doc.Cases))
	}
	return doc.Cases
}

const refTol = 1e-9

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > refTol || math.IsNaN(got) {
		t.Errorf("%s = %.17g, sklearn %.17g", what, got, want)
	}
}

// TestAgainstSklearn recomputes every value of
// testdata/sklearn_reference.json (made by tools/metrics_reference.py).
func TestAgainstSklearn(t *testing.T) {
	for _, c := range loadReference(t) {
		t.Run(c.Name, func(t *testing.T) {
			for _, bins := range []int{10, 15} {
				r, err := Compute(c.Y, c.Pred, c.Scores, Options{Positive: c.Positive, ZeroDivision: c.ZeroDivision, Resamples: -1, Bins: bins})
				if err != nil {
					t.Fatal(err)
				}
				s := c.Sklearn
				if bins == 15 {
					if s.ECE15 != nil {
						near(t, "ece15", r.ECE.Value, *s.ECE15)
					}
					continue
				}
				near(t, "accuracy", r.Accuracy.Value, s.Accuracy)
				near(t, "balanced_accuracy", r.BalancedAccuracy.Value, s.BalancedAccuracy)
				if len(r.PerClass) != len(s.Precision) {
					t.Fatalf("%d classes, sklearn %d", len(r.PerClass), len(s.Precision))
				}
				for k, pc := range r.PerClass {
					near(t, "precision", pc.Precision.Value, s.Precision[k])
					near(t, "recall", pc.Recall.Value, s.Recall[k])
					near(t, "f1", pc.F1.Value, s.F1[k])
					near(t, "fpr", pc.FPR.Value, s.FPR[k])
					near(t, "fnr", pc.FNR.Value, s.FNR[k])
					if pc.Support != s.Support[k] {
						t.Errorf("support[%d] = %d, sklearn %d", k, pc.Support, s.Support[k])
					}
					near(t, "precision lower", pc.Precision.Lower, s.PrecisionWilson[k][0])
					near(t, "precision upper", pc.Precision.Upper, s.PrecisionWilson[k][1])
					near(t, "recall lower", pc.Recall.Lower, s.RecallWilson[k][0])
					near(t, "recall upper", pc.Recall.Upper, s.RecallWilson[k][1])
				}
				for name, pair := range map[string][2]Average{"macro": {r.Macro}, "micro": {r.Micro}, "weighted": {r.Weighted}} {
					want := map[string][]float64{"macro": s.Macro, "micro": s.Micro, "weighted": s.Weighted}[name]
					near(t, name+" precision", pair[0].Precision.Value, want[0])
					near(t, name+" recall", pair[0].Recall.Value, want[1])
					near(t, name+" f1", pair[0].F1.Value, want[2])
				}
				for i := range s.Confusion {
					for j := range s.Confusion[i] {
						if r.Confusion[i][j] != s.Confusion[i][j] {
							t.Fatalf("confusion %v, sklearn %v", r.Confusion, s.Confusion)
						}
					}
				}
				near(t, "accuracy lower", r.Accuracy.Lower, s.AccuracyWilson[0])
				near(t, "accuracy upper", r.Accuracy.Upper, s.AccuracyWilson[1])
				if s.BinaryAverage != nil {
					pc := r.PerClass[r.Positive]
					near(t, "binary precision", pc.Precision.Value, s.BinaryAverage[0])
					near(t, "binary recall", pc.Recall.Value, s.BinaryAverage[1])
					near(t, "binary f1", pc.F1.Value, s.BinaryAverage[2])
				}
				if s.ROCAUC != nil {
					if r.ROCAUC == nil {
						t.Fatal("no ROC AUC")
					}
					near(t, "roc_auc", r.ROCAUC.Value, *s.ROCAUC)
					near(t, "brier", r.Brier.Value, *s.Brier)
					near(t, "log_loss", r.LogLoss.Value, *s.LogLoss)
					near(t, "ece10", r.ECE.Value, *s.ECE10)
				} else if r.ROCAUC != nil || r.ECE != nil {
					t.Error("score metrics without scores")
				}
			}
		})
	}
}
