package markdown

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/report"
	"github.com/aiassure/aiassure/report/internal/reporttest"
)

func fixture(t *testing.T) *report.Report { return reporttest.Fixture(t) }

// TestTables checks that every table row has as many cells as its header,
// even when report text holds pipes, newlines and markup.
func TestTables(t *testing.T) {
	r := fixture(t)
	r.Findings[0].Title = "a | b\nc <b>bold</b> *x* [link](y)"
	r.Risk.Entries[0].Assets = []string{"api|v2"}
	r.Results[0].Metrics["a|b"] = 1
	var buf bytes.Buffer
	if err := Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	cells := func(line string) int {
		return strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")
	}
	var want int
	for i, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "|") {
			want = 0
			continue
		}
		if want == 0 {
			want = cells(line)
			continue
		}
		if got := cells(line); got != want {
			t.Errorf("line %d has %d separators, header %d: %s", i+1, got, want, line)
		}
	}
	for _, bad := range []string{"<b>", "[link](y)"} {
		if strings.Contains(out, bad) {
			t.Errorf("markup %q not escaped", bad)
		}
	}
	for _, want := range []string{"## AI Act classification", "## Risk analysis", "## Coverage and gaps", "## Findings", "## Results",
		"- result evasion/pgd-linf", "### [CRITICAL]"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}
