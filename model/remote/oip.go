package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure/model"
)

// OIP is a model.Target served over the Open Inference Protocol v2 REST API
// (KServe "v2", Triton, Seldon MLServer). It is safe for concurrent use.
type OIP struct {
	c       *client
	base    *url.URL
	model   string
	info    model.Info
	inDT    string // datatype of the input tensor
	infer   *url.URL
	outputs []string // all output names of the model
}

var _ model.Target = (*OIP)(nil)

// NewOIP connects to the model modelName served under baseURL (for example
// "https://host:8080", or "https://host/prefix"), checks that the server is
// ready (GET {base}/v2/health/ready) and reads the model's metadata (GET
// {base}/v2/models/{name}[/versions/{v}]) to describe the target. Neither
// call counts against the budget.
func NewOIP(ctx context.Context, baseURL, modelName string, opts ...Option) (*OIP, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if modelName == "" {
		return nil, errors.New("oip: empty model name")
	}
	base, err := parseBase(baseURL, cfg)
	if err != nil {
		return nil, fmt.Errorf("oip: %w", err)
	}
	base.Path = strings.TrimSuffix(base.Path, "/")
	base.RawPath = ""
	t := &OIP{c: newClient(cfg), base: base, model: modelName}
	if cfg.healthCheck {
		if _, err := t.c.do(ctx, "GET", t.endpoint("v2", "health", "ready"), nil, 0); err != nil {
			return nil, fmt.Errorf("oip: server not ready: %w", err)
		}
	}
	mp := []string{"v2", "models", modelName}
	if cfg.version != "" {
		mp = append(mp, "versions", cfg.version)
	}
	body, err := t.c.do(ctx, "GET", t.endpoint(mp...), nil, 0)
	if err != nil {
		return nil, fmt.Errorf("oip: model metadata: %w", err)
	}
	md, err := decodeOIPMetadata(body)
	if err != nil {
		return nil, fmt.Errorf("oip: model metadata: %w", err)
	}
	if err := t.describe(md, cfg); err != nil {
		return nil, fmt.Errorf("oip: model %q: %w", modelName, err)
	}
	t.infer = t.endpoint(append(mp, "infer")...)
	return t, nil
}

// endpoint joins escaped path segments to the base URL.
func (t *OIP) endpoint(segs ...string) *url.URL {
	u := *t.base
	var raw strings.Builder
	raw.WriteString(t.base.EscapedPath())
	for _, s := range segs {
		raw.WriteByte('/')
		raw.WriteString(url.PathEscape(s))
	}
	u.RawPath = raw.String()
	u.Path, _ = url.PathUnescape(u.RawPath)
	return &u
}

func (t *OIP) describe(md *oipMetadata, cfg *config) error {
	var in *oipMetaTensor
	switch {
	case cfg.input != "":
		for i := range md.Inputs {
			if md.Inputs[i].Name == cfg.input {
				in = &md.Inputs[i]
			}
		}
		if in == nil {
			return fmt.Errorf("no input named %q (inputs: %s)", cfg.input, metaNames(md.Inputs))
		}
	case len(md.Inputs) == 1:
		in = &md.Inputs[0]
	default:
		return fmt.Errorf("model has %d inputs (%s); name one", len(md.Inputs), metaNames(md.Inputs))
	}
	switch in.Datatype {
	case "FP32", "FP64", "FP16", "INT64", "INT32":
	default:
		return fmt.Errorf("input %q has datatype %q; supported: FP32, FP64, FP16, INT32, INT64", in.Name, in.Datatype)
	}
	var out *oipMetaTensor
	for i := range md.Outputs {
		o := &md.Outputs[i]
		t.outputs = append(t.outputs, o.Name)
		switch {
		case cfg.output != "" && o.Name == cfg.output:
			out = o
		case cfg.output == "" && out == nil && (o.Datatype == "FP32" || o.Datatype == "FP64"):
			out = o
		}
	}
	if out == nil && cfg.output == "" && len(md.Outputs) > 0 {
		out = &md.Outputs[0]
	}
	if out == nil {
		return fmt.Errorf("no output named %q (outputs: %s)", cfg.output, metaNames(md.Outputs))
	}
	if _, ok := oipDatatypes[out.Datatype]; !ok {
		return fmt.Errorf("output %q has unsupported datatype %q", out.Name, out.Datatype)
	}
	inShape := cfg.inShape
	if inShape == nil {
		if len(in.Shape) == 0 {
			return fmt.Errorf("input %q has no batch dimension in its metadata shape; set the sample shape", in.Name)
		}
		inShape = dims(in.Shape[1:])
		if in.Shape[0] == 1 {
			cfg.maxBatch = 1 // the model takes one sample at a time
		}
	}
	outShape := []int{}
	if len(out.Shape) > 0 {
		outShape = dims(out.Shape[1:])
	}
	name := cfg.name
	if name == "" {
		name = t.model
	}
	t.inDT = in.Datatype
	t.info = model.Info{
		Name: name, Kind: "oip", Input: in.Name, Output: out.Name,
		InputShape: inShape, OutputShape: outShape, Labels: cfg.labels,
	}
	return nil
}

func dims(s []int64) []int {
	out := make([]int, len(s))
	for i, d := range s {
		if d < 0 || d > math.MaxInt32 {
			d = -1
		}
		out[i] = int(d)
	}
	return out
}

func metaNames(ts []oipMetaTensor) string {
	var n []string
	for _, t := range ts {
		n = append(n, strconv.Quote(t.Name))
	}
	if len(n) == 0 {
		return "none"
	}
	return strings.Join(n, ", ")
}

// Info describes the target.
func (t *OIP) Info() model.Info {
	i := t.info
	i.InputShape = append([]int{}, i.InputShape...)
	i.OutputShape = append([]int{}, i.OutputShape...)
	i.Labels = append([]string(nil), i.Labels...)
	return i
}

// Outputs returns the names of all the model's outputs.
func (t *OIP) Outputs() []string { return append([]string(nil), t.outputs...) }

// Stats returns the target's traffic counts.
func (t *OIP) Stats() Stats { return t.c.stats() }

// Predict sends x in requests of at most MaxBatch samples and returns the
// chosen output for all rows, in order.
func (t *OIP) Predict(ctx context.Context, x *model.Tensor) (*model.Tensor, error) {
	out, err := t.c.predictChunks(ctx, x, t.info.InputShape, func(ctx context.Context, chunk *model.Tensor) (*model.Tensor, error) {
		body, err := encodeOIPRequest(t.info.Input, t.inDT, t.info.Output, chunk)
		if err != nil {
			return nil, err
		}
		resp, err := t.c.do(ctx, "POST", t.infer, body, chunk.Batch())
		if err != nil {
			return nil, err
		}
		return decodeOIPResponse(resp, t.info.Output, chunk.Batch())
	})
	if err != nil {
		return nil, fmt.Errorf("oip %s: %w", t.info.Name, err)
	}
	if err := checkOutShape(out, t.info.OutputShape); err != nil {
		return nil, fmt.Errorf("oip %s: %w", t.info.Name, err)
	}
	return out, nil
}

// checkOutShape compares a batch output with the declared sample shape.
func checkOutShape(out *model.Tensor, want []int) error {
	got := out.Shape[1:]
	ok := len(got) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = want[i] < 0 || want[i] == got[i]
	}
	if !ok {
		return fmt.Errorf("%w: output rows have shape %v, metadata says [%s]", ErrBadResponse, got, fmtDims(want))
	}
	return nil
}

// oipDatatypes lists the output datatypes decoded, with whether they are
// integers.
var oipDatatypes = map[string]bool{
	"FP16": false, "FP32": false, "FP64": false, "BF16": false,
	"INT8": true, "INT16": true, "INT32": true, "INT64": true,
	"UINT8": true, "UINT16": true, "UINT32": true, "UINT64": true,
	"BOOL": true,
}

type oipMetaTensor struct {
	Name     string  `json:"name"`
	Datatype string  `json:"datatype"`
	Shape    []int64 `json:"shape"`
}

type oipMetadata struct {
	Name     string          `json:"name"`
	Versions []string        `json:"versions"`
	Platform string          `json:"platform"`
	Inputs   []oipMetaTensor `json:"inputs"`
	Outputs  []oipMetaTensor `json:"outputs"`
}

func decodeOIPMetadata(body []byte) (*oipMetadata, error) {
	var md oipMetadata
	if err := json.Unmarshal(body, &md); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	if len(md.Inputs) == 0 || len(md.Outputs) == 0 {
		return nil, fmt.Errorf("%w: metadata lists %d inputs and %d outputs", ErrBadResponse, len(md.Inputs), len(md.Outputs))
	}
	if len(md.Inputs)+len(md.Outputs) > 1024 {
		return nil, fmt.Errorf("%w: metadata lists %d tensors", ErrBadResponse, len(md.Inputs)+len(md.Outputs))
	}
	for _, t := range append(append([]oipMetaTensor{}, md.Inputs...), md.Outputs...) {
		if len(t.Shape) > 16 {
			return nil, fmt.Errorf("%w: tensor %q has rank %d", ErrBadResponse, sanitize(t.Name), len(t.Shape))
		}
	}
	return &md, nil
}

// encodeOIPRequest writes an inference request for one input and one
// requested output.
func encodeOIPRequest(input, datatype, output string, x *model.Tensor) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(64 + 12*len(x.Data))
	name, _ := json.Marshal(input)
	b.WriteString(`{"inputs":[{"name":`)
	b.Write(name)
	b.WriteString(`,"shape":[`)
	for i, d := range x.Shape {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(d))
	}
	b.WriteString(`],"datatype":`)
	dt, _ := json.Marshal(datatype)
	b.Write(dt)
	b.WriteString(`,"data":[`)
	integer := datatype == "INT64" || datatype == "INT32"
	buf := make([]byte, 0, 32)
	for i, v := range x.Data {
		if i > 0 {
			b.WriteByte(',')
		}
		if integer {
			if v != float32(math.Trunc(float64(v))) || math.Abs(float64(v)) > 1<<31 && datatype == "INT32" {
				return nil, fmt.Errorf("input element %d is %v, not an integer that %s can carry", i, v, datatype)
			}
			buf = strconv.AppendInt(buf[:0], int64(v), 10)
		} else {
			buf = strconv.AppendFloat(buf[:0], float64(v), 'g', -1, 32)
		}
		b.Write(buf)
	}
	b.WriteString(`]}]`)
	if output != "" {
		on, _ := json.Marshal(output)
		b.WriteString(`,"outputs":[{"name":`)
		b.Write(on)
		b.WriteString(`}]`)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

type oipTensor struct {
	Name       string          `json:"name"`
	Shape      []int64         `json:"shape"`
	Datatype   string          `json:"datatype"`
	Data       json.RawMessage `json:"data"`
	Parameters json.RawMessage `json:"parameters"`
}

type oipResponse struct {
	Outputs []oipTensor `json:"outputs"`
	Error   string      `json:"error"`
}

// decodeOIPResponse returns the output named want (or the only output when
// want is empty) as a float32 tensor whose first dimension must be batch.
func decodeOIPResponse(body []byte, want string, batch int) (*model.Tensor, error) {
	var r oipResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	if r.Error != "" {
		return nil, fmt.Errorf("%w: server error: %s", ErrBadResponse, sanitize(r.Error))
	}
	var o *oipTensor
	for i := range r.Outputs {
		if r.Outputs[i].Name == want || want == "" && len(r.Outputs) == 1 {
			o = &r.Outputs[i]
			break
		}
	}
	if o == nil {
		names := make([]string, 0, len(r.Outputs))
		for _, t := range r.Outputs {
			names = append(names, strconv.Quote(sanitize(t.Name)))
		}
		return nil, fmt.Errorf("%w: no output %q in response (outputs: [%s])", ErrBadResponse, want, strings.Join(names, ", "))
	}
	integer, ok := oipDatatypes[o.Datatype]
	if !ok {
		return nil, fmt.Errorf("%w: output %q has unsupported datatype %q", ErrBadResponse, want, sanitize(o.Datatype))
	}
	if len(o.Shape) == 0 || len(o.Shape) > 16 {
		return nil, fmt.Errorf("%w: output %q has shape %v; need a batch dimension", ErrBadResponse, want, o.Shape)
	}
	shape := make([]int, len(o.Shape))
	for i, d := range o.Shape {
		if d < 0 || d > math.MaxInt32 {
			return nil, fmt.Errorf("%w: output %q has dimension %d", ErrBadResponse, want, d)
		}
		shape[i] = int(d)
	}
	if shape[0] != batch {
		return nil, fmt.Errorf("%w: output %q has batch %d for %d samples", ErrBadResponse, want, shape[0], batch)
	}
	n, err := model.NumElements(shape)
	if err != nil {
		return nil, fmt.Errorf("%w: output %q: %v", ErrBadResponse, want, err)
	}
	if len(o.Data) == 0 || string(o.Data) == "null" {
		return nil, fmt.Errorf("%w: output %q has no data (the binary data extension is not supported)", ErrBadResponse, want)
	}
	data, err := flattenNumbers(o.Data, n, o.Datatype, integer)
	if err != nil {
		return nil, fmt.Errorf("%w: output %q: %v", ErrBadResponse, want, err)
	}
	return &model.Tensor{Shape: shape, Data: data}, nil
}

// maxDepth bounds the nesting of a tensor's data arrays.
const maxDepth = 32

// flattenNumbers reads a JSON array of numbers, flat or nested (row-major),
// of exactly n elements, converting them from datatype to float32.
func flattenNumbers(raw []byte, n int, datatype string, integer bool) ([]float32, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	out := make([]float32, 0, min(n, len(raw)/2+1))
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '[':
				if depth++; depth > maxDepth {
					return nil, fmt.Errorf("data nested deeper than %d", maxDepth)
				}
			case ']':
				depth--
			default:
				return nil, errors.New("data holds an object")
			}
			continue
		case json.Number:
			if depth == 0 {
				return nil, errors.New("data is not an array")
			}
			if len(out) == n {
				return nil, fmt.Errorf("data has more than the %d elements its shape needs", n)
			}
			f, err := convertNumber(v, datatype, integer)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", len(out), err)
			}
			out = append(out, f)
		case bool:
			if datatype != "BOOL" || depth == 0 {
				return nil, fmt.Errorf("element %d: boolean in %s data", len(out), datatype)
			}
			if len(out) == n {
				return nil, fmt.Errorf("data has more than the %d elements its shape needs", n)
			}
			out = append(out, map[bool]float32{false: 0, true: 1}[v])
		default:
			return nil, fmt.Errorf("element %d: %s in numeric data", len(out), typeName(tok))
		}
	}
	if depth != 0 {
		return nil, errors.New("unbalanced brackets")
	}
	if len(out) != n {
		return nil, fmt.Errorf("data has %d elements, its shape needs %d", len(out), n)
	}
	return out, nil
}

func convertNumber(v json.Number, datatype string, integer bool) (float32, error) {
	s := string(v)
	if datatype == "BOOL" {
		switch s {
		case "0":
			return 0, nil
		case "1":
			return 1, nil
		}
		return 0, fmt.Errorf("%s is not a boolean", s)
	}
	if integer {
		if strings.HasPrefix(datatype, "UINT") {
			u, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%.40s is not a %s", s, datatype)
			}
			return float32(u), nil
		}
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%.40s is not an %s", s, datatype)
		}
		return float32(i), nil
	}
	// Parsing at 32 bits rounds the decimal once, to the nearest float32.
	return parseFloat32(s)
}
