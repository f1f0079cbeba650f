package classify

import (
	"strings"
	"testing"

	"github.com/aiassure/aiassure/profile"
)

// fuzzProfiles are run through every rule set the fuzzer manages to parse.
var fuzzProfiles = []*profile.Profile{
	prof(profile.Use{}),
	prof(profile.Use{AnnexIII: refs("5b", "2"), Profiling: true, Derogation: []string{"preparatory-task"}}),
	prof(profile.Use{AnnexI: &profile.AnnexIRef{Legislation: "mdr", ThirdParty: true}, Practices: []string{"social-scoring"}}),
	prof(profile.Use{GeneralPurpose: &profile.GeneralPurpose{Model: true, SystemicRisk: true}, Transparency: []string{"deep-fake"}, Exclusions: []string{"personal"}}),
}

// checkParsed classifies the fuzz profiles with a rule set that parsed: no
// panic, no error, a tier from the list, and a tier verdict last.
func checkParsed(t *testing.T, rs *RuleSet) {
	for _, p := range fuzzProfiles {
		res, err := rs.Classify(p, nil)
		if err != nil {
			t.Fatalf("Classify with a parsed rule set: %v", err)
		}
		if !in(precedence, res.Tier) || len(res.Verdicts) == 0 || res.Verdicts[len(res.Verdicts)-1].Rule != TierRule {
			t.Fatalf("bad result %+v", res)
		}
	}
}

// FuzzParse fuzzes the whole rules file.
func FuzzParse(f *testing.F) {
	f.Add(rulesYAML)
	f.Add([]byte(minimalRules))
	f.Add([]byte("version: 1\nrules: [{id: a}]\n"))
	f.Add([]byte("rules: &a [*a]\n"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := Parse("fuzz.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error without file name: %v", err)
			}
			return
		}
		checkParsed(t, rs)
	})
}

// FuzzCondition fuzzes the condition language: the text is spliced in as a
// rule's when.
func FuzzCondition(f *testing.F) {
	for _, s := range []string{
		"{field: use.transparency, contains: interacts-with-persons}",
		"{all: [{field: use.annex_iii, contains: {area: 5, point: b}}, {not: {field: use.profiling, is: true}}]}",
		"{any: [{field: use.derogation, contains_any: [detect-patterns, preparatory-task]}, {field: role, in: [provider]}]}",
		"{field: use.annex_i.legislation, equals: mdr}",
		"{field: use.general_purpose, present: true}",
		"{not: {not: {not: {field: use.annex_i.third_party_assessment, is: false}}}}",
		"{field: use.annex_iii, contains: {area: 2}}",
		"[1, 2]",
		"{all: [{}]}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cond string) {
		if strings.ContainsAny(cond, "\n\r") {
			return
		}
		src := strings.Replace(minimalRules, "{field: use.transparency, contains: interacts-with-persons}", cond, 1)
		rs, err := Parse("fuzz.yaml", []byte(src))
		if err != nil {
			return
		}
		checkParsed(t, rs)
	})
}

// FuzzParseQuestions fuzzes the questionnaire file; a questionnaire that
// parses must classify and interview without a panic.
func FuzzParseQuestions(f *testing.F) {
	f.Add(questionsYAML)
	f.Add([]byte("version: 1\nas_of: 2026-12-03\nquestions: []\nconclusions: []\n"))
	f.Add([]byte("conclusions: [{when: {all: [{not: {fact: a, in: [x]}}]}}]\n"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		qs, err := ParseQuestions("fuzz.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error without file name: %v", err)
			}
			return
		}
		p := prof(profile.Use{AnnexIII: refs("5b")})
		p.Facts = map[string]string{}
		for i, q := range qs.Questions {
			p.Facts[q.ID] = q.Answers()[i%len(q.Answers())]
		}
		d := qs.derive(p)
		_ = d
		for range len(qs.Questions) + 1 {
			if qs.Next(p, map[string]bool{}) == nil {
				break
			}
		}
	})
}

// FuzzFacts classifies a profile whose facts block the fuzzer writes: any
// answers, known or not, give a result or an error, never a panic.
func FuzzFacts(f *testing.F) {
	f.Add("creditworthiness", "yes", "fraud_detection_only", "no")
	f.Add("annex_i_product", "yes", "annex_i_legislation", "mdr")
	f.Add("nope", "maybe", "", "")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		p := prof(profile.Use{Practices: []string{"social-scoring"}})
		p.Facts = map[string]string{k1: v1, k2: v2}
		res, err := Classify(p, nil)
		if err != nil {
			return
		}
		if !in(precedence, res.Tier) {
			t.Fatalf("tier %q", res.Tier)
		}
	})
}
