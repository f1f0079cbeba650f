package coverage_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/classify"
	"github.com/aiassure/aiassure/coverage"
	"github.com/aiassure/aiassure/profile"
	"github.com/aiassure/aiassure/risk"
)

const prof = `api_version: aiassure.dev/v1
system:
  name: test
  intended_purpose: decide loans
  sector: finance
use:
  annex_iii: [{area: 5, point: b}]
  profiling: true
role: provider
lifecycle: {continuous_learning: false}
assets:
  - {id: data, kind: dataset, sensitivity: personal, origin: internal}
  - {id: model, kind: model, origin: internal}
  - id: api
    kind: inference-interface
    exposure: {public: true, authentication: false, outputs: score}
controls:
  - id: c-access-control
    status: implemented
    evidence: [{kind: document, ref: present.txt}, {kind: document, ref: absent.txt}]
  - id: c-encryption
    status: implemented
performance:
  - {metric: accuracy, value: 0.9}
assurance: substantial
`

func analyse(t *testing.T, results []aiassure.Result) (coverage.Analysis, *catalog.Catalog) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "profile.yaml")
	os.WriteFile(path, []byte(prof), 0o644)
	os.WriteFile(filepath.Join(dir, "present.txt"), []byte("policy"), 0o644)
	p, err := profile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	cls, err := classify.Classify(p, c)
	if err != nil {
		t.Fatal(err)
	}
	ra, err := risk.Analyze(risk.Input{Profile: p, Catalog: c, Classification: cls, Results: results})
	if err != nil {
		t.Fatal(err)
	}
	return coverage.Analyze(coverage.Input{Profile: p, Catalog: c, Classification: cls, Risk: ra, Results: results}), c
}

func ids(a coverage.Analysis, kind string) []string {
	var out []string
	for _, g := range a.Gaps {
		if g.Kind == kind {
			out = append(out, g.ID)
		}
	}
	return out
}

func TestGaps(t *testing.T) {
	a, c := analyse(t, nil)
	ev := ids(a, coverage.Evidence)
	for _, want := range []string{"evid/c-access-control/1", "evid/c-encryption", "evid/performance/0"} {
		if !slices.Contains(ev, want) {
			t.Errorf("evidence gaps %v lack %s", ev, want)
		}
	}
	if slices.Contains(ev, "evid/c-access-control/0") {
		t.Error("evidence that exists is reported missing")
	}
	impl := ids(a, coverage.Implementation)
	// Art. 73 (serious incidents) applies to a high-risk system and no serving control is implemented.
	if !slices.Contains(impl, "impl/ai-act-art-73") {
		t.Errorf("implementation gaps %v lack impl/ai-act-art-73", impl)
	}
	// A risk and the controls missing against it are one finding, the
	// risk's: no implementation gap repeats a threat of the risk analysis.
	for _, g := range a.Gaps {
		if g.Kind == coverage.Implementation && len(g.Threats) > 0 {
			t.Errorf("implementation gap %s repeats the risk of %v", g.ID, g.Threats)
		}
	}
	// The seed's gap on system-specific analysis bears on evasion; it is open or partly closed.
	std := ids(a, coverage.Standardisation)
	if len(std) == 0 {
		t.Fatal("no standardisation gaps")
	}
	for _, id := range std {
		g, ok := c.Gap(aiassure.GapID(id[len("std/"):]))
		if !ok || g.State.Stage == "closed" {
			t.Errorf("standardisation gap %s is unknown or closed", id)
		}
	}
	// Coverage rows: every requirement row counts implemented controls within its total.
	if len(a.Requirements) == 0 || len(a.Threats) == 0 {
		t.Fatal("no coverage rows")
	}
	for _, r := range a.Requirements {
		if r.Implemented > r.Controls || r.Evidenced > r.Controls {
			t.Errorf("%s: implemented %d / evidenced %d of %d controls", r.Requirement, r.Implemented, r.Evidenced, r.Controls)
		}
	}
}

func TestResultsCloseEvidenceGaps(t *testing.T) {
	a, _ := analyse(t, []aiassure.Result{{ID: "metrics/accuracy", Check: "metrics/accuracy", Status: aiassure.Pass, Metrics: map[string]float64{"accuracy": 0.93}}})
	if slices.Contains(ids(a, coverage.Evidence), "evid/performance/0") {
		t.Error("a measured accuracy did not close the evidence gap of the declared accuracy")
	}
}
