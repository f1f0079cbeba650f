package scan

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Pickle opcodes, protocols 0 to 5 (CPython's Lib/pickletools.py).
const (
	opMARK             = '('
	opSTOP             = '.'
	opPOP              = '0'
	opPOP_MARK         = '1'
	opDUP              = '2'
	opFLOAT            = 'F'
	opINT              = 'I'
	opBININT           = 'J'
	opBININT1          = 'K'
	opLONG             = 'L'
	opBININT2          = 'M'
	opNONE             = 'N'
	opPERSID           = 'P'
	opBINPERSID        = 'Q'
	opREDUCE           = 'R'
	opSTRING           = 'S'
	opBINSTRING        = 'T'
	opSHORT_BINSTRING  = 'U'
	opUNICODE          = 'V'
	opBINUNICODE       = 'X'
	opAPPEND           = 'a'
	opBUILD            = 'b'
	opGLOBAL           = 'c'
	opDICT             = 'd'
	opEMPTY_DICT       = '}'
	opAPPENDS          = 'e'
	opGET              = 'g'
	opBINGET           = 'h'
	opINST             = 'i'
	opLONG_BINGET      = 'j'
	opLIST             = 'l'
	opEMPTY_LIST       = ']'
	opOBJ              = 'o'
	opPUT              = 'p'
	opBINPUT           = 'q'
	opLONG_BINPUT      = 'r'
	opSETITEM          = 's'
	opTUPLE            = 't'
	opEMPTY_TUPLE      = ')'
	opSETITEMS         = 'u'
	opBINFLOAT         = 'G'
	opPROTO            = 0x80
	opNEWOBJ           = 0x81
	opEXT1             = 0x82
	opEXT2             = 0x83
	opEXT4             = 0x84
	opTUPLE1           = 0x85
	opTUPLE2           = 0x86
	opTUPLE3           = 0x87
	opNEWTRUE          = 0x88
	opNEWFALSE         = 0x89
	opLONG1            = 0x8a
	opLONG4            = 0x8b
	opBINBYTES         = 'B'
	opSHORT_BINBYTES   = 'C'
	opSHORT_BINUNICODE = 0x8c
	opBINUNICODE8      = 0x8d
	opBINBYTES8        = 0x8e
	opEMPTY_SET        = 0x8f
	opADDITEMS         = 0x90
	opFROZENSET        = 0x91
	opNEWOBJ_EX        = 0x92
	opSTACK_GLOBAL     = 0x93
	opMEMOIZE          = 0x94
	opFRAME            = 0x95
	opBYTEARRAY8       = 0x96
	opNEXT_BUFFER      = 0x97
	opREADONLY_BUFFER  = 0x98
)

// argument encodings of the opcodes: fixed sizes, length-prefixed, lines.
const (
	argNone = iota
	argFixed
	argLen  // little-endian length of argSize bytes, then that many bytes
	argLine // up to and including '\n'
	argTwoLines
)

type opInfo struct {
	kind, size int
}

var opTable = func() [256]*opInfo {
	var t [256]*opInfo
	none := func(ops ...byte) {
		for _, o := range ops {
			t[o] = &opInfo{argNone, 0}
		}
	}
	none(opMARK, opSTOP, opPOP, opPOP_MARK, opDUP, opNONE, opBINPERSID, opREDUCE, opAPPEND, opBUILD, opDICT,
		opEMPTY_DICT, opAPPENDS, opLIST, opEMPTY_LIST, opOBJ, opSETITEM, opTUPLE, opEMPTY_TUPLE, opSETITEMS,
		opNEWOBJ, opTUPLE1, opTUPLE2, opTUPLE3, opNEWTRUE, opNEWFALSE, opEMPTY_SET, opADDITEMS, opFROZENSET,
		opNEWOBJ_EX, opSTACK_GLOBAL, opMEMOIZE, opNEXT_BUFFER, opREADONLY_BUFFER)
	for o, n := range map[byte]int{opBININT: 4, opBININT1: 1, opBININT2: 2, opBINGET: 1, opLONG_BINGET: 4, opBINPUT: 1,
		opLONG_BINPUT: 4, opBINFLOAT: 8, opPROTO: 1, opEXT1: 1, opEXT2: 2, opEXT4: 4, opFRAME: 8} {
		t[o] = &opInfo{argFixed, n}
	}
	for o, n := range map[byte]int{opBINSTRING: 4, opSHORT_BINSTRING: 1, opBINUNICODE: 4, opLONG1: 1, opLONG4: 4,
		opBINBYTES: 4, opSHORT_BINBYTES: 1, opSHORT_BINUNICODE: 1, opBINUNICODE8: 8, opBINBYTES8: 8, opBYTEARRAY8: 8} {
		t[o] = &opInfo{argLen, n}
	}
	for _, o := range []byte{opFLOAT, opINT, opLONG, opPERSID, opSTRING, opUNICODE, opGET, opPUT} {
		t[o] = &opInfo{argLine, 0}
	}
	t[opGLOBAL] = &opInfo{argTwoLines, 0}
	t[opINST] = &opInfo{argTwoLines, 0}
	return t
}()

// opcodeLength is the length of the opcode at b[0] with its argument: -1
// when it runs past b; valid is false for a byte that is no opcode.
func opcodeLength(b []byte) (n int, valid bool) {
	info := opTable[b[0]]
	if info == nil {
		return 0, false
	}
	switch info.kind {
	case argNone:
		return 1, true
	case argFixed:
		if len(b) < 1+info.size {
			return -1, true
		}
		return 1 + info.size, true
	case argLen:
		if len(b) < 1+info.size {
			return -1, true
		}
		l := leUint(b[1 : 1+info.size])
		if l > uint64(len(b)) {
			return -1, true
		}
		return 1 + info.size + int(l), true
	default:
		lines := 1
		if info.kind == argTwoLines {
			lines = 2
		}
		p := 1
		for i := 0; i < lines; i++ {
			j := indexByte(b[p:], '\n')
			if j < 0 {
				return -1, true
			}
			p += j + 1
		}
		return p, true
	}
}

func leUint(b []byte) uint64 {
	var x uint64
	for i := len(b) - 1; i >= 0; i-- {
		x = x<<8 | uint64(b[i])
	}
	return x
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// kind of a symbolic value.
type vkind uint8

const (
	vUnknown vkind = iota
	vNone
	vBool
	vInt
	vFloat
	vStr
	vBytes
	vList
	vTuple
	vDict
	vSet
	vGlobal // an imported module attribute: mod, name
	vCall   // the result of calling fn with items as arguments
	vPersid // an object the loader's persistent_load returns
	vExt    // an extension-registry global: i is the code
	vBuffer // an out-of-band buffer (protocol 5)
)

// value is a symbolic pickle value: what a real unpickler would hold,
// with calls recorded instead of made.
type value struct {
	k     vkind
	i     int64
	s     string   // str, bytes (raw), global module
	name  string   // global name; call opcode
	items []*value // list, tuple, set, dict (key, value, ...), call args
	fn    *value   // call: the callable
	off   int64    // where it was made
}

// markValue is the MARK on the stack.
var markValue = &value{k: vUnknown, name: "<mark>"}

// pickleResult is what the machine saw in one pickle stream.
type pickleResult struct {
	end      int64 // offset after STOP, or where it stopped
	stopped  bool  // reached STOP
	proto    int
	top      *value // the value STOP returned
	err      string // why it stopped before STOP
	globals  []*value
	calls    []*value
	builds   []*value // BUILD targets, with the state in items[0]
	persids  int
	nested   []*value // bytes constants that are pickles
	exceeded bool
}

// machine runs the opcodes of one pickle symbolically.
type machine struct {
	data   []byte
	pos    int
	stack  []*value
	marks  []int
	memo   memo
	slab   []value
	values int
	limit  int
	res    *pickleResult
	joblib bool // follow joblib's array data after NumpyArrayWrapper BUILDs
}

// newv allocates a value from a slab (one allocation per 512 values)
// and copies v into it.
func (m *machine) newv(v *value) *value {
	m.values++
	if len(m.slab) == 0 {
		m.slab = make([]value, 512)
	}
	p := &m.slab[0]
	m.slab = m.slab[1:]
	*p = *v
	p.off = int64(m.pos)
	return p
}

func (m *machine) push(v *value) { m.stack = append(m.stack, v) }

func (m *machine) pop() (*value, error) {
	if len(m.stack) == 0 || (len(m.marks) > 0 && len(m.stack) == m.marks[len(m.marks)-1]) {
		return nil, fmt.Errorf("stack underflow")
	}
	v := m.stack[len(m.stack)-1]
	m.stack = m.stack[:len(m.stack)-1]
	return v, nil
}

func (m *machine) top() (*value, error) {
	if len(m.stack) == 0 || (len(m.marks) > 0 && len(m.stack) == m.marks[len(m.marks)-1]) {
		return nil, fmt.Errorf("stack underflow")
	}
	return m.stack[len(m.stack)-1], nil
}

// popMark pops everything above the last MARK, and the MARK.
func (m *machine) popMark() ([]*value, error) {
	if len(m.marks) == 0 {
		return nil, fmt.Errorf("no MARK on the stack")
	}
	k := m.marks[len(m.marks)-1]
	m.marks = m.marks[:len(m.marks)-1]
	items := append([]*value(nil), m.stack[k:]...)
	m.stack = m.stack[:k]
	return items, nil
}

func (m *machine) arg(n int) ([]byte, error) {
	if m.pos+n > len(m.data) || n < 0 {
		return nil, fmt.Errorf("truncated argument")
	}
	b := m.data[m.pos : m.pos+n]
	m.pos += n
	return b, nil
}

func (m *machine) line() (string, error) {
	j := indexByte(m.data[m.pos:], '\n')
	if j < 0 {
		return "", fmt.Errorf("truncated line argument")
	}
	s := string(m.data[m.pos : m.pos+j])
	m.pos += j + 1
	return strings.TrimSuffix(s, "\r"), nil
}

func (m *machine) lenArg(size int) ([]byte, error) {
	b, err := m.arg(size)
	if err != nil {
		return nil, err
	}
	n := leUint(b)
	if n > uint64(len(m.data)-m.pos) {
		return nil, fmt.Errorf("a %d-byte argument runs past the end of the data", n)
	}
	return m.arg(int(n))
}

// runPickle runs one pickle starting at data[0].
func runPickle(data []byte, limit int, joblib bool) *pickleResult {
	m := &machine{data: data, limit: limit, res: &pickleResult{}, joblib: joblib}
	err := m.run()
	m.res.end = int64(m.pos)
	if err != nil {
		m.res.err = err.Error()
	}
	return m.res
}

func (m *machine) run() error {
	for m.pos < len(m.data) {
		if m.values > m.limit {
			m.res.exceeded = true
			return fmt.Errorf("more than %d values: analysis stopped", m.limit)
		}
		op := m.data[m.pos]
		start := m.pos
		m.pos++
		if opTable[op] == nil {
			m.pos = start
			return fmt.Errorf("invalid opcode 0x%02x at offset %d", op, start)
		}
		if err := m.step(op); err != nil {
			m.pos = start
			return fmt.Errorf("%s at offset %d: %w", opName(op), start, err)
		}
		if op == opSTOP {
			return nil
		}
	}
	return fmt.Errorf("no STOP opcode: the pickle is truncated")
}

func opName(op byte) string {
	if op >= 0x20 && op < 0x7f {
		return fmt.Sprintf("opcode %q", rune(op))
	}
	return fmt.Sprintf("opcode 0x%02x", op)
}

func (m *machine) global(mod, name string) *value {
	v := m.newv(&value{k: vGlobal, s: normModule(mod), name: name})
	m.res.globals = append(m.res.globals, v)
	return v
}

func (m *machine) call(fn *value, op string, args ...*value) *value {
	v := m.newv(&value{k: vCall, fn: fn, name: op, items: args})
	m.res.calls = append(m.res.calls, v)
	return v
}

func (m *machine) str(s string, k vkind) *value {
	v := m.newv(&value{k: k, s: s})
	if k == vBytes && isNestedPickle(s) {
		m.res.nested = append(m.res.nested, v)
	}
	return v
}

// isNestedPickle: bytes that begin with PROTO 2-5 and end with STOP.
func isNestedPickle(s string) bool {
	return len(s) >= 4 && s[0] == opPROTO && s[1] >= 2 && s[1] <= 5 && s[len(s)-1] == opSTOP
}

func (m *machine) step(op byte) error {
	switch op {
	case opPROTO:
		b, err := m.arg(1)
		if err != nil {
			return err
		}
		m.res.proto = int(b[0])
	case opFRAME:
		_, err := m.arg(8)
		return err
	case opSTOP:
		v, err := m.pop()
		if err != nil {
			return err
		}
		m.res.top, m.res.stopped = v, true
	case opMARK:
		m.marks = append(m.marks, len(m.stack))
	case opPOP:
		if len(m.marks) > 0 && len(m.stack) == m.marks[len(m.marks)-1] {
			m.marks = m.marks[:len(m.marks)-1] // POP of a MARK (pickletools allows it)
			return nil
		}
		_, err := m.pop()
		return err
	case opPOP_MARK:
		_, err := m.popMark()
		return err
	case opDUP:
		v, err := m.top()
		if err != nil {
			return err
		}
		m.push(v)
	case opNONE:
		m.push(m.newv(&value{k: vNone}))
	case opNEWTRUE, opNEWFALSE:
		m.push(m.newv(&value{k: vBool, i: b2i(op == opNEWTRUE)}))
	case opBININT, opBININT1, opBININT2:
		n := opTable[op].size
		b, err := m.arg(n)
		if err != nil {
			return err
		}
		x := int64(leUint(b))
		if op == opBININT {
			x = int64(int32(uint32(x)))
		}
		m.push(m.newv(&value{k: vInt, i: x}))
	case opLONG1, opLONG4:
		size := 1
		if op == opLONG4 {
			size = 4
		}
		b, err := m.lenArg(size)
		if err != nil {
			return err
		}
		m.push(m.newv(&value{k: vInt, i: signedLE(b), s: string(b)}))
	case opINT, opLONG:
		l, err := m.line()
		if err != nil {
			return err
		}
		l = strings.TrimSuffix(l, "L")
		x, _ := strconv.ParseInt(l, 10, 64)
		if op == opINT && (l == "00" || l == "01") {
			m.push(m.newv(&value{k: vBool, i: x}))
			return nil
		}
		m.push(m.newv(&value{k: vInt, i: x}))
	case opFLOAT:
		if _, err := m.line(); err != nil {
			return err
		}
		m.push(m.newv(&value{k: vFloat}))
	case opBINFLOAT:
		b, err := m.arg(8)
		if err != nil {
			return err
		}
		m.push(m.newv(&value{k: vFloat, i: int64(math.Float64bits(math.Float64frombits(binary.BigEndian.Uint64(b))))}))
	case opSTRING:
		l, err := m.line()
		if err != nil {
			return err
		}
		s, err := pyStringLiteral(l)
		if err != nil {
			return err
		}
		m.push(m.str(s, vStr)) // Python 3 decodes protocol-0 strings to str
	case opUNICODE:
		l, err := m.line()
		if err != nil {
			return err
		}
		m.push(m.str(rawUnicodeEscape(l), vStr))
	case opBINSTRING, opSHORT_BINSTRING, opBINUNICODE, opSHORT_BINUNICODE, opBINUNICODE8:
		size := opTable[op].size
		b, err := m.lenArg(size)
		if err != nil {
			return err
		}
		m.push(m.str(string(b), vStr))
	case opBINBYTES, opSHORT_BINBYTES, opBINBYTES8, opBYTEARRAY8:
		size := opTable[op].size
		b, err := m.lenArg(size)
		if err != nil {
			return err
		}
		m.push(m.str(string(b), vBytes))
	case opNEXT_BUFFER:
		m.push(m.newv(&value{k: vBuffer}))
	case opREADONLY_BUFFER:
		_, err := m.top()
		return err
	case opEMPTY_LIST:
		m.push(m.newv(&value{k: vList}))
	case opEMPTY_DICT:
		m.push(m.newv(&value{k: vDict}))
	case opEMPTY_TUPLE:
		m.push(m.newv(&value{k: vTuple}))
	case opEMPTY_SET:
		m.push(m.newv(&value{k: vSet}))
	case opLIST, opTUPLE, opDICT, opFROZENSET:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		k := vList
		switch op {
		case opTUPLE:
			k = vTuple
		case opDICT:
			k = vDict
		case opFROZENSET:
			k = vSet
		}
		m.push(m.newv(&value{k: k, items: items}))
	case opTUPLE1, opTUPLE2, opTUPLE3:
		n := int(op-opTUPLE1) + 1
		items := make([]*value, n)
		for i := n - 1; i >= 0; i-- {
			v, err := m.pop()
			if err != nil {
				return err
			}
			items[i] = v
		}
		m.push(m.newv(&value{k: vTuple, items: items}))
	case opAPPEND, opSETITEM:
		n := 1
		if op == opSETITEM {
			n = 2
		}
		items := make([]*value, n)
		for i := n - 1; i >= 0; i-- {
			v, err := m.pop()
			if err != nil {
				return err
			}
			items[i] = v
		}
		return m.extend(items)
	case opAPPENDS, opSETITEMS, opADDITEMS:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		return m.extend(items)
	case opGET, opBINGET, opLONG_BINGET:
		k, err := m.memoKey(op)
		if err != nil {
			return err
		}
		v, ok := m.memo.get(k)
		if !ok {
			return fmt.Errorf("memo key %d was never stored", k)
		}
		m.push(v)
	case opPUT, opBINPUT, opLONG_BINPUT:
		k, err := m.memoKey(op)
		if err != nil {
			return err
		}
		v, err := m.top()
		if err != nil {
			return err
		}
		m.memo.put(k, v)
	case opMEMOIZE:
		v, err := m.top()
		if err != nil {
			return err
		}
		m.memo.put(uint64(m.memo.n), v)
	case opGLOBAL:
		mod, err := m.line()
		if err != nil {
			return err
		}
		name, err := m.line()
		if err != nil {
			return err
		}
		m.push(m.global(mod, name))
	case opSTACK_GLOBAL:
		name, err := m.pop()
		if err != nil {
			return err
		}
		mod, err := m.pop()
		if err != nil {
			return err
		}
		if mod.k != vStr || name.k != vStr {
			// A computed name: the real unpickler raises unless both are
			// str; a value we cannot know is reported as such.
			g := m.global("<computed:"+describe(mod, 0)+">", "<computed:"+describe(name, 0)+">")
			g.k = vGlobal
			m.push(g)
			return nil
		}
		m.push(m.global(mod.s, name.s))
	case opINST:
		mod, err := m.line()
		if err != nil {
			return err
		}
		name, err := m.line()
		if err != nil {
			return err
		}
		args, err := m.popMark()
		if err != nil {
			return err
		}
		m.push(m.call(m.global(mod, name), "INST", args...))
	case opOBJ:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return fmt.Errorf("OBJ without a class")
		}
		m.push(m.call(items[0], "OBJ", items[1:]...))
	case opREDUCE:
		args, err := m.pop()
		if err != nil {
			return err
		}
		fn, err := m.pop()
		if err != nil {
			return err
		}
		m.push(m.call(fn, "REDUCE", args.items...))
	case opNEWOBJ:
		args, err := m.pop()
		if err != nil {
			return err
		}
		cls, err := m.pop()
		if err != nil {
			return err
		}
		m.push(m.call(cls, "NEWOBJ", args.items...))
	case opNEWOBJ_EX:
		kw, err := m.pop()
		if err != nil {
			return err
		}
		args, err := m.pop()
		if err != nil {
			return err
		}
		cls, err := m.pop()
		if err != nil {
			return err
		}
		m.push(m.call(cls, "NEWOBJ_EX", append(append([]*value{}, args.items...), kw)...))
	case opBUILD:
		state, err := m.pop()
		if err != nil {
			return err
		}
		obj, err := m.top()
		if err != nil {
			return err
		}
		m.res.builds = append(m.res.builds, m.newv(&value{k: vCall, fn: obj, name: "BUILD", items: []*value{state}}))
		if m.joblib && isJoblibWrapper(obj) {
			return m.skipJoblibArray(state)
		}
	case opEXT1, opEXT2, opEXT4:
		n := opTable[op].size
		b, err := m.arg(n)
		if err != nil {
			return err
		}
		v := m.newv(&value{k: vExt, i: int64(leUint(b))})
		m.res.globals = append(m.res.globals, v)
		m.push(v)
	case opPERSID:
		if _, err := m.line(); err != nil {
			return err
		}
		m.res.persids++
		m.push(m.newv(&value{k: vPersid}))
	case opBINPERSID:
		pid, err := m.pop()
		if err != nil {
			return err
		}
		m.res.persids++
		m.push(m.newv(&value{k: vPersid, items: []*value{pid}}))
	default:
		return fmt.Errorf("unhandled opcode")
	}
	return nil
}

// extend applies APPEND(S), SETITEM(S) and ADDITEMS to the value below
// the items: a list, dict or set; on anything else (an object whose
// append or __setitem__ the loader would call) it is a recorded call.
func (m *machine) extend(items []*value) error {
	target, err := m.top()
	if err != nil {
		return err
	}
	switch target.k {
	case vList, vDict, vSet:
		if len(target.items)+len(items) > m.limit {
			m.res.exceeded = true
			return fmt.Errorf("container of more than %d items", m.limit)
		}
		target.items = append(target.items, items...)
		m.values += len(items)
	case vGlobal:
		// a module-level object itself (os.environ, a registry dict):
		// the loader mutates shared state
		m.call(&value{k: vUnknown, name: "append/__setitem__ of " + describe(target, 0)}, "EXTEND", items...)
	}
	// on an instance (an OrderedDict, a call's result) the loader calls
	// its class's append or __setitem__: the class is judged as a global
	return nil
}

func (m *machine) memoKey(op byte) (uint64, error) {
	switch op {
	case opGET, opPUT:
		l, err := m.line()
		if err != nil {
			return 0, err
		}
		k, err := strconv.ParseUint(l, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("memo key %q: %w", l, err)
		}
		return k, nil
	case opBINGET, opBINPUT:
		b, err := m.arg(1)
		if err != nil {
			return 0, err
		}
		return uint64(b[0]), nil
	}
	b, err := m.arg(4)
	if err != nil {
		return 0, err
	}
	return leUint(b), nil
}
