// Package backdoor checks a trained classifier for a planted back door (a
// trojan): a trigger that, stamped on any input, makes the model answer the
// attacker's class while it behaves normally on clean inputs (the ENISA
// report, section 4.1, https://www.enisa.europa.eu/publications/cybersecurity-of-ai-and-standardisation).
//
// Two checks, both on a set of clean inputs the assessor holds:
//
//   - STRIP (Gao et al. 2019) needs only the model's scores. It blends an
//     input with random clean inputs and measures the entropy of the
//     predictions: a clean input's class is washed out by the blend, an
//     input carrying a trigger keeps the trigger's class, so its entropy
//     stays low. The clean inputs set the detection boundary at a stated
//     false positive rate; inputs to screen (Config.Suspect) below it are
//     flagged, and an exact test says whether more of them are below it than
//     clean inputs would be.
//   - Neural Cleanse (Wang et al. 2019) needs gradients. For every class it
//     searches the smallest mask and pattern that send the clean inputs to
//     that class; a class reached by a far smaller mask than the others
//     (anomaly index over 2, from the median absolute deviation) is the
//     likely target of a back door.
//
// Check runs both; Results turns the Report into assessment results.
// docs/backdoor.md describes the checks, their settings and what they cannot
// find, with measured numbers.
package backdoor

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/aiassure/aiassure/model"
)

// OutputKind says what the target's output rows are.
type OutputKind string

// The output kinds. OutputAuto detects the kind from the clean output: rows
// that are non-negative and sum to one are probabilities.
const (
	OutputAuto    OutputKind = ""
	Logits        OutputKind = "logits"
	Probabilities OutputKind = "probabilities"
)

// Config sets the checks. The zero value gives the defaults below.
type Config struct {
	// Seed makes every random draw (overlays, mini-batches, the first masks)
	// reproducible.
	Seed uint64
	// Output is the kind of the target's output (detected when empty).
	Output OutputKind
	// MaxInputs bounds the clean inputs used (the first MaxInputs of x) and
	// the suspect inputs screened (default 500).
	MaxInputs int

	// Suspect, when set, holds inputs to screen with STRIP (inputs seen in
	// operation, or inputs suspected to carry a trigger), of x's shape per
	// sample.
	Suspect *model.Tensor
	// Overlays is the number N of clean inputs each input is blended with
	// (default 20).
	Overlays int
	// Alpha is the weight of the input in the blend alpha*x + (1-alpha)*o
	// (default 0.5).
	Alpha float64
	// FPR is the share of clean inputs allowed below the detection boundary
	// (default 0.01).
	FPR float64
	// Significance is the level of the exact test of the suspects' count
	// below the boundary (default 0.01).
	Significance float64
	// MinAUC is the separation the suspects must reach, besides the exact
	// test, for STRIP to flag them as carrying a trigger (default 0.8: a
	// suspect's entropy below a clean input's in four of five pairs).
	MinAUC float64
	// NoSTRIP skips STRIP.
	NoSTRIP bool

	// Low and High bound each element of one sample (the length of a
	// sample, or one value for all elements); Neural Cleanse searches masks
	// and patterns in the space scaled to [0, 1] by them. When nil, the
	// smallest and largest value of x bound every element (pixels in
	// [0, 1] stay there; for tabular data give per-feature bounds).
	Low, High []float32
	// Steps is the number of Adam steps per class (default 1000).
	Steps int
	// BatchSize is the number of clean inputs per step (default 32).
	BatchSize int
	// LearningRate of Adam (default 0.1; betas 0.5 and 0.9 as in the
	// paper's code).
	LearningRate float64
	// InitCost is the weight of the mask's L1 norm once the attack first
	// succeeds (default 1e-3); it then rises by 1.5 after Patience epochs
	// at or above SuccessThreshold and falls by 1.5^1.5 after Patience
	// epochs below it.
	InitCost float64
	// EpochSteps is the number of steps between adjustments of the cost
	// (default 10) and Patience the number of epochs of one kind before it
	// changes (default 3).
	EpochSteps, Patience int
	// SuccessThreshold is the share of the batch a reversed trigger must
	// send to its class to count (default 0.99).
	SuccessThreshold float64
	// AnomalyThreshold flags a class whose mask norm lies more than this
	// many scaled MADs below the median (default 2).
	AnomalyThreshold float64
	// NoCleanse skips Neural Cleanse.
	NoCleanse bool

	// Progress, if set, is called as work finishes: done of total units.
	Progress func(done, total int, what string)
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	deff := func(v *float64, d float64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.MaxInputs, 500)
	def(&c.Overlays, 20)
	def(&c.Steps, 1000)
	def(&c.BatchSize, 32)
	def(&c.EpochSteps, 10)
	def(&c.Patience, 3)
	deff(&c.Alpha, 0.5)
	deff(&c.FPR, 0.01)
	deff(&c.Significance, 0.01)
	deff(&c.MinAUC, 0.8)
	deff(&c.LearningRate, 0.1)
	deff(&c.InitCost, 1e-3)
	deff(&c.SuccessThreshold, 0.99)
	deff(&c.AnomalyThreshold, 2)
	return c
}

func (c Config) validate() error {
	switch {
	case c.Alpha >= 1:
		return fmt.Errorf("alpha %g: want a weight in (0, 1)", c.Alpha)
	case c.FPR >= 1:
		return fmt.Errorf("false positive rate %g: want a share in (0, 1)", c.FPR)
	case c.Significance >= 1:
		return fmt.Errorf("significance %g: want a level in (0, 1)", c.Significance)
	case c.MinAUC > 1:
		return fmt.Errorf("minimum AUC %g: want a value in (0, 1]", c.MinAUC)
	case c.SuccessThreshold > 1:
		return fmt.Errorf("success threshold %g: want a share in (0, 1]", c.SuccessThreshold)
	case math.IsNaN(c.Alpha + c.FPR + c.Significance + c.MinAUC + c.LearningRate + c.InitCost + c.SuccessThreshold + c.AnomalyThreshold):
		return errors.New("a setting is NaN")
	case c.Output != OutputAuto && c.Output != Logits && c.Output != Probabilities:
		return fmt.Errorf("unknown output kind %q", c.Output)
	}
	return nil
}

// Report is the outcome of Check.
type Report struct {
	// Target names the model (its Info().Name).
	Target string `json:"target"`
	// Inputs is the number of clean inputs used, Classes the class names.
	Inputs  int      `json:"inputs"`
	Classes []string `json:"classes"`
	// Probabilities is true when the output rows were read as
	// probabilities, false for logits.
	Probabilities bool `json:"probabilities"`
	// STRIP is nil when skipped; STRIPSkipped then says why, unless it was
	// not asked for.
	STRIP        *STRIPReport `json:"strip,omitempty"`
	STRIPSkipped string       `json:"strip_skipped,omitempty"`
	// SuspectInputs is the number of inputs given to screen
	// (Config.Suspect); without any, STRIP gives no verdict on the model.
	SuspectInputs int `json:"suspect_inputs"`
	// Cleanse is nil when skipped or not applicable; CleanseSkipped then
	// says why.
	Cleanse        *CleanseReport `json:"neural_cleanse,omitempty"`
	CleanseSkipped string         `json:"neural_cleanse_skipped,omitempty"`
}

// MinCleanseClasses is the fewest classes Neural Cleanse runs on: with two,
// the median lies halfway between the two norms and the MAD is half their
// difference, so no class can stand out.
const MinCleanseClasses = 3

// ErrTooFewInputs: the clean inputs are too few for STRIP's overlays or
// for its boundary at the false positive rate.
var ErrTooFewInputs = errors.New("too few clean inputs")

// ErrNoGradient is wrapped in Report.CleanseSkipped's cause: Neural Cleanse
// needs a model.Differentiable target.
var ErrNoGradient = errors.New("the target gives no gradients")

// Check runs STRIP and Neural Cleanse on target with the clean inputs x
// (shape [B, sample...]) and the class names (one per output column; nil
// names them by index). A target without gradients gets STRIP only, with
// CleanseSkipped saying so.
func Check(ctx context.Context, target model.Target, x *model.Tensor, classes []string, cfg Config) (*Report, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if target == nil {
		return nil, errors.New("nil target")
	}
	if err := checkBatch(x, "clean inputs"); err != nil {
		return nil, err
	}
	if x.Batch() < 2 {
		return nil, fmt.Errorf("%d clean inputs: need at least 2", x.Batch())
	}
	if x.Batch() > cfg.MaxInputs {
		x, _ = x.Slice(0, cfg.MaxInputs)
	}
	out, err := target.Predict(ctx, x)
	if err != nil {
		return nil, fmt.Errorf("predict the clean inputs: %w", err)
	}
	if len(out.Shape) != 2 || out.Shape[0] != x.Batch() || out.Shape[1] < 2 {
		return nil, fmt.Errorf("output shape %v: want [%d, classes >= 2]", out.Shape, x.Batch())
	}
	k := out.Shape[1]
	if classes == nil {
		for i := range k {
			classes = append(classes, fmt.Sprint(i))
		}
	}
	if len(classes) != k {
		return nil, fmt.Errorf("%d class names for %d output columns", len(classes), k)
	}
	rep := &Report{Target: target.Info().Name, Inputs: x.Batch(), Classes: classes}
	switch cfg.Output {
	case Probabilities:
		rep.Probabilities = true
	case OutputAuto:
		rep.Probabilities = out.Probabilities()
	}
	units, done := 0, 0
	if !cfg.NoSTRIP {
		units++
	}
	d, differentiable := target.(model.Differentiable)
	differentiable = differentiable && target.Info().Differentiable
	if !cfg.NoCleanse && differentiable && k >= MinCleanseClasses {
		units += k
	}
	progress := func(what string) {
		done++
		if cfg.Progress != nil {
			cfg.Progress(done, units, what)
		}
	}
	if cfg.Suspect != nil {
		rep.SuspectInputs = cfg.Suspect.Batch()
	}
	if !cfg.NoSTRIP {
		rep.STRIP, err = strip(ctx, target, x, rep.Probabilities, cfg)
		switch {
		case errors.Is(err, ErrTooFewInputs):
			rep.STRIPSkipped = err.Error()
		case err != nil:
			return nil, fmt.Errorf("strip: %w", err)
		}
		progress("strip")
	}
	switch {
	case cfg.NoCleanse:
		rep.CleanseSkipped = "not asked for"
	case !differentiable:
		rep.CleanseSkipped = ErrNoGradient.Error() + ": Neural Cleanse needs the gradient of the output with respect to the input"
	case k < MinCleanseClasses:
		rep.CleanseSkipped = fmt.Sprintf("the model has %d classes: Neural Cleanse's anomaly index compares each class's trigger with the others' median and deviation, "+
			"which needs at least %d classes (with 2 the smaller index is always 1/1.4826)", k, MinCleanseClasses)
	default:
		c, err := cleanse(ctx, d, x, classes, rep.Probabilities, cfg, progress)
		switch {
		case errors.Is(err, model.ErrNotDifferentiable):
			rep.CleanseSkipped = "the output does not depend differentiably on the input: " + err.Error()
		case err != nil:
			return nil, fmt.Errorf("neural cleanse: %w", err)
		}
		rep.Cleanse = c
	}
	return rep, nil
}

func checkBatch(x *model.Tensor, what string) error {
	if x == nil {
		return fmt.Errorf("%s: none given", what)
	}
	if err := x.Validate(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if len(x.Shape) < 2 || x.Shape[0] == 0 || x.RowLen() == 0 {
		return fmt.Errorf("%s: shape %v: want a non-empty batch", what, x.Shape)
	}
	if err := x.CheckFinite(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// distribution writes the predicted class distribution of row into p:
// softmax of logits, or probabilities normalised to sum to one.
func distribution(row []float32, probs bool, p []float64) {
	if probs {
		s := 0.0
		for j, v := range row {
			p[j] = max(float64(v), 0)
			s += p[j]
		}
		for j := range p {
			if s > 0 {
				p[j] /= s
			} else {
				p[j] = 1 / float64(len(p))
			}
		}
		return
	}
	m := math.Inf(-1)
	for _, v := range row {
		m = max(m, float64(v))
	}
	s := 0.0
	for j, v := range row {
		p[j] = math.Exp(float64(v) - m)
		s += p[j]
	}
	for j := range p {
		p[j] /= s
	}
}
