package evasion

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Member is one attack of an ensemble.
type Member struct {
	Attack   string             `json:"attack"`
	Kind     Kind               `json:"kind"`
	Settings map[string]float64 `json:"settings,omitempty"`
}

// EnsembleName is the attack name of the ensemble of a norm:
// "ensemble-linf" or "ensemble-l2".
func EnsembleName(n Norm) string { return "ensemble-" + string(n) }

// Ensemble combines the reports of several attacks in one norm on the same
// samples into the worst case per sample. At each ε a sample is broken when
// any of the attacks broke it at that ε or at a smaller one of its grid (an
// adversarial example within a smaller ε is one within this ε too), and
// robust when every attack saw it classified correctly and none broke it.
// The perturbation of a broken sample is the smallest that an attack found
// within ε, in the norm; its queries are the sum over the attacks. The
// points have the Wilson intervals of single attacks, so ResultOf judges an
// ensemble as it judges an attack, and its robust accuracy is at most the
// least of the attacks' at every ε.
//
// The reports must come from Evaluate in this process (a report read back
// from JSON lacks the per-sample outcomes), be complete (not Partial) and
// cover the same samples in the same order with the same labels; the
// ensemble has a point at each ε that every report has.
func Ensemble(reports []*Report) (*Report, error) {
	if len(reports) < 2 {
		return nil, errors.New("an ensemble needs at least two attacks")
	}
	first := reports[0]
	n := -1
	var labels []int
	for _, r := range reports {
		if r.Norm != first.Norm {
			return nil, fmt.Errorf("ensemble: %s is an %s attack, %s an %s one", r.Attack, r.Norm, first.Attack, first.Norm)
		}
		if r.Partial {
			return nil, fmt.Errorf("ensemble: %s did not finish", r.Attack)
		}
		if len(r.Points) == 0 {
			return nil, fmt.Errorf("ensemble: %s has no result", r.Attack)
		}
		for _, p := range r.Points {
			if p.recs == nil {
				return nil, fmt.Errorf("ensemble: %s holds no per-sample outcomes (a report read back from JSON)", r.Attack)
			}
			if n < 0 {
				n = len(p.recs)
				for _, rc := range p.recs {
					labels = append(labels, rc.label)
				}
			}
			if len(p.recs) != n {
				return nil, fmt.Errorf("ensemble: %s at ε=%g covers %d samples, %s %d", r.Attack, p.Epsilon, len(p.recs), first.Attack, n)
			}
			for i, rc := range p.recs {
				if rc.label != labels[i] {
					return nil, fmt.Errorf("ensemble: %s and %s did not attack the same samples (sample %d)", r.Attack, first.Attack, i)
				}
			}
		}
	}
	eps := shared(reports)
	if len(eps) == 0 {
		return nil, errors.New("ensemble: the attacks share no ε")
	}
	out := &Report{Attack: EnsembleName(first.Norm), Kind: strongest(reports), Norm: first.Norm, Target: first.Target, Seed: first.Seed}
	for _, r := range reports {
		out.Members = append(out.Members, Member{Attack: r.Attack, Kind: r.Kind, Settings: r.Settings})
		out.Wall += r.Wall
	}
	for _, e := range eps {
		recs := make([]record, n)
		wall := 0.0
		for i := range recs {
			recs[i] = record{label: labels[i], correct: true, d: math.Inf(1)}
		}
		for _, r := range reports {
			at := r.at(e)
			wall += at.WallSeconds
			for i, rc := range at.recs {
				recs[i].correct = recs[i].correct && rc.correct
				recs[i].queries += rc.queries
			}
			for _, p := range r.Points {
				if p.Epsilon > e {
					continue
				}
				for i, rc := range p.recs {
					if brokenAt(rc, p.Epsilon) && rc.d < recs[i].d {
						recs[i].found, recs[i].d, recs[i].l2, recs[i].linf = true, rc.d, rc.l2, rc.linf
					}
				}
			}
		}
		for i := range recs {
			recs[i].found = recs[i].found && recs[i].correct
		}
		out.Points = append(out.Points, point(recs, e, wall))
	}
	return out, nil
}

// brokenAt reports whether a sample counts as broken at ε: classified
// correctly, and an adversarial example found within ε (any size for ε 0).
func brokenAt(rc record, eps float64) bool {
	return rc.correct && rc.found && (eps == 0 || inBall(rc.d, eps))
}

// at returns the report's point at ε (nil when it has none).
func (r *Report) at(eps float64) *Point {
	for i := range r.Points {
		if r.Points[i].Epsilon == eps {
			return &r.Points[i]
		}
	}
	return nil
}

// closure returns, for each sample, whether the report broke it at ε or at
// a smaller ε of its grid.
func (r *Report) closure(eps float64, n int) []bool {
	out := make([]bool, n)
	for _, p := range r.Points {
		if p.Epsilon > eps {
			continue
		}
		for i, rc := range p.recs {
			if i < n && brokenAt(rc, p.Epsilon) {
				out[i] = true
			}
		}
	}
	return out
}

// shared returns the epsilons every report has, in increasing order.
func shared(reports []*Report) []float64 {
	var eps []float64
	for _, p := range reports[0].Points {
		if !slices.ContainsFunc(reports[1:], func(r *Report) bool { return r.at(p.Epsilon) == nil }) {
			eps = append(eps, p.Epsilon)
		}
	}
	slices.Sort(eps)
	return slices.Compact(eps)
}

// strongest returns the kind of the attack that needs the most access.
func strongest(reports []*Report) Kind {
	for _, k := range []Kind{WhiteBox, BlackBoxScore} {
		if slices.ContainsFunc(reports, func(r *Report) bool { return r.Kind == k }) {
			return k
		}
	}
	return BlackBoxDecision
}
