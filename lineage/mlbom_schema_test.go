package lineage

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aiassure/aiassure/profile"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// cycloneDX compiles the CycloneDX 1.6 JSON schema with the SPDX licence-ID
// and JSF signature schemas it references, as published in the CycloneDX
// specification (vendored in tools/validators/cyclonedx with their origin).
func cycloneDX(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for _, f := range []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"} {
		r, err := os.Open(filepath.Join("..", "tools", "validators", "cyclonedx", f))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := c.AddResource("http://cyclonedx.org/schema/"+f, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validateBOM(t *testing.T, s *jsonschema.Schema, name string, bom []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(bom))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("%s does not validate against the CycloneDX 1.6 schema:\n%v", name, err)
	}
}

// TestMLBOMSchemaExamples validates the ML-BOM in the release attestation of
// every shipped example.
func TestMLBOMSchemaExamples(t *testing.T) {
	s := cycloneDX(t)
	paths, _ := filepath.Glob("../examples/*/attestations/*release*.dsse.json")
	if len(paths) == 0 {
		t.Fatal("no release attestations in examples")
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		env, err := ParseSigned(data)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		var st struct {
			PredicateType string          `json:"predicateType"`
			Predicate     json.RawMessage `json:"predicate"`
		}
		if err := json.Unmarshal(env.Payload, &st); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if !strings.Contains(st.PredicateType, "cyclonedx") {
			t.Fatalf("%s: predicate %s is not a CycloneDX BOM", p, st.PredicateType)
		}
		validateBOM(t, s, p, st.Predicate)
	}
}

// TestMLBOMSchemaFresh validates a BOM built now from the credit-scoring
// profile with a model, a data set, code and a base model, and one without a
// profile.
func TestMLBOMSchemaFresh(t *testing.T) {
	s := cycloneDX(t)
	p, err := profile.Load("../examples/credit-scoring/profile.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sum := strings.Repeat("0123456789abcdef", 4)
	rd := func(name, role string) ResourceDescriptor {
		r := ResourceDescriptor{Name: name, Digest: DigestSet{"sha256": sum}}
		if role != "" {
			r.Annotations = map[string]any{AnnotationRole: role}
		}
		return r
	}
	in := BOMInput{
		Profile:   p,
		Models:    []ResourceDescriptor{rd("model/credit-gbt.onnx", "")},
		Materials: []ResourceDescriptor{rd("data/train.csv", RoleDataset), rd("train.py", RoleCode), rd("base/encoder.onnx", RoleBaseModel)},
		Time:      time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC),
	}
	for name, in := range map[string]BOMInput{"with profile": in, "without profile": {Models: in.Models, Time: in.Time}} {
		bom, err := BuildBOM(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		validateBOM(t, s, name, bom)
	}
	// The check is not vacuous: a BOM with a component of an unknown type fails.
	bom, _ := BuildBOM(in)
	bad := bytes.Replace(bom, []byte(`"machine-learning-model"`), []byte(`"ml-model"`), 1)
	if bytes.Equal(bad, bom) {
		t.Fatal("BOM has no machine-learning-model component")
	}
	inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	if s.Validate(inst) == nil {
		t.Error("schema accepted a component of type ml-model")
	}
}
