package availability

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/aiassure/aiassure/model"
)

// Latency is the latency profile of a target.
type Latency struct {
	// Requests is the number of requests sent; Failed of them returned an
	// error (a failed request's time is not in the quantiles).
	Requests int `json:"requests"`
	Failed   int `json:"failed"`
	// FirstError is the first failure's message.
	FirstError string `json:"first_error,omitempty"`
	// P50, P95, P99 and Max are latencies in seconds (nearest rank).
	P50 float64 `json:"p50_seconds"`
	P95 float64 `json:"p95_seconds"`
	P99 float64 `json:"p99_seconds"`
	Max float64 `json:"max_seconds"`
	// Throughput is the number of answered requests per second of the
	// profile's wall time (one client, one request at a time).
	Throughput float64 `json:"throughput_per_second"`
	// Interrupted is true when the deadline or a cancellation ended the
	// profile before the request budget.
	Interrupted bool `json:"interrupted,omitempty"`
}

// Profile sends opts.Requests requests of one row each, cycling through the
// rows of x (shape [N, sample...]), one at a time, and measures each with
// opts.Clock. It stops early, with Interrupted set, when ctx ends. It
// returns an error only for unusable input.
func Profile(ctx context.Context, t model.Target, x *model.Tensor, opts Options) (*Latency, error) {
	opts = opts.withDefaults()
	if t == nil || x == nil || x.Validate() != nil || x.Batch() == 0 {
		return nil, fmt.Errorf("availability: %w: no target or no rows for the latency profile", ErrInput)
	}
	lat := &Latency{}
	var times []float64
	start := opts.Clock.Now()
	for i := range opts.Requests {
		if ctx.Err() != nil {
			lat.Interrupted = true
			break
		}
		row := rowTensor(x, i%x.Batch())
		t0 := opts.Clock.Now()
		_, err := t.Predict(ctx, row)
		d := opts.Clock.Now().Sub(t0).Seconds()
		lat.Requests++
		if err != nil {
			if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
				lat.Requests--
				lat.Interrupted = true
				break
			}
			lat.Failed++
			if lat.FirstError == "" {
				lat.FirstError = err.Error()
			}
			continue
		}
		times = append(times, d)
	}
	wall := opts.Clock.Now().Sub(start).Seconds()
	if len(times) > 0 {
		slices.Sort(times)
		lat.P50, lat.P95, lat.P99 = Quantile(times, 0.5), Quantile(times, 0.95), Quantile(times, 0.99)
		lat.Max = times[len(times)-1]
		if wall > 0 {
			lat.Throughput = float64(len(times)) / wall
		}
	}
	return lat, nil
}

// Quantile returns the q-quantile of sorted by the nearest-rank method: the
// smallest value with at least q of the values at or below it. It returns
// NaN for an empty slice.
func Quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 || math.IsNaN(q) {
		return math.NaN()
	}
	k := int(math.Ceil(q*float64(n))) - 1
	return sorted[min(max(k, 0), n-1)]
}

// rowTensor returns row i of x as a batch of one (a copy).
func rowTensor(x *model.Tensor, i int) *model.Tensor {
	shape := slices.Clone(x.Shape)
	shape[0] = 1
	return &model.Tensor{Shape: shape, Data: slices.Clone(x.Row(i))}
}
