package classify

import (
	"slices"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/profile"
)

// decode reads a profile from YAML text, as Load would from a file; body is
// everything after the system block.
func decode(t *testing.T, purpose, body string) *profile.Profile {
	t.Helper()
	src := "api_version: aiassure.dev/v1\nsystem:\n  name: test\n  intended_purpose: " + purpose + "\n  sector: test\n" +
		"assurance: basic\nassets:\n  - {id: m, kind: model}\n" + body
	p, err := profile.Decode("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("decode: %v\n%s", err, src)
	}
	return p
}

func conclusionIDs(r Result) []string {
	var out []string
	for _, c := range r.Conclusions {
		out = append(out, c.ID)
	}
	return out
}

func openIDs(r Result) []string {
	var out []string
	for _, o := range r.Open {
		out = append(out, o.Conclusion)
	}
	return out
}

func claimKinds(r Result) []string {
	var out []string
	for _, c := range r.Claims {
		out = append(out, c.Kind+" "+c.Conclusion)
	}
	return out
}

func TestFacts(t *testing.T) {
	for _, tc := range []struct {
		name, purpose, body string
		tier                string
		provisional         bool
		conclusions, open   []string
		claims              []string
		fields              []string // fields the tier verdict cites
	}{
		{
			name: "credit facts", purpose: "An AI system.", body: "role: provider\nfacts:\n  creditworthiness: yes\n  fraud_detection_only: no\n",
			tier: HighRisk, conclusions: []string{"annex-iii-5b"}, fields: []string{"facts.creditworthiness", "facts.fraud_detection_only"},
		},
		{
			name: "fraud only", purpose: "An AI system.", body: "role: provider\nfacts:\n  creditworthiness: yes\n  fraud_detection_only: yes\n",
			tier: Minimal,
		},
		{
			name: "credit answered, carve-out open", purpose: "An AI system.", body: "role: provider\nfacts:\n  creditworthiness: yes\n",
			tier: Minimal, provisional: true, open: []string{"annex-iii-5b"},
		},
		{
			name: "purpose text only", purpose: "Scores the creditworthiness of consumer loan applicants.", body: "role: provider\n",
			tier: Minimal, provisional: true, open: []string{"annex-iii-5b"},
		},
		{
			name: "purpose text settled by facts", purpose: "Scores the creditworthiness of consumer loan applicants.", body: "role: provider\nfacts: {creditworthiness: no}\n",
			tier: Minimal,
		},
		{
			name: "claim contradicted", purpose: "An AI system.",
			body: "role: provider\nuse:\n  annex_iii: [{area: 5, point: b}]\nfacts:\n  creditworthiness: yes\n  fraud_detection_only: yes\n",
			tier: Minimal, claims: []string{"contradicted annex-iii-5b"},
		},
		{
			name: "claim missing", purpose: "An AI system.",
			body: "role: provider\nuse:\n  transparency: [interacts-with-persons]\nfacts:\n  recruitment: yes\n  employment: yes\n  work_decisions: no\n  interacts_with_persons: yes\n",
			tier: HighRisk, conclusions: []string{"annex-iii-4a", "transparency-interaction"}, claims: []string{"missing annex-iii-4a"},
		},
		{
			name: "claim stands where facts are silent", purpose: "An AI system.",
			body: "role: provider\nuse:\n  annex_iii: [{area: 4, point: a}]\n",
			tier: HighRisk, conclusions: []string{"annex-iii-4a"}, fields: []string{"use.annex_iii[0]"},
		},
		{
			name: "profiling override from facts", purpose: "An AI system.",
			body: "role: provider\nfacts: {employment: yes, recruitment: yes, work_decisions: no, preparatory_task: yes, profiling: yes}\n",
			tier: HighRisk, conclusions: []string{"annex-iii-4a", "profiling", "derogation-preparatory"},
		},
		{
			name: "derogation from facts", purpose: "An AI system.",
			body: "role: provider\nfacts: {employment: yes, recruitment: yes, preparatory_task: yes, profiling: no}\n",
			tier: Minimal, provisional: true, conclusions: []string{"annex-iii-4a", "derogation-preparatory"}, open: []string{"annex-iii-4b"},
		},
		{
			name: "annex I from facts", purpose: "An AI system.",
			body: "role: provider\nfacts: {annex_i_product: yes, annex_i_legislation: mdr, annex_i_third_party: yes}\n",
			tier: HighRisk, conclusions: []string{"annex-i"}, fields: []string{"facts.annex_i_product", "facts.annex_i_legislation", "facts.annex_i_third_party"},
		},
		{
			name: "annex I without third party", purpose: "An AI system.",
			body: "role: provider\nfacts: {annex_i_product: yes, annex_i_legislation: machinery, annex_i_third_party: no}\n",
			tier: Minimal,
		},
		{
			name: "annex I legislation open", purpose: "An AI system.",
			body: "role: provider\nfacts: {annex_i_product: yes, annex_i_third_party: yes}\n",
			tier: Minimal, provisional: true, open: []string{"annex-i"},
		},
		{
			name: "military excludes, nothing else open", purpose: "Scores the creditworthiness of loan applicants.",
			body: "role: provider\nfacts: {military_only: yes}\n",
			tier: OutOfScope, conclusions: []string{"exclusion-military"},
		},
		{
			name: "prohibited keeps only scope questions open", purpose: "Ranks citizens by a social credit score.",
			body: "role: provider\nfacts: {social_scoring: yes}\n",
			tier: Prohibited, conclusions: []string{"practice-social-scoring"},
		},
		{
			name: "verification only", purpose: "An AI system.",
			body: "role: provider\nfacts: {remote_biometric_identification: yes, biometric_verification_only: yes, realtime_public_law_enforcement: no}\n",
			tier: Minimal,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := decode(t, tc.purpose, tc.body)
			r, err := Classify(p, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.Tier != tc.tier || r.Provisional != tc.provisional {
				t.Errorf("tier %s provisional %v, want %s %v\nverdict: %s", r.Tier, r.Provisional, tc.tier, tc.provisional, r.Verdicts[len(r.Verdicts)-1].Reason)
			}
			for _, c := range []struct {
				what      string
				got, want []string
			}{{"conclusions", conclusionIDs(r), tc.conclusions}, {"open", openIDs(r), tc.open}, {"claims", claimKinds(r), tc.claims}} {
				g, w := slices.Clone(c.got), slices.Clone(c.want)
				slices.Sort(g)
				slices.Sort(w)
				if !slices.Equal(g, w) {
					t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
				}
			}
			if tc.fields != nil {
				tv := r.Verdicts[len(r.Verdicts)-1]
				if !slices.Equal(tv.Fields, tc.fields) {
					t.Errorf("tier verdict fields %v, want %v", tv.Fields, tc.fields)
				}
			}
			for _, o := range r.Open {
				if !strings.HasPrefix(o.Reason, "May be ") || len(o.Ask) == 0 {
					t.Errorf("open %s: reason %q ask %v", o.Conclusion, o.Reason, o.Ask)
				}
			}
		})
	}
}

func TestFactsErrors(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"facts: {creditworthyness: yes}\n", `line 10: facts.creditworthyness: unknown question "creditworthyness"; did you mean "creditworthiness"?`},
		{"facts: {creditworthiness: maybe}\n", `facts.creditworthiness: answer "maybe": want one of yes, no, unknown`},
		{"facts: {annex_i_legislation: cars}\n", `answer "cars": want one of machinery`},
	} {
		p := decode(t, "x", "role: provider\n"+tc.body)
		_, err := Classify(p, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to contain %q", tc.body, err, tc.want)
		}
	}
}

func TestQuestionnaireParses(t *testing.T) {
	qs, err := Questions()
	if err != nil {
		t.Fatal(err)
	}
	// Every question is read by some conclusion, by the obligations, or
	// by the Annex I derivation; none is dead.
	used := map[string]bool{annexILegislationFact: true, annexIThirdPartyFact: true}
	for _, c := range qs.Conclusions {
		for _, f := range c.When.facts(nil) {
			used[f] = true
		}
	}
	for _, q := range qs.Questions {
		if !used[q.ID] && q.Section != "obligations" {
			t.Errorf("%s:%d: question %s is read by no conclusion", QuestionsFile, q.Line, q.ID)
		}
	}
	// The obligations read only facts the questionnaire asks.
	for _, f := range ObligationFacts {
		if q := qs.Question(f); q == nil || q.Section != "obligations" {
			t.Errorf("obligation fact %s is not a question of the obligations section", f)
		}
	}
	// Every value of the use: vocabularies has a conclusion, so that every
	// claim can be checked against facts.
	have := map[Target]bool{}
	for _, c := range qs.Conclusions {
		have[c.Sets] = true
	}
	for kind, vals := range map[string][]string{"practice": Practices, "derogation": Derogations, "transparency": TransparencySituations, "exclusion": Exclusions} {
		for _, v := range vals {
			if !have[Target{kind, v}] {
				t.Errorf("no conclusion sets %s %s", kind, v)
			}
		}
	}
	for area := 1; area <= 8; area++ {
		for _, pt := range profile.AnnexIIIPoints(area) {
			v := string(rune('0'+area)) + pt
			if area == 2 {
				v = "2"
			}
			if !have[Target{"annex_iii", v}] {
				t.Errorf("no conclusion sets Annex III %s", v)
			}
		}
	}
}

func TestParseQuestionsErrors(t *testing.T) {
	head := "version: 1\nas_of: 2026-12-03\n"
	for _, tc := range []struct{ src, want string }{
		{head + "questions: []\nconclusions: []\n", "the question annex_i_legislation is required"},
		{head + "questions:\n  - {id: a, section: scope, provision: x, text: y}\nconclusions:\n  - {id: c, sets: {practice: nope}, provision: x, when: {fact: a, is: yes}}\n", `unknown value "nope"`},
		{head + "questions:\n  - {id: a, section: scope, provision: x, text: y}\nconclusions:\n  - {id: c, sets: {annex_iii: 9z}, provision: x, when: {fact: b, is: yes}}\n", `"9z" is not an Annex III point`},
		{head + "questions:\n  - {id: a, section: scope, provision: x, text: y}\nconclusions:\n  - {id: c, sets: {annex_iii: 5b}, provision: x, when: {fact: b, is: yes}}\n", `unknown fact "b"`},
		{head + "questions:\n  - {id: a, section: nowhere, provision: x, text: y}\nconclusions: []\n", `unknown section "nowhere"`},
		{head + "questions:\n  - {id: a, section: scope, provision: x, text: y}\nconclusions:\n  - {id: c, sets: {annex_iii: 5b}, provision: x, when: {fact: a, is: maybe}}\n", `is: want yes or no`},
		{head + "questions:\n  - {id: a, section: scope, provision: x, text: y}\nconclusions:\n  - {id: c, sets: {annex_iii: 5b}, provision: x, when: {fact: a, is: yes}, indicators: ['(']}\n", `indicator "("`},
	} {
		_, err := ParseQuestions("q.yaml", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want it to contain %q", err, tc.want)
		}
	}
}
