package classify_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/classify"
)

// The held-out cases of testdata/heldout.yaml (its header documents them):
// purpose texts written without reading the indicators, to measure how well
// the indicators generalise. TestHeldOut reports per case and in a summary
// line, and fails only when the file does not parse or names a conclusion
// the questionnaire does not have: a miss is a measurement, not a
// regression.

func loadHeldOut(t *testing.T) []legalCase { return loadCaseFile(t, "heldout.yaml") }

// wantedIDs returns every conclusion ID a want names.
func wantedIDs(w *caseWant) []string {
	var ids []string
	if w.Conclusions != nil {
		ids = append(ids, *w.Conclusions...)
	}
	ids = append(ids, w.NotConclusions...)
	ids = append(ids, w.Open...)
	ids = append(ids, w.OpenAny...)
	ids = append(ids, w.NotOpen...)
	ids = append(ids, w.NotClaims...)
	for _, c := range w.Claims {
		ids = append(ids, c.Conclusion)
	}
	for id := range w.Ask {
		ids = append(ids, id)
	}
	return ids
}

// expectsNothing reports whether a case is a minimal system: nothing may be
// flagged.
func expectsNothing(w *caseWant) bool {
	return w.OnlyOpen && len(w.Open) == 0 && len(w.OpenAny) == 0
}

// expected describes what a case wants flagged, for the report.
func expected(w *caseWant) string {
	if expectsNothing(w) {
		return "nothing"
	}
	var parts []string
	if len(w.Open) > 0 {
		parts = append(parts, strings.Join(w.Open, "+"))
	}
	if len(w.OpenAny) > 0 {
		parts = append(parts, "any of "+strings.Join(w.OpenAny, "|"))
	}
	if len(w.NotOpen) > 0 {
		parts = append(parts, "not "+strings.Join(w.NotOpen, ","))
	}
	return strings.Join(parts, ", ")
}

// TestHeldOut classifies the purpose form of every held-out case and logs
// pass or fail with what was expected and what was flagged.
func TestHeldOut(t *testing.T) {
	q := loadQuestionnaire(t)
	cases := loadHeldOut(t)
	conclusions := q.conclusionIDs()
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.Name] {
			t.Errorf("testdata/heldout.yaml: case %s: name used twice", c.Name)
		}
		seen[c.Name] = true
		if c.WantPurpose == nil {
			t.Errorf("testdata/heldout.yaml: case %s: no want_purpose", c.Name)
			continue
		}
		for _, id := range wantedIDs(c.WantPurpose) {
			if !slices.Contains(conclusions, id) {
				t.Errorf("testdata/heldout.yaml: case %s: no conclusion %q in questions.yaml", c.Name, id)
			}
		}
	}
	if t.Failed() {
		return
	}

	passed, minimal, flaggedMinimal, falseFlags, extra := 0, 0, 0, 0, 0
	for i, c := range cases {
		w := c.WantPurpose
		got, msgs := heldOutCase(q, c, i)
		verdict := "PASS"
		if len(msgs) == 0 {
			passed++
		} else {
			verdict = "FAIL"
		}
		if expectsNothing(w) {
			minimal++
			if len(got) > 0 {
				flaggedMinimal++
				falseFlags += len(got)
			}
		} else {
			for _, g := range got {
				id, _, _ := strings.Cut(g, " ")
				if !slices.Contains(w.Open, id) && !slices.Contains(w.OpenAny, id) {
					extra++
				}
			}
		}
		gotText := strings.Join(got, ", ")
		if gotText == "" {
			gotText = "nothing"
		}
		t.Logf("%s %-32s %-36s expected %s; got %s", verdict, c.Name, c.Provision, expected(w), gotText)
		for _, m := range msgs {
			t.Logf("     %s", m)
		}
	}
	t.Logf("held-out: %d/%d purpose forms flagged as expected, %d false flags on minimal systems", passed, len(cases), falseFlags)
	t.Logf("held-out: %d of %d minimal systems flagged at all; %d further conclusions flagged on the other systems beyond the expected ones", flaggedMinimal, minimal, extra)
}

// heldOutCase classifies the purpose form of c and returns the open
// conclusions (each with the indicator texts that raised it) and the
// mismatches with its want; an error building or classifying the profile
// is a mismatch. The profile's system.name is the neutral "system-N" (N is
// i+1), not the case name, which describes the case and would otherwise
// count as an indicator: only the purpose, sector and description are
// measured.
func heldOutCase(q *questionnaire, c legalCase, i int) (got, msgs []string) {
	c.Name = fmt.Sprintf("system-%d", i+1)
	p, err := c.decode(false)
	if err != nil {
		return nil, []string{err.Error()}
	}
	res, err := classify.Classify(p, nil)
	if err != nil {
		return nil, []string{fmt.Sprintf("Classify: %v", err)}
	}
	for _, o := range res.Open {
		var ind []string
		for _, i := range o.Indicators {
			ind = append(ind, fmt.Sprintf("%s:%q", i.Field, i.Text))
		}
		s := o.Conclusion
		if len(ind) > 0 {
			s += " [" + strings.Join(ind, "; ") + "]"
		}
		got = append(got, s)
	}
	return got, checkResult(q, res, c.WantPurpose, true)
}
