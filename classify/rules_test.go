package classify

import (
	"strings"
	"testing"

	"github.com/aiassure/aiassure/profile"
)

// minimal is a valid rules file with one rule; tests splice conditions and
// keys into it.
const minimalRules = `version: 1
as_of: 2026-11-26
rules:
  - id: r1
    article: "Art. 50(1)"
    when: {field: use.transparency, contains: interacts-with-persons}
    outcome: transparency
    reason: "interacts ({fields})"
    sources: [x]
    verified: false
`

func TestParseEmbedded(t *testing.T) {
	rs, err := Rules()
	if err != nil {
		t.Fatal(err)
	}
	if rs.AsOf == "" || len(rs.Rules) < 50 {
		t.Fatalf("embedded rules look incomplete: %d rules", len(rs.Rules))
	}
	for _, r := range rs.Rules {
		if r.Line == 0 || len(r.Sources) == 0 {
			t.Errorf("rule %s: line %d, sources %v", r.ID, r.Line, r.Sources)
		}
	}
}

func TestParseMinimal(t *testing.T) {
	rs, err := Parse("m.yaml", []byte(minimalRules))
	if err != nil {
		t.Fatal(err)
	}
	res, err := rs.Classify(prof(profile.Use{Transparency: []string{"interacts-with-persons"}}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Tier != Transparency || obligationIDs(res)["provider-art-50-1"] == nil || res.Verdicts[0].Reason != "interacts (use.transparency[0])" {
		t.Errorf("unexpected result %+v", res)
	}
}

// TestParseErrors: each broken file yields an error at the right line.
func TestParseErrors(t *testing.T) {
	when := "    when: {field: use.transparency, contains: interacts-with-persons}\n"
	tests := []struct {
		name     string
		old, new string // replace old with new in minimalRules
		want     string
	}{
		{"unknown field path", when, "    when: {field: use.transparancy, contains: x}\n", `m.yaml:6: unknown field path "use.transparancy"`},
		{"unknown outcome", "    outcome: transparency\n", "    outcome: limited\n", `m.yaml:7: unknown outcome "limited"`},
		{"unknown operator key", when, "    when: {field: use.profiling, equal: true}\n", `m.yaml:6: unknown key "equal"`},
		{"operator of the wrong kind", when, "    when: {field: use.profiling, contains: x}\n", `m.yaml:6: operator contains does not apply to use.profiling`},
		{"value outside vocabulary", when, "    when: {field: use.practices, contains: mind-reading}\n", `m.yaml:6: use.practices: unknown value "mind-reading"`},
		{"annex iii point", when, "    when: {field: use.annex_iii, contains: {area: 5, point: e}}\n", `m.yaml:6: Annex III area 5 has no point "e"`},
		{"annex iii area", when, "    when: {field: use.annex_iii, contains: {area: 9}}\n", `m.yaml:6: Annex III has areas 1 to 8, not 9`},
		{"two forms", when, "    when: {all: [{field: use.profiling, is: true}], field: use.profiling, is: true}\n", `m.yaml:6: a condition has exactly one of`},
		{"two operators", when, "    when: {field: use.role, is: true, present: true}\n", `m.yaml:6: two operators`},
		{"field without operator", when, "    when: {field: use.profiling}\n", `m.yaml:6: field use.profiling has no operator`},
		{"empty all", when, "    when: {all: []}\n", `m.yaml:6: empty list of conditions`},
		{"not a bool", when, "    when: {field: use.profiling, is: yes-ish}\n", `m.yaml:6: want true or false`},
		{"nested error line", when, "    when:\n      all:\n        - {field: use.profiling, is: true}\n        - {field: use.nope, is: true}\n", `m.yaml:9: unknown field path "use.nope"`},
		{"missing key", "    verified: false\n", "", `m.yaml:4: missing key "verified"`},
		{"unknown rule key", "    verified: false\n", "    verified: false\n    severity: high\n", `m.yaml:11: unknown key "severity"`},
		{"bad id", "  - id: r1\n", "  - id: R_1\n", `m.yaml:4: id "R_1"`},
		{"placeholder", `    reason: "interacts ({fields})"`, `    reason: "interacts ({field})"`, `m.yaml:8: unknown placeholder {field}`},
		{"explain without reason_not", when, when + "    explain_when: {field: use.profiling, is: true}\n", `m.yaml:4: rule "r1": explain_when and reason_not go together`},
		{"high-risk without scope", "    outcome: transparency\n", "    outcome: high-risk\n", `m.yaml:7: rule "r1": a high-risk rule needs scope`},
		{"annex scope on another outcome", "    outcome: transparency\n", "    outcome: transparency\n    scope: annex-iii\n", `m.yaml:8: rule "r1": scope annex-iii goes only with outcome high-risk`},
		{"unknown scope", "    outcome: transparency\n", "    outcome: transparency\n    scope: annex-x\n", `m.yaml:8: unknown scope "annex-x"`},
		{"duplicate rule", "    verified: false\n", "    verified: false\n  - id: r1\n    article: a\n    when: {field: use.profiling, is: true}\n    outcome: transparency\n    reason: r\n    sources: [x]\n    verified: false\n",
			`m.yaml:11: rule id "r1" already used at line 4`},
		{"duplicate key", "    verified: false\n", "    verified: false\n    verified: true\n", `m.yaml:11: duplicate key "verified"`},
		{"obligations are elsewhere", "version: 1\n", "version: 1\nobligations: []\n", `m.yaml:2: unknown key "obligations"`},
		{"unknown top key", "version: 1\n", "version: 1\nrulez: []\n", `m.yaml:2: unknown key "rulez"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(minimalRules, tt.old) {
				t.Fatalf("test is broken: %q not in the minimal file", tt.old)
			}
			src := strings.Replace(minimalRules, tt.old, tt.new, 1)
			_, err := Parse("m.yaml", []byte(src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%v\nwant one containing %q\nfile:\n%s", err, tt.want, src)
			}
		})
	}
}

func TestParseNotYAML(t *testing.T) {
	for _, src := range []string{"", "rules: [", "- a\n- b\n", "version: 1\nas_of: 2026-11-26\nrules: []\n"} {
		if _, err := Parse("x.yaml", []byte(src)); err == nil {
			t.Errorf("Parse(%q) succeeded", src)
		}
	}
}

func TestNestingBounded(t *testing.T) {
	deep := strings.Repeat("{not: ", maxDepth+3) + "{field: use.profiling, is: true}" + strings.Repeat("}", maxDepth+3)
	src := strings.Replace(minimalRules, "{field: use.transparency, contains: interacts-with-persons}", deep, 1)
	_, err := Parse("d.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("error %v, want a nesting error", err)
	}
}

func TestCondString(t *testing.T) {
	rs, err := Rules()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs.Rules {
		if r.ID == "art-6-3-a-narrow-procedural" {
			want := "all(use.annex_iii present true, use.derogation contains narrow-procedural-task, not(use.profiling is true))"
			if got := r.When.String(); got != want {
				t.Errorf("got %s, want %s", got, want)
			}
			return
		}
	}
	t.Fatal("rule not found")
}

func TestArticleWithin(t *testing.T) {
	tests := []struct {
		rule, cat string
		want      bool
	}{
		{"Art. 6(2), Annex III point 5(b)", "Art. 6", true},
		{"Art. 6", "Art. 6", true},
		{"Art. 60", "Art. 6", false},
		{"Art. 55, Art. 51", "Art. 55", true},
		{"Art. 50(4)", "Art. 5", false},
		{"Art. 5(1)(a)", "Art. 5", true},
		{"Art. 5", "", false},
	}
	for _, tt := range tests {
		if got := articleWithin(tt.rule, tt.cat); got != tt.want {
			t.Errorf("articleWithin(%q, %q) = %v", tt.rule, tt.cat, got)
		}
	}
}
