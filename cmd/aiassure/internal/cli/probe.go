package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/assess"
	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/internal/limitio"
	"github.com/aiassure/aiassure/model"
	"github.com/aiassure/aiassure/model/onnx"
	"github.com/aiassure/aiassure/model/remote"
	"github.com/aiassure/aiassure/probe"
	"github.com/aiassure/aiassure/probe/availability"
	"github.com/aiassure/aiassure/probe/evasion"
)

const probeUsage = "-suite llm -endpoint URL [-protocol openai|mapped -mapping FILE] [-model NAME] [-profile P] [-seed N] [-variants N] [-max-requests N] [-run-log FILE] [-timeout D] [-request-timeout D] [-format text|json] [-o FILE]\n   or: aiassure probe (-model M.onnx | -endpoint URL [-protocol oip|json]) -data D [-label L] [-level basic|substantial|high] " +
	"[-suite metrics,evasion,privacy,availability,poisoning] [-train FILE] [-suspect FILE] [-attacks pgd-linf,square-linf,...] [-attack name:key=value,...] [-epsilon 0.05,0.1] [-budget N] [-samples N] [-seed S] [-requests N] [-sponge-budget N] [-timeout D] [-request-timeout D] [-format text|json] [-o FILE]\n" +
	"   or: aiassure probe -suite privacy (-model M.onnx | -endpoint URL) -members FILE -non-members FILE [-population FILE] [-sensitive A,B] [-references N] [-extraction-budget N] [-level L] [-label L] [-timeout D] [-format text|json] [-o FILE]\n" +
	"   or: aiassure probe -suite poisoning (-train FILE | -data FILE) [-level L] [-label L] [-seed S] [-format text|json] [-o FILE]   (the training set alone)"

var probeCmd = &command{
	name:    "probe",
	usage:   probeUsage,
	summary: "test a model or endpoint: accuracy metrics, evasion attacks (robustness curve), privacy attacks, availability and training-data poisoning by assurance level",
	run:     runProbe,
}

func runProbe(ctx context.Context, e *env, args []string) error {
	if isLLMSuite(args) {
		return runProbeLLM(ctx, e, args)
	}
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	modelPath := fs.String("model", "", "the ONNX `file` to test")
	endpoint := fs.String("endpoint", "", "the `URL` of an inference endpoint to test instead (black box)")
	protocol := fs.String("protocol", "oip", "endpoint protocol: oip (Open Inference Protocol v2) or json (needs -mapping)")
	endpointModel := fs.String("endpoint-model", "", "the model `name` on an OIP endpoint (default: NAME in an -endpoint of the form BASE/v2/models/NAME)")
	mapping := fs.String("mapping", "", "the JSON `file` of the request/response mapping of a json endpoint (docs/endpoints.md)")
	maxQueries := fs.Int64("max-queries", 0, "hard limit on the samples sent to an endpoint in all (0: none)")
	data := fs.String("data", "", "the labelled test data: CSV, NPY, ARFF or a folder of images")
	label := fs.String("label", "", "the label column (CSV) or attribute (ARFF); default label/class")
	features := fs.String("features", "", "the features.json `file` of constraints (default: beside the data, else inferred)")
	level := fs.String("level", "basic", "the assurance level whose test plan runs: "+strings.Join(probe.Levels(), ", "))
	suites := fs.String("suite", "", "comma-separated suites to run: metrics, evasion, privacy (membership inference, extraction, attribute inference), availability (latency, sponge inputs, malformed requests to -endpoint), poisoning (label noise, duplicates, outliers of the -train set; STRIP and Neural Cleanse on the model with -data's inputs) (default: the plan's)")
	suspect := fs.String("suspect", "", "poisoning: inputs for STRIP to screen for a back-door trigger (`file` with the columns of -data, labels unused: inputs seen in operation, or suspected)")
	train := fs.String("train", "", "poisoning: the labelled training set to check (`file`: CSV, NPY, ARFF; default: -members, or -data with -suite poisoning alone)")
	pf := addPrivacyFlags(fs)
	attacks := fs.String("attacks", "", "comma-separated attacks (default: the plan's): "+attackNames())
	var specs []probe.AttackSpec
	fs.Func("attack", "an attack with its settings, `name:key=value,...` (repeatable; replaces the plan's attacks as -attacks does), e.g. pgd-linf:steps=40,restarts=5,step=0.1 (docs/evasion.md)", func(v string) error {
		s, err := probe.ParseAttackSpec(v)
		if err != nil {
			return err
		}
		specs = append(specs, s)
		return nil
	})
	epsilon := fs.String("epsilon", "", "comma-separated L∞ epsilons, shares of each feature's range (default: the plan's grid)")
	budget := fs.Int("budget", -1, "query budget per sample of the black-box attacks (default: the plan's)")
	samples := fs.Int("samples", -1, "samples to attack, 0 for all (default: the plan's)")
	seed := fs.Uint64("seed", 0, "seed of sampling and random attacks (default: the plan's)")
	requests := fs.Int("requests", 0, "requests of the availability suite's latency profile (default: the plan's)")
	spongeBudget := fs.Int("sponge-budget", 0, "inputs the availability suite's sponge search may evaluate (default: the plan's)")
	var limits limitFlags
	limits.register(fs)
	var dl deadlineFlags
	dl.register(fs, defaultRequestTimeout)
	o := addOutput(fs, textJSON, false)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	privacyOnly := *suites != "" && slices.Equal(splitList(*suites), []string{probe.SuitePrivacy})
	poisoningOnly := *suites != "" && slices.Equal(splitList(*suites), []string{probe.SuitePoisoning})
	// The poisoning suite without a target checks a training set only, from
	// -train or -data; with one, -data is the test set whose inputs the
	// model's back-door checks use.
	trainOnly := poisoningOnly && *modelPath == "" && *endpoint == ""
	switch {
	case len(pos) > 0:
		return usagef("unexpected arguments %q\nusage: aiassure probe %s", pos, probeUsage)
	case trainOnly && *train == "" && *data == "":
		return usagef("-suite poisoning needs -train FILE (or -data FILE)\nusage: aiassure probe %s", probeUsage)
	case !trainOnly && ((*data == "" && !privacyOnly) || (*modelPath == "") == (*endpoint == "")):
		return usagef("give -data and one of -model or -endpoint\nusage: aiassure probe %s", probeUsage)
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	pl, err := probe.PlanFor(*level)
	if err != nil {
		return usageError{err}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := adjustPlan(&pl, set, *suites, *attacks, specs, *epsilon, *budget, *samples, *seed); err != nil {
		return err
	}
	if err := pf.adjust(&pl, set); err != nil {
		return err
	}
	if set["requests"] || set["sponge-budget"] {
		if *requests < 0 || *spongeBudget < 0 || set["requests"] && *requests == 0 || set["sponge-budget"] && *spongeBudget == 0 {
			return usagef("-requests and -sponge-budget must be at least 1")
		}
		pl.Requests, pl.SpongeBudget = or0(*requests, pl.Requests), or0(*spongeBudget, pl.SpongeBudget)
	}
	if err := dl.check(); err != nil {
		return err
	}
	if *train != "" && !pl.Has(probe.SuitePoisoning) {
		return usagef("-train is for the poisoning suite, which -suite leaves out")
	}
	ctx, cancel := dl.context(ctx, *endpoint != "")
	defer cancel()

	var t model.Target
	evidence := []string{*data}
	switch {
	case trainOnly:
		evidence = nil // the training set alone
	case *modelPath != "":
		m, err := onnx.Load(*modelPath, limits.onnx()...)
		if err != nil {
			return usageError{err}
		}
		t = m
		evidence = []string{*modelPath, *data}
	default:
		if t, err = endpointTarget(ctx, e, *endpoint, *protocol, *endpointModel, *mapping, *maxQueries, dl.request); err != nil {
			return explain(ctx, err)
		}
		evidence = []string{*endpoint, *data}
	}
	opt := dataset.Options{Label: *label, Limits: limits.data()}
	priv, err := pf.load(ctx, pl, opt, cmp.Or(*modelPath, *endpoint))
	if err != nil {
		return err
	}
	pois, err := loadPoisoning(ctx, pl, opt, cmp.Or(*train, pf.members), *data, trainOnly)
	if err != nil {
		return err
	}
	if *suspect != "" {
		if trainOnly || !pl.Has(probe.SuitePoisoning) {
			return usagef("-suspect is for the poisoning suite's back-door check of a model: give -model or -endpoint, -data and the suite")
		}
		if pois, err = loadSuspect(ctx, pois, opt, *suspect); err != nil {
			return err
		}
	}
	in := probe.RunInput{Target: t, Plan: pl, Evidence: evidence, Privacy: priv, Poisoning: pois}
	if *data != "" && !trainOnly {
		var cons *dataset.Constraints
		if *features != "" {
			cons, err = dataset.LoadConstraints(*features)
		} else {
			cons, err = probe.ConstraintsFor(ctx, *data, opt)
		}
		if err != nil {
			return usageError{err}
		}
		r, err := dataset.Open(*data, opt)
		if err != nil {
			return usageError{err}
		}
		defer r.Close()
		in.Data, in.Constraints = r, cons
	} else if !trainOnly {
		pl.Suites = []string{probe.SuitePrivacy}
		in.Plan = pl
	}

	if *endpoint != "" && pl.Has(probe.SuiteAvailability) {
		if in.Endpoint, err = malformedEndpoint(t, *endpoint, *protocol, *endpointModel, *mapping, dl.request); err != nil {
			return err
		}
	}
	bar := newProgressBar(e.stderr)
	in.Progress = bar.update
	results, sum, runErr := probe.Run(ctx, in)
	bar.finish()
	if errors.Is(runErr, probe.ErrInput) && ctx.Err() == nil {
		return usageError{runErr}
	}
	if runErr != nil && sum == nil {
		if errors.Is(runErr, probe.ErrInput) {
			return usageError{runErr}
		}
		return explain(ctx, runErr)
	}
	w, closeOut, err := o.open(e)
	if err != nil {
		return err
	}
	if format == "json" {
		err = assess.WriteResults(w, results, sum)
	} else {
		err = writeProbeText(w, results, sum, width(w))
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

func or0(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

func attackNames() string {
	var n []string
	for _, a := range evasion.All() {
		n = append(n, a.Name())
	}
	return strings.Join(n, ", ")
}

// adjustPlan applies the flags the user set to the plan.
// -attacks and -attack replace the plan's attacks: -attacks' names first,
// then -attack's specs; each starts from the plan's settings for an attack
// the plan runs, and a spec of -attack changes the settings it gives.
func adjustPlan(pl *probe.Plan, set map[string]bool, suites, attacks string, specs []probe.AttackSpec, epsilon string, budget, samples int, seed uint64) error {
	if set["suite"] {
		pl.Suites = splitList(suites)
	}
	if set["attacks"] || len(specs) > 0 {
		var list []probe.AttackSpec
		base := func(name string) probe.AttackSpec {
			if i := slices.IndexFunc(pl.Attacks, func(s probe.AttackSpec) bool { return s.Name == name }); i >= 0 {
				return pl.Attacks[i]
			}
			return probe.AttackSpec{Name: name}
		}
		for _, name := range splitList(attacks) {
			list = append(list, base(name))
		}
		for k, s := range specs {
			if slices.ContainsFunc(specs[:k], func(o probe.AttackSpec) bool { return o.Name == s.Name }) {
				return usagef("-attack: attack %s named twice", s.Name)
			}
			if i := slices.IndexFunc(list, func(o probe.AttackSpec) bool { return o.Name == s.Name }); i >= 0 {
				list[i] = s.Over(list[i])
				continue
			}
			list = append(list, s.Over(base(s.Name)))
		}
		pl.Attacks = list
	}
	if set["epsilon"] {
		pl.Epsilons = nil
		for _, s := range splitList(epsilon) {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return usagef("-epsilon %q: %v", s, errors.Unwrap(err))
			}
			pl.Epsilons = append(pl.Epsilons, v)
		}
		if len(pl.Epsilons) > 0 && !slices.Contains(pl.Epsilons, pl.Judge) {
			pl.Judge = slices.Max(pl.Epsilons)
		}
	}
	if set["budget"] {
		if budget < 1 {
			return usagef("-budget must be at least 1")
		}
		pl.Budget = budget
	}
	if set["samples"] {
		if samples < 0 {
			return usagef("-samples must not be negative")
		}
		pl.Samples = samples
	}
	if set["seed"] {
		pl.Seed = seed
	}
	if err := pl.Validate(); err != nil {
		return usageError{err}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// endpointTarget connects to an inference endpoint. The credentials come
// from AIASSURE_ENDPOINT_TOKEN (model/remote reads it; it is never logged).
func endpointTarget(ctx context.Context, e *env, url, protocol, name, mappingFile string, maxQueries int64, requestTimeout time.Duration) (model.Target, error) {
	opts := []remote.Option{remote.WithLogger(e.log), remote.WithTimeout(requestTimeout)}
	if os.Getenv(remote.TokenEnv) != "" {
		opts = append(opts, remote.WithBearerTokenEnv(remote.TokenEnv))
	} else {
		opts = append(opts, remote.WithoutCredentials())
	}
	if maxQueries < 0 {
		return nil, usagef("-max-queries must not be negative")
	}
	if maxQueries > 0 {
		opts = append(opts, remote.WithBudget(remote.NewBudget(maxQueries)))
	}
	switch protocol {
	case "oip":
		base, name, err := splitOIP(url, name)
		if err != nil {
			return nil, err
		}
		t, err := remote.NewOIP(ctx, base, name, opts...)
		if err != nil {
			return nil, connectError(err)
		}
		return t, nil
	case "json":
		if mappingFile == "" {
			return nil, usagef("-protocol json needs -mapping FILE")
		}
		b, err := limitio.ReadFile(mappingFile, maxMappingSize)
		if err != nil {
			return nil, usageError{err}
		}
		var m remote.Mapping
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, usagef("-mapping %s: %v", mappingFile, err)
		}
		t, err := remote.NewJSON(url, m, opts...)
		if err != nil {
			return nil, connectError(err)
		}
		return t, nil
	}
	return nil, usagef("-protocol %q: want oip or json", protocol)
}

// splitOIP returns the base URL and model name of an OIP endpoint: name
// when given, else NAME of a URL BASE/v2/models/NAME.
func splitOIP(url, name string) (string, string, error) {
	base := strings.TrimRight(url, "/")
	if name == "" {
		i := strings.LastIndex(base, "/v2/models/")
		if i < 0 {
			return "", "", usagef("-endpoint %q: name the model with -endpoint-model, or give its URL as BASE/v2/models/NAME", url)
		}
		base, name = base[:i], base[i+len("/v2/models/"):]
	}
	return base, name, nil
}

// malformedEndpoint describes, for the availability suite, the one URL
// malformed requests go to: the inference URL of the endpoint under test,
// with the same credentials (AIASSURE_ENDPOINT_TOKEN) and, for a json
// endpoint, the mapping's method and headers.
func malformedEndpoint(t model.Target, url, protocol, name, mappingFile string, requestTimeout time.Duration) (*availability.Endpoint, error) {
	ep := &availability.Endpoint{Protocol: protocol, Header: http.Header{}, RequestTimeout: requestTimeout}
	if tok := os.Getenv(remote.TokenEnv); tok != "" {
		ep.Header.Set("Authorization", "Bearer "+tok)
	}
	switch protocol {
	case "oip":
		base, name, err := splitOIP(url, name)
		if err != nil {
			return nil, err
		}
		ep.URL = base + "/v2/models/" + name + "/infer"
		info := t.Info()
		ep.Encode = availability.OIPEncoder(info.Input, info.InputShape)
	case "json":
		js, ok := t.(*remote.JSON)
		if !ok {
			return nil, fmt.Errorf("json endpoint: unexpected target %T", t)
		}
		b, err := limitio.ReadFile(mappingFile, maxMappingSize)
		if err != nil {
			return nil, usageError{err}
		}
		var m remote.Mapping
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, usagef("-mapping %s: %v", mappingFile, err)
		}
		for k, v := range m.Headers {
			ep.Header.Set(k, v)
		}
		ep.URL, ep.Method = url, m.Method
		shape := append([]int{1}, t.Info().InputShape...)
		ep.Encode = func(s []float32) ([]byte, error) {
			return js.EncodeRequest(&model.Tensor{Shape: shape, Data: s})
		}
	default:
		return nil, usagef("-protocol %q: want oip or json", protocol)
	}
	return ep, nil
}

// resultsLine sums up results: "9 results: 7 pass, 2 fail".
func resultsLine(results []aiassure.Result) string {
	n := map[aiassure.Status]int{}
	for _, r := range results {
		n[r.Status]++
	}
	var parts []string
	for _, st := range []aiassure.Status{aiassure.Pass, aiassure.Fail, aiassure.Unknown, aiassure.NotApplicable} {
		if n[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[st], st))
		}
	}
	return fmt.Sprintf("%d result%s: %s", len(results), plural(len(results)), orDash(strings.Join(parts, ", ")))
}

// writeProbeText prints the results in columns that fit width, and the
// robustness curves with each point whole.
func writeProbeText(w io.Writer, results []aiassure.Result, sum *probe.Summary, width int) error {
	bw := &errWriter{w: w}
	head := fmt.Sprintf("MODEL TESTS (%s plan) of %s: %d samples measured, %d attacked", sum.Level, sum.Target.Name, sum.Samples, sum.Attacked)
	if sum.Target.Name == "" {
		head = fmt.Sprintf("TRAINING-DATA CHECKS (%s plan)", sum.Level)
	}
	wrapList(bw, "", strings.Fields(head), " ", "  ", width)
	fmt.Fprintln(bw)
	t := &table{head: []string{"STATUS", "TEST", "RESULT"}}
	for _, r := range results {
		text := r.Summary
		if r.Reason != "" {
			text += "\n" + r.Reason // the criterion, under a pass too
		}
		t.add(strings.ToUpper(string(r.Status)), r.ID, text)
	}
	t.write(bw, width)
	if len(sum.Evasion) > 0 {
		fmt.Fprintln(bw)
		wrapList(bw, "", strings.Fields("ROBUSTNESS CURVES (robust accuracy [Wilson 95%] by epsilon, a share of each feature's range; L2: times sqrt(d))"), " ", "  ", width)
		for _, rep := range sum.Evasion {
			var points []string
			for _, p := range rep.Points {
				points = append(points, fmt.Sprintf("%g: %.1f%% [%.1f, %.1f]", p.Epsilon, 100*p.RobustAccuracy, 100*p.RobustCI.Lo, 100*p.RobustCI.Hi))
			}
			points = append(points, fmt.Sprintf("(%.2fs, %d queries)", rep.Wall, totalQueries(rep)))
			wrapList(bw, fmt.Sprintf("%s (%s, %s):  ", rep.Attack, rep.Kind, rep.Norm), points, "  ", "    ", width)
			if len(rep.Members) > 0 {
				var names []string
				for _, m := range rep.Members {
					names = append(names, m.Attack)
				}
				wrapList(bw, "    worst case per sample over ", names, ", ", "      ", width)
			} else {
				wrapList(bw, "    settings: -attack ", []string{probe.SettingsSpec(rep.Attack, rep.Settings)}, "", "      ", width)
			}
		}
	}
	if sum.Privacy != nil {
		writePrivacyText(bw, sum.Privacy, width)
	}
	if sum.Poisoning != nil {
		writePoisoningText(bw, sum.Poisoning, width)
	}
	if a := sum.Availability; a != nil && a.Malformed != nil {
		fmt.Fprintln(bw)
		wrapList(bw, "", strings.Fields("MALFORMED REQUESTS to "+a.Malformed.URL+" (HTTP status, outcome)"), " ", "  ", width)
		var cases []string
		for _, c := range a.Malformed.Cases {
			cases = append(cases, fmt.Sprintf("%s: %d %s", c.Name, c.Status, c.Outcome))
		}
		wrapList(bw, "  ", cases, ";  ", "  ", width)
	}
	for _, s := range sum.Skipped {
		wrapList(bw, "skipped: ", strings.Fields(s), " ", "  ", width)
	}
	return bw.err
}

func totalQueries(r *evasion.Report) int {
	n := 0
	for _, p := range r.Points {
		n += p.Queries.Total
	}
	return n
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// progressBar draws a one-line bar with carriage returns when w is a
// terminal, and nothing otherwise.
type progressBar struct {
	w    io.Writer
	on   bool
	last time.Time
	drew bool
}

func newProgressBar(w io.Writer) *progressBar {
	on := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			on = true
		}
	}
	return &progressBar{w: w, on: on}
}

func (b *progressBar) update(done, total int, what string) {
	if !b.on || total <= 0 {
		return
	}
	if now := time.Now(); done < total && now.Sub(b.last) < 100*time.Millisecond {
		return
	} else {
		b.last = now
	}
	fmt.Fprint(b.w, "\r"+progressLine(done, total, what))
	b.drew = true
}

func (b *progressBar) finish() {
	if b.drew {
		fmt.Fprint(b.w, "\r\033[K")
	}
}

// progressLine renders "[#####.....]  50% what" in a fixed width.
func progressLine(done, total int, what string) string {
	const width = 30
	done = min(max(done, 0), total)
	n := width * done / total
	w := []rune(what)
	if len(w) > 30 {
		w = w[:30]
	}
	return fmt.Sprintf("[%s%s] %3d%% %-30s", strings.Repeat("#", n), strings.Repeat(".", width-n), 100*done/total, string(w))
}
