package evasion

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/aiassure/aiassure/model"
)

// state is the bookkeeping shared by all attacks on one batch.
type state struct {
	t       model.Target
	p       Params
	norm    Norm
	x       *model.Tensor // clean batch (not modified)
	out     *Outcome
	probs   bool // the output rows are probabilities
	classes int
	row     int // elements per sample
	shape   []int
}

// begin validates the batch, predicts the clean inputs (one query per
// sample) and prepares the outcome: Adv starts as a copy of x.
func begin(ctx context.Context, t model.Target, x *model.Tensor, labels []int, p Params, norm Norm) (*state, error) {
	if t == nil {
		return nil, fmt.Errorf("nil target")
	}
	if err := x.Validate(); err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	if len(x.Shape) < 2 || x.Shape[0] == 0 {
		return nil, fmt.Errorf("input shape %v: want a non-empty batch", x.Shape)
	}
	n := x.Batch()
	if len(labels) != n {
		return nil, fmt.Errorf("%d labels for %d samples", len(labels), n)
	}
	if err := checkNorm(norm); err != nil {
		return nil, err
	}
	if p.Budget < 0 {
		return nil, fmt.Errorf("budget %d is negative", p.Budget)
	}
	if want := t.Info().InputShape; len(want) > 0 && !shapeFits(want, x.Shape[1:]) {
		return nil, fmt.Errorf("input shape %v does not fit the target's %v", x.Shape[1:], want)
	}
	p = p.withDefaults()
	s := &state{t: t, p: p, norm: norm, x: x, row: x.RowLen(), shape: slices.Clone(x.Shape)}
	s.out = &Outcome{
		Adv: x.Clone(), Labels: slices.Clone(labels),
		Clean: make([]int, n), Pred: make([]int, n), Found: make([]bool, n),
		Queries: make([]int, n), L2: make([]float64, n), Linf: make([]float64, n),
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	y, err := s.predict(ctx, x, idx)
	if err != nil {
		return nil, err
	}
	if len(y.Shape) != 2 || y.Shape[1] < 2 {
		return nil, fmt.Errorf("output shape %v: want one row of at least two class scores per sample", y.Shape)
	}
	s.classes = y.Shape[1]
	for i, l := range labels {
		if l < 0 || l >= s.classes {
			return nil, fmt.Errorf("label %d of sample %d is not one of the %d classes", l, i, s.classes)
		}
	}
	switch p.Output {
	case Probabilities:
		s.probs = true
	case Logits:
	case OutputAuto:
		s.probs = y.Probabilities()
	default:
		return nil, fmt.Errorf("unknown output kind %q", p.Output)
	}
	copy(s.out.Clean, y.ArgMax())
	copy(s.out.Pred, s.out.Clean)
	return s, nil
}

func shapeFits(want, have []int) bool {
	if len(want) != len(have) {
		return false
	}
	for i, d := range want {
		if d >= 0 && d != have[i] {
			return false
		}
	}
	return true
}

// correct returns the indices of the samples classified correctly when
// clean.
func (s *state) correct() []int {
	var idx []int
	for i, c := range s.out.Clean {
		if c == s.out.Labels[i] {
			idx = append(idx, i)
		}
	}
	return idx
}

// left returns how many queries sample i may still spend (MaxInt without a
// budget).
func (s *state) left(i int) int {
	if s.p.Budget == 0 {
		return math.MaxInt
	}
	return s.p.Budget - s.out.Queries[i]
}

// keep returns the members of idx that may spend q more queries.
func (s *state) keep(idx []int, q int) []int {
	out := idx[:0:0]
	for _, i := range idx {
		if s.left(i) >= q {
			out = append(out, i)
		}
	}
	return out
}

// predict sends x (row r belongs to sample owner[r]) to the target in
// chunks of at most BatchSize rows, Workers at a time, and counts one query
// per row for its owner.
func (s *state) predict(ctx context.Context, x *model.Tensor, owner []int) (*model.Tensor, error) {
	for _, i := range owner {
		s.out.Queries[i]++
	}
	b, bs := x.Batch(), s.p.BatchSize
	if b <= bs {
		y, err := s.t.Predict(ctx, x)
		if err != nil {
			return nil, fmt.Errorf("predict: %w", err)
		}
		return y, checkOut(y, b)
	}
	nc := (b + bs - 1) / bs
	parts := make([]*model.Tensor, nc)
	errs := make([]error, nc)
	sem := make(chan struct{}, s.p.Workers)
	var wg sync.WaitGroup
	for c := range nc {
		lo, hi := c*bs, min((c+1)*bs, b)
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			part := &model.Tensor{Shape: append([]int{hi - lo}, x.Shape[1:]...), Data: x.Data[lo*x.RowLen() : hi*x.RowLen()]}
			y, err := s.t.Predict(ctx, part)
			if err == nil {
				err = checkOut(y, hi-lo)
			}
			parts[c], errs[c] = y, err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("predict: %w", err)
		}
	}
	k := parts[0].RowLen()
	y := &model.Tensor{Shape: append([]int{b}, parts[0].Shape[1:]...), Data: make([]float32, 0, b*k)}
	for _, part := range parts {
		if part.RowLen() != k {
			return nil, fmt.Errorf("predict: output rows of different lengths")
		}
		y.Data = append(y.Data, part.Data...)
	}
	return y, nil
}

func checkOut(y *model.Tensor, b int) error {
	if y == nil || y.Validate() != nil || len(y.Shape) == 0 || y.Shape[0] != b {
		return fmt.Errorf("target returned a malformed output for %d rows", b)
	}
	return nil
}

// gather returns a new tensor with the rows idx of x.
func gather(x *model.Tensor, idx []int) *model.Tensor {
	r := x.RowLen()
	t := &model.Tensor{Shape: append([]int{len(idx)}, x.Shape[1:]...), Data: make([]float32, len(idx)*r)}
	for k, i := range idx {
		copy(t.Data[k*r:(k+1)*r], x.Row(i))
	}
	return t
}

// score returns the class score s_j of an output row: the logit, or the log
// of the probability (which differs from the logit by a constant per row,
// so margins agree).
func score(v float32, probs bool) float64 {
	if probs {
		return math.Log(max(float64(v), 1e-30))
	}
	return float64(v)
}

// margin returns s_y - max_{j != y} s_j: positive while the row is
// classified as y.
func margin(row []float32, y int, probs bool) float64 {
	best := math.Inf(-1)
	for j, v := range row {
		if j != y {
			best = max(best, score(v, probs))
		}
	}
	return score(row[y], probs) - best
}

// adversarial reports whether the row is not classified as y.
func adversarial(row []float32, y int) bool { return argmax(row) != y }

// ceSeed returns the seed of the cross-entropy loss of the rows whose true
// classes are labels: d(-log softmax(z)_y)/dz for logits, d(-log p_y)/dp for
// probabilities.
func ceSeed(labels []int, probs bool) model.SeedFunc {
	return func(out *model.Tensor) (*model.Tensor, error) {
		if out.Batch() != len(labels) || len(out.Shape) != 2 {
			return nil, fmt.Errorf("output shape %v for %d labels", out.Shape, len(labels))
		}
		k := out.RowLen()
		s := &model.Tensor{Shape: slices.Clone(out.Shape), Data: make([]float32, len(out.Data))}
		for i, y := range labels {
			row, dst := out.Row(i), s.Data[i*k:(i+1)*k]
			if probs {
				dst[y] = float32(-1 / max(float64(row[y]), 1e-12))
				continue
			}
			m := math.Inf(-1)
			for _, v := range row {
				m = max(m, float64(v))
			}
			sum := 0.0
			for j, v := range row {
				e := math.Exp(float64(v) - m)
				dst[j] = float32(e)
				sum += e
			}
			for j := range dst {
				dst[j] = float32(float64(dst[j]) / sum)
			}
			dst[y]--
		}
		return s, nil
	}
}

// diffSeed returns the seed of s_k - s_y (row i: k = ks[i], y = ys[i]).
func diffSeed(ks, ys []int, probs bool) model.SeedFunc {
	return func(out *model.Tensor) (*model.Tensor, error) {
		if out.Batch() != len(ys) || len(out.Shape) != 2 {
			return nil, fmt.Errorf("output shape %v for %d rows", out.Shape, len(ys))
		}
		k := out.RowLen()
		s := &model.Tensor{Shape: slices.Clone(out.Shape), Data: make([]float32, len(out.Data))}
		for i, y := range ys {
			row, dst := out.Row(i), s.Data[i*k:(i+1)*k]
			c := ks[i]
			if c == y || c < 0 || c >= k {
				continue
			}
			if probs {
				dst[c] = float32(1 / max(float64(row[c]), 1e-30))
				dst[y] = float32(-1 / max(float64(row[y]), 1e-30))
			} else {
				dst[c], dst[y] = 1, -1
			}
		}
		return s, nil
	}
}

// projectBall moves each row of x into the norm ball of radius eps around
// the same row of x0.
func projectBall(x, x0 *model.Tensor, norm Norm, eps float64) {
	r := x.RowLen()
	for i := range x.Batch() {
		projectRow(x.Data[i*r:(i+1)*r], x0.Data[i*r:(i+1)*r], norm, eps)
	}
}

func projectRow(x, x0 []float32, norm Norm, eps float64) {
	if norm == Linf {
		e := float32(eps)
		for j, v := range x {
			x[j] = min(max(v, x0[j]-e), x0[j]+e)
		}
		return
	}
	n := l2(x, x0)
	if n > eps {
		f := eps / n
		for j := range x {
			x[j] = x0[j] + float32(float64(x[j]-x0[j])*f)
		}
	}
}

// enforce makes every row of x feasible and, when eps > 0, within eps of
// x0: it projects alternately onto the ball and the constraint, and resets
// to x0 the rows that do not settle in both.
func enforce(x, x0 *model.Tensor, norm Norm, eps float64, c Constraint) error {
	for range 3 {
		if eps > 0 {
			projectBall(x, x0, norm, eps)
		}
		if c != nil {
			if err := c.Project(x, x0); err != nil {
				return fmt.Errorf("constraint: %w", err)
			}
		}
		if eps <= 0 || allInBall(x, x0, norm, eps) {
			return nil
		}
	}
	r := x.RowLen()
	for i := range x.Batch() {
		if !inBall(dist(x.Data[i*r:(i+1)*r], x0.Data[i*r:(i+1)*r], norm), eps) {
			copy(x.Data[i*r:(i+1)*r], x0.Data[i*r:(i+1)*r])
		}
	}
	return nil
}

func allInBall(x, x0 *model.Tensor, norm Norm, eps float64) bool {
	r := x.RowLen()
	for i := range x.Batch() {
		if !inBall(dist(x.Data[i*r:(i+1)*r], x0.Data[i*r:(i+1)*r], norm), eps) {
			return false
		}
	}
	return true
}

func dist(a, b []float32, norm Norm) float64 {
	if norm == Linf {
		return linf(a, b)
	}
	return l2(a, b)
}

func l2(a, b []float32) float64 {
	s := 0.0
	for j, v := range a {
		d := float64(v - b[j])
		s += d * d
	}
	return math.Sqrt(s)
}

func linf(a, b []float32) float64 {
	m := 0.0
	for j, v := range a {
		m = max(m, math.Abs(float64(v-b[j])))
	}
	return m
}

// finish records the sizes of the perturbations and the predictions of the
// adversarial inputs already stored in Pred.
func (s *state) finish() *Outcome {
	o := s.out
	for i := range o.Labels {
		a, b := o.Adv.Row(i), s.x.Row(i)
		o.L2[i], o.Linf[i] = l2(a, b), linf(a, b)
		o.Found[i] = o.Clean[i] == o.Labels[i] && o.Pred[i] != o.Labels[i]
	}
	return o
}

// rng returns the random stream of sample i.
func (s *state) rng(i int, salt uint64) *rand.Rand {
	return rand.New(rand.NewPCG(s.p.Seed^salt, uint64(i)))
}

// bounds returns the interval of the features: the constraint's when it
// has one, else the range of the clean batch.
func (s *state) bounds() (lo, hi float32) {
	if b, ok := s.p.Constraint.(Bounded); ok {
		lo, hi = b.Bounds()
		if lo < hi {
			return lo, hi
		}
	}
	lo, hi = float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range s.x.Data {
		lo, hi = min(lo, v), max(hi, v)
	}
	if !(lo < hi) {
		return lo - 1, lo + 1
	}
	return lo, hi
}
