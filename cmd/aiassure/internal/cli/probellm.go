package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/assess"
	"github.com/aiassure/aiassure/internal/safetext"
	"github.com/aiassure/aiassure/llm/suite"
	"github.com/aiassure/aiassure/model/remote"
	"github.com/aiassure/aiassure/profile"
)

// isLLMSuite reports whether the probe arguments ask for the LLM suite.
func isLLMSuite(args []string) bool {
	for i, a := range args {
		a = strings.TrimLeft(a, "-")
		if a == "suite=llm" || (a == "suite" && i+1 < len(args) && args[i+1] == "llm") {
			return true
		}
	}
	return false
}

// runProbeLLM runs `probe -suite llm`: the LLM application tests of
// llm/suite against an OpenAI-compatible endpoint (docs/llm.md).
func runProbeLLM(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	fs.String("suite", "llm", "the suite: llm")
	endpoint := fs.String("endpoint", "", "the `URL` of the chat-completions endpoint, or double:vulnerable|partly-hardened|hardened for the test double")
	protocol := fs.String("protocol", "openai", "endpoint protocol: openai, or mapped (another JSON chat API, needs -mapping)")
	mappingFile := fs.String("mapping", "", "the chat mapping `file` (YAML or JSON) of -protocol mapped: request template and response paths (docs/llm.md)")
	modelName := fs.String("model", "", "the model `name` sent in each request")
	prof := fs.String("profile", "", "the system profile whose llm block describes the application (system prompt, canary, secrets, tools)")
	level := fs.String("level", "", "the assurance level whose plan runs (default: the profile's, else basic)")
	seed := fs.Uint64("seed", 1, "seed of the generated prompts")
	variants := fs.Int("variants", 0, "prompts per family (default: the plan's)")
	reps := fs.Int("repetitions", 0, "times each prompt is sent (default: the plan's)")
	maxReq := fs.Int("max-requests", 0, "hard limit on the requests of the run (0: none)")
	families := fs.String("families", "", "comma-separated families to run (default: all): "+strings.Join(suite.Families, ", "))
	runLog := fs.String("run-log", "", "the `file` to write the run log to, one JSON line per exchange (default: none)")
	var dl deadlineFlags
	dl.register(fs, defaultChatTimeout)
	o := addOutput(fs, textJSON, false)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *endpoint == "" {
		return usagef("give -endpoint\nusage: aiassure probe %s", probeUsage)
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	if err := dl.check(); err != nil {
		return err
	}
	ctx, cancel := dl.context(ctx, true)
	defer cancel()
	// Without a profile the application is described generically: untrusted
	// content arrives as retrieved data, and no tools are offered.
	p := &profile.Profile{LLM: &profile.LLM{UntrustedContent: []string{"retrieved-data"}}}
	if *prof != "" {
		if p, err = profile.Load(*prof); err != nil {
			return usageError{err}
		}
		if p.LLM == nil {
			return usagef("%s has no llm block", *prof)
		}
	}
	lv := *level
	if lv == "" {
		lv = p.Assurance
	}
	if lv == "" {
		lv = "basic"
	}
	pl, err := suite.PlanFor(lv)
	if err != nil {
		return usageError{err}
	}
	pl.Seed = *seed
	if *variants > 0 {
		pl.Variants = *variants
	}
	if *reps > 0 {
		pl.Repetitions = *reps
	}
	pl.MaxRequests = *maxReq
	if *families != "" {
		pl.Families = splitList(*families)
	}
	t, err := suite.TargetFor(p, pl.Seed)
	if err != nil {
		return usageError{err}
	}
	ropts := []remote.Option{remote.WithTimeout(dl.request)}
	if *maxReq > 0 {
		ropts = append(ropts, remote.WithMaxRequests(int64(*maxReq)*2)) // retries count there too
	}
	ep := suite.Endpoint{URL: *endpoint, Protocol: *protocol, Model: *modelName}
	switch {
	case *mappingFile != "" && *protocol != "mapped":
		return usagef("-mapping needs -protocol mapped")
	case *mappingFile != "":
		m, err := suite.LoadMapping(*mappingFile)
		if err != nil {
			return usageError{err}
		}
		ep.Mapping = &m
	}
	c, stop, err := suite.Dial(ctx, ep, ropts...)
	if err != nil {
		return usageError{err}
	}
	defer func() { _ = stop() }()
	opt := suite.Options{}
	if *runLog != "" {
		f, err := os.Create(*runLog)
		if err != nil {
			return err
		}
		defer f.Close()
		opt.RunLog, opt.RunLogPath = f, *runLog
	}
	bar := newProgressBar(e.stderr)
	opt.Progress = bar.update
	results, sum, runErr := suite.Run(ctx, c, t, pl, opt)
	bar.finish()
	if sum == nil {
		return usageError{runErr}
	}
	w, closeOut, err := o.open(e)
	if err != nil {
		return err
	}
	if format == "json" {
		doc := assess.NewResults(results, nil)
		doc.LLM = sum
		err = writeJSONDoc(w, doc)
	} else {
		err = writeLLMText(w, *endpoint, results, sum)
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	o.wrote(e, format, resultsLine(results))
	return explain(ctx, runErr)
}

func writeJSONDoc(w io.Writer, doc *assess.Results) error {
	return assess.WriteResultsDoc(w, doc)
}

// writeLLMText prints per family the status, the rate with its interval
// and up to three answers that show a success, the evidence between »«.
func writeLLMText(w io.Writer, endpoint string, results []aiassure.Result, sum *suite.Summary) error {
	// The answers quoted are the endpoint's: what could act on a terminal
	// is escaped on the way out.
	sw := safetext.NewWriter(w)
	defer sw.Flush()
	bw := &errWriter{w: sw}
	fmt.Fprintf(bw, "LLM TESTS (%s plan, seed %d, %d variants × %d) of %s: %d requests\n", orDash(sum.Plan.Level), sum.Plan.Seed,
		sum.Plan.Variants, sum.Plan.Repetitions, endpoint, sum.Requests)
	for _, n := range sum.Notes {
		fmt.Fprintf(bw, "note: %s\n", n)
	}
	if sum.RunLog != "" {
		fmt.Fprintf(bw, "run log: %s (%s)\n", sum.RunLog, sum.Digest)
	}
	fmt.Fprintln(bw)
	for _, fs := range sum.Families {
		judged := fs.Attempts - fs.Unknown
		if fs.Skipped != "" {
			fmt.Fprintf(bw, "%-14s %-22s not tested: %s\n", strings.ToUpper(string(fs.Status)), fs.Family, fs.Skipped)
			continue
		}
		fmt.Fprintf(bw, "%-14s %-22s %d/%d succeeded (%.0f%%, 95%% CI %.0f–%.0f%%), %d unknown\n", strings.ToUpper(string(fs.Status)),
			fs.Family, fs.Successes, judged, 100*fs.Rate, 100*fs.Lo, 100*fs.Hi, fs.Unknown)
		for _, ex := range fs.Examples {
			fmt.Fprintf(bw, "    %s [%s %s] %s\n", ex.Variant, ex.Detector, ex.Kind, strings.ReplaceAll(ex.Highlight(100), "\n", " "))
		}
		for _, er := range fs.Errors {
			fmt.Fprintf(bw, "    unknown: %s\n", er)
		}
		for _, ob := range fs.Observations {
			fmt.Fprintf(bw, "    observed: %s\n", ob.Text)
		}
	}
	for _, r := range results {
		if r.ID == suite.RateLimitID {
			fmt.Fprintf(bw, "%-14s %-22s %s\n", strings.ToUpper(string(r.Status)), "rate-limit", strings.TrimPrefix(r.Summary, "rate-limit: "))
		}
	}
	fmt.Fprintf(bw, "\nA family fails on any confirmed success; it is unknown when more than a tenth of its attempts could not be judged. See docs/llm.md.\n")
	return bw.err
}
