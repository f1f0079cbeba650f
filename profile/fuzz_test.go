package profile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/aiassure/aiassure/internal/yamlx"
)

// FuzzDecode checks that no input panics, that a profile comes back valid
// or not at all, and that every error names the file.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.yaml")
	examples, _ := filepath.Glob("../examples/*/profile.yaml")
	for _, name := range append(files, examples...) {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Decode("fuzz.yaml", data)
		if err == nil {
			if p == nil {
				t.Fatal("nil profile without error")
			}
			if err := p.Validate(); err != nil {
				t.Fatalf("decoded profile does not validate: %v", err)
			}
			return
		}
		if p != nil {
			t.Fatal("profile returned with an error")
		}
		var es yamlx.Errors
		if !errors.As(err, &es) {
			t.Fatalf("error is %T: %v", err, err)
		}
		if len(es) == 0 || len(es) > yamlx.DefaultMaxErrors+1 {
			t.Fatalf("%d errors", len(es))
		}
		for _, e := range es {
			if e.File != "fuzz.yaml" {
				t.Fatalf("error without the file: %v", e)
			}
		}
	})
}

// FuzzSetFacts writes a facts block into arbitrary profile text: it either
// refuses or returns a profile that reads back with exactly those facts.
func FuzzSetFacts(f *testing.F) {
	f.Add([]byte("api_version: aiassure.dev/v1\nfacts:\n  a: yes\nuse: {}\n"), "creditworthiness", "yes")
	f.Add([]byte("facts: {a: b}\n# c\n"), "x", "true")
	f.Add([]byte(""), "k", "no")
	f.Fuzz(func(t *testing.T, src []byte, k, v string) {
		out, err := SetFacts("fuzz.yaml", src, map[string]string{k: v}, nil)
		if err != nil {
			return
		}
		p, err := Decode("fuzz.yaml", out)
		if err != nil {
			t.Fatalf("SetFacts returned a profile that does not read: %v", err)
		}
		if p.Facts[k] != v {
			t.Fatalf("facts read back %q, want %q: %q", p.Facts[k], v, out)
		}
	})
}
