package profile

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/internal/yamlx"
	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// TestSchemaGenerated checks that schema.json is what the generator makes
// from the Go types and vocabularies (-update rewrites it).
func TestSchemaGenerated(t *testing.T) {
	got, err := generateSchema()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "schema.json", got)
	if string(Schema()) != string(schema) {
		t.Error("Schema() differs from the embedded file")
	}
}

// schemaDoc is the shipped schema, parsed.
func schemaDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(Schema(), &doc); err != nil {
		t.Fatalf("schema.json: %v", err)
	}
	return doc
}

// node finds the schema of a normalised field path ("assets[].kind") in the
// shipped schema, following $ref and array items.
func node(t *testing.T, doc map[string]any, path string) map[string]any {
	t.Helper()
	cur := doc
	deref := func() {
		if ref, ok := cur["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/$defs/")
			cur, _ = doc["$defs"].(map[string]any)[name].(map[string]any)
		}
	}
	for _, part := range strings.Split(path, ".") {
		name, items := strings.CutSuffix(part, "[]")
		deref()
		props, _ := cur["properties"].(map[string]any)
		next, ok := props[name].(map[string]any)
		if !ok {
			t.Fatalf("schema has no property %q (path %s)", name, path)
		}
		cur = next
		for items {
			cur, _ = cur["items"].(map[string]any)
			name, items = strings.CutSuffix(name, "[]")
		}
		deref()
	}
	return cur
}

// TestSchemaDrift walks the Go types and checks that every struct's yaml
// fields are exactly the schema's properties, with matching JSON types,
// independently of the generator.
func TestSchemaDrift(t *testing.T) {
	doc := schemaDoc(t)
	var walk func(rt reflect.Type, path string, s map[string]any)
	walk = func(rt reflect.Type, path string, s map[string]any) {
		if rt.Kind() == reflect.Pointer {
			rt = rt.Elem()
		}
		if ref, ok := s["$ref"].(string); ok {
			s = doc["$defs"].(map[string]any)[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		}
		want := map[reflect.Kind]string{
			reflect.Struct: "object", reflect.Map: "object", reflect.Slice: "array", reflect.String: "string",
			reflect.Bool: "boolean", reflect.Int: "integer", reflect.Float64: "number",
		}[rt.Kind()]
		if got := s["type"]; got != want {
			t.Errorf("%s: schema type %v, Go type %s", path, got, rt)
			return
		}
		switch rt.Kind() {
		case reflect.Map:
			walk(rt.Elem(), path+"{}", s["additionalProperties"].(map[string]any))
		case reflect.Slice:
			walk(rt.Elem(), path+"[]", s["items"].(map[string]any))
		case reflect.Struct:
			props := s["properties"].(map[string]any)
			if s["additionalProperties"] != false {
				t.Errorf("%s: schema allows additional properties", path)
			}
			var goNames []string
			for i := range rt.NumField() {
				name, _, ok := yamlx.TagName(rt.Field(i))
				if !ok {
					continue
				}
				goNames = append(goNames, name)
				sub, ok := props[name].(map[string]any)
				if !ok {
					t.Errorf("%s: Go field %q missing from the schema", path, name)
					continue
				}
				walk(rt.Field(i).Type, strings.TrimPrefix(path+"."+name, "."), sub)
			}
			var schemaNames []string
			for name := range props {
				schemaNames = append(schemaNames, name)
			}
			slices.Sort(goNames)
			slices.Sort(schemaNames)
			if diff := cmp.Diff(goNames, schemaNames); diff != "" {
				t.Errorf("%s: fields differ (-go +schema):\n%s", path, diff)
			}
			var req []string
			if r, ok := s["required"].([]any); ok {
				for _, x := range r {
					req = append(req, x.(string))
				}
			}
			for _, name := range goNames {
				fp := strings.TrimPrefix(path+"."+name, ".")
				if slices.Contains(Required, fp) != slices.Contains(req, name) {
					t.Errorf("%s: required in Go %v, in schema %v", fp, slices.Contains(Required, fp), slices.Contains(req, name))
				}
			}
		}
	}
	walk(reflect.TypeFor[Profile](), "", doc)
}

// TestSchemaEnums checks that every vocabulary of Enums is the schema's
// enumeration for its field, and that the schema has no other enumeration.
func TestSchemaEnums(t *testing.T) {
	doc := schemaDoc(t)
	for path, want := range Enums() {
		s := node(t, doc, path)
		var got []string
		if c, ok := s["const"].(string); ok {
			got = []string{c}
		}
		for _, v := range asSlice(s["enum"]) {
			got = append(got, v.(string))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: enum differs (-vocab +schema):\n%s", path, diff)
		}
	}
	for path, want := range Patterns() {
		if got := node(t, doc, path)["pattern"]; got != want {
			t.Errorf("%s: pattern %v, want %v", path, got, want)
		}
	}
	for path, r := range Ranges() {
		s := node(t, doc, path)
		if s["minimum"] != r.Min || s["maximum"] != r.Max {
			t.Errorf("%s: range [%v, %v], want [%v, %v]", path, s["minimum"], s["maximum"], r.Min, r.Max)
		}
	}
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(Schema())))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("profile.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("profile.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// jsonOf turns a YAML document into the JSON value an editor's schema
// validator sees: scalars typed by their YAML tags (timestamps as strings).
func jsonOf(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		return jsonOf(n.Content[0])
	case yaml.AliasNode:
		return jsonOf(n.Alias)
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := jsonOf(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := []any{}
		for _, c := range n.Content {
			v, err := jsonOf(c)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	}
	switch n.ShortTag() {
	case "!!str", "!!timestamp":
		return n.Value, nil
	case "!!null":
		return nil, nil
	case "!!int", "!!float":
		var f float64
		err := n.Decode(&f)
		return f, err
	case "!!bool":
		var b bool
		err := n.Decode(&b)
		return b, err
	}
	return nil, fmt.Errorf("line %d: tag %s", n.Line, n.ShortTag())
}

func loadJSON(t *testing.T, file string) any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	v, err := jsonOf(&n)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return v
}

// TestSchemaValidatesProfiles checks the shipped examples and the good test
// profiles against the schema, and that the schema rejects what validation
// rejects for the bad profiles the schema can judge.
func TestSchemaValidatesProfiles(t *testing.T) {
	s := compileSchema(t)
	good, _ := filepath.Glob("../examples/*/profile.yaml")
	more, _ := filepath.Glob("testdata/good/*.yaml")
	for _, file := range append(good, more...) {
		if err := s.Validate(loadJSON(t, file)); err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
	// Bad profiles whose every problem is one a schema can express.
	for _, name := range []string{"missing", "vocab", "types", "unknown-fields"} {
		file := filepath.Join("testdata", "bad", name+".yaml")
		if err := s.Validate(loadJSON(t, file)); err == nil {
			t.Errorf("%s: schema accepts it", file)
		}
	}
}

// TestSchemaRules checks the schema's conditional rules one by one, and
// that validation agrees with the schema on each.
func TestSchemaRules(t *testing.T) {
	s := compileSchema(t)
	base := "api_version: aiassure.dev/v1\nsystem: {name: n, intended_purpose: p, sector: s}\nrole: provider\nassurance: high\nassets: [{id: m, kind: model}]\n"
	tests := []struct {
		name  string
		extra string
		ok    bool
	}{
		{"area 2 without point", "use: {annex_iii: [{area: 2}]}", true},
		{"area 2 point a", "use: {annex_iii: [{area: 2, point: a}]}", true},
		{"area 5 without point", "use: {annex_iii: [{area: 5}]}", false},
		{"area 5 point e", "use: {annex_iii: [{area: 5, point: e}]}", false},
		{"area 6 point e", "use: {annex_iii: [{area: 6, point: e}]}", true},
		{"robust complete", "performance: [{metric: robust_accuracy, value: 0.5, epsilon: 0.03, norm: l2}]", true},
		{"robust without norm", "performance: [{metric: robust_accuracy, value: 0.5, epsilon: 0.03}]", false},
		{"robust zero epsilon", "performance: [{metric: robust_accuracy, value: 0.5, epsilon: 0, norm: l2}]", false},
		{"norm on accuracy", "performance: [{metric: accuracy, value: 0.5, norm: l2}]", false},
		{"value above 1", "performance: [{metric: accuracy, value: 1.01}]", false},
		{"empty user", "users: ['']", false},
		{"duplicate phase", "lifecycle: {phases: [design, design]}", false},
		{"good digest", "components: [{name: x, kind: model}]", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := base + tt.extra + "\n"
			var n yaml.Node
			if err := yaml.Unmarshal([]byte(src), &n); err != nil {
				t.Fatal(err)
			}
			v, err := jsonOf(&n)
			if err != nil {
				t.Fatal(err)
			}
			schemaErr := s.Validate(v)
			_, goErr := Decode("t.yaml", []byte(src))
			if (schemaErr == nil) != tt.ok {
				t.Errorf("schema: ok=%v, want %v: %v", schemaErr == nil, tt.ok, schemaErr)
			}
			if (goErr == nil) != tt.ok {
				t.Errorf("Decode: ok=%v, want %v: %v", goErr == nil, tt.ok, goErr)
			}
		})
	}
}
