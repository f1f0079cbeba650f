package privacy

import "math"

// liraPrior is the weight, in reference models, of the pooled variance in
// each record's variance: with few models that left a record out, a
// per-record variance is noise, and Carlini et al. use a global one.
const liraPrior = 4

// liraScores is the offline likelihood-ratio attack (Carlini et al., 2022,
// "Membership Inference Attacks From First Principles", offline variant):
// for each record, the true class's log-odds on the reference models that
// did not train on it are modelled as a Gaussian, and the score is how far
// the target's log-odds lie above it, in its standard deviations (the
// one-sided test Pr[Z < φ], whose order this keeps). The variance of each
// record is shrunk toward the variance pooled over all records with the
// weight of liraPrior models.
func liraScores(p [][]float64, y []int, f *refs, nt int) []float64 {
	mu, v := make([]float64, nt), make([]float64, nt)
	cnt := make([]int, nt)
	pooled, pn := 0.0, 0
	for i := range nt {
		out := f.outOf(i)
		var s, s2 float64
		for _, m := range out {
			l := logit(f.probs[m][i], y[i])
			s += l
			s2 += l * l
		}
		n := float64(len(out))
		mu[i] = s / n
		cnt[i] = len(out)
		if len(out) > 1 {
			v[i] = max(0, (s2-n*mu[i]*mu[i])/(n-1))
			pooled += v[i]
			pn++
		}
	}
	if pn > 0 {
		pooled /= float64(pn)
	}
	pooled = max(pooled, 1e-6)
	scores := make([]float64, nt)
	for i := range nt {
		k := float64(max(cnt[i]-1, 0))
		sd := math.Sqrt((k*v[i] + liraPrior*pooled) / (k + liraPrior))
		scores[i] = (logit(p[i], y[i]) - mu[i]) / sd
	}
	return scores
}
