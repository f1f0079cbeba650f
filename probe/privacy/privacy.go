// Package privacy runs aiassure's confidentiality tests on a target: the
// membership inference, model extraction and attribute inference attacks
// that AI Act Art. 15(5) calls "confidentiality attacks" and the ENISA
// report's table 1 lists as oracle attacks.
//
// Membership inference decides, for records whose membership is known to
// the test (members: a sample of the training split; non-members: a
// held-out split), whether each was trained on. Six attacks score every
// record, higher meaning "more likely a member":
//
//   - threshold: the target's confidence in the true class (the loss
//     threshold attack of Yeom et al. 2018); on a labels-only target,
//     whether the answer is right (the gap attack);
//   - calibrated: the same, minus its mean on reference models that did not
//     train on the record (difficulty calibration, Watson et al. 2022);
//   - shadow: a logistic attack model trained on the answers of shadow
//     models on their own members and non-members (Shokri et al. 2017);
//   - lira: the offline likelihood-ratio attack of Carlini et al. 2022;
//   - rmia: the offline relative membership inference attack of
//     Zarifzadeh et al. 2024;
//   - label-only: the share of noisy copies of the record that keep the
//     true label (Choquette-Choo et al. 2021), from labels alone.
//
// The reference (and shadow) models are logistic regressions or small MLPs
// that this package trains itself, on all cores, on random halves of the
// records the attacker holds (members, non-members and any population
// data), so that every record is left out of exactly half of them. Each
// attack's result is an ROC (roc_auc, tpr_at_fpr_0.001, tpr_at_fpr_0.01,
// with bootstrap intervals).
//
// Model extraction trains substitutes (logistic regression and an MLP) on
// the target's answers to a growing number of queries, from labels only and
// from scores, and measures their fidelity (agreement with the target) and
// accuracy on held-out records. Attribute inference recovers a sensitive
// feature of each record from the model's answers on every candidate value
// and the other features, against guessing the most frequent value.
//
// Everything is deterministic for a given Config.Seed and input, whatever
// the number of cores; Results hold no timings.
package privacy

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/model"
)

// The attacks of the suite, by name.
const (
	AttackThreshold  = "threshold"
	AttackCalibrated = "calibrated"
	AttackShadow     = "shadow"
	AttackLiRA       = "lira"
	AttackRMIA       = "rmia"
	AttackLabelOnly  = "label-only"
	AttackExtraction = "extraction"
	AttackInversion  = "inversion"
)

// Attacks lists every attack name, in the order they run.
func Attacks() []string {
	return []string{AttackThreshold, AttackCalibrated, AttackShadow, AttackLiRA, AttackRMIA, AttackLabelOnly, AttackExtraction, AttackInversion}
}

// Config sets what runs and how hard.
type Config struct {
	// Attacks to run; empty: all.
	Attacks []string `json:"attacks,omitempty"`
	// References is the number of reference (shadow) models; at least 2,
	// rounded up to an even number.
	References int `json:"references"`
	// Reference configures the reference models (Hidden 0: logistic
	// regression).
	Reference TrainConfig `json:"reference"`
	// Budget is the largest number of extraction queries; the curve runs
	// from 25 queries, doubling, to Budget.
	Budget int `json:"budget"`
	// InversionRecords caps the members and the non-members attacked by
	// attribute inference (each costs one query per candidate value).
	InversionRecords int `json:"inversion_records"`
	// Resamples is the number of bootstrap resamples of the ROC intervals.
	Resamples int `json:"resamples"`
	// Seed fixes every random choice.
	Seed uint64 `json:"seed"`
	// Workers bounds the goroutines that train models; 0: every core.
	Workers int `json:"-"`
	// BatchSize is the number of records sent to the target at once.
	BatchSize int `json:"batch_size"`
	// Limits is what a result is judged against.
	Limits Limits `json:"limits"`
}

// Limits are the criteria of the verdicts.
type Limits struct {
	// MaxAUC and MaxTPR01 bound a membership attack's ROC AUC and its TPR
	// at 1% FPR; with Bound the upper ends of their 95% intervals must be
	// within them to pass, else the point estimates.
	MaxAUC   float64 `json:"max_roc_auc"`
	MaxTPR01 float64 `json:"max_tpr_at_fpr_0.01"`
	// MaxFidelity bounds the fidelity an extracted substitute may reach
	// within the query budget.
	MaxFidelity float64 `json:"max_fidelity"`
	// MaxGain bounds how far attribute inference on members may beat the
	// marginal baseline (accuracy points).
	MaxGain float64 `json:"max_inversion_gain"`
	// Bound judges on the confidence bound instead of the point estimate.
	Bound bool `json:"bound"`
}

// DefaultConfig is the configuration used where a field is zero.
func DefaultConfig() Config {
	return Config{
		References: 8, Reference: TrainConfig{Hidden: 16, Epochs: 60, BatchSize: 32, LR: 0.01, WeightDecay: 1e-4},
		Budget: 800, InversionRecords: 200, Resamples: 1000, Seed: 1, BatchSize: 256,
		Limits: Limits{MaxAUC: 0.6, MaxTPR01: 0.05, MaxFidelity: 0.9, MaxGain: 0.05},
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if len(c.Attacks) == 0 {
		c.Attacks = Attacks()
	}
	if c.References <= 0 {
		c.References = d.References
	}
	c.References = max(2, c.References+c.References%2)
	if c.Reference.Epochs <= 0 {
		c.Reference = d.Reference
	}
	if c.Budget <= 0 {
		c.Budget = d.Budget
	}
	if c.InversionRecords <= 0 {
		c.InversionRecords = d.InversionRecords
	}
	if c.Resamples == 0 {
		c.Resamples = d.Resamples
	}
	if c.BatchSize <= 0 {
		c.BatchSize = d.BatchSize
	}
	if c.Limits == (Limits{}) {
		c.Limits = d.Limits
	}
	return c
}

// Validate checks the configuration.
func (c Config) Validate() error {
	for _, a := range c.Attacks {
		if !slices.Contains(Attacks(), a) {
			return fmt.Errorf("unknown privacy attack %q (want %s)", a, strings.Join(Attacks(), ", "))
		}
	}
	if c.References < 0 || c.Budget < 0 || c.InversionRecords < 0 || c.Resamples < -1 || c.BatchSize < 0 {
		return errors.New("privacy: negative count in the configuration")
	}
	if c.References > 256 || c.Reference.Hidden > 4096 || c.Reference.Epochs > 100000 {
		return errors.New("privacy: more than 256 reference models, 4096 hidden units or 100000 epochs")
	}
	return nil
}

func (c Config) has(a string) bool { return slices.Contains(c.Attacks, a) }

// Input is what Run tests.
type Input struct {
	Target model.Target
	// Members are records of the training data, NonMembers records that
	// were not trained on, from the same distribution; both labelled.
	Members, NonMembers *dataset.Dataset
	// Population is optional further data from the same distribution,
	// not trained on: more data for the reference models and the queries
	// of extraction.
	Population *dataset.Dataset
	// Sensitive names the attributes attribute inference recovers: a
	// feature, or the stem of a one-hot group ("personal_status" for the
	// features "personal_status=...").
	Sensitive []string
	Config    Config
	// Progress, if set, is called as work finishes.
	Progress func(done, total int, what string)
}

// Report is everything the suite measured.
type Report struct {
	Target     string        `json:"target"`
	Output     Output        `json:"output"`
	Members    int           `json:"members"`
	NonMembers int           `json:"non_members"`
	Population int           `json:"population"`
	Config     Config        `json:"config"`
	Membership []*Membership `json:"membership,omitempty"`
	Extraction []*Extraction `json:"extraction,omitempty"`
	Inversion  []*Inversion  `json:"inversion,omitempty"`
	Skipped    []string      `json:"skipped,omitempty"`
	// Failed lists the attacks that could not finish, "attack: why" (the
	// target's answers failed, a query budget ran out).
	Failed  []string `json:"failed,omitempty"`
	Queries int64    `json:"queries"`
	Partial bool     `json:"partial,omitempty"`
}

// Membership is one membership attack's result.
type Membership struct {
	Attack string `json:"attack"`
	ROC    *ROC   `json:"roc"`
}

// ErrInput is wrapped by errors that come from the input.
var ErrInput = errors.New("bad input")

// inputError is an error in the input; it is ErrInput without saying so
// in its message.
type inputError struct{ msg string }

func (e *inputError) Error() string        { return "privacy: " + e.msg }
func (e *inputError) Is(target error) bool { return target == ErrInput }

func inputErr(format string, args ...any) error {
	return &inputError{fmt.Sprintf(format, args...)}
}

// set is the data of a run: the records as float64 rows, their labels.
type set struct {
	x *matrix
	y []int
}

func toSet(d *dataset.Dataset, name string, rowLen int) (*set, error) {
	if d == nil || d.Len() == 0 {
		return nil, inputErr("no %s", name)
	}
	if d.Y == nil {
		return nil, inputErr("the %s have no labels", name)
	}
	if d.X.RowLen() != rowLen {
		return nil, inputErr("the %s have %d features, the members %d", name, d.X.RowLen(), rowLen)
	}
	m := &matrix{n: d.Len(), d: rowLen, x: make([]float64, len(d.X.Data))}
	for i, v := range d.X.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, inputErr("the %s hold a value that is not finite", name)
		}
		m.x[i] = float64(v)
	}
	return &set{x: m, y: slices.Clone(d.Y)}, nil
}

// Run runs the configured attacks. It returns the report of the work that
// finished; when ctx ends it stops, marks the report Partial and returns
// ctx's error with it.
func Run(ctx context.Context, in Input) (*Report, error) {
	if err := in.Config.Validate(); err != nil {
		return nil, err
	}
	cfg := in.Config.withDefaults()
	if in.Target == nil {
		return nil, errors.New("privacy: no target")
	}
	if in.Members == nil || in.NonMembers == nil {
		return nil, inputErr("membership tests need members (training records) and non-members (held-out records)")
	}
	rowLen := in.Members.X.RowLen()
	mem, err := toSet(in.Members, "members", rowLen)
	if err != nil {
		return nil, err
	}
	non, err := toSet(in.NonMembers, "non-members", rowLen)
	if err != nil {
		return nil, err
	}
	var pop *set
	if in.Population != nil && in.Population.Len() > 0 {
		if pop, err = toSet(in.Population, "population records", rowLen); err != nil {
			return nil, err
		}
	}
	info := in.Target.Info()
	q := &querier{t: in.Target, shape: sampleShape(info.InputShape, in.Members.Info.Shape, rowLen), batch: cfg.BatchSize}
	rep := &Report{Target: info.Name, Members: mem.x.n, NonMembers: non.x.n, Config: cfg}
	if pop != nil {
		rep.Population = pop.x.n
	}
	features := in.Members.Info.Features
	if len(features) != rowLen {
		features = nil
	}
	r := &runner{ctx: ctx, cfg: cfg, q: q, mem: mem, non: non, pop: pop, features: features, rep: rep, progress: in.Progress}
	err = r.run(in.Sensitive)
	rep.Queries = q.queries
	if ctx.Err() != nil {
		rep.Partial = true
		return rep, ctx.Err()
	}
	return rep, err
}

// runner holds one run's state.
type runner struct {
	ctx      context.Context
	cfg      Config
	q        *querier
	mem      *set
	non      *set
	pop      *set
	features []string
	rep      *Report
	refs     *refs // the reference models, once trained
	progress func(done, total int, what string)
	done     int
	total    int
}

func (r *runner) step(what string) {
	r.done++
	if r.progress != nil {
		r.progress(r.done, r.total, what)
	}
}

func (r *runner) run(sensitive []string) error {
	cfg := r.cfg
	mia := slices.ContainsFunc(cfg.Attacks, isMembership)
	r.total = 1
	if mia {
		r.total += cfg.References + 1
	}
	if cfg.has(AttackExtraction) {
		r.total++
	}
	if cfg.has(AttackInversion) {
		r.total += len(sensitive)
	}
	// The target's answers on every record the attacker holds.
	pool := r.pool()
	answers, err := r.q.answers(r.ctx, pool.x)
	if err != nil {
		return fmt.Errorf("privacy: query the target: %w", err)
	}
	r.rep.Output = detectOutput(answers.raw, answers.k)
	r.step("target answers")
	if mia {
		if err := r.membership(pool, answers.probs); err != nil {
			return err
		}
	}
	if cfg.has(AttackExtraction) {
		ex, err := r.extraction(answers.probs)
		switch {
		case r.ctx.Err() != nil:
			return r.ctx.Err()
		case err != nil:
			r.rep.Failed = append(r.rep.Failed, "extraction: the target's answers failed: "+err.Error())
		default:
			r.rep.Extraction = ex
		}
	}
	if cfg.has(AttackInversion) {
		if len(sensitive) == 0 {
			r.rep.Skipped = append(r.rep.Skipped, "inversion: no sensitive attribute named (profile artefacts.sensitive_features or -sensitive)")
		}
		for _, s := range sensitive {
			inv, err := r.inversion(s, pool)
			if r.ctx.Err() != nil {
				return r.ctx.Err()
			}
			if errors.Is(err, ErrInput) {
				r.rep.Skipped = append(r.rep.Skipped, "inversion of "+s+": "+strings.TrimPrefix(err.Error(), "privacy: "))
				continue
			}
			if err != nil {
				r.rep.Failed = append(r.rep.Failed, "inversion of "+s+": the target's answers failed: "+err.Error())
				continue
			}
			r.rep.Inversion = append(r.rep.Inversion, inv)
			r.step("inversion " + s)
		}
	}
	return nil
}

func isMembership(a string) bool {
	switch a {
	case AttackThreshold, AttackCalibrated, AttackShadow, AttackLiRA, AttackRMIA, AttackLabelOnly:
		return true
	}
	return false
}

// pool is every record: members, then non-members, then population.
func (r *runner) pool() *set {
	p := &set{x: &matrix{d: r.mem.x.d}}
	for _, s := range []*set{r.mem, r.non, r.pop} {
		if s == nil {
			continue
		}
		p.x.n += s.x.n
		p.x.x = append(p.x.x, s.x.x...)
		p.y = append(p.y, s.y...)
	}
	return p
}

// querier sends records to the target in batches and counts them.
type querier struct {
	t       model.Target
	shape   []int
	batch   int
	queries int64
}

// answers are the target's outputs on a set of records.
type answers struct {
	k     int         // classes
	raw   [][]float32 // the outputs as returned (up to maxRaw rows)
	probs [][]float64 // as class probabilities
}

const maxRaw = 4000

func (q *querier) answers(ctx context.Context, x *matrix) (*answers, error) {
	a := &answers{}
	buf := make([]float32, 0, q.batch*x.d)
	for lo := 0; lo < x.n; lo += q.batch {
		hi := min(lo+q.batch, x.n)
		buf = buf[:0]
		for _, v := range x.x[lo*x.d : hi*x.d] {
			buf = append(buf, float32(v))
		}
		t := &model.Tensor{Shape: append([]int{hi - lo}, q.shape...), Data: buf}
		out, err := q.t.Predict(ctx, t)
		if err != nil {
			return nil, err
		}
		q.queries += int64(hi - lo)
		if err := out.Validate(); err != nil || out.Batch() != hi-lo || out.Batch() == 0 {
			return nil, fmt.Errorf("the target returned %v for a batch of %d", out.Shape, hi-lo)
		}
		k := len(out.Data) / out.Batch()
		if k < 1 || (a.k != 0 && k != a.k) {
			return nil, fmt.Errorf("the target returned %d values per record", k)
		}
		a.k = k
		for i := range hi - lo {
			row := out.Data[i*k : (i+1)*k]
			if len(a.raw) < maxRaw {
				a.raw = append(a.raw, slices.Clone(row))
			}
			p, err := probabilities(row)
			if err != nil {
				return nil, err
			}
			a.probs = append(a.probs, p)
		}
	}
	if a.k == 1 {
		a.k = 2
	}
	return a, nil
}

// probabilities turns one output row into class probabilities: a row that
// already is one is kept, others go through softmax; a single value is the
// probability (or logit) of class 1.
func probabilities(r []float32) ([]float64, error) {
	for _, v := range r {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, errors.New("the target's output for a record is not finite")
		}
	}
	if len(r) == 1 {
		p := float64(r[0])
		if p < 0 || p > 1 {
			p = 1 / (1 + math.Exp(-p))
		}
		return []float64{1 - p, p}, nil
	}
	row := make([]float64, len(r))
	sum, neg := 0.0, false
	for j, v := range r {
		row[j] = float64(v)
		sum += row[j]
		neg = neg || v < 0
	}
	if neg || math.Abs(sum-1) > 1e-3 {
		softmax(row)
		return row, nil
	}
	for j := range row {
		row[j] /= sum
	}
	return row, nil
}

// sampleShape is the model's sample shape when it is fully known and has
// rowLen values, else the data's, else flat.
func sampleShape(modelShape, dataShape []int, rowLen int) []int {
	n := func(s []int) int {
		p := 1
		for _, d := range s {
			if d <= 0 {
				return -1
			}
			p *= d
		}
		return p
	}
	if len(modelShape) > 0 && n(modelShape) == rowLen {
		return slices.Clone(modelShape)
	}
	if len(dataShape) > 0 && n(dataShape) == rowLen {
		return slices.Clone(dataShape)
	}
	return []int{rowLen}
}

// logit is the true class's log-odds from probabilities, log p_y − log of
// the other classes' sum, with both floored at the smallest float32, so
// that saturated answers still rank (Carlini et al.'s stable logit).
func logit(p []float64, y int) float64 {
	const tiny = 1.4e-45
	if y < 0 || y >= len(p) {
		return math.Log(tiny)
	}
	rest := 0.0
	for j, v := range p {
		if j != y {
			rest += v
		}
	}
	return math.Log(max(p[y], tiny)) - math.Log(max(rest, tiny))
}

func argmax(p []float64) int {
	best := 0
	for j, v := range p {
		if v > p[best] {
			best = j
		}
	}
	return best
}
