package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/assess"
	"github.com/aiassure/aiassure/report/formats"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// oneLine joins the words of s with single spaces, so that a check of text
// output does not depend on where it wrapped.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

const (
	credit  = "../../../../examples/credit-scoring/profile.yaml"
	minimal = "../../../../examples/minimal-risk/profile.yaml"
)

// copyExample copies an example directory into a temporary one and
// returns the copy's profile.
func copyExample(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join("../../../../examples", name)
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dst, "profile.yaml")
}

// lineOf returns the 1-based line of the first line of the file at path
// that holds s.
func lineOf(t *testing.T, path, s string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("%s has no %q", path, s)
	return 0
}

// editProfile replaces old by new in the profile at path (once; it must be there).
func editProfile(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s has no %q", path, old)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestExitCodesAndMessages(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(minimal)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, bytes.Replace(good, []byte("assurance: basic"), []byte("assurance: extreme"), 1), 0o644)
	notYAML := filepath.Join(dir, "x.yaml")
	os.WriteFile(notYAML, []byte("system: [unclosed\n"), 0o644)

	noModel := copyExample(t, "minimal-risk")
	editProfile(t, noModel, "model: model/mlp.onnx", "model: model/missing.onnx")
	noEvidence := copyExample(t, "minimal-risk")
	os.Remove(filepath.Join(filepath.Dir(noEvidence), "model", "expected.json"))
	noKey := copyExample(t, "minimal-risk")
	os.Remove(filepath.Join(filepath.Dir(noKey), "keys", "ml-team.pub"))

	junk := filepath.Join(dir, "junk.json")
	os.WriteFile(junk, []byte("junk"), 0o644)
	list := filepath.Join(dir, "list.json")
	os.WriteFile(list, []byte(`[{"id":"x","check":"probe","status":"pass","summary":"s"}]`), 0o644)
	other := filepath.Join(dir, "other.json")
	os.WriteFile(other, []byte(`{"type":"aiassure.results","schema_version":"9.0.0","results":[]}`), 0o644)

	tests := []struct {
		name      string
		args      []string
		code      int
		out, errs string // substrings expected in stdout, stderr
	}{
		{"no arguments", nil, ExitUsage, "", "usage: aiassure <command>"},
		{"help", []string{"help"}, ExitOK, "commands:", ""},
		{"unknown command", []string{"asses"}, ExitUsage, "", `unknown command "asses"; did you mean "assess"?`},
		{"assess without profile", []string{"assess"}, ExitUsage, "", "want one profile"},
		{"assess unknown format", []string{"assess", "-format", "pdf", minimal}, ExitUsage, "", `unknown format "pdf"`},
		{"assess bad flag", []string{"assess", "-bogus", minimal}, ExitUsage, "", "flag provided but not defined: -bogus\nrun 'aiassure help assess' for its flags"},
		{"assess missing file", []string{"assess", filepath.Join(dir, "none.yaml")}, ExitUsage, "", "none.yaml"},
		{"assess bad value", []string{"assess", bad}, ExitUsage, "", `bad.yaml:`},
		{"assess bad value names field", []string{"assess", bad}, ExitUsage, "", `assurance: invalid value "extreme"`},
		{"assess broken YAML", []string{"assess", notYAML}, ExitUsage, "", "x.yaml"},
		{"assess text", []string{"assess", minimal}, ExitOK, "AI ACT CLASSIFICATION", ""},
		{"assess fail-on high", []string{"assess", "-allow-missing", "-fail-on", "high", credit}, ExitFindings, "", "at or above high"},
		{"assess fail-on bad", []string{"assess", "-fail-on", "severe", minimal}, ExitUsage, "", "unknown severity"},
		// a critical residual risk is a critical finding, so -fail-on critical trips
		{"assess fail-on critical", []string{"assess", "-format", "json", "-fail-on", "critical", credit}, ExitFindings, "", "at or above critical"},

		// declared artefacts that are not there: exit 2 with file:line:col and field
		{"missing model", []string{"assess", noModel}, ExitUsage, "", fmt.Sprintf("profile.yaml:%d:10: artefacts.model: ", lineOf(t, noModel, "model: model/missing.onnx")) + filepath.Join(filepath.Dir(noModel), "model", "missing.onnx") + " does not exist"},
		{"missing model hint", []string{"assess", noModel}, ExitUsage, "", "give -allow-missing"},
		{"missing evidence", []string{"assess", noEvidence}, ExitUsage, "", "controls[0].evidence[0].ref: " + filepath.Join(filepath.Dir(noEvidence), "model", "expected.json") + " does not exist"},
		{"missing key", []string{"assess", noKey}, ExitUsage, "", "lineage.keys[1]: "},
		{"missing evidence, classify", []string{"classify", noEvidence}, ExitUsage, "", "does not exist"},
		{"missing evidence, risk", []string{"risk", "-checks=false", noEvidence}, ExitUsage, "", "does not exist"},
		{"missing evidence allowed", []string{"assess", "-allow-missing", noEvidence}, ExitOK, "AI ACT CLASSIFICATION", fmt.Sprintf("warning: not assessed: %s:%d:14: controls[0].evidence[0].ref", noEvidence, lineOf(t, noEvidence, "ref: model/expected.json"))},

		// -results
		{"results junk", []string{"assess", "-results", junk, minimal}, ExitUsage, "", "-results: " + junk + ": not a results file: not JSON"},
		{"results bare list", []string{"assess", "-results", list, minimal}, ExitUsage, "", "bare JSON list"},
		{"results other major", []string{"assess", "-results", other, minimal}, ExitUsage, "", "major version"},
		{"results missing", []string{"assess", "-results", filepath.Join(dir, "none.json"), minimal}, ExitUsage, "", "none.json: no such file"},
		{"results profile", []string{"assess", "-results", minimal, minimal}, ExitUsage, "", "not a results file"},

		// -format and -o
		{"format contradicts -o", []string{"assess", "-format", "json", "-o", filepath.Join(dir, "r.html"), minimal}, ExitUsage, "",
			"-format json contradicts -o " + filepath.Join(dir, "r.html") + ", whose extension .html means html"},
		{"-o in no directory", []string{"classify", "-o", filepath.Join(dir, "no", "c.txt"), minimal}, ExitUsage, "", "-o: open " + filepath.Join(dir, "no", "c.txt")},
		{"unknown extension", []string{"assess", "-o", filepath.Join(dir, "r.pdf"), minimal}, ExitUsage, "", "the extension .pdf names no format of this command; give -format"},
		{"json alias contradicts format", []string{"classify", "-json", "-format", "text", minimal}, ExitUsage, "", "-json and -format text contradict"},
		{"json alias contradicts -o", []string{"classify", "-json", "-o", filepath.Join(dir, "c.txt"), minimal}, ExitUsage, "", "-json contradicts -o"},
		{"classify json", []string{"classify", "-json", minimal}, ExitOK, `"tier": "minimal"`, ""},
		{"classify format json", []string{"classify", "-format", "json", minimal}, ExitOK, `"tier": "minimal"`, ""},

		{"classify", []string{"classify", "-allow-missing", credit}, ExitOK, "high-risk", ""},
		{"risk", []string{"risk", "-checks=false", minimal}, ExitOK, "LIKELIHOOD", ""},
		{"gaps", []string{"gaps", "-checks=false", minimal}, ExitOK, "SEVERITY", ""},
		{"catalog validate", []string{"catalog", "validate"}, ExitOK, "valid (", ""},
		{"catalog validate json", []string{"catalog", "validate", "-format", "json"}, ExitOK, `"valid": true`, ""},
		{"catalog validate bad dir", []string{"catalog", "validate", dir}, ExitUsage, "", "catalog.yaml: version"},
		{"catalog list", []string{"catalog", "list", "threats"}, ExitOK, "evasion", ""},
		{"catalog list json", []string{"catalog", "list", "-json", "threats"}, ExitOK, `"id": "evasion"`, ""},
		{"catalog list bad kind", []string{"catalog", "list", "threat"}, ExitUsage, "", `unknown kind "threat"`},
		{"catalog show", []string{"catalog", "show", "threats", "evasion"}, ExitOK, "id: evasion", ""},
		{"catalog show json", []string{"catalog", "show", "-format", "json", "threats", "evasion"}, ExitOK, `"id": "evasion"`, ""},
		{"catalog show suggests", []string{"catalog", "show", "threats", "evasoin"}, ExitUsage, "", `did you mean "evasion"`},
		{"catalog search", []string{"catalog", "search", "membership", "inference"}, ExitOK, "membership-inference", ""},
		{"catalog search json", []string{"catalog", "search", "-format", "json", "membership"}, ExitOK, `"kind": "threats"`, ""},
		{"catalog matrix csv", []string{"catalog", "matrix", "-format", "csv", "enisa-a3"}, ExitOK, "enisa-a3,iso-iec-22989", ""},
		{"catalog matrix table alias", []string{"catalog", "matrix", "-format", "table", "enisa-a3"}, ExitOK, "STANDARD", ""},
		{"catalog unknown sub", []string{"catalog", "lst"}, ExitUsage, "", `unknown sub-command "lst" (have list, show, search, matrix, stale, validate, export); did you mean "list"?`},
		{"catalog stale", []string{"catalog", "stale", "-before", "2099-01-01"}, ExitOK, "AS OF", ""},
		{"catalog stale default", []string{"catalog", "stale"}, ExitOK, "checks before", ""},
		{"catalog stale json", []string{"catalog", "stale", "-before", "2000-01-01", "-format", "json"}, ExitOK, "[]", ""},
		{"catalog stale bad date", []string{"catalog", "stale", "-before", "2026-13-01"}, ExitUsage, "", `-before: date "2026-13-01": want YYYY-MM-DD`},
		{"catalog stale argument", []string{"catalog", "stale", "2026-01-01"}, ExitUsage, "", "want no arguments"},
		{"catalog export", []string{"catalog", "export", "-format", "oscal"}, ExitOK, `"catalog"`, ""},
		{"catalog export mapping", []string{"catalog", "export", "-what", "mapping"}, ExitOK, `"mapping-collection"`, ""},
		{"catalog export to html", []string{"catalog", "export", "-o", filepath.Join(dir, "c.html")}, ExitUsage, "", "extension .html names no format"},
		{"schema profile", []string{"schema", "profile"}, ExitOK, `"$schema"`, ""},
		{"schema catalog", []string{"schema", "catalog", "threats"}, ExitOK, `"threats"`, ""},
		{"lineage unknown sub", []string{"lineage", "verfy"}, ExitUsage, "", `did you mean "verify"?`},
		{"lineage verify no key", []string{"lineage", "verify", dir}, ExitUsage, "", "aiassure lineage verify: give at least one -key"},
		{"lineage graph bad format", []string{"lineage", "graph", "-format", "png", dir}, ExitUsage, "", `unknown format "png" (have text, dot, svg, json)`},
		{"report convert missing", []string{"report", "convert", filepath.Join(dir, "none.json")}, ExitUsage, "", "none.json"},
		{"report convert not a report", []string{"report", "convert", junk}, ExitUsage, "", "junk.json"},
		{"report unknown sub", []string{"report", "show"}, ExitUsage, "", `unknown sub-command "show"`},
		{"keys unknown sub", []string{"keys", "make"}, ExitUsage, "", `unknown sub-command "make"`},

		// versions
		{"version", []string{"version"}, ExitOK, "report schema", ""},
		{"--version", []string{"--version"}, ExitOK, "aiassure " + assess.Version + " (report schema", ""},
		{"-version", []string{"-version"}, ExitOK, "aiassure " + assess.Version, ""},
		{"version json", []string{"version", "-format", "json"}, ExitOK, `"report_schema"`, ""},
		{"version extra", []string{"version", "x"}, ExitUsage, "", "want no arguments"},
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
			if line := doubled(errs); line != "" {
				t.Errorf("doubled prefix in %q", line)
			}
			if strings.Contains(errs, "\r") {
				t.Error("progress drawn on a non-terminal")
			}
		})
	}
}

// doubled returns the first line of s with a doubled prefix ("aiassure
// assess: assess: ...", "read x: read x: ...", "aiassure lineage verify:
// verify: ..."), or "".
func doubled(s string) string {
	for _, line := range strings.Split(s, "\n") {
		parts := strings.Split(line, ": ")
		for i := 1; i < len(parts); i++ {
			prev := parts[i-1]
			if parts[i] == prev || strings.HasSuffix(prev, " "+parts[i]) && i+1 < len(parts) {
				return line
			}
		}
	}
	return ""
}

func TestDoubled(t *testing.T) {
	for s, want := range map[string]bool{
		"aiassure assess: assess: x":          true,
		"aiassure lineage verify: verify: x":  true,
		"aiassure assess: read profile: x":    false,
		"aiassure assess: -format json: x":    false,
		"aiassure report convert: r.json: no": false,
	} {
		if got := doubled(s) != ""; got != want {
			t.Errorf("doubled(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestTrimPrefixes(t *testing.T) {
	for _, tt := range []struct{ msg, name, want string }{
		{"assess: assess: profile: x", "assess", "profile: x"},
		{"lineage verify: verify: x", "lineage verify", "x"},
		{"verify: x", "lineage verify", "x"},
		{"risk: x", "assess", "risk: x"},
	} {
		if got := trimPrefixes(tt.msg, tt.name); got != tt.want {
			t.Errorf("trimPrefixes(%q, %q) = %q, want %q", tt.msg, tt.name, got, tt.want)
		}
	}
}

// TestHelp: help for every verb and sub-command, asked either way, is on
// stdout with exit 0 and lists the flags.
func TestHelp(t *testing.T) {
	check := func(t *testing.T, args []string, want ...string) {
		t.Helper()
		code, out, errs := run(t, args...)
		if code != ExitOK || errs != "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: stdout does not contain %q:\n%s", args, w, out)
			}
		}
	}
	for _, c := range commands() {
		check(t, []string{"help", c.name}, "usage: aiassure "+c.name, c.summary)
		check(t, []string{c.name, "-h"}, "usage: aiassure "+c.name)
		for _, s := range c.subs {
			check(t, []string{"help", c.name, s.name}, "usage: aiassure "+c.name+" "+s.name+" "+s.usage, s.summary)
			check(t, []string{c.name, s.name, "-h"}, "usage: aiassure "+c.name+" "+s.name)
			check(t, []string{c.name, s.name, "--help"}, "usage: aiassure "+c.name+" "+s.name)
		}
		if len(c.subs) > 0 {
			check(t, []string{"help", c.name}, "sub-commands:", c.subs[0].name)
		}
	}
	check(t, []string{"help", "assess"}, "-allow-missing", "-format FORMAT", "-fail-on SEVERITY", "-results FILE", "-o FILE")
	check(t, []string{"assess", "-help"}, "-allow-missing")
	check(t, []string{"assess", "--help"}, "-allow-missing")
	check(t, []string{"assess", "profile.yaml", "-h"}, "-allow-missing")
	check(t, []string{"help", "classify"}, "-json", "-format")
	check(t, []string{"help", "lineage", "verify"}, "-policy FILE", "-format")
	check(t, []string{"help", "probe"}, "-model file", "-format")
	check(t, []string{"--help"}, "commands:")

	for _, args := range [][]string{{"help", "nosuch"}, {"help", "lineage", "nosuch"}} {
		if code, _, errs := run(t, args...); code != ExitUsage || errs == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
}

// TestFormatInference writes a report through -o names of every kind
// without -format and checks what each file holds.
func TestFormatInference(t *testing.T) {
	dir := t.TempDir()
	js := filepath.Join(dir, "r.json")
	code, _, errs := run(t, "assess", "-o", js, minimal)
	if code != ExitOK {
		t.Fatalf("assess: %d %s", code, errs)
	}
	if !strings.HasPrefix(errs, "wrote "+js+" (json, ") || !strings.Contains(errs, " KB): ") || !strings.Contains(errs, "finding") {
		t.Errorf("no summary line after writing: %q", errs)
	}
	tests := []struct {
		file, format, want string
	}{
		{"r.txt", "text", "AI ACT CLASSIFICATION"},
		{"r.TXT", "text", "AI ACT CLASSIFICATION"},
		{"r.md", "markdown", "# "},
		{"r.markdown", "markdown", "# "},
		{"r.html", "html", "<!DOCTYPE html>"},
		{"r.htm", "html", "<!DOCTYPE html>"},
		{"r.sarif", "sarif", `"version": "2.1.0"`},
		{"r.sarif.json", "sarif", `"version": "2.1.0"`},
		{"r.oscal.json", "oscal", `"assessment-results"`},
		{"r2.json", "json", `"schema_version"`},
		{"report", "text", "AI ACT CLASSIFICATION"}, // no extension: the default
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			out := filepath.Join(dir, tt.file)
			code, stdout, errs := run(t, "report", "convert", "-o", out, js)
			if code != ExitOK || stdout != "" {
				t.Fatalf("exit %d, stdout %d bytes: %s", code, len(stdout), errs)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), tt.want) {
				t.Errorf("%s holds no %q: %.300s", tt.file, tt.want, b)
			}
			if !strings.HasPrefix(errs, "wrote "+out+" ("+tt.format+", ") {
				t.Errorf("summary line %q", errs)
			}
		})
	}
	// assess itself follows the extension too
	html := filepath.Join(dir, "a.html")
	if code, _, errs := run(t, "assess", "-o", html, minimal); code != ExitOK || !strings.Contains(errs, "(html, ") {
		t.Fatalf("assess -o a.html: %d %s", code, errs)
	}
	if b, _ := os.ReadFile(html); !bytes.HasPrefix(b, []byte("<!DOCTYPE html>")) {
		t.Errorf("assess -o a.html wrote %.100s", b)
	}
	// a JSON format into .json is no contradiction; anything into an unknown extension with -format is fine
	for _, args := range [][]string{{"-format", "sarif", "-o", filepath.Join(dir, "s.json")}, {"-format", "html", "-o", filepath.Join(dir, "r.pdf")}, {"-format", "md", "-o", filepath.Join(dir, "r.md")}} {
		if code, _, errs := run(t, append(append([]string{"report", "convert"}, args...), js)...); code != ExitOK {
			t.Errorf("%v: exit %d: %s", args, code, errs)
		}
	}
	for _, args := range [][]string{{"-format", "json", "-o", filepath.Join(dir, "x.sarif")}, {"-format", "text", "-o", filepath.Join(dir, "x.md")}, {"-format", "json", "-o", filepath.Join(dir, "x.oscal.json")}} {
		if code, _, errs := run(t, append(append([]string{"report", "convert"}, args...), js)...); code != ExitUsage || !strings.Contains(errs, "contradicts") {
			t.Errorf("%v: exit %d: %s", args, code, errs)
		}
	}
}

// TestFormatSpecs: every report format's own extension infers it, and
// the spec's names are the report formats.
func TestFormatSpecs(t *testing.T) {
	if strings.Join(reportFormats.names, ",") != "text,json,markdown,html,sarif,oscal" {
		t.Errorf("report format names %v", reportFormats.names)
	}
	for _, f := range formats.All() {
		r, ok := reportFormats.byExt("x" + f.Ext)
		if !ok || r.formats[0] != f.Name {
			t.Errorf("x%s infers %v, want %s", f.Ext, r.formats, f.Name)
		}
		if _, ok := reportFormats.canon(f.Name); !ok {
			t.Errorf("format %s not in the spec", f.Name)
		}
	}
	for _, s := range []*formatSpec{reportFormats, textJSON, predictFormats, yamlJSON, matrixFormats, tableFormats, oscalOnly, hashFormats, graphFormats, bomFormats} {
		if _, ok := s.canon(s.def); !ok {
			t.Errorf("default %q not among %v", s.def, s.names)
		}
		for i, r := range s.exts {
			for _, f := range r.formats {
				if _, ok := s.canon(f); !ok {
					t.Errorf("%s -> unknown format %q", r.ext, f)
				}
			}
			for _, later := range s.exts[i+1:] {
				if strings.HasSuffix(later.ext, r.ext) {
					t.Errorf("%s comes before the more specific %s", r.ext, later.ext)
				}
			}
		}
	}
}

// TestResultsRoundTrip: what probe -format json writes, and a saved JSON
// report, are accepted by assess -results.
func TestResultsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	res := filepath.Join(dir, "probe.json")
	code, _, errs := run(t, "probe", "-model", ex+"minimal-risk/model/mlp.onnx", "-data", ex+"minimal-risk/data/test.csv",
		"-attacks", "pgd-linf", "-epsilon", "0.1", "-samples", "10", "-o", res)
	if code != ExitOK {
		t.Fatalf("probe: %d %s", code, errs)
	}
	if !strings.HasPrefix(errs, "wrote "+res+" (json, ") || !strings.Contains(errs, " results: ") {
		t.Errorf("summary line %q", errs)
	}
	rs, err := assess.LoadResults(res)
	if err != nil || len(rs) == 0 {
		t.Fatalf("probe's output does not load: %v", err)
	}
	rep := filepath.Join(dir, "r.json")
	if code, _, errs := run(t, "assess", "-results", res, "-o", rep, minimal); code != ExitOK {
		t.Fatalf("assess -results probe.json: %d %s", code, errs)
	}
	count := func(path string) int {
		b, _ := os.ReadFile(path)
		var r struct{ Results []json.RawMessage }
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		return len(r.Results)
	}
	base := filepath.Join(dir, "base.json")
	if code, _, errs := run(t, "assess", "-o", base, minimal); code != ExitOK {
		t.Fatalf("assess: %d %s", code, errs)
	}
	if got, want := count(rep), count(base)+len(rs); got != want {
		t.Errorf("report with -results has %d results, want %d", got, want)
	}
	if code, _, errs := run(t, "assess", "-results", base, "-format", "json", minimal); code != ExitOK {
		t.Errorf("assess -results REPORT.json: %d %s", code, errs)
	}
}

// TestWidth: text output fits $COLUMNS, and identifiers are never cut.
func TestWidth(t *testing.T) {
	_, js, _ := run(t, "gaps", "-checks=false", "-json", minimal)
	var cov struct {
		Gaps []struct{ ID string }
	}
	if err := json.Unmarshal([]byte(js), &cov); err != nil || len(cov.Gaps) == 0 {
		t.Fatalf("gaps -json: %v", err)
	}
	_, rjs, _ := run(t, "risk", "-checks=false", "-json", minimal)
	var ra struct {
		Entries []struct{ Threat string }
	}
	if err := json.Unmarshal([]byte(rjs), &ra); err != nil || len(ra.Entries) == 0 {
		t.Fatalf("risk -json: %v", err)
	}
	for _, cols := range []int{80, 100, 140} {
		t.Setenv("COLUMNS", strings.TrimSpace(strings.Repeat(" ", 0)+itoa(cols)))
		for _, verb := range []string{"gaps", "risk", "classify"} {
			args := []string{verb, minimal}
			if verb != "classify" {
				args = []string{verb, "-checks=false", minimal}
			}
			code, out, errs := run(t, args...)
			if code != ExitOK {
				t.Fatalf("%s: %d %s", verb, code, errs)
			}
			for _, l := range strings.Split(out, "\n") {
				if textWidth(l) > cols && len(strings.Fields(l)) > 1 {
					t.Errorf("%s at %d columns: line of %d: %q", verb, cols, textWidth(l), l)
				}
			}
			words := map[string]bool{}
			for _, w := range strings.Fields(out) {
				words[strings.Trim(w, ",;")] = true
			}
			switch verb {
			case "gaps":
				for _, g := range cov.Gaps {
					if !words[g.ID] {
						t.Errorf("gaps at %d columns: id %s cut or missing", cols, g.ID)
					}
				}
			case "risk":
				for _, e := range ra.Entries {
					if !words[e.Threat] {
						t.Errorf("risk at %d columns: threat %s cut or missing", cols, e.Threat)
					}
				}
			}
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestTable(t *testing.T) {
	tb := &table{head: []string{"ID", "TITLE"}}
	tb.add("a-very-long-identifier-that-must-stay-whole", "some words that can wrap at any space between them")
	tb.add("short", "x")
	for _, w := range []int{30, 60, 200} {
		var buf bytes.Buffer
		tb.write(&buf, w)
		words := strings.Fields(buf.String())
		if !strings.Contains(buf.String(), "a-very-long-identifier-that-must-stay-whole") {
			t.Errorf("width %d: identifier cut:\n%s", w, buf.String())
		}
		if oneLine(buf.String()) == "" || len(words) != 2+1+10+2 {
			t.Errorf("width %d: words lost or split: %q", w, words)
		}
		for _, l := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
			// the identifier column is 43 wide; past it the text wraps
			if textWidth(l) > max(w, 43+2+len("between")) {
				t.Errorf("width %d: line of %d: %q", w, textWidth(l), l)
			}
		}
	}
}

func TestStageProgress(t *testing.T) {
	var buf bytes.Buffer
	p := newStageProgress(&buf, "assessing x") // not a terminal: silent
	p.set("check probe")
	p.stop()
	if buf.Len() != 0 {
		t.Errorf("drew on a non-terminal: %q", buf.String())
	}
}

// TestConvertRoundTrip writes a JSON report, converts it into every format,
// and checks the JSON conversion gives back the same bytes.
func TestConvertRoundTrip(t *testing.T) {
	dir := t.TempDir()
	js := filepath.Join(dir, "r.json")
	if code, _, errs := run(t, "assess", "-format", "json", "-o", js, minimal); code != ExitOK {
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
