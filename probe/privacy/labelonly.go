package privacy

import (
	"math"
	"math/rand/v2"
)

// Label-only attack settings: noisy copies per record and the noise, in
// standard deviations of each feature. Choquette-Choo et al. tune the noise
// per data set; 0.3 was the best of 0.15, 0.3, 0.6 and 1 on the memorising
// credit model of the tests (AUC 0.68, 0.69, 0.62, 0.59).
const (
	labelOnlyCopies = 16
	labelOnlySigma  = 0.3
)

// labelOnlyScores is the noise-robustness label-only attack (Choquette-Choo
// et al., 2021, "Label-Only Membership Inference Attacks"): each record is
// sent with labelOnlyCopies Gaussian perturbations of labelOnlySigma
// standard deviations of each feature (computed over the pool), and its
// score is the share of the copies the target still gives the true label,
// plus whether the record itself is right: a model that memorised a record
// is right about it in a wider neighbourhood. It uses the decided class
// only, so it works on labels-only endpoints; it costs labelOnlyCopies
// queries per record.
func (r *runner) labelOnlyScores(pool *set, target [][]float64, nt int) ([]float64, error) {
	d := pool.x.d
	sd := make([]float64, d)
	mean := make([]float64, d)
	for i := range pool.x.n {
		for j, v := range pool.x.row(i) {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(pool.x.n)
	}
	for i := range pool.x.n {
		for j, v := range pool.x.row(i) {
			sd[j] += (v - mean[j]) * (v - mean[j])
		}
	}
	for j := range sd {
		sd[j] = math.Sqrt(sd[j] / float64(pool.x.n))
	}
	rng := rand.New(rand.NewPCG(r.cfg.Seed, 0x1ab0))
	q := &matrix{d: d, x: make([]float64, 0, nt*labelOnlyCopies*d)}
	for i := range nt {
		row := pool.x.row(i)
		for range labelOnlyCopies {
			for j, v := range row {
				q.x = append(q.x, v+labelOnlySigma*sd[j]*rng.NormFloat64())
			}
			q.n++
		}
	}
	ans, err := r.q.answers(r.ctx, q)
	if err != nil {
		return nil, err
	}
	s := make([]float64, nt)
	for i := range nt {
		right := correct(target[i], pool.y[i])
		for c := range labelOnlyCopies {
			right += correct(ans.probs[i*labelOnlyCopies+c], pool.y[i])
		}
		s[i] = right / (labelOnlyCopies + 1)
	}
	return s, nil
}
