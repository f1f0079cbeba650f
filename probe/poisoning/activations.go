package poisoning

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
)

// The checks of ScanActivations, as named in Suspect.Check.
const (
	CheckActSpectral = "activation-spectral"
	CheckActCluster  = "activation-cluster"
)

// Activations are a model's activations at one layer (the penultimate, as
// onnx.Model.Penultimate finds it) on labelled rows, one row of D values
// per sample.
type Activations struct {
	X    []float32 // N×D, row-major
	N, D int
	Y    []int // N labels in [0, K)
	K    int
	// Rows, if set, are the file rows of the N rows (0-based), which
	// suspects name; nil: 0 to N-1.
	Rows []int
}

func (a *Activations) check(what string) error {
	switch {
	case a == nil || a.N == 0 || a.D == 0:
		return fmt.Errorf("%w: %s: no activations", ErrData, what)
	case len(a.X) != a.N*a.D || len(a.Y) != a.N || (a.Rows != nil && len(a.Rows) != a.N):
		return fmt.Errorf("%w: %s: %d values, %d labels and %d row numbers for %d rows of %d", ErrData, what, len(a.X), len(a.Y), len(a.Rows), a.N, a.D)
	case a.K < 2:
		return fmt.Errorf("%w: %s: %d classes", ErrData, what, a.K)
	}
	for i, v := range a.X {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%w: %s: row %d activation %d is %v", ErrData, what, i/a.D, i%a.D, v)
		}
	}
	for i, c := range a.Y {
		if c < 0 || c >= a.K {
			return fmt.Errorf("%w: %s: row %d: label %d outside [0, %d)", ErrData, what, i, c, a.K)
		}
	}
	return nil
}

func (a *Activations) row(i int) int {
	if a.Rows != nil {
		return a.Rows[i]
	}
	return i
}

// ActivationOptions configure ScanActivations. Zero fields take the
// defaults in brackets.
type ActivationOptions struct {
	Dims     int     // activation clustering: principal components kept [10]
	Restarts int     // activation clustering: k-means++ starts [50]
	Alpha    float64 // family-wise level over the classes of each check (Bonferroni) [0.01]
	MinRows  int     // classes with fewer training or reference rows are not judged [5]
	Seed     uint64  // k-means starts [0]
}

func (o ActivationOptions) withDefaults() ActivationOptions {
	if o.Dims <= 0 {
		o.Dims = 10
	}
	if o.Restarts <= 0 {
		o.Restarts = 50
	}
	if !(o.Alpha > 0 && o.Alpha < 1) {
		o.Alpha = 0.01
	}
	if o.MinRows <= 0 {
		o.MinRows = 5
	}
	return o
}

// ActivationReport is the result of ScanActivations.
type ActivationReport struct {
	Layer     string            `json:"layer,omitempty"` // the layer's value name
	Rows      int               `json:"rows"`            // training rows checked
	Reference int               `json:"reference"`       // clean reference rows
	Dims      int               `json:"dims"`            // activations per row
	Alpha     float64           `json:"alpha"`
	Classes   []ActivationClass `json:"classes"`
	Suspects  []Suspect         `json:"suspects"`
}

// ActivationClass is what both checks found in one class. Region is,
// for spectral signatures, the training rows beyond the reference rows'
// far-out fence; for activation clustering, the smaller of the two
// clusters. P is Fisher's exact test (one-sided) that training rows fall
// in the region more often than reference rows; a class is flagged when P
// is below Alpha over the judged classes.
type ActivationClass struct {
	Class     int    `json:"class"`
	Train     int    `json:"train"`
	Reference int    `json:"reference"`
	Judged    bool   `json:"judged"` // enough rows of both sets
	Spectral  Region `json:"spectral"`
	Cluster   Region `json:"cluster"`
	// Silhouette is the mean silhouette of the two clusters of the
	// training rows (reduced by PCA).
	Silhouette float64 `json:"silhouette"`
}

// Region is the training and reference rows of a class that fall in a
// check's region, the test of the difference and whether it flags.
type Region struct {
	Train     int     `json:"train"`
	Reference int     `json:"reference"`
	P         float64 `json:"p"`
	Flagged   bool    `json:"flagged"`
}

// ScanActivations looks for poisoned training rows in a model's
// activations, per class, against the activations of clean reference rows
// (held-out test data) of the same model:
//
//   - spectral signatures (Tran, Li and Madry, 2018): the projection of
//     each training row on the top singular vector of the class's centred
//     training activations, oriented so that the reference rows' mean
//     projection is not positive; the region is the training rows above
//     the far-out fence (Q3 + 3 IQR) of the reference rows' projections;
//   - activation clustering (Chen et al., 2018): the class's training
//     activations reduced to Dims principal components, split in two by
//     k-means; the region is the smaller cluster (reference rows are
//     assigned to the nearer centre in the same projection).
//
// A region holds poison when training rows fall in it more often than
// reference rows: Fisher's exact test, one-sided, p below Alpha divided by
// the number of judged classes. Rows of flagged regions are the suspects,
// scored by the projection over the fence (spectral) or by the row's
// silhouette (clustering). Natural structure of a class (two ways of
// writing a digit) appears in both sets and is not flagged; a trigger the
// training rows carry and clean rows do not, is.
func ScanActivations(ctx context.Context, train, ref *Activations, o ActivationOptions) (*ActivationReport, error) {
	if err := train.check("training activations"); err != nil {
		return nil, err
	}
	if err := ref.check("reference activations"); err != nil {
		return nil, err
	}
	if ref.D != train.D {
		return nil, fmt.Errorf("%w: reference activations have %d values per row, training ones %d", ErrData, ref.D, train.D)
	}
	o = o.withDefaults()
	k := max(train.K, ref.K)
	rep := &ActivationReport{Rows: train.N, Reference: ref.N, Dims: train.D, Alpha: o.Alpha}
	byClass := func(a *Activations, c int) []int {
		var idx []int
		for i, y := range a.Y {
			if y == c {
				idx = append(idx, i)
			}
		}
		return idx
	}
	type work struct {
		cls          ActivationClass
		spec, clus   []int // training indices in the regions
		specS, clusS []float64
	}
	var ws []work
	for c := range k {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		tr, rf := byClass(train, c), byClass(ref, c)
		w := work{cls: ActivationClass{Class: c, Train: len(tr), Reference: len(rf)}}
		if len(tr) >= max(o.MinRows, 3) && len(rf) >= o.MinRows {
			w.cls.Judged = true
			w.spec, w.specS, w.cls.Spectral = spectralRegion(train, tr, ref, rf)
			w.clus, w.clusS, w.cls.Cluster, w.cls.Silhouette = clusterRegion(train, tr, ref, rf, o)
		}
		ws = append(ws, w)
	}
	judged := 0
	for _, w := range ws {
		if w.cls.Judged {
			judged++
		}
	}
	level := o.Alpha / float64(max(judged, 1))
	for _, w := range ws {
		cls := w.cls
		if cls.Judged {
			cls.Spectral.Flagged = cls.Spectral.P < level && cls.Spectral.Train > 0
			cls.Cluster.Flagged = cls.Cluster.P < level && cls.Cluster.Train > 0
		}
		if cls.Spectral.Flagged {
			for q, i := range w.spec {
				rep.Suspects = append(rep.Suspects, Suspect{Row: train.row(i), Check: CheckActSpectral, Score: w.specS[q],
					Reason: fmt.Sprintf("class %d: spectral projection %.3g× the reference rows' far-out fence; %d of %d training rows and %d of %d reference rows beyond it (Fisher p %.2g)",
						cls.Class, w.specS[q], cls.Spectral.Train, cls.Train, cls.Spectral.Reference, cls.Reference, cls.Spectral.P)})
			}
		}
		if cls.Cluster.Flagged {
			for q, i := range w.clus {
				rep.Suspects = append(rep.Suspects, Suspect{Row: train.row(i), Check: CheckActCluster, Score: w.clusS[q],
					Reason: fmt.Sprintf("class %d: in the smaller activation cluster (silhouette %.2f), which holds %d of %d training rows but %d of %d reference rows (Fisher p %.2g)",
						cls.Class, w.clusS[q], cls.Cluster.Train, cls.Train, cls.Cluster.Reference, cls.Reference, cls.Cluster.P)})
			}
		}
		rep.Classes = append(rep.Classes, cls)
	}
	slices.SortStableFunc(rep.Suspects, func(a, b Suspect) int {
		if a.Row != b.Row {
			return a.Row - b.Row
		}
		return cmpCheck(a.Check, b.Check)
	})
	slog.Debug("activation scan", "rows", train.N, "reference", ref.N, "suspects", len(rep.Suspects))
	return rep, nil
}

func cmpCheck(a, b string) int {
	order := func(c string) int { return slices.Index([]string{CheckActSpectral, CheckActCluster}, c) }
	return order(a) - order(b)
}

// rows returns the activations of rows idx of a as float64.
func (a *Activations) rows(idx []int) []float64 {
	out := make([]float64, 0, len(idx)*a.D)
	for _, i := range idx {
		for _, v := range a.X[i*a.D : (i+1)*a.D] {
			out = append(out, float64(v))
		}
	}
	return out
}

// spectralRegion computes the spectral region of one class: the training
// rows (indices into train) beyond the fence, their projection over the
// fence, and the counts with Fisher's test.
func spectralRegion(train *Activations, tr []int, ref *Activations, rf []int) ([]int, []float64, Region) {
	d := train.D
	xt, xr := train.rows(tr), ref.rows(rf)
	p := fitPCA(xt, len(tr), d, 1)
	proj := func(x []float64, n int) []float64 {
		out := make([]float64, n)
		for i := range n {
			out[i] = p.project(x[i*d : (i+1)*d])[0]
		}
		return out
	}
	st, sr := proj(xt, len(tr)), proj(xr, len(rf))
	sorted := slices.Clone(sr)
	slices.Sort(sorted)
	if quantile(sorted, 0.5) > 0 { // orient: the reference rows on the non-positive side
		for i := range st {
			st[i] = -st[i]
		}
		for i := range sr {
			sr[i] = -sr[i]
		}
	}
	f := fence(sr)
	scale := max(math.Abs(f), 1e-12)
	var idx []int
	var score []float64
	in := 0
	for q, v := range st {
		if v > f {
			idx = append(idx, tr[q])
			score = append(score, v/scale)
			in++
		}
	}
	rin := 0
	for _, v := range sr {
		if v > f {
			rin++
		}
	}
	return idx, score, Region{Train: in, Reference: rin, P: fisherGreater(in, len(tr)-in, rin, len(rf)-rin)}
}

// clusterRegion computes the cluster region of one class: the training
// rows of the smaller cluster, their silhouettes, the counts with
// Fisher's test and the mean silhouette of the training rows.
func clusterRegion(train *Activations, tr []int, ref *Activations, rf []int, o ActivationOptions) ([]int, []float64, Region, float64) {
	d := train.D
	xt, xr := train.rows(tr), ref.rows(rf)
	p := fitPCA(xt, len(tr), d, o.Dims)
	k := len(p.vecs)
	reduce := func(x []float64, n int) []float64 {
		out := make([]float64, 0, n*k)
		for i := range n {
			out = append(out, p.project(x[i*d:(i+1)*d])...)
		}
		return out
	}
	zt, zr := reduce(xt, len(tr)), reduce(xr, len(rf))
	lab, _ := kmeans2(zt, len(tr), k, o.Restarts, o.Seed+uint64(len(tr)))
	var cnt [2]int
	cent := [2][]float64{make([]float64, k), make([]float64, k)}
	for i, l := range lab {
		cnt[l]++
		for j, v := range zt[i*k : (i+1)*k] {
			cent[l][j] += v
		}
	}
	for l := range 2 {
		for j := range cent[l] {
			cent[l][j] /= float64(max(cnt[l], 1))
		}
	}
	small := 0
	if cnt[1] < cnt[0] {
		small = 1
	}
	sil := silhouettes(zt, len(tr), k, lab)
	mean := 0.0
	for _, s := range sil {
		mean += s
	}
	mean /= float64(len(sil))
	var idx []int
	var score []float64
	for q, l := range lab {
		if l == small {
			idx = append(idx, tr[q])
			score = append(score, sil[q])
		}
	}
	rin := 0
	for i := range len(rf) {
		z := zr[i*k : (i+1)*k]
		if sqDist(z, cent[small]) < sqDist(z, cent[1-small]) {
			rin++
		}
	}
	in := cnt[small]
	return idx, score, Region{Train: in, Reference: rin, P: fisherGreater(in, len(tr)-in, rin, len(rf)-rin)}, mean
}

// Flagged returns the rows flagged by the named check ("" for any), sorted.
func (r *ActivationReport) Flagged(check string) []int { return flagged(r.Suspects, check) }
