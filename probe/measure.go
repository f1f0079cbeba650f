package probe

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/metrics"
	"github.com/aiassure/aiassure/model"
	"github.com/aiassure/aiassure/profile"
)

// measure computes the metrics of the recorded scores and compares them
// with the declared levels. Without declared levels (other than robust
// accuracy, which the attacks judge) it returns one not_applicable Result
// that reports what was measured; like the Results of skipped attacks it
// names no threat, so it neither raises nor lowers a likelihood.
func measure(t *teeReader, classes []string, declared []profile.Declared, pl Plan, evidence []string) ([]aiassure.Result, *metrics.Report, error) {
	k := len(t.scores[0])
	if len(classes) != k {
		classes = nil
	}
	for i, y := range t.y {
		if y < 0 || y >= k {
			return nil, nil, fmt.Errorf("sample %d has label %d, the model scores %d classes", i, y, k)
		}
	}
	rep, err := metrics.Compute(t.y, nil, t.scores, metrics.Options{
		Classes: classes, Resamples: pl.Resamples, Seed: pl.Seed,
	})
	if err != nil {
		return nil, nil, err
	}
	var claims []profile.Declared
	for _, d := range declared {
		if d.Metric != "robust_accuracy" {
			claims = append(claims, d)
		}
	}
	if len(claims) > 0 {
		return metrics.Results(rep, metrics.Compare(claims, rep, pl.Basis), evidence), rep, nil
	}
	a := rep.Accuracy
	return []aiassure.Result{{
		ID: "metrics/measured", Check: "metrics/accuracy", Status: aiassure.NotApplicable,
		Summary:  fmt.Sprintf("accuracy %.4f (95%% CI %.4f-%.4f, n=%d); the profile declares no performance level to compare it with", a.Value, a.Lower, a.Upper, rep.N),
		Reason:   "no declared level (performance in the profile)",
		Controls: []aiassure.ControlID{"c-accuracy-testing"}, Requirements: []aiassure.RequirementID{"ai-act-art-15-3"},
		Category: aiassure.ModelFlaws,
		Metrics:  map[string]float64{"accuracy": a.Value, "accuracy_lower": a.Lower, "accuracy_upper": a.Upper, "n": float64(rep.N)},
		Evidence: slices.Clone(evidence),
	}}, rep, nil
}

// probabilities turns a batch of outputs into rows of class probabilities:
// rows that are already probabilities are kept, others go through softmax;
// a single column is the probability (or logit) of class 1.
func probabilities(out *model.Tensor) ([][]float64, error) {
	if err := out.Validate(); err != nil || len(out.Shape) < 1 {
		return nil, fmt.Errorf("model output of shape %v: %v", out.Shape, err)
	}
	b := out.Batch()
	k := 1
	if b > 0 {
		k = len(out.Data) / b
	}
	if b == 0 || k < 1 {
		return nil, errors.New("the model returned no scores")
	}
	rows := make([][]float64, b)
	for i := range b {
		r := out.Data[i*k : (i+1)*k]
		for _, v := range r {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("the model's output for a sample is not finite")
			}
		}
		if k == 1 {
			p := float64(r[0])
			if p < 0 || p > 1 {
				p = 1 / (1 + math.Exp(-p))
			}
			rows[i] = []float64{1 - p, p}
			continue
		}
		row := make([]float64, k)
		sum, neg := 0.0, false
		for j, v := range r {
			row[j] = float64(v)
			sum += row[j]
			neg = neg || v < 0
		}
		if neg || math.Abs(sum-1) > 1e-3 {
			m := slices.Max(row)
			sum = 0
			for j := range row {
				row[j] = math.Exp(row[j] - m)
				sum += row[j]
			}
		}
		for j := range row {
			row[j] /= sum
		}
		rows[i] = row
	}
	return rows, nil
}
