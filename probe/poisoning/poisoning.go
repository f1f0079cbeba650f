// Package poisoning checks a labelled training set for the traces that data
// poisoning leaves (the ENISA report, table 1 and section 4.1): labels an
// out-of-fold reference model confidently contradicts (confident learning),
// exact and near duplicates, outliers by Mahalanobis distance, and spectral
// signatures per class. Gate applies the same checks, with the reference as
// trusted data, to a new batch before it is used for retraining (the
// ENISA report, box 3, on continuous learning), together with schema, label
// shift and per-feature drift (PSI and two-sample Kolmogorov-Smirnov) and
// the accuracy a reference model would lose by training on the batch.
//
// Every check works on the features as they are read (one-hot nominals, raw
// numbers) after standardisation; the reference models are those of
// probe/privacy, trained in Go, deterministic in the seed, on every core.
// Scan's spectral signatures are computed on the standardised input
// features; ScanActivations runs spectral signatures and activation
// clustering on a network's penultimate-layer activations, per class,
// against those of clean reference rows.
package poisoning

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/probe/privacy"
)

// Data is a labelled tabular training set held as float64 rows.
type Data struct {
	X        []float64 // N×D, row-major
	N, D     int
	Y        []int // N labels in [0, K)
	K        int
	Features []string // feature names, or nil
	Classes  []string // class names, or nil
}

func (d *Data) row(i int) []float64 { return d.X[i*d.D : (i+1)*d.D : (i+1)*d.D] }

// ErrData is wrapped by errors about a data set that the checks cannot use.
var ErrData = errors.New("unusable training data")

// FromDataset converts a labelled in-memory data set. Non-finite values
// are refused.
func FromDataset(ds *dataset.Dataset) (*Data, error) {
	if ds == nil || ds.X == nil || ds.Y == nil {
		return nil, fmt.Errorf("%w: the data set has no labels", ErrData)
	}
	n := ds.X.Batch()
	if n == 0 {
		return nil, fmt.Errorf("%w: the data set is empty", ErrData)
	}
	d := ds.X.RowLen()
	if d == 0 || len(ds.Y) != n {
		return nil, fmt.Errorf("%w: %d rows of %d features and %d labels", ErrData, n, d, len(ds.Y))
	}
	out := &Data{X: make([]float64, n*d), N: n, D: d, Y: slices.Clone(ds.Y), Features: ds.Info.Features, Classes: ds.Info.Classes}
	for i, v := range ds.X.Data[:n*d] {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%w: row %d feature %d is %v", ErrData, i/d, i%d, v)
		}
		out.X[i] = f
	}
	k := len(ds.Info.Classes)
	for i, c := range out.Y {
		if c < 0 {
			return nil, fmt.Errorf("%w: row %d has label %d", ErrData, i, c)
		}
		k = max(k, c+1)
	}
	out.K = max(k, 2)
	return out, nil
}

// Options configure the checks. Zero fields take the defaults in brackets.
type Options struct {
	Folds      int                 // cross-validation folds for label noise [5]
	Train      privacy.TrainConfig // reference model [logistic regression, 60 epochs, batch 32, lr 0.01, decay 1e-4]
	Seed       uint64              // seed of folds and training [0]
	Workers    int                 // training goroutines [every core]
	NearEps    float64             // near duplicates: RMS distance per standardised feature below this [0.02]
	MaxPairs   int                 // near duplicates: above this many pairs, quantised hashing instead of all pairs [50e6]
	OutlierP   float64             // outliers: tail probability of the chi-square bound [1e-3]
	PoisonFrac float64             // spectral signatures: the largest poisoned fraction looked for per class [0.05]
}

func (o Options) withDefaults() Options {
	if o.Folds < 2 {
		o.Folds = 5
	}
	if o.Train.Epochs <= 0 {
		o.Train.Epochs = 60
	}
	if o.Train.WeightDecay == 0 {
		o.Train.WeightDecay = 1e-4
	}
	if o.NearEps <= 0 {
		o.NearEps = 0.02
	}
	if o.MaxPairs <= 0 {
		o.MaxPairs = 50_000_000
	}
	if o.OutlierP <= 0 || o.OutlierP >= 1 {
		o.OutlierP = 1e-3
	}
	if o.PoisonFrac <= 0 || o.PoisonFrac >= 0.5 {
		o.PoisonFrac = 0.05
	}
	return o
}

// The checks, as named in Suspect.Check.
const (
	CheckLabel        = "label-noise"
	CheckExact        = "exact-duplicate"
	CheckNear         = "near-duplicate"
	CheckOutlier      = "outlier"
	CheckSpectral     = "spectral-signature"
	checkCount    int = 5
)

// Checks lists the checks in the order reports show them.
var Checks = []string{CheckLabel, CheckExact, CheckNear, CheckOutlier, CheckSpectral}

// Suspect is one row a check flags. Score is the check's own measure
// (larger is more suspicious): 1 minus the probability of the given label,
// 1 minus the RMS standardised distance to the duplicated row over NearEps
// (1 for an exact copy), the squared Mahalanobis distance over its bound,
// or the spectral score over the class median. Of is the row a duplicate
// repeats: in a scan, a row of the same set; in the gate, a reference row
// when below the reference's size, else batch row Of minus that size.
type Suspect struct {
	Row    int     `json:"row"`
	Check  string  `json:"check"`
	Score  float64 `json:"score"`
	Of     *int    `json:"of,omitempty"`
	Reason string  `json:"reason"`
}

// Report is the result of Scan.
type Report struct {
	Rows     int       `json:"rows"`
	Features int       `json:"features"`
	Classes  int       `json:"classes"`
	Suspects []Suspect `json:"suspects"`
	Counts   []Count   `json:"counts"`
	// Agreement is the share of rows whose given label is the class the
	// out-of-fold reference models find most probable: how far their
	// contradictions can be trusted (low on a hard task, where many flagged
	// labels are hard cases rather than flips).
	Agreement float64 `json:"agreement"`
	// Majority is the share of the most frequent label: the agreement that
	// always answering that class would have.
	Majority float64 `json:"majority"`
	// NearEps is the near-duplicate check's RMS distance.
	NearEps float64 `json:"near_eps"`
}

// Count is how many rows one check flagged.
type Count struct {
	Check string `json:"check"`
	Rows  int    `json:"rows"`
}

// Flagged returns the rows flagged by the named check ("" for any), sorted.
func (r *Report) Flagged(check string) []int {
	return flagged(r.Suspects, check)
}

func flagged(s []Suspect, check string) []int {
	var out []int
	for _, x := range s {
		if check == "" || x.Check == check {
			out = append(out, x.Row)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func counts(s []Suspect) []Count {
	out := make([]Count, 0, len(Checks))
	for _, c := range Checks {
		out = append(out, Count{Check: c, Rows: len(flagged(s, c))})
	}
	return out
}

// Score compares flagged rows with the rows known to be corrupted.
type Score struct {
	Flagged   int     `json:"flagged"`
	Planted   int     `json:"planted"`
	Found     int     `json:"found"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
}

// Evaluate scores the flagged rows against the planted ones.
func Evaluate(flaggedRows, planted []int) Score {
	truth := make(map[int]bool, len(planted))
	for _, i := range planted {
		truth[i] = true
	}
	s := Score{Flagged: len(flaggedRows), Planted: len(truth)}
	for _, i := range flaggedRows {
		if truth[i] {
			s.Found++
		}
	}
	if s.Flagged > 0 {
		s.Precision = float64(s.Found) / float64(s.Flagged)
	}
	if s.Planted > 0 {
		s.Recall = float64(s.Found) / float64(s.Planted)
	}
	return s
}

// standardiser holds the mean and inverse deviation of each feature.
type standardiser struct{ mean, inv []float64 }

func fitStandardiser(d *Data) standardiser {
	s := standardiser{mean: make([]float64, d.D), inv: make([]float64, d.D)}
	for i := range d.N {
		for j, v := range d.row(i) {
			s.mean[j] += v
		}
	}
	for j := range s.mean {
		s.mean[j] /= float64(d.N)
	}
	for i := range d.N {
		for j, v := range d.row(i) {
			dv := v - s.mean[j]
			s.inv[j] += dv * dv
		}
	}
	for j := range s.inv {
		sd := math.Sqrt(s.inv[j] / float64(d.N))
		s.inv[j] = 0 // a constant feature carries nothing
		if sd > 1e-12 {
			s.inv[j] = 1 / sd
		}
	}
	return s
}

// apply returns the standardised rows of d.
func (s standardiser) apply(d *Data) []float64 {
	z := make([]float64, len(d.X))
	for i, v := range d.X {
		j := i % d.D
		z[i] = (v - s.mean[j]) * s.inv[j]
	}
	return z
}

func (d *Data) className(c int) string {
	if c >= 0 && c < len(d.Classes) {
		return fmt.Sprintf("%q", d.Classes[c])
	}
	return fmt.Sprintf("%d", c)
}
