package onnx

import (
	"fmt"
	"math"
)

// opDef describes one operator: the opset versions at which it changed, the
// oldest version implemented, its arity, and how to make its kernel.
type opDef struct {
	since        []int
	min          int
	minIn, maxIn int
	maxOut       int
	grad         bool    // the kernel implements backwarder
	types        typeSet // the types beyond FLOAT, integers and BOOL its kernel handles
	make         func(a *attrs) (kernel, error)
}

// attrs reads a node's attributes. The first error is kept in err, so that
// kernels read all they need and check once.
type attrs struct {
	n   *node
	m   map[string]*attrProto
	lim Limits
	err error
	g   *graph // the graph of the node (for subgraph attributes)
}

func newAttrs(n *node, p *nodeProto, lim Limits) *attrs {
	a := &attrs{n: n, m: map[string]*attrProto{}, lim: lim}
	if p == nil {
		return a
	}
	for _, at := range p.attrs {
		if at.refName != "" {
			a.fail("attribute %q refers to a function attribute", at.name)
			continue
		}
		if _, dup := a.m[at.name]; dup {
			a.fail("attribute %q given twice", at.name)
			continue
		}
		a.m[at.name] = at
	}
	return a
}

func (a *attrs) fail(format string, args ...any) {
	if a.err == nil {
		a.err = fmt.Errorf("%v: "+format, append([]any{a.n}, args...)...)
	}
}

func (a *attrs) version() int { return a.n.version }

func (a *attrs) has(name string) bool { _, ok := a.m[name]; return ok }

// get returns the attribute with the given name if it has type typ.
func (a *attrs) get(name string, typ int64) *attrProto {
	at, ok := a.m[name]
	if !ok {
		return nil
	}
	if at.other > 0 {
		a.fail("attribute %q holds a list of graphs or a sparse tensor, which is not supported", name)
		return nil
	}
	if at.g != nil && typ != attrGraph {
		a.fail("attribute %q holds a graph", name)
		return nil
	}
	if at.typ != 0 && at.typ != typ {
		a.fail("attribute %q has type %d, want %d", name, at.typ, typ)
		return nil
	}
	return at
}

func (a *attrs) int(name string, def int64) int64 {
	if at := a.get(name, attrInt); at != nil {
		return at.i
	}
	return def
}

// intIn reads an integer attribute that must lie in [lo, hi].
func (a *attrs) intIn(name string, def, lo, hi int64) int {
	v := a.int(name, def)
	if v < lo || v > hi {
		a.fail("attribute %s=%d out of range [%d, %d]", name, v, lo, hi)
		return int(def)
	}
	return int(v)
}

func (a *attrs) ints(name string) ([]int64, bool) {
	if at := a.get(name, attrInts); at != nil {
		return at.ints, true
	}
	return nil, false
}

// dims reads a list of small non-negative or positive integers (kernel
// shapes, strides, pads) bounded by the tensor element limit.
func (a *attrs) dims(name string, lo int64) ([]int, bool) {
	v, ok := a.ints(name)
	if !ok {
		return nil, false
	}
	if len(v) > 2*a.lim.MaxRank {
		a.fail("attribute %q has %d values, more than %d", name, len(v), 2*a.lim.MaxRank)
		return nil, false
	}
	out := make([]int, len(v))
	for i, x := range v {
		if x < lo || x > int64(a.lim.MaxTensorElements) {
			a.fail("attribute %q value %d out of range", name, x)
			return nil, false
		}
		out[i] = int(x)
	}
	return out, true
}

func (a *attrs) float(name string, def float32) float32 {
	if at := a.get(name, attrFloat); at != nil {
		return at.f
	}
	return def
}

// finite reads a float attribute that must be finite.
func (a *attrs) finite(name string, def float32) float32 {
	v := a.float(name, def)
	if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
		a.fail("attribute %q is not finite", name)
		return def
	}
	return v
}

func (a *attrs) floats(name string) ([]float32, bool) {
	if at := a.get(name, attrFloats); at != nil {
		return at.floats, true
	}
	return nil, false
}

func (a *attrs) str(name, def string) string {
	if at := a.get(name, attrString); at != nil {
		return string(at.s)
	}
	return def
}

func (a *attrs) strs(name string) ([]string, bool) {
	at := a.get(name, attrStrings)
	if at == nil {
		return nil, false
	}
	out := make([]string, len(at.strings))
	for i, s := range at.strings {
		out[i] = string(s)
	}
	return out, true
}

// graph returns a required subgraph attribute.
func (a *attrs) graph(name string) *graphProto {
	at := a.get(name, attrGraph)
	if at == nil || at.g == nil {
		a.fail("missing graph attribute %q", name)
		return nil
	}
	return at.g
}

func (a *attrs) tensor(name string) (*tensorProto, bool) {
	if at := a.get(name, attrTensor); at != nil && at.t != nil {
		return at.t, true
	}
	return nil, false
}
