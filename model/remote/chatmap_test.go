package remote

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aiassure/aiassure/llm"
)

// ollamaLike is a mapping for a chat API shaped like Ollama's /api/chat:
// the system prompt in its own member, options nested, the answer under
// "message", tool-call arguments as objects, usage as eval counts, and
// tool_calls left out when there are none.
var ollamaLike = ChatMapping{
	Request: `{"model":"{{model}}","system":"{{system}}","messages":"{{messages}}","tools":"{{tools}}","stream":false,
		"options":{"temperature":"{{temperature}}","seed":"{{seed}}","num_predict":"{{max_tokens}}"}}`,
	ToolArguments:    "object",
	Content:          "message.content",
	ToolCalls:        "message.tool_calls",
	FinishReason:     "done_reason",
	FinishReasons:    map[string]string{"max_tokens": "length"},
	PromptTokens:     "prompt_eval_count",
	CompletionTokens: "eval_count",
	Optional:         []string{"tool_calls"},
}

// ollamaServer answers in the Ollama-like shape by what the last user
// message says: "tool" (a tool call with object arguments), "empty" (no
// content), "other" (a body of another shape), "long" (cut at max tokens),
// else an echo.
func ollamaServer(t *testing.T) *chatServer {
	var srv *chatServer
	srv = newChatServer(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		var req struct {
			System   string `json:"system"`
			Messages []struct {
				Role    string `json:"role"`
				Content string `json:"content"`
			} `json:"messages"`
		}
		if err := json.Unmarshal([]byte(srv.body.Load().(string)), &req); err != nil || len(req.Messages) == 0 {
			w.WriteHeader(400)
			return
		}
		last := req.Messages[len(req.Messages)-1].Content
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.Contains(last, "tool"):
			w.Write([]byte(`{"message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"create_ticket","arguments":{"text":"refund"}}}]},"done_reason":"stop","prompt_eval_count":12,"eval_count":4}`))
		case strings.Contains(last, "empty"):
			w.Write([]byte(`{"message":{"role":"assistant","content":""},"done_reason":"stop","prompt_eval_count":12,"eval_count":0}`))
		case strings.Contains(last, "other"):
			w.Write([]byte(`{"choices":[{"message":{"content":"hello"}}]}`))
		case strings.Contains(last, "long"):
			w.Write([]byte(`{"message":{"role":"assistant","content":"again again"},"done_reason":"max_tokens","prompt_eval_count":3,"eval_count":2}`))
		default:
			b, _ := json.Marshal(map[string]any{"message": map[string]any{"role": "assistant", "content": "system=" + req.System + " user=" + last},
				"done_reason": "stop", "prompt_eval_count": 9, "eval_count": 5})
			w.Write(b)
		}
	})
	return srv
}

func TestMappedChat(t *testing.T) {
	t.Setenv(TokenEnv, "")
	srv := ollamaServer(t)
	c, err := NewMappedChat(srv.URL+"/api/chat", ollamaLike, WithChatModel("tiny"), WithRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	zero, seed := 0.0, int64(7)
	req := llm.Request{Messages: []llm.Message{{Role: llm.System, Content: "You are kind. CANARY-AAAA-BBBB"}, {Role: llm.User, Content: "hello there"}},
		Tools: []llm.Tool{{Name: "create_ticket", Parameters: json.RawMessage(`{"type":"object"}`)}}, MaxTokens: 64, Temperature: &zero, Seed: &seed}
	resp, err := c.Chat(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := resp.Message.Content, "system=You are kind. CANARY-AAAA-BBBB user=hello there"; got != want {
		t.Errorf("content %q, want %q", got, want)
	}
	if resp.FinishReason != "stop" || resp.Usage != (llm.Usage{PromptTokens: 9, CompletionTokens: 5}) {
		t.Errorf("finish %q usage %+v", resp.FinishReason, resp.Usage)
	}
	// The body sent: the system prompt in its own member and not among the
	// messages, the options filled in, the tools in the OpenAI shape.
	var body map[string]any
	if err := json.Unmarshal([]byte(srv.body.Load().(string)), &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"model": "tiny", "system": "You are kind. CANARY-AAAA-BBBB", "stream": false,
		"messages": []any{map[string]any{"role": "user", "content": "hello there"}},
		"tools":    []any{map[string]any{"type": "function", "function": map[string]any{"name": "create_ticket", "parameters": map[string]any{"type": "object"}}}},
		"options":  map[string]any{"temperature": 0.0, "seed": 7.0, "num_predict": 64.0}}
	if d := cmp.Diff(want, body); d != "" {
		t.Errorf("request body (-want +got):\n%s", d)
	}
	if srv.path.Load() != "/api/chat" {
		t.Errorf("path %v: a mapped endpoint's URL is used as given", srv.path.Load())
	}

	ask := func(text string) (llm.Response, error) {
		return c.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: text}}})
	}
	resp, err = ask("please call the tool")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]llm.ToolCall{{Name: "create_ticket", Arguments: `{"text":"refund"}`}}, resp.Message.ToolCalls); d != "" {
		t.Errorf("tool calls (-want +got):\n%s", d)
	}
	if resp, err = ask("make it long"); err != nil || resp.FinishReason != "length" {
		t.Errorf("finish reason %q (%v), want length translated from max_tokens", resp.FinishReason, err)
	}
	for _, text := range []string{"empty please", "other shape"} {
		if _, err := ask(text); !errors.Is(err, llm.ErrAnswer) {
			t.Errorf("%s: error %v, want llm.ErrAnswer", text, err)
		}
	}
}

// TestMappedChatWrongPath: a path that does not fit the answers makes every
// answer an error wrapping llm.ErrAnswer (unknown), never an empty pass,
// including a wrong path to an optional field.
func TestMappedChatWrongPath(t *testing.T) {
	t.Setenv(TokenEnv, "")
	srv := ollamaServer(t)
	cases := map[string]func(m *ChatMapping){
		"content":              func(m *ChatMapping) { m.Content = "message.text" },
		"content parent":       func(m *ChatMapping) { m.Content = "choices[0].message.content" },
		"tool calls required":  func(m *ChatMapping) { m.Optional = nil },
		"tool calls parent":    func(m *ChatMapping) { m.ToolCalls = "msg.tool_calls" },
		"finish reason":        func(m *ChatMapping) { m.FinishReason = "finish_reason" },
		"usage":                func(m *ChatMapping) { m.CompletionTokens = "usage.completion_tokens" },
		"usage type":           func(m *ChatMapping) { m.CompletionTokens = "done_reason" },
		"content is an object": func(m *ChatMapping) { m.Content = "message" },
	}
	for name, mod := range cases {
		t.Run(name, func(t *testing.T) {
			m := ollamaLike
			m.Optional = append([]string(nil), m.Optional...)
			mod(&m)
			c, err := NewMappedChat(srv.URL, m, WithRetries(0))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Chat(context.Background(), hello())
			if !errors.Is(err, llm.ErrAnswer) {
				t.Fatalf("error %v, want llm.ErrAnswer", err)
			}
		})
	}
	// A wrong tool-call member path fails the answers that have calls.
	m := ollamaLike
	m.ToolCallName = "name"
	c, err := NewMappedChat(srv.URL, m, WithRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "tool"}}}); !errors.Is(err, llm.ErrAnswer) {
		t.Errorf("wrong tool_call_name: error %v, want llm.ErrAnswer", err)
	}
}

func TestMappedChatConfig(t *testing.T) {
	bad := map[string]ChatMapping{
		"no template":         {Content: "a"},
		"template not JSON":   {Request: `{"m":`, Content: "a"},
		"template not object": {Request: `["{{messages}}"]`, Content: "a"},
		"no messages":         {Request: `{"system":"{{system}}"}`, Content: "a"},
		"unknown placeholder": {Request: `{"m":"{{messages}}","x":"{{user}}"}`, Content: "a"},
		"no content":          {Request: `{"m":"{{messages}}"}`},
		"bad path":            {Request: `{"m":"{{messages}}"}`, Content: "a..b"},
		"wildcard calls":      {Request: `{"m":"{{messages}}"}`, Content: "a", ToolCalls: "calls[*]"},
		"optional content":    {Request: `{"m":"{{messages}}"}`, Content: "a", Optional: []string{"content"}},
		"method":              {Request: `{"m":"{{messages}}"}`, Content: "a", Method: "GET"},
		"credential header":   {Request: `{"m":"{{messages}}"}`, Content: "a", Headers: map[string]string{"Authorization": "Bearer x"}},
		"tool arguments":      {Request: `{"m":"{{messages}}"}`, Content: "a", ToolArguments: "yaml"},
	}
	for name, m := range bad {
		if _, err := NewMappedChat("http://127.0.0.1:1/chat", m); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestMappedChatPrompt: a template with only {{prompt}} sends the last user
// message and refuses a conversation it cannot carry.
func TestMappedChatPrompt(t *testing.T) {
	t.Setenv(TokenEnv, "")
	srv := newChatServer(t, fixed(200, `{"output":{"text":"fine"}}`))
	c, err := NewMappedChat(srv.URL, ChatMapping{Request: `{"input":{"prompt":"{{prompt}}","system":"{{system}}"}}`, Content: "output.text"}, WithRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.System, Content: "sys"}, {Role: llm.User, Content: "q"}}})
	if err != nil || resp.Message.Content != "fine" {
		t.Fatalf("%+v %v", resp, err)
	}
	if got := srv.body.Load().(string); got != `{"input":{"prompt":"q","system":"sys"}}` {
		t.Errorf("body %s", got)
	}
	_, err = c.Chat(context.Background(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "a"}, {Role: llm.Assistant, Content: "b"}, {Role: llm.User, Content: "c"}}})
	if !errors.Is(err, llm.ErrAnswer) {
		t.Errorf("a conversation through {{prompt}}: error %v, want llm.ErrAnswer", err)
	}
}

// TestChatRateLimitStats: 429 answers and rate-limit headers are counted.
func TestChatRateLimitStats(t *testing.T) {
	t.Setenv(TokenEnv, "")
	srv := newChatServer(t, func(n int64, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write([]byte(okAnswer))
	})
	c, err := NewChat(srv.URL, WithRetries(2), withClock(newFakeClock()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Chat(context.Background(), hello()); err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st.Throttled != 1 || !st.RateLimitHeaders {
		t.Errorf("stats %+v, want one throttled answer and rate-limit headers seen", st)
	}
}

// FuzzMappedChatDecode: the mapped decoder never panics, and what it
// accepts is an answer that can be judged (content or a named tool call).
func FuzzMappedChatDecode(f *testing.F) {
	for _, s := range []string{
		`{"message":{"content":"hi"},"done_reason":"stop","prompt_eval_count":1,"eval_count":2}`,
		`{"message":{"content":"","tool_calls":[{"function":{"name":"t","arguments":{"a":1}}}]},"done_reason":"stop"}`,
		`{"message":{"content":["a",{"text":"b"},{"type":"tool_use"}]},"done_reason":"max_tokens"}`,
		`{"message":{"content":null,"tool_calls":[{"function":{"name":"","arguments":"x"}}]}}`,
		`{"message":{"content":"x"},"eval_count":-1}`, `{"message":{"content":"x"},"eval_count":1e99}`,
		`[`, `null`, `{"message":"x"}`, `{"message":{"content":"x"}} {}`,
	} {
		f.Add([]byte(s))
	}
	mc, err := newMappedCodec(ollamaLike)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := mc.decode(body)
		if err != nil {
			if !errors.Is(err, llm.ErrAnswer) {
				t.Fatalf("error %v does not wrap llm.ErrAnswer", err)
			}
			return
		}
		if strings.TrimSpace(r.Message.Content) == "" && len(r.Message.ToolCalls) == 0 {
			t.Fatal("accepted an answer with neither content nor tool calls")
		}
		for _, c := range r.Message.ToolCalls {
			if c.Name == "" {
				t.Fatal("accepted a tool call without a name")
			}
		}
		if r.Usage.PromptTokens < 0 || r.Usage.CompletionTokens < 0 {
			t.Fatal("negative usage")
		}
	})
}
