package cli

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lineageDir makes keys, files and two attestations (data, training)
// through the CLI and returns the directory.
func lineageDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "att"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"raw/a.csv": "x\n1\n", "train.csv": "x\n1\n1\n", "train.py": "fit()\n", "model.onnx": "weights"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	must := func(args ...string) {
		t.Helper()
		if code, _, stderr := run(t, args...); code != ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	must("keys", "generate", "-o", filepath.Join(dir, "k"))
	must("lineage", "attest", "-step", "data", "-key", filepath.Join(dir, "k.key"), "-root", dir,
		"-subject", "train.csv", "-material", "input=raw", "-o", filepath.Join(dir, "att", "1-data.json"))
	must("lineage", "attest", "-step", "training", "-key", filepath.Join(dir, "k.key"), "-root", dir,
		"-subject", "model.onnx", "-material", "dataset=train.csv", "-material", "code=train.py", "-o", filepath.Join(dir, "att", "2-training.json"))
	return dir
}

func TestLineageGraphSVG(t *testing.T) {
	dir := lineageDir(t)
	code, out, stderr := run(t, "lineage", "graph", "-key", filepath.Join(dir, "k.pub"), "-format", "svg", "-from", "raw/a.csv", filepath.Join(dir, "att"))
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if err := xml.Unmarshal([]byte(out), new(struct{})); err != nil {
		t.Fatalf("not XML: %v\n%s", err, out)
	}
	for _, s := range []string{"<title>what was made from raw/a.csv</title>", ">raw/a.csv<", "train.csv", "model.onnx", ">training<", ">dataset<"} {
		if !strings.Contains(out, s) {
			t.Errorf("SVG lacks %q", s)
		}
	}
	if code, _, stderr := run(t, "lineage", "graph", "-key", filepath.Join(dir, "k.pub"), "-format", "png", filepath.Join(dir, "att")); code != ExitUsage || !strings.Contains(stderr, `unknown format "png"`) {
		t.Errorf("-format png: exit %d, %s", code, stderr)
	}
}
