package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/aiassure/aiassure/model"
)

// client is the HTTP machinery shared by the OIP and JSON targets.
type client struct {
	cfg      *config
	http     *http.Client
	sem      chan struct{}
	extra    map[string]string // static, non-secret headers
	bucket   *bucket
	samples  atomic.Int64 // samples answered successfully
	requests atomic.Int64 // attempts sent
	// throttled counts 429 answers; rateHeaders is set when an answer
	// carried Retry-After or a rate-limit header.
	throttled   atomic.Int64
	rateHeaders atomic.Bool
}

// observe records what an answer says about rate limiting.
func (c *client) observe(status int, hdr http.Header) {
	if status == http.StatusTooManyRequests {
		c.throttled.Add(1)
	}
	for k := range hdr {
		ck := http.CanonicalHeaderKey(k)
		if ck == "Retry-After" || strings.HasPrefix(ck, "Ratelimit") || strings.HasPrefix(ck, "X-Ratelimit") {
			c.rateHeaders.Store(true)
			return
		}
	}
}

// Stats counts a target's traffic.
type Stats struct {
	// Requests is the number of HTTP attempts sent (retries included).
	Requests int64 `json:"requests"`
	// Samples is the number of samples answered successfully (the queries an
	// attack made).
	Samples int64 `json:"samples"`
}

func newConfig(opts []Option) (*config, error) {
	c := defaultConfig()
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if !c.credSet {
		if v := os.Getenv(TokenEnv); v != "" {
			if err := setCred(c, "Authorization", "Bearer "+v, v); err != nil {
				return nil, fmt.Errorf("%s: %w", TokenEnv, err)
			}
		}
	}
	return c, nil
}

// parseBase checks an endpoint URL.
func parseBase(raw string, c *config) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("endpoint URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("endpoint URL %q: scheme must be http or https", u.Redacted())
	}
	if u.Host == "" {
		return nil, fmt.Errorf("endpoint URL %q has no host", u.Redacted())
	}
	if u.User != nil {
		return nil, fmt.Errorf("endpoint URL %q carries credentials; pass them in the environment (%s)", u.Redacted(), TokenEnv)
	}
	if u.Fragment != "" {
		return nil, fmt.Errorf("endpoint URL %q has a fragment", u.Redacted())
	}
	if c.cred != nil && u.Scheme == "http" && !c.allowInsecure && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("refusing to send credentials over cleartext http to %s; use https (or allow insecure http explicitly)", u.Host)
	}
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func newClient(c *config) *client {
	hc := &http.Client{}
	if c.client != nil {
		cp := *c.client
		hc = &cp
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &client{cfg: c, http: hc, sem: make(chan struct{}, c.concurrency), bucket: newBucket(c.clock, c.rps, c.burst)}
}

func (c *client) stats() Stats {
	return Stats{Requests: c.requests.Load(), Samples: c.samples.Load()}
}

// redactURL returns u without its query (which may carry keys) for messages.
func redactURL(u *url.URL) string {
	v := *u
	v.RawQuery, v.ForceQuery, v.User = "", false, nil
	return v.String()
}

// do sends one logical request, retrying as configured. samples is the number
// of samples the body carries (0 for metadata), charged to the budget for
// each retry (the caller pays for the first attempt). It returns the body of
// a 2xx answer.
func (c *client) do(ctx context.Context, method string, u *url.URL, body []byte, samples int) ([]byte, error) {
	data, _, err := c.doCount(ctx, method, u, body, samples)
	return data, err
}

// doCount is do that also returns the number of attempts sent. Its errors
// match ErrEndpoint unless the budget refused the request or ctx ended.
func (c *client) doCount(ctx context.Context, method string, u *url.URL, body []byte, samples int) ([]byte, int, error) {
	data, n, err := c.retry(ctx, method, u, body, samples)
	if err != nil && ctx.Err() == nil && !errors.Is(err, ErrBudgetExhausted) {
		err = endpointError{err}
	}
	return data, n, err
}

// maxTimeoutRetries is how many times an attempt that timed out is retried
// (whatever WithRetries says): a timeout has already cost the whole
// per-request timeout, and an endpoint that does not answer at all (a dead
// host, a black-holed port) would otherwise cost it 1+retries times.
const maxTimeoutRetries = 1

// retry sends one logical request, retrying as configured, within ctx's
// deadline: a retry that cannot start before the deadline, or a Retry-After
// that reaches past it, ends the request with the last error at once.
func (c *client) retry(ctx context.Context, method string, u *url.URL, body []byte, samples int) ([]byte, int, error) {
	where := method + " " + redactURL(u)
	timeouts := 0
	for attempt := 0; ; attempt++ {
		if err := c.bucket.Wait(ctx); err != nil {
			return nil, attempt, fmt.Errorf("%s: %w", where, err)
		}
		select {
		case c.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, attempt, fmt.Errorf("%s: %w", where, ctx.Err())
		}
		if attempt > 0 { // the first attempt was paid for by predictChunks
			if err := c.cfg.budget.take(samples); err != nil {
				<-c.sem
				return nil, attempt, fmt.Errorf("%s: retry: %w", where, err)
			}
		}
		status, hdr, data, err := c.attempt(ctx, method, u, body)
		<-c.sem
		c.observe(status, hdr)
		if ctx.Err() != nil {
			return nil, attempt + 1, fmt.Errorf("%s: %w", where, ctx.Err())
		}
		// What remains is retryable: a transport failure, 429 or 5xx.
		var after time.Duration
		switch {
		case err != nil && errors.Is(err, ErrResponseTooLarge):
			return nil, attempt + 1, fmt.Errorf("%s: %w", where, err)
		case err != nil:
			var te timeoutError
			if errors.As(err, &te) {
				timeouts++
				if timeouts > maxTimeoutRetries {
					return nil, attempt + 1, fmt.Errorf("%s: %w (%d attempts timed out)", where, err, timeouts)
				}
			}
		case status >= 200 && status < 300:
			return data, attempt + 1, nil
		case status == http.StatusTooManyRequests || status >= 500 && status != http.StatusNotImplemented && status != http.StatusHTTPVersionNotSupported:
			after = parseRetryAfter(hdr.Get("Retry-After"), c.cfg.clock.Now())
			err = &HTTPError{Status: status, Message: c.message(data), Attempts: attempt + 1}
		default:
			return nil, attempt + 1, fmt.Errorf("%s: %w", where, &HTTPError{Status: status, Message: c.message(data), Attempts: attempt + 1})
		}
		if attempt >= c.cfg.retries {
			if _, ok := err.(*HTTPError); !ok {
				err = fmt.Errorf("%w (after %d attempts)", err, attempt+1)
			}
			return nil, attempt + 1, fmt.Errorf("%s: %w", where, err)
		}
		if after > c.cfg.maxRetryWait {
			return nil, attempt + 1, fmt.Errorf("%s: server asked to retry after %v, more than the %v allowed: %w", where, after, c.cfg.maxRetryWait, err)
		}
		wait := max(c.backoff(attempt), after)
		if dl, ok := ctx.Deadline(); ok {
			left := time.Until(dl)
			switch {
			case after > 0 && after >= left:
				return nil, attempt + 1, fmt.Errorf("%s: server asked to retry after %v, past the deadline (%v left): %w", where, after, left.Round(time.Millisecond), err)
			case wait >= left:
				return nil, attempt + 1, fmt.Errorf("%s: %w (no time left for a retry before the deadline)", where, err)
			}
		}
		c.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "endpoint request failed; retrying",
			slog.String("request", where), slog.Int("attempt", attempt+1),
			slog.Duration("wait", wait), slog.String("error", err.Error()))
		if err := c.cfg.clock.Sleep(ctx, wait); err != nil {
			return nil, attempt + 1, fmt.Errorf("%s: %w", where, err)
		}
	}
}

// backoff returns the full-jitter wait before retry k (from 0).
func (c *client) backoff(k int) time.Duration {
	d := c.cfg.backoffBase
	for i := 0; i < k && d < c.cfg.backoffMax; i++ {
		d *= 2
	}
	d = min(d, c.cfg.backoffMax)
	return time.Duration(rand.Int64N(int64(d) + 1))
}

// attempt makes one HTTP exchange. A transport failure returns err (with the
// URL's query removed); a body over the limit returns ErrResponseTooLarge.
func (c *client) attempt(ctx context.Context, method string, u *url.URL, body []byte) (int, http.Header, []byte, error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, method, u.String(), rd)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("build request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.userAgent)
	for k, v := range c.extra {
		req.Header.Set(k, v)
	}
	if cr := c.cfg.cred; cr != nil {
		req.Header.Set(cr.header, cr.value.value())
	}
	c.requests.Add(1)
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if actx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			return 0, nil, nil, timeoutError{fmt.Sprintf("no answer within %v", c.cfg.timeout)}
		}
		return 0, nil, nil, c.redactErr(err)
	}
	defer resp.Body.Close()
	limit := c.cfg.maxResponse
	if resp.ContentLength > limit {
		return resp.StatusCode, resp.Header, nil, fmt.Errorf("%w: %d bytes announced, limit %d", ErrResponseTooLarge, resp.ContentLength, limit)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		if actx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			return 0, nil, nil, timeoutError{fmt.Sprintf("response not complete within %v", c.cfg.timeout)}
		}
		return 0, nil, nil, c.redactErr(fmt.Errorf("read response: %w", err))
	}
	if int64(len(data)) > limit {
		return resp.StatusCode, resp.Header, nil, fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, limit)
	}
	return resp.StatusCode, resp.Header, data, nil
}

// redactErr rewrites an error whose text contains the credential.
func (c *client) redactErr(err error) error {
	if cr := c.cfg.cred; cr != nil && err != nil {
		if s := err.Error(); strings.Contains(s, cr.raw.value()) {
			return errors.New(c.redact(s))
		}
	}
	return err
}

func (c *client) redact(s string) string {
	if cr := c.cfg.cred; cr != nil && cr.raw.value() != "" {
		s = strings.ReplaceAll(s, cr.raw.value(), "[REDACTED]")
	}
	return s
}

// maxMessage bounds the server text quoted in errors.
const maxMessage = 300

// message extracts a readable, sanitised error text from a failure body: the
// "error" member of a JSON object, else the start of the body.
func (c *client) message(body []byte) string {
	var e struct {
		Error  json.RawMessage `json:"error"`
		Detail json.RawMessage `json:"detail"`
	}
	s := ""
	if json.Unmarshal(body, &e) == nil {
		for _, raw := range []json.RawMessage{e.Error, e.Detail} {
			if len(raw) == 0 {
				continue
			}
			var str string
			if json.Unmarshal(raw, &str) == nil {
				s = str
			} else {
				s = string(raw)
			}
			break
		}
	}
	if s == "" {
		s = string(body[:min(len(body), 2*maxMessage)])
	}
	return sanitize(c.redact(s))
}

// sanitize removes control characters and truncates untrusted text.
func sanitize(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == utf8Error || unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxMessage {
		s = string(r[:maxMessage]) + "..."
	}
	return s
}

const utf8Error = '\uFFFD'

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
// It returns 0 when absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(math.MaxInt64/time.Second) {
			return time.Duration(math.MaxInt64)
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// predictChunks validates x, splits it into chunks of at most maxBatch rows,
// sends them with up to concurrency workers through send, and reassembles the
// outputs in order.
func (c *client) predictChunks(ctx context.Context, x *model.Tensor, inShape []int, send func(context.Context, *model.Tensor) (*model.Tensor, error)) (*model.Tensor, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkInput(x, inShape); err != nil {
		return nil, err
	}
	b := x.Batch()
	// Pay for the whole batch before anything is sent, so that a call is
	// either refused whole or sent whole; chunks never started are refunded.
	if err := c.cfg.budget.take(b); err != nil {
		return nil, err
	}
	var started atomic.Int64
	defer func() { c.cfg.budget.refund(int64(b) - started.Load()) }()
	n := (b + c.cfg.maxBatch - 1) / c.cfg.maxBatch
	outs := make([]*model.Tensor, n)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	jobs := make(chan int)
	for range min(n, c.cfg.concurrency) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if ctx.Err() != nil {
					continue
				}
				lo := i * c.cfg.maxBatch
				hi := min(b, lo+c.cfg.maxBatch)
				started.Add(int64(hi - lo))
				chunk, err := x.Slice(lo, hi)
				var out *model.Tensor
				if err == nil {
					out, err = send(ctx, chunk)
				}
				if err == nil && (len(out.Shape) == 0 || out.Shape[0] != hi-lo) {
					err = fmt.Errorf("%w: %d rows returned for %d samples", ErrBadResponse, out.Batch(), hi-lo)
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil || errors.Is(firstErr, context.Canceled) && !errors.Is(err, context.Canceled) {
						firstErr = err
					}
					mu.Unlock()
					cancel()
					continue
				}
				outs[i] = out
				c.samples.Add(int64(hi - lo))
			}
		}()
	}
feed:
	for i := range n {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out, err := concatRows(outs, b)
	if err != nil {
		return nil, err
	}
	if err := checkOutput(out); err != nil {
		return nil, err
	}
	return out, nil
}

// checkInput checks x against the target's sample shape (-1 matches any
// size) and refuses values JSON cannot carry.
func checkInput(x *model.Tensor, inShape []int) error {
	if err := x.Validate(); err != nil {
		return fmt.Errorf("input: %w", err)
	}
	if len(x.Shape) == 0 || x.Shape[0] < 1 {
		return fmt.Errorf("input shape %v: need a batch dimension of at least 1", x.Shape)
	}
	if inShape != nil {
		ok := len(x.Shape) == len(inShape)+1
		for i := 0; ok && i < len(inShape); i++ {
			ok = inShape[i] < 0 || inShape[i] == x.Shape[i+1]
		}
		if !ok {
			return fmt.Errorf("input shape %v does not match [batch %s]", x.Shape, fmtDims(inShape))
		}
	}
	for i, v := range x.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("input element %d is %v, which JSON cannot carry", i, v)
		}
	}
	return nil
}

func fmtDims(s []int) string {
	var b strings.Builder
	for _, d := range s {
		b.WriteByte(' ')
		if d < 0 {
			b.WriteByte('?')
		} else {
			b.WriteString(strconv.Itoa(d))
		}
	}
	return strings.TrimSpace(b.String())
}

// concatRows joins per-chunk outputs whose rows must all have one shape.
func concatRows(outs []*model.Tensor, b int) (*model.Tensor, error) {
	row := outs[0].Shape[1:]
	total := 0
	for i, o := range outs {
		if !model.SameShape(o.Shape[1:], row) {
			return nil, fmt.Errorf("%w: chunk %d has rows of shape %v, chunk 0 %v", ErrBadResponse, i, o.Shape[1:], row)
		}
		total += len(o.Data)
	}
	data := make([]float32, 0, total)
	for _, o := range outs {
		data = append(data, o.Data...)
	}
	return model.NewTensor(append([]int{b}, row...), data)
}
