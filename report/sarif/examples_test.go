package sarif

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/aiassure/aiassure/report/internal/reporttest"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestExamplesSchema validates the SARIF of every shipped example's golden
// report (assess/testdata) against the SARIF 2.1.0 schema.
func TestExamplesSchema(t *testing.T) {
	s := schema(t)
	paths, _ := filepath.Glob("../../assess/testdata/*.json")
	if len(paths) == 0 {
		t.Fatal("no golden reports in assess/testdata")
	}
	for _, p := range paths {
		r := reporttest.Read(t, p)
		var buf bytes.Buffer
		if err := Write(&buf, r); err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(inst); err != nil {
			t.Errorf("%s: %v", filepath.Base(p), err)
		}
	}
}
