package onnx

import (
	"errors"
	"fmt"
)

// The messages of onnx.proto that the interpreter reads, with the field
// numbers of that file. Fields the interpreter does not need are skipped.

type modelProto struct {
	irVersion     int64
	opsets        []opsetID
	producer      string
	producerVer   string
	domain        string
	modelVersion  int64
	graph         *graphProto
	metadata      map[string]string
	functionCount int
}

type opsetID struct {
	domain  string
	version int64
}

type graphProto struct {
	name         string
	nodes        []*nodeProto
	initializers []*tensorProto
	sparseInits  int
	inputs       []*valueInfoProto
	outputs      []*valueInfoProto
}

type nodeProto struct {
	inputs  []string
	outputs []string
	name    string
	opType  string
	domain  string
	attrs   []*attrProto
}

// Attribute types (AttributeProto.AttributeType).
const (
	attrFloat   = 1
	attrInt     = 2
	attrString  = 3
	attrTensor  = 4
	attrGraph   = 5
	attrFloats  = 6
	attrInts    = 7
	attrStrings = 8
	attrTensors = 9
	attrGraphs  = 10
	attrSparse  = 11
	attrSparses = 12
)

type attrProto struct {
	name    string
	typ     int64
	refName string
	f       float32
	i       int64
	s       []byte
	t       *tensorProto
	floats  []float32
	ints    []int64
	strings [][]byte
	g       *graphProto // a subgraph (If, Loop, Scan)
	// other counts fields the interpreter does not decode (lists of
	// graphs, sparse tensors, lists of tensors): an attribute holding one
	// is refused.
	other int
}

type tensorProto struct {
	dims       []int64
	dataType   int64
	floatData  []float32
	int32Data  []int64
	stringData [][]byte
	int64Data  []int64
	name       string
	rawData    []byte
	hasRaw     bool
	external   bool
	segment    bool
	doubleData []float64
	uint64Data []int64
}

type valueInfoProto struct {
	name string
	typ  *typeProto
}

// Type kinds (the oneof of TypeProto).
const (
	typeTensor   = 1
	typeSequence = 4
	typeMap      = 5
	typeSparse   = 8
	typeOptional = 9
)

type typeProto struct {
	kind     int
	elemType int64
	hasShape bool
	dims     []dimProto
}

type dimProto struct {
	value    int64
	param    string
	hasValue bool
}

// decoder carries the limits while decoding.
type decoder struct {
	lim   Limits
	nodes int // nodes decoded, in all graphs
	depth int // nesting of the graph being decoded (subgraph attributes)
}

// maxGraphDepth bounds the nesting of subgraph attributes.
const maxGraphDepth = 16

func (d *decoder) model(b []byte) (*modelProto, error) {
	m := &modelProto{}
	r := pb{b: b}
	for r.more() {
		f, wt, err := r.key()
		if err != nil {
			return nil, err
		}
		switch f {
		case 1:
			m.irVersion, err = r.int64v(wt)
		case 2:
			m.producer, err = r.str(wt)
		case 3:
			m.producerVer, err = r.str(wt)
		case 4:
			m.domain, err = r.str(wt)
		case 5:
			m.modelVersion, err = r.int64v(wt)
		case 7:
			if m.graph != nil {
				return nil, errors.New("model has two graphs")
			}
			var b []byte
			if b, err = lenField(&r, wt); err == nil {
				m.graph, err = d.graph(b)
				if err != nil {
					err = fmt.Errorf("graph: %w", err)
				}
			}
		case 8:
			var b []byte
			if b, err = lenField(&r, wt); err == nil {
				var o opsetID
				o, err = opset(b)
				if len(m.opsets) >= 64 {
					err = errors.New("more than 64 opset imports")
				}
				m.opsets = append(m.opsets, o)
			}
		case 14:
			var b []byte
			if b, err = lenField(&r, wt); err == nil {
				var k, v string
				k, v, err = stringPair(b)
				if m.metadata == nil {
					m.metadata = map[string]string{}
				}
				if len(m.metadata) >= 1024 {
					err = errors.New("more than 1024 metadata entries")
				}
				m.metadata[k] = v
			}
		case 25:
			m.functionCount++
			err = r.skip(wt)
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return nil, err
		}
	}
	if m.graph == nil {
		return nil, errors.New("model has no graph")
	}
	return m, nil
}

func lenField(r *pb, wt int) ([]byte, error) {
	if wt != wtLen {
		return nil, fmt.Errorf("wire type %d for a message field", wt)
	}
	return r.bytes()
}

func opset(b []byte) (opsetID, error) {
	var o opsetID
	r := pb{b: b}
	for r.more() {
		f, wt, err := r.key()
		if err != nil {
			return o, err
		}
		switch f {
		case 1:
			o.domain, err = r.str(wt)
		case 2:
			o.version, err = r.int64v(wt)
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return o, err
		}
	}
	return o, nil
}

func stringPair(b []byte) (k, v string, err error) {
	r := pb{b: b}
	for r.more() {
		f, wt, err := r.key()
		if err != nil {
			return "", "", err
		}
		switch f {
		case 1:
			k, err = r.str(wt)
		case 2:
			v, err = r.str(wt)
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return "", "", err
		}
	}
	return k, v, nil
}

func (d *decoder) graph(b []byte) (*graphProto, error) {
	g := &graphProto{}
	r := pb{b: b}
	for r.more() {
		f, wt, err := r.key()
		if err != nil {
			return nil, err
		}
		switch f {
		case 1:
			var b []byte
			if b, err = lenField(&r, wt); err == nil {
				if d.nodes >= d.lim.MaxNodes {
					return nil, fmt.Errorf("more than %d nodes", d.lim.MaxNodes)
				}
				d.nodes++
				var n *nodeProto
				n, err = d.node(b)
				if err != nil {
					err = fmt.Errorf("node %d: %w", len(g.nodes), err)
				}
				g.nodes = append(g.nodes, n)
			}
		case 2:
			g.name, err = r.str(wt)
		case 5:
			var b []byte
			if b, err = lenField(&r, wt); err == nil {
				if len(g.initializers) >= d.lim.MaxNodes {
					return nil, fmt.Errorf("more than %d initializers", d.lim.MaxNodes)
				}
				var t *tensorProto
				t, err = d.tensor(b)
				if err != nil {
					err = fmt.Errorf("initializer %d: %w", len(g.initializers), err)
				}
				g.initializers = append(g.initializers, t)
			}
		case 11, 12:
			var b []byte
			if b, err = lenField(&r, wt); err == nil {
				if len(g.inputs)+len(g.outputs) >= d.lim.MaxNodes {
					return nil, fmt.Errorf("more than %d graph inputs and outputs", d.lim.MaxNodes)
				}
				var v *valueInfoProto
				v, err = d.valueInfo(b)
				if f == 11 {
					g.inputs = append(g.inputs, v)
				} else {
					g.outputs = append(g.outputs, v)
				}
			}
		case 15:
			g.sparseInits++
			err = r.skip(wt)
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return nil, err
		}
	}
	return g, nil
}

func (d *decoder) node(b []byte) (*nodeProto, error) {
	n := &nodeProto{}
	r := pb{b: b}
	for r.more() {
		f, wt, err := r.key()
		if err != nil {
			return nil, err
		}
		switch f {
		case 1, 2:
			var s string
			s, err = r.str(wt)
			if len(n.inputs)+len(n.outputs) >= 4096 {
				err = errors.New("more than 4096 node inputs and outputs")
			}
			if f == 1 {
				n.inputs = append(n.inputs, s)
			} else {
				n.outputs = append(n.outputs, s)
			}
		case 3:
			n.name, err = r.str(wt)
		case 4:
			n.opType, err = r.str(wt)
		case 5:
			var b []byte
			if b, err = lenField(&r, wt); err == nil {
				if len(n.attrs) >= 256 {
					return nil, errors.New("more than 256 attributes")
				}
				var a *attrProto
				a, err = d.attr(b)
				n.attrs = append(n.attrs, a)
			}
		case 7:
			n.domain, err = r.str(wt)
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return nil, err
		}
	}
	return n, nil
}

func (d *decoder) attr(b []byte) (*attrProto, error) {
	a := &attrProto{}
	r := pb{b: b}
	max := d.lim.MaxTensorElements
	for r.more() {
		f, wt, err := r.key()
		if err != nil {
			return nil, err
		}
		switch f {
		case 1:
			a.name, err = r.str(wt)
		case 2:
			a.f, err = r.float32v(wt)
		case 3:
			a.i, err = r.int64v(wt)
		case 4:
			if wt != wtLen {
				return nil, fmt.Errorf("wire type %d for attribute s", wt)
			}
			a.s, err = r.bytes()
		case 5:
			var b []byte
			if b, err = lenField(&r, wt); err == nil {
				a.t, err = d.tensor(b)
			}
		case 7:
			a.floats, err = r.appendFloat32s(a.floats, wt, max)
		case 8:
			a.ints, err = r.appendInt64s(a.ints, wt, max)
		case 9:
			if wt != wtLen {
				return nil, fmt.Errorf("wire type %d for attribute strings", wt)
			}
			var s []byte
			s, err = r.bytes()
			if len(a.strings) >= max {
				err = fmt.Errorf("more than %d strings in attribute", max)
			}
			a.strings = append(a.strings, s)
		case 20:
			a.typ, err = r.int64v(wt)
		case 21:
			a.refName, err = r.str(wt)
		case 6:
			var b []byte
			if b, err = lenField(&r, wt); err == nil {
				if d.depth >= maxGraphDepth {
					return nil, fmt.Errorf("subgraphs nested more than %d deep", maxGraphDepth)
				}
				d.depth++
				a.g, err = d.graph(b)
				d.depth--
			}
		case 10, 11, 22, 23:
			a.other++
			err = r.skip(wt)
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", a.name, err)
		}
	}
	return a, nil
}

func (d *decoder) tensor(b []byte) (*tensorProto, error) {
	t := &tensorProto{}
	r := pb{b: b}
	max := d.lim.MaxTensorElements
	for r.more() {
		f, wt, err := r.key()
		if err != nil {
			return nil, err
		}
		switch f {
		case 1:
			t.dims, err = r.appendInt64s(t.dims, wt, d.lim.MaxRank)
		case 2:
			t.dataType, err = r.int64v(wt)
		case 3:
			t.segment = true
			err = r.skip(wt)
		case 4:
			t.floatData, err = r.appendFloat32s(t.floatData, wt, max)
		case 5:
			t.int32Data, err = r.appendInt64s(t.int32Data, wt, max)
		case 6:
			if wt != wtLen {
				return nil, fmt.Errorf("wire type %d for string_data", wt)
			}
			var s []byte
			s, err = r.bytes()
			if len(t.stringData) >= max {
				err = fmt.Errorf("more than %d strings in tensor", max)
			}
			t.stringData = append(t.stringData, s)
		case 7:
			t.int64Data, err = r.appendInt64s(t.int64Data, wt, max)
		case 8:
			t.name, err = r.str(wt)
		case 9:
			if wt != wtLen {
				return nil, fmt.Errorf("wire type %d for raw_data", wt)
			}
			t.rawData, err = r.bytes()
			t.hasRaw = true
		case 10:
			t.doubleData, err = r.appendFloat64s(t.doubleData, wt, max)
		case 11:
			t.uint64Data, err = r.appendInt64s(t.uint64Data, wt, max)
		case 13:
			t.external = true
			err = r.skip(wt)
		case 14:
			var v int64
			v, err = r.int64v(wt)
			if v == 1 {
				t.external = true
			}
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %w", t.name, err)
		}
	}
	return t, nil
}

func (d *decoder) valueInfo(b []byte) (*valueInfoProto, error) {
	v := &valueInfoProto{}
	r := pb{b: b}
	for r.more() {
		f, wt, err := r.key()
		if err != nil {
			return nil, err
		}
		switch f {
		case 1:
			v.name, err = r.str(wt)
		case 2:
			var b []byte
			if b, err = lenField(&r, wt); err == nil {
				v.typ, err = d.typ(b)
			}
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return nil, fmt.Errorf("value info %q: %w", v.name, err)
		}
	}
	return v, nil
}

// typ decodes a TypeProto. Only tensor types are decoded in full; for the
// other kinds only the kind is kept (so no recursion is needed).
func (d *decoder) typ(b []byte) (*typeProto, error) {
	t := &typeProto{}
	r := pb{b: b}
	for r.more() {
		f, wt, err := r.key()
		if err != nil {
			return nil, err
		}
		switch f {
		case typeTensor, typeSparse:
			t.kind = f
			var b []byte
			if b, err = lenField(&r, wt); err == nil {
				err = d.tensorType(t, b)
			}
		case typeSequence, typeMap, typeOptional:
			t.kind = f
			err = r.skip(wt)
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (d *decoder) tensorType(t *typeProto, b []byte) error {
	r := pb{b: b}
	for r.more() {
		f, wt, err := r.key()
		if err != nil {
			return err
		}
		switch f {
		case 1:
			t.elemType, err = r.int64v(wt)
		case 2:
			var b []byte
			if b, err = lenField(&r, wt); err == nil {
				t.hasShape = true
				err = d.shape(t, b)
			}
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) shape(t *typeProto, b []byte) error {
	r := pb{b: b}
	for r.more() {
		f, wt, err := r.key()
		if err != nil {
			return err
		}
		if f != 1 {
			if err := r.skip(wt); err != nil {
				return err
			}
			continue
		}
		b, err := lenField(&r, wt)
		if err != nil {
			return err
		}
		if len(t.dims) >= d.lim.MaxRank {
			return fmt.Errorf("more than %d dimensions", d.lim.MaxRank)
		}
		var dim dimProto
		s := pb{b: b}
		for s.more() {
			f, wt, err := s.key()
			if err != nil {
				return err
			}
			switch f {
			case 1:
				dim.value, err = s.int64v(wt)
				dim.hasValue = true
			case 2:
				dim.param, err = s.str(wt)
			default:
				err = s.skip(wt)
			}
			if err != nil {
				return err
			}
		}
		t.dims = append(t.dims, dim)
	}
	return nil
}
