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
	for _, o := range []Options{{}, {Width: 80}, {Width: 30}, {Color: true}} {
		out := write(t, r, o)
		want := max(o.Width, 80)
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
	out := write(t, fixture(t), Options{})
	for _, want := range []string{
		"CreditWise scoring service 2.3.0", "Tier: HIGH-RISK via annex-iii", "Annex III point 5(b)",
		"TOP RISKS", "Data poisoning", "implementation 1   evidence 1   standardisation 1",
		"critical 2   high 2", "FAIL evasion/pgd-linf", "UNKN lineage/training", "NEXT STEPS", "1. [CRITICAL]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	if strings.Contains(out, "privacy/membership") {
		t.Error("a not-applicable result is listed as failed")
	}
}

func TestEmpty(t *testing.T) {
	out := write(t, &report.Report{}, Options{})
	for _, want := range []string{"NOT CLASSIFIED", "No threat applies", "No finding of medium", "no rule set a tier"} {
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
		{"  spaced   out  ", 20, []string{"spaced out"}},
	} {
		got := wrapText(tc.in, tc.width)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("wrapText(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}
