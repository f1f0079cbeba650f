package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aiassure/aiassure/llm"
)

// chatConfig holds the options that only NewChat reads.
type chatConfig struct {
	model       string
	maxRequests int64
	maxTokens   int64
	timeBudget  time.Duration
	runLog      io.Writer
}

// WithChatModel sets the "model" field of chat requests (NewChat only;
// default: omitted, which servers that serve one model accept).
func WithChatModel(name string) Option {
	return func(c *config) error {
		c.chat.model = name
		return nil
	}
}

// WithMaxRequests sets a hard budget of n HTTP requests, retries included
// (NewChat only; a shorthand for WithBudget(NewBudget(n)), each request
// counting as one sample). Once spent, Chat returns an error matching
// ErrBudgetExhausted without sending anything.
func WithMaxRequests(n int64) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("max requests %d must be positive", n)
		}
		c.chat.maxRequests = n
		return nil
	}
}

// WithMaxTokens sets a budget of n tokens, prompt and completion tokens
// together as the endpoint reports them in "usage" (NewChat only). The
// exchange that crosses the limit completes; the next is refused with an
// error matching ErrBudgetExhausted before anything is sent.
func WithMaxTokens(n int64) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("max tokens %d must be positive", n)
		}
		c.chat.maxTokens = n
		return nil
	}
}

// WithTimeBudget limits the time spent on the endpoint, counted from the
// first Chat call (NewChat only). Once it has passed, Chat returns an error
// matching ErrBudgetExhausted without sending anything; an exchange in
// flight is bounded by WithTimeout.
func WithTimeBudget(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("time budget %v must be positive", d)
		}
		c.chat.timeBudget = d
		return nil
	}
}

// WithRunLog writes one JSON line per exchange to w (NewChat only): time,
// test and variant (see WithExchangeLabel), the request body sent, the
// decoded response or the error, latency_ms and attempts. Credentials are
// never written. Writes are serialised; w need not be safe for concurrent use.
func WithRunLog(w io.Writer) Option {
	return func(c *config) error {
		if w == nil {
			return errors.New("nil run log writer")
		}
		c.chat.runLog = w
		return nil
	}
}

type labelKey struct{}

type exchangeLabel struct{ test, variant string }

// WithExchangeLabel returns a context whose Chat exchanges are written to the
// run log under test and variant.
func WithExchangeLabel(ctx context.Context, test, variant string) context.Context {
	return context.WithValue(ctx, labelKey{}, exchangeLabel{test, variant})
}

func labelOf(ctx context.Context) exchangeLabel {
	l, _ := ctx.Value(labelKey{}).(exchangeLabel)
	return l
}

// ChatStats counts a Chat client's traffic.
type ChatStats struct {
	// Requests is the number of HTTP attempts sent (retries included).
	Requests int64 `json:"requests"`
	// Answers is the number of exchanges that returned a usable answer.
	Answers int64 `json:"answers"`
	// Errors is the number of exchanges that failed (budget refusals
	// included).
	Errors int64 `json:"errors"`
	// PromptTokens and CompletionTokens sum the usage the endpoint reported.
	PromptTokens     int64 `json:"prompt_tokens"`
	CompletionTokens int64 `json:"completion_tokens"`
	// Throttled counts the answers with status 429 (Too Many Requests),
	// retried ones included.
	Throttled int64 `json:"throttled"`
	// RateLimitHeaders reports whether any answer carried Retry-After or a
	// rate-limit header (RateLimit-*, X-RateLimit-*).
	RateLimitHeaders bool `json:"rate_limit_headers"`
}

// Chat is an llm.Client for an OpenAI-compatible chat-completions endpoint.
// It shares the HTTP machinery of the OIP and JSON targets: per-attempt
// timeouts, retries of 429, 5xx and network failures with backoff and
// Retry-After, credentials from the environment that are never logged, the
// response size limit and the rule that credentials go over cleartext http
// only to loopback. It is safe for concurrent use.
type Chat struct {
	c      *client
	u      *url.URL
	cfg    chatConfig
	codec  chatCodec
	method string

	mu      sync.Mutex
	start   time.Time // of the first exchange
	stats   ChatStats
	logMu   sync.Mutex
	started bool
}

var _ llm.Client = (*Chat)(nil)

// chatPath is the path of the chat-completions resource under a base URL.
const chatPath = "/chat/completions"

// NewChat returns a client for the chat-completions endpoint at endpoint,
// either the API's base URL (http://127.0.0.1:8080/v1) or the full URL of
// the resource (.../v1/chat/completions). It makes no request.
func NewChat(endpoint string, opts ...Option) (*Chat, error) {
	return newChat(endpoint, true, openaiCodec{}, opts...)
}

// newChat builds a Chat with codec; suffix adds the chat-completions path
// to a base URL.
func newChat(endpoint string, suffix bool, codec chatCodec, opts ...Option) (*Chat, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	u, err := parseBase(endpoint, cfg)
	if err != nil {
		return nil, err
	}
	if suffix && !strings.HasSuffix(strings.TrimRight(u.Path, "/"), chatPath) {
		u.Path = strings.TrimRight(u.Path, "/") + chatPath
		u.RawPath = ""
	}
	if cfg.chat.maxRequests > 0 {
		if cfg.budget != nil {
			return nil, errors.New("WithMaxRequests and WithBudget both given; use one")
		}
		cfg.budget = NewBudget(cfg.chat.maxRequests)
	}
	return &Chat{c: newClient(cfg), u: u, cfg: cfg.chat, codec: codec, method: "POST"}, nil
}

// Stats returns the client's traffic so far.
func (ch *Chat) Stats() ChatStats {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	s := ch.stats
	s.Requests = ch.c.requests.Load()
	s.Throttled = ch.c.throttled.Load()
	s.RateLimitHeaders = ch.c.rateHeaders.Load()
	return s
}

// Wire format of chat completions.
type (
	wireRequest struct {
		Model       string        `json:"model,omitempty"`
		Messages    []wireMessage `json:"messages"`
		Tools       []wireTool    `json:"tools,omitempty"`
		MaxTokens   int           `json:"max_tokens,omitempty"`
		Temperature *float64      `json:"temperature,omitempty"`
		Seed        *int64        `json:"seed,omitempty"`
	}
	wireMessage struct {
		Role       string         `json:"role"`
		Content    *string        `json:"content"`
		ToolCalls  []wireToolCall `json:"tool_calls,omitempty"`
		ToolCallID string         `json:"tool_call_id,omitempty"`
		Name       string         `json:"name,omitempty"`
	}
	wireToolCall struct {
		ID       string       `json:"id"`
		Type     string       `json:"type"`
		Function wireFunction `json:"function"`
	}
	wireFunction struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	}
	wireTool struct {
		Type     string      `json:"type"`
		Function wireToolDef `json:"function"`
	}
	wireToolDef struct {
		Name        string          `json:"name"`
		Description string          `json:"description,omitempty"`
		Parameters  json.RawMessage `json:"parameters,omitempty"`
	}
)

func encodeChat(model string, req llm.Request) ([]byte, error) {
	w := wireRequest{Model: model, MaxTokens: req.MaxTokens, Temperature: req.Temperature, Seed: req.Seed}
	if len(req.Messages) == 0 {
		return nil, errors.New("chat request has no messages")
	}
	for _, m := range req.Messages {
		wm := wireMessage{Role: m.Role, ToolCallID: m.ToolCallID, Name: m.Name}
		content := m.Content
		// An assistant message that only calls tools has null content.
		if content != "" || len(m.ToolCalls) == 0 {
			wm.Content = &content
		}
		for _, tc := range m.ToolCalls {
			wm.ToolCalls = append(wm.ToolCalls, wireToolCall{ID: tc.ID, Type: "function", Function: wireFunction{Name: tc.Name, Arguments: tc.Arguments}})
		}
		w.Messages = append(w.Messages, wm)
	}
	for _, t := range req.Tools {
		if t.Parameters != nil && !json.Valid(t.Parameters) {
			return nil, fmt.Errorf("tool %q: parameters are not valid JSON", t.Name)
		}
		w.Tools = append(w.Tools, wireTool{Type: "function", Function: wireToolDef{Name: t.Name, Description: t.Description, Parameters: t.Parameters}})
	}
	return json.Marshal(w)
}

// decodeChat decodes a 2xx chat-completions body. Every answer that cannot
// be judged is an error wrapping llm.ErrAnswer.
func decodeChat(body []byte) (llm.Response, error) {
	var w struct {
		Choices []struct {
			Message *struct {
				Role      string          `json:"role"`
				Content   json.RawMessage `json:"content"`
				ToolCalls []struct {
					ID       string `json:"id"`
					Type     string `json:"type"`
					Function struct {
						Name      string          `json:"name"`
						Arguments json.RawMessage `json:"arguments"`
					} `json:"function"`
				} `json:"tool_calls"`
			} `json:"message"`
			FinishReason *string `json:"finish_reason"`
		} `json:"choices"`
		Usage *struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
		} `json:"usage"`
		Error json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return llm.Response{}, fmt.Errorf("%w: response is not a chat-completions JSON object: %s", llm.ErrAnswer, sanitize(err.Error()))
	}
	if len(w.Choices) == 0 {
		if len(w.Error) > 0 && string(w.Error) != "null" {
			return llm.Response{}, fmt.Errorf("%w: no choices; the endpoint reported an error: %s", llm.ErrAnswer, sanitize(errorText(w.Error)))
		}
		return llm.Response{}, fmt.Errorf("%w: response has no choices", llm.ErrAnswer)
	}
	ch := w.Choices[0]
	if ch.Message == nil {
		return llm.Response{}, fmt.Errorf("%w: choices[0] has no message", llm.ErrAnswer)
	}
	var r llm.Response
	if ch.FinishReason != nil {
		r.FinishReason = *ch.FinishReason
	}
	if w.Usage != nil {
		if w.Usage.PromptTokens < 0 || w.Usage.CompletionTokens < 0 {
			return llm.Response{}, fmt.Errorf("%w: negative token usage", llm.ErrAnswer)
		}
		r.Usage = llm.Usage{PromptTokens: w.Usage.PromptTokens, CompletionTokens: w.Usage.CompletionTokens}
	}
	role := ch.Message.Role
	if role == "" {
		role = llm.Assistant
	}
	content, err := decodeContent(ch.Message.Content)
	if err != nil {
		return llm.Response{}, err
	}
	r.Message = llm.Message{Role: role, Content: content}
	for i, tc := range ch.Message.ToolCalls {
		if tc.Function.Name == "" {
			return llm.Response{}, fmt.Errorf("%w: tool call %d has no function name", llm.ErrAnswer, i)
		}
		args := ""
		if len(tc.Function.Arguments) > 0 {
			// Arguments are a JSON string; some servers send the object.
			if json.Unmarshal(tc.Function.Arguments, &args) != nil {
				args = string(tc.Function.Arguments)
			}
		}
		r.Message.ToolCalls = append(r.Message.ToolCalls, llm.ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: args})
	}
	if strings.TrimSpace(content) == "" && len(r.Message.ToolCalls) == 0 {
		if r.FinishReason == "length" {
			return llm.Response{}, fmt.Errorf("%w: answer truncated (finish_reason \"length\") with no content", llm.ErrAnswer)
		}
		return llm.Response{}, fmt.Errorf("%w: empty content and no tool calls (finish_reason %q)", llm.ErrAnswer, r.FinishReason)
	}
	return r, nil
}

// decodeContent reads a message's content: a string, null, or an array of
// parts whose "text" members are joined.
func decodeContent(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &parts) == nil {
		var b strings.Builder
		for _, p := range parts {
			if p.Type == "" || p.Type == "text" {
				b.WriteString(p.Text)
			}
		}
		return b.String(), nil
	}
	return "", fmt.Errorf("%w: message content is neither a string, null nor an array of text parts", llm.ErrAnswer)
}

// Chat sends req and returns the first choice's message. It refuses, with an
// error matching ErrBudgetExhausted, when a budget is spent; a non-2xx answer
// is an error wrapping *HTTPError; an answer that cannot be judged is an
// error wrapping llm.ErrAnswer.
func (ch *Chat) Chat(ctx context.Context, req llm.Request) (llm.Response, error) {
	body, err := ch.codec.encode(ch.cfg.model, req)
	if err != nil {
		return llm.Response{}, fmt.Errorf("chat request: %w", err)
	}
	begin := ch.c.cfg.clock.Now()
	resp, attempts, err := ch.exchange(ctx, body, begin)
	latency := ch.c.cfg.clock.Now().Sub(begin)
	resp.Latency = latency
	ch.mu.Lock()
	if err != nil {
		ch.stats.Errors++
	} else {
		ch.stats.Answers++
	}
	ch.mu.Unlock()
	ch.log(ctx, begin, body, resp, err, latency, attempts)
	if err != nil {
		return llm.Response{}, err
	}
	return resp, nil
}

func (ch *Chat) exchange(ctx context.Context, body []byte, now time.Time) (llm.Response, int, error) {
	where := ch.method + " " + redactURL(ch.u)
	if err := ch.admit(now); err != nil {
		return llm.Response{}, 0, fmt.Errorf("%s: %w", where, err)
	}
	if err := ch.c.cfg.budget.take(1); err != nil { // the first attempt; do pays for retries
		return llm.Response{}, 0, fmt.Errorf("%s: request budget: %w", where, err)
	}
	data, attempts, err := ch.c.doCount(ctx, ch.method, ch.u, body, 1)
	if err != nil {
		return llm.Response{}, attempts, err
	}
	resp, err := ch.codec.decode(data)
	if err != nil {
		if s := err.Error(); ch.c.redact(s) != s { // an echoed credential
			return llm.Response{}, attempts, fmt.Errorf("%s: %w: %s", where, llm.ErrAnswer,
				ch.c.redact(strings.TrimPrefix(s, llm.ErrAnswer.Error()+": ")))
		}
		return llm.Response{}, attempts, fmt.Errorf("%s: %w", where, err)
	}
	ch.mu.Lock()
	ch.stats.PromptTokens += int64(resp.Usage.PromptTokens)
	ch.stats.CompletionTokens += int64(resp.Usage.CompletionTokens)
	ch.mu.Unlock()
	return resp, attempts, nil
}

// admit checks the token and time budgets before an exchange.
func (ch *Chat) admit(now time.Time) error {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if !ch.started {
		ch.start, ch.started = now, true
	}
	if d := ch.cfg.timeBudget; d > 0 && now.Sub(ch.start) >= d {
		return fmt.Errorf("%w: time budget of %v spent", ErrBudgetExhausted, d)
	}
	if n := ch.cfg.maxTokens; n > 0 {
		if used := ch.stats.PromptTokens + ch.stats.CompletionTokens; used >= n {
			return fmt.Errorf("%w: token budget of %d spent (%d used)", ErrBudgetExhausted, n, used)
		}
	}
	return nil
}

// runLine is one line of the run log.
type runLine struct {
	Time      string          `json:"time"`
	Test      string          `json:"test,omitempty"`
	Variant   string          `json:"variant,omitempty"`
	Request   json.RawMessage `json:"request"`
	Response  *llm.Response   `json:"response,omitempty"`
	Error     string          `json:"error,omitempty"`
	LatencyMS float64         `json:"latency_ms"`
	Attempts  int             `json:"attempts"`
}

func (ch *Chat) log(ctx context.Context, at time.Time, body []byte, resp llm.Response, err error, latency time.Duration, attempts int) {
	if ch.cfg.runLog == nil {
		return
	}
	l := labelOf(ctx)
	line := runLine{Time: at.UTC().Format(time.RFC3339Nano), Test: l.test, Variant: l.variant, Request: body,
		LatencyMS: float64(latency.Microseconds()) / 1000, Attempts: attempts}
	if err != nil {
		line.Error = err.Error()
	} else {
		line.Response = &resp
	}
	data, merr := json.Marshal(line)
	if merr != nil {
		return
	}
	data = ch.redactJSON(data)
	data = append(data, '\n')
	ch.logMu.Lock()
	defer ch.logMu.Unlock()
	if _, werr := ch.cfg.runLog.Write(data); werr != nil {
		ch.c.cfg.logger.Warn("run log write failed", "error", werr.Error())
	}
}

// redactJSON removes the credential from a JSON line, raw and as JSON
// escapes it.
func (ch *Chat) redactJSON(data []byte) []byte {
	cr := ch.c.cfg.cred
	if cr == nil || cr.raw.value() == "" {
		return data
	}
	raw := cr.raw.value()
	esc, _ := json.Marshal(raw)
	for _, s := range []string{raw, strings.Trim(string(esc), `"`)} {
		data = bytes.ReplaceAll(data, []byte(s), []byte("[REDACTED]"))
	}
	return data
}

// errorText reads an "error" member: a string, an object with a "message",
// or else the JSON text itself.
func errorText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &o) == nil && o.Message != "" {
		return o.Message
	}
	return string(raw)
}
