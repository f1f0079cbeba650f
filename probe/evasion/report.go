package evasion

import (
	"context"
	"errors"
	"fmt"
	"github.com/aiassure/aiassure/metrics"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/model"
)

// Batch is a batch of inputs and their true classes.
type Batch struct {
	X      *model.Tensor
	Labels []int
}

// FromTensor returns the rows of x (and their labels) in batches of at most
// size rows (all at once when size <= 0). The batches share x's memory.
func FromTensor(x *model.Tensor, labels []int, size int) iter.Seq2[Batch, error] {
	return func(yield func(Batch, error) bool) {
		if err := x.Validate(); err != nil || len(x.Shape) < 2 || len(labels) != x.Batch() {
			yield(Batch{}, fmt.Errorf("%d labels for input of shape %v", len(labels), x.Shape))
			return
		}
		n := x.Batch()
		if size <= 0 {
			size = max(n, 1)
		}
		r := x.RowLen()
		for lo := 0; lo < n; lo += size {
			hi := min(lo+size, n)
			b := Batch{X: &model.Tensor{Shape: append([]int{hi - lo}, x.Shape[1:]...), Data: x.Data[lo*r : hi*r]}, Labels: labels[lo:hi]}
			if !yield(b, nil) {
				return
			}
		}
	}
}

// Interval is a confidence interval of a proportion.
type Interval struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
}

// Wilson returns the Wilson score interval at 95% confidence of k successes
// in n trials ([0, 1] when n is 0).
func Wilson(k, n int) Interval {
	lo, hi := metrics.Wilson(k, n, 0.95)
	return Interval{lo, hi}
}

// Spread summarises a distribution of perturbation sizes.
type Spread struct {
	N      int     `json:"n"`
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	P90    float64 `json:"p90"`
	Max    float64 `json:"max"`
}

func spread(v []float64) Spread {
	if len(v) == 0 {
		return Spread{}
	}
	v = slices.Clone(v)
	slices.Sort(v)
	q := func(f float64) float64 { // nearest rank
		return v[min(len(v)-1, max(0, int(math.Ceil(f*float64(len(v))))-1))]
	}
	return Spread{N: len(v), Min: v[0], Median: q(0.5), P90: q(0.9), Max: v[len(v)-1]}
}

// Queries summarises the queries of a run.
type Queries struct {
	// Mean and Max are per attacked sample (those classified correctly
	// when clean); Total counts every query, clean predictions included.
	Mean  float64 `json:"mean"`
	Max   int     `json:"max"`
	Total int     `json:"total"`
}

// Point is the result of an attack at one epsilon.
type Point struct {
	Epsilon      float64 `json:"epsilon"`
	Samples      int     `json:"samples"`
	CleanCorrect int     `json:"clean_correct"`
	// Majority counts the samples of the most frequent true class,
	// MajorityClass (the lowest index among ties).
	Majority       int      `json:"majority"`
	MajorityClass  int      `json:"majority_class"`
	Robust         int      `json:"robust"` // correct when clean and not broken
	Broken         int      `json:"broken"` // correct when clean, adversarial example found within epsilon
	CleanAccuracy  float64  `json:"clean_accuracy"`
	RobustAccuracy float64  `json:"robust_accuracy"`
	RobustCI       Interval `json:"robust_accuracy_ci95"`
	// SuccessRate is Broken / CleanCorrect.
	SuccessRate float64 `json:"success_rate"`
	// L2 and Linf describe the perturbations of the broken samples.
	L2          Spread  `json:"l2"`
	Linf        Spread  `json:"linf"`
	Queries     Queries `json:"queries"`
	WallSeconds float64 `json:"wall_seconds"`
	// recs are the samples' outcomes, in the order of the data, for
	// Ensemble and CheckMasking; a report read back from JSON has none.
	recs []record
}

// Report is the result of an attack over a data set and a grid of
// epsilons; Points is the robustness curve.
type Report struct {
	Attack string `json:"attack"`
	Kind   Kind   `json:"kind"`
	Norm   Norm   `json:"norm"`
	Target string `json:"target"`
	Budget int    `json:"budget,omitempty"`
	Seed   uint64 `json:"seed"`
	// Settings are the attack's parameters as it ran, defaults filled in
	// (Attack.Settings, with "budget" when there was one).
	Settings map[string]float64 `json:"settings,omitempty"`
	// Minimal and SingleStep describe the attack: it looks for the smallest
	// perturbation (one run serves every ε), or it takes one gradient step
	// (FGSM).
	Minimal    bool `json:"minimal,omitempty"`
	SingleStep bool `json:"single_step,omitempty"`
	// Members are the attacks of an ensemble report (Ensemble), empty for
	// a single attack.
	Members []Member `json:"members,omitempty"`
	Points  []Point  `json:"points"`
	Wall    float64  `json:"wall_seconds"`
	Partial bool     `json:"partial,omitempty"` // interrupted: the last point covers fewer samples
}

// record is what Evaluate keeps of one sample.
type record struct {
	label          int
	correct, found bool
	d, l2, linf    float64 // perturbation in the attack's norm, L2, L-infinity
	queries        int
}

// Evaluate runs attack a on every batch of data at each epsilon of eps and
// returns the robustness curve. Fixed-budget attacks run once per epsilon;
// minimal-perturbation attacks run once (with Params.Epsilon set to the only
// epsilon, or to zero for a grid) and every point is read from the sizes of
// the perturbations they found. Batch i runs with seed p.Seed+i.
//
// When ctx ends, Evaluate returns the points finished so far (the last one
// over the batches that finished, Partial set) together with ctx's error.
func Evaluate(ctx context.Context, a Attack, t model.Target, data iter.Seq2[Batch, error], eps []float64, p Params) (*Report, error) {
	if len(eps) == 0 {
		return nil, errors.New("no epsilon")
	}
	for _, e := range eps {
		if err := checkEpsilon(e, a.Minimal()); err != nil {
			return nil, err
		}
	}
	_, single := a.(FGSM)
	r := &Report{Attack: a.Name(), Kind: a.Kind(), Norm: a.Metric(), Target: t.Info().Name, Budget: p.Budget, Seed: p.Seed,
		Settings: settingsOf(a, p), Minimal: a.Minimal(), SingleStep: single}
	start := time.Now()
	defer func() { r.Wall = time.Since(start).Seconds() }()
	if a.Minimal() {
		pp := p
		if len(eps) > 1 {
			pp.Epsilon = 0
		} else {
			pp.Epsilon = eps[0]
		}
		recs, err := pass(ctx, a, t, data, pp)
		wall := time.Since(start).Seconds()
		if len(recs) > 0 {
			for _, e := range eps {
				r.Points = append(r.Points, point(recs, e, wall))
			}
		}
		r.Partial = err != nil
		return r, err
	}
	for _, e := range eps {
		t0 := time.Now()
		pp := p
		pp.Epsilon = e
		recs, err := pass(ctx, a, t, data, pp)
		if len(recs) > 0 {
			r.Points = append(r.Points, point(recs, e, time.Since(t0).Seconds()))
		}
		if err != nil {
			r.Partial = true
			return r, err
		}
	}
	return r, nil
}

// pass runs the attack over all batches; on error it returns the records
// of the batches that finished.
func pass(ctx context.Context, a Attack, t model.Target, data iter.Seq2[Batch, error], p Params) ([]record, error) {
	var recs []record
	seed := p.Seed
	i := uint64(0)
	for b, err := range data {
		if err != nil {
			return recs, fmt.Errorf("data: %w", err)
		}
		p.Seed = seed + i
		i++
		o, err := a.Run(ctx, t, b.X, b.Labels, p)
		if err != nil {
			return recs, fmt.Errorf("%s: %w", a.Name(), err)
		}
		for k := range o.Labels {
			d := o.L2[k]
			if a.Metric() == Linf {
				d = o.Linf[k]
			}
			recs = append(recs, record{
				label:   o.Labels[k],
				correct: o.Clean[k] == o.Labels[k], found: o.Found[k],
				d: d, l2: o.L2[k], linf: o.Linf[k], queries: o.Queries[k],
			})
		}
	}
	return recs, nil
}

func point(recs []record, eps, wall float64) Point {
	pt := Point{Epsilon: eps, Samples: len(recs), WallSeconds: wall}
	var l2s, linfs []float64
	labels := make([]int, len(recs))
	for i, r := range recs {
		labels[i] = r.label
	}
	pt.MajorityClass, pt.Majority = majority(labels)
	for _, r := range recs {
		pt.Queries.Total += r.queries
		if !r.correct {
			continue
		}
		pt.CleanCorrect++
		pt.Queries.Mean += float64(r.queries)
		pt.Queries.Max = max(pt.Queries.Max, r.queries)
		if r.found && (eps == 0 || inBall(r.d, eps)) {
			pt.Broken++
			l2s, linfs = append(l2s, r.l2), append(linfs, r.linf)
		}
	}
	pt.Robust = pt.CleanCorrect - pt.Broken
	if pt.CleanCorrect > 0 {
		pt.Queries.Mean /= float64(pt.CleanCorrect)
		pt.SuccessRate = float64(pt.Broken) / float64(pt.CleanCorrect)
	}
	if pt.Samples > 0 {
		pt.CleanAccuracy = float64(pt.CleanCorrect) / float64(pt.Samples)
		pt.RobustAccuracy = float64(pt.Robust) / float64(pt.Samples)
	}
	pt.RobustCI = Wilson(pt.Robust, pt.Samples)
	pt.L2, pt.Linf = spread(l2s), spread(linfs)
	pt.recs = recs
	return pt
}

// ResultOptions configure Results.
type ResultOptions struct {
	// Epsilon picks the point judged (default: the largest of the curve).
	Epsilon float64
	// MinRobustAccuracy is the declared robust accuracy; the check passes
	// when the measured robust accuracy reaches it (its lower 95% bound
	// when Basis is metrics.ConfidenceBound). Zero means none is declared:
	// the check is judged against Baseline instead.
	MinRobustAccuracy float64
	// Basis is how a declared robust accuracy is compared with the
	// measurement: metrics.PointEstimate (the default) or
	// metrics.ConfidenceBound.
	Basis metrics.Basis
	// Baseline is the majority-class rate of the test set (MajorityBaseline
	// of its labels). Without one (Samples 0) the rate of the attacked
	// samples stands in.
	Baseline Baseline
	// RetainedSkill is the share of its skill above the majority-class rate
	// that the model must keep under attack when no robust accuracy is
	// declared; a value outside (0, 1] means DefaultRetainedSkill.
	RetainedSkill float64
}

// Results turns reports into one aiassure.Result each.
func Results(reports []*Report, o ResultOptions) []aiassure.Result {
	out := make([]aiassure.Result, 0, len(reports))
	for _, r := range reports {
		out = append(out, ResultOf(r, o))
	}
	return out
}

// ResultOf turns a report into an aiassure.Result: Check "evasion/<attack>",
// the threat of the attack's kind, control c-robustness-testing, AI Act
// Art. 15(4) and 15(5), category adversarial_examples, and a verdict at the
// chosen epsilon. With a declared robust accuracy it passes when the
// measured one (or its lower bound, by Basis) reaches it. Without, the limit is the majority-class rate b
// plus RetainedSkill times the clean accuracy's margin over it,
// b + k·(clean − b): it passes when the lower bound of the Wilson 95%
// interval of robust accuracy reaches the limit, fails when the upper bound
// is below it, and is unknown (inconclusive, Metrics "inconclusive" 1) when
// the interval contains it. It is unknown, too, when nothing could be
// measured at the epsilon, no sample was classified correctly, or the clean
// accuracy is not above the majority-class rate (Metrics "no_skill" 1). The Reason of every
// verdict ends with the criterion in words.
func ResultOf(r *Report, o ResultOptions) aiassure.Result {
	id := "evasion/" + r.Attack
	res := aiassure.Result{
		ID: id, Check: id,
		Threats:      threatsOf(r),
		Controls:     []aiassure.ControlID{"c-robustness-testing"},
		Requirements: []aiassure.RequirementID{"ai-act-art-15-4", "ai-act-art-15-5"},
		Category:     aiassure.AdversarialExamples,
		Metrics:      map[string]float64{},
	}
	var pt *Point
	for i := range r.Points {
		p := &r.Points[i]
		if o.Epsilon > 0 && p.Epsilon == o.Epsilon || o.Epsilon <= 0 && (pt == nil || p.Epsilon > pt.Epsilon) {
			pt = p
		}
		res.Metrics["robust_accuracy@"+strconv.FormatFloat(p.Epsilon, 'g', -1, 64)] = p.RobustAccuracy
	}
	name := fmt.Sprintf("%s (%s) on %s", r.Attack, normName(r.Norm), r.Target)
	switch {
	case pt == nil:
		res.Status = aiassure.Unknown
		res.Summary = name + ": no result"
		res.Reason = "the attack produced no result at the requested epsilon"
		return res
	case pt.CleanCorrect == 0:
		res.Status = aiassure.Unknown
		res.Summary = name + ": no sample was classified correctly, nothing to attack"
		res.Reason = "robust accuracy is undefined without correctly classified samples"
		return res
	}
	m := res.Metrics
	for k, v := range r.Settings {
		m["setting_"+k] = v
	}
	m["robust_accuracy"], m["robust_accuracy_lo"], m["robust_accuracy_hi"] = pt.RobustAccuracy, pt.RobustCI.Lo, pt.RobustCI.Hi
	m["clean_accuracy"], m["success_rate"], m["epsilon"] = pt.CleanAccuracy, pt.SuccessRate, pt.Epsilon
	m["queries_mean"], m["queries_max"], m["queries_total"] = pt.Queries.Mean, float64(pt.Queries.Max), float64(pt.Queries.Total)
	m["samples"], m["wall_seconds"] = float64(pt.Samples), pt.WallSeconds
	if pt.Broken > 0 {
		m["perturbation_l2_median"], m["perturbation_linf_median"] = pt.L2.Median, pt.Linf.Median
	}
	res.Summary = fmt.Sprintf("%s at ε=%g: robust accuracy %.1f%% [%.1f, %.1f] on %d samples (clean %.1f%%), attack success %.1f%%",
		name, pt.Epsilon, 100*pt.RobustAccuracy, 100*pt.RobustCI.Lo, 100*pt.RobustCI.Hi, pt.Samples, 100*pt.CleanAccuracy, 100*pt.SuccessRate)
	judge(&res, r, pt, o)
	if len(r.Members) > 0 {
		names := make([]string, len(r.Members))
		for i, mb := range r.Members {
			names[i] = mb.Attack
		}
		res.Reason = fmt.Sprintf("worst case per sample over %s: a sample counts as broken when any of them broke it at ε=%g or a smaller ε of the grid; %s",
			strings.Join(names, ", "), pt.Epsilon, res.Reason)
	}
	if lim, ok := m["threshold"]; ok {
		what := "declared"
		if o.MinRobustAccuracy <= 0 {
			what = "from the majority-class baseline"
		}
		res.Summary += fmt.Sprintf("; limit %.1f%% %s", 100*lim, what)
	}
	if r.Partial {
		res.Reason = strings.TrimPrefix(res.Reason+"; run interrupted, partial result", "; ")
	}
	return res
}

// threatsOf returns the threat of the report's kind, or of every member's
// kind for an ensemble.
func threatsOf(r *Report) []aiassure.ThreatID {
	if len(r.Members) == 0 {
		return []aiassure.ThreatID{threatOf(r.Kind)}
	}
	var out []aiassure.ThreatID
	for _, k := range []Kind{WhiteBox, BlackBoxScore, BlackBoxDecision} {
		if slices.ContainsFunc(r.Members, func(m Member) bool { return m.Kind == k }) {
			out = append(out, threatOf(k))
		}
	}
	return out
}

func threatOf(k Kind) aiassure.ThreatID {
	switch k {
	case BlackBoxScore:
		return "evasion-black-box-score"
	case BlackBoxDecision:
		return "evasion-black-box-decision"
	}
	return "evasion-white-box"
}
