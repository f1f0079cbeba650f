package cli

import (
	"context"
	"flag"
	"fmt"
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
	timeout     time.Duration
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
	fs.DurationVar(&t.timeout, "timeout", 30*time.Second, "timeout of one endpoint request")
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
	opts := []remote.Option{
		remote.WithTimeout(t.timeout), remote.WithConcurrency(t.concurrency), remote.WithBearerTokenEnv(t.tokenEnv),
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
		return remote.NewOIP(ctx, t.endpoint, t.remoteModel, opts...)
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
		return remote.NewJSON(t.endpoint, m, opts...)
	}
	return nil, usagef("-protocol %q: want oip or json", t.protocol)
}
