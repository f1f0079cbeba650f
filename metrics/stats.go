package metrics

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
)

// problem holds what every evaluation (the point estimate and each bootstrap
// resample) needs, precomputed once; an evaluation is a weighted pass over
// the samples with integer weights (1 for the point estimate, multiplicities
// for a resample).
type problem struct {
	y, pred []int
	k, pos  int
	zd      float64
	present []bool // class occurs in y or pred (sklearn's label set)

	support, predCount, tp []int // unweighted counts
	hasScores              bool
	// calibration, per sample
	bin            []int32
	conf, correct  []float64
	brier, logloss []float64
	bins           int
	// ROC AUC: per curve (one for binary, k for one-vs-rest), the samples
	// in ascending score order and the starts of their tie groups.
	curves []curve
}

type curve struct {
	class  int
	order  []int32
	groups []int32 // start index (in order) of each group of equal scores, plus len(order)
}

// point is the value of every bootstrapped statistic for one weighting.
type point struct {
	acc, balAcc             float64
	prec, rec, f1, fpr, fnr []float64
	macro, weighted, micro  [3]float64 // precision, recall, F1
	auc                     float64
	aucOK                   bool
	ece, brier, logloss     float64
}

// logLossEps is sklearn 1.2's default clipping of probabilities in log_loss
// for float64 input (numpy.finfo(float64).eps).
const logLossEps = 2.220446049250313e-16

func newProblem(y, pred []int, scores [][]float64, k, pos int, opt Options) *problem {
	p := &problem{y: y, pred: pred, k: k, pos: pos, zd: opt.ZeroDivision, bins: opt.Bins,
		present: make([]bool, k), support: make([]int, k), predCount: make([]int, k), tp: make([]int, k)}
	for i := range y {
		p.present[y[i]], p.present[pred[i]] = true, true
		p.support[y[i]]++
		p.predCount[pred[i]]++
		if y[i] == pred[i] {
			p.tp[y[i]]++
		}
	}
	if scores == nil {
		return p
	}
	p.hasScores = true
	n := len(y)
	p.bin = make([]int32, n)
	p.conf, p.correct = make([]float64, n), make([]float64, n)
	p.brier, p.logloss = make([]float64, n), make([]float64, n)
	// Interior bin edges as numpy.linspace(0, 1, bins+1)[1:-1] computes them.
	edges := make([]float64, p.bins-1)
	step := 1 / float64(p.bins)
	for i := range edges {
		edges[i] = float64(i+1) * step
	}
	for i, row := range scores {
		top := argmax(row)
		c := row[top]
		p.conf[i] = c
		if top == y[i] {
			p.correct[i] = 1
		}
		// numpy.searchsorted(edges, c, side="left"): edges strictly below c.
		b, _ := slices.BinarySearch(edges, c)
		p.bin[i] = int32(b)
		if k == 2 {
			t := 0.0
			if y[i] == pos {
				t = 1
			}
			d := row[pos] - t
			p.brier[i] = d * d
		} else {
			for j, v := range row {
				t := 0.0
				if j == y[i] {
					t = 1
				}
				p.brier[i] += (v - t) * (v - t)
			}
		}
		sum := 0.0
		for _, v := range row {
			sum += min(max(v, logLossEps), 1-logLossEps)
		}
		p.logloss[i] = -math.Log(min(max(row[y[i]], logLossEps), 1-logLossEps) / sum)
	}
	cols := []int{pos}
	if k > 2 {
		cols = make([]int, k)
		for c := range cols {
			cols[c] = c
		}
	}
	for _, c := range cols {
		order := make([]int32, n)
		for i := range order {
			order[i] = int32(i)
		}
		slices.SortStableFunc(order, func(a, b int32) int {
			switch sa, sb := scores[a][c], scores[b][c]; {
			case sa < sb:
				return -1
			case sa > sb:
				return 1
			}
			return 0
		})
		var groups []int32
		for i := range order {
			if i == 0 || scores[order[i]][c] != scores[order[i-1]][c] {
				groups = append(groups, int32(i))
			}
		}
		groups = append(groups, int32(n))
		p.curves = append(p.curves, curve{class: c, order: order, groups: groups})
	}
	return p
}

func (p *problem) confusion() [][]int {
	m := make([][]int, p.k)
	for i := range m {
		m[i] = make([]int, p.k)
	}
	for i := range p.y {
		m[p.y[i]][p.pred[i]]++
	}
	return m
}

func (p *problem) div(a, b float64) float64 {
	if b == 0 {
		return p.zd
	}
	return a / b
}

// eval computes every statistic with sample weights w.
func (p *problem) eval(w []int32) point {
	k := p.k
	tp, ps, ts := make([]float64, k), make([]float64, k), make([]float64, k)
	total := 0.0
	for i, wi := range w {
		if wi == 0 {
			continue
		}
		f := float64(wi)
		ts[p.y[i]] += f
		ps[p.pred[i]] += f
		if p.y[i] == p.pred[i] {
			tp[p.y[i]] += f
		}
		total += f
	}
	q := point{prec: make([]float64, k), rec: make([]float64, k), f1: make([]float64, k), fpr: make([]float64, k), fnr: make([]float64, k)}
	sumTP := 0.0
	for c := range k {
		sumTP += tp[c]
	}
	q.acc = sumTP / total
	np, nb := 0.0, 0.0
	for c := range k {
		fp, fn := ps[c]-tp[c], ts[c]-tp[c]
		tn := total - tp[c] - fp - fn
		q.prec[c] = p.div(tp[c], ps[c])
		q.rec[c] = p.div(tp[c], ts[c])
		q.f1[c] = f1(q.prec[c], q.rec[c])
		q.fpr[c] = p.div(fp, fp+tn)
		q.fnr[c] = p.div(fn, fn+tp[c])
		if p.present[c] {
			q.macro[0] += q.prec[c]
			q.macro[1] += q.rec[c]
			q.macro[2] += q.f1[c]
			np++
		}
		q.weighted[0] += q.prec[c] * ts[c]
		q.weighted[1] += q.rec[c] * ts[c]
		q.weighted[2] += q.f1[c] * ts[c]
		if ts[c] > 0 {
			q.balAcc += tp[c] / ts[c]
			nb++
		}
	}
	for j := range 3 {
		q.macro[j] /= np
		q.weighted[j] /= total
	}
	q.balAcc /= nb
	q.micro[0], q.micro[1] = q.acc, q.acc
	q.micro[2] = f1(q.acc, q.acc)
	if !p.hasScores {
		return q
	}
	q.aucOK = true
	for _, cv := range p.curves {
		a, ok := p.auc(cv, w)
		if !ok {
			q.aucOK = false
			break
		}
		q.auc += a
	}
	if q.aucOK {
		q.auc /= float64(len(p.curves))
	} else {
		q.auc = math.NaN()
	}
	cnt := make([]float64, p.bins)
	gap := make([]float64, p.bins)
	for i, wi := range w {
		if wi == 0 {
			continue
		}
		f := float64(wi)
		gap[p.bin[i]] += f * (p.correct[i] - p.conf[i])
		cnt[p.bin[i]] += f
		q.brier += f * p.brier[i]
		q.logloss += f * p.logloss[i]
	}
	for b := range gap {
		q.ece += math.Abs(gap[b])
	}
	q.ece /= total
	q.brier /= total
	q.logloss /= total
	return q
}

func f1(pr, re float64) float64 {
	d := pr + re
	if d == 0 {
		return 0
	}
	return 2 * pr * re / d
}

// auc returns the weighted Mann-Whitney statistic of one curve: the
// probability that a positive outscores a negative, ties counting half.
func (p *problem) auc(cv curve, w []int32) (float64, bool) {
	var pos, neg, sum float64
	for g := 0; g+1 < len(cv.groups); g++ {
		var gp, gn float64
		for _, i := range cv.order[cv.groups[g]:cv.groups[g+1]] {
			if w[i] == 0 {
				continue
			}
			if p.y[i] == cv.class {
				gp += float64(w[i])
			} else {
				gn += float64(w[i])
			}
		}
		sum += gp * (neg + gn/2)
		pos += gp
		neg += gn
	}
	if pos == 0 || neg == 0 {
		return 0, false
	}
	return sum / (pos * neg), true
}

// bootstrap evaluates opt.Resamples resamples. Resample b draws with its own
// generator, PCG(seed, b), so the result does not depend on scheduling.
func (p *problem) bootstrap(opt Options) []point {
	if opt.Resamples <= 0 {
		return nil
	}
	n := len(p.y)
	var strata [][]int32
	if opt.Unstratified {
		all := make([]int32, n)
		for i := range all {
			all[i] = int32(i)
		}
		strata = [][]int32{all}
	} else {
		strata = make([][]int32, p.k)
		for i, c := range p.y {
			strata[c] = append(strata[c], int32(i))
		}
	}
	out := make([]point, opt.Resamples)
	workers := min(runtime.GOMAXPROCS(0), opt.Resamples)
	var wg sync.WaitGroup
	next := make(chan int, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := make([]int32, n)
			for b := range next {
				clear(w)
				rng := rand.New(rand.NewPCG(opt.Seed, uint64(b)))
				for _, s := range strata {
					m := len(s)
					for range m {
						w[s[rng.IntN(m)]]++
					}
				}
				out[b] = p.eval(w)
			}
		}()
	}
	for b := range opt.Resamples {
		next <- b
	}
	close(next)
	wg.Wait()
	return out
}

// percentileInterval returns the (1-conf)/2 and (1+conf)/2 percentiles of a
// statistic over the resamples, interpolated linearly as numpy.percentile's
// default does. Resamples in which ROC AUC is undefined are skipped.
func percentileInterval(boot []point, get func(*point) float64, conf float64) (float64, float64) {
	v := make([]float64, 0, len(boot))
	for i := range boot {
		x := get(&boot[i])
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return 0, 1
	}
	slices.Sort(v)
	return quantile(v, (1-conf)/2), quantile(v, (1+conf)/2)
}

func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	f := pos - float64(lo)
	return sorted[lo] + f*(sorted[hi]-sorted[lo])
}

// Wilson returns the Wilson score interval of the proportion x/n at the
// given confidence level; [0, 1] when n is 0.
func Wilson(x, n int, conf float64) (float64, float64) {
	if n <= 0 {
		return 0, 1
	}
	z := math.Sqrt2 * math.Erfinv(conf)
	ph := float64(x) / float64(n)
	nn := float64(n)
	den := 1 + z*z/nn
	centre := (ph + z*z/(2*nn)) / den
	half := z / den * math.Sqrt(ph*(1-ph)/nn+z*z/(4*nn*nn))
	lo, hi := max(0, centre-half), min(1, centre+half)
	// At x = 0 and x = n the bound is exactly 0 or 1; rounding must not move it.
	if x == 0 {
		lo = 0
	}
	if x == n {
		hi = 1
	}
	return lo, hi
}
