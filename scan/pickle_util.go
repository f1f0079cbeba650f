package scan

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func signedLE(b []byte) int64 {
	if len(b) == 0 {
		return 0
	}
	if len(b) > 8 {
		return math.MaxInt64 // beyond int64: only the magnitude matters here
	}
	x := leUint(b)
	if b[len(b)-1]&0x80 != 0 && len(b) < 8 {
		x |= ^uint64(0) << (8 * len(b))
	}
	return int64(x)
}

// normModule maps Python 2 module names to those Python 3's unpickler
// imports (Lib/_compat_pickle.py), for protocols below 3.
func normModule(m string) string {
	switch m {
	case "__builtin__":
		return "builtins"
	case "copy_reg":
		return "copyreg"
	case "cPickle":
		return "pickle"
	case "exceptions":
		return "builtins"
	case "commands":
		return "subprocess"
	case "UserDict", "UserList", "UserString":
		return "collections"
	}
	return m
}

// describe renders a symbolic value briefly, for messages.
func describe(v *value, depth int) string {
	if v == nil {
		return "?"
	}
	if depth > 3 {
		return "…"
	}
	switch v.k {
	case vNone:
		return "None"
	case vBool:
		return strconv.FormatBool(v.i != 0)
	case vInt:
		return strconv.FormatInt(v.i, 10)
	case vFloat:
		return "<float>"
	case vStr:
		return strconv.Quote(clip(v.s, 60))
	case vBytes:
		return fmt.Sprintf("<%d bytes>", len(v.s))
	case vGlobal:
		return v.s + "." + v.name
	case vExt:
		return fmt.Sprintf("<extension %d>", v.i)
	case vPersid:
		return "<persistent id>"
	case vCall:
		var args []string
		for i, a := range v.items {
			if i == 4 {
				args = append(args, "…")
				break
			}
			args = append(args, describe(a, depth+1))
		}
		return describe(v.fn, depth+1) + "(" + strings.Join(args, ", ") + ")"
	case vList, vTuple, vSet, vDict:
		return fmt.Sprintf("<%s of %d>", map[vkind]string{vList: "list", vTuple: "tuple", vSet: "set", vDict: "dict"}[v.k], len(v.items))
	}
	if v.name != "" {
		return v.name
	}
	return "?"
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// pyStringLiteral decodes the repr of a Python string as protocol 0's
// STRING writes it.
func pyStringLiteral(l string) (string, error) {
	if len(l) < 2 || (l[0] != '\'' && l[0] != '"') || l[len(l)-1] != l[0] {
		return "", fmt.Errorf("STRING argument is not quoted")
	}
	s := l[1 : len(l)-1]
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'x':
			if i+2 < len(s)+1 && i+2 <= len(s)-1+1 {
				if v, err := strconv.ParseUint(s[i+1:min(i+3, len(s))], 16, 8); err == nil {
					b.WriteByte(byte(v))
					i += 2
					continue
				}
			}
			b.WriteString(`\x`)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseUint(s[i:j], 8, 16)
			b.WriteByte(byte(v))
			i = j - 1
		default:
			b.WriteByte(e)
		}
	}
	return b.String(), nil
}

// rawUnicodeEscape decodes protocol 0's UNICODE argument (\uXXXX and
// \UXXXXXXXX escapes, everything else literal).
func rawUnicodeEscape(l string) string {
	if !strings.Contains(l, `\u`) && !strings.Contains(l, `\U`) {
		return l
	}
	var b strings.Builder
	for i := 0; i < len(l); i++ {
		if l[i] == '\\' && i+1 < len(l) && (l[i+1] == 'u' || l[i+1] == 'U') {
			n := 4
			if l[i+1] == 'U' {
				n = 8
			}
			if i+2+n <= len(l) {
				if v, err := strconv.ParseUint(l[i+2:i+2+n], 16, 32); err == nil {
					b.WriteRune(rune(v))
					i += 1 + n
					continue
				}
			}
		}
		b.WriteByte(l[i])
	}
	return b.String()
}

// isJoblibWrapper: obj is an instance of joblib's NumpyArrayWrapper, made
// by NEWOBJ or copyreg._reconstructor.
func isJoblibWrapper(obj *value) bool {
	if obj.k != vCall || obj.fn == nil || obj.fn.k != vGlobal {
		return false
	}
	g := obj.fn.s + "." + obj.fn.name
	if g == "copyreg._reconstructor" && len(obj.items) > 0 && obj.items[0].k == vGlobal {
		g = obj.items[0].s + "." + obj.items[0].name
	}
	return g == "joblib.numpy_pickle.NumpyArrayWrapper" || g == "sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper"
}

// skipJoblibArray follows joblib's NumpyArrayWrapper.read_array: after the
// wrapper's BUILD, joblib reads the array from the stream itself (a padding
// byte and padding, then the raw data; or, for object arrays, a nested
// pickle) and unpickling continues after it.
func (m *machine) skipJoblibArray(state *value) error {
	get := func(key string) *value {
		if state.k != vDict {
			return nil
		}
		for i := 0; i+1 < len(state.items); i += 2 {
			if k := state.items[i]; k.k == vStr && k.s == key {
				return state.items[i+1]
			}
		}
		return nil
	}
	shape, dtype := get("shape"), get("dtype")
	if shape == nil || dtype == nil || dtype.k != vCall || len(dtype.items) == 0 || dtype.items[0].k != vStr {
		return fmt.Errorf("joblib array wrapper without a shape and dtype")
	}
	count := int64(1)
	for _, d := range shape.items {
		if d.k != vInt || d.i < 0 || (d.i > 0 && count > math.MaxInt64/d.i) {
			return fmt.Errorf("joblib array shape is not a tuple of sizes")
		}
		count *= d.i
	}
	code := dtype.items[0].s
	if strings.HasPrefix(code, "O") {
		sub := runPickle(m.data[m.pos:], m.limit-m.values, true)
		m.res.globals = append(m.res.globals, sub.globals...)
		m.res.calls = append(m.res.calls, sub.calls...)
		m.res.builds = append(m.res.builds, sub.builds...)
		m.res.nested = append(m.res.nested, sub.nested...)
		m.values += len(sub.globals) + len(sub.calls)
		if !sub.stopped {
			return fmt.Errorf("joblib object array: %s", sub.err)
		}
		m.pos += int(sub.end)
		return nil
	}
	item, err := dtypeSize(code)
	if err != nil {
		return err
	}
	if a := get("numpy_array_alignment_bytes"); a != nil && a.k == vInt {
		p, err := m.arg(1)
		if err != nil {
			return err
		}
		if _, err := m.arg(int(p[0])); err != nil {
			return err
		}
	}
	if item > 0 && count > int64(len(m.data)-m.pos)/item {
		return fmt.Errorf("joblib array of %d×%d bytes runs past the end of the data", count, item)
	}
	_, err = m.arg(int(count * item))
	return err
}

// dtypeSize is the item size of a NumPy type code ("f8", "<i4", "U5").
func dtypeSize(code string) (int64, error) {
	code = strings.TrimLeft(code, "<>=|")
	if code == "" {
		return 0, fmt.Errorf("empty dtype")
	}
	letter, digits := code[0], code[1:]
	n, err := strconv.ParseInt(digits, 10, 32)
	if digits == "" {
		n, err = map[byte]int64{'b': 1, '?': 1, 'B': 1, 'h': 2, 'H': 2, 'i': 4, 'I': 4, 'l': 8, 'L': 8, 'q': 8, 'Q': 8,
			'e': 2, 'f': 4, 'd': 8, 'g': 16, 'F': 8, 'D': 16}[letter], nil
		if n == 0 {
			return 0, fmt.Errorf("dtype %q not understood", code)
		}
		return n, nil
	}
	if err != nil || n < 0 {
		return 0, fmt.Errorf("dtype %q not understood", code)
	}
	switch letter {
	case 'U':
		return 4 * n, nil
	case 'b', 'i', 'u', 'f', 'c', 'S', 'V', 'M', 'm', 'a':
		return n, nil
	}
	return 0, fmt.Errorf("dtype %q not understood", code)
}

// memo is the unpickler's memo: a slice for the dense keys picklers
// write (0, 1, 2, ...), a map for the rest.
type memo struct {
	dense  []*value
	sparse map[uint64]*value
	n      int // entries, as len(memo) in CPython (MEMOIZE's next key)
}

func (m *memo) get(k uint64) (*value, bool) {
	if k < uint64(len(m.dense)) && m.dense[k] != nil {
		return m.dense[k], true
	}
	v, ok := m.sparse[k]
	return v, ok
}

func (m *memo) put(k uint64, v *value) {
	if _, ok := m.get(k); !ok {
		m.n++
	}
	if k <= uint64(len(m.dense))+1024 {
		for uint64(len(m.dense)) <= k {
			m.dense = append(m.dense, nil)
		}
		m.dense[k] = v
		delete(m.sparse, k)
		return
	}
	if m.sparse == nil {
		m.sparse = map[uint64]*value{}
	}
	m.sparse[k] = v
}
