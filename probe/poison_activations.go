package probe

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/model"
	"github.com/aiassure/aiassure/probe/poisoning"
)

// layered is a target that exposes its penultimate-layer activations
// (*onnx.Model).
type layered interface {
	Penultimate() (string, error)
	Activations(ctx context.Context, x *model.Tensor, names ...string) ([]*model.Tensor, error)
}

// maxActivationRows bounds the training rows whose activations are
// checked; above it a seeded sample of that many is.
const maxActivationRows = 50_000

// maxReferenceValues bounds the values of the test rows Run keeps as the
// activation checks' clean reference (the first rows of the test set): 64
// MiB of float32.
const maxReferenceValues = 1 << 24

// activationBatch is how many rows one run of the model computes.
const activationBatch = 256

// checkActivations runs spectral signatures and activation clustering
// (poisoning.ScanActivations) on the model's penultimate activations of
// the training set, against those of the first rows of the test set.
func checkActivations(ctx context.Context, in RunInput, pl Plan, ms *modelSample, rep *PoisoningReport, sum *Summary) ([]aiassure.Result, error) {
	d := in.Poisoning
	switch {
	case d == nil || d.Train == nil:
		return nil, nil // poisoningSkipped says why
	case in.Target == nil || ms == nil:
		sum.Skipped = append(sum.Skipped, "poisoning: activation checks need a model and test data as well as the training set")
		return nil, nil
	}
	evidence := slices.Concat(in.Evidence, d.Evidence)
	na := func(why string) []aiassure.Result {
		sum.Skipped = append(sum.Skipped, "poisoning: activation checks: "+why)
		return []aiassure.Result{{
			ID: "poisoning/activations", Check: "poisoning", Status: aiassure.NotApplicable,
			Summary:  "spectral signatures and activation clustering not run: " + why,
			Reason:   "the checks read the penultimate layer of a neural network (docs/poisoning.md)",
			Threats:  []aiassure.ThreatID{"backdoor", "data-poisoning-targeted"},
			Category: aiassure.DataPoisoning, Evidence: evidence,
		}}
	}
	lm, ok := in.Target.(layered)
	if !ok {
		return na("the target exposes no hidden layer (an endpoint answers with its outputs only)"), nil
	}
	layer, err := lm.Penultimate()
	if err != nil {
		return na(err.Error()), nil
	}
	tx := d.Train.X
	if tx == nil || tx.RowLen() != ms.x.RowLen() {
		return nil, fmt.Errorf("probe: %w: the training set has %d values per row, the test set %d", ErrInput, rowLenOf(tx), ms.x.RowLen())
	}
	rows := samplePerm(tx.Batch(), maxActivationRows, pl.Seed)
	train, err := activationsOf(ctx, lm, layer, tx, ms.x.Shape[1:], rows, d.Train.Y)
	if err == nil {
		var ref *poisoning.Activations
		rx, ry := ms.x, ms.y
		if ms.ref != nil {
			rx, ry = ms.ref, ms.refY
		}
		if ref, err = activationsOf(ctx, lm, layer, rx, ms.x.Shape[1:], nil, ry); err == nil {
			k := max(len(ms.classes), slices.Max(train.Y)+1, slices.Max(ref.Y)+1)
			train.K, ref.K = k, k
			rep.Activations, err = poisoning.ScanActivations(ctx, train, ref, poisoning.ActivationOptions{Seed: pl.Seed})
		}
	}
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, poisoning.ErrData):
		return nil, fmt.Errorf("probe: %w: %w", ErrInput, err)
	case err != nil:
		return []aiassure.Result{{
			ID: "poisoning/activations", Check: "poisoning", Status: aiassure.Unknown,
			Summary: "activation checks could not run", Reason: err.Error(),
			Category: aiassure.DataPoisoning, Evidence: evidence,
		}}, nil
	}
	rep.Activations.Layer = layer
	return poisoning.ActivationResults(rep.Activations, evidence), nil
}

// samplePerm returns nil (every row) when n <= most, else a seeded sample
// of most row indices in increasing order.
func samplePerm(n, most int, seed uint64) []int {
	if n <= most {
		return nil
	}
	p := rand.New(rand.NewPCG(seed, 0x616374)).Perm(n)[:most]
	slices.Sort(p)
	return p
}

// activationsOf runs the model on rows (nil: all) of x, reshaped to the
// sample shape, in batches, and returns the layer's activations with the
// rows' labels.
func activationsOf(ctx context.Context, lm layered, layer string, x *model.Tensor, shape []int, rows []int, y []int) (*poisoning.Activations, error) {
	n := x.Batch()
	if rows != nil {
		n = len(rows)
	}
	if len(y) < x.Batch() {
		return nil, fmt.Errorf("%w: %d labels for %d rows", poisoning.ErrData, len(y), x.Batch())
	}
	rl := x.RowLen()
	a := &poisoning.Activations{N: n, Rows: rows}
	for lo := 0; lo < n; lo += activationBatch {
		hi := min(lo+activationBatch, n)
		b := &model.Tensor{Shape: append([]int{hi - lo}, shape...), Data: make([]float32, 0, (hi-lo)*rl)}
		for q := lo; q < hi; q++ {
			i := q
			if rows != nil {
				i = rows[q]
			}
			b.Data = append(b.Data, x.Data[i*rl:(i+1)*rl]...)
			a.Y = append(a.Y, y[i])
		}
		out, err := lm.Activations(ctx, b, layer)
		if err != nil {
			return nil, fmt.Errorf("activations of %q: %w", layer, err)
		}
		if a.D == 0 {
			a.D = out[0].RowLen()
		}
		if out[0].RowLen() != a.D || out[0].Batch() != hi-lo {
			return nil, fmt.Errorf("activations of %q: shape %v, want %d rows of %d", layer, out[0].Shape, hi-lo, a.D)
		}
		a.X = append(a.X, out[0].Data...)
	}
	return a, nil
}
