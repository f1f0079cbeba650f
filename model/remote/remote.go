// Package remote implements model.Target for live inference endpoints
// reached over HTTP: the Open Inference Protocol v2 REST API (KServe, Triton,
// Seldon MLServer; see NewOIP) and generic JSON endpoints described by a
// request/response Mapping (see NewJSON). NewChat returns an llm.Client for
// OpenAI-compatible chat-completions endpoints on the same machinery, with
// request, token and time budgets and a run log.
//
// Remote targets are black boxes: they predict but have no gradients. Both
// kinds share one client that gives every request a timeout, retries 429,
// 5xx and network failures with exponential backoff and full jitter
// (honouring Retry-After), bounds the number of requests in flight, splits
// large batches into requests of at most MaxBatch samples and reassembles the
// answers in order, spaces requests with a token-bucket rate limit, and
// enforces a hard query Budget counted in samples: once spent, Predict
// returns an error that matches ErrBudgetExhausted and nothing more is sent.
//
// Credentials come from the environment (AIASSURE_ENDPOINT_TOKEN by default,
// see WithBearerTokenEnv and WithHeaderEnv). They are held in a type that
// formats as "[REDACTED]", never passed to the logger, never put in error
// messages (server messages that echo them are redacted), never sent over
// cleartext HTTP to a host other than the loopback interface, and never
// forwarded on a redirect (redirects are not followed). Response bodies are
// untrusted: they are read up to a size limit and decoded defensively.
//
// docs/endpoints.md describes configuration, the mapping path syntax and the
// retry and budget semantics.
package remote

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aiassure/aiassure/model"
)

// TokenEnv is the environment variable read for a bearer token when no other
// credential option is given.
const TokenEnv = "AIASSURE_ENDPOINT_TOKEN"

// Errors returned (wrapped) by remote targets; test them with errors.Is.
var (
	// ErrBudgetExhausted: the query budget cannot pay for the samples a
	// request would send. Nothing was sent for the refused request.
	ErrBudgetExhausted = errors.New("query budget exhausted")
	// ErrUnauthorized: the server answered 401 or 403.
	ErrUnauthorized = errors.New("endpoint refused the credentials")
	// ErrResponseTooLarge: a response body exceeded the size limit.
	ErrResponseTooLarge = errors.New("response too large")
	// ErrBadResponse: a response could not be decoded or does not fit the
	// request (wrong batch size, shape, datatype).
	ErrBadResponse = errors.New("malformed response")
	// ErrEndpoint matches every error of an exchange with the endpoint that
	// failed: a transport failure, a timeout, a non-2xx answer, a response
	// too large, retries given up. It does not match a refusal of the budget,
	// the end of the caller's context or a mistake in the options.
	ErrEndpoint = errors.New("endpoint failure")
	// ErrNoAnswer matches an exchange whose attempts all went unanswered
	// within the per-request timeout (it matches ErrEndpoint too): the
	// endpoint may be dead, and a caller that sends many requests can stop
	// rather than wait for each.
	ErrNoAnswer = errors.New("no answer")
)

// IsTargetFailure reports whether err is a failure of the endpoint rather
// than of the caller's input or configuration: it matches ErrEndpoint or
// ErrBadResponse (an answer that cannot be used, NaN and infinities among
// them). A command exits 1 for such an error, 2 for a bad option or URL.
func IsTargetFailure(err error) bool {
	return errors.Is(err, ErrEndpoint) || errors.Is(err, ErrBadResponse)
}

// endpointError marks an error of an exchange with the endpoint (see
// ErrEndpoint) without changing its text.
type endpointError struct{ err error }

func (e endpointError) Error() string        { return e.err.Error() }
func (e endpointError) Unwrap() error        { return e.err }
func (e endpointError) Is(target error) bool { return target == ErrEndpoint }

// timeoutError is an attempt that got no (complete) answer within the
// per-request timeout.
type timeoutError struct{ msg string }

func (e timeoutError) Error() string        { return e.msg }
func (e timeoutError) Is(target error) bool { return target == ErrNoAnswer }

// HTTPError is a non-2xx answer that was not (or no longer) retried.
type HTTPError struct {
	Status int
	// Message is the server's {"error": "..."} text (or the start of the
	// body), sanitised, truncated and with credentials redacted.
	Message string
	// Attempts is the number of attempts made.
	Attempts int
}

func (e *HTTPError) Error() string {
	s := fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return s
}

// Unwrap lets errors.Is match ErrUnauthorized for 401 and 403.
func (e *HTTPError) Unwrap() error {
	if e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden {
		return ErrUnauthorized
	}
	return nil
}

// secret holds a credential behind a function, so that neither its methods
// nor reflection-based printing (fmt's %+v of an enclosing struct) reveal it.
type secret struct{ get func() string }

func newSecret(v string) secret { return secret{get: func() string { return v }} }

func (secret) String() string               { return "[REDACTED]" }
func (secret) GoString() string             { return "[REDACTED]" }
func (secret) LogValue() slog.Value         { return slog.StringValue("[REDACTED]") }
func (secret) MarshalText() ([]byte, error) { return []byte("[REDACTED]"), nil }
func (s secret) Format(f fmt.State, _ rune) { io.WriteString(f, "[REDACTED]") }
func (s secret) value() string {
	if s.get == nil {
		return ""
	}
	return s.get()
}

// credential is one header to set on every request.
type credential struct {
	header string // "Authorization" for bearer tokens
	value  secret // the full header value ("Bearer ..." for tokens)
	raw    secret // the secret itself, for redaction of echoed messages
}

func (c *credential) String() string             { return c.header + ": [REDACTED]" }
func (c *credential) LogValue() slog.Value       { return slog.StringValue(c.String()) }
func (c *credential) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// Option configures NewOIP, NewJSON and NewChat.
type Option func(*config) error

type config struct {
	client        *http.Client
	timeout       time.Duration
	retries       int
	backoffBase   time.Duration
	backoffMax    time.Duration
	maxRetryWait  time.Duration
	concurrency   int
	maxBatch      int
	rps           float64
	burst         int
	budget        *Budget
	cred          *credential
	credSet       bool
	allowInsecure bool
	maxResponse   int64
	logger        *slog.Logger
	userAgent     string
	clock         clock
	name          string
	labels        []string
	healthCheck   bool
	version       string
	input         string
	output        string
	inShape       []int
	chat          chatConfig // NewChat only
}

func defaultConfig() *config {
	return &config{
		timeout:      30 * time.Second,
		retries:      4,
		backoffBase:  200 * time.Millisecond,
		backoffMax:   10 * time.Second,
		maxRetryWait: 60 * time.Second,
		concurrency:  4,
		maxBatch:     64,
		maxResponse:  32 << 20,
		logger:       slog.New(slog.DiscardHandler),
		userAgent:    "aiassure",
		clock:        realClock{},
		healthCheck:  true,
	}
}

// WithHTTPClient sets the HTTP client (default: a client with no overall
// timeout; per-request timeouts come from WithTimeout). Its CheckRedirect is
// replaced so that redirects are never followed.
func WithHTTPClient(c *http.Client) Option {
	return func(cf *config) error {
		if c == nil {
			return errors.New("nil http client")
		}
		cf.client = c
		return nil
	}
}

// WithTimeout sets the timeout of each HTTP attempt (default 30s).
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("timeout %v must be positive", d)
		}
		c.timeout = d
		return nil
	}
}

// WithRetries sets how many times a failed attempt is retried (default 4; 0
// disables retries).
func WithRetries(n int) Option {
	return func(c *config) error {
		if n < 0 || n > 100 {
			return fmt.Errorf("retries %d out of range [0, 100]", n)
		}
		c.retries = n
		return nil
	}
}

// WithBackoff sets the base and the cap of the exponential backoff (default
// 200ms and 10s). The wait before retry k (from 0) is uniform in
// [0, min(max, base*2^k)], or the server's Retry-After if that is longer.
func WithBackoff(base, max time.Duration) Option {
	return func(c *config) error {
		if base <= 0 || max < base {
			return fmt.Errorf("backoff base %v and max %v: need 0 < base <= max", base, max)
		}
		c.backoffBase, c.backoffMax = base, max
		return nil
	}
}

// WithMaxRetryWait sets the longest wait a Retry-After header may ask for
// (default 60s); a server asking for more gets an error instead of a wait.
func WithMaxRetryWait(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("max retry wait %v must be positive", d)
		}
		c.maxRetryWait = d
		return nil
	}
}

// WithConcurrency bounds the number of requests in flight for the target,
// across all concurrent Predict calls (default 4).
func WithConcurrency(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 1024 {
			return fmt.Errorf("concurrency %d out of range [1, 1024]", n)
		}
		c.concurrency = n
		return nil
	}
}

// WithMaxBatch sets the largest number of samples sent in one request
// (default 64). Larger batches are split and reassembled in order.
func WithMaxBatch(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 1<<20 {
			return fmt.Errorf("max batch %d out of range [1, 1048576]", n)
		}
		c.maxBatch = n
		return nil
	}
}

// WithRateLimit limits requests (attempts, retries included) to rps per
// second on average with bursts of up to burst requests (default: no limit).
// rps 0 disables the limit.
func WithRateLimit(rps float64, burst int) Option {
	return func(c *config) error {
		if rps < 0 || rps != rps || burst < 0 {
			return fmt.Errorf("rate limit %v/s burst %d: need rps >= 0 and burst >= 0", rps, burst)
		}
		c.rps, c.burst = rps, max(burst, 1)
		return nil
	}
}

// WithBudget sets the hard query budget (default: none). One budget may be
// shared by several targets.
func WithBudget(b *Budget) Option {
	return func(c *config) error {
		c.budget = b
		return nil
	}
}

// WithBearerTokenEnv sends "Authorization: Bearer <token>" with the token read
// from the environment variable env; it fails when env is unset or empty.
// Without any credential option, TokenEnv is used when it is set.
func WithBearerTokenEnv(env string) Option {
	return func(c *config) error {
		v := os.Getenv(env)
		if v == "" {
			return fmt.Errorf("environment variable %s is unset or empty", env)
		}
		return setCred(c, "Authorization", "Bearer "+v, v)
	}
}

// WithBearerToken sends "Authorization: Bearer <token>" (for library callers
// that hold the token; command-line tools should use WithBearerTokenEnv).
func WithBearerToken(token string) Option {
	return func(c *config) error {
		if token == "" {
			return errors.New("empty bearer token")
		}
		return setCred(c, "Authorization", "Bearer "+token, token)
	}
}

// WithHeaderEnv sends the header name with its value read from the
// environment variable env (for APIs keyed by, say, "X-Api-Key").
func WithHeaderEnv(name, env string) Option {
	return func(c *config) error {
		v := os.Getenv(env)
		if v == "" {
			return fmt.Errorf("environment variable %s is unset or empty", env)
		}
		return setCred(c, name, v, v)
	}
}

// WithoutCredentials sends no credential, even when TokenEnv is set.
func WithoutCredentials() Option {
	return func(c *config) error {
		c.cred, c.credSet = nil, true
		return nil
	}
}

func setCred(c *config, header, value, raw string) error {
	if header == "" || http.CanonicalHeaderKey(header) == "" || !validHeaderName(header) {
		return fmt.Errorf("invalid header name %q", header)
	}
	if !validHeaderValue(value) {
		return fmt.Errorf("credential for header %s contains characters not allowed in a header", header)
	}
	c.cred = &credential{header: header, value: newSecret(value), raw: newSecret(raw)}
	c.credSet = true
	return nil
}

// WithInsecureHTTP allows sending credentials over cleartext http:// to a host
// other than the loopback interface (refused by default).
func WithInsecureHTTP() Option {
	return func(c *config) error {
		c.allowInsecure = true
		return nil
	}
}

// WithMaxResponseBytes bounds the size of a response body (default 32 MiB).
func WithMaxResponseBytes(n int64) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("max response bytes %d must be positive", n)
		}
		c.maxResponse = n
		return nil
	}
}

// WithLogger sets the logger for retries and failures (default: discard).
// Credentials are never passed to it.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("nil logger")
		}
		c.logger = l
		return nil
	}
}

// WithName sets the name reported in Info (default: the model name or URL
// path).
func WithName(name string) Option {
	return func(c *config) error {
		c.name = name
		return nil
	}
}

// WithLabels names the classes in the order of the output's last dimension.
func WithLabels(labels ...string) Option {
	return func(c *config) error {
		c.labels = append([]string(nil), labels...)
		return nil
	}
}

// WithoutHealthCheck skips the readiness check at construction.
func WithoutHealthCheck() Option {
	return func(c *config) error {
		c.healthCheck = false
		return nil
	}
}

// withClock replaces the clock (tests).
func withClock(k clock) Option {
	return func(c *config) error {
		c.clock = k
		return nil
	}
}

func validHeaderName(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b <= ' ' || b >= 0x7f || b == ':' || b == '(' || b == ')' || b == ',' || b == '/' ||
			b == ';' || b == '<' || b == '=' || b == '>' || b == '?' || b == '@' || b == '[' ||
			b == '\\' || b == ']' || b == '{' || b == '}' || b == '"' {
			return false
		}
	}
	return s != ""
}

func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < ' ' && b != '\t' || b == 0x7f {
			return false
		}
	}
	return true
}

// WithVersion selects a model version (OIP only: .../versions/{v}/...).
func WithVersion(v string) Option {
	return func(c *config) error {
		c.version = v
		return nil
	}
}

// WithInput names the input tensor (OIP only; default: the only input in the
// model's metadata).
func WithInput(name string) Option {
	return func(c *config) error {
		c.input = name
		return nil
	}
}

// WithOutput names the output tensor the target returns (OIP only; default:
// the first FP32 or FP64 output in the metadata, else the first output).
func WithOutput(name string) Option {
	return func(c *config) error {
		c.output = name
		return nil
	}
}

// WithInputShape sets the shape of one sample, without the batch dimension
// (OIP: overrides the metadata; JSON: overrides Mapping.InputShape).
func WithInputShape(shape ...int) Option {
	return func(c *config) error {
		for _, d := range shape {
			if d == 0 || d < -1 {
				return fmt.Errorf("input shape %v: dimensions must be positive or -1", shape)
			}
		}
		if _, err := model.NumElements(absDims(shape)); err != nil {
			return fmt.Errorf("input shape: %w", err)
		}
		c.inShape = append([]int{}, shape...)
		return nil
	}
}

func absDims(s []int) []int {
	out := make([]int, len(s))
	for i, d := range s {
		out[i] = max(d, 1)
	}
	return out
}
