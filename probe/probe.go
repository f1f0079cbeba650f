// Package probe runs aiassure's model tests on a target and turns them into
// assessment Results: the accuracy metrics of package metrics, compared with
// the levels the profile declares, and the evasion attacks of package
// probe/evasion, whose robustness curves (robust accuracy against the
// perturbation size) feed the report.
//
// A Plan says what runs at each Cybersecurity Act assurance level (basic,
// substantial, high); PlanFor returns it. Run executes a plan on a target and
// a labelled data set in one streamed pass plus the attacks on a seeded
// sample; Check does the same for a profile's artefacts inside an
// assessment. Both are deterministic for a given plan, seed and data, and
// put no timings into Results, except the availability suite's latency
// profile and timed sponge search (package probe/availability), which are
// measurements, run only when a plan names SuiteAvailability (no level's
// plan does) and are kept out of golden files.
//
// Every evasion Result carries its robustness curve in Metrics, under the
// keys "robust_accuracy@<ε>", "robust_accuracy_lo@<ε>" and
// "robust_accuracy_hi@<ε>" (the Wilson 95% interval), one triple per point
// of the grid, with ε formatted by strconv.FormatFloat(ε, 'g', -1, 64), and
// the norm as the flag "norm_linf" or "norm_l2" (value 1). Epsilons are in
// the unit space of the Plan documentation: a share of each feature's range.
// docs/probe.md describes the plans and how the Results are used.
package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/metrics"
	"github.com/aiassure/aiassure/model"
	"github.com/aiassure/aiassure/probe/availability"
	"github.com/aiassure/aiassure/probe/evasion"
	"github.com/aiassure/aiassure/probe/privacy"
	"github.com/aiassure/aiassure/profile"
)

// RunInput is what Run tests.
type RunInput struct {
	// Target is the model under test.
	Target model.Target
	// Data is a labelled data set; Run reads it to the end once and does
	// not close it.
	Data dataset.Reader
	// Constraints describe the feasible inputs (features.json); nil: each
	// feature's observed range, nothing else.
	Constraints *dataset.Constraints
	// Declared are the performance levels the profile declares.
	Declared []profile.Declared
	// Plan says what runs.
	Plan Plan
	// Classes names the classes by index; nil: from the constraints, the
	// data set or the model, in that order.
	Classes []string
	// Evidence lists what the Results rest on (the model and data paths).
	Evidence []string
	// Privacy is the data of the privacy suite; nil: the suite is skipped.
	Privacy *PrivacyData
	// Poisoning is the training set of the poisoning suite; nil: its
	// training-data checks are skipped.
	Poisoning *PoisoningData
	// Progress, if set, is called as work finishes: done of total units,
	// and what is running.
	Progress func(done, total int, what string)
	// Endpoint, if set, is the inference URL the availability suite sends
	// malformed requests to: only the endpoint the user named.
	Endpoint *availability.Endpoint
}

// Summary describes a run beyond its Results, for people and tools.
// Unlike Results it holds wall times (in the evasion reports).
type Summary struct {
	Level    string            `json:"level"`
	Plan     Plan              `json:"plan"`
	Target   model.Info        `json:"target"`
	Samples  int               `json:"samples"`  // samples the metrics cover
	Attacked int               `json:"attacked"` // samples the attacks ran on
	Metrics  *metrics.Report   `json:"metrics,omitempty"`
	Evasion  []*evasion.Report `json:"evasion,omitempty"`
	Privacy  *privacy.Report   `json:"privacy,omitempty"`
	// Poisoning holds the poisoning suite's scan of the training set.
	Poisoning *PoisoningReport `json:"poisoning,omitempty"`
	// Availability holds the availability suite's measurements.
	Availability *AvailabilityReport `json:"availability,omitempty"`
	Skipped      []string            `json:"skipped,omitempty"` // attacks not run, and why
	Interrupted  bool                `json:"interrupted,omitempty"`
}

// InterruptedID is the ID of the Result that marks an interrupted run.
const InterruptedID = "probe/interrupted"

// ErrInput is wrapped by errors of Run that come from its input: a model and
// data set that do not fit each other, missing labels, bad constraints.
var ErrInput = errors.New("bad input")

func inputErr(format string, args ...any) error {
	return fmt.Errorf("probe: %w: %s", ErrInput, fmt.Sprintf(format, args...))
}

// Run runs in.Plan on in.Target. It returns the Results of the work that
// finished; when ctx ends it stops, adds an Unknown Result with ID
// InterruptedID and returns ctx's error with them. An attack that fails
// yields an Unknown Result and the run goes on; errors in reading the data
// or running the model on it end the run with an error.
func Run(ctx context.Context, in RunInput) ([]aiassure.Result, *Summary, error) {
	pl := in.Plan
	if err := pl.Validate(); err != nil {
		return nil, nil, fmt.Errorf("probe: %w", err)
	}
	var info model.Info
	switch {
	case in.Target != nil:
		info = in.Target.Info()
	case !onlyPoisoning(pl):
		return nil, nil, errors.New("probe: no target")
	}
	sum := &Summary{Level: pl.Level, Plan: pl, Target: info}
	if in.Data == nil || in.Target == nil {
		if pl.Has(SuiteMetrics) || pl.Has(SuiteEvasion) {
			return nil, nil, errors.New("probe: no data for the metrics and evasion suites")
		}
		rs, err := runData(ctx, in, pl, nil, sum, nil)
		if err != nil && sum.Privacy == nil && sum.Poisoning == nil && !sum.Interrupted {
			return nil, nil, err
		}
		return rs, sum, err
	}
	dinfo := in.Data.Info()
	shape, err := sampleShape(info.InputShape, dinfo.Shape)
	if err != nil {
		return nil, nil, inputErr("%v", err)
	}
	rowLen := prod(shape)

	units := 0
	if pl.Has(SuiteMetrics) {
		units++
	}
	done := 0
	progress := func(what string, total int) {
		if in.Progress != nil {
			in.Progress(done, total, what)
		}
	}

	// One pass over the data: metrics on every sample, the observed
	// ranges, and the seeded sample the attacks run on.
	tee := &teeReader{r: in.Data, t: in.Target, shape: shape, rowLen: rowLen, predict: pl.Has(SuiteMetrics),
		lo: filled(rowLen, math.Inf(1)), hi: filled(rowLen, math.Inf(-1))}
	if pl.Has(SuitePoisoning) && in.Poisoning != nil && in.Poisoning.Train != nil {
		tee.keep = maxReferenceValues / max(rowLen, 1)
	}
	progress("reading data", units)
	var sample *dataset.Dataset
	needSample := pl.Has(SuiteEvasion) || pl.Has(SuiteAvailability) || pl.Has(SuitePoisoning)
	switch {
	case needSample && pl.Samples > 0:
		sample, err = dataset.SampleReader(ctx, tee, pl.Samples, pl.Seed)
	case needSample:
		sample, err = dataset.ReadAll(ctx, tee)
	default:
		err = drain(ctx, tee)
	}
	if err != nil {
		if ctx.Err() != nil {
			sum.Interrupted = true
			return []aiassure.Result{interrupted("while reading the data", in.Evidence)}, sum, ctx.Err()
		}
		if tee.unlabelled || tee.badRow {
			return nil, nil, inputErr("%v", err)
		}
		return nil, nil, fmt.Errorf("probe: %w", err)
	}
	if len(tee.y) == 0 {
		return nil, nil, inputErr("the data set is empty")
	}
	if tee.unlabelled {
		return nil, nil, inputErr("the data set has no labels")
	}
	sum.Samples = len(tee.y)
	classes := firstNonEmpty(in.Classes, constraintClasses(in.Constraints), dinfo.Classes, info.Labels)

	var results []aiassure.Result
	if pl.Has(SuiteMetrics) {
		rs, rep, err := measure(tee, classes, in.Declared, pl, in.Evidence)
		if err != nil {
			return nil, nil, inputErr("metrics: %v", err)
		}
		results, sum.Metrics = rs, rep
		done++
		progress("metrics", units)
	}
	if !needSample {
		results, err = runData(ctx, in, pl, nil, sum, results)
		return results, sum, err
	}

	c := in.Constraints
	if c == nil {
		c = observed(dinfo.Features, tee.lo, tee.hi)
	}
	if err := c.Validate(); err != nil {
		return nil, nil, inputErr("constraints: %v", err)
	}
	if c.Len() != rowLen {
		return nil, nil, inputErr("the constraints describe %d features, the samples have %d", c.Len(), rowLen)
	}
	ms := newModelSample(sample, shape, c, tee.lo, tee.hi, classes)
	if ms != nil && len(tee.ky) > 0 {
		ms.ref = &model.Tensor{Shape: append([]int{len(tee.ky)}, shape...), Data: tee.kx}
		ms.refY = tee.ky
	}
	if pl.Has(SuiteAvailability) {
		progress("availability", units)
		rows := &model.Tensor{Shape: append([]int{sample.Len()}, shape...), Data: sample.X.Data}
		rs, rep := runAvailability(ctx, in, pl, rows, c)
		results, sum.Availability = append(results, rs...), rep
		if err := ctx.Err(); err != nil {
			sum.Interrupted = true
			results = append(results, interrupted("during the availability tests; the results above cover the work that finished", in.Evidence))
			return results, sum, err
		}
	}
	if !pl.Has(SuiteEvasion) {
		results, err = runData(ctx, in, pl, ms, sum, results)
		progress("done", units)
		return results, sum, err
	}
	// Without a declared robust accuracy the attacks are judged against
	// what always answering the majority class of the whole test set
	// achieves.
	base := evasion.MajorityBaseline(tee.y, classes)
	sc := newScale(c, tee.lo, tee.hi, shape)
	uc := newUnitConstraint(c, sc)
	target := wrap(in.Target, sc)
	diff := false
	if _, ok := target.(model.Differentiable); ok {
		diff = true
	}
	z := sc.unit(sample.X)
	sum.Attacked = sample.Len()
	mutable := 0
	for _, p := range uc.pinned {
		if !p {
			mutable++
		}
	}
	l2scale := math.Sqrt(float64(max(mutable, 1)))
	batch := pl.BatchSize
	if batch <= 0 {
		batch = max(sample.Len(), 1)
	}
	nb := (sample.Len() + batch - 1) / batch

	type job struct {
		a      evasion.Attack
		eps    []float64
		judge  evasion.ResultOptions
		units  int
		budget int
	}
	var jobs []job
	specs := pl.Attacks
	if !diff {
		specs = slices.Concat(specs, pl.Substitutes)
	}
	for _, spec := range specs {
		a, _ := spec.attack() // Validate checked it
		if a.Kind() == evasion.WhiteBox && !diff {
			why := fmt.Sprintf("%s: white-box attack skipped, the target gives no gradients (a black box)", a.Name())
			sum.Skipped = append(sum.Skipped, why)
			results = append(results, aiassure.Result{
				ID: "evasion/" + a.Name(), Check: "evasion/" + a.Name(), Status: aiassure.NotApplicable,
				Summary: why, Reason: "the target is not differentiable; black-box attacks of the plan test it instead",
				Category: aiassure.AdversarialExamples, Evidence: slices.Clone(in.Evidence),
			})
			continue
		}
		eps, judge := grid(pl, a.Metric(), l2scale, in.Declared)
		judge.Baseline = base
		u := nb
		if !a.Minimal() {
			u *= len(eps)
		}
		units += u
		jobs = append(jobs, job{a, eps, judge, u, spec.budget(a, pl.Budget)})
	}

	for _, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		p := evasion.Params{Seed: pl.Seed, Constraint: uc, Budget: j.budget}
		name := j.a.Name()
		progress(name, units)
		data := counted(evasion.FromTensor(z, sample.Y, batch), func() {
			done++
			progress(name, units)
		})
		start := done
		rep, err := evasion.Evaluate(ctx, j.a, target, data, j.eps, p)
		done = start + j.units
		if rep != nil && len(rep.Points) > 0 {
			sum.Evasion = append(sum.Evasion, rep)
			results = append(results, curveResult(rep, j.judge, in.Evidence))
		}
		if err != nil && ctx.Err() == nil {
			results = append(results, aiassure.Result{
				ID: "evasion/" + name, Check: "evasion/" + name, Status: aiassure.Unknown,
				Summary: name + ": the attack could not run", Reason: err.Error(),
				Category: aiassure.AdversarialExamples, Evidence: slices.Clone(in.Evidence),
			})
		}
	}
	if ctx.Err() == nil {
		results = append(results, combined(sum, func(n evasion.Norm) evasion.ResultOptions {
			_, judge := grid(pl, n, l2scale, in.Declared)
			judge.Baseline = base
			return judge
		}, in.Evidence)...)
	}
	if err := ctx.Err(); err != nil {
		sum.Interrupted = true
		results = append(results, interrupted("during the evasion attacks; the results above cover the work that finished", in.Evidence))
		return results, sum, err
	}
	results, err = runData(ctx, in, pl, ms, sum, results)
	if err != nil {
		return results, sum, err
	}
	progress("done", units)
	return results, sum, nil
}

func interrupted(when string, evidence []string) aiassure.Result {
	return aiassure.Result{
		ID: InterruptedID, Check: "probe", Status: aiassure.Unknown,
		Summary:  "model tests interrupted " + when,
		Reason:   "the run was stopped before the plan finished",
		Evidence: slices.Clone(evidence),
	}
}

// grid returns the epsilons of an attack in its norm and how it is judged:
// against the declared robust accuracy of that norm where the profile gives
// one, at its ε and on the plan's Basis; else at the plan's Judge against
// the majority-class baseline (which Run adds).
func grid(pl Plan, norm evasion.Norm, l2scale float64, declared []profile.Declared) ([]float64, evasion.ResultOptions) {
	conv := func(e float64) float64 {
		if norm == evasion.L2 {
			return round4(e * l2scale)
		}
		return e
	}
	var eps []float64
	for _, e := range pl.Epsilons {
		eps = append(eps, conv(e))
	}
	judge := evasion.ResultOptions{Epsilon: conv(pl.Judge)}
	for _, d := range declared {
		if d.Metric == "robust_accuracy" && d.Epsilon > 0 && evasion.Norm(normOf(d.Norm)) == norm {
			judge = evasion.ResultOptions{Epsilon: d.Epsilon, MinRobustAccuracy: d.Value, Basis: pl.Basis}
			break
		}
	}
	if judge.Epsilon > 0 && !slices.Contains(eps, judge.Epsilon) {
		eps = append(eps, judge.Epsilon)
	}
	slices.Sort(eps)
	return slices.Compact(eps), judge
}

// normOf reads a declared norm; the default is L∞.
func normOf(s string) string {
	switch s {
	case "l2", "L2":
		return string(evasion.L2)
	}
	return string(evasion.Linf)
}

func round4(v float64) float64 { return round(v, 4) }

// round keeps digits significant digits of v.
func round(v float64, digits int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', digits, 64), 64)
	return f
}

// curveResult is evasion.ResultOf without timings, with the whole curve
// and its intervals in Metrics.
func curveResult(r *evasion.Report, o evasion.ResultOptions, evidence []string) aiassure.Result {
	res := evasion.ResultOf(r, o)
	if res.Metrics == nil {
		res.Metrics = map[string]float64{}
	}
	delete(res.Metrics, "wall_seconds")
	// Perturbation sizes come from float32 arithmetic: digits beyond the
	// sixth are noise that differs between the interpreter's kernels.
	for k, v := range res.Metrics {
		if strings.HasPrefix(k, "perturbation_") {
			res.Metrics[k] = round(v, 6)
		}
	}
	for _, p := range r.Points {
		k := strconv.FormatFloat(p.Epsilon, 'g', -1, 64)
		res.Metrics["robust_accuracy@"+k] = p.RobustAccuracy
		res.Metrics["robust_accuracy_lo@"+k] = p.RobustCI.Lo
		res.Metrics["robust_accuracy_hi@"+k] = p.RobustCI.Hi
	}
	res.Metrics["norm_"+string(r.Norm)] = 1
	res.Evidence = slices.Clone(evidence)
	return res
}

// counted calls after once each batch of seq has been consumed.
func counted(seq iter.Seq2[evasion.Batch, error], after func()) iter.Seq2[evasion.Batch, error] {
	return func(yield func(evasion.Batch, error) bool) {
		for b, err := range seq {
			ok := yield(b, err)
			if err == nil {
				after()
			}
			if !ok {
				return
			}
		}
	}
}

// sampleShape is the model's sample shape when it is fully known and holds
// as many values as the data's samples, else the data's.
func sampleShape(modelShape, dataShape []int) ([]int, error) {
	n := prod(dataShape)
	if n <= 0 {
		return nil, fmt.Errorf("the data's samples have shape %v", dataShape)
	}
	if len(modelShape) == 0 || slices.Contains(modelShape, -1) || slices.ContainsFunc(modelShape, func(d int) bool { return d <= 0 }) {
		return slices.Clone(dataShape), nil
	}
	if m := prod(modelShape); m != n {
		return nil, fmt.Errorf("the model takes samples of shape %v (%d values), the data has %d values per sample", modelShape, m, n)
	}
	return slices.Clone(modelShape), nil
}

func prod(s []int) int {
	n := 1
	for _, d := range s {
		if d <= 0 {
			return 0
		}
		n *= d
		if n > 1<<40 {
			return 0
		}
	}
	return n
}

func filled(n int, v float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func firstNonEmpty(lists ...[]string) []string {
	for _, l := range lists {
		if len(l) > 0 {
			return l
		}
	}
	return nil
}

func constraintClasses(c *dataset.Constraints) []string {
	if c == nil {
		return nil
	}
	return c.Classes
}

// observed builds constraints from the observed ranges.
func observed(names []string, lo, hi []float64) *dataset.Constraints {
	n := len(lo)
	c := &dataset.Constraints{Min: slices.Clone(lo), Max: slices.Clone(hi), Integer: make([]bool, n), Immutable: make([]bool, n)}
	if len(names) == n {
		c.Features = slices.Clone(names)
	} else {
		for j := range n {
			c.Features = append(c.Features, "f"+strconv.Itoa(j))
		}
	}
	return c
}

func drain(ctx context.Context, r dataset.Reader) error {
	for _, err := range dataset.Batches(ctx, r, 256) {
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// teeReader passes batches through while it records the labels, the
// target's class scores (for the metrics) and each feature's range.
type teeReader struct {
	r          dataset.Reader
	t          model.Target
	shape      []int
	rowLen     int
	predict    bool
	y          []int
	scores     [][]float64
	lo, hi     []float64
	unlabelled bool
	badRow     bool
	// keep, if positive, is how many of the first rows to keep in kx, ky
	// (the poisoning suite's clean reference).
	keep int
	kx   []float32
	ky   []int
}

func (t *teeReader) Info() dataset.Info { return t.r.Info() }
func (t *teeReader) Close() error       { return nil }

func (t *teeReader) Next(ctx context.Context, n int) (*dataset.Batch, error) {
	b, err := t.r.Next(ctx, n)
	if err != nil {
		// An error of the data itself (a bad row) is an input error, as it
		// is when the data is read to infer the constraints.
		t.badRow = t.badRow || !errors.Is(err, io.EOF) && ctx.Err() == nil
		return b, err
	}
	if b.X.RowLen() != t.rowLen {
		t.badRow = true
		return nil, fmt.Errorf("data: samples of %d values, want %d", b.X.RowLen(), t.rowLen)
	}
	if b.Y == nil {
		t.unlabelled = true
		return nil, errors.New("the data set has no labels")
	}
	for i, v := range b.X.Data {
		j, f := i%t.rowLen, float64(v)
		if f < t.lo[j] {
			t.lo[j] = f
		}
		if f > t.hi[j] {
			t.hi[j] = f
		}
	}
	t.y = append(t.y, b.Y...)
	if k := min(t.keep-len(t.ky), len(b.Y)); k > 0 {
		t.kx, t.ky = append(t.kx, b.X.Data[:k*t.rowLen]...), append(t.ky, b.Y[:k]...)
	}
	if t.predict {
		x := &model.Tensor{Shape: append([]int{b.X.Batch()}, t.shape...), Data: b.X.Data}
		out, err := t.t.Predict(ctx, x)
		if err != nil {
			return nil, fmt.Errorf("run the model on the data: %w", err)
		}
		rows, err := probabilities(out)
		if err != nil {
			return nil, err
		}
		t.scores = append(t.scores, rows...)
	}
	return b, nil
}

var _ io.Closer = (*teeReader)(nil)
