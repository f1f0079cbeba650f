package evasion

import (
	"math"
	"testing"

	"github.com/aiassure/aiassure"
)

// TestSignTest checks the one-sided exact sign test against binomial
// tails worked out by hand: P(X ≥ b) for X ~ Bin(b+c, 1/2).
func TestSignTest(t *testing.T) {
	for _, c := range []struct {
		b, c int
		want float64
	}{
		{5, 0, 1.0 / 32},
		{7, 3, (120.0 + 45 + 10 + 1) / 1024},
		{0, 4, 1},
		{0, 0, 1},
		{1, 1, 0.75},
		{40, 0, math.Pow(2, -40)},
	} {
		if got := signTest(c.b, c.c); math.Abs(got-c.want) > 1e-12*max(1, c.want) && math.Abs(got/c.want-1) > 1e-9 {
			t.Errorf("signTest(%d, %d) = %g, want %g", c.b, c.c, got, c.want)
		}
	}
}

// synthetic builds a report of a fixed-budget attack whose points break
// the given samples of n, all classified correctly.
func synthetic(name string, kind Kind, n int, broken map[float64][]int) *Report {
	r := &Report{Attack: name, Kind: kind, Norm: Linf}
	for _, e := range []float64{0.1, 0.2} {
		recs := make([]record, n)
		for i := range recs {
			recs[i] = record{label: i % 2, correct: true, d: e / 2, l2: e / 2, linf: e / 2, queries: 1}
		}
		for _, i := range broken[e] {
			recs[i].found = true
		}
		r.Points = append(r.Points, point(recs, e, 0))
	}
	return r
}

// TestCheckMaskingNotMonotone: an attack that breaks 12 samples at ε=0.1
// and none of them at 0.2 fails to use the larger ball; one whose broken
// samples grow with ε does not.
func TestCheckMaskingNotMonotone(t *testing.T) {
	first := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	bad := synthetic("square-linf", BlackBoxScore, 40, map[float64][]int{0.1: first})
	res, ok := CheckMasking([]*Report{bad})
	if !ok || res.Status != aiassure.Unknown || res.Metrics["not_monotone"] != 1 || res.Threats[0] != "evasion-black-box-score" {
		t.Errorf("not flagged: %v %s %v: %s", ok, res.Status, res.Metrics, res.Summary)
	}
	good := synthetic("square-linf", BlackBoxScore, 40, map[float64][]int{0.1: first, 0.2: append(first, 12, 13)})
	if res, ok := CheckMasking([]*Report{good}); !ok || res.Status != aiassure.Pass || len(res.Threats) != 0 {
		t.Errorf("flagged: %s: %s", res.Status, res.Reason)
	}
	// A black-box attack that breaks ten samples PGD did not, and PGD none
	// it did not, at both ε: p = 2^-10 against 0.05/4 (two black-box tests,
	// two monotonicity tests).
	pgd := synthetic("pgd-linf", WhiteBox, 40, map[float64][]int{0.1: {0}, 0.2: {0}})
	sq := synthetic("square-linf", BlackBoxScore, 40, map[float64][]int{0.1: {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.2: {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}})
	res, ok = CheckMasking([]*Report{pgd, sq})
	if !ok || res.Metrics["black_box_beats_white_box"] != 1 || res.Metrics["tests"] != 4 || res.Metrics["not_monotone"] == 1 {
		t.Errorf("black box beating white box: %v %v: %s", ok, res.Metrics, res.Summary)
	}
	if _, ok := CheckMasking(nil); ok {
		t.Error("a check without reports")
	}
}
