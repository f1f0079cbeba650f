package privacy

import (
	"context"
	"errors"
	"fmt"
)

// Model is a classifier trained by Fit: multinomial logistic regression or
// a one-hidden-layer MLP on standardised inputs (TrainConfig). Other
// suites (poisoning, the continuous-learning gate) use it as their
// reference model.
type Model struct{ m *net }

// FitJob is one model for FitAll: n rows of d features in X (row-major),
// labels Y in [0, K).
type FitJob struct {
	X    []float64
	D    int
	Y    []int
	K    int
	Cfg  TrainConfig
	Seed uint64
}

func (j FitJob) check() error {
	if j.D <= 0 || j.K < 2 {
		return fmt.Errorf("train: %d features and %d classes: need at least 1 and 2", j.D, j.K)
	}
	if len(j.X) != len(j.Y)*j.D || len(j.Y) == 0 {
		return fmt.Errorf("train: %d values for %d rows of %d features", len(j.X), len(j.Y), j.D)
	}
	for i, c := range j.Y {
		if c < 0 || c >= j.K {
			return fmt.Errorf("train: row %d: label %d outside [0, %d)", i, c, j.K)
		}
	}
	return nil
}

// FitAll trains the jobs on up to workers goroutines (0: every core); each
// model is deterministic in its seed. It returns ctx's error when ctx ends
// first.
func FitAll(ctx context.Context, jobs []FitJob, workers int) ([]*Model, error) {
	tj := make([]trainJob, len(jobs))
	for i, j := range jobs {
		if err := j.check(); err != nil {
			return nil, fmt.Errorf("model %d: %w", i, err)
		}
		tj[i] = trainJob{x: &matrix{n: len(j.Y), d: j.D, x: j.X}, t: oneHot(j.Y, j.K), k: j.K, cfg: j.Cfg, seed: j.Seed}
	}
	nets, err := trainAll(ctx, tj, workers, nil)
	if err != nil {
		return nil, err
	}
	out := make([]*Model, len(nets))
	for i, n := range nets {
		if n == nil {
			return nil, errors.New("train: stopped")
		}
		out[i] = &Model{m: n}
	}
	return out, nil
}

// Predict returns the class probabilities of the rows of x (row-major, the
// model's number of features per row).
func (m *Model) Predict(x []float64) [][]float64 {
	d := m.m.d
	return m.m.predict(&matrix{n: len(x) / d, d: d, x: x[:len(x)/d*d]})
}

// Features is the number of inputs of the model.
func (m *Model) Features() int { return m.m.d }
