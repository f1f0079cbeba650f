package probe

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/model/onnx"
	"github.com/aiassure/aiassure/probe/privacy"
	"github.com/aiassure/aiassure/profile"
)

const privacyTestdata = "privacy/testdata"

func TestPrivacyPlans(t *testing.T) {
	var prev Plan
	for i, level := range Levels() {
		p, _ := PlanFor(level)
		if !p.Has(SuitePrivacy) {
			t.Errorf("%s: no privacy suite", level)
		}
		q := p.Privacy
		if i > 0 && (q.References < prev.Privacy.References || q.Budget < prev.Privacy.Budget) {
			t.Errorf("%s privacy plan weaker than %s's", level, prev.Level)
		}
		prev = p
	}
	bad, _ := PlanFor("basic")
	bad.Privacy.Attacks = []string{"model-stealing"}
	if err := bad.Validate(); err == nil {
		t.Error("unknown privacy attack accepted")
	}
}

// TestCheckPrivacy runs the assessment check on a profile whose artefacts
// name the memorising credit model and its member and non-member splits.
func TestCheckPrivacy(t *testing.T) {
	p := &profile.Profile{
		Path: filepath.Join(privacyTestdata, "profile.yaml"), Assurance: "basic",
		Artefacts: profile.Artefacts{Model: "overfit.onnx", Data: "nonmembers.csv", TrainData: "members.csv",
			HeldoutData: "nonmembers.csv", ReferenceData: "population.csv", SensitiveFeatures: []string{"property_magnitude"}},
	}
	rs, err := Check(context.Background(), p, nil, WithPlan(func(pl *Plan) {
		Quick(pl)
		pl.Suites = []string{SuiteMetrics, SuitePrivacy}
	}))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]aiassure.Result{}
	for _, r := range rs {
		got[r.ID] = r
	}
	for _, id := range []string{"metrics/measured", "privacy/output", "privacy/mia-threshold", "privacy/mia-calibrated", "privacy/mia-lira",
		"privacy/extraction-labels", "privacy/extraction-scores", "privacy/inversion-property_magnitude"} {
		if _, ok := got[id]; !ok {
			t.Errorf("no result %s", id)
		}
	}
	lira := got["privacy/mia-lira"]
	if lira.Status != aiassure.Fail || lira.Metrics["roc_auc"] < 0.7 || !slices.Contains(lira.Evidence, "members.csv") {
		t.Errorf("LiRA on the memorising model: %s, AUC %.3f, evidence %v", lira.Status, lira.Metrics["roc_auc"], lira.Evidence)
	}
	// A profile without member data assesses as before: no privacy Result.
	p.Artefacts.TrainData, p.Artefacts.HeldoutData, p.Artefacts.ReferenceData = "", "", ""
	rs, _ = Check(context.Background(), p, nil, WithPlan(func(pl *Plan) {
		Quick(pl)
		pl.Suites = []string{SuiteMetrics, SuitePrivacy}
	}))
	for _, r := range rs {
		if strings.HasPrefix(r.ID, "privacy") {
			t.Errorf("privacy result without member data: %s", r.ID)
		}
	}
	// Member data that cannot be read is an Unknown Result, not a failure.
	p.Artefacts.TrainData, p.Artefacts.HeldoutData = "missing.csv", "nonmembers.csv"
	rs, _ = Check(context.Background(), p, nil, WithPlan(func(pl *Plan) {
		Quick(pl)
		pl.Suites = []string{SuiteMetrics, SuitePrivacy}
	}))
	if !slices.ContainsFunc(rs, func(r aiassure.Result) bool { return r.ID == "privacy" && r.Status == aiassure.Unknown }) {
		t.Error("unreadable train_data gave no Unknown privacy result")
	}
}

// TestRunPrivacyOnly runs the privacy suite alone, without test data.
func TestRunPrivacyOnly(t *testing.T) {
	m, err := onnx.Load(filepath.Join(privacyTestdata, "regularised.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	load := func(f string) *dataset.Dataset {
		d, err := dataset.Load(context.Background(), filepath.Join(privacyTestdata, f), dataset.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	pl, _ := PlanFor("high")
	Quick(&pl)
	pl.Suites = []string{SuitePrivacy}
	pl.Privacy.Attacks = []string{privacy.AttackThreshold, privacy.AttackLiRA}
	in := RunInput{Target: m, Plan: pl, Privacy: &PrivacyData{Members: load("members.csv"), NonMembers: load("nonmembers.csv")}, Evidence: []string{"regularised.onnx"}}
	rs, sum, err := Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Privacy == nil || len(sum.Privacy.Membership) != 2 || !sum.Privacy.Config.Limits.Bound {
		t.Fatalf("summary %+v", sum.Privacy)
	}
	for _, r := range rs {
		if r.ID == "privacy/mia-lira" && r.Status == aiassure.Fail {
			t.Errorf("LiRA fails the regularised model: %s", r.Summary)
		}
	}
	// Without member data, the suite is skipped and says why.
	in.Privacy = nil
	_, sum, err = Run(context.Background(), in)
	if err != nil || len(sum.Skipped) != 1 || !strings.Contains(sum.Skipped[0], "train_data") {
		t.Errorf("no member data: %v, skipped %v", err, sum.Skipped)
	}
	// Members whose features do not fit the model are an input error.
	bad := load("members.csv")
	bad.X.Shape, bad.X.Data = []int{1, 3}, bad.X.Data[:3]
	bad.Y = bad.Y[:1]
	in.Privacy = &PrivacyData{Members: bad, NonMembers: load("nonmembers.csv")}
	if _, _, err := Run(context.Background(), in); !errors.Is(err, ErrInput) {
		t.Errorf("bad members: %v", err)
	}
}
