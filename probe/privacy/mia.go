package privacy

import (
	"math"
	"math/rand/v2"
)

// refs are the reference models of the membership attacks and what they
// answer on every record of the pool.
type refs struct {
	nets  []*net
	in    [][]bool      // in[r][i]: model r trained on pool record i
	probs [][][]float64 // probs[r][i]: model r's probabilities on record i
}

// outOf returns the models that did not train on record i.
func (f *refs) outOf(i int) []int {
	var out []int
	for r := range f.in {
		if !f.in[r][i] {
			out = append(out, r)
		}
	}
	return out
}

// trainRefs trains cfg.References models, each on a random half of the
// pool: every record is in exactly half of them (Carlini et al.'s
// assignment), so each has References/2 models that never saw it.
func (r *runner) trainRefs(pool *set, k int) (*refs, error) {
	n, b := pool.x.n, r.cfg.References
	rng := rand.New(rand.NewPCG(r.cfg.Seed, 0x4ef5))
	f := &refs{in: make([][]bool, b)}
	for m := range f.in {
		f.in[m] = make([]bool, n)
	}
	perm := make([]int, b)
	for i := range perm {
		perm[i] = i
	}
	for i := range n {
		rng.Shuffle(b, func(a, c int) { perm[a], perm[c] = perm[c], perm[a] })
		for _, m := range perm[:b/2] {
			f.in[m][i] = true
		}
	}
	jobs := make([]trainJob, b)
	for m := range b {
		var idx []int
		for i := range n {
			if f.in[m][i] {
				idx = append(idx, i)
			}
		}
		y := make([]int, len(idx))
		for j, i := range idx {
			y[j] = pool.y[i]
		}
		jobs[m] = trainJob{x: pool.x.rows(idx), t: oneHot(y, k), k: k, cfg: r.cfg.Reference, seed: r.cfg.Seed*1_000_003 + uint64(m) + 1}
	}
	nets, err := trainAll(r.ctx, jobs, r.cfg.Workers, func() { r.step("reference models") })
	if err != nil {
		return nil, err
	}
	f.nets = nets
	f.probs = make([][][]float64, b)
	for m, nt := range nets {
		f.probs[m] = nt.predict(pool.x)
	}
	return f, nil
}

// membership runs the membership attacks on the pool's members and
// non-members (its first records), given the target's probabilities on
// every pool record.
func (r *runner) membership(pool *set, target [][]float64) error {
	k := len(target[0])
	for _, y := range pool.y {
		if y < 0 || y >= k {
			return inputErr("a record has label %d, the target answers %d classes", y, k)
		}
	}
	labels := !r.rep.Output.Scores()
	need := r.cfg.has(AttackCalibrated) || r.cfg.has(AttackShadow) || r.cfg.has(AttackLiRA) || r.cfg.has(AttackRMIA)
	var f *refs
	if need {
		var err error
		if f, err = r.trainRefs(pool, k); err != nil {
			return err
		}
		r.refs = f
	}
	nt := r.mem.x.n + r.non.x.n
	for _, a := range []string{AttackThreshold, AttackCalibrated, AttackShadow, AttackLiRA, AttackRMIA, AttackLabelOnly} {
		if !r.cfg.has(a) {
			continue
		}
		if labels && (a == AttackLiRA || a == AttackRMIA) {
			r.rep.Skipped = append(r.rep.Skipped, a+": needs scores, the target returns labels only")
			continue
		}
		var s []float64
		switch a {
		case AttackThreshold:
			s = thresholdScores(target[:nt], pool.y[:nt], labels)
		case AttackCalibrated:
			s = calibratedScores(target, pool.y, f, nt, labels)
		case AttackShadow:
			s = shadowScores(r, target, pool.y, f, nt, labels)
			if s == nil {
				return r.ctx.Err()
			}
		case AttackLiRA:
			s = liraScores(target, pool.y, f, nt)
		case AttackRMIA:
			s = rmiaScores(target, pool.y, f, nt, r.mem.x.n+r.non.x.n, rmiaA)
		case AttackLabelOnly:
			var err error
			if s, err = r.labelOnlyScores(pool, target, nt); err != nil {
				if r.ctx.Err() != nil {
					return r.ctx.Err()
				}
				r.rep.Failed = append(r.rep.Failed, a+": the target's answers failed: "+err.Error())
				continue
			}
		}
		roc := rocOf(s[:r.mem.x.n], s[r.mem.x.n:nt], r.cfg.Resamples, r.cfg.Seed)
		r.rep.Membership = append(r.rep.Membership, &Membership{Attack: a, ROC: roc})
	}
	r.step("membership attacks")
	return nil
}

// correct is 1 when p's best class is y.
func correct(p []float64, y int) float64 {
	if argmax(p) == y {
		return 1
	}
	return 0
}

// thresholdScores is the loss-threshold attack: the true class's log-odds,
// or, on labels, whether the answer is right.
func thresholdScores(p [][]float64, y []int, labels bool) []float64 {
	s := make([]float64, len(p))
	for i := range p {
		if labels {
			s[i] = correct(p[i], y[i])
		} else {
			s[i] = logit(p[i], y[i])
		}
	}
	return s
}

// calibratedScores subtracts from the threshold score its mean over the
// reference models that did not train on the record: what is left is how
// much more confident the target is than a model that never saw it.
func calibratedScores(p [][]float64, y []int, f *refs, nt int, labels bool) []float64 {
	s := make([]float64, nt)
	for i := range nt {
		out := f.outOf(i)
		mean := 0.0
		for _, m := range out {
			if labels {
				mean += correct(f.probs[m][i], y[i])
			} else {
				mean += logit(f.probs[m][i], y[i])
			}
		}
		mean /= float64(len(out))
		if labels {
			s[i] = correct(p[i], y[i]) - mean
		} else {
			s[i] = logit(p[i], y[i]) - mean
		}
	}
	return s
}

// shadowFeatures describes one answer to the attack model: the true
// class's log-odds, the log of the top probability, the entropy and
// whether it is right (only the last for labels), and the label one-hot
// when there are at most 10 classes, which makes the attack per class.
func shadowFeatures(p []float64, y int, labels bool, dst []float64) []float64 {
	dst = dst[:0]
	dst = append(dst, correct(p, y))
	if !labels {
		h := 0.0
		for _, v := range p {
			if v > 0 {
				h -= v * math.Log(v)
			}
		}
		dst = append(dst, math.Max(logit(p, y), -60), math.Log(math.Max(p[argmax(p)], 1e-30)), h)
	}
	if len(p) <= 10 {
		for c := range p {
			v := 0.0
			if c == y {
				v = 1
			}
			dst = append(dst, v)
		}
	}
	return dst
}

// shadowScores trains a logistic attack model on the shadow (reference)
// models' answers on their own members and non-members, and returns its
// membership probability for the target's answers; nil when ctx ended.
func shadowScores(r *runner, p [][]float64, y []int, f *refs, nt int, labels bool) []float64 {
	var buf []float64
	d := len(shadowFeatures(p[0], y[0], labels, nil))
	x := &matrix{d: d}
	var t [][]float64
	for m := range f.probs {
		for i := range y {
			buf = shadowFeatures(f.probs[m][i], y[i], labels, buf)
			x.x = append(x.x, buf...)
			x.n++
			if f.in[m][i] {
				t = append(t, []float64{0, 1})
			} else {
				t = append(t, []float64{1, 0})
			}
		}
	}
	att := train(r.ctx, x, t, 2, TrainConfig{Epochs: 20, BatchSize: 128, LR: 0.01}, r.cfg.Seed+0x5ad0)
	if att == nil {
		return nil
	}
	q := &matrix{d: d}
	for i := range nt {
		buf = shadowFeatures(p[i], y[i], labels, buf)
		q.x = append(q.x, buf...)
		q.n++
	}
	s := make([]float64, nt)
	for i, pr := range att.predict(q) {
		s[i] = pr[1]
	}
	return s
}
