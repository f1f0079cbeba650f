package probe

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/probe/evasion"
	"github.com/aiassure/aiassure/profile"
)

// TestAttackSettingsVocabulary checks the profile's vocabulary against
// package evasion: the same attacks, and for each the settings it reports
// (without PGD's API-only step_size) plus budget.
func TestAttackSettingsVocabulary(t *testing.T) {
	var names []string
	for _, a := range evasion.All() {
		names = append(names, a.Name())
		want := []string{evasion.SettingBudget}
		for k := range a.Settings() {
			want = append(want, k)
		}
		got := slices.Clone(profile.AttackSettings[a.Name()])
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: profile.AttackSettings %v, the attack's settings %v", a.Name(), got, want)
		}
	}
	if !slices.Equal(names, profile.EvasionAttacks) {
		t.Errorf("profile.EvasionAttacks %v, evasion.All %v", profile.EvasionAttacks, names)
	}
}

func TestParseAttackSpec(t *testing.T) {
	yes := true
	for _, c := range []struct {
		in   string
		want AttackSpec
		err  string
	}{
		{in: "pgd-linf:steps=40,restarts=5,step=0.1", want: AttackSpec{Name: "pgd-linf", Steps: 40, Restarts: 5, Step: 0.1}},
		{in: " square-linf : iterations=1000, p_init=0.05 ", want: AttackSpec{Name: "square-linf", Iterations: 1000, PInit: 0.05}},
		{in: "pgd-l2:random_start=true,budget=200", want: AttackSpec{Name: "pgd-l2", RandomStart: &yes, Budget: 200}},
		{in: "hopskipjump-l2:iterations=20,init_evals=50,max_evals=500", want: AttackSpec{Name: "hopskipjump-l2", Iterations: 20, InitEvals: 50, MaxEvals: 500}},
		{in: "deepfool-linf:overshoot=0.05", want: AttackSpec{Name: "deepfool-linf", Overshoot: 0.05}},
		{in: "fgsm", want: AttackSpec{Name: "fgsm"}},
		{in: "square-linf:steps=40", err: `square-linf has no setting "steps" (its settings: iterations, p_init, budget)`},
		{in: "pgd-linf:stepz=1", err: "its settings: steps, restarts, step, random_start, budget"},
		{in: "cw-l2:steps=1", err: `unknown evasion attack "cw-l2"`},
		{in: "pgd-linf:steps", err: "want key=value"},
		{in: "pgd-linf:steps=1.5", err: "want a whole number"},
		{in: "pgd-linf:steps=-1", err: "out of range"},
		{in: "pgd-linf:step=NaN", err: "want a number"},
		{in: "square-linf:p_init=2", err: "out of range [0, 1]"},
		{in: "pgd-linf:random_start=maybe", err: "want true or false"},
		{in: "pgd-linf:steps=1,steps=2", err: "given twice"},
		{in: "hopskipjump-linf:init_evals=100,max_evals=10", err: "below init_evals"},
	} {
		got, err := ParseAttackSpec(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got.String() != c.want.String() {
			t.Errorf("%q: %s, want %s", c.in, got, c.want)
		}
		if back, err := ParseAttackSpec(got.String()); err != nil || back.String() != got.String() {
			t.Errorf("%q: %s reads back as %s (%v)", c.in, got, back, err)
		}
	}
}

// FuzzParseAttackSpec: any text gives a spec that validates and writes
// back to itself, or an error; never a panic.
func FuzzParseAttackSpec(f *testing.F) {
	for _, s := range []string{"pgd-linf:steps=40,restarts=5,step=0.1", "square-linf:iterations=1000,p_init=0.05", "pgd-l2:random_start=false", "hopskipjump-l2:max_evals=3", ":", "fgsm:", "pgd-linf:steps=1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := ParseAttackSpec(s)
		if err != nil {
			return
		}
		if err := spec.Validate(); err != nil {
			t.Fatalf("%q parsed to %s, which does not validate: %v", s, spec, err)
		}
		back, err := ParseAttackSpec(spec.String())
		if err != nil || back.String() != spec.String() {
			t.Fatalf("%q: %s reads back as %s (%v)", s, spec, back, err)
		}
	})
}

// TestSettingsRecorded runs a plan with settings given and checks that each
// evasion Result and report records them with the defaults filled in, in
// the form -attack reads.
func TestSettingsRecorded(t *testing.T) {
	m, r, c := load(t, "minimal-risk", "mlp.onnx")
	pl := quick("basic")
	pl.Suites = []string{SuiteEvasion}
	no := false
	pl.Attacks = []AttackSpec{{Name: "pgd-linf", Steps: 7, Step: 0.3, RandomStart: &no}, {Name: "square-linf", PInit: 0.05, Budget: 60}}
	rs, sum, err := Run(context.Background(), RunInput{Target: m, Data: r, Constraints: c, Plan: pl})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]float64{
		"pgd-linf":    {"steps": 7, "restarts": 1, "step": 0.3, "random_start": 0},
		"square-linf": {"iterations": 1000, "p_init": 0.05, "budget": 60},
	}
	for _, res := range rs[:2] {
		name := strings.TrimPrefix(res.ID, "evasion/")
		for k, v := range want[name] {
			if res.Metrics["setting_"+k] != v {
				t.Errorf("%s: setting_%s = %g, want %g", res.ID, k, res.Metrics["setting_"+k], v)
			}
		}
	}
	specs := map[string]string{}
	for _, rep := range sum.Evasion {
		specs[rep.Attack] = SettingsSpec(rep.Attack, rep.Settings)
	}
	if specs["pgd-linf"] != "pgd-linf:steps=7,restarts=1,step=0.3,random_start=false" || specs["square-linf"] != "square-linf:iterations=1000,p_init=0.05,budget=60" {
		t.Errorf("specs %v", specs)
	}
	if rep := sum.Evasion[1]; rep.Points[0].Queries.Max > 60 {
		t.Errorf("square-linf spent %d queries on a sample, budget 60", rep.Points[0].Queries.Max)
	}
}

// TestProfileTestPlan: a profile's test_plan.attacks changes the settings
// of the level's attacks it names and adds the others.
func TestProfileTestPlan(t *testing.T) {
	p, err := profile.Load(filepath.Join("..", "examples", "minimal-risk", "profile.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p.TestPlan = &profile.TestPlan{Attacks: []profile.Attack{{Name: "square-linf", PInit: 0.2}, {Name: "pgd-linf", Steps: 5, Restarts: 2}}}
	rs, err := Check(context.Background(), p, nil, WithPlan(Quick), WithPlan(func(pl *Plan) { pl.Suites = []string{SuiteEvasion} }))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]float64{}
	for _, r := range rs {
		got[r.ID] = r.Metrics
	}
	if m := got["evasion/square-linf"]; m["setting_p_init"] != 0.2 || m["setting_iterations"] != 50 {
		t.Errorf("square-linf: %v", m)
	}
	if m := got["evasion/pgd-linf"]; m["setting_steps"] != 5 || m["setting_restarts"] != 2 {
		t.Errorf("pgd-linf: %v", m)
	}
	if _, ok := got["evasion/fgsm"]; !ok {
		t.Error("the level's fgsm did not run")
	}
}
