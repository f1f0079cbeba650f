package assess

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/classify"
	"github.com/aiassure/aiassure/coverage"
	"github.com/aiassure/aiassure/report"
	"github.com/aiassure/aiassure/risk"
)

// maxFirstSteps is how many first steps a conclusion names.
const maxFirstSteps = 5

// Limits of the method, stated in every report's scope (see docs/scoring.md
// and docs/report.md).
var Limits = []string{
	"The risk analysis is a qualitative TVRA in the manner of ETSI TS 102 165-1: likelihood and impact are ordinal levels set from the profile's declarations. It does not inspect the running system, so a wrong or incomplete profile gives a wrong analysis.",
	"The likelihood bands and the risk thresholds of the scoring tables are not verified against the current text of ETSI TS 102 165-1 (they are marked unverified in the tables).",
	"TVRA's threat-agent layer (motivation and capability) and the cost-benefit analysis of countermeasures are not performed.",
	"Threats come from the catalogue built on the ENISA report's taxonomy (Cybersecurity of AI and Standardisation, 2023); a threat the catalogue does not hold is not analysed.",
	"Controls are taken as declared in the profile; the assessment checks the evidence files and attestations it is given, not the operation of the controls.",
	"Model tests are sample-based: metrics and robust accuracy are estimates on the declared test data with their confidence intervals, and say nothing of data shift in use.",
	"An evasion test bounds robustness from above at the perturbation sizes tried: a stronger attack may succeed where the tested ones failed.",
}

// Conclude derives the readiness verdict and the scope of the assessment
// from a report whose risk analysis, results and findings are set. It reads
// r only.
//
// The verdict is NotReady when something blocks: a prohibited practice, a
// declared metric that fails, a critical residual risk that no valid risk
// acceptance covers, a failed lineage or integrity verification, or any
// other unaccepted critical finding. Otherwise it is NotAssessedVerdict when
// no test or verification gave a pass or fail; ReadyWithFindings when an
// unaccepted finding of medium severity or more remains, a test could not
// run, or a high-risk system has no model test result; and Ready otherwise.
func Conclude(r *report.Report) (report.Conclusion, report.Scope) {
	c := report.Conclusion{}
	top := topRiskLevel()
	// A standardisation gap of the ENISA report is informational: the
	// provider cannot close it, so it neither blocks nor counts.
	accepted := func(f aiassure.Finding) bool { return f.Accepted != nil || f.Kind == coverage.Standardisation }

	// Blocking reasons.
	var blocking []string
	if r.Classification.Tier == classify.Prohibited {
		blocking = append(blocking, "The intended use is a prohibited AI practice (AI Act Art. 5).")
	}
	var metricsFailed, lineageFailed []string
	for _, res := range r.Results {
		if res.Status != aiassure.Fail || resultAccepted(r, res.ID) {
			continue
		}
		switch {
		case isMetric(res):
			metricsFailed = append(metricsFailed, res.ID)
		case isLineage(res):
			lineageFailed = append(lineageFailed, res.ID)
		}
	}
	if len(metricsFailed) > 0 {
		blocking = append(blocking, fmt.Sprintf("%s fail%s against the declared level: %s.",
			plural(len(metricsFailed), "declared metric", "declared metrics"), verbS(len(metricsFailed)), strings.Join(metricsFailed, ", ")))
	}
	var crit []string
	for _, e := range r.Risk.Entries {
		if e.Residual.Level != top || entryAccepted(r, e) {
			continue
		}
		crit = append(crit, fmt.Sprintf("%s on %s", e.Threat, e.AssetList()))
	}
	if len(crit) > 0 {
		blocking = append(blocking, fmt.Sprintf("%s not accepted: %s.",
			plural(len(crit), "residual risk stays "+top+",", "residual risks stay "+top+","), listSome(crit, 6)))
	}
	if len(lineageFailed) > 0 {
		blocking = append(blocking, fmt.Sprintf("Lineage or integrity verification fails: %s.", strings.Join(lineageFailed, ", ")))
	}
	var otherCrit []string
	for _, f := range r.Findings {
		if f.Severity != aiassure.Critical || accepted(f) || f.Kind == "risk" || f.Kind == "classification" || f.Kind == coverage.Implementation {
			continue
		}
		if f.Kind == "test" && coversResult(f, metricsFailed, lineageFailed) {
			continue
		}
		otherCrit = append(otherCrit, f.ID)
	}
	if len(otherCrit) > 0 {
		blocking = append(blocking, fmt.Sprintf("%s: %s.", plural(len(otherCrit), "other critical finding", "other critical findings"), listSome(otherCrit, 6)))
	}

	// Reasons that keep the verdict below ready.
	var open []string
	var evidenceGaps, openFindings int
	for _, f := range r.Findings {
		if accepted(f) || f.Severity.Rank() < aiassure.Medium.Rank() {
			continue
		}
		openFindings++
		if f.Kind == coverage.Evidence || f.Kind == "input" {
			evidenceGaps++
		}
	}
	if evidenceGaps > 0 {
		open = append(open, fmt.Sprintf("Evidence is missing: %s (claims without a test, attestation, log or readable file).",
			plural(evidenceGaps, "evidence finding", "evidence findings")))
	}
	var notRun, undecided []string
	var verdicts, modelTests int
	for _, res := range r.Results {
		switch res.Status {
		case aiassure.Unknown:
			if res.Metrics["inconclusive"] == 1 {
				undecided = append(undecided, res.ID)
			} else {
				notRun = append(notRun, res.ID)
			}
		case aiassure.Pass, aiassure.Fail:
			verdicts++
			if !isLineage(res) {
				modelTests++
			}
		}
	}
	if len(notRun) > 0 {
		open = append(open, fmt.Sprintf("%s could not run: %s.", plural(len(notRun), "test", "tests"), listSome(notRun, 6)))
	}
	if len(undecided) > 0 {
		open = append(open, fmt.Sprintf("%s ran but %s inconclusive (the confidence interval contains the limit): %s.",
			plural(len(undecided), "test", "tests"), wasWere(len(undecided)), listSome(undecided, 6)))
	}
	highRisk := r.Classification.Tier == classify.HighRisk
	if modelTests == 0 && (highRisk || len(r.Results) == 0) {
		open = append(open, "No model test gave a result: accuracy and robustness are not evidenced by this assessment.")
	}
	if openFindings > 0 {
		open = append(open, fmt.Sprintf("%s of medium severity or more %s open (not covered by a risk acceptance).",
			plural(openFindings, "finding", "findings"), isAre(openFindings)))
	}

	switch {
	case len(blocking) > 0:
		c.Verdict = report.NotReady
	case r.Classification.Tier == "" || verdicts == 0:
		c.Verdict = report.NotAssessedVerdict
		if r.Classification.Tier == "" {
			open = append([]string{"The system could not be classified under the AI Act."}, open...)
		}
		if verdicts == 0 && len(r.Results) > 0 {
			open = append([]string{"No test or verification gave a pass or fail result."}, open...)
		}
	case len(open) > 0:
		c.Verdict = report.ReadyWithFindings
	default:
		c.Verdict = report.Ready
		open = append(open, "No open finding of medium severity or more; every test that ran passed.")
	}
	c.Reasons = append(blocking, open...)
	if n := acceptedCount(r); n > 0 {
		c.Reasons = append(c.Reasons, fmt.Sprintf("%s %s covered by a valid risk acceptance and not counted above.",
			plural(n, "finding", "findings"), isAre(n)))
	}
	c.FirstSteps = firstSteps(r, notRun)
	return c, scope(r, top)
}

// topRiskLevel is the name of the highest risk class of the scoring tables
// ("critical" in ETSI TS 102 165-1).
func topRiskLevel() string {
	if s, err := risk.LoadScoring(); err == nil {
		if l := s.Levels(); len(l) > 0 {
			return l[len(l)-1]
		}
	}
	return "critical"
}

func isMetric(res aiassure.Result) bool {
	return res.Check == "metrics" || strings.HasPrefix(res.Check, "metrics/") || strings.HasPrefix(res.ID, "metrics/")
}

func isLineage(res aiassure.Result) bool {
	return res.Check == "lineage" || strings.HasPrefix(res.Check, "lineage/") || strings.HasPrefix(res.ID, "lineage/")
}

// names reports whether finding f is the finding of result id.
func names(f aiassure.Finding, id string) bool {
	return f.ID == id || f.ID == "test/"+id || slices.Contains(f.Sources, "result "+id)
}

func coversResult(f aiassure.Finding, lists ...[]string) bool {
	for _, l := range lists {
		for _, id := range l {
			if names(f, id) {
				return true
			}
		}
	}
	return false
}

// resultAccepted reports whether a valid risk acceptance covers the finding
// of result id.
func resultAccepted(r *report.Report, id string) bool {
	for _, f := range r.Findings {
		if f.Kind == "test" && names(f, id) && f.Accepted != nil {
			return true
		}
	}
	return false
}

// entryAccepted reports whether a valid risk acceptance covers the risk
// finding of entry e: a risk finding on its threat whose assets include
// the entry's (or that names no assets).
func entryAccepted(r *report.Report, e risk.Entry) bool {
	for _, f := range r.Findings {
		if f.Accepted == nil || (f.Kind != "risk" && f.Kind != coverage.Implementation) || !slices.Contains(f.Threats, e.Threat) {
			continue
		}
		if len(f.Assets) == 0 {
			return true
		}
		all := true
		for _, a := range e.Assets {
			all = all && slices.Contains(f.Assets, a)
		}
		if all {
			return true
		}
	}
	return false
}

func acceptedCount(r *report.Report) int {
	n := 0
	for _, f := range r.Findings {
		if f.Accepted != nil {
			n++
		}
	}
	return n
}

// firstSteps names what to do first: the remedies of the most severe
// unaccepted findings (they come most severe first), each control named
// once, then the tests that could not run.
func firstSteps(r *report.Report, notRun []string) []string {
	var steps []string
	seen := map[string]bool{}
	named := map[aiassure.ControlID]bool{}
	add := func(s string) {
		if !seen[s] && len(steps) < maxFirstSteps {
			seen[s] = true
			steps = append(steps, s)
		}
	}
	for _, f := range r.Findings {
		if f.Accepted != nil || f.Kind == coverage.Standardisation || f.Severity.Rank() < aiassure.Medium.Rank() {
			continue
		}
		if len(steps) == maxFirstSteps {
			break
		}
		var fresh []string
		for _, c := range f.Controls {
			if !named[c] {
				fresh = append(fresh, string(c))
			}
		}
		where := fmt.Sprintf(" (%s finding %s)", f.Severity, f.ID)
		switch {
		case len(f.Controls) > 0 && len(fresh) == 0:
			continue // its remedy is already a step
		case len(fresh) > 0 && (f.Kind == "risk" || f.Kind == coverage.Implementation):
			subject := strings.Join(threatNames(f.Threats), ", ")
			if len(f.Assets) > 0 {
				subject += " on " + strings.Join(f.Assets, ", ")
			}
			add(fmt.Sprintf("Implement %s against %s%s.", strings.Join(fresh, ", "), subject, where))
		case f.Kind == "test":
			add(fmt.Sprintf("Fix what the failed test shows: %s%s.", strings.TrimSuffix(f.Title, "."), where))
		case f.Kind == coverage.Evidence || f.Kind == "input":
			add(fmt.Sprintf("Provide the evidence: %s%s.", strings.TrimSuffix(f.Title, "."), where))
		case len(fresh) > 0:
			add(fmt.Sprintf("%s: implement %s%s.", strings.TrimSuffix(f.Title, "."), strings.Join(fresh, ", "), where))
		default:
			add(fmt.Sprintf("Resolve: %s%s.", strings.TrimSuffix(f.Title, "."), where))
		}
		for _, c := range f.Controls {
			named[c] = true
		}
	}
	for _, res := range r.Results {
		if res.Status == aiassure.Unknown && slices.Contains(notRun, res.ID) && !resultAccepted(r, res.ID) {
			why := res.Reason
			if why == "" {
				why = res.Summary
			}
			add(fmt.Sprintf("Make the test %s runnable: %s.", res.ID, strings.TrimSuffix(why, ".")))
		}
	}
	return steps
}

func threatNames(ts []aiassure.ThreatID) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return out
}

// scope says what was assessed, what was not and why, and the limits of
// the method.
func scope(r *report.Report, top string) report.Scope {
	var s report.Scope
	cls := r.Classification
	switch {
	case cls.Tier == "":
		s.NotAssessed = append(s.NotAssessed, report.ScopeItem{What: "AI Act classification", Why: "no classification rule could be evaluated"})
	default:
		t := "AI Act classification: " + cls.Tier
		if cls.Route != "" {
			t += " via " + cls.Route
		}
		s.Assessed = append(s.Assessed, fmt.Sprintf("%s, with %s.", t, plural(len(cls.Obligations), "obligation", "obligations")))
	}
	threats, assets := map[aiassure.ThreatID]bool{}, map[string]bool{}
	for _, e := range r.Risk.Entries {
		threats[e.Threat] = true
		for _, a := range e.Assets {
			assets[a] = true
		}
	}
	if len(r.Risk.Entries) > 0 {
		s.Assessed = append(s.Assessed, fmt.Sprintf("Risk analysis (%s): %s analysed over %s in %s; %s.",
			orMethod(r.Risk.Method), plural(len(threats), "threat", "threats"), plural(len(assets), "asset", "assets"),
			plural(len(r.Risk.Entries), "entry", "entries"), plural(r.Risk.Counts.Residual[top], "residual risk stays "+top, "residual risks stay "+top)))
	}
	if n, m := len(r.Coverage.Requirements), len(r.Coverage.Threats); n+m > 0 {
		s.Assessed = append(s.Assessed, fmt.Sprintf("Coverage of %s and %s by standards and controls of catalogue %s.",
			plural(n, "applicable requirement", "applicable requirements"), plural(m, "threat", "threats"), r.CatalogVersion))
	}
	// Tests that ran, grouped by the artefact they ran on.
	type group struct {
		on  string
		ids []string
	}
	var groups []*group
	byOn := map[string]*group{}
	for _, res := range r.Results {
		if res.Status != aiassure.Pass && res.Status != aiassure.Fail {
			continue
		}
		on := testedOn(res)
		g := byOn[on]
		if g == nil {
			g = &group{on: on}
			byOn[on] = g
			groups = append(groups, g)
		}
		g.ids = append(g.ids, res.ID)
	}
	for _, g := range groups {
		s.Assessed = append(s.Assessed, fmt.Sprintf("%s on %s: %s.", plural(len(g.ids), "test", "tests"), g.on, strings.Join(g.ids, ", ")))
	}
	if n := len(r.Risk.NotApplicable); n > 0 {
		s.NotAssessed = append(s.NotAssessed, report.ScopeItem{
			What: plural(n, "catalogue threat", "catalogue threats"),
			Why:  "they do not apply to this system; the annex lists each with the fact it turns on and its profile line",
		})
	}
	for _, res := range r.Results {
		if res.Status != aiassure.Unknown && res.Status != aiassure.NotApplicable {
			continue
		}
		why := res.Reason
		if why == "" {
			why = res.Summary
		}
		what := "test " + res.ID
		switch {
		case res.Status == aiassure.NotApplicable:
			why = "not applicable: " + why
		case res.Metrics["inconclusive"] == 1:
			why = "no verdict: " + why
		default:
			why = "could not run: " + why
		}
		s.NotAssessed = append(s.NotAssessed, report.ScopeItem{What: what, Why: why})
	}
	if modelTestCount(r) == 0 {
		s.NotAssessed = append(s.NotAssessed, report.ScopeItem{What: "model tests",
			Why: "no model test result is in the report: the profile declares no runnable model with test data, or the checks were turned off"})
	}
	s.Limits = slices.Clone(Limits)
	return s
}

func modelTestCount(r *report.Report) int {
	n := 0
	for _, res := range r.Results {
		if (res.Status == aiassure.Pass || res.Status == aiassure.Fail) && !isLineage(res) {
			n++
		}
	}
	return n
}

// testedOn names the artefacts a result rests on: its evidence paths
// without digests, or its check when it names none.
func testedOn(res aiassure.Result) string {
	if isLineage(res) {
		return "the declared attestations"
	}
	var on []string
	for _, ev := range res.Evidence {
		p, _, _ := strings.Cut(ev, "@")
		if p != "" && !strings.HasPrefix(p, "sha256:") && !slices.Contains(on, p) {
			on = append(on, p)
		}
	}
	if len(on) == 0 {
		return "the check " + res.Check
	}
	return strings.Join(on, " with ")
}

func orMethod(m string) string {
	if m == "" {
		return "TVRA"
	}
	return m
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func verbS(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}

func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// listSome lists up to n items and says how many more there are.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:n], "; ") + fmt.Sprintf("; and %d more", len(items)-n)
}
