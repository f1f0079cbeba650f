// Package llm holds what aiassure's security tests of LLM-based applications
// share: the chat messages, tool calls and answers of an OpenAI-compatible
// chat-completions exchange, and the Client that sends them. The HTTP client
// for live endpoints is remote.Chat (model/remote); the test double that
// serves the same protocol on loopback is package llm/double; the
// deterministic detectors that judge answers are in llm/detect; the test
// suite is llm/suite. See docs/llm.md.
package llm

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Roles of a chat message.
const (
	System    = "system"
	User      = "user"
	Assistant = "assistant"
	ToolRole  = "tool" // the result of a tool call, sent back to the model
)

// Message is one chat message.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
	// ToolCalls are the calls an assistant message asks for.
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
	// ToolCallID names the call a tool message answers.
	ToolCallID string `json:"tool_call_id,omitempty"`
	// Name is the tool's name on a tool message.
	Name string `json:"name,omitempty"`
}

// ToolCall is a call of a tool (a function) the model asks for.
type ToolCall struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Arguments is the JSON text of the arguments, as the model wrote it:
	// it may not be valid JSON.
	Arguments string `json:"arguments"`
}

// Tool is a tool offered to the model.
type Tool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"` // a JSON Schema object
}

// Request is one chat-completions request.
type Request struct {
	Messages    []Message `json:"messages"`
	Tools       []Tool    `json:"tools,omitempty"`
	MaxTokens   int       `json:"max_tokens,omitempty"`
	Temperature *float64  `json:"temperature,omitempty"`
	Seed        *int64    `json:"seed,omitempty"`
}

// Usage counts the tokens of one exchange, as the endpoint reports them.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

// Response is the endpoint's answer to a Request.
type Response struct {
	Message      Message       `json:"message"`
	FinishReason string        `json:"finish_reason"` // stop, length, tool_calls, content_filter
	Usage        Usage         `json:"usage"`
	Latency      time.Duration `json:"latency"`
}

// Client sends chat requests to an LLM application or model.
type Client interface {
	Chat(ctx context.Context, req Request) (Response, error)
}

// ErrAnswer is wrapped by Client errors for an answer that cannot be
// judged: empty, unparseable, truncated (finish reason "length" with no
// content), or missing the expected fields. A test that meets it is
// unknown, never passed.
var ErrAnswer = errors.New("answer cannot be judged")
