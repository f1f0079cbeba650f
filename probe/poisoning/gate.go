package poisoning

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/aiassure/aiassure/probe/privacy"
)

// GateOptions are the thresholds of Gate; zero fields take the defaults in
// brackets.
type GateOptions struct {
	Scan Options
	// MaxLabelTV: reject when the total variation distance between the
	// label distributions exceeds this and the chi-square test is
	// significant at LabelAlpha [0.10, 0.01].
	MaxLabelTV, LabelAlpha float64
	// MaxPSI, KSAlpha: a feature drifts when its KS p-value is below
	// KSAlpha divided by the number of features (Bonferroni), or its PSI
	// exceeds MaxPSI and its KS p-value is below KSAlpha [0.25, 0.01].
	MaxPSI, KSAlpha float64
	// MaxDrifted: reject when more than this fraction of the features
	// drift [0].
	MaxDrifted float64
	// MaxDuplicates: reject when more than this fraction of the batch
	// repeats the reference or itself, exactly or nearly [0.05].
	MaxDuplicates float64
	// MaxExcessSuspects: reject when the fraction of the batch flagged as
	// label noise exceeds the reference's own out-of-fold rate by more
	// than this [0.05]; MaxOutliers likewise for outliers and spectral
	// signatures together, against the reference's rate on itself [0.05].
	MaxExcessSuspects, MaxOutliers float64
	// MaxAccuracyDrop: reject when a reference model trained on the
	// reference's training part and the batch loses more than this
	// accuracy on the reference's held-out part [0.02]; HoldOut is that
	// part's fraction [0.2].
	MaxAccuracyDrop, HoldOut float64
	// SkipRetrain skips the retraining comparison.
	SkipRetrain bool
}

func (g GateOptions) withDefaults() GateOptions {
	def := func(v *float64, d float64) {
		if *v <= 0 || math.IsNaN(*v) {
			*v = d
		}
	}
	def(&g.MaxLabelTV, 0.10)
	def(&g.LabelAlpha, 0.01)
	def(&g.MaxPSI, 0.25)
	def(&g.KSAlpha, 0.01)
	def(&g.MaxDuplicates, 0.05)
	def(&g.MaxExcessSuspects, 0.05)
	def(&g.MaxOutliers, 0.05)
	def(&g.MaxAccuracyDrop, 0.02)
	if g.HoldOut <= 0 || g.HoldOut >= 1 {
		g.HoldOut = 0.2
	}
	g.MaxDrifted = max(g.MaxDrifted, 0)
	g.Scan = g.Scan.withDefaults()
	return g
}

// GateReport is the verdict of Gate on a candidate batch.
type GateReport struct {
	Accept     bool           `json:"accept"`
	Reasons    []string       `json:"reasons"`
	Reference  int            `json:"reference_rows"`
	Candidate  int            `json:"candidate_rows"`
	Schema     []string       `json:"schema_problems"`
	Labels     *LabelCheck    `json:"labels,omitempty"`
	Features   []FeatureDrift `json:"features,omitempty"`
	Drifted    int            `json:"drifted_features"`
	Duplicates *DupCheck      `json:"duplicates,omitempty"`
	Poison     *PoisonCheck   `json:"poison,omitempty"`
	Retrain    *RetrainCheck  `json:"retrain,omitempty"`
	Thresholds GateOptions    `json:"thresholds"`
}

// LabelCheck compares the label distributions.
type LabelCheck struct {
	Reference []int   `json:"reference"`
	Candidate []int   `json:"candidate"`
	TV        float64 `json:"total_variation"`
	Chi2      float64 `json:"chi2"`
	DoF       int     `json:"dof"`
	P         float64 `json:"p"`
	Shifted   bool    `json:"shifted"`
}

// FeatureDrift is the drift of one feature.
type FeatureDrift struct {
	Feature string  `json:"feature"`
	PSI     float64 `json:"psi"`
	KSD     float64 `json:"ks_d"`
	KSP     float64 `json:"ks_p"`
	Drifted bool    `json:"drifted"`
}

// DupCheck counts the batch's duplicates.
type DupCheck struct {
	OfReference int       `json:"of_reference"`
	WithinBatch int       `json:"within_batch"`
	Fraction    float64   `json:"fraction"`
	Rows        []Suspect `json:"rows"`
}

// PoisonCheck is label noise, outliers and spectral signatures of the
// batch, judged with the reference as trusted data.
type PoisonCheck struct {
	ReferenceRate float64 `json:"reference_label_noise_rate"`
	LabelRate     float64 `json:"candidate_label_noise_rate"`
	OutlierRate   float64 `json:"candidate_outlier_rate"`
	// ReferenceOutlierRate is the rate of the same checks on the
	// reference itself.
	ReferenceOutlierRate float64   `json:"reference_outlier_rate"`
	Suspects             []Suspect `json:"suspects"`
}

// RetrainCheck is the accuracy on the reference's held-out part of a
// reference model trained without and with the batch.
type RetrainCheck struct {
	HeldOut int     `json:"held_out_rows"`
	Without float64 `json:"accuracy_without"`
	With    float64 `json:"accuracy_with"`
	Delta   float64 `json:"delta"`
}

// Gate checks a candidate batch against a trusted reference before the
// batch is used for retraining.
func Gate(ctx context.Context, ref, cand *Data, g GateOptions) (*GateReport, error) {
	if err := ref.check(); err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	if err := cand.check(); err != nil {
		return nil, fmt.Errorf("candidate: %w", err)
	}
	g = g.withDefaults()
	o := g.Scan
	r := &GateReport{Reference: ref.N, Candidate: cand.N, Thresholds: g, Schema: schema(ref, cand)}
	if len(r.Schema) > 0 {
		r.Reasons = append(r.Reasons, "schema: "+r.Schema[0])
		return r, nil
	}
	if ref.N < 2*o.Folds {
		return nil, fmt.Errorf("reference: %w: %d rows, fewer than twice the %d folds", ErrData, ref.N, o.Folds)
	}
	// Labels.
	ca, cb := make([]int, ref.K), make([]int, ref.K)
	for _, c := range ref.Y {
		ca[c]++
	}
	for _, c := range cand.Y {
		cb[c]++
	}
	lc := &LabelCheck{Reference: ca, Candidate: cb}
	lc.TV, lc.Chi2, lc.DoF, lc.P = LabelShift(ca, cb)
	lc.Shifted = lc.TV > g.MaxLabelTV && lc.P < g.LabelAlpha
	r.Labels = lc
	if lc.Shifted {
		r.Reasons = append(r.Reasons, fmt.Sprintf("label distribution: total variation %.3f > %.3f (chi-square p = %.2g)", lc.TV, g.MaxLabelTV, lc.P))
	}
	// Features.
	a, b := make([]float64, ref.N), make([]float64, cand.N)
	for j := range ref.D {
		for i := range ref.N {
			a[i] = ref.X[i*ref.D+j]
		}
		for i := range cand.N {
			b[i] = cand.X[i*cand.D+j]
		}
		f := FeatureDrift{Feature: featureName(ref, j), PSI: PSI(a, b)}
		f.KSD, f.KSP = KS(a, b)
		// PSI alone is noisy on small batches (about (bins-1)(1/n+1/m)
		// under no shift), so it counts when KS agrees at KSAlpha.
		f.Drifted = f.KSP < g.KSAlpha/float64(ref.D) || (f.PSI > g.MaxPSI && f.KSP < g.KSAlpha)
		if f.Drifted {
			r.Drifted++
		}
		r.Features = append(r.Features, f)
	}
	if frac := float64(r.Drifted) / float64(ref.D); r.Drifted > 0 && frac > g.MaxDrifted {
		var names []string
		for _, f := range r.Features {
			if f.Drifted && len(names) < 5 {
				names = append(names, fmt.Sprintf("%s (PSI %.2f, KS p %.1e)", f.Feature, f.PSI, f.KSP))
			}
		}
		r.Reasons = append(r.Reasons, fmt.Sprintf("feature drift: %d of %d features, e.g. %v", r.Drifted, ref.D, names))
	}
	// Duplicates, outliers and spectral signatures on features standardised
	// by the reference.
	st := fitStandardiser(ref)
	zr, zc := st.apply(ref), st.apply(cand)
	dups := duplicates(ref, cand, append(slices.Clone(zr), zc...), o)
	dc := &DupCheck{Rows: dups}
	for _, s := range dups {
		if s.Of != nil && *s.Of < ref.N {
			dc.OfReference++
		} else {
			dc.WithinBatch++
		}
	}
	dc.Fraction = float64(len(flagged(dups, ""))) / float64(cand.N)
	r.Duplicates = dc
	if dc.Fraction > g.MaxDuplicates {
		r.Reasons = append(r.Reasons, fmt.Sprintf("duplicates: %.1f%% of the batch (%d of the reference, %d within the batch) > %.1f%%", 100*dc.Fraction, dc.OfReference, dc.WithinBatch, 100*g.MaxDuplicates))
	}
	nz, err := confident(ctx, ref, cand, o)
	if err != nil {
		return nil, err
	}
	pc := &PoisonCheck{ReferenceRate: float64(len(flagNoise(ref, nz.oof, nz.thresh, srcOOF))) / float64(ref.N)}
	ls := flagNoise(cand, nz.batch, nz.thresh, "probability under a model of the reference")
	pc.LabelRate = float64(len(ls)) / float64(cand.N)
	out := outliers(zr, ref.N, zc, cand.N, ref.D, o)
	out = append(out, spectral(zr, ref.Y, zc, cand.Y, ref.D, ref.K, o, ref.className)...)
	pc.OutlierRate = float64(len(flagged(out, ""))) / float64(cand.N)
	self := outliers(zr, ref.N, zr, ref.N, ref.D, o)
	self = append(self, spectral(zr, ref.Y, zr, ref.Y, ref.D, ref.K, o, ref.className)...)
	pc.ReferenceOutlierRate = float64(len(flagged(self, ""))) / float64(ref.N)
	pc.Suspects = append(ls, out...)
	sortSuspects(pc.Suspects)
	r.Poison = pc
	if pc.LabelRate-pc.ReferenceRate > g.MaxExcessSuspects {
		r.Reasons = append(r.Reasons, fmt.Sprintf("suspected label poisoning: %.1f%% of the batch against %.1f%% of the reference out of fold (excess > %.1f%%)", 100*pc.LabelRate, 100*pc.ReferenceRate, 100*g.MaxExcessSuspects))
	}
	if pc.OutlierRate-pc.ReferenceOutlierRate > g.MaxOutliers {
		r.Reasons = append(r.Reasons, fmt.Sprintf("outliers and spectral signatures: %.1f%% of the batch against %.1f%% of the reference (excess > %.1f%%)", 100*pc.OutlierRate, 100*pc.ReferenceOutlierRate, 100*g.MaxOutliers))
	}
	if !g.SkipRetrain {
		rc, err := retrain(ctx, ref, cand, g)
		if err != nil {
			return nil, err
		}
		r.Retrain = rc
		if rc.Delta < -g.MaxAccuracyDrop {
			r.Reasons = append(r.Reasons, fmt.Sprintf("retraining with the batch lowers held-out accuracy from %.3f to %.3f (drop > %.3f)", rc.Without, rc.With, g.MaxAccuracyDrop))
		}
	}
	r.Accept = len(r.Reasons) == 0
	return r, nil
}

// retrain trains the reference model on a stratified training part of the
// reference, with and without the batch, and measures both on the rest.
func retrain(ctx context.Context, ref, cand *Data, g GateOptions) (*RetrainCheck, error) {
	o := g.Scan
	rng := rand.New(rand.NewPCG(o.Seed, 0x4e1d))
	held := make([]bool, ref.N)
	byClass := make([][]int, ref.K)
	for _, i := range rng.Perm(ref.N) {
		byClass[ref.Y[i]] = append(byClass[ref.Y[i]], i)
	}
	nh := 0
	for _, rows := range byClass {
		for _, i := range rows[:int(math.Round(g.HoldOut*float64(len(rows))))] {
			held[i] = true
			nh++
		}
	}
	if nh == 0 || nh == ref.N {
		return nil, fmt.Errorf("reference: %w: too few rows to hold out %.0f%%", ErrData, 100*g.HoldOut)
	}
	xt, yt := subset(ref, func(i int) bool { return !held[i] })
	xh, yh := subset(ref, func(i int) bool { return held[i] })
	xw := append(slices.Clone(xt), cand.X...)
	yw := append(slices.Clone(yt), cand.Y...)
	models, err := privacy.FitAll(ctx, []privacy.FitJob{
		{X: xt, D: ref.D, Y: yt, K: ref.K, Cfg: o.Train, Seed: o.Seed + 7},
		{X: xw, D: ref.D, Y: yw, K: ref.K, Cfg: o.Train, Seed: o.Seed + 7},
	}, o.Workers)
	if err != nil {
		return nil, fmt.Errorf("retrain: %w", err)
	}
	acc := func(m *privacy.Model) float64 {
		ok := 0
		for i, p := range m.Predict(xh) {
			best := 0
			for c := range p {
				if p[c] > p[best] {
					best = c
				}
			}
			if best == yh[i] {
				ok++
			}
		}
		return float64(ok) / float64(len(yh))
	}
	rc := &RetrainCheck{HeldOut: nh, Without: acc(models[0]), With: acc(models[1])}
	rc.Delta = rc.With - rc.Without
	return rc, nil
}

// schema lists how the batch's layout differs from the reference's.
func schema(ref, cand *Data) []string {
	var out []string
	if cand.D != ref.D {
		out = append(out, fmt.Sprintf("%d features, the reference has %d", cand.D, ref.D))
		return out
	}
	if len(ref.Features) == ref.D && len(cand.Features) == cand.D {
		for j := range ref.D {
			if ref.Features[j] != cand.Features[j] {
				out = append(out, fmt.Sprintf("feature %d is %q, the reference's is %q", j, cand.Features[j], ref.Features[j]))
				break
			}
		}
	}
	if len(ref.Classes) > 0 && len(cand.Classes) > 0 && !slices.Equal(ref.Classes, cand.Classes) {
		out = append(out, fmt.Sprintf("classes %q, the reference's are %q", cand.Classes, ref.Classes))
	}
	for i, c := range cand.Y {
		if c < 0 || c >= ref.K {
			out = append(out, fmt.Sprintf("row %d has class %d, which the reference (%d classes) lacks", i, c, ref.K))
			break
		}
	}
	if len(cand.X) != cand.N*cand.D || len(cand.Y) != cand.N {
		out = append(out, "the batch's rows and labels do not match")
	}
	return out
}

func featureName(d *Data, j int) string {
	if j < len(d.Features) {
		return d.Features[j]
	}
	return fmt.Sprintf("x%d", j)
}
