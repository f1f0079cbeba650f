package remote

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/aiassure/aiassure/llm"
)

// ChatMapping describes a chat API that is not OpenAI-compatible: how a
// chat request is written into a JSON body and where the answer's parts are
// in the response. Paths use the syntax of ParsePath. See docs/llm.md,
// "Other chat APIs".
type ChatMapping struct {
	// Method is the HTTP method (default POST; PUT is also allowed).
	Method string `json:"method,omitempty" yaml:"method,omitempty"`
	// Request is the JSON template of a request body. A JSON string whose
	// whole value is one of the placeholders is replaced in a fresh copy
	// for each request: "{{messages}}" (the conversation, an array of
	// messages), "{{system}}" (the system messages joined; they are then
	// left out of {{messages}}), "{{prompt}}" (the last user message),
	// "{{tools}}" (the offered tools), "{{max_tokens}}", "{{temperature}}",
	// "{{seed}}" and "{{model}}". The template must hold {{messages}} or
	// {{prompt}}.
	Request string `json:"request" yaml:"request"`
	// Roles renames message roles ("tool": "user" for an API without a
	// tool role).
	Roles map[string]string `json:"roles,omitempty" yaml:"roles,omitempty"`
	// ToolArguments is how the arguments of a tool call are written in the
	// messages sent: "string" (default, JSON text) or "object".
	ToolArguments string `json:"tool_arguments,omitempty" yaml:"tool_arguments,omitempty"`
	// Content is the path of the answer's text (required): a string, null,
	// or an array of strings or of objects with a "text" string, joined.
	Content string `json:"content" yaml:"content"`
	// ToolCalls is the path of the answer's tool calls, an array (optional);
	// ToolCallName, ToolCallArguments and ToolCallID are paths inside each
	// call (defaults "function.name", "function.arguments", "id"; a missing
	// id is allowed). Arguments may be a JSON string or an object.
	ToolCalls         string `json:"tool_calls,omitempty" yaml:"tool_calls,omitempty"`
	ToolCallName      string `json:"tool_call_name,omitempty" yaml:"tool_call_name,omitempty"`
	ToolCallArguments string `json:"tool_call_arguments,omitempty" yaml:"tool_call_arguments,omitempty"`
	ToolCallID        string `json:"tool_call_id,omitempty" yaml:"tool_call_id,omitempty"`
	// FinishReason is the path of the finish reason (optional), a string
	// translated by FinishReasons ("max_tokens": "length") when listed.
	FinishReason  string            `json:"finish_reason,omitempty" yaml:"finish_reason,omitempty"`
	FinishReasons map[string]string `json:"finish_reasons,omitempty" yaml:"finish_reasons,omitempty"`
	// PromptTokens and CompletionTokens are the paths of the usage counts
	// (optional), non-negative integers.
	PromptTokens     string `json:"prompt_tokens,omitempty" yaml:"prompt_tokens,omitempty"`
	CompletionTokens string `json:"completion_tokens,omitempty" yaml:"completion_tokens,omitempty"`
	// Optional names the mapped fields that an answer may lack: any of
	// tool_calls, finish_reason, usage. Every other mapped path must be in
	// every answer, or the answer is an error wrapping llm.ErrAnswer: a
	// wrong path is never read as "no tool calls" or "no leak". A path
	// listed here that is wrong goes unnoticed, so list only what the API
	// really leaves out (Ollama omits tool_calls when there are none).
	Optional []string `json:"optional,omitempty" yaml:"optional,omitempty"`
	// Headers are extra request headers; they must not carry credentials.
	Headers map[string]string `json:"headers,omitempty" yaml:"headers,omitempty"`
}

// chatCodec encodes chat requests and decodes answers for a Chat.
type chatCodec interface {
	encode(model string, req llm.Request) ([]byte, error)
	decode(body []byte) (llm.Response, error)
}

type openaiCodec struct{}

func (openaiCodec) encode(model string, req llm.Request) ([]byte, error) {
	return encodeChat(model, req)
}
func (openaiCodec) decode(body []byte) (llm.Response, error) { return decodeChat(body) }

// mappedCodec is the codec of a ChatMapping.
type mappedCodec struct {
	m                        ChatMapping
	tmpl                     any
	system                   bool // the template has {{system}}
	messages                 bool
	content, calls           Path
	callName, callArgs, cid  Path
	finish, prompt, complete Path
	hasCalls, hasFinish      bool
	hasPrompt, hasComplete   bool
	optional                 map[string]bool
}

var placeholders = []string{"{{messages}}", "{{system}}", "{{prompt}}", "{{tools}}", "{{max_tokens}}", "{{temperature}}", "{{seed}}", "{{model}}"}

// NewMappedChat returns a Chat for the chat API at endpoint (the full URL of
// the resource) that m describes. It makes no request. The options are
// those of NewChat.
func NewMappedChat(endpoint string, m ChatMapping, opts ...Option) (*Chat, error) {
	mc, err := newMappedCodec(m)
	if err != nil {
		return nil, fmt.Errorf("chat mapping: %w", err)
	}
	ch, err := newChat(endpoint, false, mc, opts...)
	if err != nil {
		return nil, err
	}
	ch.method = mc.m.Method
	ch.c.extra = mc.m.Headers
	return ch, nil
}

func newMappedCodec(m ChatMapping) (*mappedCodec, error) {
	mc := &mappedCodec{m: m, optional: map[string]bool{}}
	if mc.m.Method == "" {
		mc.m.Method = http.MethodPost
	}
	if mc.m.Method != http.MethodPost && mc.m.Method != http.MethodPut {
		return nil, fmt.Errorf("method %q: use POST or PUT", m.Method)
	}
	if strings.TrimSpace(m.Request) == "" {
		return nil, errors.New("the request template is required")
	}
	if err := json.Unmarshal([]byte(m.Request), &mc.tmpl); err != nil {
		return nil, fmt.Errorf("request template: %w", err)
	}
	if _, ok := mc.tmpl.(map[string]any); !ok {
		return nil, errors.New("request template: not a JSON object")
	}
	found := map[string]bool{}
	if err := walkStrings(mc.tmpl, 0, func(s string) {
		if slices.Contains(placeholders, s) {
			found[s] = true
		} else if strings.HasPrefix(s, "{{") && strings.HasSuffix(s, "}}") {
			found["?"+s] = true
		}
	}); err != nil {
		return nil, err
	}
	for k := range found {
		if strings.HasPrefix(k, "?") {
			return nil, fmt.Errorf("request template: unknown placeholder %q (have %s)", k[1:], strings.Join(placeholders, " "))
		}
	}
	mc.system, mc.messages = found["{{system}}"], found["{{messages}}"]
	if !mc.messages && !found["{{prompt}}"] {
		return nil, errors.New("request template: it holds neither {{messages}} nor {{prompt}}")
	}
	switch m.ToolArguments {
	case "", "string", "object":
	default:
		return nil, fmt.Errorf("tool_arguments %q: use string or object", m.ToolArguments)
	}
	for _, o := range m.Optional {
		switch o {
		case "tool_calls", "finish_reason", "usage":
			mc.optional[o] = true
		default:
			return nil, fmt.Errorf("optional %q: only tool_calls, finish_reason and usage may be absent", o)
		}
	}
	if m.Content == "" {
		return nil, errors.New("the content path is required")
	}
	paths := []struct {
		name, src, def string
		dst            *Path
		set            *bool
	}{
		{"content", m.Content, "", &mc.content, nil},
		{"tool_calls", m.ToolCalls, "", &mc.calls, &mc.hasCalls},
		{"tool_call_name", m.ToolCallName, "function.name", &mc.callName, nil},
		{"tool_call_arguments", m.ToolCallArguments, "function.arguments", &mc.callArgs, nil},
		{"tool_call_id", m.ToolCallID, "id", &mc.cid, nil},
		{"finish_reason", m.FinishReason, "", &mc.finish, &mc.hasFinish},
		{"prompt_tokens", m.PromptTokens, "", &mc.prompt, &mc.hasPrompt},
		{"completion_tokens", m.CompletionTokens, "", &mc.complete, &mc.hasComplete},
	}
	for _, p := range paths {
		src := p.src
		if src == "" {
			src = p.def
		}
		if src == "" {
			continue
		}
		var err error
		if *p.dst, err = ParsePath(src); err != nil {
			return nil, fmt.Errorf("%s path: %w", p.name, err)
		}
		if p.set != nil {
			*p.set = true
		}
	}
	if mc.calls.HasWildcard() {
		return nil, errors.New("tool_calls path: name the array itself, without [*]")
	}
	for k, v := range m.Headers {
		if !validHeaderName(k) || !validHeaderValue(v) {
			return nil, fmt.Errorf("invalid header %q", k)
		}
		switch http.CanonicalHeaderKey(k) {
		case "Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key":
			return nil, fmt.Errorf("header %q carries credentials: read it from the environment instead", k)
		}
	}
	return mc, nil
}

// walkStrings calls f on every string value of v.
func walkStrings(v any, depth int, f func(string)) error {
	if depth > maxDepth {
		return fmt.Errorf("request template nested deeper than %d", maxDepth)
	}
	switch x := v.(type) {
	case string:
		f(x)
	case []any:
		for _, e := range x {
			if err := walkStrings(e, depth+1, f); err != nil {
				return err
			}
		}
	case map[string]any:
		for _, e := range x {
			if err := walkStrings(e, depth+1, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// replace returns v with the placeholders put in.
func replace(v any, vals map[string]any) any {
	switch x := v.(type) {
	case string:
		if r, ok := vals[x]; ok {
			return r
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = replace(e, vals)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = replace(e, vals)
		}
		return out
	}
	return v
}

func (mc *mappedCodec) role(r string) string {
	if n, ok := mc.m.Roles[r]; ok && n != "" {
		return n
	}
	return r
}

func (mc *mappedCodec) encode(model string, req llm.Request) ([]byte, error) {
	if len(req.Messages) == 0 {
		return nil, errors.New("chat request has no messages")
	}
	var system []string
	var msgs []any
	prompt, lastUser := "", -1
	for _, m := range req.Messages {
		if m.Role == llm.System && mc.system {
			system = append(system, m.Content)
			continue
		}
		if m.Role == llm.User {
			prompt, lastUser = m.Content, len(msgs)
		}
		o := map[string]any{"role": mc.role(m.Role), "content": m.Content}
		if len(m.ToolCalls) > 0 {
			var calls []any
			for _, tc := range m.ToolCalls {
				var args any = tc.Arguments
				if mc.m.ToolArguments == "object" {
					var obj any
					if json.Unmarshal([]byte(tc.Arguments), &obj) != nil {
						obj = map[string]any{}
					}
					args = obj
				}
				calls = append(calls, map[string]any{"id": tc.ID, "type": "function",
					"function": map[string]any{"name": tc.Name, "arguments": args}})
			}
			o["tool_calls"] = calls
		}
		if m.ToolCallID != "" {
			o["tool_call_id"] = m.ToolCallID
		}
		if m.Name != "" {
			o["name"] = m.Name
		}
		msgs = append(msgs, o)
	}
	if !mc.messages {
		// Only the prompt goes out: a conversation of more than the system
		// message and one user turn cannot be sent.
		if lastUser < 0 || len(msgs) > 1 {
			return nil, fmt.Errorf("%w: the mapping sends only {{prompt}}, and the request is a conversation of %d messages", llm.ErrAnswer, len(msgs))
		}
	}
	var tools []any
	for _, t := range req.Tools {
		if t.Parameters != nil && !json.Valid(t.Parameters) {
			return nil, fmt.Errorf("tool %q: parameters are not valid JSON", t.Name)
		}
		f := map[string]any{"name": t.Name}
		if t.Description != "" {
			f["description"] = t.Description
		}
		if t.Parameters != nil {
			f["parameters"] = t.Parameters
		}
		tools = append(tools, map[string]any{"type": "function", "function": f})
	}
	if msgs == nil {
		msgs = []any{}
	}
	if tools == nil {
		tools = []any{}
	}
	vals := map[string]any{"{{messages}}": msgs, "{{system}}": strings.Join(system, "\n\n"), "{{prompt}}": prompt,
		"{{tools}}": tools, "{{model}}": model, "{{max_tokens}}": nil, "{{temperature}}": nil, "{{seed}}": nil}
	if req.MaxTokens > 0 {
		vals["{{max_tokens}}"] = req.MaxTokens
	}
	if req.Temperature != nil {
		vals["{{temperature}}"] = *req.Temperature
	}
	if req.Seed != nil {
		vals["{{seed}}"] = *req.Seed
	}
	return json.Marshal(replace(mc.tmpl, vals))
}

// decode reads an answer as the mapping says. Every missing or mistyped
// field that is not optional is an error wrapping llm.ErrAnswer.
func (mc *mappedCodec) decode(body []byte) (llm.Response, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return llm.Response{}, fmt.Errorf("%w: response is not JSON: %s", llm.ErrAnswer, sanitize(err.Error()))
	}
	if dec.More() {
		return llm.Response{}, fmt.Errorf("%w: data after the JSON value", llm.ErrAnswer)
	}
	bad := func(format string, a ...any) (llm.Response, error) {
		return llm.Response{}, fmt.Errorf("%w: "+format, append([]any{llm.ErrAnswer}, a...)...)
	}
	get := func(p Path, opt string) (any, bool, error) {
		v, err := p.Get(doc)
		if err != nil {
			if opt != "" && mc.optional[opt] && absent(doc, p) {
				return nil, false, nil
			}
			return nil, false, fmt.Errorf("%w: %s", llm.ErrAnswer, sanitize(err.Error()))
		}
		return v, true, nil
	}
	var r llm.Response
	v, _, err := get(mc.content, "")
	if err != nil {
		return llm.Response{}, err
	}
	if r.Message.Content, err = textOf(v); err != nil {
		return bad("content at %s: %v", mc.content, err)
	}
	r.Message.Role = llm.Assistant
	if mc.hasCalls {
		v, ok, err := get(mc.calls, "tool_calls")
		if err != nil {
			return llm.Response{}, err
		}
		if ok && v != nil {
			a, isArr := v.([]any)
			if !isArr {
				return bad("tool calls at %s are %s, not an array", mc.calls, typeName(v))
			}
			for i, e := range a {
				tc, err := mc.call(e)
				if err != nil {
					return bad("tool call %d: %v", i, err)
				}
				r.Message.ToolCalls = append(r.Message.ToolCalls, tc)
			}
		}
	}
	if mc.hasFinish {
		v, ok, err := get(mc.finish, "finish_reason")
		if err != nil {
			return llm.Response{}, err
		}
		if ok {
			s, isStr := v.(string)
			if !isStr {
				return bad("finish reason at %s is %s, not a string", mc.finish, typeName(v))
			}
			if t, ok := mc.m.FinishReasons[s]; ok {
				s = t
			}
			r.FinishReason = s
		}
	}
	for _, u := range []struct {
		has bool
		p   Path
		dst *int
	}{{mc.hasPrompt, mc.prompt, &r.Usage.PromptTokens}, {mc.hasComplete, mc.complete, &r.Usage.CompletionTokens}} {
		if !u.has {
			continue
		}
		v, ok, err := get(u.p, "usage")
		if err != nil {
			return llm.Response{}, err
		}
		if !ok {
			continue
		}
		n, isNum := v.(json.Number)
		i, perr := n.Int64()
		if !isNum || perr != nil || i < 0 || i > 1<<40 {
			return bad("token count at %s is not a non-negative integer", u.p)
		}
		*u.dst = int(i)
	}
	if strings.TrimSpace(r.Message.Content) == "" && len(r.Message.ToolCalls) == 0 {
		if r.FinishReason == "length" {
			return bad("answer truncated (finish reason \"length\") with no content")
		}
		return bad("empty content and no tool calls (finish reason %q)", r.FinishReason)
	}
	return r, nil
}

// absent reports whether p fails on doc only because its last member is
// missing from an object that is there: the field is left out, the path is
// not wrong above it.
func absent(doc any, p Path) bool {
	if len(p.segs) == 0 || p.segs[len(p.segs)-1].kind != 'k' {
		return false
	}
	parent := Path{src: p.src, segs: p.segs[:len(p.segs)-1]}
	v, err := parent.Get(doc)
	if err != nil {
		return false
	}
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	_, has := m[p.segs[len(p.segs)-1].key]
	return !has
}

func (mc *mappedCodec) call(e any) (llm.ToolCall, error) {
	var tc llm.ToolCall
	v, err := mc.callName.Get(e)
	if err != nil {
		return tc, errors.New(sanitize(err.Error()))
	}
	name, ok := v.(string)
	if !ok || name == "" {
		return tc, fmt.Errorf("name at %s is %s, not a non-empty string", mc.callName, typeName(v))
	}
	tc.Name = name
	if v, err = mc.callArgs.Get(e); err != nil {
		return tc, errors.New(sanitize(err.Error()))
	}
	switch a := v.(type) {
	case string:
		tc.Arguments = a
	case map[string]any, []any, nil:
		b, err := json.Marshal(a)
		if err != nil {
			return tc, err
		}
		tc.Arguments = string(b)
	default:
		return tc, fmt.Errorf("arguments at %s are %s", mc.callArgs, typeName(v))
	}
	if v, err := mc.cid.Get(e); err == nil {
		if s, ok := v.(string); ok {
			tc.ID = s
		}
	} else if mc.m.ToolCallID != "" {
		return tc, errors.New(sanitize(err.Error()))
	}
	return tc, nil
}

// textOf reads content: a string, null, or an array of strings or of
// objects whose "text" strings are joined (objects without one, such as
// tool-use blocks, are skipped).
func textOf(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case []any:
		var b strings.Builder
		for i, e := range x {
			switch y := e.(type) {
			case string:
				b.WriteString(y)
			case map[string]any:
				if t, ok := y["text"].(string); ok {
					b.WriteString(t)
				}
			default:
				return "", fmt.Errorf("element %d is %s", i, typeName(e))
			}
		}
		return b.String(), nil
	}
	return "", fmt.Errorf("it is %s, not text", typeName(v))
}
