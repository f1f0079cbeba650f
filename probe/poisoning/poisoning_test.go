package poisoning

import (
	"context"
	"testing"
)

func TestScanBreastCancer(t *testing.T) {
	d := breastCancer(t)
	c, p := corrupt(d, 0.05, 10, 15, 1)
	r, err := Scan(context.Background(), c, Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	floors := []struct {
		check          string
		truth          []int
		recall, precis float64
	}{
		{CheckLabel, p.flipped, 0.65, 0.5},                  // measured 0.75 and 0.75
		{CheckExact, append(p.exact, p.trigger...), 1, 0.9}, // two trigger rows may copy the same row
		{CheckNear, p.near, 1, 1},
	}
	for _, f := range floors {
		s := Evaluate(r.Flagged(f.check), f.truth)
		t.Logf("%s: found %d of %d planted, %d flagged: precision %.2f recall %.2f", f.check, s.Found, s.Planted, s.Flagged, s.Precision, s.Recall)
		if f.check == CheckExact {
			s.Recall = Evaluate(r.Flagged(f.check), p.exact).Recall
		}
		if s.Recall < f.recall || s.Precision < f.precis {
			t.Errorf("%s: precision %.2f recall %.2f, want at least %.2f and %.2f", f.check, s.Precision, s.Recall, f.precis, f.recall)
		}
	}
	// The trigger rows carry a label their other features contradict and
	// a rare value pattern: any check may find them.
	s := Evaluate(r.Flagged(""), p.trigger)
	t.Logf("trigger: found %d of %d by any check", s.Found, s.Planted)
	for _, ch := range []string{CheckLabel, CheckOutlier, CheckSpectral} {
		t.Logf("trigger by %s: %d", ch, Evaluate(r.Flagged(ch), p.trigger).Found)
	}
	if s.Recall < 0.6 { // measured 11 of 15
		t.Errorf("trigger recall %.2f, want at least 0.6", s.Recall)
	}
	all := append(append(append(append([]int{}, p.flipped...), p.exact...), p.near...), p.trigger...)
	s = Evaluate(r.Flagged(""), all)
	t.Logf("all checks: %d flagged of %d rows, %d of %d planted found (precision %.2f, recall %.2f)", s.Flagged, c.N, s.Found, s.Planted, s.Precision, s.Recall)
}

func TestScanCreditG(t *testing.T) {
	if testing.Short() {
		t.Skip("credit-g scan: 1000 rows")
	}
	d := creditG(t)
	c, p := corrupt(d, 0.05, 10, 0, 2)
	r, err := Scan(context.Background(), c, Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	s := Evaluate(r.Flagged(CheckLabel), p.flipped)
	chance := float64(len(p.flipped)) / float64(c.N)
	t.Logf("credit-g label noise: found %d of %d flipped, %d flagged: precision %.2f (chance %.2f) recall %.2f", s.Found, s.Planted, s.Flagged, s.Precision, chance, s.Recall)
	if s.Precision < 2*chance || s.Recall < 0.4 {
		t.Errorf("credit-g: precision %.2f recall %.2f, want precision at least twice chance (%.2f) and recall 0.4", s.Precision, s.Recall, 2*chance)
	}
	if e := Evaluate(r.Flagged(CheckExact), p.exact); e.Recall < 1 {
		t.Errorf("credit-g exact duplicates: recall %.2f", e.Recall)
	}
}

func TestScanCleanIsQuiet(t *testing.T) {
	d := breastCancer(t)
	r, err := Scan(context.Background(), d, Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Counts {
		t.Logf("clean: %s flags %d of %d", c.Check, c.Rows, d.N)
	}
	for _, c := range r.Counts {
		if (c.Check == CheckExact || c.Check == CheckNear) && c.Rows > 0 {
			t.Errorf("clean data: %d %s rows", c.Rows, c.Check)
		}
	}
	if n := len(r.Flagged("")); float64(n) > 0.1*float64(d.N) {
		t.Errorf("clean data: %d of %d rows flagged", n, d.N)
	}
}

func TestScanRefusesBadData(t *testing.T) {
	cases := []struct {
		name string
		d    *Data
	}{
		{"nil", nil},
		{"empty", &Data{}},
		{"label out of range", &Data{X: make([]float64, 20), N: 20, D: 1, Y: append(make([]int, 19), 5), K: 2}},
		{"short X", &Data{X: make([]float64, 3), N: 20, D: 1, Y: make([]int, 20), K: 2}},
		{"too few rows", &Data{X: make([]float64, 4), N: 4, D: 1, Y: []int{0, 1, 0, 1}, K: 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Scan(context.Background(), c.d, Options{}); err == nil {
				t.Error("no error")
			}
		})
	}
}
