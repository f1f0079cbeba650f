package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aiassure/aiassure/llm"
)

const okAnswer = `{"choices":[{"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":3}}`

// chatServer answers with the given status and body and records the last
// request body and path.
type chatServer struct {
	*httptest.Server
	body, path, auth atomic.Value
	n                atomic.Int64
}

func newChatServer(t *testing.T, h func(n int64, w http.ResponseWriter, r *http.Request)) *chatServer {
	t.Helper()
	s := &chatServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.body.Store(string(b))
		s.path.Store(r.URL.Path)
		s.auth.Store(r.Header.Get("Authorization"))
		h(s.n.Add(1), w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func fixed(status int, body string) func(int64, http.ResponseWriter, *http.Request) {
	return func(_ int64, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func hello() llm.Request {
	return llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "hi"}}}
}

func TestChatWireFormat(t *testing.T) {
	t.Setenv(TokenEnv, "")
	s := newChatServer(t, fixed(200, `{"choices":[{"message":{"role":"assistant","content":null,
		"tool_calls":[{"id":"c1","type":"function","function":{"name":"create_ticket","arguments":"{\"x\":1}"}}]},
		"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}`))
	temp, seed := 0.0, int64(42)
	req := llm.Request{
		Messages: []llm.Message{
			{Role: llm.System, Content: "You are a bot. CANARY-7Q2K-ZX91"},
			{Role: llm.Assistant, ToolCalls: []llm.ToolCall{{ID: "r1", Name: "search_documents", Arguments: `{"q":"a"}`}}},
			{Role: llm.ToolRole, ToolCallID: "r1", Name: "search_documents", Content: "doc"},
			{Role: llm.User, Content: "hi"},
		},
		Tools:     []llm.Tool{{Name: "create_ticket", Description: "files a ticket", Parameters: json.RawMessage(`{"type":"object"}`)}},
		MaxTokens: 100, Temperature: &temp, Seed: &seed,
	}
	for _, base := range []string{s.URL + "/v1", s.URL + "/v1/", s.URL + "/v1/chat/completions"} {
		c, err := NewChat(base, WithChatModel("m1"))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.Chat(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if p := s.path.Load(); p != "/v1/chat/completions" {
			t.Errorf("%s: path %v", base, p)
		}
		want := llm.Message{Role: llm.Assistant, ToolCalls: []llm.ToolCall{{ID: "c1", Name: "create_ticket", Arguments: `{"x":1}`}}}
		if d := cmp.Diff(want, resp.Message); d != "" {
			t.Errorf("message (-want +got):\n%s", d)
		}
		if resp.FinishReason != "tool_calls" || resp.Usage != (llm.Usage{PromptTokens: 10, CompletionTokens: 5}) {
			t.Errorf("finish %q usage %+v", resp.FinishReason, resp.Usage)
		}
		var got, wantBody any
		json.Unmarshal([]byte(s.body.Load().(string)), &got)
		json.Unmarshal([]byte(`{"model":"m1","max_tokens":100,"temperature":0,"seed":42,
			"messages":[{"role":"system","content":"You are a bot. CANARY-7Q2K-ZX91"},
			{"role":"assistant","content":null,"tool_calls":[{"id":"r1","type":"function","function":{"name":"search_documents","arguments":"{\"q\":\"a\"}"}}]},
			{"role":"tool","content":"doc","tool_call_id":"r1","name":"search_documents"},
			{"role":"user","content":"hi"}],
			"tools":[{"type":"function","function":{"name":"create_ticket","description":"files a ticket","parameters":{"type":"object"}}}]}`), &wantBody)
		if d := cmp.Diff(wantBody, got); d != "" {
			t.Errorf("request body (-want +got):\n%s", d)
		}
		if st := c.Stats(); st.Requests != 1 || st.Answers != 1 || st.PromptTokens != 10 || st.CompletionTokens != 5 {
			t.Errorf("stats %+v", st)
		}
	}
}

func TestChatErrors(t *testing.T) {
	t.Setenv(TokenEnv, "")
	for _, tc := range []struct {
		name, body string
		status     int
		http       bool // want *HTTPError
		msg        string
	}{
		{"400", `{"error":{"message":"bad model"}}`, 400, true, "bad model"},
		{"404", `not here`, 404, true, "404"},
		{"no choices", `{"choices":[]}`, 200, false, "no choices"},
		{"error in 200", `{"error":{"message":"overloaded"}}`, 200, false, "overloaded"},
		{"no message", `{"choices":[{"finish_reason":"stop"}]}`, 200, false, "no message"},
		{"null content", `{"choices":[{"message":{"role":"assistant","content":null},"finish_reason":"stop"}]}`, 200, false, "empty content"},
		{"empty content", `{"choices":[{"message":{"content":"  "},"finish_reason":"stop"}]}`, 200, false, "empty content"},
		{"truncated", `{"choices":[{"message":{"content":""},"finish_reason":"length"}]}`, 200, false, "truncated"},
		{"not JSON", `<html>oops</html>`, 200, false, "not a chat-completions JSON"},
		{"empty body", ``, 200, false, "not a chat-completions JSON"},
		{"bad content", `{"choices":[{"message":{"content":42}}]}`, 200, false, "neither a string"},
		{"nameless tool", `{"choices":[{"message":{"tool_calls":[{"function":{"arguments":"{}"}}]}}]}`, 200, false, "no function name"},
		{"negative usage", `{"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":-1}}`, 200, false, "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newChatServer(t, fixed(tc.status, tc.body))
			c, err := NewChat(s.URL+"/v1", WithRetries(0))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Chat(context.Background(), hello())
			if err == nil {
				t.Fatal("no error")
			}
			var he *HTTPError
			if tc.http != errors.As(err, &he) {
				t.Errorf("HTTPError %v, want %v: %v", !tc.http, tc.http, err)
			}
			if !tc.http && !errors.Is(err, llm.ErrAnswer) {
				t.Errorf("err %v does not wrap llm.ErrAnswer", err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err %q lacks %q", err, tc.msg)
			}
		})
	}
	// Accepted variants: content parts, object arguments, truncated with content.
	for _, body := range []string{
		`{"choices":[{"message":{"content":[{"type":"text","text":"he"},{"type":"text","text":"llo"}]}}]}`,
		`{"choices":[{"message":{"content":"hello"},"finish_reason":"length"}]}`,
	} {
		r, err := decodeChat([]byte(body))
		if err != nil || r.Message.Content != "hello" || r.Message.Role != llm.Assistant {
			t.Errorf("%s: %+v %v", body, r, err)
		}
	}
	r, err := decodeChat([]byte(`{"choices":[{"message":{"tool_calls":[{"id":"a","function":{"name":"f","arguments":{"k":1}}}]}}]}`))
	if err != nil || r.Message.ToolCalls[0].Arguments != `{"k":1}` {
		t.Errorf("object arguments: %+v %v", r, err)
	}
	// Too large a body.
	s := newChatServer(t, fixed(200, `{"choices":[{"message":{"content":"`+strings.Repeat("a", 2000)+`"}}]}`))
	c, _ := NewChat(s.URL, WithMaxResponseBytes(1000), WithRetries(0))
	if _, err := c.Chat(context.Background(), hello()); !errors.Is(err, ErrResponseTooLarge) {
		t.Errorf("large body: %v", err)
	}
	// A request with no messages is refused before sending.
	if _, err := c.Chat(context.Background(), llm.Request{}); err == nil {
		t.Error("empty request accepted")
	}
}

func TestChatRetries(t *testing.T) {
	t.Setenv(TokenEnv, "")
	clk := newFakeClock()
	s := newChatServer(t, func(n int64, w http.ResponseWriter, _ *http.Request) {
		switch n {
		case 1:
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(429)
		case 2:
			w.WriteHeader(503)
		default:
			io.WriteString(w, okAnswer)
		}
	})
	var log bytes.Buffer
	c, err := NewChat(s.URL, withClock(clk), fastRetry, WithRunLog(&log))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Chat(WithExchangeLabel(context.Background(), "llm/direct-injection", "v1"), hello())
	if err != nil || resp.Message.Content != "hello" {
		t.Fatalf("%+v %v", resp, err)
	}
	if sl := clk.Sleeps(); len(sl) != 2 || sl[0] < 3*time.Second {
		t.Errorf("sleeps %v, want 2 with the first >= 3s (Retry-After)", sl)
	}
	var line map[string]any
	if err := json.Unmarshal(log.Bytes(), &line); err != nil {
		t.Fatalf("run log %q: %v", log.String(), err)
	}
	for k, want := range map[string]any{"test": "llm/direct-injection", "variant": "v1", "attempts": 3.0} {
		if line[k] != want {
			t.Errorf("run log %s = %v, want %v", k, line[k], want)
		}
	}
	for _, k := range []string{"time", "request", "response", "latency_ms"} {
		if _, ok := line[k]; !ok {
			t.Errorf("run log lacks %s: %s", k, log.String())
		}
	}
	if st := c.Stats(); st.Requests != 3 {
		t.Errorf("stats %+v", st)
	}
	// Retries give up: an HTTPError with the attempts.
	s2 := newChatServer(t, fixed(502, `{"error":"down"}`))
	c2, _ := NewChat(s2.URL, withClock(clk), fastRetry, WithRetries(2))
	_, err = c2.Chat(context.Background(), hello())
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != 502 || he.Attempts != 3 {
		t.Errorf("err %v", err)
	}
}

func TestChatBudgets(t *testing.T) {
	t.Setenv(TokenEnv, "")
	ctx := context.Background()
	s := newChatServer(t, fixed(200, okAnswer)) // 10 tokens an exchange
	for _, tc := range []struct {
		name string
		opt  Option
		ok   int
	}{
		{"requests", WithMaxRequests(2), 2},
		{"tokens", WithMaxTokens(15), 2}, // the second crosses the limit, the third is refused
		{"tokens exact", WithMaxTokens(10), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewChat(s.URL, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			before := s.n.Load()
			for i := range tc.ok {
				if _, err := c.Chat(ctx, hello()); err != nil {
					t.Fatalf("exchange %d: %v", i, err)
				}
			}
			if _, err := c.Chat(ctx, hello()); !errors.Is(err, ErrBudgetExhausted) {
				t.Errorf("err %v, want ErrBudgetExhausted", err)
			}
			if sent := s.n.Load() - before; sent != int64(tc.ok) {
				t.Errorf("%d requests sent, want %d", sent, tc.ok)
			}
		})
	}
	// Time budget, with a fake clock.
	clk := newFakeClock()
	c, _ := NewChat(s.URL, withClock(clk), WithTimeBudget(time.Minute))
	if _, err := c.Chat(ctx, hello()); err != nil {
		t.Fatal(err)
	}
	clk.Sleep(ctx, time.Minute)
	if _, err := c.Chat(ctx, hello()); !errors.Is(err, ErrBudgetExhausted) {
		t.Errorf("time: err %v", err)
	}
	// A retry the request budget cannot pay is not sent.
	f := newChatServer(t, fixed(503, ``))
	c, _ = NewChat(f.URL, WithMaxRequests(2), fastRetry)
	if _, err := c.Chat(ctx, hello()); !errors.Is(err, ErrBudgetExhausted) || f.n.Load() != 2 {
		t.Errorf("retry budget: err %v, %d sent", err, f.n.Load())
	}
	if _, err := NewChat(s.URL, WithMaxRequests(2), WithBudget(NewBudget(3))); err == nil {
		t.Error("both request budgets accepted")
	}
}

// TestChatCredentials checks the bearer token from the environment is sent,
// never appears in the run log, errors or slog output, and the
// loopback-only cleartext rule.
func TestChatCredentials(t *testing.T) {
	const token = "sk-T0KEN-do-not-leak&<x>"
	t.Setenv(TokenEnv, token)
	var logs, run bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// The server echoes the Authorization header: in an error, then in an answer.
	s := newChatServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		a := r.Header.Get("Authorization")
		q, _ := json.Marshal(a)
		switch n {
		case 1:
			w.WriteHeader(500)
			fmt.Fprintf(w, `{"error":%s}`, q)
		case 2:
			fmt.Fprintf(w, `{"choices":[{"message":{"content":%s}}]}`, q)
		case 3:
			fmt.Fprintf(w, `{"error":%s}`, q)
		default:
			w.WriteHeader(401)
			fmt.Fprintf(w, `{"error":%s}`, q)
		}
	})
	c, err := NewChat(s.URL+"/v1", WithLogger(logger), WithRunLog(&run), fastRetry, WithRetries(1))
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for range 4 {
		_, err := c.Chat(context.Background(), hello())
		if err != nil {
			texts = append(texts, err.Error())
		}
	}
	if got := s.auth.Load(); got != "Bearer "+token {
		t.Errorf("Authorization %q", got)
	}
	if len(texts) != 3 {
		t.Errorf("errors %q, want 3 (no choices, 401 twice)", texts)
	}
	texts = append(texts, logs.String(), run.String(), fmt.Sprintf("%v %+v", c.c.cfg, *c.c.cfg.cred))
	esc, _ := json.Marshal(token)
	for _, txt := range texts {
		for _, leak := range []string{token, strings.Trim(string(esc), `"`), "do-not-leak"} {
			if strings.Contains(txt, leak) {
				t.Errorf("token leaked: %s", txt)
			}
		}
	}
	if !strings.Contains(run.String(), "[REDACTED]") {
		t.Errorf("run log shows no redaction:\n%s", run.String())
	}
	// Cleartext http with credentials: loopback only.
	if _, err := NewChat("http://llm.example.com/v1"); err == nil || !strings.Contains(err.Error(), "cleartext") {
		t.Errorf("non-loopback http accepted: %v", err)
	}
	for _, u := range []string{"http://127.0.0.1:1/v1", "http://localhost:1/v1", "https://llm.example.com/v1"} {
		if _, err := NewChat(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	if _, err := NewChat("http://llm.example.com/v1", WithoutCredentials()); err != nil {
		t.Errorf("no credentials: %v", err)
	}
	if _, err := NewChat("http://user:pw@127.0.0.1/v1"); err == nil {
		t.Error("URL credentials accepted")
	}
}

// TestChatRunLogConcurrent checks that concurrent exchanges write whole lines.
func TestChatRunLogConcurrent(t *testing.T) {
	t.Setenv(TokenEnv, "")
	s := newChatServer(t, fixed(200, okAnswer))
	var run bytes.Buffer
	c, err := NewChat(s.URL, WithRunLog(&run), WithConcurrency(8))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	for i := range 16 {
		go func() {
			_, err := c.Chat(WithExchangeLabel(context.Background(), "t", fmt.Sprint(i)), hello())
			done <- err
		}()
	}
	for range 16 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSpace(run.String()), "\n")
	seen := map[string]bool{}
	for _, l := range lines {
		var v struct{ Test, Variant string }
		if err := json.Unmarshal([]byte(l), &v); err != nil || v.Test != "t" {
			t.Fatalf("line %q: %v", l, err)
		}
		seen[v.Variant] = true
	}
	if len(lines) != 16 || len(seen) != 16 {
		t.Errorf("%d lines, %d variants", len(lines), len(seen))
	}
	if st := c.Stats(); st.Answers != 16 || st.PromptTokens != 16*7 {
		t.Errorf("stats %+v", st)
	}
}
