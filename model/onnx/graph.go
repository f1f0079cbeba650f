package onnx

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Limits bound what a model may ask of the interpreter, so that a hostile
// file is refused with an error instead of exhausting memory or time.
type Limits struct {
	// MaxFileBytes bounds the size of a model file.
	MaxFileBytes int64
	// MaxTensorElements bounds the number of elements of any tensor: an
	// initializer, an attribute list, or a value computed while running.
	MaxTensorElements int
	// MaxNodes bounds the number of nodes (and of initializers).
	MaxNodes int
	// MaxRank bounds the number of dimensions of any tensor.
	MaxRank int
	// MaxRunBytes bounds the memory of the buffers one run allocates.
	MaxRunBytes int64
}

// DefaultLimits returns the limits Load uses unless told otherwise: 1 GiB
// files, 2^26 elements per tensor, 100,000 nodes, rank 8 and 4 GiB of
// buffers per run.
func DefaultLimits() Limits {
	return Limits{
		MaxFileBytes:      1 << 30,
		MaxTensorElements: 1 << 26,
		MaxNodes:          100_000,
		MaxRank:           8,
		MaxRunBytes:       4 << 30,
	}
}

func (l Limits) check() error {
	if l.MaxFileBytes <= 0 || l.MaxTensorElements <= 0 || l.MaxNodes <= 0 || l.MaxRank <= 0 || l.MaxRunBytes <= 0 {
		return errors.New("limits must all be positive")
	}
	if l.MaxTensorElements > math.MaxInt32 {
		return errors.New("MaxTensorElements must be at most 2^31-1")
	}
	return nil
}

// Supported opset ranges.
const (
	minOpsetAI = 1
	maxOpsetAI = 27
	minOpsetML = 1
	maxOpsetML = 3
	domainML   = "ai.onnx.ml"
)

// value is one named tensor of the graph.
type value struct {
	name     string
	typ      *typeProto // declared type, when the graph declares one
	konst    *tensor    // the value of a constant (initializer or folded)
	feed     bool       // a graph input that is not an initializer
	producer int        // index of the producing node, -1 if none
}

// node is one operator application.
type node struct {
	op, domain, name string
	version          int
	in, out          []int // value indices; -1 marks an absent optional one
	k                kernel
	proto            *nodeProto // dropped once the kernel is made
	types            typeSet    // opDef.types
	// capt are the outer values the node's subgraphs use (If, Loop, Scan):
	// inputs of the node for ordering, folding and running, fed to the
	// subgraphs after their declared inputs.
	capt      []int
	captNames []string
}

// deps returns the values the node reads: its inputs and captured values.
func (n *node) deps() []int {
	if len(n.capt) == 0 {
		return n.in
	}
	return append(slices.Clone(n.in), n.capt...)
}

func (n *node) String() string {
	if n.name != "" {
		return fmt.Sprintf("%s (node %q)", n.op, n.name)
	}
	return n.op
}

// kernel runs one node.
type kernel interface {
	run(r *runner, n *node) error
}

// backwarder is implemented by kernels of differentiable operators: it adds
// the vector-Jacobian products of the node's output gradients to the
// gradients of its inputs.
type backwarder interface {
	backward(r *runner, n *node) error
}

// preparer is implemented by kernels that precompute something from their
// constant inputs (packed weights, folded batch-norm parameters).
type preparer interface {
	prepare(g *graph, n *node) error
}

// graph is a decoded, validated, topologically sorted model graph.
type graph struct {
	name     string
	values   []*value
	byName   map[string]int
	nodes    []*node
	inputs   []int // feedable graph inputs, in declaration order
	outputs  []int
	opsets   map[string]int
	lim      Limits
	producer string
	meta     map[string]string
	nFormal  int // a subgraph's declared inputs (the rest of inputs are captured values)
}

// compile decodes and validates a model.
func compile(data []byte, lim Limits) (g *graph, err error) {
	defer recoverInternal(&err)
	if err := lim.check(); err != nil {
		return nil, err
	}
	if int64(len(data)) > lim.MaxFileBytes {
		return nil, fmt.Errorf("model is %d bytes, more than the limit of %d", len(data), lim.MaxFileBytes)
	}
	d := decoder{lim: lim}
	m, err := d.model(data)
	if err != nil {
		return nil, fmt.Errorf("decode model: %w", err)
	}
	g = &graph{
		name:     m.graph.name,
		byName:   map[string]int{},
		opsets:   map[string]int{},
		lim:      lim,
		producer: strings.TrimSpace(m.producer + " " + m.producerVer),
		meta:     m.metadata,
	}
	if err := g.setOpsets(m.opsets); err != nil {
		return nil, err
	}
	if err := g.compileGraph(m.graph, nil); err != nil {
		return nil, err
	}
	return g, nil
}

// compileSub compiles a subgraph attribute; capt names the outer values it
// uses, which become inputs after its declared ones.
func compileSub(gp *graphProto, capt []string, opsets map[string]int, lim Limits) (*graph, error) {
	g := &graph{name: gp.name, byName: map[string]int{}, opsets: opsets, lim: lim}
	if err := g.compileGraph(gp, capt); err != nil {
		return nil, fmt.Errorf("subgraph %q: %w", gp.name, err)
	}
	return g, nil
}

func (g *graph) compileGraph(gp *graphProto, capt []string) error {
	if err := g.build(gp, capt); err != nil {
		return err
	}
	if err := g.sort(); err != nil {
		return err
	}
	for _, n := range g.nodes {
		if err := g.makeKernel(n); err != nil {
			return err
		}
		n.proto = nil
	}
	if err := g.fold(); err != nil {
		return err
	}
	if err := g.fuse(); err != nil {
		return err
	}
	for _, n := range g.nodes {
		if p, ok := n.k.(preparer); ok {
			if err := p.prepare(g, n); err != nil {
				return fmt.Errorf("%v: %w", n, err)
			}
		}
	}
	return nil
}

// freeNames returns the names a graph uses (node inputs, its outputs and
// the free names of its subgraphs) without defining them (as inputs,
// initializers or node outputs), in order of first use: the values it
// takes from the enclosing graph.
func freeNames(gp *graphProto) []string {
	def := map[string]bool{}
	for _, t := range gp.initializers {
		def[t.name] = true
	}
	for _, v := range gp.inputs {
		def[v.name] = true
	}
	for _, n := range gp.nodes {
		for _, o := range n.outputs {
			def[o] = true
		}
	}
	seen := map[string]bool{}
	var out []string
	use := func(s string) {
		if s != "" && !def[s] && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, n := range gp.nodes {
		for _, s := range n.inputs {
			use(s)
		}
		for _, s := range subgraphFree(n) {
			use(s)
		}
	}
	for _, v := range gp.outputs {
		use(v.name)
	}
	return out
}

// subgraphFree returns the free names of a node's subgraph attributes.
func subgraphFree(n *nodeProto) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range n.attrs {
		if a.g == nil {
			continue
		}
		for _, s := range freeNames(a.g) {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

func (g *graph) setOpsets(ops []opsetID) error {
	for _, o := range ops {
		dom := o.domain
		if dom == "ai.onnx" {
			dom = ""
		}
		if o.version < 1 || o.version > math.MaxInt32 {
			return fmt.Errorf("opset %q version %d is invalid", o.domain, o.version)
		}
		if _, dup := g.opsets[dom]; dup {
			return fmt.Errorf("opset %q imported twice", o.domain)
		}
		g.opsets[dom] = int(o.version)
	}
	if v, ok := g.opsets[""]; ok && (v < minOpsetAI || v > maxOpsetAI) {
		return fmt.Errorf("ai.onnx opset %d is not supported (supported: %d to %d)", v, minOpsetAI, maxOpsetAI)
	}
	if v, ok := g.opsets[domainML]; ok && (v < minOpsetML || v > maxOpsetML) {
		return fmt.Errorf("ai.onnx.ml opset %d is not supported (supported: %d to %d)", v, minOpsetML, maxOpsetML)
	}
	return nil
}

func (g *graph) addValue(name string) int {
	if i, ok := g.byName[name]; ok {
		return i
	}
	g.values = append(g.values, &value{name: name, producer: -1})
	g.byName[name] = len(g.values) - 1
	return len(g.values) - 1
}

func (g *graph) build(gp *graphProto, capt []string) error {
	if gp.sparseInits > 0 {
		return errors.New("sparse initializers are not supported")
	}
	budget := g.lim.MaxTensorElements * 4 // all initializers together
	for _, tp := range gp.initializers {
		if tp.name == "" {
			return errors.New("initializer without a name")
		}
		if _, dup := g.byName[tp.name]; dup {
			return fmt.Errorf("initializer %q defined twice", tp.name)
		}
		t, err := fromProto(tp, g.lim.MaxTensorElements, g.lim.MaxRank)
		if err != nil {
			return fmt.Errorf("initializer %q: %w", tp.name, err)
		}
		if budget -= t.size(); budget < 0 {
			return fmt.Errorf("initializers hold more than %d elements", g.lim.MaxTensorElements*4)
		}
		g.values[g.addValue(tp.name)].konst = t
	}
	for _, in := range gp.inputs {
		if in.name == "" {
			return errors.New("graph input without a name")
		}
		v := g.values[g.addValue(in.name)]
		v.typ = in.typ
		if v.konst != nil {
			continue // an initializer listed as an input: a constant here
		}
		if v.feed {
			return fmt.Errorf("graph input %q declared twice", in.name)
		}
		v.feed = true
		g.inputs = append(g.inputs, g.byName[in.name])
	}
	g.nFormal = len(g.inputs)
	for _, name := range capt {
		i := g.addValue(name)
		if v := g.values[i]; !v.feed && v.konst == nil {
			v.feed = true
			g.inputs = append(g.inputs, i)
		}
	}
	for _, n := range gp.nodes {
		nd := &node{op: n.opType, domain: n.domain, name: n.name, proto: n}
		if nd.domain == "ai.onnx" {
			nd.domain = ""
		}
		for _, s := range n.inputs {
			if s == "" {
				nd.in = append(nd.in, -1)
				continue
			}
			nd.in = append(nd.in, g.addValue(s))
		}
		for _, s := range subgraphFree(n) {
			nd.capt = append(nd.capt, g.addValue(s))
			nd.captNames = append(nd.captNames, s)
		}
		for _, s := range n.outputs {
			if s == "" {
				nd.out = append(nd.out, -1)
				continue
			}
			i := g.addValue(s)
			v := g.values[i]
			if v.producer >= 0 || v.konst != nil || v.feed {
				return fmt.Errorf("%v: value %q is defined more than once", nd, s)
			}
			v.producer = len(g.nodes)
			nd.out = append(nd.out, i)
		}
		g.nodes = append(g.nodes, nd)
	}
	for _, out := range gp.outputs {
		i, ok := g.byName[out.name]
		if !ok {
			return fmt.Errorf("graph output %q is never computed", out.name)
		}
		if g.values[i].typ == nil {
			g.values[i].typ = out.typ
		}
		g.outputs = append(g.outputs, i)
	}
	if len(g.outputs) == 0 {
		return errors.New("graph has no outputs")
	}
	for _, n := range g.nodes {
		for _, i := range n.deps() {
			if i >= 0 && g.values[i].producer < 0 && g.values[i].konst == nil && !g.values[i].feed {
				return fmt.Errorf("%v: input %q is never defined", n, g.values[i].name)
			}
		}
	}
	return nil
}

// sort orders the nodes topologically (Kahn's algorithm, stable) and refuses
// cycles.
func (g *graph) sort() error {
	indeg := make([]int, len(g.nodes))
	users := make([][]int, len(g.values))
	for ni, n := range g.nodes {
		seen := map[int]bool{}
		for _, i := range n.deps() {
			if i < 0 || seen[i] {
				continue
			}
			seen[i] = true
			if g.values[i].producer >= 0 {
				indeg[ni]++
				users[i] = append(users[i], ni)
			}
		}
	}
	var ready []int
	for ni := range g.nodes {
		if indeg[ni] == 0 {
			ready = append(ready, ni)
		}
	}
	order := make([]int, 0, len(g.nodes))
	for len(ready) > 0 {
		slices.Sort(ready)
		ni := ready[0]
		ready = ready[1:]
		order = append(order, ni)
		for _, o := range g.nodes[ni].out {
			if o < 0 {
				continue
			}
			for _, u := range users[o] {
				if indeg[u]--; indeg[u] == 0 {
					ready = append(ready, u)
				}
			}
		}
	}
	if len(order) != len(g.nodes) {
		return fmt.Errorf("graph has a cycle (%d of %d nodes are on or after it)", len(g.nodes)-len(order), len(g.nodes))
	}
	nodes := make([]*node, len(order))
	for k, ni := range order {
		nodes[k] = g.nodes[ni]
	}
	g.nodes = nodes
	for k, n := range g.nodes {
		for _, o := range n.out {
			if o >= 0 {
				g.values[o].producer = k
			}
		}
	}
	return nil
}

func (g *graph) makeKernel(n *node) error {
	var table map[string]opDef
	dom := n.domain
	switch dom {
	case "":
		table = opsAI
	case domainML:
		table = opsML
	default:
		return fmt.Errorf("operator %s.%s is not supported (unknown domain)", dom, n.op)
	}
	def, ok := table[n.op]
	if !ok {
		if dom != "" {
			return fmt.Errorf("operator %s.%s is not supported", dom, n.op)
		}
		return fmt.Errorf("operator %s is not supported", n.op)
	}
	opset, ok := g.opsets[dom]
	if !ok {
		if dom == "" {
			return fmt.Errorf("%v: the model imports no ai.onnx opset", n)
		}
		return fmt.Errorf("%v: the model imports no %s opset", n, dom)
	}
	ver := 0
	for _, s := range def.since {
		if s <= opset {
			ver = s
		}
	}
	if ver == 0 {
		return fmt.Errorf("%v: operator does not exist in opset %d", n, opset)
	}
	if ver < def.min {
		return fmt.Errorf("%v: operator version %d (opset %d) is not supported; versions from %d are", n, ver, opset, def.min)
	}
	n.version = ver
	n.types = def.types
	a := newAttrs(n, n.proto, g.lim)
	a.g = g
	if a.err != nil {
		return a.err
	}
	if len(n.in) > def.maxIn || len(n.in) < def.minIn {
		return fmt.Errorf("%v: has %d inputs, want %d to %d", n, len(n.in), def.minIn, def.maxIn)
	}
	for k := range def.minIn {
		if n.in[k] < 0 {
			return fmt.Errorf("%v: required input %d is missing", n, k)
		}
	}
	if len(n.out) > def.maxOut || len(n.out) < 1 {
		return fmt.Errorf("%v: has %d outputs, want 1 to %d", n, len(n.out), def.maxOut)
	}
	k, err := def.make(a)
	if err == nil {
		err = a.err
	}
	if err != nil {
		return fmt.Errorf("%v: %w", n, err)
	}
	n.k = k
	return nil
}

// fold runs the nodes whose inputs are all constants once, at load time, and
// replaces them by their outputs.
func (g *graph) fold() error {
	r := newRunner(g, 1)
	var keep []*node
	for _, n := range g.nodes {
		all := true
		for _, i := range n.deps() {
			if i >= 0 && g.values[i].konst == nil {
				all = false
				break
			}
		}
		if !all {
			keep = append(keep, n)
			continue
		}
		if err := r.runNode(n); err != nil {
			return fmt.Errorf("%v: %w", n, err)
		}
		for _, o := range n.out {
			if o >= 0 {
				g.values[o].konst = r.vals[o].clone()
				g.values[o].producer = -1
			}
		}
	}
	g.nodes = keep
	for k, n := range g.nodes {
		for _, o := range n.out {
			if o >= 0 {
				g.values[o].producer = k
			}
		}
	}
	return nil
}

// konst returns the constant value of node input k, or nil.
func (g *graph) konst(n *node, k int) *tensor {
	if k >= len(n.in) || n.in[k] < 0 {
		return nil
	}
	if t := g.values[n.in[k]].konst; t != nil && t.isPlain() {
		return t
	}
	return nil // a sequence is never a constant operand of a tensor operator
}
