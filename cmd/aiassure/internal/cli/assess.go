package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/accept"
	"github.com/aiassure/aiassure/assess"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/internal/safetext"
	"github.com/aiassure/aiassure/internal/yamlx"
	"github.com/aiassure/aiassure/llm/suite"
	"github.com/aiassure/aiassure/model/remote"
	"github.com/aiassure/aiassure/profile"
	"github.com/aiassure/aiassure/report"
	"github.com/aiassure/aiassure/report/formats"
	"github.com/aiassure/aiassure/report/text"
)

const assessUsage = "[-format text|json|markdown|html|sarif|oscal] [-o FILE] [-fail-on SEVERITY] [-results FILE]... [-allow-missing] [-allow-outside-paths] [-timeout D] [-request-timeout D] PROFILE"

var assessCmd = &command{
	name:    "assess",
	usage:   assessUsage,
	summary: "assess the system a profile describes and write the report",
	run:     runAssess,
}

// allowMissingUsage is the help of -allow-missing, on every verb that
// assesses a profile.
const allowMissingUsage = "assess even when files the profile declares (model, data, asset paths, evidence, lineage files, " +
	"risk acceptance) do not exist or cannot be read: each becomes a critical \"not assessed\" finding instead of an input error (exit 2)"

// allowOutsideUsage is the help of -allow-outside-paths, on every verb
// that reads the files a profile, a policy or an attestation names.
const allowOutsideUsage = "read files that a profile, policy or attestation names outside its own folder (an absolute path, \"..\", " +
	"a symbolic link out); by default they are refused and never read (docs/profile.md, Paths)"

func runAssess(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("assess", flag.ContinueOnError)
	o := addOutput(fs, reportFormats, false)
	failOn := fs.String("fail-on", "", "exit 3 if any finding not accepted is at or above `SEVERITY` (info, low, medium, high, critical)")
	allowMissing := fs.Bool("allow-missing", false, allowMissingUsage)
	allowOutside := fs.Bool("allow-outside-paths", false, allowOutsideUsage)
	var resultFiles stringList
	fs.Var(&resultFiles, "results", "add saved test results from `FILE`: what 'aiassure probe -format json' writes, or a JSON report; repeatable")
	var dl deadlineFlags
	dl.register(fs, defaultChatTimeout) // for the LLM endpoint of artefacts.llm_endpoint
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one profile, got %d arguments\nusage: aiassure assess %s", len(pos), assessUsage)
	}
	if err := dl.check(); err != nil {
		return err
	}
	name, err := o.resolve()
	if err != nil {
		return err
	}
	f, ok := formats.Lookup(name)
	if !ok {
		return fmt.Errorf("format %q has no writer", name)
	}
	if *failOn != "" && aiassure.Severity(*failOn).Rank() < 0 {
		return usagef("-fail-on: unknown severity %q (info, low, medium, high, critical)", *failOn)
	}
	p, c, err := load(e, "assess", pos[0], *allowMissing, *allowOutside)
	if err != nil {
		return err
	}
	cfg := assess.DefaultConfig()
	cfg.Catalog = c
	cfg.Logger = e.log
	cfg.AllowMissing = *allowMissing
	// The checks that talk to an endpoint (the LLM tests) run under the
	// deadlines; the local ones do not.
	for i, ch := range cfg.Checks {
		if ch.Name == suite.CheckName {
			cfg.Checks[i].Run = func(ctx context.Context, in assess.CheckInput) ([]aiassure.Result, error) {
				ctx, cancel := dl.context(ctx, true)
				defer cancel()
				return suite.Check(ctx, in.Profile, in.Now, "", remote.WithTimeout(dl.request))
			}
		}
	}
	for _, rf := range resultFiles {
		rs, err := assess.LoadResults(rf)
		if err != nil {
			return usageError{fmt.Errorf("-results: %w", err)}
		}
		cfg.Results = append(cfg.Results, rs...)
		if t := assess.LoadLLMTests(rf); t != nil {
			cfg.LLM = t
		}
		cfg.Inputs = append(cfg.Inputs, report.Artefact{Role: "results", Path: rf, // assess.Run adds its digest
			Note: fmt.Sprintf("%d saved results", len(rs))})
	}
	bar := newStageProgress(e.stderr, "assessing "+pos[0])
	cfg.Progress = bar.set
	r, err := assess.Run(ctx, p, cfg)
	bar.stop()
	if err != nil {
		return err
	}
	w, closeOut, err := o.open(e)
	if err != nil {
		return err
	}
	if f.Name == "text" {
		f = text.Format(text.Options{Color: isTerminal(w) && os.Getenv("NO_COLOR") == "", Width: width(w)})
	}
	if err := f.Write(w, r); err != nil {
		closeOut()
		return err // the writers name their format
	}
	if err := closeOut(); err != nil {
		return err
	}
	o.wrote(e, f.Name, findingsLine(r))
	return failOnCheck(r, *failOn)
}

// findingsLine sums up a report's findings: "17 findings (1 accepted),
// highest critical", the highest severity being that of the findings not
// accepted, as in the report's summary.
func findingsLine(r *report.Report) string {
	n, accepted := len(r.Findings), 0
	highest := aiassure.Severity("")
	for _, f := range r.Findings {
		if f.Accepted != nil {
			accepted++
			continue
		}
		if f.Severity.Rank() > highest.Rank() {
			highest = f.Severity
		}
	}
	if n == 0 {
		return "no findings"
	}
	s := fmt.Sprintf("%d finding%s", n, plural(n))
	if accepted > 0 {
		s += fmt.Sprintf(" (%d accepted)", accepted)
	}
	if highest != "" {
		s += ", highest " + string(highest)
	} else {
		s += ", all accepted"
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// failOnCheck returns a findingsError when a finding that is not accepted
// is at or above failOn.
func failOnCheck(r *report.Report, failOn string) error {
	if failOn == "" {
		return nil
	}
	// Accepted findings stay in the report but never trip the threshold.
	if n := accept.AtLeast(r.Findings, aiassure.Severity(failOn)); n > 0 {
		return findingsError{n: n, level: failOn}
	}
	return nil
}

func formatNames() []string { return formats.Names() }

// load reads and checks a profile, the catalogue and the files the profile
// declares. A file that is missing is an input error, unless allowMissing:
// then each is a warning on stderr here, and a finding of the assessment.
func load(e *env, verb, path string, allowMissing, allowOutside bool) (*profile.Profile, *catalog.Catalog, error) {
	c, err := catalog.Load()
	if err != nil {
		return nil, nil, err
	}
	p, err := profile.Load(path)
	if err != nil {
		return nil, nil, usageError{err}
	}
	p.AllowOutsidePaths = allowOutside
	if err := profile.Check(p, c); err != nil {
		return nil, nil, usageError{err}
	}
	if err := profile.CheckFiles(p); err != nil {
		if !allowMissing {
			return nil, nil, usageError{fmt.Errorf("%w\n(give -allow-missing to assess without them: each becomes a critical \"not assessed\" finding)", err)}
		}
		var es yamlx.Errors
		if !errors.As(err, &es) {
			return nil, nil, err
		}
		for _, x := range es {
			fmt.Fprintf(e.stderr, "aiassure %s: warning: not assessed: %s\n", verb, safetext.Escape(x.Error()))
		}
	}
	return p, c, nil
}

// stageProgress shows the stage an assessment is at, with the time spent,
// on one line of stderr when stderr is a terminal, and nothing otherwise.
type stageProgress struct {
	mu      sync.Mutex
	w       io.Writer
	what    string
	stage   string
	start   time.Time
	ticker  *time.Ticker
	done    chan struct{}
	drew    bool
	stopped bool
}

func newStageProgress(w io.Writer, what string) *stageProgress {
	p := &stageProgress{w: w, what: what, start: time.Now()}
	if !isTerminal(w) {
		return p
	}
	p.ticker, p.done = time.NewTicker(500*time.Millisecond), make(chan struct{})
	go func() {
		for {
			select {
			case <-p.ticker.C:
				p.draw()
			case <-p.done:
				return
			}
		}
	}()
	return p
}

// stageNames says what assess.Run's stages do.
var stageNames = map[string]string{
	"classify": "classifying under the AI Act", "check lineage": "verifying the lineage attestations",
	"check probe": "running the model tests", "risk": "analysing the risks", "coverage": "analysing standards coverage",
}

// set is the assess.Config.Progress callback.
func (p *stageProgress) set(stage string) {
	if s, ok := stageNames[stage]; ok {
		stage = s
	}
	p.mu.Lock()
	p.stage = stage
	p.mu.Unlock()
	p.draw()
}

func (p *stageProgress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ticker == nil || p.stopped || p.stage == "" {
		return
	}
	line := fmt.Sprintf("%s: %s (%s)", p.what, p.stage, time.Since(p.start).Truncate(time.Second))
	if w := width(p.w) - 1; textWidth(line) > w && w > 0 {
		line = string([]rune(line)[:w])
	}
	fmt.Fprint(p.w, "\r\033[K"+line)
	p.drew = true
}

func (p *stageProgress) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ticker == nil || p.stopped {
		return
	}
	p.stopped = true
	p.ticker.Stop()
	close(p.done)
	if p.drew {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// Single-analysis verbs: classify, risk, gaps. Each prints a table that
// fits the terminal, or JSON with -format json (or -json).

var classifyCmd = &command{
	name: "classify", usage: "[-format text|json] [-o FILE] [-allow-missing] PROFILE | -interview [-o FILE] PROFILE | -questions [-format text|json]",
	summary: "classify the system under the AI Act and list the obligations that follow; -interview asks the facts, -questions lists them",
	run: func(ctx context.Context, e *env, args []string) error {
		switch classifyMode(args) {
		case "interview":
			return classifyInterview(e, args)
		case "questions":
			return classifyQuestions(e, args)
		}
		return analysis(ctx, e, "classify", args, func(r *report.Report) any { return r.Classification }, func(w io.Writer, r *report.Report, width int) error {
			c := r.Classification
			bw := &errWriter{w: w}
			head := &table{}
			tier := string(c.Tier)
			if c.Provisional {
				tier += " (provisional)"
			}
			head.add("tier:", tier, c.Route)
			head.add("general purpose:", fmt.Sprint(c.GeneralPurpose))
			head.add("transparency (Art. 50):", fmt.Sprint(c.Transparency))
			if c.Provisional {
				head.add("provisional:", "yes: the open questions below could change the tier")
			}
			head.add("facts answered:", fmt.Sprint(len(c.Facts)))
			head.add("roles:", strings.Join(c.Roles, ", "))
			head.add("conformity (Art. 43):", c.Conformity.Procedure, c.Conformity.Article)
			head.write(bw, width)
			classifyFindings(bw, c, width)
			fmt.Fprintln(bw, "\nverdicts:")
			vt := &table{indent: "  ", head: []string{"OUTCOME", "ARTICLE", "WHY (PROFILE FIELDS)"}}
			for _, v := range c.Verdicts {
				why := v.Reason
				if len(v.Fields) > 0 {
					why += "\n(" + strings.Join(v.Fields, ", ") + ")"
				}
				vt.add(string(v.Outcome), v.Article, why)
			}
			vt.write(bw, width)
			fmt.Fprintln(bw, "\nobligations:")
			ot := &table{indent: "  ", head: []string{"ROLE", "ARTICLE", "OBLIGATION", "APPLIES FROM", "CHECKED"}}
			for _, o := range c.Obligations {
				title := o.Title
				if o.Kind != "obligation" {
					title += " [" + o.Kind + "]"
				}
				if o.Status == "conditional" {
					title += "\n(" + o.Condition + ")"
				}
				ot.add(strings.Join(o.Roles, ", "), o.Article, title, o.AppliesFrom, verifiedMark(o.Verified))
			}
			ot.write(bw, width)
			return bw.err
		})
	},
}

var riskCmd = &command{
	name: "risk", usage: "[-format text|json] [-o FILE] [-checks=false] [-allow-missing] PROFILE",
	summary: "run the TVRA-style threat and risk analysis",
	run: func(ctx context.Context, e *env, args []string) error {
		return analysis(ctx, e, "risk", args, func(r *report.Report) any { return r.Risk }, func(w io.Writer, r *report.Report, width int) error {
			bw := &errWriter{w: w}
			wrapList(bw, "method: ", strings.Fields(r.Risk.Method), " ", "  ", width)
			fmt.Fprintln(bw)
			t := &table{head: []string{"THREAT", "ASSETS", "AP", "LIKELIHOOD", "IMPACT", "RISK", "RESIDUAL"}}
			for _, x := range r.Risk.Entries {
				missing := make([]string, len(x.Missing))
				for i, m := range x.Missing {
					missing[i] = string(m)
				}
				t.add(string(x.Threat), x.AssetList(), fmt.Sprint(x.AttackPotential), x.Likelihood.Level, x.Impact.Level, x.Risk.Level, x.Residual.Level)
				if len(missing) > 0 {
					t.note("missing controls: " + strings.Join(missing, ", "))
				}
			}
			t.write(bw, width)
			return bw.err
		})
	},
}

var gapsCmd = &command{
	name: "gaps", usage: "[-format text|json] [-o FILE] [-checks=false] [-allow-missing] PROFILE",
	summary: "list standardisation, implementation and evidence gaps",
	run: func(ctx context.Context, e *env, args []string) error {
		return analysis(ctx, e, "gaps", args, func(r *report.Report) any { return r.Coverage }, func(w io.Writer, r *report.Report, width int) error {
			t := &table{head: []string{"GAP", "SEVERITY", "KIND", "TITLE"}}
			for _, g := range r.Coverage.Gaps {
				t.add(g.ID, string(g.Severity), g.Kind, g.Title)
			}
			return t.write(w, width)
		})
	},
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// analysis runs one analysis verb. Classification needs no evidence, so it
// runs no checks; risk and gaps run the default checks (lineage, model tests)
// unless -checks=false.
func analysis(ctx context.Context, e *env, name string, args []string, part func(*report.Report) any, show func(io.Writer, *report.Report, int) error) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	o := addOutput(fs, textJSON, true)
	allowMissing := fs.Bool("allow-missing", false, allowMissingUsage)
	allowOutside := fs.Bool("allow-outside-paths", false, allowOutsideUsage)
	checks := new(bool)
	if name != "classify" {
		checks = fs.Bool("checks", true, "gather evidence first (verify lineage, run the model tests of the profile's plan)")
	}
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one profile, got %d arguments", len(pos))
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	p, c, err := load(e, name, pos[0], *allowMissing, *allowOutside)
	if err != nil {
		return err
	}
	cfg := assess.DefaultConfig()
	cfg.Catalog = c
	cfg.Logger = e.log
	cfg.AllowMissing = *allowMissing
	if !*checks {
		cfg.Checks = nil
	}
	bar := newStageProgress(e.stderr, name+" "+pos[0])
	cfg.Progress = bar.set
	r, err := assess.Run(ctx, p, cfg)
	bar.stop()
	if err != nil {
		return err
	}
	w, closeOut, err := o.open(e)
	if err != nil {
		return err
	}
	if format == "json" {
		err = writeJSON(w, part(r))
	} else {
		err = show(w, safetext.Clean(r), width(w))
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	o.wrote(e, format, "")
	return nil
}

func verifiedMark(v bool) string {
	if v {
		return "verified"
	}
	return "unverified"
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
