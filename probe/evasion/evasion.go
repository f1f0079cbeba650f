// Package evasion runs evasion attacks (adversarial examples) against a
// model.Target and reports how robust the target is.
//
// White-box attacks need a model.Differentiable target: FGSM (and its L2
// form FGM), PGD in the L-infinity and L2 norms (random start, restarts) and
// DeepFool (a minimal-perturbation attack, L2 and L-infinity). Black-box
// attacks only call Predict: Square Attack (L-infinity, score-based) and
// HopSkipJump (L2 and L-infinity, decision-based). All of them are
// untargeted.
//
// Every attack is a value of a type that implements Attack; All lists them.
// An attack takes its common settings in Params: the epsilon, a query budget
// per sample, a seed, the feasible set of inputs (a Constraint) and the kind
// of the target's output (logits or probabilities, detected when not given).
// Evaluate runs an attack over a stream of batches and one or more epsilons
// and returns a Report: robust accuracy with a Wilson 95% interval, attack
// success rate, perturbation sizes, queries and wall time, per epsilon (the
// robustness curve). Results turns reports into aiassure.Result values,
// judged against a declared robust accuracy or, without one, against the
// majority-class baseline (the model must keep half of its skill above
// always answering the majority class), each stating its criterion.
// Ensemble combines the reports of one norm into the worst case per sample,
// and CheckMasking looks in them for the signs of gradient masking or a
// failed attack (Carlini et al. 2019). Every attack reports the settings it
// runs with (Attack.Settings), recorded in its Report.
//
// docs/evasion.md describes each attack, its parameters and defaults, and
// how to read the results.
package evasion

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/aiassure/aiassure/model"
)

// Kind is the access an attack needs.
type Kind string

// The kinds of attack.
const (
	WhiteBox         Kind = "white-box"          // gradients of the output
	BlackBoxScore    Kind = "black-box-score"    // output scores only
	BlackBoxDecision Kind = "black-box-decision" // the predicted class only
)

// Norm is the norm that measures a perturbation.
type Norm string

// The norms.
const (
	Linf Norm = "linf"
	L2   Norm = "l2"
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

// Constraint maps a perturbed batch back into the set of feasible inputs, in
// place. x0 is the clean batch (same shape): constraints such as immutable
// features need it. Project must be idempotent enough that projecting twice
// changes nothing more.
type Constraint interface {
	Project(x, x0 *model.Tensor) error
}

// Bounded is implemented by constraints that confine every feature to one
// interval. Black-box attacks use the bounds to scale their first steps.
type Bounded interface {
	Bounds() (lo, hi float32)
}

// Box confines every feature to [Min, Max] (for example pixels to [0, 1]).
type Box struct{ Min, Max float32 }

// Project clips x into the box.
func (b Box) Project(x, _ *model.Tensor) error {
	if b.Min > b.Max {
		return fmt.Errorf("box [%g, %g] is empty", b.Min, b.Max)
	}
	for i, v := range x.Data {
		x.Data[i] = min(max(v, b.Min), b.Max)
	}
	return nil
}

// Bounds returns the box's interval.
func (b Box) Bounds() (lo, hi float32) { return b.Min, b.Max }

// Params are the settings that every attack takes.
type Params struct {
	// Epsilon is the largest perturbation allowed, in the attack's norm.
	// Fixed-budget attacks (FGSM, PGD, Square) need it; minimal-perturbation
	// attacks (DeepFool, HopSkipJump) count a sample as broken when they
	// find an adversarial example within it, and HopSkipJump stops a sample
	// early once there. Zero means "no bound" for minimal attacks.
	Epsilon float64
	// Budget is the most queries the attack may spend on one sample, the
	// clean prediction included; a forward pass and its gradient count as
	// one query. Zero leaves the attack's own iteration limits in force.
	Budget int
	// Seed makes random starts and random searches reproducible.
	Seed uint64
	// Constraint is the feasible set; nil means any input is feasible.
	Constraint Constraint
	// Output says whether the target returns logits or probabilities.
	Output OutputKind
	// BatchSize is the most rows sent in one Predict call (default 512).
	BatchSize int
	// Workers is how many Predict calls may run at once (default 2).
	Workers int
}

func (p Params) withDefaults() Params {
	if p.BatchSize <= 0 {
		p.BatchSize = 512
	}
	if p.Workers <= 0 {
		p.Workers = 2
	}
	return p
}

// Attack is one evasion attack with its settings.
type Attack interface {
	// Name is a stable, lower-case identifier such as "pgd-linf".
	Name() string
	Kind() Kind
	// Metric is the norm that measures the attack's perturbations.
	Metric() Norm
	// Minimal reports whether the attack looks for the smallest
	// perturbation rather than for any perturbation within Epsilon.
	Minimal() bool
	// Settings are the attack's parameters with their defaults filled in,
	// keyed by the Setting* names.
	Settings() map[string]float64
	// Run attacks the batch x whose true classes are labels. It returns an
	// error (and no outcome) when ctx ends before it finishes.
	Run(ctx context.Context, t model.Target, x *model.Tensor, labels []int, p Params) (*Outcome, error)
}

// Outcome is what an attack did to each sample of a batch.
type Outcome struct {
	// Adv holds the perturbed inputs: the adversarial example where one was
	// found, otherwise the last feasible candidate or the clean input.
	Adv *model.Tensor `json:"-"`
	// Labels are the true classes; Clean and Pred the predicted classes of
	// the clean and the perturbed inputs.
	Labels []int `json:"labels"`
	Clean  []int `json:"clean"`
	Pred   []int `json:"pred"`
	// Found is true where the clean input was classified correctly and the
	// attack found an input that is not.
	Found []bool `json:"found"`
	// Queries counts the rows sent to the target for each sample.
	Queries []int `json:"queries"`
	// L2 and Linf are the sizes of Adv minus the clean input.
	L2   []float64 `json:"l2"`
	Linf []float64 `json:"linf"`
}

// ErrNeedsGradient is returned by white-box attacks on targets that do not
// implement model.Differentiable.
var ErrNeedsGradient = errors.New("white-box attack needs a differentiable target")

// All returns every attack with its default settings, white-box first.
func All() []Attack {
	return []Attack{
		FGSM{Norm: Linf},
		FGSM{Norm: L2},
		PGD{Norm: Linf},
		PGD{Norm: L2},
		DeepFool{Norm: L2},
		DeepFool{Norm: Linf},
		Square{},
		HopSkipJump{Norm: L2},
		HopSkipJump{Norm: Linf},
	}
}

// ByName returns the attack of All with the given name.
func ByName(name string) (Attack, error) {
	for _, a := range All() {
		if a.Name() == name {
			return a, nil
		}
	}
	return nil, fmt.Errorf("unknown evasion attack %q", name)
}

// inBall reports whether a perturbation of size d lies within eps, with a
// tolerance for float32 rounding.
func inBall(d, eps float64) bool { return d <= eps*(1+1e-5)+1e-6 }

func argmax(row []float32) int {
	best, bi := float32(math.Inf(-1)), 0
	for j, v := range row {
		if v > best {
			best, bi = v, j
		}
	}
	return bi
}

func normName(n Norm) string {
	if n == L2 {
		return "L2"
	}
	return "L∞"
}

func checkNorm(n Norm) error {
	if n != Linf && n != L2 {
		return fmt.Errorf("unknown norm %q (want %q or %q)", n, Linf, L2)
	}
	return nil
}

func checkEpsilon(eps float64, minimal bool) error {
	if math.IsNaN(eps) || math.IsInf(eps, 0) || eps < 0 {
		return fmt.Errorf("epsilon %g must be a finite non-negative number", eps)
	}
	if eps == 0 && !minimal {
		return errors.New("epsilon must be positive")
	}
	return nil
}
