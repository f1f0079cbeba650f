package poisoning

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/aiassure/aiassure/probe/privacy"
)

// srcOOF names out-of-fold probabilities in reasons.
const srcOOF = "out-of-fold probability"

// folds assigns each row of d to one of k folds, stratified by class, in a
// seeded random order.
func folds(d *Data, k int, seed uint64) []int {
	rng := rand.New(rand.NewPCG(seed, 0xf01d5))
	order := rng.Perm(d.N)
	fold := make([]int, d.N)
	next := make([]int, d.K)
	for _, i := range order {
		c := d.Y[i]
		fold[i] = next[c] % k
		next[c]++
	}
	return fold
}

// subset returns the rows of d where keep is true.
func subset(d *Data, keep func(i int) bool) ([]float64, []int) {
	var x []float64
	var y []int
	for i := range d.N {
		if keep(i) {
			x = append(x, d.row(i)...)
			y = append(y, d.Y[i])
		}
	}
	return x, y
}

// noise is the outcome of confident learning on a trusted set: the
// out-of-fold probabilities of its rows, the per-class thresholds (the
// mean out-of-fold probability of class j among rows labelled j), and, when
// a batch was given, the batch's probabilities under a model of the whole
// trusted set.
type noise struct {
	oof, batch [][]float64
	thresh     []float64
}

// confident trains the K-fold reference models on trust (and one on all of
// it when batch is not nil) in one parallel run.
func confident(ctx context.Context, trust, batch *Data, o Options) (*noise, error) {
	fold := folds(trust, o.Folds, o.Seed)
	jobs := make([]privacy.FitJob, 0, o.Folds+1)
	for f := range o.Folds {
		x, y := subset(trust, func(i int) bool { return fold[i] != f })
		if len(y) == 0 {
			return nil, fmt.Errorf("%w: fold %d leaves no training rows", ErrData, f)
		}
		jobs = append(jobs, privacy.FitJob{X: x, D: trust.D, Y: y, K: trust.K, Cfg: o.Train, Seed: o.Seed + uint64(f) + 1})
	}
	if batch != nil {
		jobs = append(jobs, privacy.FitJob{X: trust.X, D: trust.D, Y: trust.Y, K: trust.K, Cfg: o.Train, Seed: o.Seed + 1000})
	}
	models, err := privacy.FitAll(ctx, jobs, o.Workers)
	if err != nil {
		return nil, fmt.Errorf("label noise: %w", err)
	}
	nz := &noise{oof: make([][]float64, trust.N), thresh: make([]float64, trust.K)}
	for f := range o.Folds {
		x, _ := subset(trust, func(i int) bool { return fold[i] == f })
		p := models[f].Predict(x)
		q := 0
		for i := range trust.N {
			if fold[i] == f {
				nz.oof[i] = p[q]
				q++
			}
		}
	}
	n := make([]int, trust.K)
	for i, c := range trust.Y {
		nz.thresh[c] += nz.oof[i][c]
		n[c]++
	}
	for c := range nz.thresh {
		if n[c] > 0 {
			nz.thresh[c] /= float64(n[c])
		} else {
			nz.thresh[c] = 1.1 // a class never seen is never "confidently" predicted
		}
	}
	if batch != nil {
		nz.batch = models[o.Folds].Predict(batch.X)
	}
	return nz, nil
}

// flagNoise applies the confident-learning rule to rows with probabilities
// p and labels of d: a row is suspect when the probability of its given
// label is below that class's threshold while another class's probability
// reaches its own threshold (the off-diagonal of the confident joint).
// src says where p comes from, for the reason.
func flagNoise(d *Data, p [][]float64, thresh []float64, src string) []Suspect {
	var out []Suspect
	for i, c := range d.Y {
		if c >= len(thresh) {
			continue // a class the trusted data lacks: the schema check reports it
		}
		pi := p[i]
		if pi[c] >= thresh[c] {
			continue
		}
		best, bp := -1, -1.0
		for j, v := range pi {
			if j != c && v >= thresh[j] && v > bp {
				best, bp = j, v
			}
		}
		if best < 0 {
			continue
		}
		out = append(out, Suspect{
			Row: i, Check: CheckLabel, Score: 1 - pi[c],
			Reason: fmt.Sprintf("label %s has %s %.3f, below its class threshold %.3f; class %s has %.3f (threshold %.3f)",
				d.className(c), src, pi[c], thresh[c], d.className(best), bp, thresh[best]),
		})
	}
	return out
}
