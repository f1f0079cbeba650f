package probe

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/metrics"
	"github.com/aiassure/aiassure/model"
	"github.com/aiassure/aiassure/probe/backdoor"
	"github.com/aiassure/aiassure/probe/poisoning"
	"github.com/aiassure/aiassure/probe/privacy"
)

// PoisoningData is what the poisoning suite checks.
type PoisoningData struct {
	// Train is the labelled training set, with the model's features.
	Train *dataset.Dataset
	// Evidence lists the files of the poisoning Results (the training set).
	Evidence []string
	// Suspect, if set, holds inputs for STRIP to screen (inputs seen in
	// operation, or suspected to carry a trigger), with the test set's
	// features; SuspectEvidence names their file.
	Suspect         *dataset.Dataset
	SuspectEvidence []string
}

// PoisoningPlan configures the poisoning suite; Run sets the seed of its
// folds and reference models from the plan's Seed, and its Limits.Bound
// from the plan's Basis.
type PoisoningPlan struct {
	// Folds is the number of cross-validation folds of the label-noise
	// check; Reference the reference model trained on each (package
	// probe/privacy).
	Folds     int                 `json:"folds"`
	Reference privacy.TrainConfig `json:"reference"`
	// Limits are the criteria of the label-noise and duplicate Results.
	Limits poisoning.Limits `json:"limits"`
	// Backdoor configures the back-door checks of the model.
	Backdoor BackdoorPlan `json:"backdoor"`
}

// BackdoorPlan configures the back-door checks of the model (package
// probe/backdoor): STRIP's clean inputs and Neural Cleanse's clean inputs
// and Adam steps per class, drawn from the seeded sample of the test set.
// The other settings are the package's defaults.
type BackdoorPlan struct {
	Inputs int `json:"inputs"` // clean test inputs used (at most the attacked sample)
	Steps  int `json:"steps"`  // Neural Cleanse steps per class
}

// PoisoningReport is the poisoning suite's report in the Summary.
type PoisoningReport struct {
	// Training is the scan of the training set (package probe/poisoning).
	Training *poisoning.Report `json:"training,omitempty"`
	Limits   poisoning.Limits  `json:"limits"`
	// Activations is the check of the training set in the model's
	// penultimate-layer activations (package probe/poisoning).
	Activations *poisoning.ActivationReport `json:"activations,omitempty"`
	// Backdoor is the back-door check of the model (package probe/backdoor).
	Backdoor *backdoor.Report `json:"backdoor,omitempty"`
}

// modelSample is what the model checks of the poisoning suite work on: the
// seeded sample of the test set in the model's input space, the range of
// each element (the constraints', else the observed one) and the class
// names (nil: by index).
type modelSample struct {
	x *model.Tensor
	y []int
	// ref, refY are the first rows of the test set (up to
	// maxReferenceValues values), the clean reference of the activation
	// checks; nil: the sample x, y is.
	ref      *model.Tensor
	refY     []int
	low, hi  []float32
	classes  []string
	evidence []string
}

// newModelSample joins the pieces Run has: the sample, its per-sample
// shape, the constraints (nil: observed ranges only) and the observed
// ranges lo, hi. A trigger may set any element to any value the input
// space allows, so the ranges are those of the space: the image range of
// the constraints; for other samples of rank 2 or more (images without an
// image spec), one range from the smallest to the largest bound of any
// element, since a pixel that is dark in every test image may still be
// lit; for tabular samples each feature's constraint, else its observed
// range.
func newModelSample(d *dataset.Dataset, shape []int, c *dataset.Constraints, lo, hi []float64, classes []string) *modelSample {
	if d == nil || d.Len() < 2 {
		return nil
	}
	ms := &modelSample{x: &model.Tensor{Shape: append([]int{d.Len()}, shape...), Data: d.X.Data}, y: d.Y, classes: classes}
	n := len(lo)
	l, h := make([]float64, n), make([]float64, n)
	for j := range n {
		l[j], h[j] = lo[j], hi[j]
		if c != nil && j < c.Len() {
			if !math.IsInf(c.Min[j], 0) {
				l[j] = c.Min[j]
			}
			if !math.IsInf(c.Max[j], 0) {
				h[j] = c.Max[j]
			}
		}
	}
	switch {
	case c != nil && c.Image != nil:
		ms.low, ms.hi = []float32{float32(c.Image.Min)}, []float32{float32(c.Image.Max)}
	case len(shape) >= 2 && n > 0:
		ms.low, ms.hi = []float32{float32(slices.Min(l))}, []float32{float32(slices.Max(h))}
	default:
		ms.low, ms.hi = make([]float32, n), make([]float32, n)
		for j := range n {
			ms.low[j], ms.hi[j] = float32(l[j]), float32(h[j])
		}
	}
	return ms
}

// poisoningSkipped is why the training-data checks did not run.
const poisoningSkipped = "poisoning: no training set (profile artefacts.train_data, or probe -train)"

// poisoningCheck is one check of the poisoning suite: it adds its Results
// and its part of the report, or says in sum.Skipped why it cannot run.
type poisoningCheck struct {
	name string
	run  func(ctx context.Context, in RunInput, pl Plan, ms *modelSample, rep *PoisoningReport, sum *Summary) ([]aiassure.Result, error)
}

// poisoningChecks are the checks of the poisoning suite, in order: the
// checks of the training data, then of the model for a back door.
var poisoningChecks = []poisoningCheck{
	{name: "training data", run: scanTraining},
	{name: "activations", run: checkActivations},
	{name: "model back door", run: checkBackdoor},
}

// runPoisoning runs the poisoning suite of the plan, when it has one, and
// adds its Results to results.
func runPoisoning(ctx context.Context, in RunInput, pl Plan, ms *modelSample, sum *Summary, results []aiassure.Result) ([]aiassure.Result, error) {
	if !pl.Has(SuitePoisoning) {
		return results, nil
	}
	rep := &PoisoningReport{Limits: pl.Poisoning.Limits}
	rep.Limits.Bound = pl.Basis == metrics.ConfidenceBound
	for i, c := range poisoningChecks {
		if in.Progress != nil {
			in.Progress(i, len(poisoningChecks), "poisoning: "+c.name)
		}
		rs, err := c.run(ctx, in, pl, ms, rep, sum)
		results = append(results, rs...)
		if ctx.Err() != nil {
			sum.Interrupted = true
			return append(results, interrupted("during the poisoning checks; the results above cover the work that finished", in.Evidence)), ctx.Err()
		}
		if err != nil {
			return results, err
		}
	}
	if rep.Training != nil || rep.Activations != nil || rep.Backdoor != nil {
		sum.Poisoning = rep
	}
	if in.Progress != nil {
		in.Progress(len(poisoningChecks), len(poisoningChecks), "poisoning: done")
	}
	return results, nil
}

// scanTraining runs poisoning.Scan on the training set: label noise,
// exact and near duplicates, outliers and spectral signatures.
func scanTraining(ctx context.Context, in RunInput, pl Plan, _ *modelSample, rep *PoisoningReport, sum *Summary) ([]aiassure.Result, error) {
	d := in.Poisoning
	if d == nil || d.Train == nil {
		sum.Skipped = append(sum.Skipped, poisoningSkipped)
		return nil, nil
	}
	evidence := d.Evidence
	if evidence == nil {
		evidence = in.Evidence
	}
	data, err := poisoning.FromDataset(d.Train)
	if err == nil {
		cfg := pl.Poisoning
		rep.Training, err = poisoning.Scan(ctx, data, poisoning.Options{Folds: cfg.Folds, Train: cfg.Reference, Seed: pl.Seed})
	}
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, poisoning.ErrData):
		return nil, fmt.Errorf("probe: %w: training set: %w", ErrInput, err)
	case err != nil:
		return []aiassure.Result{{
			ID: "poisoning", Check: "poisoning", Status: aiassure.Unknown,
			Summary: "training-data checks could not run", Reason: err.Error(),
			Category: aiassure.DataPoisoning, Evidence: slices.Clone(evidence),
		}}, nil
	}
	return poisoning.Results(rep.Training, rep.Limits, evidence), nil
}

// checkBackdoor runs STRIP and Neural Cleanse (package probe/backdoor) on
// the target with the sample's clean inputs. STRIP without inputs to screen
// gives a not_applicable Result that says so; Neural Cleanse needs
// gradients and at least three classes.
func checkBackdoor(ctx context.Context, in RunInput, pl Plan, ms *modelSample, rep *PoisoningReport, sum *Summary) ([]aiassure.Result, error) {
	if in.Target == nil || ms == nil {
		sum.Skipped = append(sum.Skipped, "poisoning: back-door checks of the model need a model and test data")
		return nil, nil
	}
	bp := pl.Poisoning.Backdoor
	cfg := backdoor.Config{Seed: pl.Seed, MaxInputs: bp.Inputs, Steps: bp.Steps, Low: ms.low, High: ms.hi}
	if in.Progress != nil {
		cfg.Progress = func(done, total int, what string) { in.Progress(done, total, "poisoning: back door: "+what) }
	}
	classes := ms.classes
	if info := in.Target.Info(); len(info.OutputShape) == 1 && len(classes) != info.OutputShape[0] {
		classes = nil // names that do not fit the output: by index
	}
	evidence := slices.Clone(in.Evidence)
	if pd := in.Poisoning; pd != nil && pd.Suspect != nil {
		sx := pd.Suspect.X
		if sx == nil || sx.Batch() == 0 || sx.RowLen() != ms.x.RowLen() {
			return nil, fmt.Errorf("probe: %w: the suspect inputs have %d values per row, the test set %d", ErrInput, rowLenOf(sx), ms.x.RowLen())
		}
		cfg.Suspect = &model.Tensor{Shape: append([]int{sx.Batch()}, ms.x.Shape[1:]...), Data: sx.Data}
		evidence = append(evidence, pd.SuspectEvidence...)
	}
	r, err := backdoor.Check(ctx, in.Target, ms.x, classes, cfg)
	if err != nil && classes != nil && ctx.Err() == nil {
		r, err = backdoor.Check(ctx, in.Target, ms.x, nil, cfg)
	}
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		return []aiassure.Result{{
			ID: "backdoor", Check: "backdoor", Status: aiassure.Unknown,
			Summary: "back-door checks of the model could not run", Reason: err.Error(),
			Threats:  []aiassure.ThreatID{"backdoor"},
			Category: aiassure.DataPoisoning, Evidence: evidence,
		}}, nil
	}
	rep.Backdoor = r
	return backdoor.Results(r, evidence), nil
}

func rowLenOf(t *model.Tensor) int {
	if t == nil {
		return 0
	}
	return t.RowLen()
}

// runData runs the suites that need data beyond the test set: privacy,
// then poisoning (whose model checks use ms, nil without a sample).
func runData(ctx context.Context, in RunInput, pl Plan, ms *modelSample, sum *Summary, results []aiassure.Result) ([]aiassure.Result, error) {
	results, err := runPrivacy(ctx, in, pl, sum, results)
	if err != nil {
		return results, err
	}
	return runPoisoning(ctx, in, pl, ms, sum, results)
}

// onlyPoisoning reports whether the plan runs the poisoning suite alone,
// which needs no target and no test data.
func onlyPoisoning(pl Plan) bool {
	return len(pl.Suites) > 0 && !slices.ContainsFunc(pl.Suites, func(s string) bool { return s != SuitePoisoning })
}

func (c PoisoningPlan) validate() error {
	l := c.Limits
	switch {
	case c.Folds < 2 || c.Folds > 20:
		return fmt.Errorf("poisoning: %d folds (want 2 to 20)", c.Folds)
	case c.Reference.Hidden < 0 || c.Reference.Epochs < 0 || c.Reference.BatchSize < 0 || !(c.Reference.LR >= 0):
		return errors.New("poisoning: negative reference model setting")
	case !(l.MaxLabelNoise >= 0 && l.MaxLabelNoise <= 1) || !(l.MaxDuplicates >= 0 && l.MaxDuplicates <= 1):
		return fmt.Errorf("poisoning: limits %g and %g must be shares in [0, 1]", l.MaxLabelNoise, l.MaxDuplicates)
	}
	return nil
}
