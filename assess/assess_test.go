package assess_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/assess"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/probe"
	"github.com/aiassure/aiassure/profile"
	"github.com/aiassure/aiassure/report"
)

var update = flag.Bool("update", false, "rewrite the golden reports")

var fixed = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func examples(t testing.TB) []string {
	t.Helper()
	ps, err := filepath.Glob("../examples/*/profile.yaml")
	if err != nil || len(ps) == 0 {
		t.Fatalf("no example profiles: %v", err)
	}
	return ps
}

func config(t testing.TB) *assess.Config {
	t.Helper()
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg := assess.DefaultConfig()
	cfg.Catalog = c
	cfg.Now = func() time.Time { return fixed }
	// The model tests run the level's attacks on a small sample (probe.Quick)
	// so that the golden reports stay fast to make; they are deterministic.
	for i, chk := range cfg.Checks {
		if chk.Name == probe.CheckName {
			cfg.Checks[i].Run = func(ctx context.Context, in assess.CheckInput) ([]aiassure.Result, error) {
				return probe.Check(ctx, in.Profile, in.Catalog, probe.WithPlan(probe.Quick))
			}
		}
	}
	return cfg
}

// checkGolden compares got with the golden file, or rewrites it with -update.
func checkGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./assess -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", golden, diff)
	}
}

// TestExamples compares the full JSON report of every shipped example with
// its golden file (go test ./assess -update rewrites them).
func TestExamples(t *testing.T) {
	cfg := config(t)
	for _, path := range examples(t) {
		name := filepath.Base(filepath.Dir(path))
		t.Run(name, func(t *testing.T) {
			p, err := profile.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			r, err := assess.Run(context.Background(), p, cfg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(r, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join("testdata", name+".json"), string(got)+"\n")
		})
	}
}

// TestEvidenceChangesTheAssessment checks that test results flow through:
// a failed evasion test raises the evasion risks and shows as a finding,
// and a measured metric closes the evidence gap of its declared level.
func TestEvidenceChangesTheAssessment(t *testing.T) {
	cfg := config(t)
	cfg.Checks = slices.DeleteFunc(cfg.Checks, func(c assess.Check) bool { return c.Name == probe.CheckName })
	p, err := profile.Load("../examples/credit-scoring/profile.yaml")
	if err != nil {
		t.Fatal(err)
	}
	before, err := assess.Run(context.Background(), p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Results = []aiassure.Result{
		{ID: "evasion/pgd-linf", Check: "evasion/pgd-linf", Status: aiassure.Fail, Summary: "robust accuracy 0.12 at eps 0.1", Threats: []aiassure.ThreatID{"evasion-white-box"}},
		{ID: "metrics/accuracy", Check: "metrics/accuracy", Status: aiassure.Fail, Summary: "accuracy 0.74 < declared 0.75", Metrics: map[string]float64{"accuracy": 0.74}},
	}
	after, err := assess.Run(context.Background(), p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var demonstrated int
	for _, e := range after.Risk.Entries {
		for _, ev := range e.Evidence {
			if ev == "evasion/pgd-linf" && e.Likelihood.Level == "likely" {
				demonstrated++
			}
		}
	}
	if demonstrated == 0 {
		t.Error("the failed evasion test did not make any evasion risk likely")
	}
	find := func(r []aiassure.Finding, id string) bool {
		for _, f := range r {
			if f.ID == id {
				return true
			}
		}
		return false
	}
	if !find(after.Findings, "test/evasion/pgd-linf") {
		t.Error("no finding for the failed test")
	}
	gapBefore, gapAfter := false, false
	for _, g := range before.Coverage.Gaps {
		gapBefore = gapBefore || strings.Contains(g.Title, "declared accuracy")
	}
	for _, g := range after.Coverage.Gaps {
		gapAfter = gapAfter || strings.Contains(g.Title, "declared accuracy")
	}
	if !gapBefore || gapAfter {
		t.Errorf("evidence gap for declared accuracy: before %v after %v; want true, false", gapBefore, gapAfter)
	}
}

// BenchmarkAssess measures the assessment without the model tests (their
// speed is measured by the benchmarks of model/onnx and probe/evasion).
func BenchmarkAssess(b *testing.B) {
	cfg := config(b)
	cfg.Checks = slices.DeleteFunc(cfg.Checks, func(c assess.Check) bool { return c.Name == probe.CheckName })
	for _, path := range examples(b) {
		p, err := profile.Load(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(filepath.Dir(path)), func(b *testing.B) {
			for b.Loop() {
				if _, err := assess.Run(context.Background(), p, cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestApplicability keeps, for every shipped example, each catalogue
// threat's verdict in a golden file a person can read: the assets it
// applies to with the facts and profile lines that make it apply, "refined"
// when only narrower threats of it apply, or "not applicable" with the
// reason (go test ./assess -update rewrites them).
func TestApplicability(t *testing.T) {
	cfg := config(t)
	cfg.Checks = nil
	for _, path := range examples(t) {
		name := filepath.Base(filepath.Dir(path))
		t.Run(name, func(t *testing.T) {
			p, err := profile.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			r, err := assess.Run(context.Background(), p, cfg)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			at := func(field string, line int) string {
				switch {
				case field == "":
					return ""
				case line == 0:
					return " (" + field + ", not in the profile)"
				}
				return fmt.Sprintf(" (%s, line %d)", field, line)
			}
			for _, th := range cfg.Catalog.Threats {
				var lines []string
				for _, e := range r.Risk.Entries {
					if e.Threat != th.ID {
						continue
					}
					var why []string
					for _, a := range e.Applies {
						why = append(why, a.Text+at(a.Field, a.Line))
					}
					lines = append(lines, fmt.Sprintf("%s: applies to %s (residual %s): %s", th.ID, e.AssetList(), e.Residual.Level, strings.Join(why, "; ")))
				}
				for _, x := range r.Risk.NotApplicable {
					if x.Threat == th.ID {
						lines = append(lines, fmt.Sprintf("%s: not applicable: %s%s", th.ID, x.Reason.Text, at(x.Reason.Field, x.Reason.Line)))
					}
				}
				if len(lines) == 0 {
					lines = append(lines, string(th.ID)+": refined: narrower threats of it apply")
				}
				for _, l := range lines {
					b.WriteString(l + "\n")
				}
			}
			checkGolden(t, filepath.Join("testdata", name+".applicability.txt"), b.String())
		})
	}
}

// TestSeverityScale checks the one scale from risk to finding on the credit
// example: a critical residual risk is a critical finding, a major one high,
// a minor one none; one finding per threat; an accepted risk is marked and
// leaves the highest severity to the findings not accepted.
func TestSeverityScale(t *testing.T) {
	cfg := config(t)
	cfg.Checks = nil
	p, err := profile.Load("../examples/credit-scoring/profile.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := assess.Run(context.Background(), p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	worst := map[aiassure.ThreatID]string{}
	rank := map[string]int{"minor": 1, "major": 2, "critical": 3}
	for _, e := range r.Risk.Entries {
		if rank[e.Residual.Level] > rank[worst[e.Threat]] {
			worst[e.Threat] = e.Residual.Level
		}
	}
	want := map[string]aiassure.Severity{"critical": aiassure.Critical, "major": aiassure.High}
	seen := map[aiassure.ThreatID]bool{}
	for _, f := range r.Findings {
		if f.Kind != "risk" {
			continue
		}
		th := f.Threats[0]
		if seen[th] {
			t.Errorf("two risk findings for %s", th)
		}
		seen[th] = true
		if f.Severity != want[worst[th]] {
			t.Errorf("%s: severity %s for residual risk %s, want %s", f.ID, f.Severity, worst[th], want[worst[th]])
		}
		if len(f.Provisions) == 0 || len(f.Locations) == 0 || f.Locations[0].Line == 0 || f.Fingerprint == "" {
			t.Errorf("%s lacks provisions, a located profile line or a fingerprint: %+v", f.ID, f)
		}
	}
	for th, l := range worst {
		if _, ok := want[l]; ok != seen[th] {
			t.Errorf("threat %s at residual %s: finding %v", th, l, seen[th])
		}
	}
	if r.Summary.Findings[aiassure.Critical] == 0 {
		t.Error("no critical finding for the credit example")
	}
	var accepted []string
	for _, f := range r.Findings {
		if f.Accepted != nil {
			accepted = append(accepted, f.ID)
		}
		if f.Kind == "standardisation-gap" {
			t.Errorf("standardisation gap %s among the findings", f.ID)
		}
	}
	if !slices.Equal(accepted, []string{"risk/model-extraction"}) || r.Summary.Accepted != 1 {
		t.Errorf("accepted %v (summary %d), want risk/model-extraction", accepted, r.Summary.Accepted)
	}
}

// TestMissingArtefact checks that a declared file that does not exist is an
// input error naming the field and line, and with AllowMissing a critical
// "not assessed" finding at that line instead.
func TestMissingArtefact(t *testing.T) {
	dir := t.TempDir()
	src := "api_version: aiassure.dev/v1\nsystem:\n  name: S\n  intended_purpose: P.\n  sector: it\nrole: provider\nassurance: basic\n" +
		"assets:\n  - id: m\n    kind: model\n    path: model/missing.onnx\n"
	p, err := profile.Decode(filepath.Join(dir, "profile.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	cfg := config(t)
	cfg.Checks = nil
	_, err = assess.Run(context.Background(), p, cfg)
	if err == nil || !strings.Contains(err.Error(), ":11:") || !strings.Contains(err.Error(), "assets[0].path") {
		t.Fatalf("missing model file: error %v, want one at line 11 naming assets[0].path", err)
	}
	cfg.AllowMissing = true
	r, err := assess.Run(context.Background(), p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, f := range r.Findings {
		if f.Kind == "input" {
			found = f.Severity == aiassure.Critical && len(f.Locations) == 1 && f.Locations[0].Line == 11
		}
	}
	if !found || r.Summary.Highest != aiassure.Critical {
		t.Errorf("no critical not-assessed finding at line 11: %+v", r.Findings)
	}
}

// TestIntegrityFailureIsCritical checks that a lineage check that fails (a
// digest or signature that does not verify) is a critical finding for a
// high-risk system and a high one otherwise.
func TestIntegrityFailureIsCritical(t *testing.T) {
	for _, tc := range []struct {
		example string
		want    aiassure.Severity
	}{
		{"credit-scoring", aiassure.Critical},
		{"minimal-risk", aiassure.High},
	} {
		cfg := config(t)
		cfg.Checks = nil
		cfg.Results = []aiassure.Result{{ID: "lineage/release", Check: "lineage", Status: aiassure.Fail,
			Summary: "model/mlp.onnx does not match the digest of the signed release"}}
		p, err := profile.Load("../examples/" + tc.example + "/profile.yaml")
		if err != nil {
			t.Fatal(err)
		}
		r, err := assess.Run(context.Background(), p, cfg)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(r.Findings, func(f aiassure.Finding) bool { return f.ID == "test/lineage/release" })
		if i < 0 || r.Findings[i].Severity != tc.want {
			t.Errorf("%s: lineage failure finding %v, want severity %s", tc.example, i, tc.want)
		}
	}
}

// TestInputsDigested checks that a further input the caller names (a saved
// results file) is listed among the report's artefacts with its SHA-256, and
// that the profile's digest is that of its file.
func TestInputsDigested(t *testing.T) {
	cfg := config(t)
	cfg.Checks = nil
	const results = "testdata/minimal-risk.json"
	cfg.Inputs = []report.Artefact{{Role: "results", Path: results}}
	p, err := profile.Load("../examples/minimal-risk/profile.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := assess.Run(context.Background(), p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	sum := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("sha256:%x", sha256.Sum256(b))
	}
	i := slices.IndexFunc(r.Artefacts, func(a report.Artefact) bool { return a.Path == results })
	if i < 0 || r.Artefacts[i].Digest != sum(results) || r.Artefacts[i].Role != "results" {
		t.Errorf("results file among the artefacts: %+v", r.Artefacts)
	}
	if r.System.Digest != sum(p.Path) {
		t.Errorf("profile digest %s, want %s", r.System.Digest, sum(p.Path))
	}
}
