package scan

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure"
)

// The ONNX protobuf fields the scanner reads (onnx/onnx.proto3).
const (
	mpOpset     = 8
	mpGraph     = 7
	mpFunctions = 25
	gpNode      = 1
	gpInit      = 5
	gpInput     = 11
	gpOutput    = 12
	gpSparse    = 15
	npInput     = 1
	npOutput    = 2
	npName      = 3
	npOp        = 4
	npAttr      = 5
	npDomain    = 7
	apG         = 6
	apGraphs    = 11
	apT         = 5
	apTensors   = 10
	tpDims      = 1
	tpType      = 2
	tpName      = 8
	tpRaw       = 9
	tpExternal  = 13
	tpLocation  = 14
)

// standardDomains are run by every ONNX runtime; com.microsoft is
// ONNX Runtime's contrib operators.
var standardDomains = []string{"", "ai.onnx", "ai.onnx.ml", "ai.onnx.training", "ai.onnx.preview.training"}

type onnxNode struct {
	name, op, domain string
	in, out          []string
}

type onnxTensor struct {
	name     string
	dims     []int64
	dtype    int64
	raw      int64 // raw_data length, -1 absent
	external map[string]string
	extern   bool
}

type onnxGraph struct {
	nodes   []onnxNode
	inits   map[string]bool
	inputs  []string
	outputs []string
	// scalar marks the inputs declared as tensors of at most one element
	// (rank 0, or every dimension 1): settings such as a sample rate.
	scalar map[string]bool
}

type onnxScan struct {
	c         *ctxScan
	path      string
	topLevel  bool
	funcs     map[string]bool // domain/name of local functions
	domains   map[string]bool
	nodes     int
	tensors   int
	externals int
}

func (c *ctxScan) onnx(p string, r io.ReaderAt, size int64, topLevel bool) []string {
	o := &onnxScan{c: c, path: p, topLevel: topLevel && c.onDisk, funcs: map[string]bool{}, domains: map[string]bool{}}
	w := newWire(r, 0, size)
	var opsets []string
	var main *onnxGraph
	for w.more() {
		f, typ, err := w.next()
		if err != nil {
			break
		}
		switch {
		case f == mpOpset && typ == 2:
			m, err := w.message()
			if err != nil {
				break
			}
			dom, ver := "", uint64(0)
			for m.more() {
				g, t, err := m.next()
				if err != nil {
					break
				}
				switch {
				case g == 1 && t == 2:
					dom = m.str()
				case g == 2 && t == 0:
					ver = m.uint()
				default:
					_ = m.skip(t)
				}
			}
			opsets = append(opsets, fmt.Sprintf("%s:%d", orDefault(dom, "ai.onnx"), ver))
		case f == mpGraph && typ == 2:
			m, err := w.message()
			if err != nil {
				break
			}
			main = o.graph(m, 0)
		case f == mpFunctions && typ == 2:
			m, err := w.message()
			if err != nil {
				break
			}
			o.function(m)
		default:
			_ = w.skip(typ)
		}
	}
	if w.err != nil {
		c.addf("onnx/malformed", aiassure.Medium, p, w.pos, "the model does not parse to its end: %v", w.err)
	}
	if main == nil {
		c.addf("onnx/malformed", aiassure.Medium, p, 0, "the model has no graph")
		return nil
	}
	o.customOps()
	o.backdoors(main)
	return []string{fmt.Sprintf("%d nodes, %d tensors (%d external), opsets %s", o.nodes, o.tensors, o.externals, strings.Join(opsets, " "))}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

const maxGraphDepth = 32

func (o *onnxScan) graph(w *wire, depth int) *onnxGraph {
	g := &onnxGraph{inits: map[string]bool{}}
	if depth > maxGraphDepth {
		o.c.addf("limits/onnx-nesting", aiassure.High, o.path, w.pos, "subgraphs nested more than %d deep: not read", maxGraphDepth)
		return g
	}
	for w.more() {
		f, typ, err := w.next()
		if err != nil {
			break
		}
		if typ != 2 {
			_ = w.skip(typ)
			continue
		}
		m, err := w.message()
		if err != nil {
			break
		}
		switch f {
		case gpNode:
			g.nodes = append(g.nodes, o.node(m, depth))
		case gpInit:
			t := o.tensor(m)
			g.inits[t.name] = true
		case gpSparse:
			for m.more() {
				h, t, err := m.next()
				if err != nil {
					break
				}
				if (h == 1 || h == 2) && t == 2 {
					sm, err := m.message()
					if err != nil {
						break
					}
					tt := o.tensor(sm)
					if h == 1 {
						g.inits[tt.name] = true
					}
					continue
				}
				_ = m.skip(t)
			}
		case gpInput, gpOutput:
			name, scalar := "", false
			for m.more() {
				h, t, err := m.next()
				if err != nil {
					break
				}
				if h == 1 && t == 2 {
					name = m.str()
					continue
				}
				if h == 2 && t == 2 {
					if tp, err := m.message(); err == nil {
						scalar = scalarType(tp)
					}
					continue
				}
				_ = m.skip(t)
			}
			if f == gpInput {
				g.inputs = append(g.inputs, name)
				if scalar {
					if g.scalar == nil {
						g.scalar = map[string]bool{}
					}
					g.scalar[name] = true
				}
			} else {
				g.outputs = append(g.outputs, name)
			}
		}
	}
	return g
}

// scalarType reports whether a TypeProto is a tensor type with a known
// shape of at most one element: rank 0, or every dimension of value 1.
func scalarType(tp *wire) bool {
	tt, ok := firstMessage(tp, 1) // TypeProto.tensor_type
	if !ok {
		return false
	}
	sh, ok := firstMessage(tt, 2) // TypeProto.Tensor.shape
	if !ok {
		return false
	}
	for sh.more() {
		f, t, err := sh.next()
		if err != nil {
			return false
		}
		if f != 1 || t != 2 { // TensorShapeProto.dim
			_ = sh.skip(t)
			continue
		}
		d, err := sh.message()
		if err != nil {
			return false
		}
		if v, ok := firstVarint(d, 1); !ok || v != 1 { // dim_value; a dim_param is unknown
			return false
		}
	}
	return sh.err == nil
}

// firstMessage returns the first length-delimited field f of w.
func firstMessage(w *wire, f uint64) (*wire, bool) {
	for w.more() {
		g, t, err := w.next()
		if err != nil {
			return nil, false
		}
		if g == f && t == 2 {
			m, err := w.message()
			return m, err == nil
		}
		_ = w.skip(t)
	}
	return nil, false
}

// firstVarint returns the first varint field f of w.
func firstVarint(w *wire, f uint64) (uint64, bool) {
	for w.more() {
		g, t, err := w.next()
		if err != nil {
			return 0, false
		}
		if g == f && t == 0 {
			return w.uint(), w.err == nil
		}
		_ = w.skip(t)
	}
	return 0, false
}

func (o *onnxScan) node(w *wire, depth int) onnxNode {
	var n onnxNode
	o.nodes++
	for w.more() {
		f, typ, err := w.next()
		if err != nil {
			break
		}
		if typ != 2 {
			_ = w.skip(typ)
			continue
		}
		switch f {
		case npInput:
			n.in = append(n.in, w.str())
		case npOutput:
			n.out = append(n.out, w.str())
		case npName:
			n.name = w.str()
		case npOp:
			n.op = w.str()
		case npDomain:
			n.domain = w.str()
		case npAttr:
			m, err := w.message()
			if err != nil {
				break
			}
			o.attribute(m, depth)
		default:
			_ = w.skip(typ)
		}
	}
	o.domains[n.domain+"\x00"+n.op] = true
	return n
}

func (o *onnxScan) attribute(w *wire, depth int) {
	for w.more() {
		f, typ, err := w.next()
		if err != nil {
			break
		}
		if typ != 2 || (f != apG && f != apGraphs && f != apT && f != apTensors) {
			_ = w.skip(typ)
			continue
		}
		m, err := w.message()
		if err != nil {
			break
		}
		if f == apG || f == apGraphs {
			sub := o.graph(m, depth+1)
			_ = sub // subgraphs: external data and custom ops are checked; backdoors only in the main graph
		} else {
			o.tensor(m)
		}
	}
}

func (o *onnxScan) function(w *wire) {
	name, dom := "", ""
	n := 0
	for w.more() {
		f, typ, err := w.next()
		if err != nil {
			break
		}
		switch {
		case f == 1 && typ == 2:
			name = w.str()
		case f == 10 && typ == 2:
			dom = w.str()
		case f == 7 && typ == 2:
			m, err := w.message()
			if err != nil {
				break
			}
			o.node(m, 1)
			n++
		default:
			_ = w.skip(typ)
		}
	}
	o.funcs[dom+"\x00"+name] = true
	sev := aiassure.Info
	msg := fmt.Sprintf("a model-local function %s.%s of %d nodes: its body replaces any operator of that name", orDefault(dom, "ai.onnx"), name, n)
	if slices.Contains(standardDomains, dom) {
		sev = aiassure.Medium
		msg = fmt.Sprintf("a model-local function %q in the standard domain %q: it can shadow the standard operator of that name", name, orDefault(dom, "ai.onnx"))
	}
	o.c.add(Finding{Rule: "onnx/function", Severity: sev, Path: o.path, Message: msg, Evidence: []string{orDefault(dom, "ai.onnx") + "." + name}})
}

// customOps reports operators outside the standard domains that no
// model-local function defines: they need a custom-operator library, that
// is native code the model's user must load.
func (o *onnxScan) customOps() {
	byDomain := map[string][]string{}
	for k := range o.domains {
		dom, op, _ := strings.Cut(k, "\x00")
		if slices.Contains(standardDomains, dom) || o.funcs[k] {
			continue
		}
		byDomain[dom] = append(byDomain[dom], op)
	}
	doms := make([]string, 0, len(byDomain))
	for d := range byDomain {
		doms = append(doms, d)
	}
	slices.Sort(doms)
	for _, d := range doms {
		ops := byDomain[d]
		slices.Sort(ops)
		sev, why := aiassure.Medium, "a custom-operator library (native code) must be loaded to run them"
		if d == "com.microsoft" {
			sev, why = aiassure.Info, "ONNX Runtime's contrib operators"
		}
		o.c.add(Finding{Rule: "onnx/custom-domain", Severity: sev, Path: o.path,
			Message: fmt.Sprintf("operators of domain %q: %s", d, why), Evidence: ops})
	}
}

// onnxElemBits is the size of an element of each TensorProto.DataType.
var onnxElemBits = map[int64]int64{1: 32, 2: 8, 3: 8, 4: 16, 5: 16, 6: 32, 7: 64, 9: 8, 10: 16, 11: 64, 12: 32, 13: 64,
	14: 64, 15: 128, 16: 16, 17: 8, 18: 8, 19: 8, 20: 8, 21: 4, 22: 4, 23: 4}

func (o *onnxScan) tensor(w *wire) onnxTensor {
	t := onnxTensor{raw: -1}
	o.tensors++
	for w.more() {
		f, typ, err := w.next()
		if err != nil {
			break
		}
		switch {
		case f == tpDims:
			t.dims = w.ints(typ, t.dims, 64)
		case f == tpType && typ == 0:
			t.dtype = int64(w.uint())
		case f == tpName && typ == 2:
			t.name = w.str()
		case f == tpRaw && typ == 2:
			n, err := w.length()
			if err != nil {
				break
			}
			t.raw = n
			w.pos += n
		case f == tpExternal && typ == 2:
			m, err := w.message()
			if err != nil {
				break
			}
			k, v := "", ""
			for m.more() {
				g, tt, err := m.next()
				if err != nil {
					break
				}
				switch {
				case g == 1 && tt == 2:
					k = m.str()
				case g == 2 && tt == 2:
					v = m.str()
				default:
					_ = m.skip(tt)
				}
			}
			if t.external == nil {
				t.external = map[string]string{}
			}
			t.external[k] = v
		case f == tpLocation && typ == 0:
			t.extern = w.uint() == 1
		default:
			_ = w.skip(typ)
		}
	}
	want, known := o.bytes(t)
	if t.raw >= 0 && known && t.raw != want {
		o.c.addf("onnx/tensor-size", aiassure.Medium, o.path, w.pos,
			"tensor %q: raw_data is %d bytes but its type and dims say %d: a runtime that trusts dims reads out of bounds", t.name, t.raw, want)
	}
	if t.extern || t.external != nil {
		o.externals++
		o.externalData(t, want, known)
	}
	return t
}

func (o *onnxScan) bytes(t onnxTensor) (int64, bool) {
	b, ok := onnxElemBits[t.dtype]
	if !ok {
		return 0, false
	}
	n := int64(1)
	for _, d := range t.dims {
		if d < 0 || (d > 0 && n > (1<<62)/d) {
			return 0, false
		}
		n *= d
	}
	return (n*b + 7) / 8, true
}

// externalData checks a tensor stored outside the model: its location
// must be a relative path inside the model's directory, not a device, not
// a symbolic link leaving it, and the declared range must fit the file.
func (o *onnxScan) externalData(t onnxTensor, want int64, known bool) {
	loc := t.external["location"]
	ev := []string{t.name, loc}
	bad := func(sev Severity, msg string) {
		o.c.add(Finding{Rule: "onnx/external-data", Severity: sev, Path: o.path, Message: fmt.Sprintf("tensor %q: %s", t.name, msg), Evidence: ev})
	}
	if loc == "" {
		bad(aiassure.High, "external data without a location")
		return
	}
	l := strings.ReplaceAll(loc, `\`, "/")
	switch {
	case strings.HasPrefix(l, "//./") || strings.HasPrefix(l, "//?/") || strings.HasPrefix(l, "/dev/") || strings.HasPrefix(l, "/proc/") ||
		isWindowsDevice(l):
		bad(aiassure.Critical, "external data location "+strconv.Quote(loc)+" is a device or system file")
		return
	case strings.HasPrefix(l, "/") || (len(l) >= 2 && l[1] == ':'):
		bad(aiassure.Critical, "external data location "+strconv.Quote(loc)+" is absolute: the runtime reads any file it names")
		return
	}
	for _, part := range strings.Split(l, "/") {
		if part == ".." {
			bad(aiassure.Critical, "external data location "+strconv.Quote(loc)+" climbs out of the model's directory")
			return
		}
	}
	var off, length int64 = 0, -1
	if s, ok := t.external["offset"]; ok {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			bad(aiassure.High, "external data offset "+strconv.Quote(s)+" is not a byte count")
			return
		}
		off = v
	}
	if s, ok := t.external["length"]; ok {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			bad(aiassure.High, "external data length "+strconv.Quote(s)+" is not a byte count")
			return
		}
		length = v
	}
	if known && length >= 0 && length != want {
		bad(aiassure.Medium, fmt.Sprintf("declared length %d but its type and dims need %d bytes", length, want))
	}
	if !o.topLevel {
		return
	}
	dir := o.c.dir
	full := filepath.Join(dir, filepath.FromSlash(l))
	fi, err := os.Lstat(full)
	if err != nil {
		bad(aiassure.Medium, "external data file "+strconv.Quote(loc)+" is missing")
		return
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(full)
		absDir, _ := filepath.Abs(dir)
		absDir, _ = filepath.EvalSymlinks(absDir)
		rel, rerr := filepath.Rel(absDir, target)
		if err != nil || rerr != nil || strings.HasPrefix(rel, "..") || filepath.IsAbs(rel) {
			bad(aiassure.Critical, "external data file "+strconv.Quote(loc)+" is a symbolic link out of the model's directory (to "+target+")")
			return
		}
		bad(aiassure.Medium, "external data file "+strconv.Quote(loc)+" is a symbolic link")
		fi, err = os.Stat(full)
		if err != nil {
			return
		}
	}
	if !fi.Mode().IsRegular() {
		bad(aiassure.Critical, "external data file "+strconv.Quote(loc)+" is not a regular file")
		return
	}
	if length < 0 && known {
		length = want
	}
	if length >= 0 && off+length > fi.Size() {
		bad(aiassure.High, fmt.Sprintf("bytes [%d, %d) are declared but %q has %d", off, off+length, loc, fi.Size()))
	}
}

func isWindowsDevice(l string) bool {
	base := strings.ToUpper(strings.TrimSuffix(filepath.Base(l), filepath.Ext(l)))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	return len(base) == 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) && base[3] >= '1' && base[3] <= '9'
}
