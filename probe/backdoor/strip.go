package backdoor

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/aiassure/aiassure/model"
)

// STRIPReport is the outcome of STRIP.
type STRIPReport struct {
	// Overlays, Alpha, FPR and Significance are the settings used.
	Overlays     int     `json:"overlays"`
	Alpha        float64 `json:"alpha"`
	FPR          float64 `json:"fpr"`
	Significance float64 `json:"significance"`
	MinAUC       float64 `json:"min_auc"`
	// Clean summarises the mean entropies (nats) of the clean inputs, each
	// blended with Overlays other clean inputs; CleanEntropy lists them.
	Clean        Summary   `json:"clean"`
	CleanEntropy []float64 `json:"clean_entropy"`
	// Boundary is the Rank-th smallest clean entropy, Rank =
	// floor(FPR * (clean inputs + 1)): a clean input exchangeable with the
	// others falls below it with probability at most FPR.
	Boundary float64 `json:"boundary"`
	Rank     int     `json:"rank"`
	// The rest describes Config.Suspect and is zero without it: Suspects
	// screened, their entropies, how many fall below the boundary (Below,
	// DetectionRate), the exact p-value of at least that many below it if
	// the suspects were clean (PValue), and the area under the ROC curve of
	// clean against suspect entropies (AUC: 1 when every suspect is below
	// every clean input, 0.5 when they mix).
	Suspects       int       `json:"suspects"`
	Suspect        *Summary  `json:"suspect,omitempty"`
	SuspectEntropy []float64 `json:"suspect_entropy,omitempty"`
	Below          int       `json:"below"`
	Detected       []int     `json:"detected,omitempty"` // indices of the suspects below the boundary
	DetectionRate  float64   `json:"detection_rate"`
	PValue         float64   `json:"p_value"`
	AUC            float64   `json:"auc"`
}

// Summary holds summary statistics of a sample.
type Summary struct {
	Mean   float64 `json:"mean"`
	SD     float64 `json:"sd"`
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
}

// Flagged reports whether the suspects behave as inputs carrying a trigger:
// more of them fall below the boundary than clean inputs could (p-value
// below Significance) and their entropies are separated from the clean ones
// (AUC at least MinAUC). The exact test alone also rejects for inputs that
// are merely unlike the clean ones (a patch a clean model misreads), which
// lowers their entropy a little but not consistently.
func (s *STRIPReport) Flagged() bool {
	return s.Suspects > 0 && s.PValue < s.Significance && s.AUC >= s.MinAUC
}

// strip runs STRIP with x as the clean inputs (calibration and overlays).
func strip(ctx context.Context, t model.Target, x *model.Tensor, probs bool, cfg Config) (*STRIPReport, error) {
	n := x.Batch()
	if n <= cfg.Overlays {
		return nil, fmt.Errorf("%w: %d clean inputs, STRIP needs more than the %d overlays", ErrTooFewInputs, n, cfg.Overlays)
	}
	k := int(math.Floor(cfg.FPR * float64(n+1)))
	if k < 1 {
		return nil, fmt.Errorf("%w: %d clean inputs cannot set a boundary at a false positive rate of %g, it needs at least %d",
			ErrTooFewInputs, n, cfg.FPR, int(math.Ceil(1/cfg.FPR))-1)
	}
	rep := &STRIPReport{Overlays: cfg.Overlays, Alpha: cfg.Alpha, FPR: cfg.FPR, Significance: cfg.Significance, MinAUC: cfg.MinAUC, Rank: k}
	var err error
	if rep.CleanEntropy, err = Entropies(ctx, t, x, x, true, probs, cfg.Overlays, cfg.Alpha, cfg.Seed); err != nil {
		return nil, err
	}
	rep.Clean = summarise(rep.CleanEntropy)
	sorted := slices.Sorted(slices.Values(rep.CleanEntropy))
	rep.Boundary = sorted[k-1]
	if cfg.Suspect == nil {
		return rep, nil
	}
	s := cfg.Suspect
	if err := checkBatch(s, "suspect inputs"); err != nil {
		return nil, err
	}
	if !slices.Equal(s.Shape[1:], x.Shape[1:]) {
		return nil, fmt.Errorf("suspect inputs of shape %v, clean inputs %v", s.Shape[1:], x.Shape[1:])
	}
	if s.Batch() > cfg.MaxInputs {
		s, _ = s.Slice(0, cfg.MaxInputs)
	}
	if rep.SuspectEntropy, err = Entropies(ctx, t, s, x, false, probs, cfg.Overlays, cfg.Alpha, cfg.Seed^0x5ec7); err != nil {
		return nil, err
	}
	sum := summarise(rep.SuspectEntropy)
	rep.Suspect, rep.Suspects = &sum, s.Batch()
	for i, e := range rep.SuspectEntropy {
		if e < rep.Boundary {
			rep.Below++
			rep.Detected = append(rep.Detected, i)
		}
	}
	rep.DetectionRate = float64(rep.Below) / float64(rep.Suspects)
	rep.PValue = exceedP(n, k, rep.Suspects, rep.Below)
	rep.AUC = AUC(rep.CleanEntropy, rep.SuspectEntropy)
	return rep, nil
}

// blendRows bounds the rows of one Predict call of STRIP.
const blendRows = 512

// Entropies returns, for each input of in, the mean Shannon entropy (nats) of
// the target's predicted distribution over n blends alpha*in_i +
// (1-alpha)*pool_j with n inputs j drawn from pool without replacement
// (excluding j = i when self is true: in is pool). The draws depend only on
// seed and i.
func Entropies(ctx context.Context, t model.Target, in, pool *model.Tensor, self, probs bool, n int, alpha float64, seed uint64) ([]float64, error) {
	r, m := in.RowLen(), pool.Batch()
	avail := m
	if self {
		avail--
	}
	if n < 1 || n > avail {
		return nil, fmt.Errorf("%d overlays from a pool of %d", n, avail)
	}
	per := max(1, blendRows/n)
	out := make([]float64, in.Batch())
	a, b := float32(alpha), float32(1-alpha)
	var p []float64
	for lo := 0; lo < in.Batch(); lo += per {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hi := min(lo+per, in.Batch())
		shape := slices.Clone(in.Shape)
		shape[0] = (hi - lo) * n
		batch := &model.Tensor{Shape: shape, Data: make([]float32, shape[0]*r)}
		for i := lo; i < hi; i++ {
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			picks := rng.Perm(m)
			if self {
				picks = slices.DeleteFunc(picks, func(j int) bool { return j == i })
			}
			src := in.Row(i)
			for q, j := range picks[:n] {
				dst := batch.Data[((i-lo)*n+q)*r:][:r]
				ov := pool.Row(j)
				for e := range dst {
					dst[e] = a*src[e] + b*ov[e]
				}
			}
		}
		y, err := t.Predict(ctx, batch)
		if err != nil {
			return nil, fmt.Errorf("predict blends: %w", err)
		}
		if y.Batch() != shape[0] || len(y.Shape) != 2 {
			return nil, fmt.Errorf("output shape %v for %d blends", y.Shape, shape[0])
		}
		if p == nil {
			p = make([]float64, y.RowLen())
		}
		for i := lo; i < hi; i++ {
			h := 0.0
			for q := range n {
				distribution(y.Row((i-lo)*n+q), probs, p)
				h += entropy(p)
			}
			out[i] = h / float64(n)
		}
	}
	return out, nil
}

func entropy(p []float64) float64 {
	h := 0.0
	for _, v := range p {
		if v > 0 {
			h -= v * math.Log(v)
		}
	}
	return h
}

func summarise(v []float64) Summary {
	s := slices.Sorted(slices.Values(v))
	mean := 0.0
	for _, x := range s {
		mean += x
	}
	mean /= float64(len(s))
	ss := 0.0
	for _, x := range s {
		ss += (x - mean) * (x - mean)
	}
	sd := 0.0
	if len(s) > 1 {
		sd = math.Sqrt(ss / float64(len(s)-1))
	}
	return Summary{Mean: mean, SD: sd, Min: s[0], Median: median(s), Max: s[len(s)-1]}
}
