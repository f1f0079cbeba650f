// Package assess is aiassure's one entry point: Run takes a system profile
// and produces the assessment report, joining the engines in order:
// classification (AI Act), evidence (test and verification Results), the
// TVRA-style risk analysis, and the coverage and gap analysis. The CLI, the
// tests and any server call Run; nothing below it knows about flags, HTTP or
// terminals.
package assess

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/accept"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/classify"
	"github.com/aiassure/aiassure/coverage"
	"github.com/aiassure/aiassure/internal/yamlx"
	"github.com/aiassure/aiassure/ledger"
	"github.com/aiassure/aiassure/lineage"
	"github.com/aiassure/aiassure/llm/suite"
	"github.com/aiassure/aiassure/probe"
	"github.com/aiassure/aiassure/profile"
	"github.com/aiassure/aiassure/report"
	"github.com/aiassure/aiassure/risk"
	"github.com/aiassure/aiassure/scan"
)

// Version is the tool version written into reports.
var Version = "0.1.0-dev"

// Config tunes Run. The zero value is not ready for use: start from
// DefaultConfig.
type Config struct {
	// Catalog is the knowledge base; nil means the embedded one.
	Catalog *catalog.Catalog
	// Results are evidence gathered before the run (saved test results,
	// verification outcomes); Run adds the results of its own checks.
	Results []aiassure.Result
	// LLM is the detail of LLM tests gathered before the run (the summary
	// of a probe -suite llm results file, see LLMTests); a run of the llm
	// check replaces it.
	LLM *report.LLMTests
	// Checks are the evidence-producing plug-ins run on the profile, in
	// order. A check that cannot run returns a Result with status Unknown.
	Checks []Check
	// Now stamps the report; tests fix it.
	Now func() time.Time
	// Logger receives debug and progress records; nil discards them.
	Logger *slog.Logger
	// Progress, if set, is called as each stage starts.
	Progress func(stage string)
	// Inputs are further files the report rests on (saved results files),
	// listed among its artefacts with their digests.
	Inputs []report.Artefact
	// AllowMissing turns a declared artefact that does not exist or cannot be read (profile.CheckFiles) into a critical "not assessed" finding instead of an input error.
	AllowMissing bool
}

// Check is a plug-in that gathers evidence for a profile: a model test, a
// lineage verification. It returns Results tied to threats and controls; a
// check that cannot run returns Results with status Unknown, or an error that
// Run turns into one.
type Check struct {
	Name string
	Run  func(ctx context.Context, in CheckInput) ([]aiassure.Result, error)
}

// CheckInput is what a check sees.
type CheckInput struct {
	Profile *profile.Profile
	Catalog *catalog.Catalog
	Now     time.Time // the assessment's time
	// SetLLM, when a check calls it, puts the LLM tests' detail (the
	// answers that show a success) into the report.
	SetLLM func(*report.LLMTests)
}

// DefaultChecks lists the evidence-producing plug-ins Run uses by default,
// in the order they run: the lineage verification, then the model tests
// (accuracy metrics and evasion attacks) that the profile's artefacts and
// assurance level call for (probe.Check), then the LLM application tests
// when the profile has an llm block and artefacts.llm_endpoint
// (suite.Check, docs/llm.md), the event ledger's verification when
// the profile names artefacts.ledger (ledger.Check, docs/ledger.md),
// then the model-file scan of artefacts.model (scan.Check, docs/scan.md).
func DefaultChecks() []Check {
	return []Check{
		{Name: "lineage", Run: func(ctx context.Context, in CheckInput) ([]aiassure.Result, error) {
			return lineage.Check(ctx, in.Profile, in.Catalog, in.Now)
		}},
		{Name: probe.CheckName, Run: func(ctx context.Context, in CheckInput) ([]aiassure.Result, error) {
			return probe.Check(ctx, in.Profile, in.Catalog)
		}},
		{Name: suite.CheckName, Run: func(ctx context.Context, in CheckInput) ([]aiassure.Result, error) {
			rs, sum, err := suite.CheckDetail(ctx, in.Profile, in.Now, "")
			if sum != nil && in.SetLLM != nil {
				in.SetLLM(LLMTests(sum))
			}
			return rs, err
		}},
		{Name: ledger.CheckName, Run: func(ctx context.Context, in CheckInput) ([]aiassure.Result, error) {
			return ledger.Check(ctx, in.Profile, in.Catalog, in.Now)
		}},
		{Name: scan.CheckName, Run: func(ctx context.Context, in CheckInput) ([]aiassure.Result, error) {
			return scan.Check(ctx, in.Profile)
		}},
	}
}

// DefaultConfig returns the configuration Run uses for a nil cfg.
func DefaultConfig() *Config {
	return &Config{Now: time.Now, Checks: DefaultChecks()}
}

// Run assesses the system p describes.
func Run(ctx context.Context, p *profile.Profile, cfg *Config) (*report.Report, error) {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	stage := func(s string) {
		log.DebugContext(ctx, "stage", "name", s)
		if cfg.Progress != nil {
			cfg.Progress(s)
		}
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	c := cfg.Catalog
	if c == nil {
		var err error
		if c, err = catalog.Load(); err != nil {
			return nil, fmt.Errorf("assess: %w", err)
		}
	}
	if err := profile.Check(p, c); err != nil {
		return nil, fmt.Errorf("assess: %w", err)
	}
	var unread yamlx.Errors
	if err := profile.CheckFiles(p); err != nil {
		if !cfg.AllowMissing || !errors.As(err, &unread) {
			return nil, err
		}
	}
	at := now().UTC()

	stage("classify")
	cls, err := classify.Classify(p, c)
	if err != nil {
		return nil, fmt.Errorf("assess: classify: %w", err)
	}

	results := slices.Clone(cfg.Results)
	llmTests := cfg.LLM
	for _, chk := range cfg.Checks {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("assess: %w", err)
		}
		stage("check " + chk.Name)
		rs, err := chk.Run(ctx, CheckInput{Profile: p, Catalog: c, Now: at, SetLLM: func(t *report.LLMTests) { llmTests = t }})
		if err != nil {
			rs = append(rs, aiassure.Result{ID: chk.Name, Check: chk.Name, Status: aiassure.Unknown, Summary: "the check could not run", Reason: err.Error()})
		}
		results = append(results, rs...)
	}

	stage("risk")
	ra, err := risk.Analyze(risk.Input{Profile: p, Catalog: c, Classification: cls, Results: results})
	if err != nil {
		return nil, fmt.Errorf("assess: risk: %w", err)
	}

	stage("coverage")
	cov := coverage.Analyze(coverage.Input{Profile: p, Catalog: c, Classification: cls, Risk: ra, Results: results})

	r := &report.Report{
		SchemaVersion:  report.SchemaVersion,
		Tool:           report.Tool{Name: "aiassure", Version: Version},
		CatalogVersion: c.Version,
		Generated:      at,
		System: report.System{
			Name: p.System.Name, Version: p.System.Version, Provider: p.System.Provider,
			Purpose: p.System.Purpose, Sector: p.System.Sector, Role: strings.Join(p.RoleList(), ", "), Assurance: p.Assurance,
			Profile: p.Path,
		},
		Classification: cls,
		Risk:           ra,
		Coverage:       cov,
		Results:        results,
		LLM:            llmTests,
	}
	f := &finder{p: p, c: c, cls: cls, unread: unread}
	r.Findings = f.findings(r)
	if err := acceptRisks(p, c, r, at); err != nil {
		return nil, err
	}
	r.Artefacts = artefacts(p, cfg.Inputs)
	r.System.Digest = r.Artefacts[0].Digest // the profile is the first artefact
	cite(c, r)
	r.Summary = summarise(r)
	r.Conclusion, r.Scope = Conclude(r)
	return r, nil
}

// acceptRisks marks the findings that the profile's risk-acceptance file
// covers, and adds a finding for each entry that is expired, unknown or
// matches nothing (docs/risk-acceptance.md).
func acceptRisks(p *profile.Profile, c *catalog.Catalog, r *report.Report, at time.Time) error {
	if p.RiskAcceptance == "" {
		return nil
	}
	var af *accept.File
	path, err := p.File(p.RiskAcceptance)
	if err == nil {
		af, err = accept.Load(path)
	}
	if err != nil {
		line, _ := p.Line("risk_acceptance")
		return fmt.Errorf("%s:%d: risk_acceptance: %w", p.Path, line, err)
	}
	threats := make([]aiassure.ThreatID, len(c.Threats))
	for i, t := range c.Threats {
		threats[i] = t.ID
	}
	assets := make([]string, len(p.Assets))
	for i, a := range p.Assets {
		assets[i] = a.ID
	}
	af.SetVocabulary(threats, assets)
	var problems []aiassure.Finding
	r.Findings, problems = af.Apply(r.Findings, at)
	r.Findings = append(r.Findings, problems...)
	sortFindings(r.Findings)
	return nil
}

// cite turns every finding's sources into public citations and lists the
// documents cited, with their URLs, in the report's references, in order of
// first use: the sources, the AI Act provisions and the standard clauses. A
// source that is no public document (a profile field, an evidence file)
// stays a plain label and is no reference.
func cite(c *catalog.Catalog, r *report.Report) {
	seen := map[string]bool{}
	r.References = []report.Reference{}
	ref := func(ct catalog.Citation) {
		if ct.URL != "" && !seen[ct.Label] {
			seen[ct.Label] = true
			r.References = append(r.References, report.Reference{Label: ct.Label, Title: ct.Title, URL: ct.URL})
		}
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		var out []string
		for _, s := range f.Sources {
			ct := c.Cite(s)
			if !slices.Contains(out, ct.Label) {
				out = append(out, ct.Label)
			}
			ref(ct)
		}
		f.Sources = out
		for _, p := range f.Provisions {
			ref(c.Provision(p))
		}
		for _, cl := range f.Clauses {
			ref(c.Cite(cl))
		}
	}
}

func summarise(r *report.Report) report.Summary {
	s := report.Summary{Findings: map[aiassure.Severity]int{}, Results: map[aiassure.Status]int{}, Highest: aiassure.Info}
	for _, f := range r.Findings {
		s.Findings[f.Severity]++
		if f.Accepted != nil {
			s.Accepted++
			continue
		}
		if f.Severity.Rank() > s.Highest.Rank() {
			s.Highest = f.Severity
		}
	}
	for _, res := range r.Results {
		s.Results[res.Status]++
	}
	return s
}
