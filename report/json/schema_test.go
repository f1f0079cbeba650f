package json

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var update = flag.Bool("update", false, "rewrite schema.json")

// TestSchemaGenerated fails when schema.json is not what the Go types give,
// for example after a field was added to the report.
func TestSchemaGenerated(t *testing.T) {
	got, err := GenerateSchema()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("schema.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if diff := cmp.Diff(string(Schema()), string(got)); diff != "" {
		t.Errorf("report/json/schema.json is out of date with the report's Go types: run go test ./report/json -update\n(-committed +generated):\n%s", diff)
	}
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(SchemaID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// goldenReports are the JSON reports the tests write or read: the shared
// fixture, the JSON format's golden and the golden report of every shipped
// example.
func goldenReports(t *testing.T) []string {
	var paths []string
	for _, pat := range []string{"../testdata/*.json", "../testdata/json.golden", "../../assess/testdata/*.json"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, m...)
	}
	if len(paths) < 3 {
		t.Fatalf("found only %v", paths)
	}
	return paths
}

// TestGoldensValidate validates every golden JSON report, and a report
// written fresh by Write, against the schema.
func TestGoldensValidate(t *testing.T) {
	s := compileSchema(t)
	for _, p := range goldenReports(t) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if err := s.Validate(inst); err != nil {
			t.Errorf("%s does not validate against report/json/schema.json:\n%v", p, err)
		}
	}
	r, err := Read(bytes.NewReader(fixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	inst, _ := jsonschema.UnmarshalJSON(&buf)
	if err := s.Validate(inst); err != nil {
		t.Errorf("a report written by Write does not validate:\n%v", err)
	}
}

// TestSchemaRejects proves the schema is not vacuous.
func TestSchemaRejects(t *testing.T) {
	s := compileSchema(t)
	good := string(fixture(t))
	for _, tc := range []struct{ name, from, to, want string }{
		{"unknown field", `"schema_version": "3.0.0"`, `"schema_version": "3.0.0", "extra": 1`, "extra"},
		{"other major", `"schema_version": "3.0.0"`, `"schema_version": "4.0.0"`, "schema_version"},
		{"bad severity", `"severity": "critical"`, `"severity": "urgent"`, "severity"},
		{"bad status", `"status": "fail"`, `"status": "failed"`, "status"},
		{"bad time", `"generated": "`, `"generated": "yesterday`, "generated"},
		{"missing required", `"catalog_version"`, `"catalogue_version"`, "catalog_version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.from) {
				t.Fatalf("fixture has no %s", tc.from)
			}
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(strings.Replace(good, tc.from, tc.to, 1)))
			if err != nil {
				t.Fatal(err)
			}
			err = s.Validate(inst)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate = %v, want an error naming %q", err, tc.want)
			}
		})
	}
}
