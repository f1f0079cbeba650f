package profile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const factsBase = `# A profile.
api_version: aiassure.dev/v1
system: # the system
  name: x
  intended_purpose: y
  sector: z
role: provider
assurance: basic
assets:
  - {id: m, kind: model}
`

func TestSetFacts(t *testing.T) {
	facts := map[string]string{"b_fact": "no", "a_fact": "yes", "c": "unknown"}
	order := []string{"b_fact", "a_fact"}
	block := "facts:\n  b_fact: no\n  a_fact: yes\n  c: unknown\n"
	for _, tc := range []struct{ name, src, want string }{
		{"appended", factsBase, factsBase + "\n" + block},
		{"no final newline", strings.TrimSuffix(factsBase, "\n"), factsBase + "\n" + block},
		{"before use, with its comment", factsBase + "# claims\nuse:\n  profiling: true\n", factsBase + block + "\n# claims\nuse:\n  profiling: true\n"},
		{"replaced in place", factsBase + "facts:\n  old: yes\n  # a note\n  older: no\n# next\nlineage:\n  attestations: []\n",
			factsBase + block + "# next\nlineage:\n  attestations: []\n"},
		{"flow style replaced", factsBase + "facts: {old: yes}\nuse: {}\n", factsBase + block + "use: {}\n"},
		{"at the end", factsBase + "facts:\n  old: yes\n", factsBase + block},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SetFacts("p.yaml", []byte(tc.src), facts, order)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
			p, err := Decode("p.yaml", got)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Facts) != 3 || p.Facts["a_fact"] != "yes" || p.Facts["c"] != "unknown" {
				t.Errorf("facts read back: %v", p.Facts)
			}
		})
	}
}

func TestSetFactsRefusesBreakage(t *testing.T) {
	// A value YAML would not read back as the same string is quoted.
	got, err := SetFacts("p.yaml", []byte(factsBase), map[string]string{"x": "true: or: not"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode("p.yaml", got)
	if err != nil || p.Facts["x"] != "true: or: not" {
		t.Errorf("read back %v, %v", p.Facts, err)
	}
	if _, err := SetFacts("p.yaml", []byte("api_version: [\n"), map[string]string{"x": "yes"}, nil); err == nil {
		t.Error("a profile that does not read was accepted")
	}
}

func TestWriteFileKeepsMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.yaml")
	if err := os.WriteFile(path, []byte("a"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("b")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(path); string(b) != "b" {
		t.Errorf("content %q", b)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}
