package privacy

import (
	"context"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/model"
)

// The models of testdata (tools/make_privacy_models.py) are trained on the
// members: overfit.onnx memorises them (100% training accuracy, 72% on the
// non-members), regularised.onnx does not (80% and 72%); outside.onnx has
// the overfit model's architecture and training but never saw a member.

func TestMemorisingModelScoresAboveRegularised(t *testing.T) {
	over, reg := runOn(t, "overfit.onnx"), runOn(t, "regularised.onnx")
	for _, a := range []string{AttackCalibrated, AttackLiRA, AttackRMIA, AttackLabelOnly} {
		o, r := membership(t, over, a), membership(t, reg, a)
		t.Logf("%s: AUC %.3f [%.3f, %.3f] vs %.3f [%.3f, %.3f]; TPR@1%% %.3f vs %.3f", a, o.AUC, o.AUCCI.Lo, o.AUCCI.Hi, r.AUC, r.AUCCI.Lo, r.AUCCI.Hi, o.TPR01, r.TPR01)
		gap := 0.15
		if a == AttackLabelOnly {
			gap = 0.1 // from labels alone
		}
		if o.AUCCI.Lo <= r.AUCCI.Hi || o.AUC < r.AUC+gap {
			t.Errorf("%s: AUC of the memorising model %.3f [%.3f, %.3f] not clearly above the regularised one's %.3f [%.3f, %.3f]",
				a, o.AUC, o.AUCCI.Lo, o.AUCCI.Hi, r.AUC, r.AUCCI.Lo, r.AUCCI.Hi)
		}
	}
	// The low-FPR end: the strongest attack finds several times more
	// members at 1% FPR on the memorising model.
	best := func(rep *Report) float64 {
		b := 0.0
		for _, m := range rep.Membership {
			b = max(b, m.ROC.TPR01)
		}
		return b
	}
	if o, r := best(over), best(reg); o < 0.05 || o < 2.5*r {
		t.Errorf("best TPR at 1%% FPR: %.3f on the memorising model, %.3f on the regularised one", o, r)
	}
	// The reference-model attacks beat the plain threshold attack, and the
	// label-only attack beats the gap attack it extends (on labels alone,
	// the gap attack's AUC is ½ + ½(members' − non-members' accuracy)).
	if l, th := membership(t, over, AttackLiRA), membership(t, over, AttackThreshold); l.AUC <= th.AUC {
		t.Errorf("LiRA AUC %.3f not above the threshold attack's %.3f", l.AUC, th.AUC)
	}
	if lo := membership(t, over, AttackLabelOnly); lo.AUC <= 0.5+0.5*(1-0.7225)+0.02 {
		t.Errorf("label-only AUC %.3f not above the gap attack's %.3f", lo.AUC, 0.5+0.5*(1-0.7225))
	}
}

func TestModelWithoutMembersScoresAtChance(t *testing.T) {
	rep := runOn(t, "outside.onnx")
	for _, m := range rep.Membership {
		r := m.ROC
		if !(r.AUCCI.Lo <= 0.5 && 0.5 <= r.AUCCI.Hi) {
			t.Errorf("%s: AUC %.3f [%.3f, %.3f] on a model that never saw a member: the interval excludes 0.5", m.Attack, r.AUC, r.AUCCI.Lo, r.AUCCI.Hi)
		}
	}
	if len(rep.Membership) != 6 {
		t.Errorf("%d membership attacks ran, want 6", len(rep.Membership))
	}
}

func TestExtractionFidelityGrowsWithQueries(t *testing.T) {
	for _, f := range []string{"regularised.onnx", "overfit.onnx"} {
		rep := runOn(t, f)
		if len(rep.Extraction) != 2 {
			t.Fatalf("%s: %d extraction modes, want labels and scores", f, len(rep.Extraction))
		}
		for _, e := range rep.Extraction {
			fid := map[int]float64{}
			for _, p := range e.Points {
				fid[p.Queries] = max(fid[p.Queries], p.Fidelity)
			}
			if len(fid) != 5 {
				t.Errorf("%s %s: grid %v", f, e.Mode, fid)
			}
			grow := 0.12 // the memorising model's boundary takes many queries to copy
			if f == "regularised.onnx" {
				grow = 0.03 // a nearly linear model: 25 queries already copy most of it
			}
			if fid[400] < fid[25]+grow || fid[400] < 0.85 {
				t.Errorf("%s %s: fidelity %.3f at 25 queries, %.3f at 400", f, e.Mode, fid[25], fid[400])
			}
		}
	}
}

func TestInversionBeatsMarginalOnMemorisingModel(t *testing.T) {
	o := inversionOf(t, runOn(t, "overfit.onnx"), "property_magnitude")
	r := inversionOf(t, runOn(t, "regularised.onnx"), "property_magnitude")
	t.Logf("overfit: members %.3f (baseline %.3f), non-members %.3f (%.3f); regularised gain %.3f", o.Members.Accuracy, o.Members.Baseline, o.NonMembers.Accuracy, o.NonMembers.Baseline, r.Gain())
	if o.Members.AccuracyCI.Lo <= o.Members.Baseline || o.Gain() < 0.05 {
		t.Errorf("attribute inference on members %.3f [%.3f, %.3f], marginal baseline %.3f", o.Members.Accuracy, o.Members.AccuracyCI.Lo, o.Members.AccuracyCI.Hi, o.Members.Baseline)
	}
	if o.NonMembers.Accuracy >= o.Members.Accuracy-0.05 {
		t.Errorf("non-members %.3f, members %.3f: the gain should come from memorisation", o.NonMembers.Accuracy, o.Members.Accuracy)
	}
	if r.Gain() >= o.Gain()-0.05 {
		t.Errorf("regularised gain %.3f not below the memorising model's %.3f", r.Gain(), o.Gain())
	}
	if o.Queries != 2*400*4 {
		t.Errorf("%d inversion queries, want 3200 (800 records, 4 values)", o.Queries)
	}
}

func TestResultsOfTheSuite(t *testing.T) {
	res := Results(runOn(t, "overfit.onnx"), []string{"overfit.onnx"})
	byID := map[string]aiassure.Result{}
	for _, r := range res {
		byID[r.ID] = r
		if r.Category != aiassure.ConfidentialityAttacks || !slices.Contains(r.Controls, "c-privacy-testing") || !slices.Contains(r.Requirements, "ai-act-art-15-5") {
			t.Errorf("%s: category %q controls %v requirements %v", r.ID, r.Category, r.Controls, r.Requirements)
		}
		if (r.Status == aiassure.Pass || r.Status == aiassure.Fail) && !strings.Contains(r.Reason, "criterion") {
			t.Errorf("%s: %s without its criterion: %q", r.ID, r.Status, r.Reason)
		}
	}
	lira, ok := byID["privacy/mia-lira"]
	if !ok {
		t.Fatalf("no privacy/mia-lira among %v", keys(byID))
	}
	for _, k := range []string{"roc_auc", "roc_auc_lo", "roc_auc_hi", "tpr_at_fpr_0.001", "tpr_at_fpr_0.001_lo", "tpr_at_fpr_0.001_hi",
		"tpr_at_fpr_0.01", "tpr_at_fpr_0.01_lo", "tpr_at_fpr_0.01_hi", "members", "non_members", "min_fpr", "roc_tpr@0.0025", "roc_tpr@1"} {
		if _, ok := lira.Metrics[k]; !ok {
			t.Errorf("privacy/mia-lira has no metric %q", k)
		}
	}
	if lira.Status != aiassure.Fail || !slices.Contains(lira.Threats, "membership-inference") {
		t.Errorf("LiRA on the memorising model: %s, threats %v", lira.Status, lira.Threats)
	}
	if !strings.Contains(lira.Summary, "resolve no FPR below 0.25%") {
		t.Errorf("summary does not say the smallest resolvable FPR: %s", lira.Summary)
	}
	if r := byID["privacy/output"]; r.Metrics["output_scores"] != 1 || r.Status != aiassure.NotApplicable {
		t.Errorf("privacy/output: %s %v", r.Status, r.Metrics)
	}
	if r := byID["privacy/extraction-labels"]; !slices.Contains(r.Threats, "model-extraction-label-only") || r.Metrics["fidelity@400"] == 0 {
		t.Errorf("privacy/extraction-labels: threats %v metrics %v", r.Threats, r.Metrics)
	}
	if r := byID["privacy/inversion-property_magnitude"]; r.Status != aiassure.Fail || r.Metrics["gain"] < 0.05 {
		t.Errorf("inversion on the memorising model: %s %v", r.Status, r.Metrics)
	}
	reg := Results(runOn(t, "outside.onnx"), nil)
	for _, r := range reg {
		if strings.HasPrefix(r.ID, "privacy/mia-") && r.Status != aiassure.Pass {
			t.Errorf("%s on a model that never saw a member: %s (%s)", r.ID, r.Status, r.Summary)
		}
	}
}

func keys(m map[string]aiassure.Result) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestOutputKinds wraps the regularised model so that it answers as
// endpoints do, and checks what the suite reads from the answers and what
// it then runs.
func TestOutputKinds(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func([]float32)
		want Output
		skip []string
	}{
		{"full", func([]float32) {}, Output{Kind: OutputScores, Classes: 2}, nil},
		{"rounded", func(r []float32) {
			for i := range r {
				r[i] = float32(math.Round(float64(r[i])*100) / 100)
			}
		}, Output{Kind: OutputRounded, Classes: 2, Decimals: 2}, nil},
		{"labels", func(r []float32) {
			b := 0
			for i := range r {
				if r[i] > r[b] {
					b = i
				}
			}
			for i := range r {
				r[i] = 0
			}
			r[b] = 1
		}, Output{Kind: OutputLabels, Classes: 2}, []string{AttackLiRA, AttackRMIA}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := testInput(t, "regularised.onnx")
			in.Target = mapTarget{in.Target, tc.f}
			in.Config = Config{References: 2, Resamples: -1, Budget: 50, InversionRecords: 20,
				Reference: TrainConfig{Hidden: 0, Epochs: 5}, Attacks: []string{AttackThreshold, AttackLiRA, AttackRMIA, AttackExtraction}}
			rep, err := Run(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			got := rep.Output
			got.Answers = 0
			if got != tc.want {
				t.Errorf("output %+v, want %+v", got, tc.want)
			}
			for _, s := range tc.skip {
				if !slices.ContainsFunc(rep.Skipped, func(x string) bool { return strings.HasPrefix(x, s+":") }) {
					t.Errorf("%s not skipped: %v", s, rep.Skipped)
				}
			}
			wantModes := 2
			if tc.want.Kind == OutputLabels {
				wantModes = 1
			}
			if len(rep.Extraction) != wantModes {
				t.Errorf("%d extraction modes, want %d", len(rep.Extraction), wantModes)
			}
		})
	}
}

func TestDetectOutput(t *testing.T) {
	top2 := make([][]float32, 50)
	for i := range top2 {
		top2[i] = []float32{0.6 - float32(i)/1000, 0.3 + float32(i)/1000, 0, 0}
	}
	if o := detectOutput(top2, 4); o.Kind != OutputTopK || o.TopK != 2 {
		t.Errorf("top-2 answers read as %+v", o)
	}
	single := [][]float32{{0}, {1}, {1}}
	if o := detectOutput(single, 1); o.Kind != OutputLabels {
		t.Errorf("0/1 answers read as %+v", o)
	}
	few := [][]float32{{0.25, 0.75}}
	if o := detectOutput(few, 2); o.Kind != OutputScores {
		t.Errorf("too few values to call rounded: %+v", o)
	}
}

func TestDeterministicAcrossWorkers(t *testing.T) {
	run := func(workers int) *Report {
		in := testInput(t, "regularised.onnx")
		in.Config = Config{References: 4, Resamples: 50, Budget: 60, InversionRecords: 30, Workers: workers,
			Reference: TrainConfig{Hidden: 8, Epochs: 10}}
		rep, err := Run(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		rep.Config.Workers = 0
		return rep
	}
	a, b := run(1), run(4)
	if !reflect.DeepEqual(Results(a, nil), Results(b, nil)) {
		t.Error("results differ between 1 and 4 workers")
	}
}

func TestInputErrors(t *testing.T) {
	in := testInput(t, "regularised.onnx")
	narrow := &dataset.Dataset{Info: in.Members.Info, X: &model.Tensor{Shape: []int{1, 2}, Data: []float32{1, 2}}, Y: []int{0}}
	nan := &dataset.Dataset{Info: in.Members.Info, X: in.Members.X.Clone(), Y: in.Members.Y}
	nan.X.Data[5] = float32(math.NaN())
	unlabelled := &dataset.Dataset{Info: in.Members.Info, X: in.Members.X, Y: nil}
	badLabel := &dataset.Dataset{Info: in.Members.Info, X: in.Members.X, Y: slices.Repeat([]int{7}, in.Members.Len())}
	for _, tc := range []struct {
		name string
		edit func(*Input)
	}{
		{"no members", func(in *Input) { in.Members = nil }},
		{"no non-members", func(in *Input) { in.NonMembers = nil }},
		{"feature count", func(in *Input) { in.NonMembers = narrow }},
		{"NaN", func(in *Input) { in.Members = nan }},
		{"unlabelled", func(in *Input) { in.NonMembers = unlabelled }},
		{"label out of range", func(in *Input) { in.Members = badLabel }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := testInput(t, "regularised.onnx")
			in.Config = Config{References: 2, Resamples: -1, Attacks: []string{AttackThreshold}}
			tc.edit(&in)
			_, err := Run(context.Background(), in)
			if !errors.Is(err, ErrInput) {
				t.Errorf("error %v, want ErrInput", err)
			}
		})
	}
	if err := (Config{Attacks: []string{"nope"}}).Validate(); err == nil {
		t.Error("unknown attack accepted")
	}
	in.Sensitive = []string{"no_such_feature"}
	in.Config = Config{References: 2, Resamples: -1, Attacks: []string{AttackInversion}}
	rep, err := Run(context.Background(), in)
	if err != nil || len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0], "no_such_feature") {
		t.Errorf("unknown sensitive feature: %v, skipped %v", err, rep.Skipped)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	in := testInput(t, "regularised.onnx")
	in.Config = testConfig()
	in.Progress = func(done, total int, what string) {
		if what == "reference models" {
			cancel()
		}
	}
	rep, err := Run(ctx, in)
	if !errors.Is(err, context.Canceled) || rep == nil || !rep.Partial {
		t.Fatalf("cancelled run: %v, report %v", err, rep)
	}
	for _, r := range Results(rep, nil) {
		if r.ID != "privacy/output" && !strings.Contains(r.Reason, "interrupted") {
			t.Errorf("%s does not say the run was interrupted", r.ID)
		}
	}
}
