package probe

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/model/onnx"
	"github.com/aiassure/aiassure/profile"
)

// CheckName is the name of the assessment check that runs the model tests.
const CheckName = "probe"

// Option adjusts Check.
type Option func(*checkConfig)

type checkConfig struct {
	adjust   []func(*Plan)
	progress func(done, total int, what string)
}

// WithPlan lets f change the plan Check picked from the assurance level
// (fewer samples for tests, a larger budget for an audit).
func WithPlan(f func(*Plan)) Option {
	return func(c *checkConfig) { c.adjust = append(c.adjust, f) }
}

// WithProgress reports progress as Run does.
func WithProgress(f func(done, total int, what string)) Option {
	return func(c *checkConfig) { c.progress = f }
}

// Check runs the model tests that the profile's artefacts and assurance
// level call for: it loads artefacts.model (ONNX) and artefacts.data
// (relative to the profile), the constraints from features.json beside the
// data when there is one (else they are inferred from the data), and, for
// the privacy suite, artefacts.train_data, heldout_data and reference_data,
// for the poisoning suite artefacts.train_data; it picks the plan of p.Assurance and runs it. It never fails the assessment: a profile
// without artefacts, or artefacts that cannot be loaded, yield an Unknown
// Result that says why. c is not used yet; it keeps the signature of the
// other checks.
func Check(ctx context.Context, p *profile.Profile, c *catalog.Catalog, opts ...Option) ([]aiassure.Result, error) {
	_ = c
	var cfg checkConfig
	for _, o := range opts {
		o(&cfg)
	}
	unknown := func(summary, reason string, evidence ...string) []aiassure.Result {
		return []aiassure.Result{{ID: CheckName, Check: CheckName, Status: aiassure.Unknown,
			Summary: summary, Reason: reason, Evidence: evidence}}
	}
	if p == nil {
		return unknown("model tests not run", "no profile"), nil
	}
	a := p.Artefacts
	switch {
	case a.Model == "" && a.Data == "" && a.Endpoint == "" && a.LLMEndpoint != nil:
		return nil, nil // an LLM application: the LLM tests (llm/suite) test it
	case a.Model == "" && a.Endpoint != "":
		return unknown("model tests not run: the profile names an endpoint but no model file",
			"assess tests local ONNX models only; test the endpoint with 'aiassure probe -endpoint' and pass its results with 'assess -results'", a.Endpoint), nil
	case a.Model == "" || a.Data == "":
		return unknown("model tests not run: the profile names no model or no test data",
			"artefacts.model and artefacts.data must both be set for the accuracy and robustness tests"), nil
	}
	evidence := []string{a.Model, a.Data}
	pl, err := PlanFor(p.Assurance)
	if err != nil {
		return unknown("model tests not run", err.Error(), evidence...), nil
	}
	pl.WithAttacks(FromProfile(p.TestPlan))
	if p.TestPlan != nil {
		for _, s := range p.TestPlan.Suites {
			if !pl.Has(s) {
				pl.Suites = append(pl.Suites, s)
			}
		}
	}
	for _, f := range cfg.adjust {
		f(&pl)
	}
	modelPath, err := p.File(a.Model)
	if err != nil {
		return unknown("model tests not run: the model is not read", err.Error(), evidence...), nil
	}
	m, err := onnx.Load(modelPath)
	if err != nil {
		return unknown("model tests not run: the model cannot be loaded", err.Error(), evidence...), nil
	}
	dataPath, err := p.File(a.Data)
	if err != nil {
		return unknown("model tests not run: the test data is not read", err.Error(), evidence...), nil
	}
	opt := dataset.Options{Label: a.Label}
	cons, err := ConstraintsFor(ctx, dataPath, opt)
	if err != nil {
		return unknown("model tests not run: the data's constraints cannot be read", err.Error(), evidence...), nil
	}
	r, err := dataset.Open(dataPath, opt)
	if err != nil {
		return unknown("model tests not run: the test data cannot be read", err.Error(), evidence...), nil
	}
	defer r.Close()
	priv, pres := privacyData(ctx, p, pl)
	pois, pores := poisoningData(ctx, p, pl)
	rs, _, err := Run(ctx, RunInput{Target: m, Data: r, Constraints: cons, Declared: p.Performance, Plan: pl,
		Evidence: evidence, Privacy: priv, Poisoning: pois, Progress: cfg.progress})
	rs = append(append(rs, pres...), pores...)
	if err != nil {
		if ctx.Err() != nil {
			return rs, nil
		}
		return append(rs, unknown("model tests could not run", err.Error(), evidence...)...), nil
	}
	return rs, nil
}

// privacyData loads the member, non-member and reference records the
// profile names for the privacy suite. Without train_data it returns nil
// (the suite is skipped); data that cannot be loaded yields an Unknown
// Result instead.
func privacyData(ctx context.Context, p *profile.Profile, pl Plan) (*PrivacyData, []aiassure.Result) {
	a := p.Artefacts
	if !pl.Has(SuitePrivacy) || a.TrainData == "" || a.HeldoutData == "" {
		return nil, nil
	}
	evidence := []string{a.Model, a.TrainData, a.HeldoutData}
	opt := dataset.Options{Label: a.Label}
	d := &PrivacyData{Sensitive: a.SensitiveFeatures, Evidence: evidence}
	for _, f := range []struct {
		field, path string
		dst         **dataset.Dataset
	}{
		{"train_data", a.TrainData, &d.Members}, {"heldout_data", a.HeldoutData, &d.NonMembers}, {"reference_data", a.ReferenceData, &d.Population},
	} {
		if f.path == "" {
			continue
		}
		path, err := p.File(f.path)
		var ds *dataset.Dataset
		if err == nil {
			ds, err = dataset.Load(ctx, path, opt)
		}
		if err != nil {
			return nil, []aiassure.Result{{ID: "privacy", Check: "privacy", Status: aiassure.Unknown,
				Summary:  "privacy tests not run: artefacts." + f.field + " cannot be read",
				Reason:   err.Error(),
				Category: aiassure.ConfidentialityAttacks, Evidence: evidence}}
		}
		*f.dst = ds
	}
	return d, nil
}

// poisoningData loads the training set the profile names for the
// poisoning suite. Without train_data it returns nil (its checks are
// skipped); a training set that cannot be loaded yields an Unknown Result.
func poisoningData(ctx context.Context, p *profile.Profile, pl Plan) (*PoisoningData, []aiassure.Result) {
	a := p.Artefacts
	if !pl.Has(SuitePoisoning) || a.TrainData == "" {
		return nil, nil
	}
	evidence := []string{a.TrainData}
	path, err := p.File(a.TrainData)
	var ds *dataset.Dataset
	if err == nil {
		ds, err = dataset.Load(ctx, path, dataset.Options{Label: a.Label})
	}
	if err != nil {
		return nil, []aiassure.Result{{ID: "poisoning", Check: "poisoning", Status: aiassure.Unknown,
			Summary: "poisoning checks not run: artefacts.train_data cannot be read", Reason: err.Error(),
			Category: aiassure.DataPoisoning, Evidence: evidence}}
	}
	return &PoisoningData{Train: ds, Evidence: evidence}, nil
}

// ConstraintsFor reads features.json beside the data (inside it, for a
// folder of images), or infers the constraints from the data (integer
// features included) when there is none.
func ConstraintsFor(ctx context.Context, dataPath string, opt dataset.Options) (*dataset.Constraints, error) {
	fj := filepath.Join(filepath.Dir(dataPath), "features.json")
	if st, err := os.Stat(dataPath); err == nil && st.IsDir() {
		fj = filepath.Join(dataPath, "features.json")
	}
	c, err := dataset.LoadConstraints(fj)
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	r, err := dataset.Open(dataPath, opt)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	c, err = dataset.Infer(ctx, r, dataset.InferOptions{Integers: true})
	if err != nil {
		return nil, fmt.Errorf("infer constraints: %w", err)
	}
	return c, nil
}
