package privacy

import (
	"fmt"
	"math"
)

// What an endpoint returns, as detected from its answers.
const (
	OutputScores  = "scores"      // full-precision scores or probabilities
	OutputRounded = "rounded"     // scores rounded to Output.Decimals decimals
	OutputTopK    = "top-k"       // scores of the Output.TopK best classes only, the rest zero
	OutputLabels  = "labels-only" // one-hot or 0/1 answers: the decided class alone
)

// Output describes what the target returns, read from its answers; the
// risk of every confidentiality attack depends on it.
type Output struct {
	Kind     string `json:"kind"`
	Classes  int    `json:"classes"` // values per answer
	Decimals int    `json:"decimals,omitempty"`
	TopK     int    `json:"top_k,omitempty"`
	Answers  int    `json:"answers"` // answers it was read from
}

func (o Output) String() string {
	switch o.Kind {
	case OutputRounded:
		return fmt.Sprintf("scores rounded to %d decimals", o.Decimals)
	case OutputTopK:
		return fmt.Sprintf("the scores of the top %d of %d classes", o.TopK, o.Classes)
	case OutputLabels:
		return "labels only"
	}
	return "full scores"
}

// Scores reports whether the answers carry scores beyond the label.
func (o Output) Scores() bool { return o.Kind != OutputLabels }

// detectOutput reads the kind of output from raw answers of k values:
// labels when every answer is 0/1 with one 1 (or a single 0/1 value);
// top-k when, with three classes or more, no answer has more than m < k
// non-zero values and most have exactly m; rounded when every value other
// than 0 and 1 (at least 20 of them) is a multiple of 10^-d for some d ≤ 6;
// full scores otherwise.
func detectOutput(raw [][]float32, k int) Output {
	o := Output{Kind: OutputScores, Classes: k, Answers: len(raw)}
	if len(raw) == 0 {
		return o
	}
	labels := true
	for _, r := range raw {
		ones := 0
		for _, v := range r {
			switch v {
			case 1:
				ones++
			case 0:
			default:
				labels = false
			}
		}
		if len(r) > 1 && ones != 1 {
			labels = false
		}
		if !labels {
			break
		}
	}
	if labels {
		o.Kind = OutputLabels
		return o
	}
	if k >= 3 {
		most, atMost := 0, 0
		counts := make([]int, k+1)
		for _, r := range raw {
			nz := 0
			for _, v := range r {
				if v != 0 {
					nz++
				}
			}
			counts[nz]++
			most = max(most, nz)
		}
		atMost = counts[most]
		if most < k && float64(atMost) >= 0.9*float64(len(raw)) {
			o.Kind, o.TopK = OutputTopK, most
			return o
		}
	}
	var vals []float64
	for _, r := range raw {
		for _, v := range r {
			if v != 0 && v != 1 {
				vals = append(vals, float64(v))
			}
		}
	}
	if len(vals) < 20 {
		return o
	}
	for d := 1; d <= 6; d++ {
		s := math.Pow(10, float64(d))
		ok := true
		for _, v := range vals {
			// float32 keeps about 7 significant digits: compare at that
			// precision.
			tol := max(1e-6*s*math.Abs(v), 1e-6) * 4
			if math.Abs(v*s-math.Round(v*s)) > tol {
				ok = false
				break
			}
		}
		if ok {
			o.Kind, o.Decimals = OutputRounded, d
			return o
		}
	}
	return o
}
