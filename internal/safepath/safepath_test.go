package safepath

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestResolve(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "example")
	outside := filepath.Join(root, "secret.txt")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "data", "sub"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "data", "x.csv"), []byte("a"), 0o644))
	must(os.WriteFile(outside, []byte("root:x:0:0"), 0o644))
	must(os.Symlink(outside, filepath.Join(dir, "data", "evil.csv")))                 // absolute link out
	must(os.Symlink("../../secret.txt", filepath.Join(dir, "data", "rel-evil.csv")))  // relative link out
	must(os.Symlink("x.csv", filepath.Join(dir, "data", "good-link.csv")))            // link within
	must(os.Symlink(root, filepath.Join(dir, "up")))                                  // folder link out
	must(os.Symlink(filepath.Join(root, "nope"), filepath.Join(dir, "dangling.csv"))) // dangling, out
	tests := []struct {
		name string
		ok   bool
	}{
		{"data/x.csv", true},
		{"data/./x.csv", true},
		{"data/sub/../x.csv", true},
		{"data/good-link.csv", true},
		{"data/missing.csv", true}, // absent: opening it fails later
		{"new/dir/file", true},
		{"data/evil.csv", false},
		{"data/rel-evil.csv", false},
		{"up/secret.txt", false},
		{"up/nope/deeper", false},
		{"dangling.csv", false},
		{"../secret.txt", false},
		{"data/../../secret.txt", false},
		{outside, false},
		{"/etc/passwd", false},
		{"..", false},
	}
	for _, tc := range tests {
		got, err := Resolve(dir, tc.name)
		if tc.ok {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			} else if want := filepath.Join(dir, filepath.FromSlash(tc.name)); got != want {
				t.Errorf("%s: got %s, want %s", tc.name, got, want)
			}
			continue
		}
		if !errors.Is(err, ErrOutside) {
			t.Errorf("%s: got %q, %v; want ErrOutside", tc.name, got, err)
		}
	}
}

func TestJoinAllowOutside(t *testing.T) {
	dir := t.TempDir()
	for name, want := range map[string]string{
		"../x":        filepath.Join(filepath.Dir(dir), "x"),
		"/etc/passwd": "/etc/passwd",
		"a/b":         filepath.Join(dir, "a", "b"),
	} {
		got, err := Join(dir, name, true)
		if err != nil || got != want {
			t.Errorf("%s: got %s, %v; want %s", name, got, err, want)
		}
	}
	if _, err := Join(dir, "../x", false); !errors.Is(err, ErrOutside) {
		t.Errorf("Join without allow: %v", err)
	}
}
