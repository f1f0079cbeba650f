package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/internal/safetext"
	"github.com/aiassure/aiassure/probe/poisoning"
)

const gateUsage = "-reference D1 -candidate D2 [-label L] [-format text|json] [-o FILE] [thresholds]"

var gateCmd = &command{
	name:    "gate",
	usage:   gateUsage,
	summary: "check a new training batch against the reference data before retraining (continuous-learning gate; exit 3: do not use it)",
	run:     runGate,
}

func runGate(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("gate", flag.ContinueOnError)
	refPath := fs.String("reference", "", "the trusted reference training set: CSV, NPY (with -reference-labels), or ARFF")
	candPath := fs.String("candidate", "", "the new batch, in the reference's layout")
	refLabels := fs.String("reference-labels", "", "NPY labels of an NPY -reference")
	candLabels := fs.String("candidate-labels", "", "NPY labels of an NPY -candidate")
	label := fs.String("label", "", "the label column (CSV) or attribute (ARFF); default label/class")
	maxRows := fs.Int("max-rows", 1_000_000, "most rows read from each data set (the checks hold both in memory)")
	var lim limitFlags
	lim.register(fs)
	var g poisoning.GateOptions
	fs.Float64Var(&g.MaxLabelTV, "max-label-tv", 0.10, "reject when the labels' total variation distance exceeds this and the chi-square test is significant at -label-alpha")
	fs.Float64Var(&g.LabelAlpha, "label-alpha", 0.01, "significance level of the chi-square test of the labels")
	fs.Float64Var(&g.MaxPSI, "max-psi", 0.25, "a feature drifts when its PSI exceeds this and its KS p-value is below -ks-alpha")
	fs.Float64Var(&g.KSAlpha, "ks-alpha", 0.01, "a feature drifts when its KS p-value is below this divided by the number of features (Bonferroni)")
	fs.Float64Var(&g.MaxDrifted, "max-drifted", 0, "reject when more than this fraction of the features drift")
	fs.Float64Var(&g.MaxDuplicates, "max-duplicates", 0.05, "reject when more than this fraction of the batch repeats the reference or itself")
	fs.Float64Var(&g.Scan.NearEps, "near-eps", 0.02, "near duplicates: RMS distance per standardised feature below this")
	fs.Float64Var(&g.MaxExcessSuspects, "max-excess-suspects", 0.05, "reject when the batch's label-noise rate exceeds the reference's out-of-fold rate by more than this")
	fs.Float64Var(&g.MaxOutliers, "max-excess-outliers", 0.05, "reject when the batch's outlier and spectral-signature rate exceeds the reference's by more than this")
	fs.Float64Var(&g.MaxAccuracyDrop, "max-accuracy-drop", 0.02, "reject when retraining with the batch loses more than this held-out accuracy")
	fs.Float64Var(&g.HoldOut, "holdout", 0.2, "fraction of the reference held out for the retraining comparison")
	fs.BoolVar(&g.SkipRetrain, "no-retrain", false, "skip the retraining comparison")
	fs.IntVar(&g.Scan.Folds, "folds", 5, "cross-validation folds of the label-noise check")
	fs.Uint64Var(&g.Scan.Seed, "seed", 0, "seed of folds, hold-out and training")
	o := addOutput(fs, textJSON, false)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *refPath == "" || *candPath == "" {
		return usagef("give -reference and -candidate\nusage: aiassure gate %s", gateUsage)
	}
	for _, f := range []struct {
		name string
		v    float64
		max  float64
	}{{"max-label-tv", g.MaxLabelTV, 1}, {"label-alpha", g.LabelAlpha, 1}, {"max-psi", g.MaxPSI, 1e9}, {"ks-alpha", g.KSAlpha, 1},
		{"max-drifted", g.MaxDrifted, 1}, {"max-duplicates", g.MaxDuplicates, 1}, {"near-eps", g.Scan.NearEps, 1e9},
		{"max-excess-suspects", g.MaxExcessSuspects, 1}, {"max-excess-outliers", g.MaxOutliers, 1}, {"max-accuracy-drop", g.MaxAccuracyDrop, 1}, {"holdout", g.HoldOut, 0.9}} {
		if !(f.v >= 0 && f.v <= f.max) || (f.name == "holdout" && f.v < 0.05) {
			return usagef("-%s %g: out of range", f.name, f.v)
		}
	}
	if *maxRows < 1 || g.Scan.Folds < 2 || g.Scan.Folds > 20 {
		return usagef("-max-rows must be at least 1 and -folds between 2 and 20")
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	dl := lim.data()
	dl.MaxRows = *maxRows
	ref, err := loadTraining(ctx, *refPath, *refLabels, *label, dl)
	if err != nil {
		return fmt.Errorf("-reference: %w", err)
	}
	cand, err := loadTraining(ctx, *candPath, *candLabels, *label, dl)
	if err != nil {
		return fmt.Errorf("-candidate: %w", err)
	}
	r, err := poisoning.Gate(ctx, ref, cand, g)
	if err != nil {
		return explain(ctx, usageIfData(err))
	}
	r = safetext.Clean(r)
	var buf bytes.Buffer
	if format == "json" {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		buf.Write(b)
		buf.WriteByte('\n')
	} else {
		writeGateText(&buf, r)
	}
	verdict := "accept"
	if !r.Accept {
		verdict = "reject"
	}
	if err := o.write(e, format, buf.Bytes(), verdict); err != nil {
		return err
	}
	if !r.Accept {
		return findingsError{n: len(r.Reasons), level: "the gate's thresholds (the batch should not be used)"}
	}
	return nil
}

// loadTraining reads a labelled training set; any problem with it is an
// input error.
func loadTraining(ctx context.Context, path, labels, label string, lim dataset.Limits) (*poisoning.Data, error) {
	ds, err := dataset.Load(ctx, path, dataset.Options{Label: label, Labels: labels, Limits: lim})
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, usageError{err}
	}
	d, err := poisoning.FromDataset(ds)
	if err != nil {
		return nil, usageError{err}
	}
	return d, nil
}

func usageIfData(err error) error {
	if errors.Is(err, poisoning.ErrData) {
		return usageError{err}
	}
	return err
}

func writeGateText(w io.Writer, r *poisoning.GateReport) {
	if r.Accept {
		fmt.Fprintf(w, "ACCEPT: the batch of %d rows passes every check against the reference of %d rows\n", r.Candidate, r.Reference)
	} else {
		fmt.Fprintf(w, "REJECT: the batch of %d rows should not be used for retraining (reference: %d rows)\n", r.Candidate, r.Reference)
		for _, s := range r.Reasons {
			fmt.Fprintf(w, "  - %s\n", s)
		}
	}
	if len(r.Schema) > 0 {
		fmt.Fprintln(w, "\nschema:")
		for _, s := range r.Schema {
			fmt.Fprintf(w, "  %s\n", s)
		}
		return
	}
	if l := r.Labels; l != nil {
		fmt.Fprintf(w, "\nlabels: reference %v, batch %v; total variation %.3f, chi-square %.2f (%d dof), p = %.3g\n", l.Reference, l.Candidate, l.TV, l.Chi2, l.DoF, l.P)
	}
	fmt.Fprintf(w, "\nfeature drift: %d of %d features drift (KS p < %.2g/%d, or PSI > %.2f with KS p < %.2g)\n", r.Drifted, len(r.Features), r.Thresholds.KSAlpha, len(r.Features), r.Thresholds.MaxPSI, r.Thresholds.KSAlpha)
	width := len("feature")
	for _, f := range r.Features {
		width = max(width, min(len(f.Feature), 60))
	}
	fmt.Fprintf(w, "  %-*s %8s %8s %10s\n", width, "feature", "PSI", "KS D", "KS p")
	for _, f := range r.Features {
		mark := ""
		if f.Drifted {
			mark = "  drift"
		}
		fmt.Fprintf(w, "  %-*s %8.3f %8.3f %10.3g%s\n", width, f.Feature, f.PSI, f.KSD, f.KSP, mark)
	}
	if d := r.Duplicates; d != nil {
		fmt.Fprintf(w, "\nduplicates: %d rows repeat the reference, %d repeat the batch (%.1f%% of the batch)\n", d.OfReference, d.WithinBatch, 100*d.Fraction)
		writeSuspects(w, d.Rows)
	}
	if p := r.Poison; p != nil {
		fmt.Fprintf(w, "\nsuspected poison: label noise %.1f%% of the batch (reference out of fold %.1f%%); outliers and spectral signatures %.1f%% (reference %.1f%%)\n",
			100*p.LabelRate, 100*p.ReferenceRate, 100*p.OutlierRate, 100*p.ReferenceOutlierRate)
		writeSuspects(w, p.Suspects)
	}
	if rc := r.Retrain; rc != nil {
		fmt.Fprintf(w, "\nretraining (reference model, %d held-out reference rows): accuracy %.3f without the batch, %.3f with it (%+.3f)\n", rc.HeldOut, rc.Without, rc.With, rc.Delta)
	}
}

// writeSuspects prints at most 20 suspects.
func writeSuspects(w io.Writer, s []poisoning.Suspect) {
	for i, x := range s {
		if i == 20 {
			fmt.Fprintf(w, "  ... and %d more (see -format json)\n", len(s)-20)
			return
		}
		fmt.Fprintf(w, "  row %d  %s  %.3f  %s\n", x.Row, x.Check, x.Score, x.Reason)
	}
}
