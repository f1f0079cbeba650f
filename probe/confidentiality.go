package probe

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/metrics"
	"github.com/aiassure/aiassure/probe/privacy"
)

// PrivacyData is what the privacy suite needs beyond the target: records
// known to be in the training data and records known not to be.
type PrivacyData struct {
	// Members are training records; NonMembers held-out records from the
	// same distribution; both labelled, with the model's features.
	Members, NonMembers *dataset.Dataset
	// Population is optional further data from the distribution that the
	// model did not train on.
	Population *dataset.Dataset
	// Sensitive names the attributes attribute inference recovers.
	Sensitive []string
	// Evidence lists the files of the privacy Results (the model and the
	// member and non-member files).
	Evidence []string
}

// privacySkipped is why the privacy suite did not run without data.
const privacySkipped = "privacy: no training and held-out records (profile artefacts.train_data and heldout_data, or probe -members and -non-members)"

// runPrivacy runs the privacy suite of the plan, when it has one, and adds
// its Results to results. Without PrivacyData it records why in
// sum.Skipped and adds nothing, so that a profile without member data
// assesses as before.
func runPrivacy(ctx context.Context, in RunInput, pl Plan, sum *Summary, results []aiassure.Result) ([]aiassure.Result, error) {
	if !pl.Has(SuitePrivacy) {
		return results, nil
	}
	d := in.Privacy
	if d == nil || d.Members == nil || d.NonMembers == nil {
		sum.Skipped = append(sum.Skipped, privacySkipped)
		return results, nil
	}
	cfg := pl.Privacy
	cfg.Seed = pl.Seed
	if pl.Resamples != 0 {
		cfg.Resamples = pl.Resamples
	}
	if pl.BatchSize > 0 {
		cfg.BatchSize = pl.BatchSize
	}
	cfg.Limits.Bound = pl.Basis == metrics.ConfidenceBound
	var progress func(done, total int, what string)
	if in.Progress != nil {
		progress = func(done, total int, what string) { in.Progress(done, total, "privacy: "+what) }
	}
	evidence := d.Evidence
	if evidence == nil {
		evidence = in.Evidence
	}
	rep, err := privacy.Run(ctx, privacy.Input{Target: in.Target, Members: d.Members, NonMembers: d.NonMembers,
		Population: d.Population, Sensitive: d.Sensitive, Config: cfg, Progress: progress})
	if rep != nil {
		sum.Privacy = rep
		results = append(results, privacy.Results(rep, evidence)...)
	}
	switch {
	case ctx.Err() != nil:
		sum.Interrupted = true
		return append(results, interrupted("during the privacy attacks; the results above cover the work that finished", evidence)), ctx.Err()
	case errors.Is(err, privacy.ErrInput):
		return results, fmt.Errorf("probe: %w: %w", ErrInput, err)
	case err != nil:
		return append(results, aiassure.Result{
			ID: "privacy", Check: "privacy", Status: aiassure.Unknown,
			Summary: "privacy tests could not run", Reason: err.Error(),
			Category: aiassure.ConfidentialityAttacks, Evidence: slices.Clone(evidence),
		}), nil
	}
	return results, nil
}
