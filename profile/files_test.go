package profile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/internal/yamlx"
)

// filesProfile is a valid profile that declares one file of every kind.
const filesProfile = `api_version: aiassure.dev/v1
system:
  name: files
  intended_purpose: test the artefact check
  sector: other
role: provider
assurance: basic
lifecycle:
  continuous_learning: false
assets:
  - id: train
    kind: dataset
    path: data/train.csv
  - id: model
    kind: model
    path: model
artefacts:
  model: model/m.onnx
  data: data/test.csv
controls:
  - id: c-access-control
    status: implemented
    evidence:
      - kind: document
        ref: evidence/policy.md
      - kind: document
        ref: https://example.org/policy
      - kind: document
        ref: doc:DPIA-2024-03
lineage:
  attestations: [att]
  keys: [keys/k.pub]
  policy: policy.yaml
risk_acceptance: accepted-risks.yaml
`

var filesOnDisk = []string{
	"data/train.csv", "data/test.csv", "model/m.onnx", "model/card.md", "evidence/policy.md",
	"att/1.json", "keys/k.pub", "policy.yaml", "accepted-risks.yaml",
}

func writeTree(t *testing.T, dir string, files []string) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func loadFilesProfile(t *testing.T, dir string) *Profile {
	t.Helper()
	path := filepath.Join(dir, "profile.yaml")
	if err := os.WriteFile(path, []byte(filesProfile), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckFilesAllThere(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, filesOnDisk)
	p := loadFilesProfile(t, dir)
	if err := CheckFiles(p); err != nil {
		t.Fatalf("CheckFiles: %v", err)
	}
}

func TestCheckFilesMissing(t *testing.T) {
	// line of each field in filesProfile, 1-based
	lineOf := func(s string) int {
		for i, l := range strings.Split(filesProfile, "\n") {
			if strings.Contains(l, s) {
				return i + 1
			}
		}
		t.Fatalf("no line with %q", s)
		return 0
	}
	tests := []struct {
		name   string
		remove string // a file of filesOnDisk left out
		path   string // the field path the error names
		line   int
		msg    string
	}{
		{"model", "model/m.onnx", "artefacts.model", lineOf("model: model/m.onnx"), "m.onnx does not exist"},
		{"data", "data/test.csv", "artefacts.data", lineOf("data: data/test.csv"), "test.csv does not exist"},
		{"asset", "data/train.csv", "assets[0].path", lineOf("path: data/train.csv"), "train.csv does not exist"},
		{"evidence", "evidence/policy.md", "controls[0].evidence[0].ref", lineOf("ref: evidence/policy.md"), "policy.md does not exist"},
		{"attestations", "att/1.json", "", 0, ""}, // the directory stays, empty: fine
		{"key", "keys/k.pub", "lineage.keys[0]", lineOf("keys: [keys/k.pub]"), "k.pub does not exist"},
		{"policy", "policy.yaml", "lineage.policy", lineOf("policy: policy.yaml"), "policy.yaml does not exist"},
		{"risk acceptance", "accepted-risks.yaml", "risk_acceptance", lineOf("risk_acceptance:"), "accepted-risks.yaml does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var files []string
			for _, f := range filesOnDisk {
				if f != tt.remove {
					files = append(files, f)
				}
			}
			writeTree(t, dir, files)
			if tt.remove == "att/1.json" {
				os.MkdirAll(filepath.Join(dir, "att"), 0o755)
			}
			p := loadFilesProfile(t, dir)
			err := CheckFiles(p)
			if tt.path == "" {
				if err != nil {
					t.Fatalf("CheckFiles: %v", err)
				}
				return
			}
			var es yamlx.Errors
			if !errors.As(err, &es) || len(es) != 1 {
				t.Fatalf("want one yamlx.Errors entry, got %T %v", err, err)
			}
			e := es[0]
			if e.File != p.Path || e.Path != tt.path || e.Line != tt.line || e.Col == 0 || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got %s (line %d), want %s:%d:_: %s: ...%s", e, e.Line, p.Path, tt.line, tt.path, tt.msg)
			}
			// the message names the resolved path, so the user can find it
			if !strings.Contains(e.Msg, filepath.Join(dir, filepath.FromSlash(tt.remove))) {
				t.Errorf("message %q does not name the resolved path", e.Msg)
			}
		})
	}
}

func TestCheckFilesEveryProblemListed(t *testing.T) {
	dir := t.TempDir()
	p := loadFilesProfile(t, dir) // nothing on disk
	err := CheckFiles(p)
	var es yamlx.Errors
	if !errors.As(err, &es) {
		t.Fatalf("got %T %v", err, err)
	}
	want := []string{"assets[0].path", "assets[1].path", "artefacts.model", "artefacts.data",
		"controls[0].evidence[0].ref", "lineage.attestations[0]", "lineage.keys[0]", "lineage.policy", "risk_acceptance"}
	if len(es) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(es), len(want), err)
	}
	for i, e := range es {
		if e.Path != want[i] {
			t.Errorf("error %d: path %q, want %q (document order)", i, e.Path, want[i])
		}
		if i > 0 && e.Line < es[i-1].Line {
			t.Errorf("errors not in document order: %v", err)
		}
	}
}

func TestCheckFilesKinds(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, filesOnDisk)
	// a model that is a directory, a key that is a dangling link
	os.Remove(filepath.Join(dir, "model", "m.onnx"))
	os.MkdirAll(filepath.Join(dir, "model", "m.onnx"), 0o755)
	os.Remove(filepath.Join(dir, "keys", "k.pub"))
	if err := os.Symlink(filepath.Join(dir, "nowhere.pub"), filepath.Join(dir, "keys", "k.pub")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	p := loadFilesProfile(t, dir)
	err := CheckFiles(p)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"artefacts.model: " + filepath.Join(dir, "model", "m.onnx") + " is a directory, want a file",
		"lineage.keys[0]: " + filepath.Join(dir, "keys", "k.pub") + " does not exist"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}

func TestCheckFilesUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every file")
	}
	dir := t.TempDir()
	writeTree(t, dir, filesOnDisk)
	if err := os.Chmod(filepath.Join(dir, "policy.yaml"), 0); err != nil {
		t.Fatal(err)
	}
	err := CheckFiles(loadFilesProfile(t, dir))
	if err == nil || !strings.Contains(err.Error(), "lineage.policy: cannot read") {
		t.Fatalf("got %v", err)
	}
}

func TestCheckFilesExamples(t *testing.T) {
	// The shipped examples' files are looked up relative to each profile,
	// wherever the tool runs from: every error names a path under the
	// example's own directory.
	paths, _ := filepath.Glob("../examples/*/profile.yaml")
	if len(paths) == 0 {
		t.Fatal("no examples")
	}
	for _, path := range paths {
		p, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		var es yamlx.Errors
		if err := CheckFiles(p); errors.As(err, &es) {
			for _, e := range es {
				if !strings.Contains(e.Msg, filepath.Dir(path)) || e.Line == 0 {
					t.Errorf("%s: %v", path, e)
				}
			}
		}
	}
}

func TestHasScheme(t *testing.T) {
	for ref, want := range map[string]bool{
		"https://example.org/x": true, "http://x": true, "urn:isbn:0451450523": true, "doc:DPIA-2024-03": true,
		"s3+v2://bucket/x": true, "file:///etc/x": true,
		"model/x.onnx": false, "C:\\evidence\\x.pdf": false, "c:/x": false, "./a:b": false, "": false,
		":x": false, "1a:b": false, "a b:c": false, "evidence/report 2024: final.pdf": false,
	} {
		if got := HasScheme(ref); got != want {
			t.Errorf("HasScheme(%q) = %v, want %v", ref, got, want)
		}
	}
}

func TestCheckFilesNil(t *testing.T) {
	if err := CheckFiles(nil); err == nil {
		t.Error("nil profile: no error")
	}
}
