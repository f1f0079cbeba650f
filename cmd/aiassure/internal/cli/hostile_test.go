package cli

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aiassure/aiassure/internal/safetext"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// Hostile strings for a profile: a name that clears the screen and plants an
// OSC 8 hyperlink and a right-to-left override, a provider with a C1 CSI,
// HTML, a Markdown link and isolates, an asset name that colours the
// terminal. Each holds a marker, so that the golden file can keep only the
// lines that show them.
var hostileFields = []struct{ field, value string }{
	{"  name: Iris species identifier", `  name: "Iris \e[2J\e[H HOSTILE-NAME \e]8;;https://evil.example/\e\\click here\e]8;;\e\\ \u202Etxt.exe\a\b"`},
	{"  provider: Example Garden Apps Ltd (fictitious)", `  provider: "HOSTILE-PROVIDER \x9b31m <script>alert(1)</script> [x](javascript:alert(1)) | # \u2066iso\u2069 zero\u200bwidth"`},
	{"    name: iris MLP", `    name: "HOSTILE-ASSET \e[31mred\e[0m \u202Ereversed \x7f"`}, // shown nowhere yet
}

// hostileProfile copies the minimal-risk example and puts the hostile
// strings into its profile.
func hostileProfile(t *testing.T) string {
	t.Helper()
	path := copyExample(t, "minimal-risk")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, h := range hostileFields {
		if !strings.Contains(s, h.field) {
			t.Fatalf("the example has no line %q any more", h.field)
		}
		s = strings.Replace(s, h.field, h.value, 1)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestHostileStrings renders a profile full of terminal control sequences
// and bidirectional overrides in every report format and in the text of
// assess and classify, and checks that none of the raw bytes survive outside JSON,
// which keeps them exact. The lines that show them are in
// testdata/hostile.golden.
func TestHostileStrings(t *testing.T) {
	prof := hostileProfile(t)
	dir := filepath.Dir(prof)
	saved := filepath.Join(dir, "report.json")
	if code, _, stderr := run(t, "assess", "-o", saved, prof); code != ExitOK {
		t.Fatalf("assess: exit %d\n%s", code, stderr)
	}
	var doc struct {
		System struct{ Name, Provider string }
	}
	b, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if want := "Iris \x1b[2J\x1b[H HOSTILE-NAME"; !strings.HasPrefix(doc.System.Name, want) || !strings.Contains(doc.System.Provider, "\u2066iso\u2069") {
		t.Errorf("the JSON report does not carry the exact strings: %q, %q", doc.System.Name, doc.System.Provider)
	}

	var golden strings.Builder
	check := func(what, out string) {
		t.Helper()
		if bad := safetext.Raw(out); bad != "" {
			t.Errorf("%s: %s survived", what, bad)
		}
		golden.WriteString("== " + what + "\n")
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, "HOSTILE") {
				golden.WriteString(strings.TrimSpace(line) + "\n")
			}
		}
	}
	for _, format := range []string{"text", "markdown", "html", "sarif"} {
		out := filepath.Join(dir, "report."+format)
		if code, _, stderr := run(t, "report", "convert", "-format", format, "-o", out, saved); code != ExitOK {
			t.Fatalf("report convert -format %s: exit %d\n%s", format, code, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		check(format, string(b))
	}
	code, stdout, stderr := run(t, "assess", "-format", "text", prof)
	if code != ExitOK {
		t.Fatalf("assess -format text: exit %d\n%s", code, stderr)
	}
	if bad := safetext.Raw(stdout); bad != "" {
		t.Errorf("assess -format text on stdout: %s survived", bad)
	}
	code, stdout, stderr = run(t, "classify", prof)
	if code != ExitOK {
		t.Fatalf("classify: exit %d\n%s", code, stderr)
	}
	if bad := safetext.Raw(stdout); bad != "" {
		t.Errorf("classify on stdout: %s survived", bad)
	}

	path := filepath.Join("testdata", "hostile.golden")
	if *update {
		if err := os.WriteFile(path, []byte(golden.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), golden.String()); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// TestHostileErrorMessage checks that an error message quoting the user's
// input (here a file name) does not pass its control characters to the
// terminal.
func TestHostileErrorMessage(t *testing.T) {
	name := filepath.Join(t.TempDir(), "no\x1b[2Jsuch\u202e.yaml")
	code, _, stderr := run(t, "assess", name)
	if code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
	if bad := safetext.Raw(stderr); bad != "" {
		t.Errorf("stderr: %s survived in %q", bad, stderr)
	}
	if !strings.Contains(stderr, "no^[[2Jsuch<U+202E>.yaml") {
		t.Errorf("stderr does not show the name escaped: %q", stderr)
	}
}
