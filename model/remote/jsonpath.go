package remote

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Path is a location in a JSON document, parsed by ParsePath. The syntax is a
// small subset of JSONPath, with no filters and no evaluation:
//
//	path    = [ "$" ] [ key ] { "." key | "[" index "]" | "[*]" | "[" string "]" }
//	key     = one or more of A-Z a-z 0-9 _ -
//	index   = a non-negative decimal integer
//	string  = a JSON string literal, for keys with other characters
//
// "" and "$" name the whole document. Examples: "instances",
// "data.inputs", "predictions[*].scores", "outputs[0].data",
// `result["class-probs"]`. A wildcard [*] maps the rest of the path over
// every element of an array, giving an array of results.
type Path struct {
	src  string
	segs []seg
}

type seg struct {
	key   string
	index int  // >= 0 for [n]
	kind  byte // 'k' key, 'i' index, '*' wildcard
}

// maxPathLen bounds the text of a path.
const maxPathLen = 1024

// ParsePath parses a path.
func ParsePath(s string) (Path, error) {
	if len(s) > maxPathLen {
		return Path{}, fmt.Errorf("path is longer than %d bytes", maxPathLen)
	}
	p := Path{src: s}
	i := 0
	if strings.HasPrefix(s, "$") {
		i = 1
	}
	first := true
	for i < len(s) {
		switch c := s[i]; {
		case c == '.':
			if first && i == 0 {
				return Path{}, fmt.Errorf("path %q: leading '.'", s)
			}
			j := i + 1
			for j < len(s) && isKeyChar(s[j]) {
				j++
			}
			if j == i+1 {
				return Path{}, fmt.Errorf("path %q: empty key at offset %d", s, i+1)
			}
			p.segs = append(p.segs, seg{kind: 'k', key: s[i+1 : j]})
			i = j
		case c == '[':
			end, sg, err := parseBracket(s, i)
			if err != nil {
				return Path{}, err
			}
			p.segs = append(p.segs, sg)
			i = end
		case first && isKeyChar(c) && (i == 0):
			j := i
			for j < len(s) && isKeyChar(s[j]) {
				j++
			}
			p.segs = append(p.segs, seg{kind: 'k', key: s[i:j]})
			i = j
		default:
			return Path{}, fmt.Errorf("path %q: unexpected %q at offset %d", s, c, i)
		}
		first = false
	}
	return p, nil
}

func parseBracket(s string, i int) (int, seg, error) {
	rest := s[i+1:]
	switch {
	case strings.HasPrefix(rest, "*]"):
		return i + 3, seg{kind: '*'}, nil
	case strings.HasPrefix(rest, `"`):
		// find the closing quote, skipping escapes
		j := 1
		for j < len(rest) && rest[j] != '"' {
			if rest[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(rest) || j+1 >= len(rest) || rest[j+1] != ']' {
			return 0, seg{}, fmt.Errorf("path %q: unterminated [\"...\"] at offset %d", s, i)
		}
		var key string
		if err := json.Unmarshal([]byte(rest[:j+1]), &key); err != nil {
			return 0, seg{}, fmt.Errorf("path %q: bad quoted key at offset %d: %w", s, i, err)
		}
		return i + 1 + j + 2, seg{kind: 'k', key: key}, nil
	default:
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if j == 0 || j >= len(rest) || rest[j] != ']' {
			return 0, seg{}, fmt.Errorf("path %q: expected [n], [*] or [\"key\"] at offset %d", s, i)
		}
		n, err := strconv.Atoi(rest[:j])
		if err != nil || n > 1<<30 {
			return 0, seg{}, fmt.Errorf("path %q: index %q out of range", s, rest[:j])
		}
		return i + 1 + j + 1, seg{kind: 'i', index: n}, nil
	}
}

func isKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// String returns the path as written.
func (p Path) String() string { return p.src }

// HasWildcard reports whether the path contains [*].
func (p Path) HasWildcard() bool {
	for _, s := range p.segs {
		if s.kind == '*' {
			return true
		}
	}
	return false
}

// Get returns the value at p in doc (a value decoded by encoding/json into
// any). A wildcard yields an array of the values under each element.
func (p Path) Get(doc any) (any, error) {
	return p.get(doc, 0)
}

func (p Path) get(v any, k int) (any, error) {
	for ; k < len(p.segs); k++ {
		s := p.segs[k]
		switch s.kind {
		case 'k':
			m, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("path %q: %s is %s, not an object", p.src, p.prefix(k), typeName(v))
			}
			if v, ok = m[s.key]; !ok {
				return nil, fmt.Errorf("path %q: %s has no member %q", p.src, p.prefix(k), s.key)
			}
		case 'i':
			a, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("path %q: %s is %s, not an array", p.src, p.prefix(k), typeName(v))
			}
			if s.index >= len(a) {
				return nil, fmt.Errorf("path %q: index %d out of range at %s (length %d)", p.src, s.index, p.prefix(k), len(a))
			}
			v = a[s.index]
		case '*':
			a, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("path %q: %s is %s, not an array", p.src, p.prefix(k), typeName(v))
			}
			out := make([]any, len(a))
			for i, e := range a {
				r, err := p.get(e, k+1)
				if err != nil {
					return nil, err
				}
				out[i] = r
			}
			return out, nil
		}
	}
	return v, nil
}

// Set puts val at p in doc and returns the new document. Missing object
// members on the way are created; array indices must exist; wildcards are
// refused.
func (p Path) Set(doc, val any) (any, error) {
	if p.HasWildcard() {
		return nil, fmt.Errorf("path %q: a wildcard cannot be set", p.src)
	}
	return p.set(doc, val, 0)
}

func (p Path) set(v, val any, k int) (any, error) {
	if k == len(p.segs) {
		return val, nil
	}
	s := p.segs[k]
	switch s.kind {
	case 'k':
		if v == nil {
			v = map[string]any{}
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("path %q: %s is %s, not an object", p.src, p.prefix(k), typeName(v))
		}
		nv, err := p.set(m[s.key], val, k+1)
		if err != nil {
			return nil, err
		}
		m[s.key] = nv
		return m, nil
	default: // 'i'
		a, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("path %q: %s is %s, not an array", p.src, p.prefix(k), typeName(v))
		}
		if s.index >= len(a) {
			return nil, fmt.Errorf("path %q: index %d out of range at %s (length %d)", p.src, s.index, p.prefix(k), len(a))
		}
		nv, err := p.set(a[s.index], val, k+1)
		if err != nil {
			return nil, err
		}
		a[s.index] = nv
		return a, nil
	}
}

// prefix renders the first k segments, for messages.
func (p Path) prefix(k int) string {
	var b strings.Builder
	b.WriteByte('$')
	for _, s := range p.segs[:k] {
		switch s.kind {
		case 'k':
			if s.key != "" && strings.IndexFunc(s.key, func(r rune) bool { return r > 0x7f || !isKeyChar(byte(r)) }) < 0 {
				b.WriteString("." + s.key)
			} else {
				q, _ := json.Marshal(s.key)
				b.WriteString("[" + string(q) + "]")
			}
		case 'i':
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		case '*':
			b.WriteString("[*]")
		}
	}
	return b.String()
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

var errNotNumber = errors.New("not a number")
