package probe

import (
	"context"
	"slices"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/model"
	"github.com/aiassure/aiassure/probe/availability"
)

// AvailabilityReport is what the availability suite measured, for people
// and tools. Latency and timed sponge numbers are measurements of this run.
type AvailabilityReport struct {
	Latency   *availability.Latency   `json:"latency,omitempty"`
	Sponge    *availability.Sponge    `json:"sponge,omitempty"`
	Malformed *availability.Malformed `json:"malformed,omitempty"`
}

// runAvailability runs the availability suite on the sampled rows x (shape
// [N, sample...]) within the constraints c: the latency profile, the sponge
// search and, when in.Endpoint is set, the malformed-input test. Its
// Results come in that order; the latency Result holds timings and is not
// deterministic (see package probe/availability).
func runAvailability(ctx context.Context, in RunInput, pl Plan, x *model.Tensor, c *dataset.Constraints) ([]aiassure.Result, *AvailabilityReport) {
	name := in.Target.Info().Name
	rep := &AvailabilityReport{}
	opts := availability.Options{Requests: pl.Requests, SpongeBudget: pl.SpongeBudget, Seed: pl.Seed}
	var results []aiassure.Result
	fail := func(id, what string, err error) {
		results = append(results, aiassure.Result{
			ID: id, Check: availability.CheckName, Status: aiassure.Unknown,
			Summary: what + " could not run", Reason: err.Error(), Evidence: slices.Clone(in.Evidence),
		})
	}
	lat, err := availability.Profile(ctx, in.Target, x, opts)
	if err != nil {
		fail(availability.LatencyID, "the latency profile", err)
	} else {
		rep.Latency = lat
		results = append(results, availability.LatencyResult(lat, name, in.Evidence))
	}
	if ctx.Err() != nil {
		return results, rep
	}
	sp, err := availability.SearchSponge(ctx, in.Target, x, c, opts)
	if err != nil {
		fail(availability.SpongeID, "the sponge search", err)
	} else {
		rep.Sponge = sp
		results = append(results, availability.SpongeResult(sp, 0, name, in.Evidence))
	}
	if ctx.Err() != nil || in.Endpoint == nil {
		return results, rep
	}
	m, err := availability.TestMalformed(ctx, *in.Endpoint, x.Row(0))
	if err != nil {
		fail(availability.MalformedID, "the malformed-input test", err)
	} else {
		rep.Malformed = m
		results = append(results, availability.MalformedResult(m, in.Evidence))
	}
	return results, rep
}
