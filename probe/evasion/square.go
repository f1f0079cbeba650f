package evasion

import (
	"context"
	"math"
	"math/rand/v2"

	"github.com/aiassure/aiassure/model"
)

// Square is the L-infinity Square Attack of Andriushchenko et al. (2020), a
// score-based black-box attack: a random search that starts from vertical
// stripes of ±Epsilon and at each iteration proposes to set one random
// square window (per channel) to a new corner of the epsilon ball, keeping
// the proposal when it lowers the margin s_y - max_{j≠y} s_j. The window's
// area is a fraction p of the image that shrinks on the authors' schedule
// (p = PInit/2 after 10 of 10,000 iterations, /4 after 50, ... /512 after
// 8,000, scaled to Iterations). For inputs of rank one (tabular data) the
// window is a random subset of round(p*d) features, each set to ±Epsilon.
// A sample stops as soon as it is misclassified; each iteration costs one
// query per sample still running.
type Square struct {
	// Iterations is the most iterations, the initial query included
	// (default 1000).
	Iterations int
	// PInit is the initial fraction of the input that one window covers
	// (default 0.1).
	PInit float64
}

// Name returns "square-linf".
func (Square) Name() string { return "square-linf" }

// Kind returns BlackBoxScore.
func (Square) Kind() Kind { return BlackBoxScore }

// Metric returns Linf.
func (Square) Metric() Norm { return Linf }

// Minimal returns false.
func (Square) Minimal() bool { return false }

// Run attacks the batch.
func (a Square) Run(ctx context.Context, t model.Target, x *model.Tensor, labels []int, p Params) (*Outcome, error) {
	if err := checkEpsilon(p.Epsilon, false); err != nil {
		return nil, err
	}
	f := a.filled()
	iters, pInit := f.Iterations, f.PInit
	s, err := begin(ctx, t, x, labels, p, Linf)
	if err != nil {
		return nil, err
	}
	eps := p.Epsilon
	e := float32(eps)
	D := s.row
	// Geometry: channels x height x width, or a flat vector.
	sh := x.Shape[1:]
	h, w := 0, 0
	if len(sh) >= 2 {
		h, w = sh[len(sh)-2], sh[len(sh)-1]
	}
	image := h >= 2 && w >= 2
	c := 1
	if image {
		c = D / (h * w)
	}
	idx := s.keep(s.correct(), 1)
	if len(idx) == 0 {
		return s.finish(), nil
	}
	rngs := make([]*rand.Rand, len(idx))
	for k, i := range idx {
		rngs[k] = s.rng(i, 0x5a0a)
	}
	x0 := gather(x, idx)
	best := x0.Clone()
	for k := range idx {
		row, base, rng := best.Row(k), x0.Row(k), rngs[k]
		if image {
			// Vertical stripes: one sign per channel and column.
			for ch := range c {
				for col := range w {
					v := e
					if rng.IntN(2) == 0 {
						v = -e
					}
					for r := range h {
						j := ch*h*w + r*w + col
						row[j] = base[j] + v
					}
				}
			}
		} else {
			for j := range row {
				if rng.IntN(2) == 0 {
					row[j] = base[j] - e
				} else {
					row[j] = base[j] + e
				}
			}
		}
	}
	if err := enforce(best, x0, Linf, eps, s.p.Constraint); err != nil {
		return nil, err
	}
	out, err := s.predict(ctx, best, idx)
	if err != nil {
		return nil, err
	}
	marg := make([]float64, len(idx))
	for k, i := range idx {
		marg[k] = margin(out.Row(k), labels[i], s.probs)
		if adversarial(out.Row(k), labels[i]) {
			copy(s.out.Adv.Row(i), best.Row(k))
			s.out.Pred[i] = argmax(out.Row(k))
		}
	}
	cand := best.Clone()
	perm := make([]int, D)
	for it := 1; it < iters; it++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// Drop the samples that are done or out of budget.
		rows := make([]int, 0, len(idx))
		for k, i := range idx {
			if adversarial(out.Row(k), labels[i]) {
				continue
			}
			if s.left(i) >= 1 {
				rows = append(rows, k)
			}
		}
		if len(rows) < len(idx) {
			compact(best, rows)
			compact(x0, rows)
			compactF(marg, rows)
			compactR(rngs, rows)
			idx = pick(idx, rows)
			marg, rngs = marg[:len(rows)], rngs[:len(rows)]
		}
		if len(idx) == 0 {
			break
		}
		cand.Shape[0] = len(idx)
		cand.Data = cand.Data[:len(idx)*D]
		copy(cand.Data, best.Data)
		frac := pSelection(pInit, it, iters)
		for k := range idx {
			row, base, cur, rng := cand.Row(k), x0.Row(k), best.Row(k), rngs[k]
			if image {
				sz := min(max(int(math.Round(math.Sqrt(frac*float64(h*w)))), 1), min(h, w)-1)
				r0, c0 := rng.IntN(h-sz+1), rng.IntN(w-sz+1)
				for ch := range c {
					// Resample until the window changes.
					var v float32
					for try := 0; try < 10; try++ {
						v = e
						if rng.IntN(2) == 0 {
							v = -e
						}
						if windowChanges(cur, base, v, ch, r0, c0, sz, h, w) {
							break
						}
					}
					for r := r0; r < r0+sz; r++ {
						for col := c0; col < c0+sz; col++ {
							j := ch*h*w + r*w + col
							row[j] = base[j] + v
						}
					}
				}
				continue
			}
			m := min(max(int(math.Round(frac*float64(D))), 1), D)
			for j := range perm {
				perm[j] = j
			}
			for q := range m {
				z := q + rng.IntN(D-q)
				perm[q], perm[z] = perm[z], perm[q]
				j := perm[q]
				if rng.IntN(2) == 0 {
					row[j] = base[j] - e
				} else {
					row[j] = base[j] + e
				}
			}
		}
		if err := enforce(cand, x0, Linf, eps, s.p.Constraint); err != nil {
			return nil, err
		}
		if out, err = s.predict(ctx, cand, idx); err != nil {
			return nil, err
		}
		for k, i := range idx {
			o := out.Row(k)
			if m := margin(o, labels[i], s.probs); m < marg[k] {
				marg[k] = m
				copy(best.Row(k), cand.Row(k))
			}
			if adversarial(o, labels[i]) {
				copy(s.out.Adv.Row(i), cand.Row(k))
				s.out.Pred[i] = argmax(o)
			}
		}
	}
	return s.finish(), nil
}

// windowChanges reports whether setting the window to base+v changes cur.
func windowChanges(cur, base []float32, v float32, ch, r0, c0, sz, h, w int) bool {
	for r := r0; r < r0+sz; r++ {
		for col := c0; col < c0+sz; col++ {
			j := ch*h*w + r*w + col
			if cur[j] != base[j]+v {
				return true
			}
		}
	}
	return false
}

// pSelection is the authors' schedule of the window fraction, with the
// iteration rescaled to a run of 10,000.
func pSelection(pInit float64, it, iters int) float64 {
	i := int(float64(it) / float64(iters) * 10000)
	switch {
	case i <= 10:
		return pInit
	case i <= 50:
		return pInit / 2
	case i <= 200:
		return pInit / 4
	case i <= 500:
		return pInit / 8
	case i <= 1000:
		return pInit / 16
	case i <= 2000:
		return pInit / 32
	case i <= 4000:
		return pInit / 64
	case i <= 6000:
		return pInit / 128
	case i <= 8000:
		return pInit / 256
	}
	return pInit / 512
}

// compact keeps rows[k] of t at position k (rows increasing), in place.
func compact(t *model.Tensor, rows []int) {
	r := t.RowLen()
	for k, src := range rows {
		if k != src {
			copy(t.Data[k*r:(k+1)*r], t.Data[src*r:(src+1)*r])
		}
	}
	t.Shape[0] = len(rows)
	t.Data = t.Data[:len(rows)*r]
}

func compactF(v []float64, rows []int) {
	for k, src := range rows {
		v[k] = v[src]
	}
}

func compactR(v []*rand.Rand, rows []int) {
	for k, src := range rows {
		v[k] = v[src]
	}
}
