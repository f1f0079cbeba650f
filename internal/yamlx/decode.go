// Package yamlx decodes YAML strictly into Go structs: every problem in a
// document (an unknown field, a duplicate key, a value of the wrong type or
// shape) is reported with its file, line, column and dotted field path, and
// all of them are reported at once, up to a cap.
//
// It walks the yaml.Node tree of gopkg.in/yaml.v3 by reflection, honouring
// the `yaml:` struct tags (name, omitempty, inline and "-"). It bounds the
// work an input can cause: the document size, the nesting depth and the
// number of values after anchors and aliases are expanded. It never panics.
package yamlx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Default limits.
const (
	DefaultMaxBytes  = 4 << 20 // 4 MiB
	DefaultMaxDepth  = 64      // nested mappings and lists, aliases included
	DefaultMaxValues = 100_000 // values decoded, alias expansions included
	DefaultMaxErrors = 50
)

// Limits bound the work one document can cause. A zero field takes its default.
type Limits struct {
	MaxBytes  int
	MaxDepth  int
	MaxValues int
	MaxErrors int
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxValues <= 0 {
		l.MaxValues = DefaultMaxValues
	}
	if l.MaxErrors <= 0 {
		l.MaxErrors = DefaultMaxErrors
	}
	return l
}

// Decode decodes the single YAML document data into v, which must be a
// non-nil pointer, with the default limits. file names the document in
// errors. On problems it returns an Errors value; v then holds what could be
// decoded. The Positions hold where each decoded value was.
func Decode(file string, data []byte, v any) (Positions, error) {
	return DecodeLimits(file, data, v, Limits{})
}

// DecodeLimits is Decode with explicit limits.
func DecodeLimits(file string, data []byte, v any, lim Limits) (Positions, error) {
	lim = lim.withDefaults()
	if len(data) > lim.MaxBytes {
		return nil, Errors{{File: file, Msg: fmt.Sprintf("document is %d bytes, over the limit of %d", len(data), lim.MaxBytes)}}
	}
	root, err := Parse(file, data)
	if err != nil {
		return nil, err
	}
	return DecodeNode(file, root, v, lim)
}

var lineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Parse parses data, which must hold exactly one YAML document, into a node
// tree. Syntax errors come back as Errors.
func Parse(file string, data []byte) (root *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, Errors{{File: file, Msg: fmt.Sprintf("cannot parse: %v", r)}}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errors{{File: file, Msg: "empty document"}}
		}
		return nil, Errors{syntaxError(file, err)}
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, Errors{syntaxError(file, err)}
	default:
		return nil, Errors{{File: file, Line: next.Line, Col: next.Column, Msg: "more than one document; a file holds one"}}
	}
	return &doc, nil
}

func syntaxError(file string, err error) *Error {
	msg := err.Error()
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Col: 1, Msg: "syntax error: " + m[2]}
	}
	if len(msg) > 6 && msg[:6] == "yaml: " {
		msg = msg[6:]
	}
	return &Error{File: file, Msg: "syntax error: " + msg}
}

// DecodeNode decodes a parsed node tree (a document node or any node within)
// into v, as Decode does.
func DecodeNode(file string, n *yaml.Node, v any, lim Limits) (pos Positions, err error) {
	lim = lim.withDefaults()
	d := &decoder{file: file, lim: lim, pos: Positions{}}
	defer func() {
		if r := recover(); r != nil {
			d.errs = append(d.errs, &Error{File: file, Msg: fmt.Sprintf("internal error: %v", r)})
			pos, err = d.pos, d.errs
		}
	}()
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nil, Errors{{File: file, Msg: fmt.Sprintf("cannot decode into %T: need a non-nil pointer", v)}}
	}
	if n == nil {
		return nil, Errors{{File: file, Msg: "empty document"}}
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil, Errors{{File: file, Msg: "empty document"}}
		}
		n = n.Content[0]
	}
	d.decode(n, rv.Elem(), "", 0)
	return d.pos, d.errs.Err()
}

type decoder struct {
	file    string
	lim     Limits
	pos     Positions
	errs    Errors
	values  int
	stopped bool // a limit was hit: decode no further
}

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	if d.stopped && len(d.errs) > 0 && d.errs[len(d.errs)-1].Msg == msgTooMany {
		return
	}
	if len(d.errs) >= d.lim.MaxErrors {
		d.errs = append(d.errs, &Error{File: d.file, Msg: msgTooMany})
		d.stopped = true
		return
	}
	e := &Error{File: d.file, Path: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
}

const msgTooMany = "too many errors; stopped"

// stop records a limit error and ends decoding.
func (d *decoder) stop(n *yaml.Node, path, format string, args ...any) {
	if d.stopped {
		return
	}
	d.fail(n, path, format, args...)
	d.stopped = true
}

// deref follows aliases.
func (d *decoder) deref(n *yaml.Node, path string) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > d.lim.MaxDepth {
			d.stop(n, path, "alias chain longer than %d", d.lim.MaxDepth)
			return nil
		}
		n = n.Alias
	}
	return n
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string, depth int) {
	if d.stopped {
		return
	}
	if depth > d.lim.MaxDepth {
		d.stop(n, path, "nested more than %d levels deep", d.lim.MaxDepth)
		return
	}
	d.values++
	if d.values > d.lim.MaxValues {
		d.stop(n, path, "document expands to more than %d values (check anchors and aliases)", d.lim.MaxValues)
		return
	}
	if n.Kind == yaml.AliasNode {
		if _, ok := d.pos[path]; !ok {
			d.pos[path] = Pos{n.Line, n.Column}
		}
		n = d.deref(n, path)
		if n == nil {
			return
		}
		d.decode(n, v, path, depth+1)
		return
	}
	if _, ok := d.pos[path]; !ok {
		d.pos[path] = Pos{n.Line, n.Column}
	}
	if isNull(n) {
		return // leave the zero value; validation decides whether it was needed
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path, depth)
	case reflect.Struct:
		d.decodeStruct(n, v, path, depth)
	case reflect.Slice:
		d.decodeSlice(n, v, path, depth)
	case reflect.Map:
		d.decodeMap(n, v, path, depth)
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		d.decodeScalar(n, v, path)
	default:
		d.fail(n, path, "cannot decode into Go type %s", v.Type())
	}
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names the kind of value n is, for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.DocumentNode:
		return "a document"
	case yaml.AliasNode:
		return "an alias"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:40] + "..."
	}
	switch n.ShortTag() {
	case "!!str":
		return fmt.Sprintf("the string %q", v)
	case "!!int":
		return fmt.Sprintf("the integer %s", v)
	case "!!float":
		return fmt.Sprintf("the number %s", v)
	case "!!bool":
		return fmt.Sprintf("the boolean %s", v)
	case "!!timestamp":
		return fmt.Sprintf("the timestamp %s", v)
	case "!!null":
		return "null"
	}
	return fmt.Sprintf("a value tagged %s", n.ShortTag())
}

func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string, depth int) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "expected a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, c := range n.Content {
		d.decode(c, s.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1)
		if d.stopped {
			break
		}
	}
	v.Set(s)
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string, depth int) {
	t := v.Type()
	if t.Key().Kind() != reflect.String {
		d.fail(n, path, "cannot decode into Go type %s: keys must be strings", t)
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "expected a mapping, got %s", describe(n))
		return
	}
	m := reflect.MakeMapWithSize(t, len(n.Content)/2)
	for _, p := range d.pairs(n, path, depth) {
		kp := join(path, p.key)
		elem := reflect.New(t.Elem()).Elem()
		d.decode(p.val, elem, kp, depth+1)
		m.SetMapIndex(reflect.ValueOf(p.key).Convert(t.Key()), elem)
		if d.stopped {
			break
		}
	}
	v.Set(m)
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string, depth int) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "expected a mapping, got %s", describe(n))
		return
	}
	fs := fieldsOf(v.Type())
	for _, p := range d.pairs(n, path, depth) {
		f, ok := fs.byName[p.key]
		if !ok {
			if s := Suggest(p.key, fs.names); s != "" {
				d.fail(p.keyNode, join(path, p.key), "unknown field %s; did you mean %q?", Quote(p.key), s)
			} else {
				d.fail(p.keyNode, join(path, p.key), "unknown field %s; known fields: %s", Quote(p.key), fs.list())
			}
			continue
		}
		d.decode(p.val, fieldByIndex(v, f.index), join(path, p.key), depth+1)
		if d.stopped {
			return
		}
	}
}

// fieldByIndex is v.FieldByIndex that allocates nil embedded pointers.
func fieldByIndex(v reflect.Value, index []int) reflect.Value {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v
}

// join appends a mapping key to a path.
func join(path, key string) string {
	if !simpleKey(key) {
		key = strconv.Quote(key)
		return path + "[" + key + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func simpleKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '/') {
			return false
		}
	}
	return true
}

type pair struct {
	key     string
	keyNode *yaml.Node
	val     *yaml.Node
}

// pairs returns the key-value pairs of mapping n in document order, merge
// keys ("<<") expanded (explicit keys win), and reports duplicate and
// non-scalar keys.
func (d *decoder) pairs(n *yaml.Node, path string, depth int) []pair {
	d.values += len(n.Content) / 2
	if d.values > d.lim.MaxValues {
		d.stop(n, path, "document expands to more than %d values (check anchors and aliases)", d.lim.MaxValues)
		return nil
	}
	var out []pair
	seen := map[string]*yaml.Node{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.AliasNode {
			k = d.deref(k, path)
			if k == nil {
				return out
			}
		}
		if k.Kind != yaml.ScalarNode {
			d.fail(k, path, "mapping key is %s; keys must be plain strings", describe(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			merges = append(merges, val)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.fail(k, join(path, k.Value), "duplicate key %s (first at line %d)", Quote(k.Value), first.Line)
			continue
		}
		seen[k.Value] = k
		out = append(out, pair{key: k.Value, keyNode: k, val: val})
	}
	for _, m := range merges {
		for _, p := range d.mergeSources(m, path, depth+1) {
			if _, ok := seen[p.key]; ok {
				continue
			}
			seen[p.key] = p.keyNode
			out = append(out, p)
		}
	}
	return out
}

// mergeSources returns the pairs a merge key's value contributes: a mapping,
// or a list of mappings (earlier ones win).
func (d *decoder) mergeSources(m *yaml.Node, path string, depth int) []pair {
	if depth > d.lim.MaxDepth {
		d.stop(m, path, "nested more than %d levels deep", d.lim.MaxDepth)
		return nil
	}
	d.values++
	if d.values > d.lim.MaxValues {
		d.stop(m, path, "document expands to more than %d values (check anchors and aliases)", d.lim.MaxValues)
		return nil
	}
	m = d.deref(m, path)
	if m == nil {
		return nil
	}
	switch m.Kind {
	case yaml.MappingNode:
		return d.pairs(m, path, depth)
	case yaml.SequenceNode:
		var out []pair
		seen := map[string]bool{}
		for _, c := range m.Content {
			c = d.deref(c, path)
			if c == nil {
				return out
			}
			if c.Kind != yaml.MappingNode {
				d.fail(c, path, "merge key (<<) needs mappings, got %s", describe(c))
				continue
			}
			for _, p := range d.pairs(c, path, depth+1) {
				if !seen[p.key] {
					seen[p.key] = true
					out = append(out, p)
				}
			}
		}
		return out
	}
	d.fail(m, path, "merge key (<<) needs a mapping or a list of mappings, got %s", describe(m))
	return nil
}
