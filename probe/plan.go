package probe

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/aiassure/aiassure/metrics"
	"github.com/aiassure/aiassure/probe/poisoning"
	"github.com/aiassure/aiassure/probe/privacy"
)

// The suites a plan can run.
const (
	SuiteMetrics = "metrics" // accuracy metrics on the whole data set, compared with the declared levels
	SuiteEvasion = "evasion" // evasion attacks on a sample, the robustness curve
	SuitePrivacy = "privacy" // membership inference, model extraction, attribute inference (probe/privacy)
	// SuiteAvailability is the latency profile, the sponge search and, for
	// endpoints, the malformed-input test (package probe/availability). No
	// level's plan runs it by default, so assessments stay deterministic:
	// ask for it with the probe command's -suite.
	SuiteAvailability = "availability"
	// SuitePoisoning checks the training set for poisoning: label noise,
	// duplicates, outliers and spectral signatures (package probe/poisoning),
	// and the model for a back door: STRIP and Neural Cleanse on clean test
	// inputs (package probe/backdoor).
	SuitePoisoning = "poisoning"
)

// Suites lists the suites a plan can run.
func Suites() []string {
	return []string{SuiteMetrics, SuiteEvasion, SuitePrivacy, SuiteAvailability, SuitePoisoning}
}

// Plan is a test plan: which suites run, which attacks with which settings,
// on how many samples, at which perturbation sizes.
//
// Epsilons are relative to each feature's range: the runner attacks the
// model in a space where every feature is scaled to [0, 1] by the range its
// constraint gives (the observed range where the constraint leaves it
// unbounded), so ε = 0.05 lets an L∞ attacker move each feature by 5% of
// its range. For pixels in [0, 1] this is the usual pixel scale. L2 attacks
// use ε·√d, the L2 radius of the corner of the L∞ ball of ε in d features.
type Plan struct {
	Level  string   `json:"level"`
	Suites []string `json:"suites"`
	// Attacks run in this order; white-box ones only on differentiable
	// targets.
	Attacks []AttackSpec `json:"attacks"`
	// Substitutes run, after Attacks, only when the target gives no
	// gradients: black-box attacks that stand in for the white-box ones
	// skipped.
	Substitutes []AttackSpec `json:"substitutes,omitempty"`
	// Epsilons is the robustness curve's grid (L∞, relative to the range).
	Epsilons []float64 `json:"epsilons"`
	// Judge is the ε at which an attack passes or fails when the profile
	// declares no robust accuracy for the attack's norm.
	Judge float64 `json:"judge"`
	// Samples caps the samples attacked (drawn with Seed from the data set;
	// metrics always use every sample). Zero: every sample.
	Samples int `json:"samples"`
	// Budget is the query budget per sample of the black-box attacks.
	Budget int `json:"budget"`
	// BatchSize is the number of samples attacked together.
	BatchSize int `json:"batch_size"`
	// Seed fixes sampling, random starts and random searches.
	Seed uint64 `json:"seed"`
	// Basis is how a declared metric is compared with its measurement.
	Basis metrics.Basis `json:"basis"`
	// Resamples is the number of bootstrap resamples of the metrics'
	// intervals.
	Resamples int `json:"resamples"`
	// Privacy configures the privacy suite; Run sets its Seed, Resamples,
	// BatchSize and Limits.Bound from the plan's Seed, Resamples,
	// BatchSize and Basis.
	Privacy privacy.Config `json:"privacy"`
	// Requests is the request budget of the availability suite's latency
	// profile, SpongeBudget the number of inputs its sponge search may
	// evaluate (zero: the package's defaults, 100 and 200).
	Requests     int `json:"requests,omitempty"`
	SpongeBudget int `json:"sponge_budget,omitempty"`
	// Poisoning configures the poisoning suite.
	Poisoning PoisoningPlan `json:"poisoning"`
}

// AttackSpec names an attack of evasion.All and overrides its settings
// (zero keeps the attack's default). The fields are those of
// profile.Attack, so a profile's test plan converts to it; the keys of
// ParseAttackSpec and of each attack's Settings are the JSON names.
type AttackSpec struct {
	Name        string  `json:"name"`
	Steps       int     `json:"steps,omitempty"`        // PGD steps per run
	Restarts    int     `json:"restarts,omitempty"`     // PGD runs
	Step        float64 `json:"step,omitempty"`         // PGD step size, a multiple of ε
	RandomStart *bool   `json:"random_start,omitempty"` // PGD: random start of the first run (default true)
	Iterations  int     `json:"iterations,omitempty"`   // Square and HopSkipJump iterations, DeepFool's MaxIter
	PInit       float64 `json:"p_init,omitempty"`       // Square: initial window share
	InitEvals   int     `json:"init_evals,omitempty"`   // HopSkipJump: points of the first gradient estimate
	MaxEvals    int     `json:"max_evals,omitempty"`    // HopSkipJump: most points of one estimate
	Overshoot   float64 `json:"overshoot,omitempty"`    // DeepFool
	Budget      int     `json:"budget,omitempty"`       // queries per sample (default: the plan's Budget for black-box attacks)
}

// plans is the test plan of each Cybersecurity Act assurance level
// (Regulation (EU) 2019/881, Art. 52). The rationale, level by level:
//
//   - basic guards against the known basic risks: the two cheapest attacks
//     that need nothing special, one white-box step (FGSM) and the
//     score-based black-box random search (Square) at a small query budget,
//     on a small sample, over a coarse grid. Declared metrics are judged on
//     the point estimate.
//   - substantial guards against attackers with limited skills and
//     resources: PGD with random restarts (the standard first-order
//     adversary of Madry et al.), Square at a realistic budget, and DeepFool
//     to see how far the decision boundary lies; more samples, a finer grid.
//   - high guards against state-of-the-art attacks by attackers with
//     significant resources: every white-box and black-box attack of
//     evasion.All in both norms, including the decision-based HopSkipJump
//     (an attacker who sees only labels), more steps, restarts and
//     queries, the largest sample and the widest grid. Declared metrics must
//     hold on the lower (or upper) confidence bound, not the point estimate.
//
// The privacy suite runs at every level where the profile names training
// and held-out records (artefacts.train_data and heldout_data): basic with
// the attacks that need few reference models (threshold, calibrated,
// offline LiRA) on 4 logistic-regression references, extraction up to 400
// queries and attribute inference; substantial adds the shadow-model attack,
// RMIA and the label-only attack on 8 MLP references, 800 queries; high uses 16 MLP references
// and 2,000 queries. The limits are the same (ROC AUC 0.6, TPR 5% at 1%
// FPR, extraction fidelity 90%, attribute inference 5 points over the
// marginal); at high they must hold on the confidence bound.
//
// The poisoning suite runs at every level where the profile names the
// training set (artefacts.train_data): label flips, copies and trigger rows
// are known basic risks, and a scan of a training set takes well under a
// second. Its reference models are logistic regressions at every level
// (MLPs overfit the flipped labels and found fewer of them on the breast
// cancer and credit-g data, docs/poisoning.md): 5 folds at basic, 10 at
// substantial and high, where each reference model sees 90% of the rows.
// The limits are the same (at most 5% of the labels contradicted, 1% of the
// rows copies); at high they must hold on the upper end of the Wilson
// interval.
//
// Sample counts and budgets are sized so that the shipped examples assess
// in seconds on two cores; raise them with the probe command's flags.
var plans = []Plan{
	{
		Level:  "basic",
		Suites: []string{SuiteMetrics, SuiteEvasion, SuitePrivacy, SuitePoisoning},
		Attacks: []AttackSpec{
			{Name: "fgsm"},
			{Name: "square-linf", Iterations: 100},
		},
		Epsilons: []float64{0.01, 0.02, 0.05, 0.1},
		Judge:    0.05, Samples: 100, Budget: 100, BatchSize: 100, Seed: 1,
		Basis: metrics.PointEstimate, Resamples: 1000, Requests: 100, SpongeBudget: 100,
		Privacy: privacy.Config{
			Attacks:    []string{privacy.AttackThreshold, privacy.AttackCalibrated, privacy.AttackLiRA, privacy.AttackExtraction, privacy.AttackInversion},
			References: 4, Reference: privacy.TrainConfig{Hidden: 0, Epochs: 60, BatchSize: 32, LR: 0.01, WeightDecay: 1e-4},
			Budget: 400, InversionRecords: 200, Limits: privacyLimits,
		},
		Poisoning: poisoningPlan(5, 1000),
	},
	{
		Level:  "substantial",
		Suites: []string{SuiteMetrics, SuiteEvasion, SuitePrivacy, SuitePoisoning},
		Attacks: []AttackSpec{
			{Name: "pgd-linf", Steps: 20, Restarts: 3},
			{Name: "square-linf", Iterations: 300},
			{Name: "deepfool-linf", Iterations: 50},
		},
		// On a black box, the decision-based attack looks for the boundary
		// in DeepFool's stead.
		Substitutes: []AttackSpec{{Name: "hopskipjump-linf", Iterations: 10}},
		Epsilons:    []float64{0.01, 0.02, 0.05, 0.1, 0.2},
		Judge:       0.05, Samples: 150, Budget: 300, BatchSize: 150, Seed: 1,
		Basis: metrics.PointEstimate, Resamples: 1000, Requests: 200, SpongeBudget: 300,
		Privacy: privacy.Config{
			References: 8, Reference: privacy.TrainConfig{Hidden: 16, Epochs: 60, BatchSize: 32, LR: 0.01, WeightDecay: 1e-4},
			Budget: 800, InversionRecords: 300, Limits: privacyLimits,
		},
		Poisoning: poisoningPlan(10, 1000),
	},
	{
		Level:  "high",
		Suites: []string{SuiteMetrics, SuiteEvasion, SuitePrivacy, SuitePoisoning},
		Attacks: []AttackSpec{
			{Name: "fgsm"},
			{Name: "fgm-l2"},
			{Name: "pgd-linf", Steps: 40, Restarts: 5},
			{Name: "pgd-l2", Steps: 40, Restarts: 5},
			{Name: "deepfool-l2", Iterations: 50},
			{Name: "deepfool-linf", Iterations: 50},
			{Name: "square-linf", Iterations: 500},
			{Name: "hopskipjump-l2", Iterations: 10},
			{Name: "hopskipjump-linf", Iterations: 10},
		},
		Epsilons: []float64{0.005, 0.01, 0.02, 0.05, 0.1, 0.2},
		Judge:    0.05, Samples: 200, Budget: 1000, BatchSize: 200, Seed: 1,
		Basis: metrics.ConfidenceBound, Resamples: 1000, Requests: 500, SpongeBudget: 1000,
		Privacy: privacy.Config{
			References: 16, Reference: privacy.TrainConfig{Hidden: 32, Epochs: 80, BatchSize: 32, LR: 0.01, WeightDecay: 1e-4},
			Budget: 2000, InversionRecords: 500, Limits: privacyLimits,
		},
		Poisoning: poisoningPlan(10, 1000),
	},
}

// privacyLimits are the criteria of the privacy suite at every level.
var privacyLimits = privacy.Limits{MaxAUC: 0.6, MaxTPR01: 0.05, MaxFidelity: 0.9, MaxGain: 0.05}

// poisoningPlan is the poisoning suite of a level: folds logistic
// regressions and the default limits.
func poisoningPlan(folds, cleanseSteps int) PoisoningPlan {
	return PoisoningPlan{Folds: folds, Reference: privacy.TrainConfig{Hidden: 0, Epochs: 60, BatchSize: 32, LR: 0.01, WeightDecay: 1e-4},
		Limits: poisoning.DefaultLimits, Backdoor: BackdoorPlan{Inputs: 500, Steps: cleanseSteps}}
}

// Levels lists the assurance levels that have a plan, lowest first.
func Levels() []string {
	out := make([]string, len(plans))
	for i, p := range plans {
		out[i] = p.Level
	}
	return out
}

// PlanFor returns a copy of the plan of an assurance level; "" means basic.
func PlanFor(level string) (Plan, error) {
	if level == "" {
		level = "basic"
	}
	for _, p := range plans {
		if p.Level == level {
			return p.clone(), nil
		}
	}
	return Plan{}, fmt.Errorf("no test plan for assurance level %q (want %s)", level, strings.Join(Levels(), ", "))
}

func (p Plan) clone() Plan {
	p.Suites = slices.Clone(p.Suites)
	p.Attacks = slices.Clone(p.Attacks)
	p.Substitutes = slices.Clone(p.Substitutes)
	p.Epsilons = slices.Clone(p.Epsilons)
	p.Privacy.Attacks = slices.Clone(p.Privacy.Attacks)
	return p
}

// Has reports whether the plan runs a suite.
func (p Plan) Has(suite string) bool { return slices.Contains(p.Suites, suite) }

// Validate checks the plan's settings.
func (p Plan) Validate() error {
	if len(p.Suites) == 0 {
		return fmt.Errorf("plan %q: no suite", p.Level)
	}
	for _, s := range p.Suites {
		if !slices.Contains(Suites(), s) {
			return fmt.Errorf("plan %q: unknown suite %q (want %s)", p.Level, s, strings.Join(Suites(), ", "))
		}
	}
	if p.Has(SuitePrivacy) {
		if err := p.Privacy.Validate(); err != nil {
			return fmt.Errorf("plan %q: %w", p.Level, err)
		}
	}
	if p.Has(SuitePoisoning) {
		if err := p.Poisoning.validate(); err != nil {
			return fmt.Errorf("plan %q: %w", p.Level, err)
		}
	}
	if p.Has(SuiteEvasion) {
		if len(p.Attacks) == 0 {
			return fmt.Errorf("plan %q: the evasion suite has no attack", p.Level)
		}
		for _, a := range slices.Concat(p.Attacks, p.Substitutes) {
			if err := a.Validate(); err != nil {
				return fmt.Errorf("plan %q: %w", p.Level, err)
			}
		}
		if err := noDuplicates(p.Attacks); err != nil {
			return fmt.Errorf("plan %q: %w", p.Level, err)
		}
		if len(p.Epsilons) == 0 {
			return fmt.Errorf("plan %q: no epsilon", p.Level)
		}
		for _, e := range p.Epsilons {
			if !(e > 0) || math.IsInf(e, 0) {
				return fmt.Errorf("plan %q: epsilon %g is not a positive number", p.Level, e)
			}
		}
	}
	if p.Samples < 0 || p.Budget < 0 || p.BatchSize < 0 || p.Resamples < -1 || p.Requests < 0 || p.SpongeBudget < 0 {
		return fmt.Errorf("plan %q: negative sample count, budget, batch size, resamples or request budget", p.Level)
	}
	if p.Basis != "" && p.Basis != metrics.PointEstimate && p.Basis != metrics.ConfidenceBound {
		return fmt.Errorf("plan %q: unknown basis %q", p.Level, p.Basis)
	}
	return nil
}

func or(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// Quick shrinks a plan for smoke tests and golden files: at most 40
// samples, budgets of at most 100 queries, at most 10 PGD steps and 2
// restarts, at most 50 iterations, 200 bootstrap resamples; privacy with at
// most 4 reference models of 30 epochs, 200 extraction queries and 100
// inversion records; 20 latency requests and 40 sponge evaluations; the
// back-door checks on at most 64 inputs, with Neural Cleanse's full steps.
// The attacks, grid and judging stay those of the level. It is meant for
// WithPlan.
func Quick(p *Plan) {
	p.Samples = min(or(p.Samples, 40), 40)
	p.BatchSize = min(or(p.BatchSize, 40), 40)
	p.Budget = min(or(p.Budget, 100), 100)
	p.Resamples = min(p.Resamples, 200)
	q := &p.Privacy
	q.References = min(or(q.References, 4), 4)
	q.Reference.Epochs = min(or(q.Reference.Epochs, 30), 30)
	q.Budget = min(or(q.Budget, 200), 200)
	q.InversionRecords = min(or(q.InversionRecords, 100), 100)
	p.Requests = min(or(p.Requests, 20), 20)
	p.SpongeBudget = min(or(p.SpongeBudget, 40), 40)
	bd := &p.Poisoning.Backdoor
	bd.Inputs = min(or(bd.Inputs, 64), 64)
	// Neural Cleanse keeps its steps: with 100 or 300 the masks do not
	// converge and clean example models were flagged.
	for _, as := range [][]AttackSpec{p.Attacks, p.Substitutes} {
		for i := range as {
			as[i].quick()
		}
	}
}
