package safepath

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzResolve checks that a name Resolve accepts stays inside the folder,
// lexically and after its symbolic links are resolved.
func FuzzResolve(f *testing.F) {
	for _, s := range []string{"a", "data/x.csv", "../x", "/etc/passwd", "a/../../b", "link/x", "link2", `..\x`, "C:/x", "a//b/./c", "."} {
		f.Add(s)
	}
	dir := f.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "in", "a"), 0o755); err != nil {
		f.Fatal(err)
	}
	_ = os.Symlink(dir, filepath.Join(dir, "in", "link"))
	_ = os.Symlink("a", filepath.Join(dir, "in", "link2"))
	in := filepath.Join(dir, "in")
	f.Fuzz(func(t *testing.T, name string) {
		p, err := Resolve(in, name)
		if err != nil {
			return
		}
		abs, _ := filepath.Abs(p)
		if !Within(in, filepath.Clean(abs)) {
			t.Fatalf("%q resolved to %s, outside %s", name, p, in)
		}
		if real, err := evalExisting(abs); err == nil {
			realIn, _ := filepath.EvalSymlinks(in)
			if !Within(realIn, real) {
				t.Fatalf("%q resolves through links to %s, outside %s", name, real, realIn)
			}
		}
	})
}
