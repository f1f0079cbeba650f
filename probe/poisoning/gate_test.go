package poisoning

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
)

// split returns a stratified random split of d: the reference and the
// candidate batch of fraction frac.
func split(d *Data, frac float64, seed uint64) (*Data, *Data) {
	rng := rand.New(rand.NewPCG(seed, 2))
	ref := &Data{D: d.D, K: d.K, Features: d.Features, Classes: d.Classes}
	cand := &Data{D: d.D, K: d.K, Features: d.Features, Classes: d.Classes}
	seen := make([]int, d.K)
	total := make([]int, d.K)
	for _, y := range d.Y {
		total[y]++
	}
	for _, i := range rng.Perm(d.N) {
		y := d.Y[i]
		if float64(seen[y]) < frac*float64(total[y]) {
			appendRow(cand, d.row(i), y)
		} else {
			appendRow(ref, d.row(i), y)
		}
		seen[y]++
	}
	return ref, cand
}

func TestGate(t *testing.T) {
	d := breastCancer(t)
	ref, cand := split(d, 0.3, 1)
	flipped := clone(cand)
	rng := rand.New(rand.NewPCG(9, 9))
	for _, i := range rng.Perm(cand.N)[:cand.N/5] {
		flipped.Y[i] = 1 - flipped.Y[i]
	}
	dup := clone(cand)
	for i := range 20 {
		copy(dup.X[i*d.D:(i+1)*d.D], ref.row(i))
		dup.Y[i] = ref.Y[i]
	}
	drift := clone(cand)
	for i := range drift.X {
		drift.X[i] *= 1.3
	}
	oneClass := clone(cand)
	oneClass.X, oneClass.Y, oneClass.N = nil, nil, 0
	for i, y := range cand.Y {
		if y == 1 {
			appendRow(oneClass, cand.row(i), y)
		}
	}
	narrow := &Data{X: cand.X[:cand.N*(d.D-1)], N: cand.N, D: d.D - 1, Y: cand.Y, K: 2}
	cases := []struct {
		name   string
		cand   *Data
		accept bool
		reason string
	}{
		{"clean split", cand, true, ""},
		{"20% labels flipped", flipped, false, "suspected label poisoning"},
		{"20 copies of reference rows", dup, false, "duplicates"},
		{"features scaled by 1.3", drift, false, "feature drift"},
		{"one class only", oneClass, false, "label distribution"},
		{"a feature missing", narrow, false, "schema"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Gate(context.Background(), ref, c.cand, GateOptions{Scan: Options{Seed: 1}})
			if err != nil {
				t.Fatal(err)
			}
			if r.Retrain != nil {
				t.Logf("retrain: %.3f -> %.3f", r.Retrain.Without, r.Retrain.With)
			}
			if r.Poison != nil {
				t.Logf("label noise: batch %.3f reference %.3f; outliers %.3f", r.Poison.LabelRate, r.Poison.ReferenceRate, r.Poison.OutlierRate)
			}
			t.Logf("reasons: %q", r.Reasons)
			if r.Accept != c.accept {
				t.Fatalf("accept = %v, want %v (reasons %q)", r.Accept, c.accept, r.Reasons)
			}
			if c.reason != "" && !strings.Contains(strings.Join(r.Reasons, "\n"), c.reason) {
				t.Errorf("reasons %q lack %q", r.Reasons, c.reason)
			}
		})
	}
}

// TestGateCreditG is the gate on credit-g in file order (700 reference
// rows, 300 batch rows): accepted clean, rejected with 39 "good" labels
// among the batch's first 60 rows set to "bad".
func TestGateCreditG(t *testing.T) {
	if testing.Short() {
		t.Skip("credit-g gate")
	}
	d := creditG(t)
	ref := &Data{X: d.X[:700*d.D], N: 700, D: d.D, Y: d.Y[:700], K: d.K, Features: d.Features, Classes: d.Classes}
	cand := &Data{X: d.X[700*d.D:], N: d.N - 700, D: d.D, Y: d.Y[700:], K: d.K, Features: d.Features, Classes: d.Classes}
	r, err := Gate(context.Background(), ref, cand, GateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Accept {
		t.Fatalf("clean credit-g batch rejected: %q", r.Reasons)
	}
	good := 0
	for i, c := range d.Classes {
		if c == "good" {
			good = i
		}
	}
	bad := clone(cand)
	flips := 0
	for i := range 60 {
		if bad.Y[i] == good {
			bad.Y[i] = 1 - good
			flips++
		}
	}
	r, err = Gate(context.Background(), ref, bad, GateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d flips: reasons %q", flips, r.Reasons)
	if r.Accept || !strings.Contains(strings.Join(r.Reasons, "\n"), "suspected label poisoning") {
		t.Errorf("credit-g with %d flips: accept %v, reasons %q", flips, r.Accept, r.Reasons)
	}
}

// TestGateDuplicateOf checks that a duplicate of reference row 0 names it.
func TestGateDuplicateOf(t *testing.T) {
	ref, cand := split(breastCancer(t), 0.3, 1)
	copy(cand.X[:cand.D], ref.row(0))
	r, err := Gate(context.Background(), ref, cand, GateOptions{SkipRetrain: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Duplicates.Rows) != 1 || r.Duplicates.Rows[0].Of == nil || *r.Duplicates.Rows[0].Of != 0 || r.Duplicates.OfReference != 1 {
		t.Errorf("duplicates %+v", r.Duplicates)
	}
}
