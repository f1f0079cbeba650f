package probe

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/model"
	"github.com/aiassure/aiassure/model/onnx"
	"github.com/aiassure/aiassure/probe/poisoning"
)

// cleanRows is the size of breast-cancer.csv, the first rows of the
// poisoned file.
const cleanRows = 569

// planted is what tools/make_poisoned_data.py wrote into
// breast-cancer-poisoned.csv (rows 0-based, file order).
type planted struct {
	Flipped, Exact, Near, Trigger []int
	Rows                          int
}

func loadPlanted(t *testing.T) planted {
	t.Helper()
	b, err := os.ReadFile("poisoning/testdata/breast-cancer-poisoned.json")
	if err != nil {
		t.Fatal(err)
	}
	var p planted
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func loadTrain(t *testing.T, name string) *dataset.Dataset {
	t.Helper()
	ds, err := dataset.Load(context.Background(), "poisoning/testdata/"+name, dataset.Options{Label: "label"})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// poisoningOnly is the plan of a level reduced to the poisoning suite.
func poisoningOnly(t *testing.T, level string) Plan {
	t.Helper()
	pl, err := PlanFor(level)
	if err != nil {
		t.Fatal(err)
	}
	pl.Suites = []string{SuitePoisoning}
	return pl
}

func byID(rs []aiassure.Result) map[string]aiassure.Result {
	m := map[string]aiassure.Result{}
	for _, r := range rs {
		m[r.ID] = r
	}
	return m
}

// suspects returns the rows a Result names in its "suspect@<row>" keys.
func suspects(t *testing.T, r aiassure.Result) []int {
	t.Helper()
	var rows []int
	for k := range r.Metrics {
		if s, ok := strings.CutPrefix(k, "suspect@"); ok {
			i, err := strconv.Atoi(s)
			if err != nil {
				t.Fatalf("%s: key %q", r.ID, k)
			}
			rows = append(rows, i)
		}
	}
	slices.Sort(rows)
	return rows
}

// TestPoisoningSuite runs the suite through Run, without a target, on the
// breast cancer data that tools/make_poisoned_data.py poisoned with
// Python's random module, and checks what it finds against the rows the
// script planted; the clean data must pass.
func TestPoisoningSuite(t *testing.T) {
	truth := loadPlanted(t)
	for _, level := range Levels() {
		t.Run(level, func(t *testing.T) {
			pl := poisoningOnly(t, level)
			var whats []string
			prog := func(done, total int, what string) {
				if done > total {
					t.Errorf("progress %d of %d", done, total)
				}
				whats = append(whats, what)
			}
			in := RunInput{Plan: pl, Evidence: []string{"cli"}, Progress: prog,
				Poisoning: &PoisoningData{Train: loadTrain(t, "breast-cancer-poisoned.csv"), Evidence: []string{"train.csv"}}}
			rs, sum, err := Run(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Poisoning == nil || sum.Poisoning.Training == nil || sum.Poisoning.Training.Rows != truth.Rows {
				t.Fatalf("summary %+v", sum.Poisoning)
			}
			if !slices.Contains(whats, "poisoning: training data") {
				t.Errorf("progress %v", whats)
			}
			rep := sum.Poisoning.Training
			got := byID(rs)
			if len(rs) != 3 {
				t.Errorf("%d results, want 3", len(rs))
			}
			// Label noise: most of the 28 flips are found, few clean rows
			// are flagged (measured at every level: 18 found, 23 flagged,
			// precision 0.78, recall 0.64).
			ln := got["poisoning/label-noise"]
			s := poisoning.Evaluate(rep.Flagged(poisoning.CheckLabel), truth.Flipped)
			t.Logf("label noise: %d of %d flips found, %d flagged (precision %.2f, recall %.2f): %s", s.Found, s.Planted, s.Flagged, s.Precision, s.Recall, ln.Reason)
			if s.Recall < 0.55 || s.Precision < 0.6 {
				t.Errorf("label noise: precision %.2f recall %.2f, want at least 0.6 and 0.55", s.Precision, s.Recall)
			}
			if ln.Metrics["flagged"] != float64(s.Flagged) || ln.Metrics["rows"] != float64(truth.Rows) {
				t.Errorf("label noise metrics %v", ln.Metrics)
			}
			// At most 5% of 604 rows is 30: the 28 flips plus what the
			// trigger rows bring may or may not cross it, so the verdict
			// must follow the count.
			frac := float64(s.Flagged) / float64(truth.Rows)
			if (frac > 0.05) != (ln.Status == aiassure.Fail) || !strings.Contains(ln.Reason, "criterion of 5.0%") {
				t.Errorf("label noise: %s at %.3f: %s", ln.Status, frac, ln.Reason)
			}
			// Every flagged label the Result names is a flagged row.
			for _, r := range suspects(t, ln) {
				if !slices.Contains(rep.Flagged(poisoning.CheckLabel), r) {
					t.Errorf("label noise names row %d, not flagged", r)
				}
			}
			// Duplicates: all 20 copies, nothing else, and a fail (20 of
			// 604 rows is 3.3%, above 1%) that names the copied rows.
			du := got["poisoning/duplicates"]
			dups := append(slices.Clone(truth.Exact), truth.Near...)
			if e := poisoning.Evaluate(rep.Flagged(poisoning.CheckExact), truth.Exact); e.Recall != 1 || e.Precision != 1 {
				t.Errorf("exact duplicates: %+v", e)
			}
			if e := poisoning.Evaluate(rep.Flagged(poisoning.CheckNear), truth.Near); e.Recall != 1 || e.Precision != 1 {
				t.Errorf("near duplicates: %+v", e)
			}
			if du.Status != aiassure.Fail || du.Metrics["flagged"] != 20 || du.Metrics["flagged_exact-duplicate"] != 10 ||
				!strings.Contains(du.Reason, "3.3% of the rows") || !strings.Contains(du.Reason, "criterion of 1.0%") {
				t.Errorf("duplicates: %s %v: %s", du.Status, du.Metrics, du.Reason)
			}
			for _, r := range suspects(t, du) {
				if !slices.Contains(dups, r) {
					t.Errorf("duplicates name row %d, not a planted copy", r)
				}
				if of := int(du.Metrics["of@"+strconv.Itoa(r)]); of >= cleanRows {
					t.Errorf("row %d is said to copy row %d, not a row of the clean data", r, of)
				}
			}
			// The trigger rows: found by some check (docs: 11 of 15).
			tr := poisoning.Evaluate(rep.Flagged(""), truth.Trigger)
			t.Logf("trigger rows: %d of %d found by some check", tr.Found, tr.Planted)
			if tr.Recall < 0.6 {
				t.Errorf("trigger rows: %d of %d found", tr.Found, tr.Planted)
			}
			if ou := got["poisoning/outliers"]; ou.Status != aiassure.NotApplicable || !slices.Contains(ou.Threats, "backdoor") {
				t.Errorf("outliers: %+v", ou)
			}
			for _, r := range rs {
				if !slices.Equal(r.Evidence, []string{"train.csv"}) || r.Category != aiassure.DataPoisoning || !slices.Equal(r.Requirements, []aiassure.RequirementID{"ai-act-art-15-5"}) {
					t.Errorf("%s: evidence %v, category %s, requirements %v", r.ID, r.Evidence, r.Category, r.Requirements)
				}
			}

			// The clean data passes both tests.
			in.Poisoning.Train = loadTrain(t, "breast-cancer.csv")
			rs, _, err = Run(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				if r.Status == aiassure.Fail || r.Status == aiassure.Unknown {
					t.Errorf("clean data: %s %s: %s", r.ID, r.Status, r.Reason)
				}
				if r.Status == aiassure.Pass && !strings.Contains(r.Reason, "at most the criterion") {
					t.Errorf("clean data: %s passes without its criterion: %s", r.ID, r.Reason)
				}
			}
		})
	}
}

// TestPoisoningHighBound checks the high plan's basis: a share at or below
// the limit whose interval reaches above it is inconclusive.
func TestPoisoningHighBound(t *testing.T) {
	rep := &poisoning.Report{Rows: 100, Agreement: 0.95, Majority: 0.6}
	for i := range 4 { // 4% of the labels, interval about 1.6% to 9.8%
		rep.Suspects = append(rep.Suspects, poisoning.Suspect{Row: i, Check: poisoning.CheckLabel, Score: 0.9})
	}
	for _, c := range []struct {
		bound bool
		want  aiassure.Status
	}{{false, aiassure.Pass}, {true, aiassure.Unknown}} {
		l := poisoning.DefaultLimits
		l.Bound = c.bound
		r := byID(poisoning.Results(rep, l, nil))["poisoning/label-noise"]
		if r.Status != c.want || (c.bound && r.Metrics["inconclusive"] != 1) {
			t.Errorf("bound %v: %s %v: %s", c.bound, r.Status, r.Metrics, r.Reason)
		}
	}
}

func TestPoisoningInterrupt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := RunInput{Plan: poisoningOnly(t, "basic"), Poisoning: &PoisoningData{Train: loadTrain(t, "breast-cancer-poisoned.csv")},
		Progress: func(_, _ int, what string) {
			if what == "poisoning: training data" {
				cancel()
			}
		}}
	rs, sum, err := Run(ctx, in)
	if !errors.Is(err, context.Canceled) || sum == nil || !sum.Interrupted {
		t.Fatalf("error %v, summary %+v", err, sum)
	}
	if len(rs) != 1 || rs[0].ID != InterruptedID || rs[0].Status != aiassure.Unknown {
		t.Errorf("results %+v", rs)
	}
}

func TestPoisoningInputErrors(t *testing.T) {
	pl := poisoningOnly(t, "basic")
	// Without a training set the suite says why it did not run.
	rs, sum, err := Run(context.Background(), RunInput{Plan: pl})
	if err != nil || len(rs) != 0 || !slices.Contains(sum.Skipped, poisoningSkipped) {
		t.Errorf("no training set: %v %v %v", rs, sum, err)
	}
	// Too few rows for the folds is an input error.
	ds := loadTrain(t, "breast-cancer.csv")
	x, err := ds.X.Slice(0, 6)
	if err != nil {
		t.Fatal(err)
	}
	small := &dataset.Dataset{Info: ds.Info, X: x, Y: ds.Y[:6]}
	if _, _, err := Run(context.Background(), RunInput{Plan: pl, Poisoning: &PoisoningData{Train: small}}); !errors.Is(err, ErrInput) {
		t.Errorf("6 rows: %v, want ErrInput", err)
	}
	// Other suites still need a target.
	pl.Suites = append(pl.Suites, SuiteMetrics)
	if _, _, err := Run(context.Background(), RunInput{Plan: pl}); err == nil {
		t.Error("metrics without a target: no error")
	}
}

// TestBackdoorSuite runs the poisoning suite's model checks on the digits
// CNNs of tools/make_backdoor_models.py: the one trained with a planted
// 2x2 trigger (target 7) is flagged by Neural Cleanse with its target
// named and by STRIP on the triggered test images; the one trained the
// same way on clean data is not.
func TestBackdoorSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("Neural Cleanse on two CNNs")
	}
	open := func(name string) dataset.Reader {
		r, err := dataset.Open("backdoor/testdata/"+name, dataset.Options{Label: "label"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}
	load := func(name string) *dataset.Dataset {
		ds, err := dataset.Load(context.Background(), "backdoor/testdata/"+name, dataset.Options{Label: "label"})
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	for _, tc := range []struct {
		model, suspect string
		cleanse, strip aiassure.Status
	}{
		{"cnn-trojan.onnx", "test-triggered.csv", aiassure.Fail, aiassure.Fail},
		{"cnn-clean.onnx", "test-triggered.csv", aiassure.Pass, aiassure.Pass},
		{"cnn-trojan.onnx", "", aiassure.Fail, aiassure.NotApplicable},
	} {
		t.Run(tc.model+"+"+tc.suspect, func(t *testing.T) {
			m, err := onnx.Load("backdoor/testdata/" + tc.model)
			if err != nil {
				t.Fatal(err)
			}
			pl, err := PlanFor("basic")
			if err != nil {
				t.Fatal(err)
			}
			pl.Suites = []string{SuitePoisoning}
			in := RunInput{Target: m, Data: open("test-clean.csv"), Plan: pl, Evidence: []string{tc.model}}
			if tc.suspect != "" {
				in.Poisoning = &PoisoningData{Suspect: load(tc.suspect), SuspectEvidence: []string{tc.suspect}}
			}
			rs, sum, err := Run(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			got := byID(rs)
			nc, st := got["backdoor/neural-cleanse"], got["backdoor/strip"]
			if nc.Status != tc.cleanse || st.Status != tc.strip {
				t.Fatalf("neural cleanse %s (%s), strip %s (%s)", nc.Status, nc.Reason, st.Status, st.Reason)
			}
			if tc.cleanse == aiassure.Fail && (nc.Metrics["target_class"] != 7 || !strings.Contains(nc.Reason, "likely back-door target: 7 ")) {
				t.Errorf("target not named: %v %s", nc.Metrics["target_class"], nc.Reason)
			}
			if sum.Poisoning == nil || sum.Poisoning.Backdoor == nil || sum.Poisoning.Backdoor.Cleanse.Steps != pl.Poisoning.Backdoor.Steps {
				t.Errorf("summary: %+v", sum.Poisoning)
			}
			if tc.suspect != "" && !slices.Contains(st.Evidence, tc.suspect) {
				t.Errorf("strip evidence %v", st.Evidence)
			}
		})
	}
}

// TestActivationChecks runs the poisoning suite with the back-doored CNN,
// the training set it learnt from (108 rows stamped with the trigger and
// relabelled 7) and the clean test set: both activation checks fail and
// name the poisoned rows; on the training rows the trigger did not touch
// they pass.
func TestActivationChecks(t *testing.T) {
	var truth struct {
		Trigger struct {
			Rows []int `json:"poisoned_row_indices"`
		} `json:"trigger"`
	}
	b, err := os.ReadFile("backdoor/testdata/models.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	train, err := dataset.Load(context.Background(), "backdoor/testdata/train-poisoned.csv", dataset.Options{Label: "label"})
	if err != nil {
		t.Fatal(err)
	}
	clean := &dataset.Dataset{Info: train.Info, X: &model.Tensor{Shape: []int{0, 64}}}
	for i := range train.X.Batch() {
		if !slices.Contains(truth.Trigger.Rows, i) {
			clean.X.Data = append(clean.X.Data, train.X.Data[i*64:(i+1)*64]...)
			clean.Y = append(clean.Y, train.Y[i])
			clean.X.Shape[0]++
		}
	}
	run := func(modelFile string, tr *dataset.Dataset) (map[string]aiassure.Result, *Summary) {
		t.Helper()
		m, err := onnx.Load(modelFile)
		if err != nil {
			t.Fatal(err)
		}
		r, err := dataset.Open("backdoor/testdata/test-clean.csv", dataset.Options{Label: "label"})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		pl, err := PlanFor("basic")
		if err != nil {
			t.Fatal(err)
		}
		pl.Suites = []string{SuitePoisoning}
		pl.Poisoning.Backdoor = BackdoorPlan{Inputs: 20, Steps: 5} // Neural Cleanse is not under test
		rs, sum, err := Run(context.Background(), RunInput{Target: m, Data: r, Plan: pl, Evidence: []string{"m"},
			Poisoning: &PoisoningData{Train: tr, Evidence: []string{"t"}}})
		if err != nil {
			t.Fatal(err)
		}
		return byID(rs), sum
	}
	got, sum := run("backdoor/testdata/cnn-trojan.onnx", train)
	for _, id := range []string{"poisoning/activation-spectral", "poisoning/activation-clustering"} {
		r := got[id]
		if r.Status != aiassure.Fail || r.Metrics["classes_flagged"] != 1 || !strings.Contains(r.Reason, "criterion:") {
			t.Errorf("%s: %s %v: %s", id, r.Status, r.Metrics, r.Reason)
		}
		if !slices.Equal(r.Evidence, []string{"m", "t"}) {
			t.Errorf("%s: evidence %v", id, r.Evidence)
		}
	}
	a := sum.Poisoning.Activations
	if a == nil || a.Reference != 450 || a.Layer != "/Flatten_output_0" {
		t.Fatalf("summary: %+v", a)
	}
	s := poisoning.Evaluate(a.Flagged(""), truth.Trigger.Rows)
	t.Logf("found %d of %d poisoned rows, %d flagged", s.Found, s.Planted, s.Flagged)
	if s.Recall < 0.9 || s.Precision < 0.9 {
		t.Errorf("precision %.2f recall %.2f", s.Precision, s.Recall)
	}
	got, _ = run("backdoor/testdata/cnn-trojan.onnx", clean)
	for _, id := range []string{"poisoning/activation-spectral", "poisoning/activation-clustering"} {
		if r := got[id]; r.Status != aiassure.Pass {
			t.Errorf("clean rows: %s: %s: %s", id, r.Status, r.Reason)
		}
	}
}
