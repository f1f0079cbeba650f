package evasion

import (
	"context"
	"fmt"
	"math"

	"github.com/aiassure/aiassure/model"
)

// DeepFool is the minimal-perturbation attack of Moosavi-Dezfooli et al.
// (2016). At each iteration it linearises the class scores around the
// current point and steps to the nearest linearised decision boundary: in
// L2, by |f_l|/||w_l||_2^2 * w_l; in L-infinity, by |f_l|/||w_l||_1 *
// sign(w_l), where f_l = s_l - s_y is the score difference to the closest
// class l and w_l its gradient. The accumulated step is scaled by
// 1+Overshoot. Scores are the logits, or the log-probabilities for
// probability outputs. For an affine classifier it finds the exact minimal
// perturbation (times 1+Overshoot) in one iteration.
//
// Each iteration costs classes-1 queries per sample (one gradient per other
// class); the final check costs one.
type DeepFool struct {
	Norm Norm
	// MaxIter is the most iterations (default 50).
	MaxIter int
	// Overshoot scales the final perturbation by 1+Overshoot so that it
	// crosses the boundary (default 0.02).
	Overshoot float64
}

// Name returns "deepfool-l2" or "deepfool-linf".
func (a DeepFool) Name() string { return "deepfool-" + string(a.norm()) }

// Kind returns WhiteBox.
func (DeepFool) Kind() Kind { return WhiteBox }

// Metric returns the attack's norm (L2 when unset).
func (a DeepFool) Metric() Norm { return a.norm() }

func (a DeepFool) norm() Norm {
	if a.Norm == "" {
		return L2
	}
	return a.Norm
}

// Minimal returns true.
func (DeepFool) Minimal() bool { return true }

// Run attacks the batch.
func (a DeepFool) Run(ctx context.Context, t model.Target, x *model.Tensor, labels []int, p Params) (*Outcome, error) {
	d, ok := t.(model.Differentiable)
	if !ok {
		return nil, ErrNeedsGradient
	}
	if err := checkEpsilon(p.Epsilon, true); err != nil {
		return nil, err
	}
	f := a.filled()
	maxIter, over := f.MaxIter, f.Overshoot
	norm := a.norm()
	s, err := begin(ctx, t, x, labels, p, norm)
	if err != nil {
		return nil, err
	}
	K, D := s.classes, s.row
	idx := s.keep(s.correct(), 1)
	x0 := gather(x, idx)
	cur := x0.Clone()
	acc := make([]float64, len(idx)*D) // accumulated perturbation
	for it := 0; it <= maxIter && len(idx) > 0; it++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ys := make([]int, len(idx))
		for k, i := range idx {
			ys[k] = labels[i]
		}
		// An iteration costs K-1 queries and the check after it one more:
		// rows that cannot afford both, and all rows after the last
		// iteration, only get the check.
		var rich, poor []int
		for k, i := range idx {
			if it < maxIter && s.left(i) >= K {
				rich = append(rich, k)
			} else {
				poor = append(poor, k)
			}
		}
		if len(poor) > 0 {
			pc := gather(cur, poor)
			pidx := pick(idx, poor)
			out, err := s.predict(ctx, pc, pidx)
			if err != nil {
				return nil, err
			}
			s.record(out, pc, pidx)
			if len(rich) == 0 {
				break
			}
			nacc := make([]float64, len(rich)*D)
			for k, r := range rich {
				copy(nacc[k*D:(k+1)*D], acc[r*D:(r+1)*D])
			}
			cur, x0, idx, acc, ys = gather(cur, rich), gather(x0, rich), pick(idx, rich), nacc, pick(ys, rich)
		}
		// Gradient of the first other class; its forward pass checks the
		// current point.
		out, g, err := s.classGrad(ctx, d, cur, idx, ys, 0)
		if err != nil {
			return nil, err
		}
		rows := s.record(out, cur, idx)
		if len(rows) < len(idx) {
			nidx, nacc := make([]int, len(rows)), make([]float64, len(rows)*D)
			for k, r := range rows {
				nidx[k] = idx[r]
				copy(nacc[k*D:(k+1)*D], acc[r*D:(r+1)*D])
			}
			out, g = gather(out, rows), gather(g, rows)
			cur, x0, idx, acc, ys = gather(cur, rows), gather(x0, rows), nidx, nacc, pick(ys, rows)
		}
		if len(idx) == 0 {
			break
		}
		n := len(idx)
		best := make([]float64, n)  // distance to the closest linearised boundary
		bestF := make([]float64, n) // |f_l|
		bestW := make([]float32, n*D)
		for k := range best {
			best[k] = math.Inf(1)
		}
		for j := 0; j < K-1; j++ {
			if j > 0 {
				if _, g, err = s.classGrad(ctx, d, cur, idx, ys, j); err != nil {
					return nil, err
				}
			}
			for k := range idx {
				c := other(j, ys[k])
				f := math.Abs(score(out.Row(k)[c], s.probs) - score(out.Row(k)[ys[k]], s.probs))
				w := g.Row(k)
				wn := dualNorm(w, norm)
				if wn == 0 {
					continue
				}
				if dd := f / wn; dd < best[k] {
					best[k], bestF[k] = dd, f
					copy(bestW[k*D:(k+1)*D], w)
				}
			}
		}
		for k := range idx {
			if math.IsInf(best[k], 1) {
				continue
			}
			w := bestW[k*D : (k+1)*D]
			a := acc[k*D : (k+1)*D]
			wn := dualNorm(w, norm)
			if norm == L2 {
				f := (bestF[k] + 1e-4) / (wn * wn)
				for j, v := range w {
					a[j] += f * float64(v)
				}
			} else {
				f := (bestF[k] + 1e-4) / wn
				for j, v := range w {
					a[j] += f * sign(v)
				}
			}
			row, base := cur.Row(k), x0.Row(k)
			for j := range row {
				row[j] = base[j] + float32((1+over)*a[j])
			}
		}
		if err := enforce(cur, x0, norm, 0, s.p.Constraint); err != nil {
			return nil, err
		}
	}
	return s.finish(), nil
}

// classGrad returns the output at cur and, for each row, the gradient of
// s_c - s_y where c is the j-th class other than y. It counts one query per
// row.
func (s *state) classGrad(ctx context.Context, d model.Differentiable, cur *model.Tensor, idx, ys []int, j int) (*model.Tensor, *model.Tensor, error) {
	ks := make([]int, len(ys))
	for k, y := range ys {
		ks[k] = other(j, y)
	}
	for _, i := range idx {
		s.out.Queries[i]++
	}
	out, g, err := model.ValueAndGradient(ctx, d, cur, diffSeed(ks, ys, s.probs))
	if err != nil {
		return nil, nil, fmt.Errorf("gradient: %w", err)
	}
	return out, g, nil
}

// record stores the misclassified rows of out as adversarial examples and
// returns the positions of the others.
func (s *state) record(out, cur *model.Tensor, idx []int) []int {
	rows := make([]int, 0, len(idx))
	for k, i := range idx {
		if adversarial(out.Row(k), s.out.Labels[i]) {
			copy(s.out.Adv.Row(i), cur.Row(k))
			s.out.Pred[i] = argmax(out.Row(k))
			continue
		}
		rows = append(rows, k)
	}
	return rows
}

// other returns the j-th class other than y.
func other(j, y int) int {
	if j >= y {
		return j + 1
	}
	return j
}

func pick(v []int, rows []int) []int {
	out := make([]int, len(rows))
	for k, r := range rows {
		out[k] = v[r]
	}
	return out
}

// dualNorm returns the norm dual to norm: L2 for L2, L1 for L-infinity.
func dualNorm(w []float32, norm Norm) float64 {
	s := 0.0
	if norm == L2 {
		for _, v := range w {
			s += float64(v) * float64(v)
		}
		return math.Sqrt(s)
	}
	for _, v := range w {
		s += math.Abs(float64(v))
	}
	return s
}

func sign(v float32) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
