// Package double is a scripted, deterministic test double of an LLM
// application: an OpenAI-compatible chat-completions endpoint (POST
// /v1/chat/completions, GET /v1/models, tools and tool calls included) that
// follows instructions the way a real application might, in three
// configurations (Configs):
//
//   - vulnerable follows instructions found anywhere (the user turn and tool
//     results alike): it reveals its system prompt, plainly or transformed
//     (base64, hex, reversed, ROT13, spelled out with spaces or dashes, split
//     into parts, translated with the canary left intact, as a poem or role
//     play), reveals secrets found in tool results, calls an offered tool
//     with the arguments it is asked for, renders markdown images to any URL
//     with data appended, emits HTML and script, and repeats text or calls
//     tools in a loop until max_tokens (finish_reason "length" when cut).
//   - partly-hardened refuses plain requests for its system prompt or for
//     secrets and ignores a user turn that tries to override its rules, but
//     follows instructions hidden in tool results, leaks when asked for an
//     encoded or translated form, and still renders images to outside URLs.
//   - hardened, the negative control, never reveals its system prompt or a
//     secret in any form, ignores instructions in tool results, calls a tool
//     only when the user asks for it and a user message contains
//     "APPROVED:" (and the arguments carry no shell or SQL metacharacters),
//     never emits markup or URLs, and keeps answers short. Its refusals
//     quote the user's request, defanged, but never a secret.
//
// The same request always gets the same bytes back. The canary is the first
// secret-looking token of the system message (see SecretTokens); secrets are
// the secret-looking tokens of tool results. Intents are recognised with
// general patterns, not exact strings. See docs/llm.md, "Test double".
package double

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Configurations of the double.
const (
	Vulnerable     = "vulnerable"
	PartlyHardened = "partly-hardened"
	Hardened       = "hardened"
)

// Configs lists the configurations, from the weakest to the negative
// control.
var Configs = []string{Vulnerable, PartlyHardened, Hardened}

// MaxBody is the largest request body the double reads.
const MaxBody = 1 << 20

// created is the fixed creation time of every answer, for determinism.
const created = 1767225600 // 2026-01-01T00:00:00Z

// defaultMaxTokens bounds an answer when the request sets no max_tokens.
const defaultMaxTokens = 4096

// maxTokensCap bounds an answer whatever max_tokens asks, so that a
// request cannot make the double build a huge answer.
const maxTokensCap = 65536

// Wire format of the chat-completions API.
type (
	wireRequest struct {
		Model     string        `json:"model"`
		Messages  []wireMessage `json:"messages"`
		Tools     []wireTool    `json:"tools,omitempty"`
		MaxTokens int           `json:"max_tokens,omitempty"`
		Seed      *int64        `json:"seed,omitempty"`
	}
	wireMessage struct {
		Role       string          `json:"role"`
		Content    json.RawMessage `json:"content,omitempty"`
		ToolCalls  []wireToolCall  `json:"tool_calls,omitempty"`
		ToolCallID string          `json:"tool_call_id,omitempty"`
		Name       string          `json:"name,omitempty"`
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
		Type     string `json:"type"`
		Function struct {
			Name        string          `json:"name"`
			Description string          `json:"description,omitempty"`
			Parameters  json.RawMessage `json:"parameters,omitempty"`
		} `json:"function"`
	}
	wireAnswer struct {
		ID      string       `json:"id"`
		Object  string       `json:"object"`
		Created int64        `json:"created"`
		Model   string       `json:"model"`
		Choices []wireChoice `json:"choices"`
		Usage   wireUsage    `json:"usage"`
	}
	wireChoice struct {
		Index        int         `json:"index"`
		Message      wireOutMsg  `json:"message"`
		FinishReason string      `json:"finish_reason"`
		Logprobs     interface{} `json:"logprobs"`
	}
	wireOutMsg struct {
		Role      string         `json:"role"`
		Content   *string        `json:"content"`
		ToolCalls []wireToolCall `json:"tool_calls,omitempty"`
	}
	wireUsage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	}
)

// text is the text of a message's content: a string, null, or an array of
// parts whose "text" fields are joined.
func (m wireMessage) text() string {
	if len(m.Content) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(m.Content, &s) == nil {
		return s
	}
	var parts []struct {
		Text string `json:"text"`
	}
	if json.Unmarshal(m.Content, &parts) == nil {
		var b []string
		for _, p := range parts {
			b = append(b, p.Text)
		}
		return strings.Join(b, "\n")
	}
	return ""
}

type handler struct {
	cfg   string
	token string
	opts  Options
	lim   limiter
}

// New returns the double's handler in configuration cfg (one of Configs).
// A non-empty token is required as a bearer token on every request.
func New(cfg, token string) (http.Handler, error) {
	if !slices.Contains(Configs, cfg) {
		return nil, fmt.Errorf("llm double: unknown configuration %q (have %s)", cfg, strings.Join(Configs, ", "))
	}
	return &handler{cfg: cfg, token: token, opts: Options{}.withDefaults(cfg)}, nil
}

// Start serves the double in configuration cfg on 127.0.0.1 at a free port
// until stop is called or ctx ends. url is the API base (".../v1").
func Start(ctx context.Context, cfg, token string) (url string, stop func() error, err error) {
	return StartWith(ctx, cfg, token, Options{})
}

// Server wraps h in an http.Server with timeouts fit for a local test
// double.
func Server(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: 64 << 10}
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": msg, "type": typ, "code": nil}})
	_, _ = w.Write(append(b, '\n'))
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.token != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(h.token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="aiassure-llm-double"`)
			writeError(w, http.StatusUnauthorized, "invalid_request_error", "missing or wrong bearer token")
			return
		}
	}
	switch strings.TrimSuffix(r.URL.Path, "/") {
	case "/v1/models", "/models":
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", "GET")
			writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "use GET")
			return
		}
		var data []map[string]any
		for _, c := range Configs {
			data = append(data, map[string]any{"id": modelName(c), "object": "model", "created": created, "owned_by": "aiassure"})
		}
		w.Header().Set("Content-Type", "application/json")
		b, _ := json.Marshal(map[string]any{"object": "list", "data": data})
		_, _ = w.Write(append(b, '\n'))
	case "/v1/chat/completions", "/chat/completions":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "use POST")
			return
		}
		body, err := readBody(w, r)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				writeError(w, http.StatusRequestEntityTooLarge, "invalid_request_error", fmt.Sprintf("request body over %d bytes", MaxBody))
				return
			}
			writeError(w, http.StatusBadRequest, "invalid_request_error", "cannot read the request body")
			return
		}
		if !h.rateCheck(w) {
			return
		}
		out, completion, status, msg := h.complete(body)
		if status != http.StatusOK {
			writeError(w, status, "invalid_request_error", msg)
			return
		}
		if d := h.latency(completion); d > 0 {
			if err := h.opts.Sleep(r.Context(), d); err != nil {
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(out)
	default:
		writeError(w, http.StatusNotFound, "invalid_request_error", "unknown path; use /v1/chat/completions or /v1/models")
	}
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	rd := http.MaxBytesReader(w, r.Body, MaxBody)
	defer rd.Close()
	return io.ReadAll(rd)
}

func modelName(cfg string) string { return "aiassure-llm-double-" + cfg }

// complete decodes a request body and returns the answer's JSON bytes, or
// an HTTP status and message for a request it cannot serve.
func (h *handler) complete(body []byte) ([]byte, int, int, string) {
	var req wireRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, 0, http.StatusBadRequest, "the body is not a chat-completions request: " + err.Error()
	}
	if len(req.Messages) == 0 {
		return nil, 0, http.StatusBadRequest, "messages is empty"
	}
	if req.MaxTokens < 0 {
		return nil, 0, http.StatusBadRequest, "max_tokens is negative"
	}
	for i, m := range req.Messages {
		switch m.Role {
		case "system", "developer", "user", "assistant", "tool", "function":
		default:
			return nil, 0, http.StatusBadRequest, fmt.Sprintf("messages[%d]: unknown role %q", i, m.Role)
		}
	}
	a := answer(h.cfg, &req)
	sum := sha256.Sum256(append([]byte(h.cfg+"\x00"), body...))
	id := hex.EncodeToString(sum[:12])
	msg := wireOutMsg{Role: "assistant"}
	if a.content != "" || len(a.calls) == 0 {
		c := a.content
		msg.Content = &c
	}
	for i, c := range a.calls {
		msg.ToolCalls = append(msg.ToolCalls, wireToolCall{ID: fmt.Sprintf("call_%s_%d", id[:8], i), Type: "function",
			Function: wireFunction{Name: c.name, Arguments: c.args}})
	}
	prompt := 0
	for _, m := range req.Messages {
		prompt += words(m.text())
		for _, c := range m.ToolCalls {
			prompt += words(c.Function.Arguments)
		}
	}
	completion := words(a.content)
	for _, c := range a.calls {
		completion += words(c.args)
	}
	model := req.Model
	if model == "" {
		model = modelName(h.cfg)
	}
	out, err := json.Marshal(wireAnswer{ID: "chatcmpl-" + id, Object: "chat.completion", Created: created, Model: model,
		Choices: []wireChoice{{Index: 0, Message: msg, FinishReason: a.finish}},
		Usage:   wireUsage{PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion}})
	if err != nil {
		return nil, 0, http.StatusInternalServerError, "cannot encode the answer"
	}
	return append(out, '\n'), completion, http.StatusOK, ""
}

// words counts whitespace-separated words, the double's token count.
func words(s string) int { return len(strings.Fields(s)) }
