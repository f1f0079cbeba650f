package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

const credit = "../../../../examples/credit-scoring/profile.yaml"

func TestExitCodesAndMessages(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(credit)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, bytes.Replace(good, []byte("assurance: substantial"), []byte("assurance: extreme"), 1), 0o644)
	notYAML := filepath.Join(dir, "x.yaml")
	os.WriteFile(notYAML, []byte("system: [unclosed\n"), 0o644)

	tests := []struct {
		name      string
		args      []string
		code      int
		out, errs string // substrings expected in stdout, stderr
	}{
		{"no arguments", nil, ExitUsage, "usage: aiassure <command>", ""},
		{"help", []string{"help"}, ExitOK, "commands:", ""},
		{"unknown command", []string{"asses"}, ExitUsage, "", `unknown command "asses"`},
		{"assess without profile", []string{"assess"}, ExitUsage, "", "want one profile"},
		{"assess unknown format", []string{"assess", "-format", "pdf", credit}, ExitUsage, "", `unknown format "pdf"`},
		{"assess bad flag", []string{"assess", "-bogus", credit}, ExitUsage, "", "flag provided but not defined"},
		{"assess missing file", []string{"assess", filepath.Join(dir, "none.yaml")}, ExitUsage, "", "none.yaml"},
		{"assess bad value", []string{"assess", bad}, ExitUsage, "", `bad.yaml:`},
		{"assess bad value names field", []string{"assess", bad}, ExitUsage, "", `assurance: invalid value "extreme"`},
		{"assess broken YAML", []string{"assess", notYAML}, ExitUsage, "", "x.yaml"},
		{"assess text", []string{"assess", credit}, ExitOK, "AI ACT CLASSIFICATION", ""},
		{"assess fail-on high", []string{"assess", "-fail-on", "high", credit}, ExitFindings, "", "at or above high"},
		{"assess fail-on bad", []string{"assess", "-fail-on", "severe", credit}, ExitUsage, "", "unknown severity"},
		{"classify", []string{"classify", credit}, ExitOK, "high-risk", ""},
		{"risk", []string{"risk", "-checks=false", credit}, ExitOK, "LIKELIHOOD", ""},
		{"gaps", []string{"gaps", "-checks=false", credit}, ExitOK, "evidence-gap", ""},
		{"catalog validate", []string{"catalog", "validate"}, ExitOK, "valid (", ""},
		{"catalog validate bad dir", []string{"catalog", "validate", dir}, ExitUsage, "", "catalog.yaml: version"},
		{"catalog list", []string{"catalog", "list", "threats"}, ExitOK, "evasion", ""},
		{"catalog list bad kind", []string{"catalog", "list", "threat"}, ExitUsage, "", `unknown kind "threat"`},
		{"catalog show", []string{"catalog", "show", "threats", "evasion"}, ExitOK, "id: evasion", ""},
		{"catalog show suggests", []string{"catalog", "show", "threats", "evasoin"}, ExitUsage, "", `did you mean "evasion"`},
		{"catalog search", []string{"catalog", "search", "membership", "inference"}, ExitOK, "membership-inference", ""},
		{"catalog matrix csv", []string{"catalog", "matrix", "-format", "csv", "seed-a3"}, ExitOK, "seed-a3,iso-iec-22989", ""},
		{"catalog export", []string{"catalog", "export", "-format", "oscal"}, ExitOK, `"catalog"`, ""},
		{"catalog export mapping", []string{"catalog", "export", "-what", "mapping"}, ExitOK, `"mapping-collection"`, ""},
		{"schema profile", []string{"schema", "profile"}, ExitOK, `"$schema"`, ""},
		{"schema catalog", []string{"schema", "catalog", "threats"}, ExitOK, `"threats"`, ""},
		{"version", []string{"version"}, ExitOK, "report schema", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := run(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d\nstderr: %s", code, tt.code, errs)
			}
			if !strings.Contains(out, tt.out) {
				t.Errorf("stdout does not contain %q:\n%.2000s", tt.out, out)
			}
			if !strings.Contains(errs, tt.errs) {
				t.Errorf("stderr does not contain %q:\n%s", tt.errs, errs)
			}
		})
	}
}

// TestConvertRoundTrip writes a JSON report, converts it into every format,
// and checks the JSON conversion gives back the same bytes.
func TestConvertRoundTrip(t *testing.T) {
	dir := t.TempDir()
	js := filepath.Join(dir, "r.json")
	if code, _, errs := run(t, "assess", "-format", "json", "-o", js, credit); code != ExitOK {
		t.Fatalf("assess: %d %s", code, errs)
	}
	orig, _ := os.ReadFile(js)
	var probe map[string]any
	if err := json.Unmarshal(orig, &probe); err != nil || probe["schema_version"] == nil {
		t.Fatalf("not a JSON report with schema_version: %v", err)
	}
	for _, f := range formatNames() {
		code, out, errs := run(t, "report", "convert", "-format", f, js)
		if code != ExitOK || out == "" {
			t.Errorf("convert to %s: exit %d, %d bytes; %s", f, code, len(out), errs)
		}
		if f == "json" && out != string(orig) {
			t.Errorf("json -> json conversion changed the report")
		}
	}
}
