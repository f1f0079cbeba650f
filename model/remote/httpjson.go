package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/aiassure/aiassure/model"
)

// Mapping describes how a generic JSON endpoint takes a batch and returns its
// answers. Paths use the syntax of ParsePath.
type Mapping struct {
	// Method is the HTTP method (default POST).
	Method string `json:"method,omitempty" yaml:"method,omitempty"`
	// Request is the JSON template of a request body (default {}). The batch
	// is put at InputPath in a fresh copy for each request.
	Request string `json:"request,omitempty" yaml:"request,omitempty"`
	// InputPath is where the batch goes (default "instances"); no wildcard.
	InputPath string `json:"input_path,omitempty" yaml:"input_path,omitempty"`
	// InputLayout is how a sample is written: "rows" (default: a flat array
	// of numbers), "nested" (arrays nested by InputShape) or "objects" (an
	// object whose members are named by Features).
	InputLayout string `json:"input_layout,omitempty" yaml:"input_layout,omitempty"`
	// Features names the members of a sample in the "objects" layout, in the
	// order of the sample's elements.
	Features []string `json:"features,omitempty" yaml:"features,omitempty"`
	// Single sends one sample per request: InputPath receives the sample
	// itself, and OutputPath or LabelPath name that sample's answer.
	Single bool `json:"single,omitempty" yaml:"single,omitempty"`
	// OutputPath names the scores: an array with one entry per sample (with
	// Single, the entry itself). An entry is a number (output shape [1]), an
	// array of numbers (nested arrays are flattened), or an object whose
	// members are read in the order of Labels.
	OutputPath string `json:"output_path,omitempty" yaml:"output_path,omitempty"`
	// LabelPath, instead of OutputPath, names predicted labels (strings
	// looked up in Labels, or integer class indices); the target returns
	// them one-hot over Labels, for decision-based attacks.
	LabelPath string `json:"label_path,omitempty" yaml:"label_path,omitempty"`
	// InputShape is the shape of one sample, without the batch dimension
	// (required; WithInputShape overrides it).
	InputShape []int `json:"input_shape,omitempty" yaml:"input_shape,omitempty"`
	// OutputShape, when set, is checked against every answer.
	OutputShape []int `json:"output_shape,omitempty" yaml:"output_shape,omitempty"`
	// Labels names the classes (required with LabelPath and for object
	// entries; WithLabels overrides it).
	Labels []string `json:"labels,omitempty" yaml:"labels,omitempty"`
	// Headers are extra request headers. They must not carry credentials:
	// use WithBearerTokenEnv or WithHeaderEnv, which keep them out of logs.
	Headers map[string]string `json:"headers,omitempty" yaml:"headers,omitempty"`
}

// JSON is a model.Target for a generic JSON HTTP endpoint described by a
// Mapping. It is safe for concurrent use.
type JSON struct {
	c      *client
	u      *url.URL
	m      Mapping
	tmpl   []byte
	in     Path
	out    Path
	labels bool
	info   model.Info
}

var _ model.Target = (*JSON)(nil)

// NewJSON returns a target that posts batches to endpoint as m describes. It
// makes no request.
func NewJSON(endpoint string, m Mapping, opts ...Option) (*JSON, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if cfg.version != "" || cfg.input != "" || cfg.output != "" {
		return nil, errors.New("json endpoint: WithVersion, WithInput and WithOutput apply to OIP targets only")
	}
	u, err := parseBase(endpoint, cfg)
	if err != nil {
		return nil, fmt.Errorf("json endpoint: %w", err)
	}
	t := &JSON{u: u, m: m}
	if err := t.setup(cfg); err != nil {
		return nil, fmt.Errorf("json endpoint: %w", err)
	}
	if m.Single {
		cfg.maxBatch = 1
	}
	t.c = newClient(cfg)
	t.c.extra = m.Headers
	return t, nil
}

func (t *JSON) setup(cfg *config) error {
	m := &t.m
	if m.Method == "" {
		m.Method = http.MethodPost
	}
	if m.Method != http.MethodPost && m.Method != http.MethodPut {
		return fmt.Errorf("method %q: use POST or PUT", m.Method)
	}
	if m.Request == "" {
		m.Request = "{}"
	}
	var doc any
	if err := json.Unmarshal([]byte(m.Request), &doc); err != nil {
		return fmt.Errorf("request template: %w", err)
	}
	t.tmpl = []byte(m.Request)
	if m.InputPath == "" && !m.Single {
		m.InputPath = "instances"
	}
	var err error
	if t.in, err = ParsePath(m.InputPath); err != nil {
		return fmt.Errorf("input path: %w", err)
	}
	if _, err := t.in.Set(doc, []any{}); err != nil {
		return fmt.Errorf("input path does not fit the request template: %w", err)
	}
	switch {
	case m.OutputPath != "" && m.LabelPath != "":
		return errors.New("set either an output path or a label path, not both")
	case m.OutputPath == "" && m.LabelPath == "":
		return errors.New("set an output path (scores) or a label path (labels)")
	case m.LabelPath != "":
		t.labels = true
		t.out, err = ParsePath(m.LabelPath)
	default:
		t.out, err = ParsePath(m.OutputPath)
	}
	if err != nil {
		return fmt.Errorf("output path: %w", err)
	}
	if cfg.labels != nil {
		m.Labels = cfg.labels
	}
	if cfg.inShape != nil {
		m.InputShape = cfg.inShape
	}
	if len(m.InputShape) == 0 {
		return errors.New("the sample input shape is required")
	}
	for _, d := range m.InputShape {
		if d == 0 || d < -1 {
			return fmt.Errorf("input shape %v: dimensions must be positive or -1", m.InputShape)
		}
	}
	if _, err := model.NumElements(absDims(m.InputShape)); err != nil {
		return fmt.Errorf("input shape: %w", err)
	}
	switch m.InputLayout {
	case "", "rows":
		m.InputLayout = "rows"
	case "nested":
	case "objects":
		if n, _ := model.NumElements(absDims(m.InputShape)); slices.Contains(m.InputShape, -1) || n != len(m.Features) {
			return fmt.Errorf("objects layout: %d features named for input shape %v", len(m.Features), m.InputShape)
		}
	default:
		return fmt.Errorf("input layout %q: use rows, nested or objects", m.InputLayout)
	}
	if t.labels && len(m.Labels) == 0 {
		return errors.New("a label path needs the list of labels")
	}
	for k, v := range m.Headers {
		if !validHeaderName(k) || !validHeaderValue(v) {
			return fmt.Errorf("invalid header %q", k)
		}
		switch http.CanonicalHeaderKey(k) {
		case "Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key":
			return fmt.Errorf("header %q carries credentials: read it from the environment instead", k)
		}
	}
	name := cfg.name
	if name == "" {
		name = redactURL(t.u)
	}
	outShape := []int{-1}
	switch {
	case t.labels:
		outShape = []int{len(m.Labels)}
	case len(m.OutputShape) > 0:
		outShape = append([]int{}, m.OutputShape...)
	}
	t.info = model.Info{Name: name, Kind: "http", InputShape: append([]int{}, m.InputShape...), OutputShape: outShape, Labels: append([]string(nil), m.Labels...)}
	return nil
}

// Info describes the target.
func (t *JSON) Info() model.Info {
	i := t.info
	i.InputShape = append([]int{}, i.InputShape...)
	i.OutputShape = append([]int{}, i.OutputShape...)
	i.Labels = append([]string(nil), i.Labels...)
	return i
}

// Stats returns the target's traffic counts.
func (t *JSON) Stats() Stats { return t.c.stats() }

// Predict sends x as the mapping describes and returns the scores (or the
// one-hot labels) for all rows, in order.
func (t *JSON) Predict(ctx context.Context, x *model.Tensor) (*model.Tensor, error) {
	out, err := t.c.predictChunks(ctx, x, t.info.InputShape, func(ctx context.Context, chunk *model.Tensor) (*model.Tensor, error) {
		body, err := t.encode(chunk)
		if err != nil {
			return nil, err
		}
		resp, err := t.c.do(ctx, t.m.Method, t.u, body, chunk.Batch())
		if err != nil {
			return nil, err
		}
		return t.decode(resp, chunk.Batch())
	})
	if err != nil {
		return nil, fmt.Errorf("http %s: %w", t.info.Name, err)
	}
	if err := checkOutShape(out, t.info.OutputShape); err != nil {
		return nil, fmt.Errorf("http %s: %w", t.info.Name, err)
	}
	return out, nil
}

// EncodeRequest returns the body Predict would send for the batch x, after
// the same checks, and sends nothing: probe/availability builds malformed
// variants of a valid request from it.
func (t *JSON) EncodeRequest(x *model.Tensor) ([]byte, error) {
	if err := checkInput(x, t.info.InputShape); err != nil {
		return nil, fmt.Errorf("http %s: %w", t.info.Name, err)
	}
	return t.encode(x)
}

// encode builds a request body for a chunk.
func (t *JSON) encode(x *model.Tensor) ([]byte, error) {
	var doc any
	if err := json.Unmarshal(t.tmpl, &doc); err != nil {
		return nil, fmt.Errorf("request template: %w", err)
	}
	rows := make([]any, x.Batch())
	for i := range rows {
		r := x.Row(i)
		switch t.m.InputLayout {
		case "objects":
			o := make(map[string]any, len(r))
			for j, v := range r {
				o[t.m.Features[j]] = v
			}
			rows[i] = o
		case "nested":
			rows[i] = nest(r, x.Shape[1:])
		default:
			rows[i] = r
		}
	}
	var val any = rows
	if t.m.Single {
		val = rows[0]
	}
	doc, err := t.in.Set(doc, val)
	if err != nil {
		return nil, err
	}
	return json.Marshal(doc)
}

// nest arranges a flat row as nested arrays of the given shape.
func nest(r []float32, shape []int) any {
	if len(shape) <= 1 {
		return r
	}
	n := len(r) / max(shape[0], 1)
	out := make([]any, shape[0])
	for i := range out {
		out[i] = nest(r[i*n:(i+1)*n], shape[1:])
	}
	return out
}

// decode reads the answers for a chunk of batch samples from a response.
func (t *JSON) decode(body []byte, batch int) (*model.Tensor, error) {
	return decodeMapped(body, t.out, batch, t.m.Single, t.labels, t.m.Labels)
}

func decodeMapped(body []byte, p Path, batch int, single, labels bool, names []string) (*model.Tensor, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the JSON value", ErrBadResponse)
	}
	v, err := p.Get(doc)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadResponse, sanitize(err.Error()))
	}
	entries := []any{v}
	if !single {
		a, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%w: %s is %s, not an array of answers", ErrBadResponse, p, typeName(v))
		}
		entries = a
	}
	if len(entries) != batch {
		return nil, fmt.Errorf("%w: %d answers for %d samples", ErrBadResponse, len(entries), batch)
	}
	var data []float32
	width := -1
	for i, e := range entries {
		var row []float32
		if labels {
			row, err = oneHot(e, names)
		} else {
			row, err = scores(e, names)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: answer %d: %v", ErrBadResponse, i, err)
		}
		if width >= 0 && len(row) != width {
			return nil, fmt.Errorf("%w: answer %d has %d scores, answer 0 has %d", ErrBadResponse, i, len(row), width)
		}
		width = len(row)
		data = append(data, row...)
	}
	return &model.Tensor{Shape: []int{batch, width}, Data: data}, nil
}

// scores converts one answer: a number, an array of numbers (flattened), or
// an object read in the order of names.
func scores(e any, names []string) ([]float32, error) {
	switch v := e.(type) {
	case json.Number:
		f, err := num(v)
		return []float32{f}, err
	case []any:
		var out []float32
		var walk func(a []any, depth int) error
		walk = func(a []any, depth int) error {
			if depth > maxDepth {
				return fmt.Errorf("scores nested deeper than %d", maxDepth)
			}
			for _, x := range a {
				switch y := x.(type) {
				case json.Number:
					f, err := num(y)
					if err != nil {
						return err
					}
					out = append(out, f)
				case []any:
					if err := walk(y, depth+1); err != nil {
						return err
					}
				default:
					return fmt.Errorf("score is %s, not a number", typeName(x))
				}
			}
			return nil
		}
		if err := walk(v, 1); err != nil {
			return nil, err
		}
		if len(out) == 0 {
			return nil, errors.New("empty scores")
		}
		return out, nil
	case map[string]any:
		if len(names) == 0 {
			return nil, errors.New("scores are an object; name the labels to read them in order")
		}
		out := make([]float32, len(names))
		for i, n := range names {
			x, ok := v[n].(json.Number)
			if !ok {
				return nil, fmt.Errorf("score object has no number for label %q", n)
			}
			f, err := num(x)
			if err != nil {
				return nil, err
			}
			out[i] = f
		}
		return out, nil
	}
	return nil, fmt.Errorf("answer is %s, not scores", typeName(e))
}

// oneHot converts a predicted label (a string in names, or an integer index)
// into a one-hot row.
func oneHot(e any, names []string) ([]float32, error) {
	k := -1
	switch v := e.(type) {
	case string:
		k = slices.Index(names, v)
		if k < 0 {
			return nil, fmt.Errorf("label %q is not one of the %d labels", sanitize(v[:min(len(v), 100)]), len(names))
		}
	case json.Number:
		i, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || i < 0 || i >= int64(len(names)) {
			return nil, fmt.Errorf("label %.40s is not a class index in [0, %d)", string(v), len(names))
		}
		k = int(i)
	default:
		return nil, fmt.Errorf("label is %s, not a string or an integer", typeName(e))
	}
	row := make([]float32, len(names))
	row[k] = 1
	return row, nil
}

func num(v json.Number) (float32, error) { return parseFloat32(string(v)) }
