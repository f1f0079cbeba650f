// Package schemagen derives JSON Schema (draft 2020-12) documents from Go
// struct types by their yaml tags, so that a schema shipped beside a data file
// can never drift from the type that reads it: the schema is generated, and a
// test regenerates it and compares.
package schemagen

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Enums gives closed vocabularies by "TypeName.yamlField"; the field's value
// (or each item of a list) must be one of them.
type Enums map[string][]string

// Generate returns the indented JSON Schema for a document whose top level is
// an object with the given properties (name -> Go value of the property's type).
// Required lists the top-level properties that must be present.
func Generate(id, title string, top map[string]any, required []string, enums Enums) ([]byte, error) {
	g := &gen{enums: enums, defs: map[string]any{}}
	props := map[string]any{}
	for name, v := range top {
		props[name] = g.schema(reflect.TypeOf(v), "")
	}
	doc := map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  id,
		"title":                title,
		"type":                 "object",
		"properties":           props,
		"additionalProperties": false,
	}
	if len(required) > 0 {
		doc["required"] = required
	}
	if len(g.defs) > 0 {
		doc["$defs"] = g.defs
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("marshal schema %s: %w", id, err)
	}
	return append(b, '\n'), nil
}

type gen struct {
	enums Enums
	defs  map[string]any
}

// schema returns the schema of t; enumKey names the enum that applies to a
// string (or to the items of a list of strings).
func (g *gen) schema(t reflect.Type, enumKey string) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		s := map[string]any{"type": "string"}
		if e, ok := g.enums[enumKey]; ok {
			s["enum"] = e
		}
		return s
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return map[string]any{"type": "integer"}
	case reflect.Float64, reflect.Float32:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": g.schema(t.Elem(), enumKey)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem(), "")}
	case reflect.Struct:
		if t.PkgPath() == "time" {
			return map[string]any{"type": "string"}
		}
		name := t.Name()
		if _, ok := g.defs[name]; !ok {
			g.defs[name] = nil // reserve, for recursive types
			g.defs[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/$defs/" + name}
	}
	return map[string]any{}
}

func (g *gen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, omit := Tag(f)
		if name == "" {
			continue
		}
		props[name] = g.schema(f.Type, t.Name()+"."+name)
		if !omit && f.Type.Kind() != reflect.Bool && f.Type.Kind() != reflect.Pointer {
			required = append(required, name)
		}
	}
	sort.Strings(required)
	o := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

// Tag returns a field's yaml name and whether it is omitempty; "" for a field
// yaml ignores.
func Tag(f reflect.StructField) (name string, omitempty bool) {
	tag := f.Tag.Get("yaml")
	if tag == "-" {
		return "", false
	}
	parts := strings.Split(tag, ",")
	name = parts[0]
	if name == "" {
		name = strings.ToLower(f.Name)
	}
	for _, p := range parts[1:] {
		if p == "omitempty" {
			omitempty = true
		}
	}
	return name, omitempty
}
