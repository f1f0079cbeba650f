package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/accept"
	"github.com/aiassure/aiassure/assess"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/profile"
	"github.com/aiassure/aiassure/report"
	"github.com/aiassure/aiassure/report/formats"
	"github.com/aiassure/aiassure/report/text"
)

const assessUsage = "[-format text|json|markdown|html|sarif|oscal] [-o FILE] [-fail-on SEVERITY] [-results FILE] PROFILE"

var assessCmd = &command{
	name:    "assess",
	usage:   assessUsage,
	summary: "assess the system a profile describes and write the report",
	run:     runAssess,
}

func runAssess(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("assess", flag.ContinueOnError)
	format := fs.String("format", "text", "report format: "+strings.Join(formatNames(), ", "))
	out := fs.String("o", "", "write the report to `FILE` instead of standard output")
	failOn := fs.String("fail-on", "", "exit 3 if any finding is at or above `SEVERITY` (info, low, medium, high, critical)")
	var resultFiles stringList
	fs.Var(&resultFiles, "results", "add saved test results (a JSON list of results, or a report) from `FILE`; repeatable")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one profile, got %d arguments\nusage: aiassure assess %s", len(pos), assessUsage)
	}
	f, ok := formats.Lookup(*format)
	if !ok {
		return usagef("unknown format %q (have %s)", *format, strings.Join(formatNames(), ", "))
	}
	if *failOn != "" && aiassure.Severity(*failOn).Rank() < 0 {
		return usagef("-fail-on: unknown severity %q", *failOn)
	}
	p, c, err := load(pos[0])
	if err != nil {
		return err
	}
	cfg := assess.DefaultConfig()
	cfg.Catalog = c
	cfg.Logger = e.log
	for _, rf := range resultFiles {
		rs, err := readResults(rf)
		if err != nil {
			return usageError{err}
		}
		cfg.Results = append(cfg.Results, rs...)
	}
	r, err := assess.Run(ctx, p, cfg)
	if err != nil {
		return err
	}
	w, closeOut, err := output(e, *out)
	if err != nil {
		return err
	}
	if f.Name == "text" && isTerminal(w) && os.Getenv("NO_COLOR") == "" {
		f = text.Format(text.Options{Color: true})
	}
	if err := f.Write(w, r); err != nil {
		closeOut()
		return fmt.Errorf("write %s report: %w", f.Name, err)
	}
	if err := closeOut(); err != nil {
		return err
	}
	return failOnCheck(r, *failOn)
}

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

func formatNames() []string {
	var names []string
	for _, f := range formats.All() {
		names = append(names, f.Name)
	}
	return names
}

// load reads and checks a profile and the catalogue.
func load(path string) (*profile.Profile, *catalog.Catalog, error) {
	c, err := catalog.Load()
	if err != nil {
		return nil, nil, err
	}
	p, err := profile.Load(path)
	if err != nil {
		return nil, nil, usageError{err}
	}
	if err := profile.Check(p, c); err != nil {
		return nil, nil, usageError{err}
	}
	return p, c, nil
}

// readResults reads saved results: a JSON list of results, or a report whose
// results are taken.
func readResults(path string) ([]aiassure.Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rs []aiassure.Result
	if err := json.Unmarshal(b, &rs); err == nil {
		return rs, nil
	}
	var r report.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: neither a list of results nor a report: %w", path, err)
	}
	return r.Results, nil
}

// Single-analysis verbs: classify, risk, gaps. Each prints a table, or JSON
// with -json.

var classifyCmd = &command{
	name: "classify", usage: "[-json] PROFILE",
	summary: "classify the system under the AI Act and list the obligations that follow",
	run: func(ctx context.Context, e *env, args []string) error {
		return analysis(ctx, e, "classify", args, func(r *report.Report, tw *tabwriter.Writer) any {
			c := r.Classification
			fmt.Fprintf(tw, "tier:\t%s\t%s\n", c.Tier, c.Route)
			fmt.Fprintf(tw, "general purpose:\t%v\t\n", c.GeneralPurpose)
			fmt.Fprintf(tw, "transparency (Art. 50):\t%v\t\n\nverdicts:\n", c.Transparency)
			tw.Flush()
			for _, v := range c.Verdicts {
				fmt.Fprintf(tw, "  %-10s %s [%s]\n             %s\n", v.Outcome, v.Article, strings.Join(v.Fields, ", "), v.Reason)
			}
			fmt.Fprintln(tw, "\nobligations:")
			for _, o := range c.Obligations {
				fmt.Fprintf(tw, "  %s\t%s\tfrom %s\t%s\n", o.Article, o.Title, o.AppliesFrom, verifiedMark(o.Verified))
			}
			return c
		})
	},
}

var riskCmd = &command{
	name: "risk", usage: "[-json] PROFILE",
	summary: "run the TVRA-style threat and risk analysis",
	run: func(ctx context.Context, e *env, args []string) error {
		return analysis(ctx, e, "risk", args, func(r *report.Report, tw *tabwriter.Writer) any {
			fmt.Fprintf(tw, "method: %s\n\n", r.Risk.Method)
			fmt.Fprintln(tw, "THREAT\tASSET\tAP\tLIKELIHOOD\tIMPACT\tRISK\tRESIDUAL\tMISSING CONTROLS")
			for _, x := range r.Risk.Entries {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%d\n", x.Threat, x.AssetList(), x.AttackPotential, x.Likelihood.Level, x.Impact.Level, x.Risk.Level, x.Residual.Level, len(x.Missing))
			}
			return r.Risk
		})
	},
}

var gapsCmd = &command{
	name: "gaps", usage: "[-json] PROFILE",
	summary: "list standardisation, implementation and evidence gaps",
	run: func(ctx context.Context, e *env, args []string) error {
		return analysis(ctx, e, "gaps", args, func(r *report.Report, tw *tabwriter.Writer) any {
			fmt.Fprintln(tw, "SEVERITY\tKIND\tID\tTITLE")
			for _, g := range r.Coverage.Gaps {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", g.Severity, g.Kind, g.ID, g.Title)
			}
			return r.Coverage
		})
	},
}

// analysis runs one analysis verb. Classification needs no evidence, so it
// runs no checks; risk and gaps run the default checks (lineage, model tests)
// unless -checks=false.
func analysis(ctx context.Context, e *env, name string, args []string, show func(*report.Report, *tabwriter.Writer) any) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
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
	p, c, err := load(pos[0])
	if err != nil {
		return err
	}
	cfg := assess.DefaultConfig()
	cfg.Catalog = c
	if !*checks {
		cfg.Checks = nil
	}
	r, err := assess.Run(ctx, p, cfg)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	if *asJSON {
		v := show(r, tabwriter.NewWriter(new(strings.Builder), 0, 0, 0, ' ', 0))
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	show(r, tw)
	return tw.Flush()
}

func verifiedMark(v bool) string {
	if v {
		return "verified"
	}
	return "unverified"
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
