package lineage

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/internal/limitio"
	"github.com/aiassure/aiassure/internal/safepath"
	"github.com/aiassure/aiassure/internal/yamlx"
)

// PolicyVersion is the only policy version this release reads.
const PolicyVersion = 1

// MaxPolicySize bounds the policies ParsePolicy reads.
const MaxPolicySize = 1 << 20

// Policy says what a verified lineage must show (docs/lineage.md):
//
//	version: 1
//	model: model/mlp.onnx          # the sink, relative to the root
//	keys:
//	  - {name: data-steward, file: keys/data.pub}
//	  - {name: ml-team, id: 3f9a...}   # a key ID instead of a file
//	steps:
//	  data:       {required: true, signers: [data-steward]}
//	  training:   {required: true, signers: [ml-team], datasets_from: data}
//	  evaluation: {required: true, signers: [ml-team], max_age: 90d, require_pass: true}
//	  release:    {required: true, signers: [ml-team]}
type Policy struct {
	Version int                 `yaml:"version"`
	Model   string              `yaml:"model,omitempty"`
	Keys    []PolicyKey         `yaml:"keys,omitempty"`
	Steps   map[Step]StepPolicy `yaml:"steps,omitempty"`

	// Dir is the directory key files are relative to (the policy's).
	Dir string `yaml:"-"`
	// AllowOutsidePaths lets key files leave Dir (an absolute path, "..", a
	// symbolic link out); by default they are refused (internal/safepath).
	AllowOutsidePaths bool `yaml:"-"`
	// maxAge holds the parsed max_age of each step.
	maxAge map[Step]time.Duration
}

// PolicyKey names a trusted key, by public key file or by key ID.
type PolicyKey struct {
	Name string `yaml:"name"`
	File string `yaml:"file,omitempty"`
	ID   string `yaml:"id,omitempty"`
}

// StepPolicy is what one step must satisfy.
type StepPolicy struct {
	Required bool     `yaml:"required"`
	Signers  []string `yaml:"signers,omitempty"` // key names; any trusted key if empty
	MaxAge   string   `yaml:"max_age,omitempty"` // e.g. 90d, 36h
	// DatasetsFrom names an earlier step (data) whose attestations must have
	// every dataset material of this step as a subject, with the same digest.
	DatasetsFrom Step `yaml:"datasets_from,omitempty"`
	// RequirePass: the evaluation's result must be PASSED.
	RequirePass bool `yaml:"require_pass,omitempty"`
	// MaxSeverity (scan step only): the highest severity of a finding the
	// model scan may record, e.g. "low"; "none" allows no finding at all.
	MaxSeverity string `yaml:"max_severity,omitempty"`
}

// allowsScan reports whether a model scan whose worst finding is w passes
// the step's max_severity (always, when it has none).
func (sp StepPolicy) allowsScan(w aiassure.Severity) bool {
	switch {
	case sp.MaxSeverity == "" || w == "":
		return true
	case sp.MaxSeverity == "none":
		return false
	}
	return w.Rank() <= aiassure.Severity(sp.MaxSeverity).Rank()
}

// ParsePolicy reads a policy; name is used in messages. It checks the
// version, step names, key names and references, durations and paths.
func ParsePolicy(name string, data []byte) (*Policy, error) {
	if len(data) > MaxPolicySize {
		return nil, malformed("policy %s: larger than %d bytes", name, MaxPolicySize)
	}
	var p Policy
	if _, err := yamlx.DecodeLimits(name, data, &p, yamlx.Limits{MaxBytes: MaxPolicySize, MaxDepth: 16, MaxValues: 10_000}); err != nil {
		return nil, fmt.Errorf("%w: policy: %w", ErrMalformed, err)
	}
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if p.Version != PolicyVersion {
		bad("version %d (want %d)", p.Version, PolicyVersion)
	}
	if p.Model != "" && !cleanRelative(p.Model) {
		bad("model %q is not a clean relative path", p.Model)
	}
	names := map[string]bool{}
	for i, k := range p.Keys {
		switch {
		case k.Name == "":
			bad("keys[%d]: no name", i)
		case names[k.Name]:
			bad("keys[%d]: duplicate name %q", i, k.Name)
		}
		names[k.Name] = true
		if (k.File == "") == (k.ID == "") {
			bad("keys[%d]: give exactly one of file and id", i)
		}
		if k.ID != "" && !isHexDigest(k.ID, 32) {
			bad("keys[%d]: id is not 64 lower-case hex digits", i)
		}
	}
	p.maxAge = map[Step]time.Duration{}
	var steps []Step
	for s := range p.Steps {
		steps = append(steps, s)
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i] < steps[j] })
	for _, s := range steps {
		sp := p.Steps[s]
		if !s.Valid() {
			bad("steps: unknown step %q (want %s)", s, stepList())
			continue
		}
		for _, n := range sp.Signers {
			if !names[n] {
				bad("steps.%s.signers: no key named %q", s, n)
			}
		}
		if sp.MaxAge != "" {
			d, err := ParseAge(sp.MaxAge)
			if err != nil {
				bad("steps.%s.max_age: %v", s, err)
			}
			p.maxAge[s] = d
		}
		if sp.DatasetsFrom != "" && (!sp.DatasetsFrom.Valid() || stepIndex(sp.DatasetsFrom) >= stepIndex(s)) {
			bad("steps.%s.datasets_from: %q is not an earlier step", s, sp.DatasetsFrom)
		}
		if sp.RequirePass && s != StepEvaluation {
			bad("steps.%s.require_pass: only for evaluation", s)
		}
		if sp.MaxSeverity != "" {
			switch {
			case s != StepScan:
				bad("steps.%s.max_severity: only for scan", s)
			case sp.MaxSeverity != "none" && aiassure.Severity(sp.MaxSeverity).Rank() < 0:
				bad("steps.scan.max_severity: %q is not none, info, low, medium, high or critical", sp.MaxSeverity)
			}
		}
	}
	if len(errs) > 0 {
		return nil, malformed("policy %s: %s", name, strings.Join(errs, "; "))
	}
	return &p, nil
}

func stepIndex(s Step) int {
	for i, x := range Steps {
		if x == s {
			return i
		}
	}
	return -1
}

// ParseAge reads a duration: a number of days ("90d") or a Go duration ("36h").
func ParseAge(s string) (time.Duration, error) {
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 || days > 100*366 {
			return 0, fmt.Errorf("%q is not a number of days between 1 and 36600", s)
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q is neither a number of days (90d) nor a duration (36h)", s)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q is not positive", s)
	}
	return d, nil
}

// LoadPolicy reads a policy file; key files are relative to its directory.
func LoadPolicy(path string) (*Policy, error) {
	data, err := limitio.ReadFile(path, MaxPolicySize)
	if err != nil {
		return nil, fmt.Errorf("load policy: %w", err)
	}
	p, err := ParsePolicy(path, data)
	if err != nil {
		return nil, err
	}
	p.Dir = filepath.Dir(path)
	return p, nil
}

// Verifiers loads the policy's key files and returns them with the key
// IDs that each name stands for.
func (p *Policy) Verifiers() ([]*Verifier, map[string]string, error) {
	var vs []*Verifier
	ids := map[string]string{}
	for _, k := range p.Keys {
		if k.ID != "" {
			ids[k.Name] = k.ID
			continue
		}
		f, err := safepath.Join(p.Dir, k.File, p.AllowOutsidePaths)
		if err != nil {
			return nil, nil, fmt.Errorf("policy key %s: %w (give -allow-outside-paths to read it)", k.Name, err)
		}
		v, err := LoadVerifier(f)
		if err != nil {
			return nil, nil, fmt.Errorf("policy key %s: %w", k.Name, err)
		}
		vs = append(vs, v)
		ids[k.Name] = v.ID
	}
	return vs, ids, nil
}
