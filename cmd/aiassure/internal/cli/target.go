package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/aiassure/aiassure/internal/limitio"
	"github.com/aiassure/aiassure/model"
	"github.com/aiassure/aiassure/model/onnx"
	"github.com/aiassure/aiassure/model/remote"
)

// maxMappingSize bounds a -mapping file (1 MiB).
const maxMappingSize = 1 << 20

// targetFlags choose what a model verb tests: a local ONNX file (-model) or a
// live endpoint (-endpoint with -protocol). See docs/endpoints.md.
type targetFlags struct {
	model       string
	endpoint    string
	protocol    string
	remoteModel string
	mapping     string
	budget      int64
	rate        float64
	concurrency int
	deadline    deadlineFlags
	tokenEnv    string
	insecure    bool
	limits      limitFlags
}

func (t *targetFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.model, "model", "", "the ONNX `file` to test")
	fs.StringVar(&t.endpoint, "endpoint", "", "a live inference endpoint `URL` instead of -model")
	fs.StringVar(&t.protocol, "protocol", "oip", "endpoint protocol: oip (Open Inference Protocol v2) or json (generic, needs -mapping)")
	fs.StringVar(&t.remoteModel, "endpoint-model", "", "the model `name` on an OIP endpoint")
	fs.StringVar(&t.mapping, "mapping", "", "request/response mapping `file` (YAML) for -protocol json")
	fs.Int64Var(&t.budget, "max-queries", 0, "hard limit on samples sent to the endpoint (0: none)")
	fs.Float64Var(&t.rate, "rate", 0, "requests per second to the endpoint (0: unlimited)")
	fs.IntVar(&t.concurrency, "concurrency", 4, "requests in flight to the endpoint")
	t.deadline.register(fs, defaultRequestTimeout)
	fs.StringVar(&t.tokenEnv, "token-env", "AIASSURE_ENDPOINT_TOKEN", "environment `variable` holding the endpoint's bearer token (never logged)")
	fs.BoolVar(&t.insecure, "insecure-http", false, "allow credentials over plain http to a host other than localhost")
	t.limits.register(fs)
}

// open returns the target the flags name. Errors in what the user gave are
// usage errors.
func (t *targetFlags) open(ctx context.Context) (model.Target, error) {
	switch {
	case t.model != "" && t.endpoint != "":
		return nil, usagef("give -model or -endpoint, not both")
	case t.model != "":
		m, err := onnx.Load(t.model, t.limits.onnx()...)
		if err != nil {
			return nil, usageError{err}
		}
		return m, nil
	case t.endpoint == "":
		return nil, usagef("give -model FILE or -endpoint URL")
	}
	opts := []remote.Option{remote.WithTimeout(t.deadline.request), remote.WithConcurrency(t.concurrency)}
	// The token variable is read when it is set; naming one with
	// -token-env that is unset is an error, leaving the default unset sends
	// no credential.
	if os.Getenv(t.tokenEnv) != "" || flagGiven(t.deadline.fs, "token-env") {
		opts = append(opts, remote.WithBearerTokenEnv(t.tokenEnv))
	} else {
		opts = append(opts, remote.WithoutCredentials())
	}
	if t.budget > 0 {
		opts = append(opts, remote.WithBudget(remote.NewBudget(t.budget)))
	}
	if t.rate > 0 {
		opts = append(opts, remote.WithRateLimit(t.rate, 1))
	}
	if t.insecure {
		opts = append(opts, remote.WithInsecureHTTP())
	}
	switch t.protocol {
	case "oip":
		if t.remoteModel == "" {
			return nil, usagef("-protocol oip needs -endpoint-model NAME")
		}
		m, err := remote.NewOIP(ctx, t.endpoint, t.remoteModel, opts...)
		if err != nil {
			return nil, connectError(err)
		}
		return m, nil
	case "json":
		if t.mapping == "" {
			return nil, usagef("-protocol json needs -mapping FILE")
		}
		b, err := limitio.ReadFile(t.mapping, maxMappingSize)
		if err != nil {
			return nil, usageError{err}
		}
		var m remote.Mapping
		if err := yaml.Unmarshal(b, &m); err != nil {
			return nil, usageError{fmt.Errorf("%s: %w", t.mapping, err)}
		}
		j, err := remote.NewJSON(t.endpoint, m, opts...)
		if err != nil {
			return nil, connectError(err)
		}
		return j, nil
	}
	return nil, usagef("-protocol %q: want oip or json", t.protocol)
}

// connectError classes an error of connecting to an endpoint: a failure of
// the endpoint (no answer, an HTTP error, a malformed answer) exits 1, a
// mistake in what the user gave (the URL, an option) exits 2.
func connectError(err error) error {
	if remote.IsTargetFailure(err) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	return usageError{err}
}

// Defaults of the deadlines of the verbs that talk to an endpoint.
const (
	defaultTimeout = 30 * time.Minute
	// defaultRequestTimeout is one request to a model endpoint (OIP or
	// JSON): at most 64 samples, answered in milliseconds by a live one.
	defaultRequestTimeout = 10 * time.Second
	// defaultChatTimeout is one chat completion, which takes seconds.
	defaultChatTimeout = 60 * time.Second
)

// deadlineFlags are -timeout, the overall deadline of a verb's work with an
// endpoint, and -request-timeout, the deadline of one request (each retry
// has its own). Retries never start past the overall deadline, and a
// Retry-After that reaches past it ends the request. See docs/endpoints.md.
type deadlineFlags struct {
	total   time.Duration
	request time.Duration
	fs      *flag.FlagSet
}

func (d *deadlineFlags) register(fs *flag.FlagSet, request time.Duration) {
	d.fs = fs
	fs.DurationVar(&d.total, "timeout", defaultTimeout, "overall `deadline` of the work with the endpoint, retries and waits included (0: none); with a local -model only when given")
	fs.DurationVar(&d.request, "request-timeout", request, "`deadline` of one request to the endpoint (each retry has its own)")
}

// check refuses negative or zero durations.
func (d *deadlineFlags) check() error {
	if d.total < 0 {
		return usagef("-timeout %v: must not be negative (0: none)", d.total)
	}
	if d.request <= 0 {
		return usagef("-request-timeout %v: must be positive", d.request)
	}
	return nil
}

// errDeadline is the cause of a context whose -timeout passed.
type errDeadline struct{ d time.Duration }

func (e errDeadline) Error() string { return fmt.Sprintf("the -timeout of %v passed", e.d) }

// context returns ctx with the overall deadline when an endpoint is used or
// -timeout was given (a local model has none by default: a long evasion
// run is not a dead endpoint).
func (d *deadlineFlags) context(ctx context.Context, endpoint bool) (context.Context, context.CancelFunc) {
	if d.total == 0 || !endpoint && !flagGiven(d.fs, "timeout") {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, d.total, errDeadline{d.total})
}

// explain adds to err, when ctx ended on its -timeout, which deadline
// passed; the error still matches context.DeadlineExceeded (exit 1).
func explain(ctx context.Context, err error) error {
	var cause errDeadline
	if err != nil && errors.Is(err, context.DeadlineExceeded) && errors.As(context.Cause(ctx), &cause) {
		return fmt.Errorf("%w: %w", cause, err)
	}
	return err
}

// flagGiven reports whether the flag name was set on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	set := false
	if fs != nil {
		fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	}
	return set
}
