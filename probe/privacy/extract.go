package privacy

import (
	"math/rand/v2"

	"github.com/aiassure/aiassure/metrics"
)

// Extraction is the curve of one extraction mode: substitutes trained on
// the target's labels, or on its scores, for a growing number of queries.
type Extraction struct {
	Mode string `json:"mode"` // "labels" or "scores"
	// HeldOut is the number of held-out records (the non-members, never
	// queried for training) fidelity and accuracy are measured on.
	HeldOut        int                    `json:"held_out"`
	TargetAccuracy float64                `json:"target_accuracy"`
	Points         []ExtractionPoint      `json:"points"`
	Substitutes    map[string]TrainConfig `json:"substitutes"`
}

// ExtractionPoint is one substitute trained on Queries answers.
type ExtractionPoint struct {
	Queries    int      `json:"queries"`
	Substitute string   `json:"substitute"`  // "logreg" or "mlp"
	Fidelity   float64  `json:"fidelity"`    // share of held-out records on which it agrees with the target
	FidelityCI Interval `json:"fidelity_ci"` // Wilson 95%
	Accuracy   float64  `json:"accuracy"`    // its accuracy against the true labels
	AccuracyCI Interval `json:"accuracy_ci"`
}

// Best returns, for the largest number of queries, the point of the
// substitute with the highest fidelity.
func (e *Extraction) Best() *ExtractionPoint {
	var best *ExtractionPoint
	for i := range e.Points {
		p := &e.Points[i]
		if best == nil || p.Queries > best.Queries || p.Queries == best.Queries && p.Fidelity > best.Fidelity {
			best = p
		}
	}
	return best
}

// substitutes are the models extraction trains.
var substitutes = []struct {
	name string
	cfg  TrainConfig
}{
	{"logreg", TrainConfig{Hidden: 0, Epochs: 100, BatchSize: 32, LR: 0.02, WeightDecay: 1e-4}},
	{"mlp", TrainConfig{Hidden: 32, Epochs: 100, BatchSize: 32, LR: 0.01, WeightDecay: 1e-4}},
}

// budgets is the curve's grid: 25, doubling, up to and with max.
func budgets(max int) []int {
	var out []int
	for b := 25; b < max; b *= 2 {
		out = append(out, b)
	}
	return append(out, max)
}

// extraction trains substitutes on the target's answers to queries drawn
// from the records the attacker holds other than the non-members (the
// members and the population), shuffled; when the budget asks for more,
// further queries are synthetic records whose every feature is, with
// probability 0.3, taken from another random record (the other features
// from a first one). The non-members are held out to measure fidelity and
// accuracy. The queries of a smaller budget are the first ones of a
// larger, so the curve shows the effect of more queries alone.
func (r *runner) extraction(poolProbs [][]float64) ([]*Extraction, error) {
	nm, nn := r.mem.x.n, r.non.x.n
	var src []int // pool indices the attacker may query
	for i := range len(poolProbs) {
		if i < nm || i >= nm+nn {
			src = append(src, i)
		}
	}
	pool := r.pool()
	rng := rand.New(rand.NewPCG(r.cfg.Seed, 0xe7a0))
	rng.Shuffle(len(src), func(i, j int) { src[i], src[j] = src[j], src[i] })
	n := r.cfg.Budget
	qx := &matrix{d: pool.x.d}
	var qp [][]float64
	for _, i := range src[:min(n, len(src))] {
		qx.x = append(qx.x, pool.x.row(i)...)
		qx.n++
		qp = append(qp, poolProbs[i])
	}
	if n > len(src) {
		syn := &matrix{d: pool.x.d}
		for range n - len(src) {
			a := pool.x.row(src[rng.IntN(len(src))])
			for j := range a {
				v := a[j]
				if rng.Float64() < 0.3 {
					v = pool.x.row(src[rng.IntN(len(src))])[j]
				}
				syn.x = append(syn.x, v)
			}
			syn.n++
		}
		ans, err := r.q.answers(r.ctx, syn)
		if err != nil {
			return nil, err
		}
		qx.x, qx.n = append(qx.x, syn.x...), qx.n+syn.n
		qp = append(qp, ans.probs...)
	}
	k := len(poolProbs[0])
	hx := r.non.x
	hp := poolProbs[nm : nm+nn]
	tgt := make([]int, nn)
	right := 0
	for i := range nn {
		tgt[i] = argmax(hp[i])
		if tgt[i] == r.non.y[i] {
			right++
		}
	}
	modes := []string{"labels"}
	if r.rep.Output.Scores() {
		modes = append(modes, "scores")
	}
	grid := budgets(qx.n)
	type key struct{ mode, sub, q int }
	var jobs []trainJob
	var keys []key
	for mi, mode := range modes {
		for si, s := range substitutes {
			for qi, b := range grid {
				t := make([][]float64, b)
				for i := range b {
					if mode == "labels" {
						t[i] = make([]float64, k)
						t[i][argmax(qp[i])] = 1
					} else {
						t[i] = qp[i]
					}
				}
				jobs = append(jobs, trainJob{x: &matrix{n: b, d: qx.d, x: qx.x[:b*qx.d]}, t: t, k: k, cfg: s.cfg,
					seed: r.cfg.Seed*7919 + uint64(len(jobs)) + 1})
				keys = append(keys, key{mi, si, qi})
			}
		}
	}
	r.total += len(jobs) - 1 // Run counted extraction as one unit
	nets, err := trainAll(r.ctx, jobs, r.cfg.Workers, func() { r.step("extraction") })
	if err != nil {
		return nil, err
	}
	out := make([]*Extraction, len(modes))
	for mi, mode := range modes {
		out[mi] = &Extraction{Mode: mode, HeldOut: nn, TargetAccuracy: float64(right) / float64(nn), Substitutes: map[string]TrainConfig{}}
		for _, s := range substitutes {
			out[mi].Substitutes[s.name] = s.cfg
		}
	}
	for j, nt := range nets {
		kk := keys[j]
		agree, acc := 0, 0
		for i, p := range nt.predict(hx) {
			c := argmax(p)
			if c == tgt[i] {
				agree++
			}
			if c == r.non.y[i] {
				acc++
			}
		}
		fl, fh := metrics.Wilson(agree, nn, 0.95)
		al, ah := metrics.Wilson(acc, nn, 0.95)
		out[kk.mode].Points = append(out[kk.mode].Points, ExtractionPoint{
			Queries: grid[kk.q], Substitute: substitutes[kk.sub].name,
			Fidelity: float64(agree) / float64(nn), FidelityCI: Interval{fl, fh},
			Accuracy: float64(acc) / float64(nn), AccuracyCI: Interval{al, ah},
		})
	}
	return out, nil
}
