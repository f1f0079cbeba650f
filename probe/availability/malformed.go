package availability

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Endpoint is the one inference URL the malformed-input test may send to,
// and how a valid request to it looks.
type Endpoint struct {
	// URL is the inference URL requests are POSTed to (for OIP,
	// BASE/v2/models/NAME/infer). Redirects are not followed.
	URL string
	// Method is POST (the default) or PUT.
	Method string
	// Protocol is "oip" or "json"; it adds the cases that need the
	// protocol's structure (OIP's shape and datatype).
	Protocol string
	// Encode returns the body of a valid request for one sample.
	Encode func(sample []float32) ([]byte, error)
	// Header is added to every request (credentials, the mapping's headers).
	Header http.Header
	// Client sends the requests [a client with RequestTimeout per request].
	Client *http.Client
	// RequestTimeout bounds each request [10s].
	RequestTimeout time.Duration
	// MaxCases bounds the cases sent [all of them, about 20].
	MaxCases int
}

// Outcomes of a malformed-input case.
const (
	OutcomeRejected = "rejected"     // a 4xx answer: what a robust endpoint does
	OutcomeAccepted = "accepted"     // a 2xx answer to an input that is not valid
	OutcomeServer   = "server-error" // a 5xx answer
	OutcomeCrash    = "crash"        // the connection was reset or closed without an answer
	OutcomeTimeout  = "timeout"      // no answer within the request timeout
	OutcomeLimited  = "rate-limited" // 429: says nothing about the input
	OutcomeLenient  = "lenient"      // a 2xx answer to a valid input sent in a doubtful form (a wrong content type)
	OutcomeOK       = "ok"           // a 2xx answer to the valid control request
	OutcomeOther    = "other"        // another status or transport error
)

// Case is one request of the malformed-input test and its outcome.
type Case struct {
	Name    string `json:"name"`
	What    string `json:"what"`
	Bytes   int    `json:"bytes"`
	Status  int    `json:"status,omitempty"`
	Outcome string `json:"outcome"`
	Detail  string `json:"detail,omitempty"`
	// wantAccept marks the valid control; lenient marks cases whose
	// acceptance is reported but not a failure.
	wantAccept, lenient bool
	body                []byte
	contentType         string
}

// Malformed is the outcome of the malformed-input test.
type Malformed struct {
	URL   string `json:"url"`
	Cases []Case `json:"cases"`
	// Counts by outcome.
	Counts map[string]int `json:"counts"`
	// ControlOK is true when the valid control request was answered with
	// 2xx before the malformed ones; AliveAfter when it still was after
	// them (false: the endpoint stopped answering valid requests).
	ControlOK   bool `json:"control_ok"`
	AliveAfter  bool `json:"alive_after"`
	Interrupted bool `json:"interrupted,omitempty"`
}

// Failures returns the cases that count against the endpoint: crashes,
// 5xx answers, timeouts and malformed inputs accepted.
func (m *Malformed) Failures() []Case {
	var out []Case
	for _, c := range m.Cases {
		switch c.Outcome {
		case OutcomeCrash, OutcomeServer, OutcomeTimeout, OutcomeAccepted:
			out = append(out, c)
		}
	}
	return out
}

// OversizedBytes is the size of the oversized payload.
const OversizedBytes = 8 << 20

// nestDepth is the depth of the deeply nested payloads.
const nestDepth = 100_000

// sentinel is a value no real feature takes, exact in float32 and written
// the same by encoding/json and strconv, so that it can be found in the
// encoded body and replaced by text json.Marshal cannot write.
const sentinel = float32(-7777.125)

// Cases returns the malformed-input cases for ep, the valid control first,
// given one valid sample.
func Cases(ep Endpoint, sample []float32) ([]Case, error) {
	if ep.Encode == nil || len(sample) == 0 {
		return nil, fmt.Errorf("availability: %w: no encoder or no sample for the malformed-input test", ErrInput)
	}
	valid, err := ep.Encode(sample)
	if err != nil {
		return nil, fmt.Errorf("availability: encode a valid request: %w", err)
	}
	marked := slices.Clone(sample)
	marked[0] = sentinel
	mb, err := ep.Encode(marked)
	if err != nil {
		return nil, fmt.Errorf("availability: encode a valid request: %w", err)
	}
	mark := strconv.FormatFloat(float64(sentinel), 'g', -1, 32)
	at := bytes.Index(mb, []byte(mark))
	if at < 0 {
		// Encoders that write float32 with more digits.
		mark = strconv.FormatFloat(float64(sentinel), 'g', -1, 64)
		at = bytes.Index(mb, []byte(mark))
	}
	const js = "application/json"
	cs := []Case{{Name: "valid", What: "a valid request (the control)", body: valid, contentType: js, wantAccept: true}}
	if at >= 0 {
		with := func(text string) []byte {
			return slices.Concat(mb[:at], []byte(text), mb[at+len(mark):])
		}
		for _, v := range []struct{ name, what, text string }{
			{"nan-literal", "NaN in place of a number (not JSON)", "NaN"},
			{"inf-literal", "Infinity in place of a number (not JSON)", "Infinity"},
			{"nan-string", `the string "NaN" in place of a number`, `"NaN"`},
			{"inf-string", `the string "-Infinity" in place of a number`, `"-Infinity"`},
			{"overflow", "1e999, beyond any float", "1e999"},
			{"string-value", "a string in place of a number", `"abc"`},
			{"null-value", "null in place of a number", "null"},
			{"array-value", "an array in place of a number", "[1,2]"},
			{"nested-value", fmt.Sprintf("an array nested %d deep in place of a number", nestDepth), strings.Repeat("[", nestDepth) + "1" + strings.Repeat("]", nestDepth)},
			{"extra-value", "one value more than the model takes", mark + ",1"},
		} {
			cs = append(cs, Case{Name: v.name, What: v.what, body: with(v.text), contentType: js})
		}
	}
	cs = append(cs,
		Case{Name: "empty", What: "an empty body", body: nil, contentType: js},
		Case{Name: "not-json", What: "a body that is not JSON", body: []byte("\x00\xff<xml>not json"), contentType: js},
		Case{Name: "json-null", What: "the JSON value null", body: []byte("null"), contentType: js},
		Case{Name: "empty-object", What: "an empty JSON object", body: []byte("{}"), contentType: js},
		Case{Name: "truncated", What: "a valid request cut in half", body: valid[:len(valid)/2], contentType: js},
		Case{Name: "nested", What: fmt.Sprintf("a JSON array nested %d deep", nestDepth), body: []byte(strings.Repeat("[", nestDepth) + strings.Repeat("]", nestDepth)), contentType: js},
		Case{Name: "oversized", What: fmt.Sprintf("a %d MiB JSON document that is no request", OversizedBytes>>20), body: oversized(), contentType: js},
		Case{Name: "text-plain", What: "a valid request sent as text/plain", body: valid, contentType: "text/plain", lenient: true},
		Case{Name: "form", What: "a valid request sent as a form (application/x-www-form-urlencoded)", body: valid, contentType: "application/x-www-form-urlencoded", lenient: true},
	)
	if ep.Protocol == "oip" {
		cs = append(cs, oipCases(valid)...)
	}
	for i := range cs {
		cs[i].Bytes = len(cs[i].body)
	}
	return cs, nil
}

func oversized() []byte {
	var b bytes.Buffer
	b.Grow(OversizedBytes + 16)
	b.WriteString(`{"padding":[`)
	for b.Len() < OversizedBytes-8 {
		b.WriteString("0.123456,")
	}
	b.WriteString("0]}")
	return b.Bytes()
}

// oipCases rewrite the OIP request's first input: its shape, datatype and
// name (the data stay valid).
func oipCases(valid []byte) []Case {
	var doc map[string]any
	if json.Unmarshal(valid, &doc) != nil {
		return nil
	}
	inputs, _ := doc["inputs"].([]any)
	if len(inputs) == 0 {
		return nil
	}
	first, _ := inputs[0].(map[string]any)
	if first == nil {
		return nil
	}

	data, _ := first["data"].([]any)
	edit := func(f func(in map[string]any)) []byte {
		in := map[string]any{}
		for k, v := range first {
			in[k] = v
		}
		f(in)
		out := map[string]any{}
		for k, v := range doc {
			out[k] = v
		}
		out["inputs"] = []any{in}
		b, _ := json.Marshal(out)
		return b
	}
	var cs []Case
	add := func(name, what string, f func(in map[string]any)) {
		cs = append(cs, Case{Name: name, What: what, body: edit(f), contentType: "application/json"})
	}
	n := len(data)
	add("oip-shape-mismatch", "a shape that does not match the data", func(in map[string]any) { in["shape"] = []any{1, n + 1} })
	add("oip-wrong-shape", "data and shape of one value more than the model takes", func(in map[string]any) {
		in["shape"], in["data"] = []any{1, n + 1}, append(slices.Clone(data), 0)
	})
	add("oip-negative-shape", "a negative dimension", func(in map[string]any) { in["shape"] = []any{-1, n} })
	add("oip-huge-shape", "a shape of 2^40 values with the data of one sample", func(in map[string]any) { in["shape"] = []any{1 << 20, 1 << 20} })
	add("oip-empty-data", "a batch of no samples (an answer with no prediction is harmless)", func(in map[string]any) { in["shape"], in["data"] = []any{0, n}, []any{} })
	cs[len(cs)-1].lenient = true
	add("oip-datatype", `datatype "BYTES" for numbers`, func(in map[string]any) { in["datatype"] = "BYTES" })
	add("oip-unknown-datatype", `datatype "FP99"`, func(in map[string]any) { in["datatype"] = "FP99" })
	add("oip-input-name", "an input name the model does not have", func(in map[string]any) { in["name"] = "no-such-input" })
	add("oip-no-inputs", "an empty inputs list", func(map[string]any) {})
	cs[len(cs)-1].body = []byte(`{"inputs":[]}`)
	return cs
}

// OIPEncoder returns the Encode function of an Open Inference Protocol v2
// endpoint whose input is named input and takes samples of sampleShape:
// one FP32 tensor of shape [1, sampleShape...].
func OIPEncoder(input string, sampleShape []int) func([]float32) ([]byte, error) {
	return func(sample []float32) ([]byte, error) {
		shape := append([]int{1}, sampleShape...)
		if len(sampleShape) == 0 || slices.Contains(sampleShape, -1) {
			shape = []int{1, len(sample)}
		}
		return json.Marshal(map[string]any{"inputs": []any{map[string]any{
			"name": input, "shape": shape, "datatype": "FP32", "data": sample}}})
	}
}

// TestMalformed sends the cases to ep, one at a time, then the valid
// control again to see whether the endpoint still answers. It sends only to
// ep.URL and follows no redirect. ctx bounds the whole test.
func TestMalformed(ctx context.Context, ep Endpoint, sample []float32) (*Malformed, error) {
	u, err := url.Parse(ep.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("availability: %w: endpoint URL %q is not an http(s) URL", ErrInput, ep.URL)
	}
	cs, err := Cases(ep, sample)
	if err != nil {
		return nil, err
	}
	if ep.MaxCases > 0 && len(cs) > ep.MaxCases {
		cs = cs[:ep.MaxCases]
	}
	if ep.RequestTimeout <= 0 {
		ep.RequestTimeout = 10 * time.Second
	}
	cl := ep.Client
	if cl == nil {
		cl = &http.Client{}
	}
	c2 := *cl
	c2.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	m := &Malformed{URL: u.Redacted(), Counts: map[string]int{}}
	for i := range cs {
		if ctx.Err() != nil {
			m.Interrupted = true
			cs = cs[:i]
			break
		}
		send(ctx, &c2, ep, &cs[i])
		if cs[i].wantAccept {
			m.ControlOK = cs[i].Outcome == OutcomeOK
		}
		m.Counts[cs[i].Outcome]++
	}
	m.Cases = cs
	if !m.Interrupted && len(cs) > 0 {
		after := cs[0]
		after.Name, after.What = "valid-after", "the valid control again, after the malformed requests"
		send(ctx, &c2, ep, &after)
		m.AliveAfter = after.Outcome == OutcomeOK
		m.Cases = append(m.Cases, after)
		m.Counts[after.Outcome]++
	}
	return m, nil
}

// send posts one case and classifies the answer.
func send(ctx context.Context, cl *http.Client, ep Endpoint, c *Case) {
	rctx, cancel := context.WithTimeout(ctx, ep.RequestTimeout)
	defer cancel()
	method := ep.Method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(rctx, method, ep.URL, bytes.NewReader(c.body))
	if err != nil {
		c.Outcome, c.Detail = OutcomeOther, err.Error()
		return
	}
	for k, vs := range ep.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Content-Type", c.contentType)
	resp, err := cl.Do(req)
	if err != nil {
		c.Outcome, c.Detail = transportOutcome(rctx, ctx, err)
		return
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	c.Status = resp.StatusCode
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		switch {
		case c.wantAccept:
			c.Outcome = OutcomeOK
		case c.lenient:
			c.Outcome = OutcomeLenient
		default:
			c.Outcome = OutcomeAccepted
		}
	case code == http.StatusTooManyRequests:
		c.Outcome = OutcomeLimited
	case code >= 500:
		c.Outcome = OutcomeServer
	case code >= 400:
		c.Outcome = OutcomeRejected
	default:
		c.Outcome = OutcomeOther
	}
	c.Detail = resp.Status
}

func transportOutcome(rctx, ctx context.Context, err error) (string, string) {
	var ne net.Error
	switch {
	case ctx.Err() != nil:
		return OutcomeOther, "interrupted"
	case rctx.Err() != nil || errors.As(err, &ne) && ne.Timeout():
		return OutcomeTimeout, "no answer within the request timeout"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.EPIPE), strings.Contains(err.Error(), "connection reset"),
		strings.Contains(err.Error(), "server closed"), strings.Contains(err.Error(), "EOF"):
		return OutcomeCrash, "the connection was closed without an answer"
	}
	return OutcomeOther, err.Error()
}
