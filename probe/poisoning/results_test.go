package poisoning

import (
	"context"
	"testing"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
)

func TestResults(t *testing.T) {
	d := breastCancer(t)
	clean, err := Scan(context.Background(), d, Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := corrupt(d, 0.1, 10, 0, 4)
	bad, err := Scan(context.Background(), c, Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]aiassure.Status{
		"poisoning/label-noise": {aiassure.Pass, aiassure.Fail},
		"poisoning/duplicates":  {aiassure.Pass, aiassure.Fail},
		"poisoning/outliers":    {aiassure.NotApplicable, aiassure.NotApplicable},
	}
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	for k, rep := range []*Report{clean, bad} {
		for _, r := range Results(rep, DefaultLimits, []string{"train.csv"}) {
			w, ok := want[r.ID]
			if !ok {
				t.Errorf("unexpected result %s", r.ID)
				continue
			}
			if r.Status != w[k] {
				t.Errorf("%s (case %d): %s, want %s: %s", r.ID, k, r.Status, w[k], r.Reason)
			}
			for _, th := range r.Threats {
				if _, ok := cat.Threat(th); !ok {
					t.Errorf("%s: threat %s not in the catalogue", r.ID, th)
				}
			}
			for _, ct := range r.Controls {
				if _, ok := cat.Control(ct); !ok {
					t.Errorf("%s: control %s not in the catalogue", r.ID, ct)
				}
			}
		}
	}
	// On credit-g the features hardly determine the labels: the
	// label-noise check has no power there, and says so.
	if !testing.Short() {
		cg, err := Scan(context.Background(), creditG(t), Options{Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		ln := Results(cg, DefaultLimits, nil)[0]
		if ln.ID != "poisoning/label-noise" || ln.Status != aiassure.Unknown || ln.Metrics["inconclusive"] != 1 ||
			cg.Majority != 0.7 || cg.Agreement >= ln.Metrics["agreement_needed"] {
			t.Errorf("credit-g label noise: %s, agreement %v majority %v: %s", ln.Status, cg.Agreement, cg.Majority, ln.Reason)
		}
	}
	g := GateResult(&GateReport{Reasons: []string{"duplicates"}}, nil)
	if g.Status != aiassure.Fail || g.Reason != "duplicates" {
		t.Errorf("gate result %+v", g)
	}
	for _, ct := range g.Controls {
		if _, ok := cat.Control(ct); !ok {
			t.Errorf("gate: control %s not in the catalogue", ct)
		}
	}
}
