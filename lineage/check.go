package lineage

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/profile"
)

// stepFacts ties each step's check to what it speaks to. Controls are
// completed from the catalogue (every control whose evidence kinds name the
// check); IDs missing from the catalogue are dropped.
var stepFacts = map[Step]struct {
	controls     []aiassure.ControlID
	threats      []aiassure.ThreatID
	requirements []aiassure.RequirementID
	category     aiassure.Art15Category
	what         string
}{
	StepData: {
		[]aiassure.ControlID{"c-data-provenance", "c-supply-chain-review"},
		[]aiassure.ThreatID{"data-poisoning", "data-poisoning-supply-chain", "sw-supply-chain"},
		[]aiassure.RequirementID{"ai-act-art-10", "ai-act-art-12"},
		aiassure.DataPoisoning, "data collection and preparation",
	},
	StepTraining: {
		[]aiassure.ControlID{"c-data-provenance", "c-reproducible-training"},
		[]aiassure.ThreatID{"data-poisoning", "model-poisoning", "sw-supply-chain"},
		[]aiassure.RequirementID{"ai-act-art-10", "ai-act-art-11", "ai-act-art-15-5"},
		aiassure.ModelPoisoning, "training",
	},
	StepScan: {
		[]aiassure.ControlID{"c-secure-serialisation", "c-supply-chain-review"},
		[]aiassure.ThreatID{"sw-unsafe-model-loading", "backdoor-payload", "sw-supply-chain"},
		[]aiassure.RequirementID{"ai-act-art-15-5", "cra-annex-i-part-i-2f"},
		aiassure.ModelPoisoning, "model-file scanning",
	},
	StepEvaluation: {
		[]aiassure.ControlID{"c-technical-documentation", "c-model-integrity-verification"},
		[]aiassure.ThreatID{"sw-model-substitution", "model-poisoning"},
		[]aiassure.RequirementID{"ai-act-art-11", "ai-act-art-15-3"},
		"", "evaluation",
	},
	StepRelease: {
		[]aiassure.ControlID{"c-model-signing", "c-model-integrity-verification", "c-sbom", "c-technical-documentation"},
		[]aiassure.ThreatID{"sw-model-substitution", "model-poisoning", "sw-supply-chain"},
		[]aiassure.RequirementID{"ai-act-art-11", "ai-act-art-15-5", "cra-annex-i-part-i-2f"},
		aiassure.ModelPoisoning, "release",
	},
}

// CheckName returns the Result check name of a step, e.g. "lineage/data",
// which is also the evidence kind the gap analysis maps it to.
func CheckName(s Step) string { return "lineage/" + string(s) }

// Check verifies the attestations named by the profile's lineage section
// (paths relative to the profile) against the files under the profile's
// directory, and returns one Result per step. A profile without a lineage
// section, or one whose keys, policy or attestations cannot be read, yields
// Results with status unknown and the reason; Check never fails the
// assessment for the profile's content. now is the time attestation ages are
// measured at: the assessment's time.
func Check(ctx context.Context, p *profile.Profile, c *catalog.Catalog, now time.Time) ([]aiassure.Result, error) {
	if p == nil || p.Lineage == nil {
		return unknownAll(c, "the profile has no lineage section: no signed attestation of the data, training, evaluation or release steps was given"), nil
	}
	dir := "."
	if p.Path != "" {
		dir = filepath.Dir(p.Path)
	}
	var keys []*Verifier
	for _, k := range p.Lineage.Keys {
		path, err := p.File(k)
		if err != nil {
			return unknownAll(c, "lineage keys: "+err.Error()), nil
		}
		v, err := LoadVerifier(path)
		if err != nil {
			return unknownAll(c, "lineage keys: "+err.Error()), nil
		}
		keys = append(keys, v)
	}
	var pol *Policy
	if p.Lineage.Policy != "" {
		path, err := p.File(p.Lineage.Policy)
		if err == nil {
			pol, err = LoadPolicy(path)
		}
		if err != nil {
			return unknownAll(c, "lineage policy: "+err.Error()), nil
		}
		pol.AllowOutsidePaths = p.AllowOutsidePaths
	}
	if len(keys) == 0 && (pol == nil || len(pol.Keys) == 0) {
		return unknownAll(c, "the lineage section names no trusted public key, so no attestation can be verified"), nil
	}
	var paths []string
	for _, a := range p.Lineage.Attestations {
		path, err := p.File(a)
		if err != nil {
			return unknownAll(c, "lineage attestations: "+err.Error()), nil
		}
		paths = append(paths, path)
	}
	if len(paths) == 0 {
		return unknownAll(c, "the lineage section names no attestation"), nil
	}
	inputs, err := LoadInputs(paths)
	if err != nil {
		return unknownAll(c, err.Error()), nil
	}
	rep, err := Verify(ctx, inputs, VerifyOptions{Root: dir, Keys: keys, Policy: pol, Now: now, AllowOutsidePaths: p.AllowOutsidePaths})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return unknownAll(c, err.Error()), nil
	}
	return Results(rep, c, dir), nil
}

// Results turns a verification report into one Result per step. dir is
// made relative in evidence paths.
func Results(rep *Report, c *catalog.Catalog, dir string) []aiassure.Result {
	var out []aiassure.Result
	for _, s := range Steps {
		r := base(s, c)
		var atts []*Attestation
		for _, a := range rep.Attestations {
			if a.Step == s {
				atts = append(atts, a)
			}
		}
		var probs []string
		for _, p := range rep.Problems {
			if p.Step == s || p.Step == "" {
				probs = append(probs, relProblem(p, dir))
			}
		}
		sort.Strings(probs)
		for _, a := range atts {
			r.Evidence = append(r.Evidence, relPath(a.File, dir))
			for _, sub := range a.Statement.Subject {
				if !sub.IsDir() {
					r.Evidence = append(r.Evidence, descName(sub)+"@sha256:"+sub.Digest["sha256"])
				}
			}
			if a.Time.After(r.Time) {
				r.Time = a.Time
			}
		}
		r.Metrics = map[string]float64{"attestations": float64(len(atts)), "problems": float64(len(probs))}
		switch {
		case len(probs) > 0:
			r.Status = aiassure.Fail
			r.Summary = fmt.Sprintf("%s lineage does not verify: %d problem(s)", stepFacts[s].what, len(probs))
			r.Reason = strings.Join(probs, "; ")
		case len(atts) == 0:
			r.Status = aiassure.Unknown
			r.Summary = "no attestation of " + stepFacts[s].what
			r.Reason = fmt.Sprintf("none of the %d verified attestations covers the %s step", len(rep.Attestations), s)
		case s == StepScan:
			scanOutcome(&r, atts)
		default:
			r.Status = aiassure.Pass
			r.Summary = fmt.Sprintf("%s attested: %d signed attestation(s) verified, every attested file matches", stepFacts[s].what, len(atts))
		}
		out = append(out, r)
	}
	return out
}

func relPath(f, dir string) string {
	if r, err := filepath.Rel(dir, f); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return f
}

func relProblem(p *Problem, dir string) string {
	q := *p
	if q.Attestation != "" {
		q.Attestation = relPath(q.Attestation, dir)
	}
	return q.Error()
}

func unknownAll(c *catalog.Catalog, reason string) []aiassure.Result {
	var out []aiassure.Result
	for _, s := range Steps {
		r := base(s, c)
		r.Status = aiassure.Unknown
		r.Summary = "lineage of " + stepFacts[s].what + " not verified"
		r.Reason = reason
		out = append(out, r)
	}
	return out
}

func base(s Step, c *catalog.Catalog) aiassure.Result {
	f := stepFacts[s]
	name := CheckName(s)
	r := aiassure.Result{ID: name, Check: name, Category: f.category}
	controls := append([]aiassure.ControlID(nil), f.controls...)
	if c != nil {
		for _, ct := range c.Controls {
			if slices.Contains(ct.Evidence, name) && !slices.Contains(controls, ct.ID) {
				controls = append(controls, ct.ID)
			}
		}
	}
	for _, id := range controls {
		if c == nil {
			r.Controls = append(r.Controls, id)
		} else if _, ok := c.Control(id); ok {
			r.Controls = append(r.Controls, id)
		}
	}
	for _, id := range f.threats {
		if c == nil {
			r.Threats = append(r.Threats, id)
		} else if _, ok := c.Threat(id); ok {
			r.Threats = append(r.Threats, id)
		}
	}
	for _, id := range f.requirements {
		if c == nil {
			r.Requirements = append(r.Requirements, id)
		} else if _, ok := c.Requirement(id); ok {
			r.Requirements = append(r.Requirements, id)
		}
	}
	return r
}
