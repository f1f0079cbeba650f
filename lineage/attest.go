package lineage

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/internal/safepath"
	"github.com/aiassure/aiassure/profile"
)

// Material is an input of a step. Path is a file or directory; Role one of
// dataset, code, base-model, config, input (default input). With URI set,
// the descriptor carries the URI and digest but no name, and Verify does not
// look for it on disk (for code or data kept outside the root).
type Material struct {
	Path string
	Role string
	URI  string
}

// Material roles.
const (
	RoleDataset   = "dataset"
	RoleCode      = "code"
	RoleBaseModel = "base-model"
	RoleConfig    = "config"
	RoleInput     = "input"
)

// AttestOptions describe one step to attest.
type AttestOptions struct {
	Step      Step
	Root      string   // subject and material names are relative to it; "." if empty
	Subjects  []string // outputs: files or directories
	Materials []Material
	// Parameters go to the provenance's externalParameters (data, training).
	Parameters map[string]any
	// Predicate is, for evaluation, an aiassure JSON report or a JSON list
	// of results; for release, a CycloneDX JSON BOM (built from Profile,
	// subjects and materials when empty); for data and training, a JSON
	// object merged into externalParameters.
	Predicate []byte
	Profile   *profile.Profile // for the release BOM's model card and data sensitivity
	// ScanProfiles are the pickle allow-list profiles of the scan step
	// (package scan); nil: default and sklearn, as the assessment's check.
	ScanProfiles []string
	Builder      string    // who ran the step; "https://aiassure.dev/cli" if empty
	Started      time.Time // optional
	Finished     time.Time // now if zero
	Workers      int       // hashing workers
}

// Attest hashes the subjects and materials, builds the step's in-toto
// Statement and signs it into a DSSE envelope.
func Attest(ctx context.Context, opts AttestOptions, signer *Signer) (*Envelope, *Statement, error) {
	st, err := BuildStatement(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	payload, err := json.Marshal(st)
	if err != nil {
		return nil, nil, fmt.Errorf("attest: %w", err)
	}
	env, err := SignEnvelope(PayloadTypeInToto, payload, signer)
	if err != nil {
		return nil, nil, fmt.Errorf("attest: %w", err)
	}
	return env, st, nil
}

// BuildStatement builds the unsigned statement of a step.
func BuildStatement(ctx context.Context, opts AttestOptions) (*Statement, error) {
	if !opts.Step.Valid() {
		return nil, fmt.Errorf("attest: unknown step %q (want %s)", opts.Step, stepList())
	}
	if len(opts.Subjects) == 0 {
		return nil, fmt.Errorf("attest: no subject")
	}
	if opts.Root == "" {
		opts.Root = "."
	}
	if opts.Finished.IsZero() {
		opts.Finished = time.Now().UTC().Truncate(time.Second)
	}
	if opts.Builder == "" {
		opts.Builder = "https://aiassure.dev/cli"
	}
	hopts := HashOptions{Workers: opts.Workers}
	var subjects, materials []ResourceDescriptor
	for _, p := range opts.Subjects {
		rds, err := Describe(ctx, opts.Root, p, "", hopts)
		if err != nil {
			return nil, fmt.Errorf("attest: subject %s: %w", p, err)
		}
		subjects = append(subjects, rds...)
	}
	for _, m := range opts.Materials {
		var rds []ResourceDescriptor
		var err error
		if m.URI != "" {
			rds, err = describeURI(ctx, m)
		} else {
			rds, err = Describe(ctx, opts.Root, m.Path, m.Role, hopts)
		}
		if err != nil {
			return nil, fmt.Errorf("attest: material %s: %w", m.Path, err)
		}
		materials = append(materials, rds...)
	}
	st := &Statement{Type: StatementType, Subject: subjects}
	var pred any
	switch opts.Step {
	case StepData, StepTraining:
		params := map[string]any{}
		if len(opts.Predicate) > 0 {
			if err := json.Unmarshal(opts.Predicate, &params); err != nil {
				return nil, fmt.Errorf("attest: predicate must be a JSON object of parameters: %w", err)
			}
		}
		for k, v := range opts.Parameters {
			params[k] = v
		}
		bt := BuildTypeData
		if opts.Step == StepTraining {
			bt = BuildTypeTraining
		}
		p := Provenance{
			BuildDefinition: BuildDefinition{BuildType: bt, ExternalParameters: params, ResolvedDependencies: materials},
			RunDetails:      RunDetails{Builder: Builder{ID: opts.Builder}, Metadata: BuildMetadata{FinishedOn: &opts.Finished}},
		}
		if !opts.Started.IsZero() {
			p.RunDetails.Metadata.StartedOn = &opts.Started
		}
		st.PredicateType, pred = PredicateSLSAProvenance, p
	case StepEvaluation:
		if len(opts.Predicate) == 0 {
			return nil, fmt.Errorf("attest: an evaluation needs the test results (an aiassure JSON report or a list of results)")
		}
		results, err := readResults(opts.Predicate)
		if err != nil {
			return nil, fmt.Errorf("attest: %w", err)
		}
		st.PredicateType, pred = PredicateEvaluation, evaluationOf(results, materials, opts.Finished)
	case StepScan:
		if len(opts.Predicate) > 0 {
			return nil, fmt.Errorf("attest: the scan step scans its subjects itself; give no predicate")
		}
		ms, err := scanSubjects(ctx, opts.Root, subjects, opts.ScanProfiles, opts.Builder, opts.Finished)
		if err != nil {
			return nil, fmt.Errorf("attest: %w", err)
		}
		st.PredicateType, pred = PredicateModelScan, ms
	case StepRelease:
		bom := opts.Predicate
		if len(bom) == 0 {
			var err error
			bom, err = BuildBOM(BOMInput{Profile: opts.Profile, Models: subjects, Materials: materials, Time: opts.Finished})
			if err != nil {
				return nil, fmt.Errorf("attest: %w", err)
			}
		} else if err := checkBOM(bom); err != nil {
			return nil, fmt.Errorf("attest: %w", err)
		}
		st.PredicateType, pred = PredicateCycloneDX, json.RawMessage(bom)
	}
	b, err := json.Marshal(pred)
	if err != nil {
		return nil, fmt.Errorf("attest: %w", err)
	}
	st.Predicate = b
	return st, nil
}

// Describe returns the resource descriptors of a file (one) or a directory
// (one for the directory, its digest the manifest's root digest, then one
// per file). Names are slash paths relative to root; a path that leaves the
// root fails with ErrUnsafePath.
func Describe(ctx context.Context, root, p, role string, hopts HashOptions) ([]ResourceDescriptor, error) {
	abs := p
	if !filepath.IsAbs(p) {
		abs = filepath.Join(root, p)
	}
	rootAbs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	abs, err = filepath.Abs(abs)
	if err != nil {
		return nil, err
	}
	if !safepath.Within(rootAbs, abs) || abs == rootAbs {
		return nil, fmt.Errorf("%w: %s is not below the root %s", ErrUnsafePath, p, root)
	}
	rel, _ := filepath.Rel(rootAbs, abs)
	name := filepath.ToSlash(rel)
	ann := func(extra map[string]any) map[string]any {
		if role == "" && len(extra) == 0 {
			return nil
		}
		a := map[string]any{}
		for k, v := range extra {
			a[k] = v
		}
		if role != "" {
			a[AnnotationRole] = role
		}
		return a
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	hopts.Method = MethodFiles
	m, err := Hash(ctx, abs, hopts)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []ResourceDescriptor{{Name: name, Digest: DigestSet{"sha256": m.Resources[0].Digest}, Annotations: ann(nil)}}, nil
	}
	out := []ResourceDescriptor{{Name: name + "/", Digest: DigestSet{"sha256": m.Digest["sha256"]},
		Annotations: ann(map[string]any{AnnotationKind: "directory"})}}
	for _, r := range m.Resources {
		out = append(out, ResourceDescriptor{Name: name + "/" + r.Name, Digest: DigestSet{"sha256": r.Digest}, Annotations: ann(nil)})
	}
	return out, nil
}

func describeURI(ctx context.Context, m Material) ([]ResourceDescriptor, error) {
	fi, err := os.Stat(m.Path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("a material with a URI must be a file")
	}
	d, _, err := HashFile(ctx, m.Path)
	if err != nil {
		return nil, err
	}
	rd := ResourceDescriptor{URI: m.URI, Digest: DigestSet{"sha256": d}}
	if m.Role != "" {
		rd.Annotations = map[string]any{AnnotationRole: m.Role}
	}
	return []ResourceDescriptor{rd}, nil
}

// readResults reads an aiassure JSON report (its results) or a JSON list of results.
func readResults(data []byte) ([]aiassure.Result, error) {
	var list []aiassure.Result
	if err := json.Unmarshal(data, &list); err == nil {
		return list, nil
	}
	var rep struct {
		Results *[]aiassure.Result `json:"results"`
	}
	if err := json.Unmarshal(data, &rep); err != nil || rep.Results == nil {
		return nil, fmt.Errorf("evaluation results: want an aiassure JSON report or a JSON list of results")
	}
	return *rep.Results, nil
}

func evaluationOf(results []aiassure.Result, config []ResourceDescriptor, at time.Time) Evaluation {
	e := Evaluation{Result: "PASSED", Configuration: config, EvaluatedOn: at, Results: results}
	for _, r := range results {
		switch r.Status {
		case aiassure.Pass:
			e.PassedTests = append(e.PassedTests, r.ID)
		case aiassure.Fail:
			e.FailedTests = append(e.FailedTests, r.ID)
		case aiassure.Unknown:
			e.WarnedTests = append(e.WarnedTests, r.ID)
		}
	}
	for _, l := range [][]string{e.PassedTests, e.FailedTests, e.WarnedTests} {
		sort.Strings(l)
	}
	switch {
	case len(e.FailedTests) > 0:
		e.Result = "FAILED"
	case len(e.WarnedTests) > 0:
		e.Result = "WARNED"
	}
	return e
}
