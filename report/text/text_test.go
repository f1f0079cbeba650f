package text

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/report"
	"github.com/aiassure/aiassure/report/internal/reporttest"
)

func fixture(t *testing.T) *report.Report { return reporttest.Fixture(t) }

func write(t *testing.T, r *report.Report, o Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteOptions(&buf, r, o); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestWidth(t *testing.T) {
	long := strings.Repeat("overlong-identifier-", 12)
	r := fixture(t)
	r.System.Name = long
	r.System.Purpose = strings.Repeat("word ", 80) + long
	r.Risk.Entries[0].ThreatName = long
	r.Risk.Entries[0].Missing = []aiassure.ControlID{aiassure.ControlID(long)}
	r.Results[0].Summary = long
	r.Findings[0].Title = long
	r.Classification.Verdicts[1].Article = long
	r.Artefacts[0].Path = long
	for _, o := range []Options{{}, {Width: 80}, {Width: 60}, {Width: 30}, {Color: true}, {Color: true, Width: 45}} {
		out := write(t, r, o)
		want := max(o.Width, MinWidth)
		if o.Width == 0 {
			want = 100
		}
		for i, line := range strings.Split(out, "\n") {
			if n := utf8.RuneCountInString(stripANSI(line)); n > want {
				t.Errorf("width %d, line %d has %d columns: %q", want, i+1, n, line)
			}
		}
	}
}

func TestColour(t *testing.T) {
	r := fixture(t)
	if strings.Contains(write(t, r, Options{}), "\x1b[") {
		t.Error("escape codes without Color")
	}
	col := write(t, r, Options{Color: true})
	if !strings.Contains(col, "\x1b[1m\x1b[31mCRITICAL\x1b[0m") {
		t.Error("critical severity not coloured")
	}
	// Colour changes nothing but the escapes.
	if stripANSI(col) != write(t, r, Options{}) {
		t.Error("coloured output differs from plain output beyond escapes")
	}
	f := Format(Options{Color: true})
	var buf bytes.Buffer
	if err := f.Write(&buf, r); err != nil || !strings.Contains(buf.String(), "\x1b[") {
		t.Errorf("Format(Color) did not colour: %v", err)
	}
}

func TestSections(t *testing.T) {
	out := write(t, fixture(t), Options{Width: 250}) // content, not layout
	for _, want := range []string{
		"CreditWise scoring service 2.3.0", "Tier: HIGH-RISK via annex-iii", "Annex III point 5(b)",
		"CONCLUSION: NOT READY", "First steps:", "1. Implement c-adv-training, c-robustness-testing",
		"IDENTITY OF THE ITEM UNDER TEST", "sha256:4e1a9c0b7d2f5e8a1c3b6d9f0e2a4c7b9d1e3f5a7c9b1d3e5f7a9c1b3d5e7f9a",
		"(SHA-256 of the canonical JSON report)", "SCOPE AND LIMITS", "Limits of the method:",
		"TOP RISKS", "Data poisoning", "assets: scoring-api, partner-api",
		"continuous learning declared (lifecycle.continuous_learning, profile line 68)",
		"critical 2   high 2", "FAIL     evasion/pgd-linf", "unknown  lineage/training", "n/a      privacy/membership",
		"accepted by Jane Roe, CISO until 2027-05-01: the bureau's signed delivery note",
		"examples/credit-scoring/profile.yaml:52 (assets[3].exposure.audience)",
		"ANNEX A: THREATS THAT DO NOT APPLY", "not applicable: no federated training declared (lifecycle.federated_learning, profile line 67)",
		"ANNEX B: STANDARDISATION GAPS", "gap/standardisation/g-4-1-f", "ANNEX C: REFERENCES", "https://eur-lex.europa.eu/eli/reg/2024/1689/oj",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "privacy/membership") && strings.Contains(l, "FAIL") {
			t.Error("a not-applicable result is listed as failed")
		}
	}
}

func TestEmpty(t *testing.T) {
	out := write(t, &report.Report{}, Options{})
	for _, want := range []string{"NOT CLASSIFIED", "No threat applies", "NO CONCLUSION", "no rule set a tier", "No artefact is recorded"} {
		if !strings.Contains(out, want) {
			t.Errorf("empty summary lacks %q:\n%s", want, out)
		}
	}
}

func TestWrapText(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  []string
	}{
		{"a b c", 3, []string{"a b", "c"}},
		{"", 10, []string{""}},
		{"abcdefghijklmnop", 10, []string{"abcdefghij", "klmnop"}},
		{"abc-defgh-ijklmnop", 10, []string{"abc-defgh-", "ijklmnop"}},
		{"see sha256:0123456789abcdef", 12, []string{"see sha256:", "0123456789ab", "cdef"}},
		{"word model-extraction-long", 16, []string{"word model-", "extraction-long"}},
		{"  spaced   out  ", 20, []string{"spaced out"}},
	} {
		got := wrapText(tc.in, tc.width)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("wrapText(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

// TestNoCut: at every width, identifiers, paths and digests appear whole
// or broken across lines, never shortened.
func TestNoCut(t *testing.T) {
	r := fixture(t)
	for _, w := range []int{100, 80, 60, 40} {
		out := write(t, r, Options{Width: w})
		if strings.Contains(out, "~") {
			t.Errorf("width %d: a cut mark in the output", w)
		}
		if w >= 80 {
			for _, id := range []string{"risk/evasion/inference-interface", "c-robustness-testing", "examples/credit-scoring/accepted-risks.yaml",
				"sha256:0b7d2f5e8a1c3b6d9f0e2a4c7b9d1e3f5a7c9b1d3e5f7a9c1b3d5e7f9a4e1a9c", "privacy/membership", "lineage/training"} {
				if !strings.Contains(out, id) {
					t.Errorf("width %d: %q is not whole in the output", w, id)
				}
			}
		}
		// The digest, wider than the path column at 40 columns, is all there.
		squeezed := strings.Join(strings.Fields(out), "")
		if !strings.Contains(squeezed, "sha256:4e1a9c0b7d2f5e8a1c3b6d9f0e2a4c7b9d1e3f5a7c9b1d3e5f7a9c1b3d5e7f9a") && w != 40 {
			t.Errorf("width %d: the model digest is not whole", w)
		}
	}
}

func TestTable(t *testing.T) {
	tb := table{head: []string{"A", "LONG HEADING", "C"}, rows: [][]string{{"x", "one two three four five six", "identifier-that-is-long"}}}
	got := strings.Join(tb.lines(0, 40), "|")
	want := "A  LONG HEADING  C|x  one two       identifier-that-is-long|   three four|   five six"
	if got != want {
		t.Errorf("table:\n%q\nwant\n%q", got, want)
	}
	// Too narrow for the longest words: one record per row.
	got = strings.Join(tb.lines(2, 20), "|")
	if got != "  - a: x|    long heading:|      one two three|      four five six|    c: identifier-|      that-is-long" || strings.Contains(got, "~") {
		t.Errorf("records: %q", got)
	}
}

func TestMetrics(t *testing.T) {
	for _, tc := range []struct {
		m    map[string]float64
		want string
	}{
		{map[string]float64{"accuracy": 0.74, "accuracy_lower": 0.6875519770721529, "accuracy_upper": 0.7863793967400651, "confidence": 0.95, "declared": 0.75, "n": 300},
			"accuracy 0.740 (95% CI 0.688 to 0.786); declared 0.750; n 300"},
		{map[string]float64{"robust_accuracy": 0.8, "robust_accuracy_lo": 0.6524, "robust_accuracy_hi": 0.895, "samples": 40, "norm_linf": 1,
			"robust_accuracy@0.01": 0.8, "robust_accuracy_lo@0.01": 0.65, "robust_accuracy@0.05": 0.8, "epsilon": 0.05, "queries_total": 744.5},
			"epsilon 0.050; queries_total 744.5; robust_accuracy 0.800 (95% CI 0.652 to 0.895); samples 40; robustness curve at 2 perturbation sizes"},
		{map[string]float64{"x_lower": 1}, "x_lower 1"}, // a bound without its value stays
		{nil, ""},
	} {
		if got := Metrics(tc.m); got != tc.want {
			t.Errorf("Metrics(%v) =\n%q, want\n%q", tc.m, got, tc.want)
		}
	}
}

// FuzzWrap: wrapped lines fit the width (above the smallest column), and
// wrapping loses, adds or reorders nothing but spaces; a table's lines fit
// too.
func FuzzWrap(f *testing.F) {
	f.Add("risk/evasion-black-box-score/scoring-api,partner-api needs c-adv-training", 12, 40)
	f.Add("sha256:0b7d2f5e8a1c3b6d9f0e2a4c7b9d1e3f5a7c9b1d3e5f7a9c1b3d5e7f9a4e1a9c", 20, 30)
	f.Add("ü ñ 漢字 \x1b[31mred\x1b[0m word", 3, 10)
	f.Add("", 1, 1)
	f.Fuzz(func(t *testing.T, s string, w, total int) {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0x1b) || w < 1 || w > 500 || total < 1 || total > 500 {
			return
		}
		lines := wrapText(s, w)
		for _, l := range lines {
			if n := utf8.RuneCountInString(l); n > w {
				t.Errorf("wrapText(%q, %d): line %q has %d runes", s, w, l, n)
			}
		}
		if got, want := strings.Join(strings.Fields(strings.Join(lines, "")), ""), strings.Join(strings.Fields(s), ""); got != want {
			t.Errorf("wrapText(%q, %d) lost text: %q", s, w, lines)
		}
		words := strings.Fields(s)
		tb := table{head: []string{"A", "B"}, rows: [][]string{{s, "x"}, {"y", strings.Join(words, " ")}}}
		for _, l := range tb.lines(0, max(total, 8)) {
			if n := utf8.RuneCountInString(l); n > max(total, 8) {
				t.Errorf("table at %d: line %q has %d runes", total, l, n)
			}
		}
	})
}
