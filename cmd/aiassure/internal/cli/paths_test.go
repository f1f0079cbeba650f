package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A profile whose data set is a symbolic link to a file outside its folder
// (issue 14: through a link to /etc/passwd, the file's first line was quoted
// in the report). The path is refused, is never read, and nothing of the
// file reaches the output, the report or the messages; -allow-outside-paths
// reads it.
func TestAssessRefusesPathsOutsideTheProfile(t *testing.T) {
	const marker = "root:x:0:0:SECRET-OUTSIDE-LINE"
	outside := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(outside, []byte(marker+"\nsecond line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	prof := copyExample(t, "minimal-risk")
	dir := filepath.Dir(prof)
	if err := os.Symlink(outside, filepath.Join(dir, "data", "link.csv")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	src, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, data string
	}{
		{"symlink out", "data/link.csv"},
		{"dot-dot", "../" + filepath.Base(filepath.Dir(outside)) + "/passwd"},
		{"absolute", outside},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(string(src), "  data: data/test.csv", "  data: "+tc.data, 1)
			if doc == string(src) {
				t.Fatal("the example's artefacts.data moved")
			}
			if err := os.WriteFile(prof, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "r.json")
			code, stdout, stderr := run(t, "assess", "-format", "json", "-o", out, prof)
			if code != ExitUsage || !strings.Contains(stderr, "artefacts.data") || !strings.Contains(stderr, "-allow-outside-paths") {
				t.Errorf("exit %d, stderr %q; want exit 2 naming artefacts.data and the flag", code, stderr)
			}
			code, stdout2, stderr2 := run(t, "assess", "-allow-missing", "-format", "json", "-o", out, prof)
			if code != ExitOK {
				t.Fatalf("-allow-missing: exit %d: %s", code, stderr2)
			}
			report, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			for what, s := range map[string]string{"stdout": stdout + stdout2, "stderr": stderr + stderr2, "report": string(report)} {
				if strings.Contains(s, "SECRET-OUTSIDE-LINE") {
					t.Errorf("the outside file's content is in the %s", what)
				}
			}
			if !strings.Contains(string(report), "not read") {
				t.Error("the report does not say the data set was not read")
			}
			if code, _, stderr := run(t, "assess", "-allow-outside-paths", "-format", "json", "-o", out, prof); code == ExitUsage && strings.Contains(stderr, "outside") {
				t.Errorf("-allow-outside-paths: still refused: %s", stderr)
			}
		})
	}
}
