package availability

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/model"
)

// WorkCounter is a target that can count the work one run does, exactly
// and the same on every machine (onnx.Model implements it).
type WorkCounter interface {
	Work(ctx context.Context, x *model.Tensor) (int64, error)
}

// Measures of the sponge search.
const (
	MeasureWork    = "work"    // the target's own deterministic work count
	MeasureSeconds = "seconds" // the median of timed runs
)

// Sponge is the outcome of the sponge search.
type Sponge struct {
	// Measure is MeasureWork or MeasureSeconds.
	Measure string `json:"measure"`
	// NormalRows is the number of data rows the normal cost rests on;
	// Normal is their median cost, NormalMax their largest.
	NormalRows int     `json:"normal_rows"`
	Normal     float64 `json:"normal"`
	NormalMax  float64 `json:"normal_max"`
	// Worst is the largest cost found, Slowdown = Worst / Normal, and
	// WorstInput the input that cost it; WorstFrom says where it came from:
	// "data" (a row of the data set), "random" or "genetic".
	Worst      float64   `json:"worst"`
	Slowdown   float64   `json:"slowdown"`
	WorstInput []float32 `json:"worst_input"`
	WorstFrom  string    `json:"worst_from"`
	// Evaluations is the number of candidate inputs evaluated (the budget
	// spent), Distinct the number of different work counts seen among them
	// and the normal rows (MeasureWork only; 1 means the model does the same
	// work on every input it was given).
	Evaluations int `json:"evaluations"`
	// Confirmed is true when a timed search's worst input was timed again
	// against a normal row (15 interleaved runs each; Worst and Normal are
	// then the medians of that rematch).
	Confirmed   bool `json:"confirmed,omitempty"`
	Distinct    int  `json:"distinct_work,omitempty"`
	Interrupted bool `json:"interrupted,omitempty"`
}

// InputDependent reports whether the work counted differed between inputs.
// It is false for timed searches, where differences are noise as often as
// not.
func (s *Sponge) InputDependent() bool { return s.Measure == MeasureWork && s.Distinct > 1 }

// maxNormalRows bounds the data rows the normal cost is measured on.
const maxNormalRows = 50

type candidate struct {
	x      []float32
	origin int // the data row whose immutable features it keeps
	cost   float64
	from   string
}

// SearchSponge looks for feasible inputs that make t do the most work. The
// normal cost is the median over the first rows of x (at most 50); the
// search then spends opts.SpongeBudget evaluations on random inputs within
// the constraints and on a genetic algorithm (uniform crossover of the
// costliest half, mutation within each feature's range, projection onto
// the constraints so that every candidate is a valid input). Constraints
// nil: each feature's range in x. With opts.Seed and a WorkCounter target
// the result is deterministic. When ctx ends the search stops with what it
// found and Interrupted set.
func SearchSponge(ctx context.Context, t model.Target, x *model.Tensor, c *dataset.Constraints, opts Options) (*Sponge, error) {
	opts = opts.withDefaults()
	if t == nil || x == nil || x.Validate() != nil || x.Batch() == 0 {
		return nil, fmt.Errorf("availability: %w: no target or no rows for the sponge search", ErrInput)
	}
	d := x.RowLen()
	lo, hi := ranges(x, c)
	if c == nil {
		c = &dataset.Constraints{Min: f64(lo), Max: f64(hi), Integer: make([]bool, d), Immutable: make([]bool, d)}
		for j := range d {
			c.Features = append(c.Features, fmt.Sprintf("f%d", j))
		}
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("availability: %w: constraints: %w", ErrInput, err)
	}
	if c.Len() != d {
		return nil, fmt.Errorf("availability: %w: the constraints describe %d features, the rows have %d", ErrInput, c.Len(), d)
	}
	s := &Sponge{Measure: MeasureSeconds}
	wc, counts := t.(WorkCounter)
	if counts {
		s.Measure = MeasureWork
	}
	seen := map[float64]bool{}
	cost := func(row []float32) (float64, error) {
		in := &model.Tensor{Shape: append([]int{1}, x.Shape[1:]...), Data: row}
		if counts {
			w, err := wc.Work(ctx, in)
			seen[float64(w)] = true
			return float64(w), err
		}
		ts := make([]float64, 0, opts.Repeats)
		for range opts.Repeats {
			t0 := opts.Clock.Now()
			if _, err := t.Predict(ctx, in); err != nil {
				return 0, err
			}
			ts = append(ts, opts.Clock.Now().Sub(t0).Seconds())
		}
		slices.Sort(ts)
		return ts[len(ts)/2], nil
	}
	stop := func(err error) (*Sponge, error) {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			s.Interrupted = true
			s.finish(seen)
			return s, nil
		}
		return nil, fmt.Errorf("availability: sponge search: %w", err)
	}

	// The normal cost.
	nn := min(x.Batch(), maxNormalRows)
	normal := make([]float64, 0, nn)
	var byRow []float64
	for i := range nn {
		row := slices.Clone(x.Row(i))
		v, err := cost(row)
		if err != nil {
			return stop(err)
		}
		normal = append(normal, v)
		byRow = append(byRow, v)
		if v > s.Worst || s.WorstInput == nil {
			s.Worst, s.WorstInput, s.WorstFrom = v, row, "data"
		}
	}
	s.NormalRows = len(normal)
	slices.Sort(normal)
	s.Normal, s.NormalMax = median(normal), normal[len(normal)-1]

	rng := rand.New(rand.NewPCG(opts.Seed, 0x5ba0_9e5e))
	project := func(cd *candidate) error {
		xt := &model.Tensor{Shape: []int{1, d}, Data: cd.x}
		x0 := &model.Tensor{Shape: []int{1, d}, Data: slices.Clone(x.Row(cd.origin))}
		return c.Project(xt, x0)
	}
	eval := func(cd *candidate) error {
		if err := project(cd); err != nil {
			return err
		}
		v, err := cost(cd.x)
		if err != nil {
			return err
		}
		cd.cost = v
		s.Evaluations++
		if v > s.Worst {
			s.Worst, s.WorstInput, s.WorstFrom = v, slices.Clone(cd.x), cd.from
		}
		return nil
	}
	pop := min(16, opts.SpongeBudget)
	var cands []*candidate
	for k := range pop {
		if ctx.Err() != nil {
			return stop(ctx.Err())
		}
		o := rng.IntN(x.Batch())
		cd := &candidate{x: slices.Clone(x.Row(o)), origin: o, from: "random"}
		if k%2 == 0 {
			for j := range d {
				cd.x[j] = float32(lo[j] + rng.Float64()*(hi[j]-lo[j]))
			}
		} else {
			mutate(rng, cd.x, lo, hi, 0.5)
		}
		if err := eval(cd); err != nil {
			return stop(err)
		}
		cands = append(cands, cd)
	}
	for s.Evaluations < opts.SpongeBudget {
		if ctx.Err() != nil {
			return stop(ctx.Err())
		}
		slices.SortStableFunc(cands, func(a, b *candidate) int { return cmpDesc(a.cost, b.cost) })
		elite := cands[:max(len(cands)/2, 1)]
		next := slices.Clone(elite)
		for len(next) < pop && s.Evaluations < opts.SpongeBudget {
			a, b := elite[rng.IntN(len(elite))], elite[rng.IntN(len(elite))]
			cd := &candidate{x: make([]float32, d), origin: a.origin, from: "genetic"}
			for j := range d {
				if rng.IntN(2) == 0 {
					cd.x[j] = a.x[j]
				} else {
					cd.x[j] = b.x[j]
				}
			}
			mutate(rng, cd.x, lo, hi, 2/float64(d))
			if err := eval(cd); err != nil {
				return stop(err)
			}
			next = append(next, cd)
		}
		cands = next
	}
	if !counts && s.WorstFrom != "data" {
		// Timings are noisy and the search keeps the luckiest: time the
		// worst input again against the median normal row, interleaved,
		// and keep the medians of the rematch.
		if err := s.confirm(ctx, t, x, medianRow(x, byRow, s.Normal), opts); err != nil {
			return stop(err)
		}
	}
	s.finish(seen)
	return s, nil
}

// confirmRuns is the number of interleaved timed runs of the rematch.
const confirmRuns = 15

func (s *Sponge) confirm(ctx context.Context, t model.Target, x *model.Tensor, normal []float32, opts Options) error {
	shape := append([]int{1}, x.Shape[1:]...)
	var tw, tn []float64
	for range confirmRuns {
		for k, row := range [][]float32{s.WorstInput, normal} {
			t0 := opts.Clock.Now()
			if _, err := t.Predict(ctx, &model.Tensor{Shape: shape, Data: slices.Clone(row)}); err != nil {
				return err
			}
			d := opts.Clock.Now().Sub(t0).Seconds()
			if k == 0 {
				tw = append(tw, d)
			} else {
				tn = append(tn, d)
			}
		}
	}
	slices.Sort(tw)
	slices.Sort(tn)
	s.Worst, s.Normal = median(tw), median(tn)
	s.Confirmed = true
	return nil
}

// medianRow returns the row whose cost is closest to the median cost.
func medianRow(x *model.Tensor, costs []float64, med float64) []float32 {
	best := 0
	for i, c := range costs {
		if math.Abs(c-med) < math.Abs(costs[best]-med) {
			best = i
		}
	}
	return slices.Clone(x.Row(best))
}

func (s *Sponge) finish(seen map[float64]bool) {
	if s.Measure == MeasureWork {
		s.Distinct = len(seen)
	}
	switch {
	case s.Normal > 0:
		s.Slowdown = s.Worst / s.Normal
	case s.Worst == 0:
		s.Slowdown = 1
	default:
		// No normal cost could be measured (a clock too coarse for the
		// model): unbounded, written as a large finite number because
		// JSON has no infinity.
		s.Slowdown = 1e9
	}
}

// mutate changes each feature with probability p (at least one): mostly a
// Gaussian step of a tenth of its range, sometimes a jump to one of its
// bounds, where the branches of trees and the thresholds of activations
// are often decided.
func mutate(rng *rand.Rand, x []float32, lo, hi []float64, p float64) {
	if !slices.ContainsFunc(indices(len(x)), func(j int) bool { return hi[j] > lo[j] }) {
		return // nothing can change
	}
	for changed := false; !changed; {
		for j := range x {
			if rng.Float64() >= p || hi[j] <= lo[j] {
				continue
			}
			changed = true
			switch r := rng.Float64(); {
			case r < 0.1:
				x[j] = float32(lo[j])
			case r < 0.2:
				x[j] = float32(hi[j])
			default:
				v := float64(x[j]) + rng.NormFloat64()*0.1*(hi[j]-lo[j])
				x[j] = float32(min(max(v, lo[j]), hi[j]))
			}
		}
	}
}

func indices(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// ranges returns each feature's search range: the constraint's bounds
// where finite, else the range observed in x.
func ranges(x *model.Tensor, c *dataset.Constraints) (lo, hi []float64) {
	d := x.RowLen()
	lo, hi = make([]float64, d), make([]float64, d)
	for j := range d {
		lo[j], hi[j] = math.Inf(1), math.Inf(-1)
	}
	for i := range x.Batch() {
		for j, v := range x.Row(i) {
			f := float64(v)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				continue
			}
			lo[j], hi[j] = min(lo[j], f), max(hi[j], f)
		}
	}
	for j := range d {
		if lo[j] > hi[j] { // no finite value observed
			lo[j], hi[j] = 0, 0
		}
		if c != nil && c.Len() == d {
			if !math.IsInf(c.Min[j], 0) && !math.IsNaN(c.Min[j]) {
				lo[j] = c.Min[j]
			}
			if !math.IsInf(c.Max[j], 0) && !math.IsNaN(c.Max[j]) {
				hi[j] = c.Max[j]
			}
		}
	}
	return lo, hi
}

func f64(v []float64) []float64 { return slices.Clone(v) }

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func cmpDesc(a, b float64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}
