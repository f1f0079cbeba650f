package poisoning

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
)

// Scan runs every check on a training set that nothing vouches for: label
// noise by K-fold out-of-fold probabilities, exact and near duplicates (the
// later row of a pair is flagged), outliers and spectral signatures with
// the set itself as the reference.
func Scan(ctx context.Context, d *Data, o Options) (*Report, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	if d.N < 2*o.Folds {
		return nil, fmt.Errorf("%w: %d rows, fewer than twice the %d folds", ErrData, d.N, o.Folds)
	}
	nz, err := confident(ctx, d, nil, o)
	if err != nil {
		return nil, err
	}
	s := flagNoise(d, nz.oof, nz.thresh, srcOOF)
	z := fitStandardiser(d).apply(d)
	s = append(s, duplicates(d, nil, z, o)...)
	s = append(s, outliers(z, d.N, z, d.N, d.D, o)...)
	s = append(s, spectral(z, d.Y, z, d.Y, d.D, d.K, o, d.className)...)
	sortSuspects(s)
	r := &Report{Rows: d.N, Features: d.D, Classes: d.K, Suspects: s, Counts: counts(s), Agreement: agreement(nz.oof, d.Y), Majority: majority(d.Y, d.K), NearEps: o.NearEps}
	slog.Debug("poisoning scan", "rows", d.N, "suspects", len(s))
	return r, nil
}

// agreement is the share of rows whose given label is the most probable
// class out of fold.
func agreement(p [][]float64, y []int) float64 {
	n := 0
	for i, c := range y {
		best := 0
		for j, v := range p[i] {
			if v > p[i][best] {
				best = j
			}
		}
		if best == c {
			n++
		}
	}
	return float64(n) / float64(max(len(y), 1))
}

func sortSuspects(s []Suspect) {
	order := func(c string) int { return slices.Index(Checks, c) }
	slices.SortStableFunc(s, func(a, b Suspect) int {
		if a.Row != b.Row {
			return a.Row - b.Row
		}
		return order(a.Check) - order(b.Check)
	})
}

func (d *Data) check() error {
	if d == nil || d.N == 0 || d.D == 0 {
		return fmt.Errorf("%w: no rows or no features", ErrData)
	}
	if len(d.X) != d.N*d.D || len(d.Y) != d.N {
		return fmt.Errorf("%w: %d values and %d labels for %d rows of %d features", ErrData, len(d.X), len(d.Y), d.N, d.D)
	}
	if d.K < 2 {
		return fmt.Errorf("%w: %d classes", ErrData, d.K)
	}
	for i, v := range d.X {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: row %d feature %d is %v", ErrData, i/d.D, i%d.D, v)
		}
	}
	for i, c := range d.Y {
		if c < 0 || c >= d.K {
			return fmt.Errorf("%w: row %d: label %d outside [0, %d)", ErrData, i, c, d.K)
		}
	}
	return nil
}

// majority is the share of the most frequent of k labels.
func majority(y []int, k int) float64 {
	n := make([]int, k)
	for _, c := range y {
		n[c]++
	}
	return float64(slices.Max(n)) / float64(max(len(y), 1))
}
