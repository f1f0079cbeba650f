package poisoning

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aiassure/aiassure"
)

// Criteria of Results: a training set passes the label-noise check when at
// most MaxLabelNoise of its rows are flagged, and the duplicate check when
// at most MaxDuplicateRows are exact or near copies.
const (
	MaxLabelNoise    = 0.05
	MaxDuplicateRows = 0.01
)

// Results turns a scan into assessment Results, for a poisoning suite:
// "poisoning/label-noise" and "poisoning/duplicates" pass or fail against
// MaxLabelNoise and MaxDuplicateRows, "poisoning/outliers" (outliers and
// spectral signatures) lists rows to review and is not_applicable. All
// carry AI Act Art. 15(5) and the category data_poisoning.
func Results(rep *Report, evidence []string) []aiassure.Result {
	base := func(id string, threats []aiassure.ThreatID, controls ...aiassure.ControlID) aiassure.Result {
		return aiassure.Result{
			ID: id, Check: "poisoning", Threats: threats, Controls: controls,
			Requirements: []aiassure.RequirementID{"ai-act-art-15-5"},
			Category:     aiassure.DataPoisoning, Metrics: map[string]float64{"rows": float64(rep.Rows)},
			Evidence: slices.Clone(evidence),
		}
	}
	frac := func(checks ...string) (int, float64) {
		var rows []int
		for _, c := range checks {
			rows = append(rows, rep.Flagged(c)...)
		}
		slices.Sort(rows)
		rows = slices.Compact(rows)
		return len(rows), float64(len(rows)) / float64(max(rep.Rows, 1))
	}
	verdict := func(r *aiassure.Result, f, limit float64, what string) {
		r.Status = aiassure.Pass
		cmp := "at most"
		if f > limit {
			r.Status, cmp = aiassure.Fail, "more than"
		}
		r.Reason = fmt.Sprintf("%.1f%% of the rows %s, %s the criterion of %.1f%%", 100*f, what, cmp, 100*limit)
	}
	var out []aiassure.Result
	ln := base("poisoning/label-noise", []aiassure.ThreatID{"data-poisoning-label", "data-poisoning"}, "c-label-verification", "c-data-sanitisation", "c-poisoning-testing")
	n, f := frac(CheckLabel)
	ln.Summary = fmt.Sprintf("confident learning flags %d of %d labels that out-of-fold reference models contradict", n, rep.Rows)
	ln.Metrics["flagged"], ln.Metrics["fraction"] = float64(n), f
	verdict(&ln, f, MaxLabelNoise, "have suspect labels")
	out = append(out, ln)
	du := base("poisoning/duplicates", []aiassure.ThreatID{"data-poisoning", "data-poisoning-availability"}, "c-data-sanitisation")
	n, f = frac(CheckExact, CheckNear)
	ne, _ := frac(CheckExact)
	du.Summary = fmt.Sprintf("%d of %d rows repeat an earlier row (%d exactly)", n, rep.Rows, ne)
	du.Metrics["flagged"], du.Metrics["fraction"], du.Metrics["exact"] = float64(n), f, float64(ne)
	verdict(&du, f, MaxDuplicateRows, "are copies")
	out = append(out, du)
	ou := base("poisoning/outliers", []aiassure.ThreatID{"data-poisoning-targeted", "backdoor"}, "c-data-sanitisation")
	n, f = frac(CheckOutlier, CheckSpectral)
	no, _ := frac(CheckOutlier)
	ou.Status = aiassure.NotApplicable
	ou.Summary = fmt.Sprintf("%d of %d rows to review: %d outliers by Mahalanobis distance, spectral signatures per class on input features", n, rep.Rows, no)
	ou.Reason = "rows to review, not a test with a criterion: clean heavy-tailed data also has them (docs/poisoning.md)"
	ou.Metrics["flagged"], ou.Metrics["fraction"] = float64(n), f
	out = append(out, ou)
	return out
}

// GateResult turns a gate report into one Result, "poisoning/gate": pass
// when the batch was accepted, fail with the reasons otherwise.
func GateResult(r *GateReport, evidence []string) aiassure.Result {
	res := aiassure.Result{
		ID: "poisoning/gate", Check: "poisoning", Status: aiassure.Pass,
		Threats:      []aiassure.ThreatID{"data-poisoning-continuous-learning", "data-poisoning"},
		Controls:     []aiassure.ControlID{"c-continuous-learning-safeguards", "c-data-sanitisation"},
		Requirements: []aiassure.RequirementID{"ai-act-art-15-5"},
		Category:     aiassure.DataPoisoning,
		Metrics:      map[string]float64{"candidate_rows": float64(r.Candidate), "reference_rows": float64(r.Reference), "drifted_features": float64(r.Drifted)},
		Evidence:     slices.Clone(evidence),
	}
	res.Summary = fmt.Sprintf("a batch of %d rows checked against a reference of %d before retraining", r.Candidate, r.Reference)
	res.Reason = "every check within its threshold (schema, label shift, drift, duplicates, suspected poison, retraining)"
	if !r.Accept {
		res.Status = aiassure.Fail
		res.Reason = strings.Join(r.Reasons, "; ")
	}
	if r.Retrain != nil {
		res.Metrics["retrain_accuracy_delta"] = r.Retrain.Delta
	}
	if r.Poison != nil {
		res.Metrics["label_noise_rate"] = r.Poison.LabelRate
	}
	return res
}
