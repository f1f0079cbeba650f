package evasion

import (
	"context"
	"fmt"
	"math"

	"github.com/aiassure/aiassure/model"
)

// FGSM is the fast gradient sign method (Goodfellow et al. 2015): one step
// of size Epsilon along the sign of the gradient of the cross-entropy loss
// (L-infinity), or along the gradient scaled to L2 length Epsilon (L2, the
// "fast gradient method"). It costs three queries per sample: the clean
// prediction, the gradient and the check of the result.
type FGSM struct {
	Norm Norm
}

// Name returns "fgsm" (L-infinity) or "fgm-l2".
func (a FGSM) Name() string {
	if a.Norm == L2 {
		return "fgm-l2"
	}
	return "fgsm"
}

// Kind returns WhiteBox.
func (FGSM) Kind() Kind { return WhiteBox }

// Metric returns the attack's norm (L-infinity when unset).
func (a FGSM) Metric() Norm { return a.norm() }

func (a FGSM) norm() Norm {
	if a.Norm == "" {
		return Linf
	}
	return a.Norm
}

// Minimal returns false.
func (FGSM) Minimal() bool { return false }

// Run attacks the batch.
func (a FGSM) Run(ctx context.Context, t model.Target, x *model.Tensor, labels []int, p Params) (*Outcome, error) {
	return pgd(ctx, t, x, labels, p, a.norm(), pgdConfig{steps: 1, alpha: p.Epsilon, restarts: 1})
}

// PGD is projected gradient descent on the cross-entropy loss (Madry et al.
// 2018): from a random point of the epsilon ball, Steps steps of size
// StepSize along the sign of the gradient (L-infinity) or the normalised
// gradient (L2), each followed by projection onto the ball and the
// constraint; Restarts independent runs. A sample stops as soon as one
// iterate is misclassified.
type PGD struct {
	Norm Norm
	// Steps per run (default 40).
	Steps int
	// StepSize is the size of one step; 0 means RelStep*Epsilon.
	StepSize float64
	// RelStep is the size of one step as a multiple of Epsilon, used when
	// StepSize is 0; 0 means 2.5/Steps (Madry et al.).
	RelStep float64
	// Restarts is the number of runs (default 1; each run after the first
	// starts from a new random point).
	Restarts int
	// NoRandomStart starts the first run from the clean input (later runs
	// always start at random).
	NoRandomStart bool
}

// Name returns "pgd-linf" or "pgd-l2".
func (a PGD) Name() string { return "pgd-" + string(a.norm()) }

// Metric returns the attack's norm (L-infinity when unset).
func (a PGD) Metric() Norm { return a.norm() }

func (a PGD) norm() Norm {
	if a.Norm == "" {
		return Linf
	}
	return a.Norm
}

// Kind returns WhiteBox.
func (PGD) Kind() Kind { return WhiteBox }

// Minimal returns false.
func (PGD) Minimal() bool { return false }

// Run attacks the batch.
func (a PGD) Run(ctx context.Context, t model.Target, x *model.Tensor, labels []int, p Params) (*Outcome, error) {
	f := a.filled()
	c := pgdConfig{steps: f.Steps, alpha: f.StepSize, restarts: f.Restarts, random: !f.NoRandomStart}
	if c.alpha <= 0 {
		c.alpha = f.RelStep * p.Epsilon
	}
	return pgd(ctx, t, x, labels, p, a.norm(), c)
}

type pgdConfig struct {
	steps, restarts int
	alpha           float64
	random          bool // random start on the first run
}

func pgd(ctx context.Context, t model.Target, x *model.Tensor, labels []int, p Params, norm Norm, c pgdConfig) (*Outcome, error) {
	d, ok := t.(model.Differentiable)
	if !ok {
		return nil, ErrNeedsGradient
	}
	if err := checkEpsilon(p.Epsilon, false); err != nil {
		return nil, err
	}
	s, err := begin(ctx, t, x, labels, p, norm)
	if err != nil {
		return nil, err
	}
	eps := p.Epsilon
	todo := s.correct()
	for r := range c.restarts {
		idx := s.keep(todo, 2)
		if len(idx) == 0 {
			break
		}
		x0 := gather(x, idx)
		cur := x0.Clone()
		if r > 0 || c.random {
			s.randomStart(cur, x0, idx, r)
		}
		if err := enforce(cur, x0, norm, eps, s.p.Constraint); err != nil {
			return nil, err
		}
		for step := 0; step <= c.steps && len(idx) > 0; step++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			ys := make([]int, len(idx))
			for k, i := range idx {
				ys[k] = labels[i]
			}
			var out, g *model.Tensor
			if step == c.steps {
				out, err = s.predict(ctx, cur, idx)
			} else {
				for _, i := range idx {
					s.out.Queries[i]++
				}
				out, g, err = model.ValueAndGradient(ctx, d, cur, ceSeed(ys, s.probs))
				if err != nil {
					err = fmt.Errorf("gradient: %w", err)
				}
			}
			if err != nil {
				return nil, err
			}
			// Samples whose iterate is misclassified are done.
			keepRows := make([]int, 0, len(idx))
			for k, i := range idx {
				if adversarial(out.Row(k), labels[i]) {
					copy(s.out.Adv.Row(i), cur.Row(k))
					s.out.Pred[i] = argmax(out.Row(k))
					continue
				}
				// The next iterate needs one more query.
				if step < c.steps && s.left(i) >= 1 {
					keepRows = append(keepRows, k)
				}
			}
			if step == c.steps {
				break
			}
			stepRows(cur, g, norm, c.alpha)
			if err := enforce(cur, x0, norm, eps, s.p.Constraint); err != nil {
				return nil, err
			}
			if len(keepRows) < len(idx) {
				nidx := make([]int, len(keepRows))
				for k, r := range keepRows {
					nidx[k] = idx[r]
				}
				cur, x0, idx = gather(cur, keepRows), gather(x0, keepRows), nidx
			}
		}
		todo = s.notFound(todo)
	}
	return s.finish(), nil
}

// notFound returns the members of idx without an adversarial example yet.
func (s *state) notFound(idx []int) []int {
	var out []int
	for _, i := range idx {
		if s.out.Pred[i] == s.out.Labels[i] {
			out = append(out, i)
		}
	}
	return out
}

// randomStart moves each row of cur to a uniformly random point of the
// epsilon ball around x0.
func (s *state) randomStart(cur, x0 *model.Tensor, idx []int, run int) {
	eps, r := s.p.Epsilon, cur.RowLen()
	for k, i := range idx {
		rng := s.rng(i, 0x5eed0000+uint64(run))
		row, base := cur.Data[k*r:(k+1)*r], x0.Data[k*r:(k+1)*r]
		if s.norm == Linf {
			for j := range row {
				row[j] = base[j] + float32(eps*(2*rng.Float64()-1))
			}
			continue
		}
		// Uniform in the L2 ball: a Gaussian direction, radius eps*u^(1/d).
		n := 0.0
		for j := range row {
			v := rng.NormFloat64()
			row[j] = float32(v)
			n += v * v
		}
		rad := eps * math.Pow(rng.Float64(), 1/float64(r)) / max(math.Sqrt(n), 1e-12)
		for j := range row {
			row[j] = base[j] + float32(float64(row[j])*rad)
		}
	}
}

// stepRows adds alpha times the sign (L-infinity) or the L2-normalised
// direction (L2) of g to x, row by row.
func stepRows(x, g *model.Tensor, norm Norm, alpha float64) {
	r := x.RowLen()
	for i := range x.Batch() {
		row, gr := x.Data[i*r:(i+1)*r], g.Data[i*r:(i+1)*r]
		if norm == Linf {
			a := float32(alpha)
			for j, v := range gr {
				switch {
				case v > 0:
					row[j] += a
				case v < 0:
					row[j] -= a
				}
			}
			continue
		}
		n := 0.0
		for _, v := range gr {
			n += float64(v) * float64(v)
		}
		if n == 0 {
			continue
		}
		f := alpha / math.Sqrt(n)
		for j, v := range gr {
			row[j] += float32(float64(v) * f)
		}
	}
}
