package privacy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure"
)

// CurveFPRs are the false-positive rates at which a membership Result
// records its ROC curve, under the Metrics keys "roc_tpr@<fpr>" (fpr
// formatted by strconv.FormatFloat(fpr, 'g', -1, 64)); rates below the
// smallest the non-members resolve are left out, and that smallest rate
// is added.
var CurveFPRs = []float64{0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1}

// minNonMembers01 is the number of non-members below which a TPR at 1%
// FPR rests on fewer than one false positive: 100.
const minNonMembers01 = 100

// Results turns a report into assessment Results: one per membership
// attack (ID "privacy/mia-<attack>"), per extraction mode
// ("privacy/extraction-labels", "privacy/extraction-scores"), per inverted
// attribute ("privacy/inversion-<attribute>"), one that says what the
// target returns ("privacy/output"), and one not_applicable Result per
// attack skipped. All carry control c-privacy-testing, AI Act Art. 15(5)
// and the category confidentiality_attacks; each "pass" or "fail" says the
// criterion in its Reason.
func Results(rep *Report, evidence []string) []aiassure.Result {
	var out []aiassure.Result
	base := func(id, check string, threats ...aiassure.ThreatID) aiassure.Result {
		return aiassure.Result{
			ID: id, Check: check, Threats: threats,
			Controls:     []aiassure.ControlID{"c-privacy-testing"},
			Requirements: []aiassure.RequirementID{"ai-act-art-15-5"},
			Category:     aiassure.ConfidentialityAttacks,
			Metrics:      map[string]float64{},
			Evidence:     slices.Clone(evidence),
		}
	}
	o := rep.Output
	res := base("privacy/output", "privacy/output")
	res.Status = aiassure.NotApplicable
	res.Summary = fmt.Sprintf("%s returns %s (read from %d answers)", rep.Target, o, o.Answers)
	res.Reason = "a description of the interface, not a test: labels only stop the score-based attacks (LiRA, RMIA, extraction from scores), not the label-only ones"
	res.Controls = append(res.Controls, "c-output-minimisation", "c-output-perturbation")
	res.Metrics["classes"] = float64(o.Classes)
	res.Metrics["output_"+strings.ReplaceAll(o.Kind, "-", "_")] = 1
	if o.Decimals > 0 {
		res.Metrics["decimals"] = float64(o.Decimals)
	}
	if o.TopK > 0 {
		res.Metrics["top_k"] = float64(o.TopK)
	}
	out = append(out, res)
	l := rep.Config.Limits
	for _, m := range rep.Membership {
		threats := []aiassure.ThreatID{"membership-inference"}
		if !o.Scores() || m.Attack == AttackLabelOnly {
			threats = append(threats, "membership-inference-label-only")
		}
		res := base("privacy/mia-"+m.Attack, "privacy/membership-inference", threats...)
		membershipResult(&res, rep, m, l)
		out = append(out, res)
	}
	for _, e := range rep.Extraction {
		threats := []aiassure.ThreatID{"model-extraction"}
		if e.Mode == "labels" {
			threats = append(threats, "model-extraction-label-only")
		}
		res := base("privacy/extraction-"+e.Mode, "privacy/model-extraction", threats...)
		extractionResult(&res, rep, e, l)
		out = append(out, res)
	}
	for _, v := range rep.Inversion {
		res := base("privacy/inversion-"+v.Attribute, "privacy/model-inversion", "model-inversion")
		inversionResult(&res, rep, v, l)
		out = append(out, res)
	}
	for _, list := range []struct {
		items  []string
		status aiassure.Status
		what   string
	}{{rep.Skipped, aiassure.NotApplicable, "not run"}, {rep.Failed, aiassure.Unknown, "could not finish"}} {
		for _, s := range list.items {
			name, why, _ := strings.Cut(s, ": ")
			id := "privacy/" + strings.ReplaceAll(name, " of ", "-")
			if isMembership(name) {
				id = "privacy/mia-" + name
			}
			res := base(id, "privacy")
			res.Status, res.Summary, res.Reason = list.status, name+": "+list.what, why
			res.Metrics = nil
			out = append(out, res)
		}
	}
	if rep.Partial {
		for i := range out {
			out[i].Reason = strings.TrimPrefix(out[i].Reason+"; run interrupted, partial result", "; ")
		}
	}
	return out
}

func pct(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) }

// verdict sets the status of a result whose risk measure v (with upper
// bound hi) must stay within limit: with bound, pass needs hi within it and
// the point estimate above it fails (between: unknown, inconclusive);
// without, the point estimate decides.
func verdict(res *aiassure.Result, v, hi, limit float64, bound bool) {
	switch {
	case v > limit:
		res.Status = aiassure.Fail
	case !bound || hi <= limit:
		res.Status = aiassure.Pass
	default:
		res.Status = aiassure.Unknown
		res.Metrics["inconclusive"] = 1
	}
}

func basisWords(bound bool) string {
	if bound {
		return "the upper end of its 95% interval"
	}
	return "the point estimate"
}

func membershipResult(res *aiassure.Result, rep *Report, m *Membership, l Limits) {
	r := m.ROC
	mt := res.Metrics
	mt["roc_auc"], mt["roc_auc_lo"], mt["roc_auc_hi"] = r.AUC, r.AUCCI.Lo, r.AUCCI.Hi
	mt["tpr_at_fpr_0.001"], mt["tpr_at_fpr_0.001_lo"], mt["tpr_at_fpr_0.001_hi"] = r.TPR001, r.TPR001CI.Lo, r.TPR001CI.Hi
	mt["tpr_at_fpr_0.01"], mt["tpr_at_fpr_0.01_lo"], mt["tpr_at_fpr_0.01_hi"] = r.TPR01, r.TPR01CI.Lo, r.TPR01CI.Hi
	mt["members"], mt["non_members"], mt["min_fpr"] = float64(r.Members), float64(r.NonMembers), r.MinFPR
	for _, f := range append([]float64{r.MinFPR}, CurveFPRs...) {
		if f >= r.MinFPR {
			mt["roc_tpr@"+strconv.FormatFloat(f, 'g', -1, 64)] = r.TPRAt(f)
		}
	}
	note := ""
	if r.MinFPR > 0.001 {
		note = fmt.Sprintf(" (%d non-members resolve no FPR below %s%%: this is the TPR above every non-member)", r.NonMembers, strconv.FormatFloat(100*r.MinFPR, 'g', 3, 64))
	}
	res.Summary = fmt.Sprintf("membership inference (%s) on %s: ROC AUC %.3f [%.3f, %.3f], TPR %s%% [%s, %s] at 1%% FPR, %s%% at 0.1%% FPR%s; %d members, %d non-members; the target returns %s",
		m.Attack, rep.Target, r.AUC, r.AUCCI.Lo, r.AUCCI.Hi, pct(r.TPR01), pct(r.TPR01CI.Lo), pct(r.TPR01CI.Hi), pct(r.TPR001), note, r.Members, r.NonMembers, rep.Output)
	verdict(res, r.AUC, r.AUCCI.Hi, l.MaxAUC, l.Bound)
	crit := fmt.Sprintf("criterion: ROC AUC at most %.2f", l.MaxAUC)
	if r.NonMembers >= minNonMembers01 {
		st := res.Status
		verdict(res, r.TPR01, r.TPR01CI.Hi, l.MaxTPR01, l.Bound)
		res.Status = worst(st, res.Status)
		crit += fmt.Sprintf(" and TPR at 1%% FPR at most %s%%", pct(l.MaxTPR01))
	} else {
		crit += fmt.Sprintf(" (TPR at 1%% FPR not judged: %d non-members, fewer than %d)", r.NonMembers, minNonMembers01)
	}
	crit += ", on " + basisWords(l.Bound)
	reading := fmt.Sprintf("an attacker holding a record and data from the same distribution tells training records from others with AUC %.2f; calling records members at a 1%% false-alarm rate finds %s%% of the training records", r.AUC, pct(r.TPR01))
	res.Reason = reading + "; " + crit
}

func worst(a, b aiassure.Status) aiassure.Status {
	rank := map[aiassure.Status]int{aiassure.Pass: 0, aiassure.Unknown: 1, aiassure.Fail: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func extractionResult(res *aiassure.Result, rep *Report, e *Extraction, l Limits) {
	mt := res.Metrics
	// The curve: the best substitute at each number of queries.
	best := map[int]ExtractionPoint{}
	for _, p := range e.Points {
		if b, ok := best[p.Queries]; !ok || p.Fidelity > b.Fidelity {
			best[p.Queries] = p
		}
	}
	for q, p := range best {
		k := strconv.Itoa(q)
		mt["fidelity@"+k], mt["fidelity_lo@"+k], mt["fidelity_hi@"+k] = p.Fidelity, p.FidelityCI.Lo, p.FidelityCI.Hi
		mt["accuracy@"+k], mt["accuracy_lo@"+k], mt["accuracy_hi@"+k] = p.Accuracy, p.AccuracyCI.Lo, p.AccuracyCI.Hi
	}
	b := e.Best()
	if b == nil {
		res.Status, res.Summary = aiassure.Unknown, "model extraction: no substitute was trained"
		return
	}
	mt["fidelity"], mt["fidelity_lo"], mt["fidelity_hi"] = b.Fidelity, b.FidelityCI.Lo, b.FidelityCI.Hi
	mt["accuracy"], mt["target_accuracy"] = b.Accuracy, e.TargetAccuracy
	mt["queries"], mt["held_out"] = float64(b.Queries), float64(e.HeldOut)
	from := "its labels"
	if e.Mode == "scores" {
		from = "its scores"
	}
	res.Summary = fmt.Sprintf("model extraction from %s of %s: with %d queries %s substitute agrees with the target on %s%% [%s, %s] of %d held-out records (accuracy %s%%, the target's %s%%)",
		from, rep.Target, b.Queries, substituteName(b.Substitute), pct(b.Fidelity), pct(b.FidelityCI.Lo), pct(b.FidelityCI.Hi), e.HeldOut, pct(b.Accuracy), pct(e.TargetAccuracy))
	verdict(res, b.Fidelity, b.FidelityCI.Hi, l.MaxFidelity, l.Bound)
	res.Reason = fmt.Sprintf("an attacker with %d queries and data from the same distribution gets a copy that answers like the target %s%% of the time; criterion: fidelity at most %s%% within the budget, on %s",
		b.Queries, pct(b.Fidelity), pct(l.MaxFidelity), basisWords(l.Bound))
}

func substituteName(s string) string {
	if s == "logreg" {
		return "a logistic-regression"
	}
	return "an MLP"
}

func inversionResult(res *aiassure.Result, rep *Report, v *Inversion, l Limits) {
	mt := res.Metrics
	m, n := v.Members, v.NonMembers
	mt["accuracy_members"], mt["accuracy_members_lo"], mt["accuracy_members_hi"] = m.Accuracy, m.AccuracyCI.Lo, m.AccuracyCI.Hi
	mt["baseline_members"] = m.Baseline
	mt["accuracy_non_members"], mt["accuracy_non_members_lo"], mt["accuracy_non_members_hi"] = n.Accuracy, n.AccuracyCI.Lo, n.AccuracyCI.Hi
	mt["baseline_non_members"] = n.Baseline
	mt["gain"], mt["members"], mt["non_members"], mt["queries"] = v.Gain(), float64(m.Records), float64(n.Records), float64(v.Queries)
	res.Summary = fmt.Sprintf("attribute inference of %s on %s: recovered for %s%% [%s, %s] of %d members against %s%% by guessing the most frequent value; on non-members %s%% against %s%%",
		v.Attribute, rep.Target, pct(m.Accuracy), pct(m.AccuracyCI.Lo), pct(m.AccuracyCI.Hi), m.Records, pct(m.Baseline), pct(n.Accuracy), pct(n.Baseline))
	verdict(res, v.Gain(), m.AccuracyCI.Hi-m.Baseline, l.MaxGain, l.Bound)
	res.Reason = fmt.Sprintf("an attacker who knows a training record's other features and label and can query the model guesses its %s %s points better than from the marginal distribution alone; criterion: gain on members at most %s points, on %s",
		v.Attribute, strconv.FormatFloat(100*v.Gain(), 'f', 1, 64), pct(l.MaxGain), basisWords(l.Bound))
}
