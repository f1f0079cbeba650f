package probe

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure/probe/evasion"
	"github.com/aiassure/aiassure/profile"
)

// field is one setting of an AttackSpec, by its key.
type field struct {
	key string
	i   *int
	f   *float64
	b   **bool
}

// fields lists the settings of s in a fixed order, the order of String.
func (s *AttackSpec) fields() []field {
	return []field{
		{key: evasion.SettingSteps, i: &s.Steps},
		{key: evasion.SettingRestarts, i: &s.Restarts},
		{key: evasion.SettingStep, f: &s.Step},
		{key: evasion.SettingRandomStart, b: &s.RandomStart},
		{key: evasion.SettingIterations, i: &s.Iterations},
		{key: evasion.SettingPInit, f: &s.PInit},
		{key: evasion.SettingInitEvals, i: &s.InitEvals},
		{key: evasion.SettingMaxEvals, i: &s.MaxEvals},
		{key: evasion.SettingOvershoot, f: &s.Overshoot},
		{key: evasion.SettingBudget, i: &s.Budget},
	}
}

func (f field) set() bool {
	switch {
	case f.i != nil:
		return *f.i != 0
	case f.f != nil:
		return *f.f != 0
	}
	return *f.b != nil
}

func (f field) value() float64 {
	switch {
	case f.i != nil:
		return float64(*f.i)
	case f.f != nil:
		return *f.f
	case *f.b != nil && **f.b:
		return 1
	}
	return 0
}

func (f field) format() string {
	if f.b != nil {
		return strconv.FormatBool(f.value() == 1)
	}
	return strconv.FormatFloat(f.value(), 'g', -1, 64)
}

func (f field) parse(v string) error {
	switch {
	case f.i != nil:
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%s=%s: want a whole number", f.key, v)
		}
		*f.i = n
	case f.f != nil:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s=%s: want a number", f.key, v)
		}
		*f.f = x
	default:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%s=%s: want true or false", f.key, v)
		}
		*f.b = &b
	}
	return nil
}

// settings returns the keys of the settings the named attack takes.
func settings(name string) ([]string, error) {
	keys, ok := profile.AttackSettings[name]
	if !ok {
		return nil, fmt.Errorf("unknown evasion attack %q (want %s)", name, strings.Join(profile.EvasionAttacks, ", "))
	}
	return keys, nil
}

// Validate checks that the spec names an attack of evasion.All and gives it
// only settings it takes (profile.AttackSettings), each within its range
// (profile.Ranges, "test_plan.attacks[].<key>").
func (s AttackSpec) Validate() error {
	if _, err := evasion.ByName(s.Name); err != nil {
		return fmt.Errorf("%w (want %s)", err, strings.Join(profile.EvasionAttacks, ", "))
	}
	keys, err := settings(s.Name)
	if err != nil {
		return err
	}
	ranges := profile.Ranges()
	for _, f := range s.fields() {
		if !f.set() {
			continue
		}
		if !slices.Contains(keys, f.key) {
			return fmt.Errorf("attack %s: %s is not one of its settings (%s)", s.Name, f.key, strings.Join(keys, ", "))
		}
		if r, ok := ranges["test_plan.attacks[]."+f.key]; ok && (f.value() < r.Min || f.value() > r.Max) {
			return fmt.Errorf("attack %s: %s=%s is out of range [%v, %v] (0 keeps the default)", s.Name, f.key, f.format(), r.Min, r.Max)
		}
	}
	if s.InitEvals > 0 && s.MaxEvals > 0 && s.MaxEvals < s.InitEvals {
		return fmt.Errorf("attack %s: max_evals %d is below init_evals %d", s.Name, s.MaxEvals, s.InitEvals)
	}
	return nil
}

// ParseAttackSpec reads "name" or "name:key=value,key=value", as the probe
// command's -attack flag takes it: "pgd-linf:steps=40,restarts=5,step=0.1".
// The keys are the attack's settings (profile.AttackSettings); the result
// is validated.
func ParseAttackSpec(text string) (AttackSpec, error) {
	name, rest, _ := strings.Cut(strings.TrimSpace(text), ":")
	s := AttackSpec{Name: strings.TrimSpace(name)}
	keys, err := settings(s.Name)
	if err != nil {
		return s, err
	}
	seen := map[string]bool{}
	for _, kv := range strings.Split(rest, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || v == "" {
			return s, fmt.Errorf("attack %s: %q: want key=value (keys: %s)", s.Name, kv, strings.Join(keys, ", "))
		}
		if !slices.Contains(keys, k) {
			return s, fmt.Errorf("attack %s has no setting %q (its settings: %s)", s.Name, k, strings.Join(keys, ", "))
		}
		if seen[k] {
			return s, fmt.Errorf("attack %s: %s given twice", s.Name, k)
		}
		seen[k] = true
		i := slices.IndexFunc(s.fields(), func(f field) bool { return f.key == k })
		if err := s.fields()[i].parse(v); err != nil {
			return s, fmt.Errorf("attack %s: %w", s.Name, err)
		}
	}
	return s, s.Validate()
}

// String writes the spec as ParseAttackSpec reads it, with the settings it
// gives.
func (s AttackSpec) String() string {
	var kv []string
	for _, f := range s.fields() {
		if f.set() {
			kv = append(kv, f.key+"="+f.format())
		}
	}
	if len(kv) == 0 {
		return s.Name
	}
	return s.Name + ":" + strings.Join(kv, ",")
}

// Over returns s with the settings it does not give taken from base.
func (s AttackSpec) Over(base AttackSpec) AttackSpec {
	out := s
	of, bf := out.fields(), base.fields()
	for k, f := range of {
		if f.set() {
			continue
		}
		switch {
		case f.i != nil:
			*f.i = *bf[k].i
		case f.f != nil:
			*f.f = *bf[k].f
		default:
			*f.b = *bf[k].b
		}
	}
	return out
}

// SettingsSpec writes the settings an attack ran with (a Report's
// Settings) in the form of ParseAttackSpec, so that they can be given back
// to the probe command's -attack: "pgd-linf:steps=10,restarts=2,step=0.25,
// random_start=true". Settings without a key of AttackSpec (an absolute
// step_size set through the API) are written after the others.
func SettingsSpec(name string, set map[string]float64) string {
	var kv []string
	var s AttackSpec
	known := map[string]bool{}
	for _, f := range s.fields() {
		known[f.key] = true
		v, ok := set[f.key]
		if !ok {
			continue
		}
		if f.b != nil {
			kv = append(kv, f.key+"="+strconv.FormatBool(v == 1))
			continue
		}
		kv = append(kv, f.key+"="+strconv.FormatFloat(v, 'g', -1, 64))
	}
	var extra []string
	for k, v := range set {
		if !known[k] {
			extra = append(extra, k+"="+strconv.FormatFloat(v, 'g', -1, 64))
		}
	}
	slices.Sort(extra)
	kv = append(kv, extra...)
	if len(kv) == 0 {
		return name
	}
	return name + ":" + strings.Join(kv, ",")
}

// WithAttacks changes the plan's attacks as a profile's test plan does: a
// spec for an attack the plan runs changes the settings it gives; any
// other is added after the plan's attacks.
func (p *Plan) WithAttacks(specs []AttackSpec) {
	for _, s := range specs {
		if i := slices.IndexFunc(p.Attacks, func(a AttackSpec) bool { return a.Name == s.Name }); i >= 0 {
			p.Attacks[i] = s.Over(p.Attacks[i])
			continue
		}
		p.Attacks = append(p.Attacks, s)
	}
}

// FromProfile converts a profile's test-plan attacks.
func FromProfile(tp *profile.TestPlan) []AttackSpec {
	if tp == nil {
		return nil
	}
	out := make([]AttackSpec, len(tp.Attacks))
	for i, a := range tp.Attacks {
		out[i] = AttackSpec(a)
	}
	return out
}

// attack builds the attack the spec names, with its settings.
func (s AttackSpec) attack() (evasion.Attack, error) {
	a, err := evasion.ByName(s.Name)
	if err != nil {
		return nil, err
	}
	switch x := a.(type) {
	case evasion.PGD:
		x.Steps, x.Restarts, x.RelStep = or(s.Steps, x.Steps), or(s.Restarts, x.Restarts), s.Step
		x.NoRandomStart = s.RandomStart != nil && !*s.RandomStart
		return x, nil
	case evasion.Square:
		x.Iterations, x.PInit = or(s.Iterations, x.Iterations), s.PInit
		return x, nil
	case evasion.HopSkipJump:
		x.Iterations, x.InitEvals, x.MaxEvals = or(s.Iterations, x.Iterations), s.InitEvals, s.MaxEvals
		return x, nil
	case evasion.DeepFool:
		x.MaxIter, x.Overshoot = or(s.Iterations, x.MaxIter), s.Overshoot
		return x, nil
	}
	return a, nil
}

// budget is the query budget per sample of the spec's attack: its own, else
// the plan's for black-box attacks, else none.
func (s AttackSpec) budget(a evasion.Attack, plan int) int {
	switch {
	case s.Budget > 0:
		return s.Budget
	case a.Kind() != evasion.WhiteBox:
		return plan
	}
	return 0
}

// noDuplicates reports an attack named twice.
func noDuplicates(specs []AttackSpec) error {
	for i, s := range specs {
		if slices.ContainsFunc(specs[:i], func(o AttackSpec) bool { return o.Name == s.Name }) {
			return fmt.Errorf("attack %s named twice", s.Name)
		}
	}
	return nil
}

// quick caps the spec's settings for Quick: at most 10 PGD steps and 2
// restarts, 50 iterations and a budget of 100, each where the attack takes
// the setting.
func (s *AttackSpec) quick() {
	keys := profile.AttackSettings[s.Name]
	limit := func(key string, v *int, c int) {
		if slices.Contains(keys, key) {
			*v = min(or(*v, c), c)
		}
	}
	limit(evasion.SettingSteps, &s.Steps, 10)
	limit(evasion.SettingRestarts, &s.Restarts, 2)
	limit(evasion.SettingIterations, &s.Iterations, 50)
	if s.Budget > 0 {
		s.Budget = min(s.Budget, 100)
	}
}
