package remote

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aiassure/aiassure/llm"
	"github.com/aiassure/aiassure/model"
)

// The fuzz targets check that decoders of untrusted input never panic and
// that what they accept is consistent.

func FuzzDecodeOIPResponse(f *testing.F) {
	for _, s := range []string{
		`{"outputs":[{"name":"y","shape":[2,2],"datatype":"FP32","data":[1,2,3,4]}]}`,
		`{"outputs":[{"name":"y","shape":[2],"datatype":"INT64","data":[[1],[2]]}]}`,
		`{"outputs":[{"name":"y","shape":[2],"datatype":"BOOL","data":[true,false]}]}`,
		`{"outputs":[{"name":"y","shape":[2,1],"datatype":"FP64","data":[1e400,-1e-400]}]}`,
		`{"error":"x"}`, `{"outputs":[{"name":"y","shape":[2,4294967296],"datatype":"FP32","data":[]}]}`,
		`[`, `null`, `{"outputs":null}`,
	} {
		f.Add([]byte(s), 2)
	}
	f.Fuzz(func(t *testing.T, body []byte, batch int) {
		if batch < 1 || batch > 1<<16 {
			return
		}
		x, err := decodeOIPResponse(body, "y", batch)
		if err != nil {
			return
		}
		if x.Validate() != nil || x.Shape[0] != batch {
			t.Fatalf("accepted an inconsistent tensor %v (%d elements) for batch %d", x.Shape, len(x.Data), batch)
		}
	})
}

func FuzzDecodeOIPMetadata(f *testing.F) {
	f.Add([]byte(`{"name":"m","inputs":[{"name":"x","datatype":"FP32","shape":[-1,4]}],"outputs":[{"name":"y","datatype":"FP32","shape":[-1,3]}]}`))
	f.Add([]byte(`{"inputs":[],"outputs":[]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		md, err := decodeOIPMetadata(body)
		if err != nil {
			return
		}
		o := &OIP{model: "m"}
		cfg := defaultConfig()
		if o.describe(md, cfg) == nil {
			info := o.Info()
			if info.Kind != "oip" || info.InputShape == nil {
				t.Fatalf("bad info %+v", info)
			}
		}
	})
}

func FuzzDecodeMapped(f *testing.F) {
	for _, s := range []string{
		`{"r":[{"s":[1,2]},{"s":[3,4]}]}`, `{"r":[{"s":1},{"s":2}]}`,
		`{"r":[{"s":{"a":1,"b":2}},{"s":{"a":3,"b":4}}]}`, `{"r":[{"s":"a"},{"s":1}]}`,
		`{"r":[{"s":[[1],[2]]},{"s":[[3],[4]]}]}`, `{"r":[]}`, `{}`, `[]`, `1`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	p, err := ParsePath("r[*].s")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, labels bool) {
		x, err := decodeMapped(body, p, 2, false, labels, []string{"a", "b"})
		if err != nil {
			return
		}
		if x.Validate() != nil || x.Shape[0] != 2 || len(x.Shape) != 2 {
			t.Fatalf("accepted an inconsistent tensor %v (%d elements)", x.Shape, len(x.Data))
		}
	})
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"", "$", "a.b[0]", `r[*]["x y"].z`, "$.a[*][1]", `["\u00e9"]`, "a[", "a..b"} {
		f.Add(s, `{"a":{"b":[1,{"z":2}]},"r":[{"x y":{"z":3}}]}`)
	}
	f.Fuzz(func(t *testing.T, s, doc string) {
		p, err := ParsePath(s)
		if err != nil {
			return
		}
		var v any
		if json.Unmarshal([]byte(doc), &v) != nil {
			return
		}
		p.Get(v) //nolint:errcheck // must not panic
		if !p.HasWildcard() {
			out, err := p.Set(v, []any{1.0})
			if err == nil {
				got, err := p.Get(out)
				if err != nil {
					t.Fatalf("Get after Set(%q): %v", s, err)
				}
				if a, ok := got.([]any); !ok || len(a) != 1 {
					t.Fatalf("Get after Set(%q) = %v", s, got)
				}
			}
		}
	})
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"5", "Thu, 02 Jan 2025 03:04:15 GMT", "-1", "9999999999999999999", ""} {
		f.Add(s)
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if d := parseRetryAfter(s, now); d < 0 {
			t.Fatalf("parseRetryAfter(%q) = %v", s, d)
		}
	})
}

func FuzzJSONEncodeRoundTrip(f *testing.F) {
	f.Add(float32(0.1), float32(-3e-38), float32(16777217))
	f.Fuzz(func(t *testing.T, a, b, c float32) {
		x := &model.Tensor{Shape: []int{1, 3}, Data: []float32{a, b, c}}
		if checkInput(x, []int{3}) != nil {
			return // NaN or Inf
		}
		body, err := encodeOIPRequest("x", "FP32", "", x)
		if err != nil {
			t.Fatal(err)
		}
		var req struct {
			Inputs []struct {
				Data []float32 `json:"data"`
			} `json:"inputs"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		for i, v := range req.Inputs[0].Data {
			if v != x.Data[i] {
				t.Fatalf("element %d: sent %v, decoded %v", i, x.Data[i], v)
			}
		}
	})
}

func FuzzDecodeChat(f *testing.F) {
	for _, s := range []string{
		okAnswer,
		`{"choices":[{"message":{"content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}`,
		`{"choices":[{"message":{"content":[{"type":"text","text":"a"}]}}]}`,
		`{"choices":[{"message":{"content":""},"finish_reason":"length"}]}`,
		`{"choices":[{"message":{"tool_calls":[{"function":{"name":"f","arguments":{"a":[1]}}}]}}]}`,
		`{"choices":[]}`, `{"error":"x"}`, `[`, `null`, `{"choices":null}`, `{"choices":[null]}`,
		`{"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":1e30}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := decodeChat(body)
		if err != nil {
			if !errors.Is(err, llm.ErrAnswer) {
				t.Fatalf("error %v does not wrap llm.ErrAnswer", err)
			}
			return
		}
		if strings.TrimSpace(r.Message.Content) == "" && len(r.Message.ToolCalls) == 0 {
			t.Fatalf("accepted an empty answer %+v", r)
		}
		if r.Usage.PromptTokens < 0 || r.Usage.CompletionTokens < 0 {
			t.Fatalf("negative usage %+v", r.Usage)
		}
	})
}
