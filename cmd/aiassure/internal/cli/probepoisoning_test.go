package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aiassure/aiassure"
)

const poisonData = "../../../../probe/poisoning/testdata/"

// TestProbePoisoning runs -suite poisoning on the breast cancer data that
// tools/make_poisoned_data.py poisoned (5% flipped labels, 10 exact and 10
// near copies, 15 trigger rows) and on the clean data.
func TestProbePoisoning(t *testing.T) {
	var truth struct{ Flipped, Exact, Near, Trigger []int }
	b, err := os.ReadFile(poisonData + "breast-cancer-poisoned.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	poisoned, clean := poisonData+"breast-cancer-poisoned.csv", poisonData+"breast-cancer.csv"

	// Text: the verdicts and the suspects of every check.
	code, out, errs := run(t, "probe", "-suite", "poisoning", "-data", poisoned)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"TRAINING-DATA CHECKS (basic plan)", "FAIL poisoning/duplicates", "20 of 604 rows repeat an earlier row (10 exactly, 10 nearly)",
		"more than the criterion of 1.0%", "exact-duplicate: 10 of 604 rows", "near-duplicate: 10 of 604 rows", "row 569 1 an exact copy of row"} {
		if !strings.Contains(oneLine(out), want) {
			t.Errorf("text output lacks %q:\n%.4000s", want, out)
		}
	}

	// JSON, through -train: the report has every suspect.
	dir := t.TempDir()
	o := filepath.Join(dir, "r.json")
	code, _, errs = run(t, "probe", "-suite", "poisoning", "-train", poisoned, "-level", "high", "-format", "json", "-o", o)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err = os.ReadFile(o)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Results []aiassure.Result `json:"results"`
		Summary struct {
			Level     string `json:"level"`
			Poisoning struct {
				Training struct {
					Rows     int `json:"rows"`
					Suspects []struct {
						Row   int    `json:"row"`
						Check string `json:"check"`
						Of    *int   `json:"of"`
					} `json:"suspects"`
				} `json:"training"`
				Limits struct {
					Bound bool `json:"bound"`
				} `json:"limits"`
			} `json:"poisoning"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	p := doc.Summary.Poisoning
	if doc.Summary.Level != "high" || p.Training.Rows != 604 || !p.Limits.Bound {
		t.Errorf("summary %+v", doc.Summary)
	}
	found := map[string][]int{}
	for _, s := range p.Training.Suspects {
		found[s.Check] = append(found[s.Check], s.Row)
		if s.Check == "exact-duplicate" && (s.Of == nil || *s.Of >= 569) {
			t.Errorf("exact copy %d of %v", s.Row, s.Of)
		}
	}
	if !slices.Equal(found["exact-duplicate"], truth.Exact) || !slices.Equal(found["near-duplicate"], truth.Near) {
		t.Errorf("duplicates %v and %v, planted %v and %v", found["exact-duplicate"], found["near-duplicate"], truth.Exact, truth.Near)
	}
	hit := 0
	for _, r := range found["label-noise"] {
		if slices.Contains(truth.Flipped, r) {
			hit++
		}
	}
	if hit < 15 || len(found["label-noise"]) > 2*hit { // measured 18 of 28 flips, 23 rows flagged
		t.Errorf("label noise: %d of %d flips in %d flagged rows", hit, len(truth.Flipped), len(found["label-noise"]))
	}
	ids := map[string]aiassure.Status{}
	for _, r := range doc.Results {
		ids[r.ID] = r.Status
	}
	if ids["poisoning/duplicates"] != aiassure.Fail || ids["poisoning/outliers"] != aiassure.NotApplicable || len(ids) != 3 {
		t.Errorf("results %v", ids)
	}

	// The clean data passes.
	code, out, errs = run(t, "probe", "-suite", "poisoning", "-train", clean)
	if code != ExitOK || !strings.Contains(oneLine(out), "PASS poisoning/label-noise") || !strings.Contains(oneLine(out), "PASS poisoning/duplicates") ||
		!strings.Contains(oneLine(out), "0 of 569 rows repeat an earlier row") {
		t.Errorf("clean data: exit %d:\n%s\n%s", code, out, errs)
	}
}

func TestProbePoisoningErrors(t *testing.T) {
	dir := t.TempDir()
	tiny := filepath.Join(dir, "tiny.csv")
	if err := os.WriteFile(tiny, []byte("a,label\n1,0\n2,1\n3,0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	unlabelled := filepath.Join(dir, "x.csv")
	if err := os.WriteFile(unlabelled, []byte("a,b\n1,2\n3,4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		errs string
	}{
		{"no training set", []string{"-suite", "poisoning"}, "-suite poisoning needs -train FILE"},
		{"missing file", []string{"-suite", "poisoning", "-train", filepath.Join(dir, "none.csv")}, "none.csv"},
		{"too few rows", []string{"-suite", "poisoning", "-train", tiny}, "fewer than twice the 5 folds"},
		{"no labels", []string{"-suite", "poisoning", "-train", unlabelled}, "label"},
		{"-train without the suite", []string{"-suite", "metrics", "-train", tiny, "-model", ex + "minimal-risk/model/mlp.onnx", "-data", ex + "minimal-risk/data/test.csv"}, "-train is for the poisoning suite"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := run(t, append([]string{"probe"}, c.args...)...)
			if code != ExitUsage || !strings.Contains(errs, c.errs) {
				t.Errorf("exit %d, want %d with %q:\n%s", code, ExitUsage, c.errs, errs)
			}
		})
	}
}
