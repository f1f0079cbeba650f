package profile

import (
	"fmt"
	"math"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/aiassure/aiassure/internal/yamlx"
)

// Patterns constrains the form of some string fields, as regular expressions
// (RE2, also valid in JSON Schema).
func Patterns() map[string]string {
	return map[string]string{
		"assets[].digest": `^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$`,
	}
}

// Validate checks p against the profile's rules: required fields, closed
// vocabularies, ranges, unique IDs. Load and Decode already call it; call it
// on a profile built or changed in code. Errors are a yamlx.Errors; they
// carry line and column when p came from Load or Decode.
func (p *Profile) Validate() error {
	errs := validate(p, p.Path, positionsOf(p))
	errs.Sort()
	return errs.Err()
}

type validator struct {
	file     string
	pos      yamlx.Positions
	errs     yamlx.Errors
	enums    map[string][]string
	required map[string]bool
	ranges   map[string]Range
	patterns map[string]*regexp.Regexp
}

func validate(p *Profile, file string, pos yamlx.Positions) yamlx.Errors {
	v := &validator{
		file: file, pos: pos, enums: Enums(), ranges: Ranges(),
		required: map[string]bool{}, patterns: map[string]*regexp.Regexp{},
	}
	for _, r := range Required {
		v.required[r] = true
	}
	for k, re := range Patterns() {
		v.patterns[k] = regexp.MustCompile(re)
	}
	v.walk(reflect.ValueOf(p).Elem(), "", "")
	v.roles(p)
	v.annexIII(p)
	v.unique("assets", "id", len(p.Assets), func(i int) string { return p.Assets[i].ID })
	v.unique("controls", "id", len(p.Controls), func(i int) string { return string(p.Controls[i].ID) })
	v.performance(p)
	v.artefacts(p)
	v.testPlan(p)
	return v.errs
}

// maxValidateErrors caps what validation collects: Decode reports the first
// yamlx.DefaultMaxErrors by position, and a document that repeats one bad
// value through aliases must not cost one error per repetition.
const maxValidateErrors = 20 * yamlx.DefaultMaxErrors

func (v *validator) add(path, format string, args ...any) {
	if len(v.errs) >= maxValidateErrors {
		return
	}
	e := &yamlx.Error{File: v.file, Path: path, Msg: fmt.Sprintf(format, args...)}
	if v.pos != nil {
		at, _ := v.pos.Near(path)
		e.Line, e.Col = at.Line, at.Col
	}
	v.errs = append(v.errs, e)
}

// present reports whether path was written in the document. Without
// positions (a profile built in code) it cannot tell and says yes.
func (v *validator) present(path string) bool {
	if v.pos == nil {
		return true
	}
	_, ok := v.pos[path]
	return ok
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// walk checks the generic rules (required, enums, ranges, patterns, list
// items) of every field under rv. path is the field path; norm the same with
// "[]" for list indices.
func (v *validator) walk(rv reflect.Value, path, norm string) {
	switch rv.Kind() {
	case reflect.Pointer:
		if !rv.IsNil() {
			v.walk(rv.Elem(), path, norm)
		}
	case reflect.Struct:
		t := rv.Type()
		for i := range t.NumField() {
			name, _, ok := yamlx.TagName(t.Field(i))
			if !ok {
				continue
			}
			fv := rv.Field(i)
			fp, fn := join(path, name), join(norm, name)
			if v.required[fn] && v.missing(fv, fp) {
				continue
			}
			v.walk(fv, fp, fn)
		}
	case reflect.Slice:
		seen := map[string]int{}
		for i := range rv.Len() {
			ip := fmt.Sprintf("%s[%d]", path, i)
			el := rv.Index(i)
			if el.Kind() == reflect.String {
				s := el.String()
				if strings.TrimSpace(s) == "" {
					v.add(ip, "empty value")
					continue
				}
				if j, dup := seen[s]; dup {
					v.add(ip, "duplicate value %s (also %s[%d])", yamlx.Quote(s), path, j)
					continue
				}
				seen[s] = i
			}
			v.walk(el, ip, norm+"[]")
		}
	case reflect.String:
		v.str(rv.String(), path, norm)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.number(float64(rv.Int()), path, norm)
	case reflect.Float64, reflect.Float32:
		v.number(rv.Float(), path, norm)
	}
}

// missing reports (and records) a required field that is absent or empty.
func (v *validator) missing(fv reflect.Value, path string) bool {
	switch fv.Kind() {
	case reflect.String:
		if strings.TrimSpace(fv.String()) != "" {
			return false
		}
		if v.pos != nil {
			if _, ok := v.pos[path]; ok {
				v.add(path, "must not be empty")
				return true
			}
		}
	case reflect.Slice:
		if fv.Len() > 0 {
			return false
		}
		v.add(path, "at least one item is required")
		return true
	case reflect.Struct, reflect.Pointer:
		if !fv.IsZero() || v.pos != nil && v.present(path) {
			return false
		}
	default: // numbers and booleans: a zero may be meant
		if v.present(path) {
			return false
		}
	}
	v.add(path, "required field is missing")
	return true
}

func (v *validator) str(s, path, norm string) {
	if s == "" {
		return
	}
	if allowed, ok := v.enums[norm]; ok && !slices.Contains(allowed, s) {
		if norm == "api_version" {
			v.add(path, "unsupported api_version %s; this release reads %q", yamlx.Quote(s), APIVersion)
			return
		}
		v.add(path, "%s", badValue(s, allowed))
	}
	if re, ok := v.patterns[norm]; ok && !re.MatchString(s) {
		v.add(path, "%s does not match %s", yamlx.Quote(s), re)
	}
}

// badValue words an out-of-vocabulary value, with a suggestion.
func badValue(s string, allowed []string) string {
	msg := "invalid value " + yamlx.Quote(s)
	if sug := yamlx.Suggest(s, allowed); sug != "" {
		msg += fmt.Sprintf("; did you mean %q?", sug)
	}
	if len(allowed) <= 12 {
		return msg + " (allowed: " + strings.Join(allowed, ", ") + ")"
	}
	return msg + " (see docs/profile.md for the allowed values)"
}

func (v *validator) number(x float64, path, norm string) {
	r, ok := v.ranges[norm]
	if !ok {
		return
	}
	if math.IsNaN(x) || x < r.Min || x > r.Max {
		v.add(path, "%v is out of range [%v, %v]", x, r.Min, r.Max)
	}
}

func (v *validator) unique(list, field string, n int, id func(int) string) {
	seen := map[string]int{}
	for i := range n {
		s := id(i)
		if s == "" {
			continue
		}
		if j, dup := seen[s]; dup {
			v.add(fmt.Sprintf("%s[%d].%s", list, i, field), "duplicate %s %s (also %s[%d])", field, yamlx.Quote(s), list, j)
			continue
		}
		seen[s] = i
	}
}

// roles checks that the profile gives its role in exactly one of role (one
// role) and roles (a list); the generic walk checks the values.
func (v *validator) roles(p *Profile) {
	hasRole := strings.TrimSpace(p.Role) != ""
	switch {
	case hasRole && len(p.Roles) > 0:
		v.add("roles", "give role (one role) or roles (a list), not both")
	case !hasRole && len(p.Roles) == 0:
		switch {
		case v.pos != nil && v.present("roles"):
			v.add("roles", "at least one item is required")
		case v.pos != nil && v.present("role"):
			v.add("role", "must not be empty")
		default:
			v.add("role", "required field is missing (give role, or roles for several: roles: [provider, deployer])")
		}
	}
}

func (v *validator) annexIII(p *Profile) {
	seen := map[AnnexIIIRef]int{}
	for i, r := range p.Use.AnnexIII {
		path := fmt.Sprintf("use.annex_iii[%d]", i)
		if r.Area < 1 || r.Area > 8 {
			continue // reported by the range check
		}
		if !AnnexIIIValid(r.Area, r.Point) {
			if r.Point == "" {
				v.add(path+".point", "required field is missing (area %d has points %s)", r.Area, strings.Join(AnnexIIIPoints(r.Area), ", "))
			} else {
				v.add(path+".point", "area %d has no point %s (points: %s)", r.Area, yamlx.Quote(r.Point), strings.Join(AnnexIIIPoints(r.Area), ", "))
			}
			continue
		}
		key := r
		if key.Area == 2 {
			key.Point = ""
		}
		if j, dup := seen[key]; dup {
			v.add(path, "duplicate Annex III reference (also use.annex_iii[%d])", j)
			continue
		}
		seen[key] = i
	}
}

func (v *validator) performance(p *Profile) {
	seen := map[string]int{}
	for i, d := range p.Performance {
		path := fmt.Sprintf("performance[%d]", i)
		if d.Metric == "robust_accuracy" {
			if d.Epsilon <= 0 && !(v.pos != nil && v.present(path+".epsilon")) {
				v.add(path+".epsilon", "required for robust_accuracy: the perturbation size")
			} else if d.Epsilon <= 0 {
				v.add(path+".epsilon", "must be greater than 0")
			}
			if d.Norm == "" {
				v.add(path+".norm", "required for robust_accuracy: %s", strings.Join(Norms, " or "))
			}
		} else {
			if d.Epsilon != 0 {
				v.add(path+".epsilon", "only for robust_accuracy")
			}
			if d.Norm != "" {
				v.add(path+".norm", "only for robust_accuracy")
			}
		}
		key := d.Metric + "\x00" + d.Class
		if d.Metric == "robust_accuracy" {
			key += fmt.Sprintf("\x00%g\x00%s", d.Epsilon, d.Norm)
		}
		if j, dup := seen[key]; dup && d.Metric != "" {
			v.add(path, "duplicate declaration of %s (also performance[%d])", d.Metric, j)
			continue
		}
		seen[key] = i
	}
}

func (v *validator) artefacts(p *Profile) {
	a := p.Artefacts
	if a.Label != "" && a.Data == "" && a.TrainData == "" {
		v.add("artefacts.label", "needs artefacts.data: the label column of which data set?")
	}
	if (a.TrainData == "") != (a.HeldoutData == "") {
		v.add("artefacts.train_data", "the privacy tests need both artefacts.train_data (members) and artefacts.heldout_data (non-members)")
	}
	if a.ReferenceData != "" && a.TrainData == "" {
		v.add("artefacts.reference_data", "needs artefacts.train_data and heldout_data: reference data serves the privacy tests")
	}
	if len(a.SensitiveFeatures) > 0 && a.TrainData == "" {
		v.add("artefacts.sensitive_features", "needs artefacts.train_data and heldout_data: attribute inference runs on training records")
	}
	if a.Endpoint != "" {
		u, err := url.Parse(a.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.add("artefacts.endpoint", "%s is not an http or https URL", yamlx.Quote(a.Endpoint))
		}
	}
}

// testPlan checks that each attack of the test plan is named once and
// given only the settings it takes; the generic walk checks names and
// ranges.
func (v *validator) testPlan(p *Profile) {
	if p.TestPlan == nil {
		return
	}
	seen := map[string]int{}
	for i, a := range p.TestPlan.Attacks {
		path := fmt.Sprintf("test_plan.attacks[%d]", i)
		if j, dup := seen[a.Name]; dup && a.Name != "" {
			v.add(path+".name", "attack %s named twice (also test_plan.attacks[%d])", yamlx.Quote(a.Name), j)
			continue
		}
		seen[a.Name] = i
		allowed, ok := AttackSettings[a.Name]
		if !ok {
			continue // reported by the generic walk
		}
		rv := reflect.ValueOf(a)
		for k := range rv.NumField() {
			key, _, _ := yamlx.TagName(rv.Type().Field(k))
			if key == "name" || rv.Field(k).IsZero() || slices.Contains(allowed, key) {
				continue
			}
			v.add(path+"."+key, "%s is not a setting of %s (its settings: %s)", key, a.Name, strings.Join(allowed, ", "))
		}
		if a.InitEvals > 0 && a.MaxEvals > 0 && a.MaxEvals < a.InitEvals {
			v.add(path+".max_evals", "max_evals %d is below init_evals %d", a.MaxEvals, a.InitEvals)
		}
	}
}
