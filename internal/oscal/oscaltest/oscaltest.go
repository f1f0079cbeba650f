// Package oscaltest validates OSCAL JSON documents against NIST's published
// OSCAL JSON schema (release 1.2.2, vendored in internal/oscal/testdata/nist
// with its origin). It is for tests only: the schema file is read from the
// source tree.
package oscaltest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaVersion is the OSCAL release of the vendored schema.
const SchemaVersion = "1.2.2"

// definitions names, by root key, the schema definition of each model
// aiassure writes.
var definitions = map[string]string{
	"catalog":            "oscal-complete-oscal-catalog:catalog",
	"mapping-collection": "oscal-complete-oscal-mapping:mapping-collection",
	"assessment-results": "oscal-complete-oscal-ar:assessment-results",
}

var (
	once    sync.Once
	root    *jsonschema.Schema
	models  map[string]*jsonschema.Schema
	loadErr error
)

// SchemaPath is the path of the vendored schema file.
func SchemaPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "nist", "oscal_complete_schema.json")
}

func load() {
	f, err := os.Open(SchemaPath())
	if err != nil {
		loadErr = err
		return
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		loadErr = fmt.Errorf("%s: %w", SchemaPath(), err)
		return
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "https://csrc.nist.gov/ns/oscal/1.2.2/oscal_complete_schema.json"
	if err := c.AddResource(url, doc); err != nil {
		loadErr = err
		return
	}
	if root, err = c.Compile(url); err != nil {
		loadErr = err
		return
	}
	models = map[string]*jsonschema.Schema{}
	for k, def := range definitions {
		s, err := c.Compile(url + "#/definitions/" + def)
		if err != nil {
			loadErr = err
			return
		}
		models[k] = s
	}
}

// Validate validates an OSCAL JSON document against the schema. For a
// catalog, mapping-collection or assessment-results it reports the errors
// against that model's definition (shorter than those of the schema's
// top-level oneOf); any document must also pass the whole schema.
func Validate(doc []byte) error {
	once.Do(load)
	if loadErr != nil {
		return fmt.Errorf("load NIST OSCAL schema: %w", loadErr)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(doc, &top) == nil && len(top) == 1 {
		for k, raw := range top {
			if s, ok := models[k]; ok {
				inner, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
				if err != nil {
					return err
				}
				if err := s.Validate(inner); err != nil {
					return fmt.Errorf("OSCAL %s schema (%s): %w", SchemaVersion, k, err)
				}
			}
		}
	}
	if err := root.Validate(inst); err != nil {
		return fmt.Errorf("OSCAL %s schema: %w", SchemaVersion, err)
	}
	return nil
}

// Check fails t when doc does not validate.
func Check(t testing.TB, name string, doc []byte) {
	t.Helper()
	if err := Validate(doc); err != nil {
		t.Errorf("%s does not validate against NIST's OSCAL schema:\n%v", name, err)
	}
}
