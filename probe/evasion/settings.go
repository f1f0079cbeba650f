package evasion

// The defaults of the attacks' settings, and the settings each attack
// reports: Evaluate records them in Report.Settings, so that a result says
// exactly what ran. The keys are those of the probe command's -attack flag
// and of a profile's test_plan.attacks (docs/evasion.md).

// Setting keys.
const (
	SettingSteps       = "steps"        // PGD: steps per run
	SettingRestarts    = "restarts"     // PGD: runs
	SettingStep        = "step"         // PGD: step size as a multiple of ε
	SettingStepSize    = "step_size"    // PGD: absolute step size (API users' StepSize)
	SettingRandomStart = "random_start" // PGD: 1 when the first run starts at random
	SettingIterations  = "iterations"   // Square, HopSkipJump: iterations; DeepFool: most iterations
	SettingPInit       = "p_init"       // Square: initial share of the input one window covers
	SettingInitEvals   = "init_evals"   // HopSkipJump: random points of the first estimate
	SettingMaxEvals    = "max_evals"    // HopSkipJump: most random points of one estimate
	SettingOvershoot   = "overshoot"    // DeepFool: the final step is scaled by 1+overshoot
	SettingBudget      = "budget"       // queries per sample (Params.Budget), when there is one
)

func (a PGD) filled() PGD {
	if a.Steps <= 0 {
		a.Steps = 40
	}
	if a.Restarts <= 0 {
		a.Restarts = 1
	}
	if a.StepSize <= 0 && a.RelStep <= 0 {
		a.RelStep = 2.5 / float64(a.Steps)
	}
	return a
}

func (a Square) filled() Square {
	if a.Iterations <= 0 {
		a.Iterations = 1000
	}
	if a.PInit <= 0 || a.PInit > 1 {
		a.PInit = 0.1
	}
	return a
}

func (a HopSkipJump) filled() HopSkipJump {
	if a.Iterations <= 0 {
		a.Iterations = 50
	}
	if a.InitEvals <= 0 {
		a.InitEvals = 100
	}
	if a.MaxEvals <= 0 {
		a.MaxEvals = 10000
	}
	return a
}

func (a DeepFool) filled() DeepFool {
	if a.MaxIter <= 0 {
		a.MaxIter = 50
	}
	if a.Overshoot <= 0 {
		a.Overshoot = 0.02
	}
	return a
}

// Settings returns nothing: FGSM's one step has size ε.
func (FGSM) Settings() map[string]float64 { return map[string]float64{} }

// Settings returns steps, restarts, random_start and step (a multiple of
// ε), or step_size when StepSize is set, with the defaults filled in.
func (a PGD) Settings() map[string]float64 {
	f := a.filled()
	m := map[string]float64{SettingSteps: float64(f.Steps), SettingRestarts: float64(f.Restarts), SettingRandomStart: 1}
	if f.NoRandomStart {
		m[SettingRandomStart] = 0
	}
	if f.StepSize > 0 {
		m[SettingStepSize] = f.StepSize
	} else {
		m[SettingStep] = f.RelStep
	}
	return m
}

// Settings returns iterations and p_init, with the defaults filled in.
func (a Square) Settings() map[string]float64 {
	f := a.filled()
	return map[string]float64{SettingIterations: float64(f.Iterations), SettingPInit: f.PInit}
}

// Settings returns iterations, init_evals and max_evals, with the defaults
// filled in.
func (a HopSkipJump) Settings() map[string]float64 {
	f := a.filled()
	return map[string]float64{SettingIterations: float64(f.Iterations), SettingInitEvals: float64(f.InitEvals), SettingMaxEvals: float64(f.MaxEvals)}
}

// Settings returns iterations (MaxIter) and overshoot, with the defaults
// filled in.
func (a DeepFool) Settings() map[string]float64 {
	f := a.filled()
	return map[string]float64{SettingIterations: float64(f.MaxIter), SettingOvershoot: f.Overshoot}
}

// settingsOf returns the settings of a with the budget of p.
func settingsOf(a Attack, p Params) map[string]float64 {
	m := a.Settings()
	if m == nil {
		m = map[string]float64{}
	}
	if p.Budget > 0 {
		m[SettingBudget] = float64(p.Budget)
	}
	return m
}
