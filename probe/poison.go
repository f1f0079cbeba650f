package probe

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/metrics"
	"github.com/aiassure/aiassure/probe/poisoning"
	"github.com/aiassure/aiassure/probe/privacy"
)

// PoisoningData is what the poisoning suite checks.
type PoisoningData struct {
	// Train is the labelled training set, with the model's features.
	Train *dataset.Dataset
	// Evidence lists the files of the poisoning Results (the training set).
	Evidence []string
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
}

// PoisoningReport is the poisoning suite's report in the Summary.
type PoisoningReport struct {
	// Training is the scan of the training set (package probe/poisoning).
	Training *poisoning.Report `json:"training,omitempty"`
	Limits   poisoning.Limits  `json:"limits"`
}

// poisoningSkipped is why the training-data checks did not run.
const poisoningSkipped = "poisoning: no training set (profile artefacts.train_data, or probe -train)"

// poisoningCheck is one check of the poisoning suite: it adds its Results
// and its part of the report, or says in sum.Skipped why it cannot run.
type poisoningCheck struct {
	name string
	run  func(ctx context.Context, in RunInput, pl Plan, rep *PoisoningReport, sum *Summary) ([]aiassure.Result, error)
}

// poisoningChecks are the checks of the poisoning suite, in order: the
// checks of the training data. The checks of a model for a back door
// (trigger search and input perturbation on the target) join this list.
var poisoningChecks = []poisoningCheck{
	{name: "training data", run: scanTraining},
}

// runPoisoning runs the poisoning suite of the plan, when it has one, and
// adds its Results to results.
func runPoisoning(ctx context.Context, in RunInput, pl Plan, sum *Summary, results []aiassure.Result) ([]aiassure.Result, error) {
	if !pl.Has(SuitePoisoning) {
		return results, nil
	}
	rep := &PoisoningReport{Limits: pl.Poisoning.Limits}
	rep.Limits.Bound = pl.Basis == metrics.ConfidenceBound
	for i, c := range poisoningChecks {
		if in.Progress != nil {
			in.Progress(i, len(poisoningChecks), "poisoning: "+c.name)
		}
		rs, err := c.run(ctx, in, pl, rep, sum)
		results = append(results, rs...)
		if ctx.Err() != nil {
			sum.Interrupted = true
			return append(results, interrupted("during the poisoning checks; the results above cover the work that finished", in.Evidence)), ctx.Err()
		}
		if err != nil {
			return results, err
		}
	}
	if rep.Training != nil {
		sum.Poisoning = rep
	}
	if in.Progress != nil {
		in.Progress(len(poisoningChecks), len(poisoningChecks), "poisoning: done")
	}
	return results, nil
}

// scanTraining runs poisoning.Scan on the training set: label noise,
// exact and near duplicates, outliers and spectral signatures.
func scanTraining(ctx context.Context, in RunInput, pl Plan, rep *PoisoningReport, sum *Summary) ([]aiassure.Result, error) {
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

// runData runs the suites that need data beyond the test set: privacy,
// then poisoning.
func runData(ctx context.Context, in RunInput, pl Plan, sum *Summary, results []aiassure.Result) ([]aiassure.Result, error) {
	results, err := runPrivacy(ctx, in, pl, sum, results)
	if err != nil {
		return results, err
	}
	return runPoisoning(ctx, in, pl, sum, results)
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
