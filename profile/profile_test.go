package profile

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/internal/yamlx"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with the golden file, or rewrites it under -update.
func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", file, diff)
	}
}

func TestGood(t *testing.T) {
	files, _ := filepath.Glob("testdata/good/*.yaml")
	if len(files) == 0 {
		t.Fatal("no good profiles")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			p, err := Load(file)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if p.Path != file {
				t.Errorf("Path = %q, want %q", p.Path, file)
			}
			if err := p.Validate(); err != nil {
				t.Errorf("Validate after Load: %v", err)
			}
			got, err := json.MarshalIndent(p, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(file, ".yaml")+".json", append(got, '\n'))
		})
	}
}

func TestBad(t *testing.T) {
	files, _ := filepath.Glob("testdata/bad/*.yaml")
	if len(files) == 0 {
		t.Fatal("no bad profiles")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			p, err := Load(filepath.ToSlash(file))
			if err == nil {
				t.Fatalf("Load succeeded: %+v", p)
			}
			if p != nil {
				t.Errorf("Load returned a profile with its error")
			}
			var es yamlx.Errors
			if !errors.As(err, &es) {
				t.Fatalf("error is %T, not yamlx.Errors: %v", err, err)
			}
			for _, e := range es {
				if e.File != filepath.ToSlash(file) {
					t.Errorf("error without the file name: %v", e)
				}
			}
			golden(t, strings.TrimSuffix(file, ".yaml")+".err", []byte(err.Error()+"\n"))
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/no-such-file.yaml")
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v, want a not-exist error", err)
	}
}

func TestLoadTooBig(t *testing.T) {
	file := filepath.Join(t.TempDir(), "big.yaml")
	data := append([]byte("system:\n  description: "), bytes.Repeat([]byte("x"), MaxSize)...)
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(file)
	if err == nil || !strings.Contains(err.Error(), "more than the limit") {
		t.Errorf("got %v, want a size error", err)
	}
}

// TestValidateInCode checks that a profile built in code validates, and that
// its errors then carry paths but no positions.
func TestValidateInCode(t *testing.T) {
	p := &Profile{
		APIVersion: APIVersion,
		System:     System{Name: "n", Purpose: "p", Sector: "s"},
		Role:       "provider",
		Assurance:  "high",
		Assets:     []Asset{{ID: "m", Kind: "model"}},
		Performance: []Declared{
			{Metric: "accuracy", Value: 0}, // an explicit zero is allowed in code
		},
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	p.Path = "code"
	p.Assets = append(p.Assets, Asset{ID: "m", Kind: "robot"})
	p.System.Name = ""
	err := p.Validate()
	want := strings.Join([]string{
		"code: system.name: required field is missing",
		`code: assets[1].kind: invalid value "robot" (allowed: ` + strings.Join(catalog.AssetKinds, ", ") + ")",
		`code: assets[1].id: duplicate id "m" (also assets[0])`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}

func TestPositionAndResolve(t *testing.T) {
	p, err := Load("testdata/good/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path      string
		line, col int
	}{
		{"assets[2].exposure.rate_limit", 63, 19},
		{"assets[1].exposure.rate_limit", 50, 5}, // absent: the enclosing asset
		{"use.annex_iii[1]", 16, 7},
		{"", 2, 1},
	}
	for _, tt := range tests {
		if line, col := p.Position(tt.path); line != tt.line || col != tt.col {
			t.Errorf("Position(%q) = %d:%d, want %d:%d", tt.path, line, col, tt.line, tt.col)
		}
	}
	if line, col := (&Profile{}).Position("system"); line != 0 || col != 0 {
		t.Errorf("Position on a profile built in code = %d:%d", line, col)
	}

	dir := filepath.Join("testdata", "good")
	abs, _ := filepath.Abs("x")
	for rel, want := range map[string]string{
		"model/mlp.onnx": filepath.Join(dir, "model", "mlp.onnx"),
		"../x.csv":       filepath.Join("testdata", "x.csv"),
		"":               "",
		abs:              abs,
	} {
		if got := p.Resolve(rel); got != want {
			t.Errorf("Resolve(%q) = %q, want %q", rel, got, want)
		}
	}
	if got := (&Profile{}).Resolve("a/b"); got != filepath.Join("a", "b") {
		t.Errorf("Resolve without Path = %q", got)
	}
}

// TestPositionsForgotten checks that a profile's positions go with it.
func TestPositionsForgotten(t *testing.T) {
	count := func() int {
		n := 0
		positions.Range(func(any, any) bool { n++; return true })
		return n
	}
	before := count()
	for range 20 {
		if _, err := Load("testdata/good/minimal.yaml"); err != nil {
			t.Fatal(err)
		}
	}
	for range 10 {
		runtime.GC()
		if count() <= before {
			return
		}
	}
	t.Errorf("positions kept %d entries after GC, started with %d", count(), before)
}

func TestCheck(t *testing.T) {
	c, err := catalog.Load()
	if err != nil {
		t.Fatalf("catalog.Load: %v", err)
	}
	p, err := Decode("p.yaml", []byte(`api_version: aiassure.dev/v1
system: {name: n, intended_purpose: p, sector: s}
role: provider
assurance: basic
assets: [{id: m, kind: model}]
controls:
  - id: c-rate-limiting
    status: implemented
  - id: c-rate-limitting
    status: planned
  - id: c-no-such-thing-at-all
    status: planned
`))
	if err != nil {
		t.Fatal(err)
	}
	err = Check(p, c)
	want := `p.yaml:9:9: controls[1].id: unknown control "c-rate-limitting": not in the catalogue; did you mean "c-rate-limiting"?` + "\n" +
		`p.yaml:11:9: controls[2].id: unknown control "c-no-such-thing-at-all": not in the catalogue`
	if err == nil || err.Error() != want {
		t.Errorf("Check:\n%v\nwant\n%s", err, want)
	}
	good, err := Load("testdata/good/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(good, c); err != nil {
		t.Errorf("Check(full.yaml): %v", err)
	}
	if Check(nil, c) == nil {
		t.Error("Check(nil) should fail")
	}
}

// TestExamples loads the shipped example profiles, which must be valid and
// name only catalogue controls.
func TestExamples(t *testing.T) {
	c, err := catalog.Load()
	if err != nil {
		t.Fatalf("catalog.Load: %v", err)
	}
	files, _ := filepath.Glob("../examples/*/profile.yaml")
	for _, file := range files {
		p, err := Load(file)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if err := Check(p, c); err != nil {
			t.Errorf("%v", err)
		}
	}
}

// TestDocsCoverFields checks that docs/profile.md names every field.
func TestDocsCoverFields(t *testing.T) {
	doc, err := os.ReadFile("../docs/profile.md")
	if err != nil {
		t.Fatal(err)
	}
	for path := range descriptions {
		if path == "" || strings.HasSuffix(path, "[]") {
			continue
		}
		name := path[strings.LastIndexAny(path, ".]")+1:]
		if !bytes.Contains(doc, []byte("`"+name+"`")) {
			t.Errorf("docs/profile.md does not name the field `%s` (%s)", name, path)
		}
	}
	for path, values := range Enums() {
		for _, v := range values {
			if !bytes.Contains(doc, []byte(v)) {
				t.Errorf("docs/profile.md does not list %q, a value of %s", v, path)
			}
		}
	}
}

// TestDocsExample checks that the complete example in docs/profile.md is the
// tested full.yaml, so the documentation's example always validates.
func TestDocsExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/profile.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), "## Complete example")
	if !ok {
		t.Fatal("docs/profile.md has no complete example")
	}
	_, after, _ = strings.Cut(after, "```yaml\n")
	example, _, _ := strings.Cut(after, "```")
	full, err := os.ReadFile("testdata/good/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := strings.Cut(string(full), "\n") // drop the leading comment
	if diff := cmp.Diff(body, example); diff != "" {
		t.Errorf("docs example differs from testdata/good/full.yaml (-full +docs):\n%s", diff)
	}
}
