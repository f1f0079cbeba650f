package probe

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/profile"
)

// TestSuitesVocabulary keeps the profile's list of suites, which
// test_plan.suites is checked against, equal to the suites Plan knows.
func TestSuitesVocabulary(t *testing.T) {
	a, b := slices.Clone(profile.TestSuites), Suites()
	slices.Sort(a)
	slices.Sort(b)
	if !slices.Equal(a, b) {
		t.Errorf("profile.TestSuites %v, probe.Suites %v", a, b)
	}
}

// TestCheckExtraSuite runs the availability suite in an assessment because
// the profile's test plan asks for it; without it no level runs it.
func TestCheckExtraSuite(t *testing.T) {
	p, err := profile.Load(filepath.Join("..", "examples", "minimal-risk", "profile.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	has := func(rs []string) bool {
		return slices.ContainsFunc(rs, func(id string) bool { return strings.HasPrefix(id, "availability/") })
	}
	ids := func() []string {
		rs, err := Check(context.Background(), p, nil, WithPlan(Quick), WithPlan(func(pl *Plan) {
			pl.Suites = slices.DeleteFunc(pl.Suites, func(s string) bool { return s != SuiteMetrics && s != SuiteAvailability })
			pl.Requests, pl.SpongeBudget = 10, 10
		}))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	if got := ids(); has(got) {
		t.Fatalf("availability ran without being asked for: %v", got)
	}
	p.TestPlan = &profile.TestPlan{Suites: []string{"availability"}}
	if got := ids(); !has(got) {
		t.Errorf("test_plan.suites [availability]: no availability result in %v", got)
	}
}
