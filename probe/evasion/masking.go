package evasion

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/aiassure/aiassure"
)

// MaskingAlpha is the family-wise error rate of CheckMasking's paired
// tests (Bonferroni over the tests of one Result).
const MaskingAlpha = 0.05

// MaskingName is the attack-like name of the gradient-masking check of a
// norm: "gradient-masking-linf" or "gradient-masking-l2".
func MaskingName(n Norm) string { return "gradient-masking-" + string(n) }

// masking is one sign that an evaluation may be unreliable.
type masking struct {
	key  string // Metrics flag
	text string
	p    float64
	// threat is the threat whose test results the sign puts in doubt.
	threat aiassure.ThreatID
}

// CheckMasking looks for the signs of an unreliable evaluation that Carlini
// et al., "On Evaluating Adversarial Robustness" (2019, arXiv:1902.06705,
// sections 4-5) list, in the reports of the attacks of one norm on the same
// samples (as for Ensemble):
//
//   - a black-box attack breaks more samples than the iterative white-box
//     attacks (PGD, DeepFool) together at the same ε: with gradients the
//     white-box attacks should do at least as well, so their gradients are
//     likely masked (zero, noisy or shattered, Athalye et al. 2018);
//   - the single-step FGSM breaks more samples than the iterative white-box
//     attacks together, a sign of the same;
//   - the robust accuracy of a fixed-budget attack rises from one ε of the
//     grid to the next larger one: a larger ball contains the smaller, so
//     the attack failed to use it (too few steps, a step size too large, or
//     masking).
//
// "More" is judged on the same samples by an exact one-sided sign test on
// the discordant samples (those one attack broke and the other did not,
// McNemar's test), at a family-wise rate of MaskingAlpha with Bonferroni's
// correction over all the tests of the Result; random variation alone
// flags a model about one time in twenty at most. A sign makes the Result
// unknown and names the threats whose test results it puts in doubt (the
// white-box evasion results, or the attack's); without one it passes and
// names none. ok is false when no test applies (fewer than two attacks, or
// no reports with per-sample outcomes).
func CheckMasking(reports []*Report) (res aiassure.Result, ok bool) {
	reports = slices.DeleteFunc(slices.Clone(reports), func(r *Report) bool {
		return r.Partial || len(r.Points) == 0 || r.Points[0].recs == nil || len(r.Members) > 0
	})
	if len(reports) == 0 {
		return res, false
	}
	norm, n := reports[0].Norm, len(reports[0].Points[0].recs)
	for _, r := range reports {
		if r.Norm != norm || slices.ContainsFunc(r.Points, func(p Point) bool { return len(p.recs) != n }) {
			return res, false
		}
	}
	var iterative, single, black []*Report
	for _, r := range reports {
		switch {
		case r.Kind != WhiteBox:
			black = append(black, r)
		case r.SingleStep:
			single = append(single, r)
		default:
			iterative = append(iterative, r)
		}
	}
	type pair struct {
		what string
		r    *Report
		eps  float64
		b, c int // discordant samples
		ra   float64
		wra  float64
	}
	var tests []pair
	var wnames []string
	for _, r := range iterative {
		wnames = append(wnames, r.Attack)
	}
	// Stronger than the iterative white-box attacks together?
	if len(iterative) > 0 {
		for _, r := range append(slices.Clone(black), single...) {
			for _, e := range shared(append([]*Report{r}, iterative...)) {
				mine := r.closure(e, n)
				theirs := make([]bool, n)
				for _, w := range iterative {
					for i, v := range w.closure(e, n) {
						theirs[i] = theirs[i] || v
					}
				}
				t := pair{what: "stronger", r: r, eps: e}
				robust, wrobust := 0, 0
				for i := range n {
					switch {
					case mine[i] && !theirs[i]:
						t.b++
					case theirs[i] && !mine[i]:
						t.c++
					}
					if allCorrect(reports, e, i) {
						if !mine[i] {
							robust++
						}
						if !theirs[i] {
							wrobust++
						}
					}
				}
				t.ra, t.wra = float64(robust)/float64(n), float64(wrobust)/float64(n)
				tests = append(tests, t)
			}
		}
	}
	// Robust accuracy rising with ε?
	for _, r := range reports {
		if r.Minimal {
			continue // one run serves every ε: monotone by construction
		}
		pts := slices.Clone(r.Points)
		slices.SortFunc(pts, func(a, b Point) int { return cmp.Compare(a.Epsilon, b.Epsilon) })
		for k := 1; k < len(pts); k++ {
			lo, hi := &pts[k-1], &pts[k]
			t := pair{what: "monotone", r: r, eps: hi.Epsilon, ra: hi.RobustAccuracy, wra: lo.RobustAccuracy}
			for i := range n {
				a, b := brokenAt(lo.recs[i], lo.Epsilon), brokenAt(hi.recs[i], hi.Epsilon)
				switch {
				case a && !b:
					t.b++
				case b && !a:
					t.c++
				}
			}
			tests = append(tests, t)
		}
	}
	if len(tests) == 0 {
		return res, false
	}
	id := "evasion/" + MaskingName(norm)
	res = aiassure.Result{ID: id, Check: id, Category: aiassure.AdversarialExamples, Metrics: map[string]float64{}}
	m := res.Metrics
	limit := MaskingAlpha / float64(len(tests))
	m["tests"], m["alpha"], m["alpha_per_test"] = float64(len(tests)), MaskingAlpha, limit
	var signs []masking
	pmin := 1.0
	for _, t := range tests {
		p := signTest(t.b, t.c)
		pmin = min(pmin, p)
		if p > limit {
			continue
		}
		switch {
		case t.what == "stronger" && t.r.SingleStep:
			signs = append(signs, masking{key: "single_step_beats_iterative", p: p, threat: threatOf(WhiteBox),
				text: fmt.Sprintf("at ε=%[4]g the single-step %[1]s broke %[2]d samples that %[3]s did not, and they broke %[5]d that it did not (robust accuracy %.1[6]f%% against %.1[7]f%%; sign test p=%.2[8]g)",
					t.r.Attack, t.b, strings.Join(wnames, " and "), t.eps, t.c, 100*t.ra, 100*t.wra, p)})
		case t.what == "stronger":
			signs = append(signs, masking{key: "black_box_beats_white_box", p: p, threat: threatOf(WhiteBox),
				text: fmt.Sprintf("at ε=%[4]g the black-box %[1]s broke %[2]d samples that the white-box %[3]s did not, and they broke %[5]d that it did not (robust accuracy %.1[6]f%% against %.1[7]f%%; sign test p=%.2[8]g)",
					t.r.Attack, t.b, strings.Join(wnames, " and "), t.eps, t.c, 100*t.ra, 100*t.wra, p)})
		default:
			signs = append(signs, masking{key: "not_monotone", p: p, threat: threatOf(t.r.Kind),
				text: fmt.Sprintf("the robust accuracy of %s rises to %.1f%% at ε=%g from %.1f%% at the next smaller ε (%d samples broken only at the smaller ε, %d only at the larger; sign test p=%.2g): a larger ball holds the smaller one",
					t.r.Attack, 100*t.ra, t.eps, 100*t.wra, t.b, t.c, p)})
		}
	}
	m["p_min"] = pmin
	stronger := 0
	for _, t := range tests {
		if t.what == "stronger" {
			stronger++
		}
	}
	crit := fmt.Sprintf("criterion: exact one-sided sign tests on the samples one attack broke and the other did not, among the same %d samples (McNemar): "+
		"%d of a black-box or single-step attack against the iterative white-box attacks together at one ε, %d of a fixed-budget attack's robust accuracy at one ε against the next smaller; "+
		"a sign when p ≤ %.2g/%d = %.2g (Bonferroni); Carlini et al. 2019, \"On Evaluating Adversarial Robustness\", arXiv:1902.06705",
		n, stronger, len(tests)-stronger, MaskingAlpha, len(tests), limit)
	if notes := unbounded(reports, m); len(notes) > 0 {
		crit += "; note: " + strings.Join(notes, "; ") + "; an unbounded attack should break every sample, so this points to masked gradients, a failed attack, or a feasible set " +
			"(immutable, integer or one-hot features) that holds no adversarial example; it is not counted as a sign"
	}
	if len(signs) == 0 {
		res.Status = aiassure.Pass
		res.Summary = fmt.Sprintf("no sign of gradient masking or a failed attack in %s over %d paired tests (smallest p=%.2g)", normName(norm), len(tests), pmin)
		res.Reason = crit
		return res, true
	}
	res.Status = aiassure.Unknown
	res.Controls = []aiassure.ControlID{"c-robustness-testing"}
	slices.SortStableFunc(signs, func(a, b masking) int { return cmp.Compare(a.p, b.p) })
	var texts []string
	for _, s := range signs {
		m[s.key] = 1
		if !slices.Contains(res.Threats, s.threat) {
			res.Threats = append(res.Threats, s.threat)
		}
		texts = append(texts, s.text)
	}
	res.Summary = fmt.Sprintf("signs of gradient masking or a failed attack in %s: %s", normName(norm), texts[0])
	if len(texts) > 1 {
		res.Summary += fmt.Sprintf(" (the strongest of %d signs)", len(texts))
	}
	res.Reason = fmt.Sprintf("the attacks' results of this norm may overstate robustness: %s; read the white-box results as upper bounds that may be loose, and the ensemble result, which counts every sample any attack broke; %s",
		strings.Join(texts, "; "), crit)
	return res, true
}

// unbounded records in m the share of the correctly classified samples
// for which each minimal attack found an adversarial example with no bound
// on its size, and returns a note for each that did not reach all of them.
// An unbounded attack should (Carlini et al. 2019, section 5), but on a
// constrained feasible set there may be no adversarial example to find,
// so it is not taken as a sign.
func unbounded(reports []*Report, m map[string]float64) []string {
	var notes []string
	for _, r := range reports {
		if !r.Minimal {
			continue
		}
		found, correct := 0, 0
		for _, rc := range r.Points[0].recs {
			if rc.correct {
				correct++
				if rc.found {
					found++
				}
			}
		}
		if correct == 0 {
			continue
		}
		m["unbounded_success_"+strings.ReplaceAll(r.Attack, "-", "_")] = float64(found) / float64(correct)
		if found < correct {
			notes = append(notes, fmt.Sprintf("%s found no adversarial example for %d of %d correctly classified samples even without a bound", r.Attack, correct-found, correct))
		}
	}
	return notes
}

// allCorrect reports whether every report saw sample i classified
// correctly at ε.
func allCorrect(reports []*Report, eps float64, i int) bool {
	for _, r := range reports {
		if p := r.at(eps); p != nil && !p.recs[i].correct {
			return false
		}
	}
	return true
}

// signTest is the one-sided exact sign test of b against c: the
// probability of b or more successes in b+c fair coin flips.
func signTest(b, c int) float64 {
	n := b + c
	if n == 0 || b == 0 {
		return 1
	}
	p := 0.0
	ln2 := math.Log(2)
	lgN, _ := math.Lgamma(float64(n + 1))
	for k := b; k <= n; k++ {
		lk, _ := math.Lgamma(float64(k + 1))
		lnk, _ := math.Lgamma(float64(n - k + 1))
		p += math.Exp(lgN - lk - lnk - float64(n)*ln2)
	}
	return min(p, 1)
}
