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
