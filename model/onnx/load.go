// Package onnx runs ONNX models in pure Go and differentiates them.
//
// It decodes the ONNX protobuf format with a small hand-written decoder (no
// protobuf package is registered, so it coexists with any other ONNX
// library), validates and topologically sorts the graph, folds constants,
// and interprets it on float32, float64, FLOAT16/BFLOAT16, integer and
// string tensors. Load returns a *Model, a model.Differentiable target: Predict runs
// a batch, and Gradient returns the vector-Jacobian product of the chosen
// output with respect to the input by reverse-mode differentiation.
//
// Limits (see Limits) refuse hostile files (huge shapes, cycles, absurd
// attributes) with an error. docs/onnx.md lists the supported operators.
package onnx

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/aiassure/aiassure/internal/limitio"
	"github.com/aiassure/aiassure/model"
)

// Option configures Load and Parse.
type Option func(*config)

type config struct {
	lim     Limits
	threads int
	input   string
	output  string
	name    string
}

// WithLimits sets the limits (default DefaultLimits()).
func WithLimits(l Limits) Option { return func(c *config) { c.lim = l } }

// WithThreads sets how many goroutines heavy operators use (default
// GOMAXPROCS).
func WithThreads(n int) Option { return func(c *config) { c.threads = n } }

// WithInput names the graph input the target feeds (default: the only one).
func WithInput(name string) Option { return func(c *config) { c.input = name } }

// WithOutput names the graph output the target returns (default: the first
// float tensor output, such as the probabilities of a classifier).
func WithOutput(name string) Option { return func(c *config) { c.output = name } }

// WithName sets the name reported in Info (default: the file's base name).
func WithName(name string) Option { return func(c *config) { c.name = name } }

// Model is a loaded ONNX model. It implements model.Target,
// model.Differentiable and model.ValueGradienter, and is safe for concurrent
// use.
type Model struct {
	g       *graph
	in, out int // value indices of the fed input and the returned output
	inDT    dtype
	fixed   int // the batch size fixed by the model's input, 0 if dynamic
	info    model.Info
	threads int
	runners sync.Pool

	planMu  sync.Mutex
	planned bool
	need    []bool
	planErr error
}

var (
	_ model.Differentiable  = (*Model)(nil)
	_ model.ValueGradienter = (*Model)(nil)
)

// Load reads and compiles the model at path.
func Load(path string, opts ...Option) (*Model, error) {
	c := newConfig(opts)
	// The size is checked before anything is read: a file over the limit,
	// or a device such as /dev/zero, is refused at once.
	data, err := limitio.ReadFile(path, c.lim.MaxFileBytes)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	if c.name == "" {
		c.name = filepath.Base(path)
	}
	m, err := parse(data, c)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return m, nil
}

// Parse compiles a model from its bytes.
func Parse(data []byte, opts ...Option) (*Model, error) {
	return parse(data, newConfig(opts))
}

func newConfig(opts []Option) *config {
	c := &config{lim: DefaultLimits(), threads: runtime.GOMAXPROCS(0)}
	for _, o := range opts {
		o(c)
	}
	if c.threads < 1 {
		c.threads = 1
	}
	return c
}

func parse(data []byte, c *config) (*Model, error) {
	g, err := compile(data, c.lim)
	if err != nil {
		return nil, err
	}
	m := &Model{g: g, threads: c.threads}
	m.runners.New = func() any { return newRunner(g, m.threads) }
	if err := m.chooseInput(c.input); err != nil {
		return nil, err
	}
	if err := m.chooseOutput(c.output); err != nil {
		return nil, err
	}
	name := c.name
	if name == "" {
		name = g.name
	}
	m.info = model.Info{
		Name:       name,
		Kind:       "onnx",
		Input:      g.values[m.in].name,
		Output:     g.values[m.out].name,
		InputShape: m.sampleShape(m.in),
		Labels:     m.labels(),
	}
	m.info.OutputShape = m.sampleShape(m.out)
	if err := m.probe(); err != nil {
		return nil, err
	}
	m.info.Differentiable = m.plan() == nil
	return m, nil
}

func (m *Model) chooseInput(name string) error {
	g := m.g
	if name != "" {
		i, ok := g.byName[name]
		if !ok || !g.values[i].feed {
			return fmt.Errorf("model has no input %q", name)
		}
		if len(g.inputs) != 1 {
			return fmt.Errorf("model has %d inputs; a target feeds exactly one", len(g.inputs))
		}
		m.in = i
	} else {
		if len(g.inputs) != 1 {
			return fmt.Errorf("model has %d inputs; a target feeds exactly one", len(g.inputs))
		}
		m.in = g.inputs[0]
	}
	v := g.values[m.in]
	m.inDT = dtFloat
	if v.typ != nil {
		if v.typ.kind != typeTensor {
			return fmt.Errorf("input %q is a %s; a target feeds one tensor (sequences and optionals may only be used inside the model)", v.name, typeKindName(v.typ.kind))
		}
		if dt := dtype(v.typ.elemType); dt != dtUndefined {
			if !dt.supported() || dt == dtString {
				return fmt.Errorf("input %q has type %v, which is not supported", v.name, dt)
			}
			m.inDT = dt
		}
		if len(v.typ.dims) > 0 && v.typ.dims[0].hasValue && v.typ.dims[0].value > 0 {
			m.fixed = int(v.typ.dims[0].value)
		}
	}
	return nil
}

func (m *Model) chooseOutput(name string) error {
	g := m.g
	if name != "" {
		for _, o := range g.outputs {
			if g.values[o].name == name {
				m.out = o
				return m.checkOutputKind()
			}
		}
		return fmt.Errorf("model has no output %q", name)
	}
	m.out = g.outputs[0]
	// Else the first output that is not a sequence or optional.
	if i := slices.IndexFunc(g.outputs, func(o int) bool { return !g.values[o].typ.isSeqKind() }); i >= 0 {
		m.out = g.outputs[i]
	}
	for _, o := range g.outputs {
		t := g.values[o].typ
		if t != nil && t.kind == typeTensor && dtype(t.elemType).isFloat() {
			m.out = o
			return nil
		}
	}
	for _, o := range g.outputs {
		if p := g.values[o].producer; p >= 0 && g.nodes[p].op == "ZipMap" {
			m.out = o
			return nil
		}
	}
	return m.checkOutputKind()
}

// checkOutputKind refuses an output declared a sequence or optional (the
// target returns tensors), except ZipMap's, which the interpreter computes
// as a tensor.
func (m *Model) checkOutputKind() error {
	v := m.g.values[m.out]
	if !v.typ.isSeqKind() || v.producer >= 0 && m.g.nodes[v.producer].op == "ZipMap" {
		return nil
	}
	return fmt.Errorf("output %q is a %s; a target returns one tensor (sequences and optionals may only be used inside the model)", v.name, typeKindName(v.typ.kind))
}

// sampleShape returns the declared shape of value v without its first
// dimension (-1 for symbolic dimensions), or nil when none is declared.
func (m *Model) sampleShape(v int) []int {
	t := m.g.values[v].typ
	if t == nil || t.kind != typeTensor || !t.hasShape || len(t.dims) == 0 {
		return nil
	}
	out := make([]int, len(t.dims)-1)
	for i, d := range t.dims[1:] {
		out[i] = -1
		if d.hasValue && d.value >= 0 && d.value <= int64(m.g.lim.MaxTensorElements) {
			out[i] = int(d.value)
		}
	}
	return out
}

// labels returns the class labels of the classifier or ZipMap node that
// produces the output, if any.
func (m *Model) labels() []string {
	for _, n := range m.g.nodes {
		if l, ok := n.k.(labeler); ok {
			if s := l.labels(); len(s) > 0 {
				return s
			}
		}
	}
	return nil
}

// labeler is implemented by kernels that know class labels.
type labeler interface{ labels() []string }

// probe runs a batch of zeros (one sample, or the model's fixed batch) when the input's sample shape is
// fully known, to check that the model runs and to learn the output shape.
func (m *Model) probe() error {
	s := m.info.InputShape
	if s == nil || slices.Contains(s, -1) {
		return nil
	}
	x, err := model.Zeros(append([]int{max(m.fixed, 1)}, s...)...)
	if err != nil {
		return err
	}
	y, err := m.Predict(context.Background(), x)
	if err != nil {
		return fmt.Errorf("model fails on a zero input: %w", err)
	}
	if len(y.Shape) == 0 { // a scalar output, such as a reduced loss
		m.info.OutputShape = []int{}
		return nil
	}
	m.info.OutputShape = append([]int(nil), y.Shape[1:]...)
	return nil
}

// Info describes the model.
func (m *Model) Info() model.Info {
	i := m.info
	i.InputShape = slices.Clone(i.InputShape)
	i.OutputShape = slices.Clone(i.OutputShape)
	i.Labels = slices.Clone(i.Labels)
	return i
}

// Inputs returns the names of the graph's fed inputs; Outputs those of its
// outputs.
func (m *Model) Inputs() []string { return m.names(m.g.inputs) }

// Outputs returns the names of the graph's outputs.
func (m *Model) Outputs() []string { return m.names(m.g.outputs) }

func (m *Model) names(ids []int) []string {
	out := make([]string, len(ids))
	for i, v := range ids {
		out[i] = m.g.values[v].name
	}
	return out
}

// Producer returns the producer name and version recorded in the file.
func (m *Model) Producer() string { return m.g.producer }

// feed converts x into the input tensor.
func (m *Model) feed(x *model.Tensor) (*tensor, error) {
	if err := x.Validate(); err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	if len(x.Shape) == 0 {
		return nil, errors.New("input has no batch dimension")
	}
	if s := m.info.InputShape; s != nil {
		if len(x.Shape)-1 != len(s) {
			return nil, fmt.Errorf("input shape %v does not match the model's [batch %s]", x.Shape, fmtShape(s))
		}
		for i, d := range s {
			if d >= 0 && x.Shape[i+1] != d {
				return nil, fmt.Errorf("input shape %v does not match the model's [batch %s]", x.Shape, fmtShape(s))
			}
		}
	}
	// The target's tensors are float32: other input types are converted
	// here, exactly for DOUBLE, rounded for FLOAT16 and BFLOAT16, truncated
	// and wrapped for the integer types.
	t := &tensor{dt: m.inDT, shape: x.Shape}
	switch {
	case m.inDT == dtFloat:
		t.f = x.Data
	case m.inDT == dtDouble:
		t.d = make([]float64, len(x.Data))
		for i, v := range x.Data {
			t.d[i] = float64(v)
		}
	case m.inDT.inF():
		t.f = slices.Clone(x.Data)
		roundHalfs(m.inDT, t.f)
	default:
		t.i = make([]int64, len(x.Data))
		for i, v := range x.Data {
			t.i[i] = m.inDT.wrap(int64(v))
		}
	}
	return t, nil
}

func fmtShape(s []int) string {
	var b strings.Builder
	for _, d := range s {
		if d < 0 {
			b.WriteString(" ?")
		} else {
			fmt.Fprintf(&b, " %d", d)
		}
	}
	return b.String()
}

// chunks returns the batch slices [lo, hi) to run: the whole batch, or
// pieces of the model's fixed batch size.
func (m *Model) chunks(b int) ([][2]int, error) {
	if m.fixed == 0 || b == m.fixed {
		return [][2]int{{0, b}}, nil
	}
	if b%m.fixed != 0 {
		return nil, fmt.Errorf("the model's batch size is fixed at %d; %d rows do not divide into it", m.fixed, b)
	}
	var out [][2]int
	for lo := 0; lo < b; lo += m.fixed {
		out = append(out, [2]int{lo, lo + m.fixed})
	}
	return out, nil
}

// Predict runs the model on the batch x.
func (m *Model) Predict(ctx context.Context, x *model.Tensor) (*model.Tensor, error) {
	y, _, err := m.run(ctx, x, nil)
	return y, err
}

// Gradient returns d(sum(seed * Predict(x)))/dx.
func (m *Model) Gradient(ctx context.Context, x, seed *model.Tensor) (*model.Tensor, error) {
	if seed == nil {
		return nil, errors.New("nil seed")
	}
	_, g, err := m.run(ctx, x, func(*model.Tensor) (*model.Tensor, error) { return seed, nil })
	return g, err
}

// ValueAndGradient runs the model on x, computes the seed from the output and
// returns the output and d(sum(seed * output))/dx, with one forward pass.
func (m *Model) ValueAndGradient(ctx context.Context, x *model.Tensor, seed model.SeedFunc) (*model.Tensor, *model.Tensor, error) {
	if seed == nil {
		return nil, nil, errors.New("nil seed function")
	}
	return m.run(ctx, x, seed)
}

func (m *Model) run(ctx context.Context, x *model.Tensor, seedFn model.SeedFunc) (*model.Tensor, *model.Tensor, error) {
	if seedFn != nil {
		if err := m.plan(); err != nil {
			return nil, nil, err
		}
	}
	in, err := m.feed(x)
	if err != nil {
		return nil, nil, err
	}
	parts, err := m.chunks(x.Batch())
	if err != nil {
		return nil, nil, err
	}
	r := m.runners.Get().(*runner)
	defer func() {
		r.release()
		m.runners.Put(r)
	}()
	var y *model.Tensor
	for _, p := range parts {
		if err := r.forward(ctx, []*tensor{m.part(in, p, len(parts))}); err != nil {
			return nil, nil, err
		}
		if y, err = m.collect(r, m.out, y, x.Batch(), p, len(parts)); err != nil {
			return nil, nil, err
		}
	}
	if seedFn == nil {
		return y, nil, nil
	}
	seed, err := seedFn(y)
	if err != nil {
		return nil, nil, fmt.Errorf("seed: %w", err)
	}
	if seed == nil || seed.Validate() != nil || !model.SameShape(seed.Shape, y.Shape) {
		return nil, nil, fmt.Errorf("seed must have the output's shape %v", y.Shape)
	}
	gx := &model.Tensor{Shape: slices.Clone(x.Shape), Data: make([]float32, len(x.Data))}
	rowIn, rowOut := x.RowLen(), y.RowLen()
	for _, p := range parts {
		if len(parts) > 1 {
			// Fixed-batch models: run the chunk again to restore its
			// activations.
			if err := r.forward(ctx, []*tensor{m.part(in, p, len(parts))}); err != nil {
				return nil, nil, err
			}
		}
		sd, dst := seed.Data, gx.Data
		if len(parts) > 1 {
			sd, dst = sd[p[0]*rowOut:p[1]*rowOut], dst[p[0]*rowIn:p[1]*rowIn]
		}
		if err := r.backward(ctx, m.need, m.out, sd); err != nil {
			return nil, nil, err
		}
		if r.gset[m.in] {
			copy(dst, r.gbuf[m.in])
		}
	}
	return y, gx, nil
}

// part returns rows [p[0], p[1]) of the input.
func (m *Model) part(in *tensor, p [2]int, n int) *tensor {
	if n == 1 {
		return in
	}
	row := prod(in.shape[1:])
	t := &tensor{dt: in.dt, shape: append([]int{p[1] - p[0]}, in.shape[1:]...)}
	switch {
	case in.f != nil:
		t.f = in.f[p[0]*row : p[1]*row]
	case in.d != nil:
		t.d = in.d[p[0]*row : p[1]*row]
	default:
		t.i = in.i[p[0]*row : p[1]*row]
	}
	return t
}

// collect copies value v (the output) of the run of rows p into y
// (allocated on the first call).
func (m *Model) collect(r *runner, v int, y *model.Tensor, batch int, p [2]int, n int) (*model.Tensor, error) {
	out := r.vals[v]
	if !out.isPlain() {
		return nil, fmt.Errorf("value %q is a %s, which a target cannot return", m.g.values[v].name, out.kindName())
	}
	if out.dt == dtString {
		return nil, fmt.Errorf("%q is a STRING tensor, which a target cannot return", m.g.values[v].name)
	}
	if n > 1 && (out.rank() == 0 || out.shape[0] != p[1]-p[0]) {
		return nil, fmt.Errorf("output %v has no batch dimension", out.shape)
	}
	if y == nil {
		shape := slices.Clone(out.shape)
		if n > 1 {
			shape[0] = batch
		}
		var err error
		if y, err = model.Zeros(shape...); err != nil {
			return nil, err
		}
	}
	off := 0
	if n > 1 {
		off = p[0] * (out.size() / (p[1] - p[0]))
	}
	dst := y.Data[off : off+out.size()]
	// DOUBLE outputs are rounded to float32, the target's type.
	switch {
	case out.dt.inF():
		copy(dst, out.f)
	case out.dt == dtDouble:
		for i, v := range out.d {
			dst[i] = float32(v)
		}
	default:
		for i, v := range out.i {
			dst[i] = float32(v)
		}
	}
	return y, nil
}
