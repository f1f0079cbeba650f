package backdoor

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/aiassure/aiassure/model"
)

// CleanseReport is the outcome of Neural Cleanse.
type CleanseReport struct {
	// Steps, BatchSize and Inputs are the work done per class.
	Steps     int `json:"steps"`
	BatchSize int `json:"batch_size"`
	Inputs    int `json:"inputs"`
	// MaskShape is the shape of a mask: a sample's, or [H, W] for samples
	// of shape [C, H, W] (one mask for all channels).
	MaskShape []int `json:"mask_shape"`
	// Median and MAD (scaled by MADConstant) of the classes' mask norms.
	Median float64 `json:"median"`
	MAD    float64 `json:"mad"`
	// Threshold is the anomaly index above which a small norm is flagged.
	Threshold float64 `json:"threshold"`
	// Classes has one entry per class, in output order.
	Classes []ClassTrigger `json:"classes"`
	// Flagged lists the flagged classes, smallest norm first.
	Flagged []int `json:"flagged"`
}

// ClassTrigger is the smallest trigger found for one class.
type ClassTrigger struct {
	Class int    `json:"class"`
	Name  string `json:"name"`
	// L1 is the sum of the mask's elements (each in [0, 1]): the area of
	// the trigger, in input elements.
	L1 float64 `json:"l1"`
	// Reached is true when some epoch sent at least SuccessThreshold of its
	// inputs to the class (the mask is then the smallest such); otherwise
	// the mask is the last one.
	Reached bool `json:"reached"`
	// Success is the share of the clean inputs that the mask and pattern
	// send to the class.
	Success float64 `json:"success"`
	// AnomalyIndex is |L1 - median| / MAD (capped at the largest float64).
	AnomalyIndex float64 `json:"anomaly_index"`
	// Flagged is true when L1 is below the median, the anomaly index is
	// above the threshold and Reached holds.
	Flagged bool `json:"flagged"`
	// Mask and Pattern, in the space scaled to [0, 1]; an input becomes
	// (1 - mask) * x + mask * pattern there.
	Mask    []float32 `json:"mask"`
	Pattern []float32 `json:"pattern"`
}

// space is the [0, 1]-scaled input space of Neural Cleanse.
type space struct {
	shape  []int     // of one sample
	lo, w  []float32 // per element: x = lo + w * s
	mlen   int       // elements of a mask
	planes int       // channels sharing one mask element
}

func newSpace(x *model.Tensor, cfg Config) (*space, error) {
	r := x.RowLen()
	sp := &space{shape: slices.Clone(x.Shape[1:]), lo: make([]float32, r), w: make([]float32, r), mlen: r, planes: 1}
	if len(sp.shape) == 3 {
		sp.planes, sp.mlen = sp.shape[0], sp.shape[1]*sp.shape[2]
	}
	bound := func(v []float32, name string) ([]float32, error) {
		switch len(v) {
		case 1:
			out := make([]float32, r)
			for i := range out {
				out[i] = v[0]
			}
			return out, nil
		case r:
			return v, nil
		}
		return nil, fmt.Errorf("%s has %d values: want 1 or %d (one per element of a sample)", name, len(v), r)
	}
	if (cfg.Low == nil) != (cfg.High == nil) {
		return nil, fmt.Errorf("give both Low and High, or neither")
	}
	var lo, hi []float32
	if cfg.Low == nil {
		a, b := slices.Min(x.Data), slices.Max(x.Data)
		lo, hi = []float32{a}, []float32{b}
	}
	if cfg.Low != nil {
		lo, hi = cfg.Low, cfg.High
	}
	var err error
	if lo, err = bound(lo, "Low"); err != nil {
		return nil, err
	}
	if hi, err = bound(hi, "High"); err != nil {
		return nil, err
	}
	wide := false
	for i := range r {
		if !(hi[i] >= lo[i]) || math.IsInf(float64(hi[i]-lo[i]), 0) {
			return nil, fmt.Errorf("element %d: bounds [%g, %g] are not a finite interval", i, lo[i], hi[i])
		}
		sp.lo[i], sp.w[i] = lo[i], hi[i]-lo[i]
		wide = wide || sp.w[i] > 0
	}
	if !wide {
		return nil, fmt.Errorf("every element has Low = High: nothing to search")
	}
	return sp, nil
}

// cleanse runs Neural Cleanse for every class.
func cleanse(ctx context.Context, d model.Differentiable, x *model.Tensor, classes []string, probs bool, cfg Config, progress func(string)) (*CleanseReport, error) {
	sp, err := newSpace(x, cfg)
	if err != nil {
		return nil, err
	}
	rep := &CleanseReport{Steps: cfg.Steps, BatchSize: min(cfg.BatchSize, x.Batch()), Inputs: x.Batch(), Threshold: cfg.AnomalyThreshold}
	rep.MaskShape = slices.Clone(sp.shape)
	if sp.planes > 1 {
		rep.MaskShape = rep.MaskShape[1:]
	}
	norms := make([]float64, len(classes))
	for c, name := range classes {
		ct, err := reverse(ctx, d, x, sp, c, probs, cfg)
		if err != nil {
			return nil, fmt.Errorf("class %s: %w", name, err)
		}
		ct.Name = name
		rep.Classes = append(rep.Classes, *ct)
		norms[c] = ct.L1
		progress("neural cleanse: class " + name)
	}
	idx, med, mad := AnomalyIndex(norms)
	rep.Median, rep.MAD = med, mad
	for c := range rep.Classes {
		ct := &rep.Classes[c]
		ct.AnomalyIndex = min(idx[c], math.MaxFloat64)
		ct.Flagged = ct.Reached && ct.L1 < med && idx[c] > cfg.AnomalyThreshold
		if ct.Flagged {
			rep.Flagged = append(rep.Flagged, c)
		}
	}
	slices.SortFunc(rep.Flagged, func(a, b int) int { return cmpFloat(norms[a], norms[b]) })
	return rep, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// adam is the state of one Adam optimiser over a vector of parameters.
type adam struct {
	m, v   []float64
	t      int
	lr     float64
	b1, b2 float64
}

func newAdam(n int, lr float64) *adam {
	return &adam{m: make([]float64, n), v: make([]float64, n), lr: lr, b1: 0.5, b2: 0.9}
}

// step moves theta against the gradient g.
func (a *adam) step(theta, g []float64) {
	a.t++
	c1 := 1 - math.Pow(a.b1, float64(a.t))
	c2 := 1 - math.Pow(a.b2, float64(a.t))
	for i, gi := range g {
		a.m[i] = a.b1*a.m[i] + (1-a.b1)*gi
		a.v[i] = a.b2*a.v[i] + (1-a.b2)*gi*gi
		theta[i] -= a.lr * (a.m[i] / c1) / (math.Sqrt(a.v[i]/c2) + 1e-8)
	}
}

// reverse searches the smallest mask and pattern that send x to class c:
// Adam on mean cross-entropy + cost * |mask|₁, mask = (tanh(a)+1)/2 and
// pattern = (tanh(b)+1)/2, with the cost schedule of the paper's code.
func reverse(ctx context.Context, d model.Differentiable, x *model.Tensor, sp *space, c int, probs bool, cfg Config) (*ClassTrigger, error) {
	n, r := x.Batch(), x.RowLen()
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xc1ea5e0000+uint64(c)))
	a, b := make([]float64, sp.mlen), make([]float64, r)
	for _, v := range [][]float64{a, b} {
		for i := range v {
			v[i] = math.Atanh((2*rng.Float64() - 1) * 0.999)
		}
	}
	mask, pat := make([]float64, sp.mlen), make([]float64, r)
	squash := func() {
		for i, v := range a {
			mask[i] = (math.Tanh(v) + 1) / 2
		}
		for i, v := range b {
			pat[i] = (math.Tanh(v) + 1) / 2
		}
	}
	// The clean inputs in the scaled space.
	s := make([]float64, len(x.Data))
	for i, v := range x.Data {
		e := i % r
		if sp.w[e] > 0 {
			s[i] = float64(v-sp.lo[e]) / float64(sp.w[e])
		}
	}
	bs := min(cfg.BatchSize, n)
	optA, optB := newAdam(len(a), cfg.LearningRate), newAdam(len(b), cfg.LearningRate)
	ga, gb := make([]float64, len(a)), make([]float64, len(b))
	order := rng.Perm(n)
	pos := 0
	cost, hits, seen := 0.0, 0, 0
	up, down, set := 0, 0, 0
	best := math.Inf(1)
	var bestMask, bestPat []float64
	shape := append([]int{bs}, sp.shape...)
	batch := &model.Tensor{Shape: shape, Data: make([]float32, bs*r)}
	rows := make([]int, bs)
	for step := range cfg.Steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		squash()
		for q := range bs {
			if pos == n {
				order, pos = rng.Perm(n), 0
			}
			rows[q] = order[pos]
			pos++
			sample(batch.Data[q*r:(q+1)*r], s[rows[q]*r:(rows[q]+1)*r], mask, pat, sp, x.Row(rows[q]))
		}
		var got int
		_, g, err := model.ValueAndGradient(ctx, d, batch, targetSeed(c, probs, &got))
		if err != nil {
			return nil, fmt.Errorf("gradient: %w", err)
		}
		if !slices.Equal(g.Shape, batch.Shape) {
			return nil, fmt.Errorf("gradient of shape %v for inputs of shape %v", g.Shape, batch.Shape)
		}
		hits, seen = hits+got, seen+bs
		clear(ga)
		clear(gb)
		for q := range bs {
			gr, sr := g.Data[q*r:(q+1)*r], s[rows[q]*r:(rows[q]+1)*r]
			for e := range r {
				if sp.w[e] == 0 {
					continue
				}
				gs := float64(gr[e]) * float64(sp.w[e])
				mi := e % sp.mlen
				ga[mi] += gs * (pat[e] - sr[e])
				gb[e] += gs * mask[mi]
			}
		}
		for i, m := range mask {
			ga[i] = (ga[i] + cost) * 2 * m * (1 - m)
		}
		for i, p := range pat {
			gb[i] *= 2 * p * (1 - p)
		}
		optA.step(a, ga)
		optB.step(b, gb)
		if (step+1)%cfg.EpochSteps != 0 && step+1 != cfg.Steps {
			continue
		}
		// End of an epoch: keep the smallest successful mask, adjust the cost.
		squash()
		rate := float64(hits) / float64(seen)
		hits, seen = 0, 0
		ok := rate >= cfg.SuccessThreshold
		if l1 := sum(mask); ok && l1 < best {
			best, bestMask, bestPat = l1, slices.Clone(mask), slices.Clone(pat)
		}
		if cost == 0 { // the paper's code starts at 0 until the attack works
			if ok {
				set++
			} else {
				set = 0
			}
			if set >= cfg.Patience {
				cost = cfg.InitCost
			}
			continue
		}
		if ok {
			up, down = up+1, 0
		} else {
			up, down = 0, down+1
		}
		switch {
		case up >= cfg.Patience:
			up, cost = 0, cost*1.5
		case down >= cfg.Patience:
			down, cost = 0, cost/math.Pow(1.5, 1.5)
		}
	}
	ct := &ClassTrigger{Class: c, Reached: bestMask != nil}
	if bestMask == nil {
		squash()
		bestMask, bestPat = mask, pat
	}
	ct.L1 = sum(bestMask)
	rate, err := success(ctx, d, x, s, bestMask, bestPat, sp, c)
	if err != nil {
		return nil, err
	}
	ct.Success = rate
	ct.Mask, ct.Pattern = toFloat32(bestMask), toFloat32(bestPat)
	return ct, nil
}

// sample writes the model-space input (1 - m) * s + m * p of the scaled row s
// into dst; elements with no width keep the clean value orig.
func sample(dst []float32, s, mask, pat []float64, sp *space, orig []float32) {
	for e := range dst {
		if sp.w[e] == 0 {
			dst[e] = orig[e]
			continue
		}
		m := mask[e%sp.mlen]
		dst[e] = sp.lo[e] + sp.w[e]*float32((1-m)*s[e]+m*pat[e])
	}
}

// success returns the share of x that mask and pattern send to class c.
func success(ctx context.Context, t model.Target, x *model.Tensor, s, mask, pat []float64, sp *space, c int) (float64, error) {
	r := x.RowLen()
	y := &model.Tensor{Shape: slices.Clone(x.Shape), Data: make([]float32, len(x.Data))}
	for i := range x.Batch() {
		sample(y.Data[i*r:(i+1)*r], s[i*r:(i+1)*r], mask, pat, sp, x.Row(i))
	}
	out, err := t.Predict(ctx, y)
	if err != nil {
		return 0, fmt.Errorf("predict: %w", err)
	}
	hit := 0
	for _, p := range out.ArgMax() {
		if p == c {
			hit++
		}
	}
	return float64(hit) / float64(x.Batch()), nil
}

// targetSeed returns the seed of the mean cross-entropy of the batch with
// class c, and counts the rows already classified as c in *hits.
func targetSeed(c int, probs bool, hits *int) model.SeedFunc {
	return func(out *model.Tensor) (*model.Tensor, error) {
		if len(out.Shape) != 2 || c >= out.Shape[1] {
			return nil, fmt.Errorf("output shape %v for class %d", out.Shape, c)
		}
		bs, k := out.Shape[0], out.Shape[1]
		sd := &model.Tensor{Shape: slices.Clone(out.Shape), Data: make([]float32, len(out.Data))}
		p := make([]float64, k)
		for i := range bs {
			row, dst := out.Row(i), sd.Data[i*k:(i+1)*k]
			if argmax(row) == c {
				*hits++
			}
			if probs {
				dst[c] = float32(-1 / (max(float64(row[c]), 1e-12) * float64(bs)))
				continue
			}
			distribution(row, false, p)
			for j := range dst {
				dst[j] = float32(p[j] / float64(bs))
			}
			dst[c] -= float32(1 / float64(bs))
		}
		return sd, nil
	}
}

func argmax(row []float32) int {
	best := 0
	for j, v := range row {
		if v > row[best] {
			best = j
		}
	}
	return best
}

func sum(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

func toFloat32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}
