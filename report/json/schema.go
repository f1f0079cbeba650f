package json

import (
	"bytes"
	_ "embed"
	"encoding"
	stdjson "encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/report"
)

//go:embed schema.json
var schemaJSON []byte

// SchemaID is the $id of the report's JSON Schema.
const SchemaID = "https://aiassure.dev/schema/report/v3.json"

// Schema returns the JSON Schema (draft 2020-12) of the canonical report, as
// Write writes it. It is generated from the Go types of report.Report by
// GenerateSchema and kept in schema.json; a test regenerates it and fails
// when they differ (go test ./report/json -update rewrites it).
func Schema() []byte { return slices.Clone(schemaJSON) }

// vocabularies are the closed string types of the report.
var vocabularies = map[reflect.Type][]string{
	reflect.TypeFor[aiassure.Severity](): {string(aiassure.Info), string(aiassure.Low), string(aiassure.Medium), string(aiassure.High), string(aiassure.Critical)},
	reflect.TypeFor[aiassure.Status]():   {string(aiassure.Pass), string(aiassure.Fail), string(aiassure.NotApplicable), string(aiassure.Unknown)},
	reflect.TypeFor[aiassure.Art15Category](): {string(aiassure.DataPoisoning), string(aiassure.ModelPoisoning),
		string(aiassure.AdversarialExamples), string(aiassure.ConfidentialityAttacks), string(aiassure.ModelFlaws)},
}

// mayBeEmpty names the fields of a closed vocabulary that may also be "",
// by defs name and JSON name: the highest severity of a report without
// findings.
var mayBeEmpty = map[string]bool{"report.Summary.highest": true}

// GenerateSchema derives the schema from the Go types by their json tags, the
// way encoding/json writes them: a field without omitempty or omitzero is
// required; a nil slice, map or pointer written without omitempty is null;
// a time is an RFC 3339 date-time; objects admit no other keys. A field
// added to any type of the report appears in the schema with no change here;
// a type with its own JSON marshalling, which reflection cannot see into, is
// an error until it is described in vocabularies or here.
func GenerateSchema() ([]byte, error) {
	g := &schemaGen{defs: map[string]any{}, names: map[string]reflect.Type{}}
	body, err := g.object(reflect.TypeFor[report.Report]())
	if err != nil {
		return nil, err
	}
	major := strings.SplitN(report.SchemaVersion, ".", 2)[0]
	props := body["properties"].(map[string]any)
	props["schema_version"] = map[string]any{
		"type": "string", "pattern": `^` + major + `\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`,
		"description": "MAJOR.REVISION.ADDITION; this schema is of " + report.SchemaVersion + " and reads any " + major + ".x.y.",
	}
	doc := map[string]any{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"$id":         SchemaID,
		"title":       "aiassure assessment report " + report.SchemaVersion,
		"description": "The canonical JSON report of aiassure assess (report.Report), generated from its Go types.",
	}
	for k, v := range body {
		doc[k] = v
	}
	doc["$defs"] = g.defs
	var buf bytes.Buffer
	enc := stdjson.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("report schema: %w", err)
	}
	return buf.Bytes(), nil
}

type schemaGen struct {
	defs  map[string]any
	names map[string]reflect.Type
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	marshalerType = reflect.TypeFor[stdjson.Marshaler]()
	textType      = reflect.TypeFor[encoding.TextMarshaler]()
)

// defName is the $defs key of a named struct type: package.Type.
func defName(t reflect.Type) string {
	pkg := t.PkgPath()
	if i := strings.LastIndex(pkg, "/"); i >= 0 {
		pkg = pkg[i+1:]
	}
	return pkg + "." + t.Name()
}

// schema returns the schema of a value of type t; nullable when encoding/json
// may write null for it.
func (g *schemaGen) schema(t reflect.Type, nullable bool) (map[string]any, error) {
	if t.Kind() == reflect.Pointer {
		s, err := g.schema(t.Elem(), false)
		if err != nil {
			return nil, err
		}
		return orNull(s, nullable), nil
	}
	if e, ok := vocabularies[t]; ok {
		return map[string]any{"type": "string", "enum": e}, nil
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}, nil
	}
	if t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) ||
		(t.Kind() != reflect.String && (t.Implements(textType) || reflect.PointerTo(t).Implements(textType))) {
		return nil, fmt.Errorf("report schema: %s has its own JSON encoding: describe it in report/json/schema.go", t)
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}, nil
	case reflect.Bool:
		return map[string]any{"type": "boolean"}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}, nil
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}, nil
	case reflect.Interface:
		return map[string]any{}, nil
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return orNull(map[string]any{"type": "string", "contentEncoding": "base64"}, nullable), nil
		}
		items, err := g.schema(t.Elem(), true)
		if err != nil {
			return nil, err
		}
		return orNull(map[string]any{"type": "array", "items": items}, nullable && t.Kind() == reflect.Slice), nil
	case reflect.Map:
		if k := t.Key().Kind(); k != reflect.String {
			return nil, fmt.Errorf("report schema: map key %s of %s is not a string", t.Key(), t)
		}
		vals, err := g.schema(t.Elem(), true)
		if err != nil {
			return nil, err
		}
		m := map[string]any{"type": "object", "additionalProperties": vals}
		if e, ok := vocabularies[t.Key()]; ok {
			m["propertyNames"] = map[string]any{"enum": e}
		}
		return orNull(m, nullable), nil
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t)
		}
		name := defName(t)
		if prev, ok := g.names[name]; ok && prev != t {
			return nil, fmt.Errorf("report schema: two types named %s (%s, %s)", name, prev.PkgPath(), t.PkgPath())
		}
		if _, ok := g.names[name]; !ok {
			g.names[name] = t
			g.defs[name] = nil // reserved, for recursive types
			o, err := g.object(t)
			if err != nil {
				return nil, err
			}
			g.defs[name] = o
		}
		return map[string]any{"$ref": "#/$defs/" + name}, nil
	}
	return nil, fmt.Errorf("report schema: unsupported type %s", t)
}

// orNull lets s also be null.
func orNull(s map[string]any, nullable bool) map[string]any {
	if !nullable {
		return s
	}
	if typ, ok := s["type"].(string); ok {
		s["type"] = []string{typ, "null"}
		return s
	}
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}

// object is the schema of a struct: its fields as encoding/json writes them,
// embedded structs' fields promoted.
func (g *schemaGen) object(t reflect.Type) (map[string]any, error) {
	props := map[string]any{}
	var required []string
	if err := g.fields(t, props, &required); err != nil {
		return nil, err
	}
	slices.Sort(required)
	o := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		o["required"] = required
	}
	return o, nil
}

func (g *schemaGen) fields(t reflect.Type, props map[string]any, required *[]string) error {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if err := g.fields(ft, props, required); err != nil {
					return err
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		omit := slices.Contains(strings.Split(opts, ","), "omitempty") || slices.Contains(strings.Split(opts, ","), "omitzero")
		s, err := g.schema(f.Type, !omit)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", t.Name(), f.Name, err)
		}
		if e, ok := s["enum"].([]string); ok && mayBeEmpty[defName(t)+"."+name] {
			s["enum"] = append([]string{""}, e...)
		}
		if slices.Contains(strings.Split(opts, ","), "string") {
			s = map[string]any{"type": "string"}
		}
		props[name] = s
		if !omit {
			*required = append(*required, name)
		}
	}
	return nil
}
