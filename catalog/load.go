package catalog

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"gopkg.in/yaml.v3"
)

//go:embed data/*.yaml data/schema/*.json
var embedded embed.FS

// Data returns the embedded catalogue files (data/*.yaml, data/schema/*.json).
func Data() fs.FS {
	sub, err := fs.Sub(embedded, "data")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	return sub
}

// file describes one catalogue file: its name, its top-level key, and where
// its rows go.
type file struct {
	name string
	key  string
	rows func(c *Catalog) any // pointer to the slice the rows decode into
}

// files lists the catalogue's files in load order.
var files = []file{
	{"catalog.yaml", "", nil},
	{"standards.yaml", "standards", func(c *Catalog) any { return &c.Standards }},
	{"threats.yaml", "threats", func(c *Catalog) any { return &c.Threats }},
	{"requirements.yaml", "requirements", func(c *Catalog) any { return &c.Requirements }},
	{"crosswalk.yaml", "crosswalk", func(c *Catalog) any { return &c.Crosswalk }},
	{"characteristics.yaml", "characteristics", func(c *Catalog) any { return &c.Characteristics }},
	{"controls.yaml", "controls", func(c *Catalog) any { return &c.Controls }},
	{"gaps.yaml", "gaps", func(c *Catalog) any { return &c.Gaps }},
	{"recommendations.yaml", "recommendations", func(c *Catalog) any { return &c.Recommendations }},
	{"glossary.yaml", "glossary", func(c *Catalog) any { return &c.Glossary }},
	{"matrices.yaml", "matrices", func(c *Catalog) any { return &c.Matrices }},
}

var printer = message.NewPrinter(language.English)

// Problem is one defect found while loading or validating the catalogue.
type Problem struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Msg  string `json:"message"`
}

func (p Problem) Error() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

// ErrInvalid is wrapped by every error Load returns for a catalogue that is
// not valid; errors.As with *Problems gives the list.
var ErrInvalid = errors.New("invalid catalogue")

// Problems is the list of defects of an invalid catalogue.
type Problems []Problem

func (ps Problems) Error() string {
	var b bytes.Buffer
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap lets errors.Is(err, ErrInvalid) hold.
func (ps Problems) Unwrap() error { return ErrInvalid }

// Load loads and validates the embedded catalogue.
func Load() (*Catalog, error) { return LoadFS(Data()) }

// LoadFS loads and validates a catalogue laid out as catalog/data is: one
// YAML file per kind and a schema directory. A file that is absent is empty.
func LoadFS(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{}
	lines := map[string][]int{}
	var probs Problems
	for _, f := range files {
		data, err := readFile(fsys, f.name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read catalogue file %s: %w", f.name, err)
		}
		if p := checkSchema(fsys, f.name, data); len(p) > 0 {
			probs = append(probs, p...)
			continue
		}
		// The schema has rejected unknown fields and wrong types already.
		var target any = c
		if f.rows != nil {
			target = &holder{key: f.key, dst: f.rows(c)}
		}
		if err := yaml.Unmarshal(data, target); err != nil {
			probs = append(probs, Problem{File: f.name, Msg: err.Error()})
			continue
		}
		lines[f.name] = rowLines(data, f.key)
	}
	if len(probs) > 0 {
		return nil, fmt.Errorf("load catalogue: %w", probs)
	}
	c.build()
	if probs := c.validate(lines); len(probs) > 0 {
		return nil, fmt.Errorf("load catalogue: %w", probs)
	}
	return c, nil
}

type holder struct {
	key string
	dst any
}

func (h *holder) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: top level must be a mapping with key %q", n.Line, h.key)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != h.key {
			return fmt.Errorf("line %d: unknown top-level key %q, want %q", n.Content[i].Line, n.Content[i].Value, h.key)
		}
		return n.Content[i+1].Decode(h.dst)
	}
	return nil
}

// rowLines returns the line of each row of the list under key.
func rowLines(data []byte, key string) []int {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	top := doc.Content[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value == key {
			var ls []int
			for _, r := range top.Content[i+1].Content {
				ls = append(ls, r.Line)
			}
			return ls
		}
	}
	return nil
}

// MaxFileSize bounds one file of a catalogue read by LoadFS (16 MiB; the
// largest shipped file is under 200 KiB).
const MaxFileSize = 16 << 20

// readFile reads name from fsys, refusing it before reading when it is not a
// regular file or is larger than MaxFileSize.
func readFile(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("%s is %d bytes, more than the limit of %d", name, st.Size(), MaxFileSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s grew past %d bytes while it was read", name, MaxFileSize)
	}
	return data, nil
}

// checkSchema validates a file against data/schema/<name>.json.
func checkSchema(fsys fs.FS, name string, data []byte) Problems {
	schemaName := "schema/" + name[:len(name)-len(path.Ext(name))] + ".json"
	sb, err := readFile(fsys, schemaName)
	if err != nil {
		return Problems{{File: name, Msg: fmt.Sprintf("no schema %s: %v", schemaName, err)}}
	}
	sch, err := compileSchema(schemaName, sb)
	if err != nil {
		return Problems{{File: schemaName, Msg: err.Error()}}
	}
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Problems{{File: name, Msg: err.Error()}}
	}
	inst, err := jsonValue(doc)
	if err != nil {
		return Problems{{File: name, Msg: err.Error()}}
	}
	if err := sch.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			var ps Problems
			for _, leaf := range leaves(ve) {
				loc := leaf.InstanceLocation
				if ap, ok := leaf.ErrorKind.(*kind.AdditionalProperties); ok && len(ap.Properties) > 0 {
					loc = append(loc[:len(loc):len(loc)], ap.Properties[0]) // point at the offending key
				}
				ps = append(ps, Problem{File: name, Line: lineOf(data, loc), Msg: fmt.Sprintf("/%s: %s", joinLoc(leaf.InstanceLocation), leaf.ErrorKind.LocalizedString(printer))})
			}
			return ps
		}
		return Problems{{File: name, Msg: err.Error()}}
	}
	return nil
}

func compileSchema(name string, b []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("parse schema: %w", err)
	}
	comp := jsonschema.NewCompiler()
	if err := comp.AddResource(name, doc); err != nil {
		return nil, fmt.Errorf("add schema: %w", err)
	}
	return comp.Compile(name)
}

// jsonValue turns a YAML-decoded value into the JSON data model that
// jsonschema validates (timestamps become strings).
func jsonValue(v any) (any, error) {
	var conv func(any) any
	conv = func(v any) any {
		switch x := v.(type) {
		case time.Time:
			return x.Format("2006-01-02")
		case map[string]any:
			for k, e := range x {
				x[k] = conv(e)
			}
		case []any:
			for i, e := range x {
				x[i] = conv(e)
			}
		}
		return v
	}
	b, err := json.Marshal(conv(v))
	if err != nil {
		return nil, fmt.Errorf("convert to JSON: %w", err)
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

func leaves(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	var out []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

func joinLoc(loc []string) string {
	var b bytes.Buffer
	for i, s := range loc {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(s)
	}
	return b.String()
}

// lineOf finds the line of a JSON-pointer-like location in a YAML document.
func lineOf(data []byte, loc []string) int {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return 0
	}
	n := doc.Content[0]
	line := n.Line
	for _, seg := range loc {
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == seg {
					next = n.Content[i+1]
					line = n.Content[i].Line
				}
			}
		case yaml.SequenceNode:
			var idx int
			if _, err := fmt.Sscan(seg, &idx); err == nil && idx >= 0 && idx < len(n.Content) {
				next = n.Content[idx]
				line = next.Line
			}
		}
		if next == nil {
			break
		}
		n = next
	}
	return line
}
