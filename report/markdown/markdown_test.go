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
	r.Risk.Entries[0].Applies[0].Text = "why | <b>bold</b>"
	r.Risk.NotApplicable[0].Reason.Text = "not | here"
	r.Artefacts[0].Path = "a|b`c"
	r.References[0].Title = "t | [link](y)"
	r.Scope.NotAssessed[0].Why = "x | y"
	r.Findings[6].Accepted.Reason = "ok | <b>fine</b>"
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
	order := []string{"## Conclusion", "Verdict: **Not ready**", "What to do first:", "## Identity of the item under test",
		"| Report digest | `sha256:", "| model | `examples/credit-scoring/model/mlp.onnx` | `sha256:4e1a9c0b",
		"## Scope and limits", "Limits of the method:", "## AI Act classification", "## Risk analysis",
		"- continuous learning declared (lifecycle.continuous\\_learning, profile line 68)",
		"## Coverage and gaps", "AI-specific standard covers it", "## Findings", "### [CRITICAL]", "| Provisions | AI Act Art. 15(5), AI Act Art. 9(2)(a) |",
		"| Profile location | `examples/credit-scoring/profile.yaml:52` (`assets[3].exposure.audience`) |",
		"**Accepted** by Jane Roe, CISO until 2027-05-01", "## Tests", "accuracy 0.740 (95% CI 0.688 to 0.786)",
		"## Annex A: threats that do not apply", "| `fl-poisoning` |", "## Annex B: standardisation gaps of the ENISA report",
		"`gap/standardisation/g-4-1-f`", "## Annex C: references",
		"[https://eur-lex.europa.eu/eli/reg/2024/1689/oj](https://eur-lex.europa.eu/eli/reg/2024/1689/oj)", "## Sign-off", "| Assessor |", "| Reviewer |"}
	at := 0
	for _, want := range order {
		i := strings.Index(out[at:], want)
		if i < 0 {
			t.Errorf("output lacks %q after position %d", want, at)
			continue
		}
		at += i
	}
}

func TestLink(t *testing.T) {
	for _, tc := range []struct{ label, url, want string }{
		{"EUR-Lex", "https://eur-lex.europa.eu/eli/reg/2024/1689/oj", "[EUR-Lex](https://eur-lex.europa.eu/eli/reg/2024/1689/oj)"},
		{"x", "https://example.org/a b)(c", "[x](https://example.org/a%20b%29%28c)"},
		{"x", "javascript:alert(1)", "x (javascript:alert(1))"},
		{"[x](y)", "", `\[x\](y)`},
		{"-", "", "-"},
	} {
		if got := link(tc.label, tc.url); got != tc.want {
			t.Errorf("link(%q, %q) = %q, want %q", tc.label, tc.url, got, tc.want)
		}
	}
}
