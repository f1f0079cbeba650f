package assess

import (
	reportjson "github.com/aiassure/aiassure/report/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/classify"
	"github.com/aiassure/aiassure/coverage"
	"github.com/aiassure/aiassure/report"
	"github.com/aiassure/aiassure/risk"
)

// base is a high-risk system whose tests all passed and that has no
// finding: ready.
func base() *report.Report {
	return &report.Report{
		CatalogVersion: "1.2.0",
		Classification: classify.Result{Tier: classify.HighRisk, Route: "annex-iii"},
		Risk: risk.Analysis{
			Method: "ETSI TS 102 165-1 TVRA",
			Entries: []risk.Entry{
				{Threat: "model-extraction", Assets: []string{"api"}, Residual: risk.Score{Level: "minor", Value: 2}},
				{Threat: "evasion", Assets: []string{"api", "web"}, Residual: risk.Score{Level: "minor", Value: 1}},
			},
			NotApplicable: []risk.Exclusion{{Threat: "fl-poisoning", Name: "Federated poisoning",
				Reason: risk.Reason{Fact: "federated-learning", Text: "no federated training declared", Field: "lifecycle.federated_learning", Line: 31}}},
			Counts: risk.Counts{Residual: map[string]int{"minor": 2}},
		},
		Results: []aiassure.Result{
			{ID: "metrics/accuracy", Check: "metrics/accuracy", Status: aiassure.Pass, Evidence: []string{"model/mlp.onnx", "data/test.csv"}},
			{ID: "evasion/pgd-linf", Check: "evasion/pgd-linf", Status: aiassure.Pass, Evidence: []string{"model/mlp.onnx", "data/test.csv"}},
			{ID: "lineage/release", Check: "lineage/release", Status: aiassure.Pass, Evidence: []string{"attestations/4.dsse.json", "model/mlp.onnx@sha256:ab"}},
		},
	}
}

func has(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestConclude(t *testing.T) {
	critEntry := risk.Entry{Threat: "evasion", Assets: []string{"api", "web"}, Residual: risk.Score{Level: "critical", Value: 6}, Missing: []aiassure.ControlID{"c-adv-training"}}
	critFinding := aiassure.Finding{ID: "risk/evasion/api,web", Kind: "risk", Severity: aiassure.Critical, Title: "Evasion: residual risk critical",
		Threats: []aiassure.ThreatID{"evasion"}, Assets: []string{"api", "web"}, Controls: []aiassure.ControlID{"c-adv-training", "c-robustness-testing"}}
	accept := &aiassure.Acceptance{By: "CISO", Reason: "compensated by human review", Date: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name    string
		edit    func(r *report.Report)
		verdict string
		reasons []string // substrings, each in some reason
		steps   []string // substrings, each in some first step
	}{
		{name: "ready", edit: func(*report.Report) {}, verdict: report.Ready, reasons: []string{"No open finding"}},
		{name: "metric fails", verdict: report.NotReady,
			edit: func(r *report.Report) {
				r.Results[0].Status = aiassure.Fail
				r.Findings = []aiassure.Finding{{ID: "test/metrics/accuracy", Kind: "test", Severity: aiassure.High, Title: "accuracy 0.74 against declared 0.75"}}
			},
			reasons: []string{"1 declared metric fails against the declared level: metrics/accuracy", "1 finding of medium severity or more is open"},
			steps:   []string{"Fix what the failed test shows: accuracy 0.74 against declared 0.75 (high finding test/metrics/accuracy)"}},
		{name: "metric fails with check metrics", verdict: report.NotReady,
			edit: func(r *report.Report) {
				r.Results = append(r.Results, aiassure.Result{ID: "recall", Check: "metrics", Status: aiassure.Fail})
			},
			reasons: []string{"declared metric fails against the declared level: recall"}},
		{name: "critical risk", verdict: report.NotReady,
			edit: func(r *report.Report) {
				r.Risk.Entries[1] = critEntry
				r.Findings = []aiassure.Finding{critFinding,
					{ID: "impl/evasion/api", Kind: coverage.Implementation, Severity: aiassure.High, Controls: []aiassure.ControlID{"c-adv-training"}},
					{ID: "evid/c-input-validation", Kind: coverage.Evidence, Severity: aiassure.Medium, Title: "Input validation is claimed without evidence", Controls: []aiassure.ControlID{"c-input-validation"}}}
			},
			reasons: []string{"1 residual risk stays critical, not accepted: evasion on api, web", "Evidence is missing: 1 evidence finding"},
			// The implementation gap repeats the risk's remedy: one step, not two.
			steps: []string{"Implement c-adv-training, c-robustness-testing against evasion on api, web (critical finding risk/evasion/api,web).",
				"Provide the evidence: Input validation is claimed without evidence"}},
		{name: "critical risk accepted", verdict: report.ReadyWithFindings,
			edit: func(r *report.Report) {
				r.Risk.Entries[1] = critEntry
				f := critFinding
				f.Accepted = accept
				r.Findings = []aiassure.Finding{f, {ID: "evid/x", Kind: coverage.Evidence, Severity: aiassure.Medium, Title: "x"}}
			},
			reasons: []string{"1 finding is covered by a valid risk acceptance", "Evidence is missing"}},
		{name: "critical risk accepted for one asset only", verdict: report.NotReady,
			edit: func(r *report.Report) {
				r.Risk.Entries[1] = critEntry
				f := critFinding
				f.Assets, f.Accepted = []string{"api"}, accept
				r.Findings = []aiassure.Finding{f}
			},
			reasons: []string{"residual risk stays critical"}},
		{name: "lineage fails", verdict: report.NotReady,
			edit: func(r *report.Report) {
				r.Results[2].Status = aiassure.Fail
				r.Findings = []aiassure.Finding{{ID: "test/lineage/release", Kind: "test", Severity: aiassure.Critical, Title: "model/mlp.onnx does not match its signed release"}}
			},
			reasons: []string{"Lineage or integrity verification fails: lineage/release"},
			steps:   []string{"does not match its signed release (critical finding test/lineage/release)"}},
		{name: "other critical finding", verdict: report.NotReady,
			edit: func(r *report.Report) {
				r.Findings = []aiassure.Finding{{ID: "input/model/mlp.onnx", Kind: "input", Severity: aiassure.Critical, Title: "model/mlp.onnx cannot be read"}}
			},
			reasons: []string{"1 other critical finding: input/model/mlp.onnx"},
			steps:   []string{"Provide the evidence: model/mlp.onnx cannot be read"}},
		{name: "standardisation gaps are informational", verdict: report.Ready,
			edit: func(r *report.Report) {
				r.Findings = []aiassure.Finding{{ID: "std/g-4-1-f", Kind: coverage.Standardisation, Severity: aiassure.Critical, Title: "No standard"}}
			},
			reasons: []string{"No open finding"}},
		{name: "prohibited", verdict: report.NotReady,
			edit:    func(r *report.Report) { r.Classification.Tier = classify.Prohibited },
			reasons: []string{"prohibited AI practice"}},
		{name: "test could not run", verdict: report.ReadyWithFindings,
			edit: func(r *report.Report) {
				r.Results = append(r.Results, aiassure.Result{ID: "evasion/square", Status: aiassure.Unknown, Reason: "the model has no score output"})
			},
			reasons: []string{"1 test could not run: evasion/square"},
			steps:   []string{"Make the test evasion/square runnable: the model has no score output."}},
		{name: "no model test on a high-risk system", verdict: report.ReadyWithFindings,
			edit:    func(r *report.Report) { r.Results = r.Results[2:] },
			reasons: []string{"No model test gave a result"}},
		{name: "no result at all", verdict: report.NotAssessedVerdict,
			edit:    func(r *report.Report) { r.Results = nil },
			reasons: []string{"No model test gave a result"}},
		{name: "every test unknown", verdict: report.NotAssessedVerdict,
			edit: func(r *report.Report) {
				for i := range r.Results {
					r.Results[i].Status = aiassure.Unknown
				}
			},
			reasons: []string{"No test or verification gave a pass or fail result", "3 tests could not run"}},
		{name: "not classified", verdict: report.NotAssessedVerdict,
			edit:    func(r *report.Report) { r.Classification = classify.Result{} },
			reasons: []string{"could not be classified"}},
		{name: "blocking beats not assessed", verdict: report.NotReady,
			edit: func(r *report.Report) {
				r.Results = nil
				r.Risk.Entries[1] = critEntry
			},
			reasons: []string{"residual risk stays critical", "No model test gave a result"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := base()
			tc.edit(r)
			before := len(r.Findings)
			c, _ := Conclude(r)
			if len(r.Findings) != before {
				t.Error("Conclude changed the report")
			}
			if c.Verdict != tc.verdict {
				t.Errorf("verdict %s, want %s; reasons %q", c.Verdict, tc.verdict, c.Reasons)
			}
			for _, want := range tc.reasons {
				if !has(c.Reasons, want) {
					t.Errorf("no reason has %q: %q", want, c.Reasons)
				}
			}
			for _, want := range tc.steps {
				if !has(c.FirstSteps, want) {
					t.Errorf("no first step has %q: %q", want, c.FirstSteps)
				}
			}
			if tc.name == "standardisation gaps are informational" && len(c.FirstSteps) != 0 {
				t.Errorf("first steps %q for a standardisation gap", c.FirstSteps)
			}
			if tc.name == "critical risk" && len(c.FirstSteps) != 2 {
				t.Errorf("first steps %q: the implementation gap's remedy is repeated", c.FirstSteps)
			}
		})
	}
}

func TestScope(t *testing.T) {
	r := base()
	r.Results = append(r.Results,
		aiassure.Result{ID: "privacy/membership", Status: aiassure.NotApplicable, Reason: "no held-out member set is declared"},
		aiassure.Result{ID: "evasion/square", Status: aiassure.Unknown, Summary: "the check could not run"})
	_, s := Conclude(r)
	for _, want := range []string{
		"AI Act classification: high-risk via annex-iii",
		"2 threats analysed over 2 assets in 2 entries",
		"2 tests on model/mlp.onnx with data/test.csv: metrics/accuracy, evasion/pgd-linf.",
		"1 test on the declared attestations: lineage/release.",
	} {
		if !has(s.Assessed, want) {
			t.Errorf("assessed lacks %q: %q", want, s.Assessed)
		}
	}
	var not []string
	for _, it := range s.NotAssessed {
		not = append(not, it.What+": "+it.Why)
	}
	for _, want := range []string{
		"1 catalogue threat: they do not apply",
		"test privacy/membership: not applicable: no held-out member set is declared",
		"test evasion/square: could not run: the check could not run",
	} {
		if !has(not, want) {
			t.Errorf("not assessed lacks %q: %q", want, not)
		}
	}
	if len(s.Limits) != len(Limits) || !has(s.Limits, "qualitative TVRA") || !has(s.Limits, "sample-based") {
		t.Errorf("limits %q", s.Limits)
	}
	s.Limits[0] = "changed"
	if Limits[0] == "changed" {
		t.Error("the scope shares the package's limits")
	}
	r.Results = nil
	_, s = Conclude(r)
	if len(s.NotAssessed) < 2 || s.NotAssessed[len(s.NotAssessed)-1].What != "model tests" {
		t.Errorf("no model tests not stated: %+v", s.NotAssessed)
	}
}

// TestConcludeExamples concludes the shipped examples' golden reports: each
// gets a verdict with reasons, and a failing declared metric (every
// example but minimal-risk declares one that fails) makes it not ready.
func TestConcludeExamples(t *testing.T) {
	for _, name := range []string{"credit-scoring", "medical-diagnosis", "border-biometrics", "minimal-risk"} {
		r := readGolden(t, name)
		c, s := Conclude(r)
		if len(c.Reasons) == 0 || len(s.Assessed) == 0 {
			t.Errorf("%s: %+v %+v", name, c, s)
		}
		failing := false
		for _, res := range r.Results {
			failing = failing || (isMetric(res) && res.Status == aiassure.Fail)
		}
		if failing && c.Verdict != report.NotReady {
			t.Errorf("%s: a declared metric fails but the verdict is %s", name, c.Verdict)
		}
	}
}

func readGolden(t *testing.T, name string) *report.Report {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := reportjson.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
