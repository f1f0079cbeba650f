package privacy

import (
	"slices"
	"sort"
)

// rmiaA is the offline scaling factor a of RMIA: Pr(x) is approximated
// from the reference models that left x out as ½((1+a)·Pr_OUT(x) + (1−a)).
// Zarifzadeh et al. tune it on one reference model per data set and report
// values from 0.2 to 0.6; 0.33 is the middle of that range.
const rmiaA = 0.33

// rmiaScores is the offline relative membership inference attack
// (Zarifzadeh et al., 2024, "Low-Cost High-Power Membership Inference
// Attacks"): the likelihood ratio of x is r(x) = Pr(y|x, θ)/Pr(y|x), with
// Pr(y|x) the offline-corrected mean over reference models that did not
// train on x, and the score is the share of population records z with
// r(x)/r(z) ≥ γ = 1 (ties broken by r(x)). The population is the pool's records after the first
// popFrom (those that are neither members nor non-members) or, when there
// are none, the members and non-members themselves.
func rmiaScores(p [][]float64, y []int, f *refs, nt, popFrom int, a float64) []float64 {
	ratio := func(i int) float64 {
		out := f.outOf(i)
		mean := 0.0
		for _, m := range out {
			mean += f.probs[m][i][y[i]]
		}
		mean /= float64(len(out))
		px := 0.5 * ((1+a)*mean + (1 - a))
		return p[i][y[i]] / max(px, 1e-300)
	}
	var rz []float64
	for i := popFrom; i < len(y); i++ {
		rz = append(rz, ratio(i))
	}
	rx := make([]float64, nt)
	for i := range nt {
		rx[i] = ratio(i)
	}
	if len(rz) == 0 {
		rz = slices.Clone(rx)
	}
	slices.Sort(rz)
	const gamma = 1
	s := make([]float64, nt)
	for i, v := range rx {
		// r(x)/r(z) ≥ γ ⇔ r(z) ≤ r(x)/γ.
		s[i] = float64(sort.Search(len(rz), func(j int) bool { return rz[j] > v/gamma })) / float64(len(rz))
		// Records with the same share are ordered by r(x), less than one
		// step of the share apart: a finite population then limits the
		// score's resolution no more than it must.
		s[i] += 0.5 / float64(len(rz)) * v / (1 + v)
	}
	return s
}
