package onnx

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
)

// A small protobuf writer to build ONNX models in tests.

type pbw struct{ b []byte }

func (w *pbw) varint(v uint64) {
	for v >= 0x80 {
		w.b = append(w.b, byte(v)|0x80)
		v >>= 7
	}
	w.b = append(w.b, byte(v))
}

func (w *pbw) key(f, wt int) { w.varint(uint64(f)<<3 | uint64(wt)) }

func (w *pbw) int(f int, v int64) { w.key(f, wtVarint); w.varint(uint64(v)) }

func (w *pbw) bytes(f int, b []byte) {
	w.key(f, wtLen)
	w.varint(uint64(len(b)))
	w.b = append(w.b, b...)
}

func (w *pbw) str(f int, s string) { w.bytes(f, []byte(s)) }

func (w *pbw) float(f int, v float32) {
	w.key(f, wtI32)
	w.b = binary.LittleEndian.AppendUint32(w.b, math.Float32bits(v))
}

func (w *pbw) floats(f int, v []float32) {
	var p []byte
	for _, x := range v {
		p = binary.LittleEndian.AppendUint32(p, math.Float32bits(x))
	}
	w.bytes(f, p)
}

func (w *pbw) ints(f int, v []int64) {
	var p pbw
	for _, x := range v {
		p.varint(uint64(x))
	}
	w.bytes(f, p.b)
}

// tb is a test tensor: FLOAT when only f is set, INT64 with i (or the
// integer type dt, BOOL included), DOUBLE with d, STRING with s.
type tb struct {
	name  string
	dt    dtype
	shape []int
	f     []float32
	i     []int64
	d     []float64
	s     []string
}

func (t tb) encode() []byte {
	var w pbw
	dims := make([]int64, len(t.shape))
	for i, d := range t.shape {
		dims[i] = int64(d)
	}
	w.ints(1, dims)
	switch {
	case t.d != nil:
		w.int(2, int64(dtDouble))
		var p []byte
		for _, x := range t.d {
			p = binary.LittleEndian.AppendUint64(p, math.Float64bits(x))
		}
		w.bytes(10, p)
	case t.s != nil:
		w.int(2, int64(dtString))
		for _, s := range t.s {
			w.str(6, s)
		}
	case t.i != nil && t.dt != 0 && t.dt != dtInt64:
		w.int(2, int64(t.dt))
		w.ints(5, t.i)
	case t.i != nil:
		w.int(2, int64(dtInt64))
		w.ints(7, t.i)
	default:
		w.int(2, int64(dtFloat))
		w.floats(4, t.f)
	}
	if t.name != "" {
		w.str(8, t.name)
	}
	return w.b
}

// ab is a test attribute.
type ab struct {
	name   string
	typ    int64
	i      int64
	f      float32
	s      string
	ints   []int64
	floats []float32
	strs   []string
	t      *tb
	g      *mbuild // a subgraph (its nodes, initializers, inputs, outputs)
}

func aGraph(n string, g mbuild) ab { return ab{name: n, typ: attrGraph, g: &g} }

func aInt(n string, v int64) ab         { return ab{name: n, typ: attrInt, i: v} }
func aFloat(n string, v float32) ab     { return ab{name: n, typ: attrFloat, f: v} }
func aStr(n, v string) ab               { return ab{name: n, typ: attrString, s: v} }
func aInts(n string, v ...int64) ab     { return ab{name: n, typ: attrInts, ints: v} }
func aFloats(n string, v ...float32) ab { return ab{name: n, typ: attrFloats, floats: v} }
func aStrs(n string, v ...string) ab    { return ab{name: n, typ: attrStrings, strs: v} }

func (a ab) encode() []byte {
	var w pbw
	w.str(1, a.name)
	switch a.typ {
	case attrInt:
		w.int(3, a.i)
	case attrFloat:
		w.float(2, a.f)
	case attrString:
		w.str(4, a.s)
	case attrInts:
		w.ints(8, a.ints)
	case attrFloats:
		w.floats(7, a.floats)
	case attrStrings:
		for _, s := range a.strs {
			w.str(9, s)
		}
	case attrTensor:
		w.bytes(5, a.t.encode())
	case attrGraph:
		w.bytes(6, a.g.graphBytes())
	}
	w.int(20, a.typ)
	return w.b
}

type nb struct {
	op, domain string
	in, out    []string
	attrs      []ab
}

func (n nb) encode() []byte {
	var w pbw
	for _, s := range n.in {
		w.str(1, s)
	}
	for _, s := range n.out {
		w.str(2, s)
	}
	w.str(4, n.op)
	for _, a := range n.attrs {
		w.bytes(5, a.encode())
	}
	if n.domain != "" {
		w.str(7, n.domain)
	}
	return w.b
}

// vi describes a graph input or output: elem type and dims (-1 symbolic);
// kind typeSequence or typeOptional wraps that tensor type.
type vi struct {
	name string
	dt   dtype
	dims []int
	kind int
}

func (v vi) encode() []byte {
	var shape pbw
	for _, d := range v.dims {
		var dim pbw
		if d < 0 {
			dim.str(2, "N")
		} else {
			dim.int(1, int64(d))
		}
		shape.bytes(1, dim.b)
	}
	var tt pbw
	tt.int(1, int64(v.dt))
	if v.dims != nil {
		tt.bytes(2, shape.b)
	}
	var typ pbw
	typ.bytes(1, tt.b)
	if v.kind != 0 && v.kind != typeTensor {
		var wrap, outer pbw
		wrap.bytes(1, typ.b) // elem_type
		outer.bytes(v.kind, wrap.b)
		typ = outer
	}
	var w pbw
	w.str(1, v.name)
	w.bytes(2, typ.b)
	return w.b
}

type mbuild struct {
	opset, mlOpset int
	nodes          []nb
	inits          []tb
	inputs         []vi
	outputs        []vi
}

func (m mbuild) graphBytes() []byte {
	var g pbw
	for _, n := range m.nodes {
		g.bytes(1, n.encode())
	}
	g.str(2, "test")
	for _, t := range m.inits {
		g.bytes(5, t.encode())
	}
	for _, v := range m.inputs {
		g.bytes(11, v.encode())
	}
	for _, v := range m.outputs {
		g.bytes(12, v.encode())
	}
	return g.b
}

func (m mbuild) encode() []byte {
	var w pbw
	w.int(1, 8)
	w.str(2, "aiassure-test")
	w.bytes(7, m.graphBytes())
	op := m.opset
	if op == 0 {
		op = 17
	}
	var o pbw
	o.int(2, int64(op))
	w.bytes(8, o.b)
	if m.mlOpset > 0 {
		var o pbw
		o.str(1, domainML)
		o.int(2, int64(m.mlOpset))
		w.bytes(8, o.b)
	}
	return w.b
}

// randT returns a FLOAT test tensor with values uniform in [lo, hi).
func randT(rng *rand.Rand, name string, lo, hi float32, shape ...int) tb {
	f := make([]float32, prod(shape))
	for i := range f {
		f[i] = lo + (hi-lo)*rng.Float32()
	}
	return tb{name: name, shape: shape, f: f}
}

func intT(name string, v ...int64) tb { return tb{name: name, shape: []int{len(v)}, i: v} }
