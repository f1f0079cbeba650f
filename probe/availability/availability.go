// Package availability tests whether a model or an inference endpoint stays
// available under the inputs an attacker can send: the ENISA report's table 1
// names denial of service among the threats to AI systems, and AI Act
// Art. 15(4) asks high-risk systems to be resilient to errors, faults and
// inconsistencies. Three tests:
//
//   - Latency profile: p50, p95 and p99 latency and the throughput of one
//     client sending rows of the data set one request at a time, with the
//     number of requests and failures, bounded by a request budget and the
//     caller's deadline.
//   - Sponge inputs: a bounded, seeded search (random restarts and a simple
//     genetic algorithm, in the style of Shumailov et al., "Sponge
//     Examples", 2021) for feasible inputs that make the model do the most
//     work; the worst slowdown against normal inputs, with the input. Local
//     ONNX models count their work exactly (onnx.Model.Work); other targets
//     are timed.
//   - Malformed inputs for endpoints: wrong shapes and types, NaN and
//     infinities, empty, oversized and deeply nested payloads, wrong content
//     types, sent to the one URL the user named; crashes, 5xx answers,
//     timeouts and answers accepted that should not have been.
//
// Latency and timed sponge results are measurements of this run on this
// machine and network: they are not deterministic, and the Results that
// hold them are kept out of golden files. Work-counted sponge results and
// malformed-input results are deterministic for a given seed, model and
// endpoint behaviour. docs/availability.md says what each test shows and
// what it cannot.
package availability

import (
	"errors"
	"time"
)

// Clock tells the time; tests inject a fake one so that nothing asserts on
// wall-clock values.
type Clock interface {
	Now() time.Time
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// Options bound the tests. Zero values take the defaults in brackets.
type Options struct {
	// Requests is the number of requests of the latency profile [100].
	Requests int
	// SpongeBudget is the number of candidate inputs the sponge search may
	// evaluate [200].
	SpongeBudget int
	// Repeats is the number of timed runs per candidate when the target
	// cannot count its work; the median is kept [3].
	Repeats int
	// MaxSlowdown is the sponge criterion: the worst input may cost at most
	// this many times the median normal input [2].
	MaxSlowdown float64
	// Seed fixes the sponge search.
	Seed uint64
	// Clock measures time [the real clock].
	Clock Clock
}

func (o Options) withDefaults() Options {
	if o.Requests <= 0 {
		o.Requests = 100
	}
	if o.SpongeBudget <= 0 {
		o.SpongeBudget = 200
	}
	if o.Repeats <= 0 {
		o.Repeats = 3
	}
	if !(o.MaxSlowdown > 1) {
		o.MaxSlowdown = 2
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	return o
}

// ErrInput is wrapped by errors that come from the caller's input: no rows,
// rows and constraints that do not fit each other.
var ErrInput = errors.New("bad input")
