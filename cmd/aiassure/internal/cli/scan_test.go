package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const corpus = "../../../../scan/testdata/corpus/"

func TestScanExitCodes(t *testing.T) {
	for _, test := range []struct {
		name string
		args []string
		code int
		want string // in stdout or stderr
	}{
		{"benign", []string{"scan", corpus + "benign/safetensors/model.safetensors"}, ExitOK, "0 findings"},
		{"benign fail-on", []string{"scan", "-fail-on", "low", corpus + "benign/torch/state_dict.pt"}, ExitOK, "pytorch-zip"},
		{"malicious", []string{"scan", corpus + "malicious/pickle/reduce-system-proto4.pkl"}, ExitOK, "posix.system"},
		{"malicious fail-on", []string{"scan", "-fail-on", "high", corpus + "malicious/pickle/reduce-system-proto4.pkl"}, ExitFindings, "findings at or above high"},
		{"sklearn default", []string{"scan", "-fail-on", "high", corpus + "benign/sklearn/logreg.joblib"}, ExitFindings, "sklearn.linear_model"},
		{"sklearn profile", []string{"scan", "-fail-on", "high", "-profile", "default,sklearn", corpus + "benign/sklearn/logreg.joblib"}, ExitOK, "0 findings"},
		{"allow", []string{"scan", "-fail-on", "high", "-allow", "mypackage.models.Net", corpus + "policy/torch/custom_class.pt"}, ExitOK, "0 findings"},
		{"no path", []string{"scan"}, ExitUsage, "give one or more files"},
		{"missing", []string{"scan", corpus + "nope.pkl"}, ExitUsage, "no such file"},
		{"bad severity", []string{"scan", "-fail-on", "severe", corpus}, ExitUsage, "unknown severity"},
		{"bad profile", []string{"scan", "-profile", "tensorflow", corpus}, ExitUsage, "unknown allow-list profile"},
		{"bad allow", []string{"scan", "-allow", "os", corpus}, ExitUsage, "want module.name"},
		{"bad format", []string{"scan", "-format", "html", corpus}, ExitUsage, "unknown format"},
		{"bad limit", []string{"scan", "-max-ratio", "0", corpus}, ExitUsage, "must be positive"},
	} {
		t.Run(test.name, func(t *testing.T) {
			code, out, errOut := run(t, test.args...)
			if code != test.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, test.code, out, errOut)
			}
			if !strings.Contains(out+errOut, test.want) {
				t.Errorf("output lacks %q:\n%s%s", test.want, out, errOut)
			}
		})
	}
}

func TestScanJSON(t *testing.T) {
	code, out, errOut := run(t, "scan", "-format", "json", corpus+"malicious/gguf")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		SchemaVersion string `json:"schemaVersion"`
		Worst         string `json:"worst"`
		Artifacts     []struct {
			Path, Format, SHA256 string
		} `json:"artifacts"`
		Findings []struct{ Rule, Severity, Path string } `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion == "" || doc.Worst != "critical" || len(doc.Artifacts) != 8 || len(doc.Findings) == 0 {
		t.Errorf("unexpected report: %+v", doc)
	}
	for _, a := range doc.Artifacts {
		if a.Format != "gguf" || len(a.SHA256) != 64 {
			t.Errorf("artifact %+v", a)
		}
	}
}

// TestScanSARIFSchema validates the SARIF of a scan of the whole corpus
// against the OASIS SARIF 2.1.0 schema (the CI also runs Microsoft's SARIF
// Multitool on it).
func TestScanSARIFSchema(t *testing.T) {
	out := filepath.Join(t.TempDir(), "scan.sarif")
	code, _, errOut := run(t, "scan", "-o", out, corpus)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	f, err := os.Open("../../../../report/sarif/testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("sarif.json")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("the scan's SARIF does not validate: %v", err)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct{ Rules []struct{ ID string } }
			}
			Results []struct{ RuleID string }
		}
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 || len(log.Runs[0].Results) < 60 || len(log.Runs[0].Tool.Driver.Rules) < 20 {
		t.Errorf("SARIF has %d results and %d rules", len(log.Runs[0].Results), len(log.Runs[0].Tool.Driver.Rules))
	}
	if os.Getenv("AIASSURE_SCAN_SARIF_OUT") != "" { // for .ci/run's Multitool check
		if err := os.WriteFile(os.Getenv("AIASSURE_SCAN_SARIF_OUT"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestScanCycloneDX validates the ML-BOM against the CycloneDX 1.6 schema.
func TestScanCycloneDX(t *testing.T) {
	code, out, errOut := run(t, "scan", "-format", "cyclonedx", corpus+"benign")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for _, f := range []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"} {
		r, err := os.Open(filepath.Join("../../../../tools/validators/cyclonedx", f))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource("http://cyclonedx.org/schema/"+f, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("the scan's BOM does not validate against CycloneDX 1.6: %v", err)
	}
	for _, want := range []string{`"machine-learning-model"`, `"SHA-256"`, `"aiassure:scan:format"`, `"components"`} {
		if !strings.Contains(out, want) {
			t.Errorf("BOM lacks %s", want)
		}
	}
}
