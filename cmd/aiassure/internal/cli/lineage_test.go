package cli

import (
	"encoding/json"
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

func TestLineageBundle(t *testing.T) {
	dir := lineageDir(t)
	b := filepath.Join(dir, "att", "3-release.sigstore.json")
	if code, _, stderr := run(t, "lineage", "attest", "-step", "release", "-key", filepath.Join(dir, "k.key"), "-root", dir,
		"-subject", "model.onnx", "-material", "dataset=train.csv", "-bundle", "-o", b); code != ExitOK {
		t.Fatalf("attest -bundle: exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"`) || !strings.Contains(string(data), `"dsseEnvelope"`) {
		t.Fatalf("not a bundle:\n%s", data)
	}
	verify := func() (int, string) {
		code, out, _ := run(t, "lineage", "verify", "-key", filepath.Join(dir, "k.pub"), "-root", dir, filepath.Join(dir, "att"))
		return code, out
	}
	if code, out := verify(); code != ExitOK || !strings.Contains(out, "3 attestation(s) verified") {
		t.Fatalf("verify envelopes and a bundle: exit %d\n%s", code, out)
	}
	// Tamper with the signature inside the bundle.
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	sigs := doc["dsseEnvelope"].(map[string]any)["signatures"].([]any)
	sig := sigs[0].(map[string]any)
	s := sig["sig"].(string)
	sig["sig"] = "AAAA" + s[4:]
	tampered, _ := json.Marshal(doc)
	if err := os.WriteFile(b, tampered, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := verify(); code != ExitFindings || !strings.Contains(oneLine(out), "FAIL signature does not verify (attestation "+b+")") {
		t.Errorf("tampered bundle: exit %d\n%s", code, out)
	}
}

func TestLineageIndexAndGraphDB(t *testing.T) {
	dir := lineageDir(t)
	db := filepath.Join(dir, "lineage.db")
	pub := filepath.Join(dir, "k.pub")
	code, out, stderr := run(t, "lineage", "index", "-db", db, "-key", pub, filepath.Join(dir, "att"))
	if code != ExitOK || !strings.Contains(out, "2 added, 0 already indexed, 0 not verified") {
		t.Fatalf("index: exit %d\n%s%s", code, out, stderr)
	}
	// A tampered copy is refused and leaves the store as it was.
	data, err := os.ReadFile(filepath.Join(dir, "att", "2-training.json"))
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(strings.Replace(string(data), `"sig": "`, `"sig": "AAAA`, 1)), 0o644)
	if code, out, _ := run(t, "lineage", "index", "-db", db, "-key", pub, bad, filepath.Join(dir, "att", "1-data.json")); code != ExitFindings ||
		!strings.Contains(oneLine(out), "FAIL "+bad) || !strings.Contains(out, "0 added, 1 already indexed, 1 not verified") {
		t.Errorf("index tampered: exit %d\n%s", code, out)
	}
	code, out, stderr = run(t, "lineage", "graph", "-db", db, "-from", "raw/a.csv")
	if code != ExitOK || !strings.Contains(out, "models made from it: model.onnx") || !strings.Contains(out, "training step") {
		t.Errorf("graph -db -from: exit %d\n%s%s", code, out, stderr)
	}
	code, out, stderr = run(t, "lineage", "graph", "-db", db, "-to", "model.onnx", "-format", "json")
	if code != ExitOK || !strings.Contains(out, `"raw/a.csv"`) || !strings.Contains(out, `"train.py"`) {
		t.Errorf("graph -db -to: exit %d\n%s%s", code, out, stderr)
	}
	// The answers equal those of the in-memory path.
	_, mem, _ := run(t, "lineage", "graph", "-key", pub, "-from", "raw/a.csv", filepath.Join(dir, "att"))
	_, fromDB, _ := run(t, "lineage", "graph", "-db", db, "-from", "raw/a.csv")
	if stepless(mem) != stepless(fromDB) {
		t.Errorf("in memory:\n%s\nfrom the store:\n%s", mem, fromDB)
	}
	for _, bad := range [][]string{
		{"graph", "-db", filepath.Join(dir, "none.db")},
		{"graph", "-db", db, "-key", pub, filepath.Join(dir, "att")},
		{"graph", "-db", db, "-from", "nothing.csv"},
		{"index", "-db", db, filepath.Join(dir, "att")},
	} {
		if code, _, _ := run(t, append([]string{"lineage"}, bad...)...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", bad, code, ExitUsage)
		}
	}
}

// stepless drops the attestation file names from a text tree: the store
// records the file an attestation was first indexed from.
func stepless(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if i := strings.Index(l, " step ["); i >= 0 {
			l = l[:i]
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

// TestLineageOutputs: the lineage verbs follow the -o extension and refuse
// a contradicting -format.
func TestLineageOutputs(t *testing.T) {
	dir := lineageDir(t)
	pub, att := filepath.Join(dir, "k.pub"), filepath.Join(dir, "att")
	svg := filepath.Join(dir, "g.svg")
	code, out, stderr := run(t, "lineage", "graph", "-key", pub, "-o", svg, att)
	if code != ExitOK || out != "" || !strings.HasPrefix(stderr, "wrote "+svg+" (svg, ") {
		t.Fatalf("graph -o g.svg: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if b, _ := os.ReadFile(svg); xml.Unmarshal(b, new(struct{})) != nil {
		t.Errorf("g.svg is not XML: %.200s", b)
	}
	code, _, stderr = run(t, "lineage", "verify", "-key", pub, "-format", "json", "-o", filepath.Join(dir, "v.txt"), att)
	if code != ExitUsage || !strings.Contains(stderr, "aiassure lineage verify: -format json contradicts -o") {
		t.Errorf("verify -format json -o v.txt: exit %d: %s", code, stderr)
	}
	vj := filepath.Join(dir, "v.json")
	code, _, stderr = run(t, "lineage", "verify", "-key", pub, "-root", dir, "-o", vj, att)
	var v struct{ OK bool }
	if b, _ := os.ReadFile(vj); code != ExitOK || json.Unmarshal(b, &v) != nil || !v.OK {
		t.Errorf("verify -o v.json: exit %d: %s", code, stderr)
	}
	code, _, stderr = run(t, "lineage", "hash", "-q", "-o", filepath.Join(dir, "m.txt"), filepath.Join(dir, "raw"))
	if code != ExitUsage || !strings.Contains(stderr, "the extension .txt names no format") {
		t.Errorf("hash -o m.txt: exit %d: %s", code, stderr)
	}
}
