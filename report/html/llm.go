package html

import (
	_ "embed"
	"html/template"
	"strings"
	"unicode/utf8"

	"github.com/aiassure/aiassure/report"
)

//go:embed llm.html.tmpl
var llmSource string

// The LLM block joins the report's template set; report.html.tmpl calls it
// in the Tests section.
var _ = template.Must(tmpl.New("llm.html.tmpl").Parse(llmSource))

// llmContext is how many bytes of an answer are shown on each side of the
// evidence.
const llmContext = 600

// llmView is the LLM tests' detail as the template shows it.
type llmView struct {
	Plan     string
	Families []llmFamilyView
}

type llmFamilyView struct {
	report.LLMFamily
	Judged   int
	Examples []llmExampleView
}

// llmExampleView is one answer cut around its evidence: Before, Mark and
// After are plain text, escaped by html/template; Marked is false when the
// evidence has no place in the answer (decoded from a transformation, or
// offsets that do not fit), and the answer is then shown from its start.
type llmExampleView struct {
	Variant, Detector, Kind, Evidence string
	Before, Mark, After               string
	Marked, Clipped, ClippedEnd       bool
}

func newLLMView(t *report.LLMTests) *llmView {
	if t == nil {
		return nil
	}
	v := &llmView{Plan: t.Plan}
	for _, f := range t.Families {
		fv := llmFamilyView{LLMFamily: f, Judged: f.Attempts - f.Unknown}
		for _, e := range f.Examples {
			fv.Examples = append(fv.Examples, cutAnswer(e))
		}
		v.Families = append(v.Families, fv)
	}
	return v
}

// cutAnswer splits an answer into the text before the evidence, the
// evidence and the text after it, each at most llmContext bytes on a rune
// boundary, invalid UTF-8 replaced.
func cutAnswer(e report.LLMExample) llmExampleView {
	v := llmExampleView{Variant: e.Variant, Detector: e.Detector, Kind: e.Kind, Evidence: e.Evidence}
	a := e.Answer
	ok := e.Start >= 0 && e.End > e.Start && e.End <= len(a) && boundary(a, e.Start) && boundary(a, e.End)
	if !ok {
		v.After = valid(a[:runeFloor(a, min(len(a), 2*llmContext))])
		v.ClippedEnd = len(v.After) < len(a)
		return v
	}
	v.Marked = true
	lo := runeCeil(a, max(0, e.Start-llmContext))
	hi := runeFloor(a, min(len(a), e.End+llmContext))
	v.Before, v.Mark, v.After = valid(a[lo:e.Start]), valid(a[e.Start:e.End]), valid(a[e.End:hi])
	v.Clipped, v.ClippedEnd = lo > 0, hi < len(a)
	return v
}

func boundary(s string, i int) bool { return i == len(s) || utf8.RuneStart(s[i]) }

// runeFloor moves i back to a rune boundary.
func runeFloor(s string, i int) int {
	for i > 0 && i < len(s) && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

// runeCeil moves i forward to a rune boundary.
func runeCeil(s string, i int) int {
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return i
}

func valid(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
