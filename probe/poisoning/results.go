package poisoning

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/metrics"
)

// Limits are the criteria of Results: a training set passes the
// label-noise check when at most MaxLabelNoise of its rows are flagged, and
// the duplicate check when at most MaxDuplicates are exact or near copies.
// With Bound the upper end of the share's Wilson 95% interval must be
// within the limit too (between the point estimate and the bound: unknown,
// inconclusive).
type Limits struct {
	MaxLabelNoise float64 `json:"max_label_noise"`
	MaxDuplicates float64 `json:"max_duplicates"`
	Bound         bool    `json:"bound,omitempty"`
}

// DefaultLimits are the limits of every assurance level's plan.
var DefaultLimits = Limits{MaxLabelNoise: 0.05, MaxDuplicates: 0.01}

// TopRows is how many suspect rows a Result names, the highest scores
// first.
const TopRows = 10

// Results turns a scan into assessment Results, for a poisoning suite:
// "poisoning/label-noise" and "poisoning/duplicates" pass or fail against
// the limits, "poisoning/outliers" (outliers and spectral signatures) lists
// rows to review and is not_applicable. All carry AI Act Art. 15(5) and the
// category data_poisoning. Metrics hold the flagged rows and their share
// with its Wilson 95% interval ("fraction", "fraction_lo", "fraction_hi"),
// the rows each check flagged ("flagged_<check>"), the limit, the
// reference models' out-of-fold agreement with the labels, and the
// TopRows highest-scoring suspects as "suspect@<row>" (the score; rows
// 0-based in file order) with, for a duplicate, "of@<row>" (the row it
// repeats).
func Results(rep *Report, l Limits, evidence []string) []aiassure.Result {
	base := func(id string, threats []aiassure.ThreatID, controls []aiassure.ControlID, checks ...string) aiassure.Result {
		r := aiassure.Result{
			ID: id, Check: "poisoning", Threats: threats, Controls: controls,
			Requirements: []aiassure.RequirementID{"ai-act-art-15-5"},
			Category:     aiassure.DataPoisoning,
			Metrics:      map[string]float64{"rows": float64(rep.Rows)},
			Evidence:     slices.Clone(evidence),
		}
		n := len(flaggedBy(rep.Suspects, checks))
		lo, hi := metrics.Wilson(n, rep.Rows, 0.95)
		r.Metrics["flagged"], r.Metrics["fraction"] = float64(n), float64(n)/float64(max(rep.Rows, 1))
		r.Metrics["fraction_lo"], r.Metrics["fraction_hi"] = lo, hi
		for _, c := range checks {
			r.Metrics["flagged_"+c] = float64(len(rep.Flagged(c)))
		}
		for _, c := range checks {
			for _, s := range Top(rep.Suspects, c, TopRows) {
				k := strconv.Itoa(s.Row)
				r.Metrics["suspect@"+k] = max(r.Metrics["suspect@"+k], s.Score)
				if s.Of != nil {
					r.Metrics["of@"+k] = float64(*s.Of)
				}
			}
		}
		return r
	}
	var out []aiassure.Result
	ln := base("poisoning/label-noise", []aiassure.ThreatID{"data-poisoning-label", "data-poisoning"},
		[]aiassure.ControlID{"c-label-verification", "c-data-sanitisation"}, CheckLabel)
	ln.Metrics["agreement"], ln.Metrics["majority_rate"] = rep.Agreement, rep.Majority
	ln.Summary = fmt.Sprintf("%s of %d labels look wrong: out-of-fold reference models confidently give another class (confident learning)", num(ln, "flagged"), rep.Rows)
	judge(&ln, l.MaxLabelNoise, l.Bound, "have labels the reference models contradict",
		fmt.Sprintf("the reference models agree with %s%% of the labels out of fold (the lower, the more of the flagged rows are hard cases rather than flips)", pct(rep.Agreement)),
		rep.Suspects, CheckLabel)
	// Contradictions mean something only when the features determine the
	// labels: the reference models must keep at least half of the skill
	// there is above always answering the majority class.
	if need := rep.Majority + (1-rep.Majority)/2; rep.Agreement < need {
		ln.Status = aiassure.Unknown
		ln.Metrics["inconclusive"], ln.Metrics["agreement_needed"] = 1, need
		ln.Reason = fmt.Sprintf("inconclusive: the reference models agree with %s%% of the labels out of fold, against %s%% for always answering the majority class; "+
			"the check needs %s%% (half the skill above that baseline) to tell flipped labels from hard cases, so its %s flagged rows are rows to review, not evidence of poisoning%s",
			pct(rep.Agreement), pct(rep.Majority), pct(need), num(ln, "flagged"), rowsText(rep.Suspects, CheckLabel))
	}
	out = append(out, ln)

	du := base("poisoning/duplicates", []aiassure.ThreatID{"data-poisoning", "data-poisoning-availability"},
		[]aiassure.ControlID{"c-data-sanitisation"}, CheckExact, CheckNear)
	du.Summary = fmt.Sprintf("%s of %d rows repeat an earlier row (%s exactly, %s nearly)", num(du, "flagged"), rep.Rows, num(du, "flagged_"+CheckExact), num(du, "flagged_"+CheckNear))
	judge(&du, l.MaxDuplicates, l.Bound, "are copies of an earlier row",
		fmt.Sprintf("an exact copy is certain, a near copy is within an RMS distance of %.3g per standardised feature", rep.NearEps),
		rep.Suspects, CheckExact, CheckNear)
	out = append(out, du)

	ou := base("poisoning/outliers", []aiassure.ThreatID{"data-poisoning-targeted", "backdoor"},
		[]aiassure.ControlID{"c-data-sanitisation"}, CheckOutlier, CheckSpectral)
	ou.Status = aiassure.NotApplicable
	ou.Summary = fmt.Sprintf("%s of %d rows to review: %s outliers by Mahalanobis distance, %s spectral signatures per class on the input features",
		num(ou, "flagged"), rep.Rows, num(ou, "flagged_"+CheckOutlier), num(ou, "flagged_"+CheckSpectral))
	ou.Reason = "rows to review, not a test with a criterion: clean heavy-tailed data also has them (docs/poisoning.md)" + rowsText(rep.Suspects, CheckOutlier, CheckSpectral)
	out = append(out, ou)
	return out
}

// judge sets the status and reason of a result whose flagged share must
// stay within limit: the share with its interval and the criterion, how
// sure the check is, and the top rows.
func judge(r *aiassure.Result, limit float64, bound bool, what, sure string, s []Suspect, checks ...string) {
	m := r.Metrics
	m["limit"] = limit
	f, hi := m["fraction"], m["fraction_hi"]
	basis := "the point estimate"
	if bound {
		basis = "the upper end of its 95% interval"
	}
	share := fmt.Sprintf("%s%% of the rows (Wilson 95%% interval %s%% to %s%%) %s", pct(f), pct(m["fraction_lo"]), pct(hi), what)
	switch {
	case f > limit:
		r.Status = aiassure.Fail
		r.Reason = fmt.Sprintf("%s, more than the criterion of %s%%", share, pct(limit))
	case !bound || hi <= limit:
		r.Status = aiassure.Pass
		r.Reason = fmt.Sprintf("%s, at most the criterion of %s%% on %s", share, pct(limit), basis)
	default:
		r.Status = aiassure.Unknown
		m["inconclusive"] = 1
		r.Reason = fmt.Sprintf("%s: inconclusive, the point estimate is within the criterion of %s%% but the upper end of its 95%% interval is not", share, pct(limit))
	}
	r.Reason += "; " + sure + rowsText(s, checks...)
}

// rowsText names the top suspects of each check: "; top rows (0-based,
// score): label-noise 12 (0.97), 40 (0.95) and 3 more".
func rowsText(s []Suspect, checks ...string) string {
	var parts []string
	for _, c := range checks {
		t := Top(s, c, TopRows)
		if len(t) == 0 {
			continue
		}
		var rows []string
		for _, x := range t {
			r := fmt.Sprintf("%d (%.3g", x.Row, x.Score)
			if x.Of != nil {
				r += fmt.Sprintf(", of row %d", *x.Of)
			}
			rows = append(rows, r+")")
		}
		more := ""
		if n := len(flagged(s, c)); n > len(t) {
			more = fmt.Sprintf(" and %d more", n-len(t))
		}
		parts = append(parts, c+" "+strings.Join(rows, ", ")+more)
	}
	if len(parts) == 0 {
		return ""
	}
	return "; top rows (0-based, score): " + strings.Join(parts, "; ")
}

// Top returns the n highest-scoring suspects of a check (all when n < 0),
// ties by row.
func Top(s []Suspect, check string, n int) []Suspect {
	var out []Suspect
	for _, x := range s {
		if x.Check == check {
			out = append(out, x)
		}
	}
	slices.SortStableFunc(out, func(a, b Suspect) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return a.Row - b.Row
	})
	if n >= 0 && n < len(out) {
		out = out[:n]
	}
	return out
}

// flaggedBy returns the rows any of the checks flagged, sorted.
func flaggedBy(s []Suspect, checks []string) []int {
	var rows []int
	for _, c := range checks {
		rows = append(rows, flagged(s, c)...)
	}
	slices.Sort(rows)
	return slices.Compact(rows)
}

func num(r aiassure.Result, key string) string { return strconv.Itoa(int(r.Metrics[key])) }

func pct(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) }

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
