package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/internal/oscal/oscaltest"
	reportjson "github.com/aiassure/aiassure/report/json"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestSchemaReport: `aiassure schema report` prints the report's schema, and
// the JSON report that `aiassure assess` writes for an example validates
// against it; the OSCAL it writes validates against NIST's schema.
func TestSchemaReport(t *testing.T) {
	code, out, errs := run(t, "schema", "report")
	if code != ExitOK || errs != "" || out != string(reportjson.Schema()) {
		t.Fatalf("schema report: exit %d, stderr %q, %d bytes", code, errs, len(out))
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(reportjson.SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(reportjson.SchemaID)
	if err != nil {
		t.Fatal(err)
	}
	code, rep, errs := run(t, "assess", "-format", "json", credit)
	if code != ExitOK {
		t.Fatalf("assess: exit %d: %s", code, errs)
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(rep))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("the report of assess does not validate against its schema:\n%v", err)
	}
	code, ar, errs := run(t, "assess", "-format", "oscal", credit)
	if code != ExitOK {
		t.Fatalf("assess oscal: exit %d: %s", code, errs)
	}
	oscaltest.Check(t, "assess -format oscal", []byte(ar))
	code, cat, _ := run(t, "catalog", "export", "-format", "oscal")
	if code != ExitOK {
		t.Fatal("catalog export failed")
	}
	oscaltest.Check(t, "catalog export", []byte(cat))
	code, mc, _ := run(t, "catalog", "export", "-what", "mapping")
	if code != ExitOK {
		t.Fatal("catalog export mapping failed")
	}
	oscaltest.Check(t, "catalog export mapping", []byte(mc))
}

func TestSchemaUsage(t *testing.T) {
	for _, args := range [][]string{{"schema"}, {"schema", "reports"}, {"schema", "report", "x"}, {"schema", "catalog"}, {"schema", "catalog", "nope"}} {
		code, out, errs := run(t, args...)
		if code != ExitUsage || out != "" || errs == "" || strings.Count(errs, "aiassure schema:") > 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
	for _, what := range []string{"profile", "report"} {
		if code, out, _ := run(t, "schema", what); code != ExitOK || !bytes.Contains([]byte(out), []byte(`"$schema": "https://json-schema.org/draft/2020-12/schema"`)) {
			t.Errorf("schema %s: exit %d", what, code)
		}
	}
}
