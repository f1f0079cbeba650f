package metrics

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/profile"
)

// Basis says what a declared level is compared with.
type Basis string

const (
	// PointEstimate passes a claim when the measured value meets it. It is
	// the default: a declared level is a statement about the model, and the
	// point estimate is the best estimate of it.
	PointEstimate Basis = "point"
	// ConfidenceBound passes a claim only when the whole interval meets it:
	// the lower bound for higher-is-better metrics, the upper bound for
	// lower-is-better ones (fpr, fnr, ece, brier, log_loss). It is the
	// conservative choice for high assurance.
	ConfidenceBound Basis = "bound"
)

// Verdict is the outcome of comparing one declared level with the report.
type Verdict struct {
	Declared profile.Declared `json:"declared"`
	Key      string           `json:"key"` // metric, or metric/class
	Measured *Estimate        `json:"measured,omitempty"`
	Higher   bool             `json:"higher_is_better"`
	Basis    Basis            `json:"basis"`
	Status   aiassure.Status  `json:"status"`
	Reason   string           `json:"reason,omitempty"`
}

// lowerIsBetter lists the metrics where smaller values are better.
var lowerIsBetter = map[string]bool{"fpr": true, "fnr": true, "ece": true, "brier": true, "log_loss": true}

// tolerance absorbs floating-point noise in comparisons with a declared value
// (222/300 must meet a declared 0.74).
const tolerance = 1e-12

// Compare checks each declared level against the report. Metrics: accuracy,
// balanced_accuracy, precision, recall, f1, fpr, fnr, roc_auc, ece, brier,
// log_loss. precision, recall, f1, fpr and fnr take a class (by name or
// index); without one, precision, recall and f1 mean the macro average (for
// binary tasks too), and fpr and fnr the positive class of a binary task. robust_accuracy is left to the evasion tests and
// gets no verdict here. basis "" means PointEstimate.
func Compare(declared []profile.Declared, r *Report, basis Basis) []Verdict {
	if basis == "" {
		basis = PointEstimate
	}
	var out []Verdict
	for _, d := range declared {
		if d.Metric == "robust_accuracy" {
			continue
		}
		v := Verdict{Declared: d, Key: d.Metric, Basis: basis, Higher: !lowerIsBetter[d.Metric]}
		if d.Class != "" {
			v.Key += "/" + d.Class
		}
		e, err := r.Lookup(d.Metric, d.Class)
		if err != nil {
			v.Status, v.Reason = aiassure.Unknown, err.Error()
			out = append(out, v)
			continue
		}
		v.Measured = &e
		x := e.Value
		if basis == ConfidenceBound {
			x = e.Lower
			if !v.Higher {
				x = e.Upper
			}
		}
		ok := x >= d.Value-tolerance
		if !v.Higher {
			ok = x <= d.Value+tolerance
		}
		v.Status = aiassure.Pass
		if !ok {
			v.Status = aiassure.Fail
			what := "measured"
			switch {
			case basis == ConfidenceBound && v.Higher:
				what = "lower confidence bound"
			case basis == ConfidenceBound:
				what = "upper confidence bound"
			}
			rel := "below"
			if !v.Higher {
				rel = "above"
			}
			v.Reason = fmt.Sprintf("%s %s %.4g is %s the declared %.4g", v.Key, what, x, rel, d.Value)
		}
		out = append(out, v)
	}
	return out
}

// Lookup returns the estimate of a metric, optionally of one class (see
// Compare for the names).
func (r *Report) Lookup(metric, class string) (Estimate, error) {
	perClass := func() (*Class, error) {
		c := class
		if c == "" {
			if r.Positive < 0 || metric == "precision" || metric == "recall" || metric == "f1" {
				return nil, nil
			}
			return &r.PerClass[r.Positive], nil
		}
		i := slices.Index(r.Classes, c)
		if i < 0 {
			if j, err := strconv.Atoi(c); err == nil && j >= 0 && j < len(r.PerClass) {
				i = j
			} else {
				return nil, fmt.Errorf("unknown class %q (classes: %s)", c, strings.Join(r.Classes, ", "))
			}
		}
		return &r.PerClass[i], nil
	}
	noClass := func(e Estimate) (Estimate, error) {
		if class != "" {
			return Estimate{}, fmt.Errorf("%s is not a per-class metric", metric)
		}
		return e, nil
	}
	opt := func(e *Estimate, why string) (Estimate, error) {
		if e == nil {
			return Estimate{}, fmt.Errorf("%s was not measured: %s", metric, why)
		}
		return noClass(*e)
	}
	switch metric {
	case "accuracy":
		return noClass(r.Accuracy)
	case "balanced_accuracy":
		return noClass(r.BalancedAccuracy)
	case "roc_auc":
		return opt(r.ROCAUC, "it needs scores of every class and samples of every class")
	case "ece":
		return opt(r.ECE, "it needs scores")
	case "brier":
		return opt(r.Brier, "it needs scores")
	case "log_loss":
		return opt(r.LogLoss, "it needs scores")
	case "precision", "recall", "f1", "fpr", "fnr":
		c, err := perClass()
		if err != nil {
			return Estimate{}, err
		}
		if c == nil {
			switch metric {
			case "precision":
				return r.Macro.Precision, nil
			case "recall":
				return r.Macro.Recall, nil
			case "f1":
				return r.Macro.F1, nil
			}
			return Estimate{}, fmt.Errorf("%s of a task with %d classes needs a class", metric, len(r.Classes))
		}
		switch metric {
		case "precision":
			return c.Precision, nil
		case "recall":
			return c.Recall, nil
		case "f1":
			return c.F1, nil
		case "fpr":
			return c.FPR, nil
		}
		return c.FNR, nil
	}
	return Estimate{}, fmt.Errorf("unknown metric %q", metric)
}

// The catalogue entries a metrics result speaks to.
const (
	threatModelFlaws  aiassure.ThreatID      = "model-flaws"
	controlAccuracy   aiassure.ControlID     = "c-accuracy-testing"
	requirementArt153 aiassure.RequirementID = "ai-act-art-15-3"
)

// Results turns verdicts into assessment results, one per verdict: ID and
// Check "metrics/<metric>" (ID adds "/<class>"), Status pass, fail or
// unknown, and Metrics holding the measured value under the metric's name,
// its interval as "<metric>_lower" and "<metric>_upper", "declared",
// "confidence" and "n". evidence lists the files the measurement rests on
// (data, model).
func Results(r *Report, verdicts []Verdict, evidence []string) []aiassure.Result {
	var out []aiassure.Result
	for _, v := range verdicts {
		m := v.Declared.Metric
		res := aiassure.Result{
			ID: "metrics/" + v.Key, Check: "metrics/" + m, Status: v.Status, Reason: v.Reason,
			Threats: []aiassure.ThreatID{threatModelFlaws}, Controls: []aiassure.ControlID{controlAccuracy},
			Requirements: []aiassure.RequirementID{requirementArt153}, Category: aiassure.ModelFlaws,
			Evidence: slices.Clone(evidence),
		}
		if v.Measured == nil {
			res.Summary = fmt.Sprintf("declared %s %.4g could not be checked", v.Key, v.Declared.Value)
			out = append(out, res)
			continue
		}
		e := v.Measured
		res.Metrics = map[string]float64{
			m: e.Value, m + "_lower": e.Lower, m + "_upper": e.Upper,
			"declared": v.Declared.Value, "confidence": r.Confidence, "n": float64(r.N),
		}
		res.Summary = fmt.Sprintf("%s %.4f (%.0f%% CI %.4f-%.4f, %s, n=%d) against declared %.4g: %s on the %s",
			v.Key, e.Value, 100*r.Confidence, e.Lower, e.Upper, e.Method, r.N, v.Declared.Value, v.Status, basisName(v.Basis, v.Higher))
		out = append(out, res)
	}
	return out
}

func basisName(b Basis, higher bool) string {
	switch {
	case b == ConfidenceBound && higher:
		return "lower confidence bound"
	case b == ConfidenceBound:
		return "upper confidence bound"
	}
	return "point estimate"
}
