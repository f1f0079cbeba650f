package classify

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/profile"
)

// prof builds a provider's profile with the given use.
func prof(use profile.Use) *profile.Profile {
	return &profile.Profile{
		APIVersion: profile.APIVersion,
		System:     profile.System{Name: "test", Purpose: "test", Sector: "test"},
		Role:       "provider",
		Use:        use,
	}
}

func refs(rs ...string) []profile.AnnexIIIRef {
	var out []profile.AnnexIIIRef
	for _, r := range rs {
		var a int
		var pt string
		fmt.Sscanf(r, "%d%s", &a, &pt)
		out = append(out, profile.AnnexIIIRef{Area: a, Point: pt})
	}
	return out
}

// want is what a case expects of the Result.
type want struct {
	tier         string
	route        string
	transparency bool
	gpai         bool
	systemic     bool
	fired        []string // rules that fired, in rules-file order
	no           []string // rules with a "no" verdict, in order
	obligations  []string // catalogue requirements of the obligations, in order, each once
}

type tcase struct {
	name string
	p    *profile.Profile
	want want
}

var highRiskObligations = []string{
	"ai-act-art-9", "ai-act-art-10", "ai-act-art-11", "ai-act-art-12", "ai-act-art-13", "ai-act-art-14",
	"ai-act-art-15", "ai-act-art-17", "ai-act-art-43", "ai-act-art-42-2", "ai-act-art-72", "ai-act-art-73",
}

var derogationRules = []string{"art-6-3-a-narrow-procedural", "art-6-3-b-improve-human", "art-6-3-c-detect-patterns", "art-6-3-d-preparatory"}

// annexIIINo are the "no" verdicts of an Annex III system with no
// derogation claimed and no profiling.
var annexIIINo = append(slices.Clone(derogationRules), "art-6-3-profiling-override")

func cases() []tcase {
	var cs []tcase
	for _, pt := range AnnexIII {
		ref := fmt.Sprintf("%d%s", pt.Area, pt.Point)
		cs = append(cs, tcase{
			name: "annex-iii-" + ref,
			p:    prof(profile.Use{AnnexIII: refs(ref)}),
			want: want{tier: HighRisk, route: "annex-iii", fired: []string{"art-6-2-annex-iii-" + ref}, no: annexIIINo, obligations: highRiskObligations},
		})
	}
	for i, d := range Derogations {
		others := slices.Delete(slices.Clone(derogationRules), i, i+1)
		cs = append(cs, tcase{
			name: "derogation-" + d,
			p:    prof(profile.Use{AnnexIII: refs("4a"), Derogation: []string{d}}),
			want: want{tier: Minimal, fired: []string{"art-6-2-annex-iii-4a", derogationRules[i]},
				no: append(others, "art-6-3-profiling-override"), obligations: []string{"ai-act-art-6"}},
		}, tcase{
			name: "derogation-" + d + "-profiling",
			p:    prof(profile.Use{AnnexIII: refs("4a"), Derogation: []string{d}, Profiling: true}),
			want: want{tier: HighRisk, route: "annex-iii", fired: []string{"art-6-2-annex-iii-4a", "art-6-3-profiling-override"},
				no: derogationRules, obligations: highRiskObligations},
		})
	}
	practiceRule := map[string]string{
		"subliminal-manipulation":                                  "art-5-1-a-subliminal",
		"exploit-vulnerabilities":                                  "art-5-1-b-vulnerabilities",
		"social-scoring":                                           "art-5-1-c-social-scoring",
		"crime-risk-profiling":                                     "art-5-1-d-crime-risk",
		"facial-scraping":                                          "art-5-1-e-facial-scraping",
		"emotion-recognition-workplace-education":                  "art-5-1-f-emotion-workplace",
		"biometric-categorisation-sensitive":                       "art-5-1-g-biometric-categorisation",
		"realtime-remote-biometric-identification-law-enforcement": "art-5-1-h-realtime-rbi",
		"non-consensual-intimate-imagery":                          "art-5-omnibus-intimate-imagery",
	}
	for _, pr := range Practices {
		cs = append(cs, tcase{
			name: "prohibited-" + pr,
			p:    prof(profile.Use{Practices: []string{pr}}),
			want: want{tier: Prohibited, fired: []string{practiceRule[pr]}, obligations: []string{"ai-act-art-5"}},
		})
	}
	transRule := map[string]string{
		"interacts-with-persons":   "art-50-1-interaction",
		"synthetic-content":        "art-50-2-synthetic-content",
		"emotion-recognition":      "art-50-3-emotion-recognition",
		"biometric-categorisation": "art-50-3-biometric-categorisation",
		"deep-fake":                "art-50-4-deep-fake",
		"public-interest-text":     "art-50-4-public-interest-text",
	}
	for _, s := range TransparencySituations {
		// Art. 50(3) and (4) bind the deployer: the provider gets a note.
		var obl []string
		if strings.HasPrefix(transRule[s], "art-50-1") || strings.HasPrefix(transRule[s], "art-50-2") {
			obl = []string{"ai-act-art-50"}
		}
		cs = append(cs, tcase{
			name: "transparency-" + s,
			p:    prof(profile.Use{Transparency: []string{s}}),
			want: want{tier: Transparency, transparency: true, fired: []string{transRule[s]}, obligations: obl},
		})
	}
	for _, leg := range []string{"mdr", "machinery", "toys"} {
		cs = append(cs, tcase{
			name: "annex-i-a-" + leg + "-third-party",
			p:    prof(profile.Use{AnnexI: &profile.AnnexIRef{Legislation: leg, SafetyComponent: true, ThirdParty: true}}),
			want: want{tier: HighRisk, route: "annex-i", fired: []string{"art-6-1-annex-i-a"}, obligations: highRiskObligations},
		}, tcase{
			name: "annex-i-a-" + leg + "-self-assessed",
			p:    prof(profile.Use{AnnexI: &profile.AnnexIRef{Legislation: leg, SafetyComponent: true}}),
			want: want{tier: Minimal, no: []string{"art-6-1-annex-i-a"}},
		})
	}
	cs = append(cs,
		tcase{
			name: "annex-i-b-civil-aviation",
			p:    prof(profile.Use{AnnexI: &profile.AnnexIRef{Legislation: "civil-aviation", ThirdParty: true}}),
			want: want{tier: HighRisk, route: "annex-i", fired: []string{"art-6-1-annex-i-b"}, obligations: []string{"ai-act-art-6"}},
		},
		tcase{
			name: "annex-i-b-self-assessed",
			p:    prof(profile.Use{AnnexI: &profile.AnnexIRef{Legislation: "motor-vehicles"}}),
			want: want{tier: Minimal, no: []string{"art-6-1-annex-i-b"}},
		},
		tcase{
			name: "minimal",
			p:    prof(profile.Use{}),
			want: want{tier: Minimal},
		},
		tcase{
			name: "gpai-model-provider",
			p:    prof(profile.Use{GeneralPurpose: &profile.GeneralPurpose{Model: true}}),
			want: want{tier: Minimal, gpai: true, fired: []string{"gpai-system", "art-53-gpai-provider"}, obligations: []string{"ai-act-art-53"}},
		},
		tcase{
			name: "gpai-systemic",
			p:    prof(profile.Use{GeneralPurpose: &profile.GeneralPurpose{Model: true, SystemicRisk: true}, Transparency: []string{"interacts-with-persons"}}),
			want: want{tier: Transparency, transparency: true, gpai: true, systemic: true,
				fired:       []string{"art-50-1-interaction", "gpai-system", "art-53-gpai-provider", "art-55-systemic-risk"},
				obligations: []string{"ai-act-art-50", "ai-act-art-53", "ai-act-art-55"}},
		},
		tcase{
			name: "gpai-built-on-third-party-systemic",
			p:    prof(profile.Use{GeneralPurpose: &profile.GeneralPurpose{BuiltOnThirdParty: true, SystemicRisk: true}}),
			want: want{tier: Minimal, gpai: true, fired: []string{"gpai-system"}, no: []string{"art-53-gpai-provider", "art-55-systemic-risk"}},
		},
		tcase{
			name: "exclusion-military",
			p:    prof(profile.Use{Exclusions: []string{"military"}, AnnexIII: refs("6a")}),
			want: want{tier: OutOfScope, fired: []string{"art-2-3-military", "art-6-2-annex-iii-6a"}, no: annexIIINo},
		},
		tcase{
			name: "exclusion-research",
			p:    prof(profile.Use{Exclusions: []string{"research"}, Transparency: []string{"synthetic-content"}}),
			want: want{tier: OutOfScope, fired: []string{"art-2-6-research", "art-50-2-synthetic-content"}},
		},
		tcase{
			name: "exclusion-personal-deployer",
			p: func() *profile.Profile {
				p := prof(profile.Use{Exclusions: []string{"personal"}})
				p.Role = "deployer"
				return p
			}(),
			want: want{tier: OutOfScope, fired: []string{"art-2-10-personal"}},
		},
		tcase{
			name: "exclusion-personal-provider",
			p:    prof(profile.Use{Exclusions: []string{"personal"}, Transparency: []string{"deep-fake"}}),
			want: want{tier: Transparency, transparency: true, fired: []string{"art-50-4-deep-fake"}, no: []string{"art-2-10-personal"}}, // Art. 50(4) binds deployers
		},
		tcase{
			name: "precedence-out-of-scope-over-prohibited",
			p:    prof(profile.Use{Exclusions: []string{"military"}, Practices: []string{"social-scoring"}}),
			want: want{tier: OutOfScope, fired: []string{"art-2-3-military", "art-5-1-c-social-scoring"}},
		},
		tcase{
			name: "precedence-prohibited-over-high-risk",
			p:    prof(profile.Use{Practices: []string{"emotion-recognition-workplace-education"}, AnnexIII: refs("1c"), Transparency: []string{"emotion-recognition"}}),
			want: want{tier: Prohibited, transparency: true, fired: []string{"art-5-1-f-emotion-workplace", "art-6-2-annex-iii-1c", "art-50-3-emotion-recognition"},
				no: annexIIINo, obligations: []string{"ai-act-art-5"}},
		},
		tcase{
			name: "precedence-high-risk-with-transparency",
			p:    prof(profile.Use{AnnexIII: refs("5b"), Profiling: true, Transparency: []string{"interacts-with-persons"}}),
			want: want{tier: HighRisk, route: "annex-iii", transparency: true,
				fired: []string{"art-6-2-annex-iii-5b", "art-6-3-profiling-override", "art-50-1-interaction"}, no: derogationRules,
				obligations: append(slices.Clone(highRiskObligations), "ai-act-art-50")},
		},
		tcase{
			name: "precedence-derogation-leaves-transparency",
			p:    prof(profile.Use{AnnexIII: refs("3b"), Derogation: []string{"preparatory-task"}, Transparency: []string{"interacts-with-persons"}}),
			want: want{tier: Transparency, transparency: true,
				fired:       []string{"art-6-2-annex-iii-3b", "art-6-3-d-preparatory", "art-50-1-interaction"},
				no:          []string{"art-6-3-a-narrow-procedural", "art-6-3-b-improve-human", "art-6-3-c-detect-patterns", "art-6-3-profiling-override"},
				obligations: []string{"ai-act-art-6", "ai-act-art-50"}},
		},
		tcase{
			name: "derogation-does-not-lift-annex-i",
			p:    prof(profile.Use{AnnexIII: refs("5d"), Derogation: []string{"narrow-procedural-task"}, AnnexI: &profile.AnnexIRef{Legislation: "mdr", ThirdParty: true}}),
			want: want{tier: HighRisk, route: "annex-i",
				fired:       []string{"art-6-1-annex-i-a", "art-6-2-annex-iii-5d", "art-6-3-a-narrow-procedural"},
				no:          []string{"art-6-3-b-improve-human", "art-6-3-c-detect-patterns", "art-6-3-d-preparatory", "art-6-3-profiling-override"},
				obligations: highRiskObligations},
		},
		tcase{
			name: "annex-i-and-annex-iii",
			p:    prof(profile.Use{AnnexIII: refs("1a", "7d"), AnnexI: &profile.AnnexIRef{Legislation: "radio-equipment", ThirdParty: true}}),
			want: want{tier: HighRisk, route: "annex-iii",
				fired: []string{"art-6-1-annex-i-a", "art-6-2-annex-iii-1a", "art-6-2-annex-iii-7d"}, no: annexIIINo,
				obligations: highRiskObligations},
		},
		tcase{
			name: "area-2-without-point",
			p:    prof(profile.Use{AnnexIII: []profile.AnnexIIIRef{{Area: 2}}}),
			want: want{tier: HighRisk, route: "annex-iii", fired: []string{"art-6-2-annex-iii-2"}, no: annexIIINo, obligations: highRiskObligations},
		},
	)
	return cs
}

func TestClassify(t *testing.T) {
	for _, tc := range cases() {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Classify(tc.p, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := want{tier: res.Tier, route: res.Route, transparency: res.Transparency, gpai: res.GeneralPurpose, systemic: res.SystemicRisk}
			for _, v := range res.Verdicts {
				switch {
				case v.Rule == TierRule:
				case v.Outcome == No:
					got.no = append(got.no, v.Rule)
				default:
					got.fired = append(got.fired, v.Rule)
				}
			}
			for _, o := range res.Obligations {
				if o.Requirement != "" && !slices.Contains(got.obligations, string(o.Requirement)) {
					got.obligations = append(got.obligations, string(o.Requirement))
				}
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			last := res.Verdicts[len(res.Verdicts)-1]
			if last.Rule != TierRule || last.Outcome != res.Tier {
				t.Errorf("last verdict %+v, want the tier verdict for %s", last, res.Tier)
			}
			for _, v := range res.Verdicts {
				if v.Article == "" || v.Reason == "" || v.Fields == nil {
					t.Errorf("verdict %s lacks article, reason or fields: %+v", v.Rule, v)
				}
				if strings.Contains(v.Reason, "{") {
					t.Errorf("verdict %s: unexpanded placeholder in %q", v.Rule, v.Reason)
				}
			}
			for _, o := range res.Obligations {
				if o.AppliesFrom == "" || o.Source == "" || o.Title == "" || o.Article == "" || o.Summary == "" || o.Condition == "" || len(o.Roles) == 0 || o.Status == "" || o.Kind == "" {
					t.Errorf("obligation %s incomplete: %+v", o.ID, o)
				}
			}
		})
	}
}

// verdictFor returns the verdict of rule id.
func verdictFor(t *testing.T, res Result, id string) Verdict {
	t.Helper()
	for _, v := range res.Verdicts {
		if v.Rule == id {
			return v
		}
	}
	t.Fatalf("no verdict for %s in %+v", id, res.Verdicts)
	return Verdict{}
}

func TestVerdictFields(t *testing.T) {
	tests := []struct {
		name   string
		p      *profile.Profile
		rule   string
		fields []string
	}{
		{"second annex-iii entry", prof(profile.Use{AnnexIII: refs("4a", "5b")}), "art-6-2-annex-iii-5b", []string{"use.annex_iii[1]"}},
		{"derogation index and profiling", prof(profile.Use{AnnexIII: refs("4a"), Derogation: []string{"preparatory-task", "detect-patterns"}}),
			"art-6-3-c-detect-patterns", []string{"use.annex_iii", "use.derogation[1]", "use.profiling"}},
		{"derogation overridden names profiling", prof(profile.Use{AnnexIII: refs("4a"), Derogation: []string{"detect-patterns"}, Profiling: true}),
			"art-6-3-c-detect-patterns", []string{"use.profiling"}},
		{"derogation not claimed names derogation", prof(profile.Use{AnnexIII: refs("4a"), Derogation: []string{"detect-patterns"}}),
			"art-6-3-a-narrow-procedural", []string{"use.derogation"}},
		{"profiling override", prof(profile.Use{AnnexIII: refs("8a"), Profiling: true}), "art-6-3-profiling-override", []string{"use.annex_iii", "use.profiling"}},
		{"annex i", prof(profile.Use{AnnexI: &profile.AnnexIRef{Legislation: "ivdr", ThirdParty: true}}), "art-6-1-annex-i-a",
			[]string{"use.annex_i", "use.annex_i.legislation", "use.annex_i.third_party_assessment"}},
		{"annex i no third party", prof(profile.Use{AnnexI: &profile.AnnexIRef{Legislation: "ivdr"}}), "art-6-1-annex-i-a",
			[]string{"use.annex_i.third_party_assessment"}},
		{"practice index", prof(profile.Use{Practices: []string{"social-scoring", "facial-scraping"}}), "art-5-1-e-facial-scraping", []string{"use.practices[1]"}},
		{"personal provider", prof(profile.Use{Exclusions: []string{"personal"}}), "art-2-10-personal", []string{"role"}},
		{"gpai not the model provider", prof(profile.Use{GeneralPurpose: &profile.GeneralPurpose{BuiltOnThirdParty: true}}), "art-53-gpai-provider",
			[]string{"use.general_purpose.model"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Classify(tt.p, nil)
			if err != nil {
				t.Fatal(err)
			}
			v := verdictFor(t, res, tt.rule)
			if diff := cmp.Diff(tt.fields, v.Fields); diff != "" {
				t.Errorf("fields of %s (-want +got):\n%s\nreason: %s", tt.rule, diff, v.Reason)
			}
			for _, f := range v.Fields {
				if !strings.Contains(v.Reason, f) && v.Outcome != No {
					t.Errorf("reason of %s does not cite %s: %q", tt.rule, f, v.Reason)
				}
			}
		})
	}
}

func TestObligationDates(t *testing.T) {
	tests := []struct {
		name string
		p    *profile.Profile
		req  aiassure.RequirementID
		date string
	}{
		{"annex iii", prof(profile.Use{AnnexIII: refs("5b")}), "ai-act-art-15", "2027-12-02"},
		{"annex i", prof(profile.Use{AnnexI: &profile.AnnexIRef{Legislation: "mdr", ThirdParty: true}}), "ai-act-art-15", "2028-08-02"},
		{"annex i and iii: the earlier", prof(profile.Use{AnnexIII: refs("5d"), AnnexI: &profile.AnnexIRef{Legislation: "mdr", ThirdParty: true}}), "ai-act-art-9", "2027-12-02"},
		{"annex i section b", prof(profile.Use{AnnexI: &profile.AnnexIRef{Legislation: "rail-interoperability", ThirdParty: true}}), "ai-act-art-6", "2028-08-02"},
		{"prohibited", prof(profile.Use{Practices: []string{"social-scoring"}}), "ai-act-art-5", "2025-02-02"},
		{"omnibus ban", prof(profile.Use{Practices: []string{"non-consensual-intimate-imagery"}}), "ai-act-art-5", "2026-12-02"},
		{"omnibus ban and an original one", prof(profile.Use{Practices: []string{"non-consensual-intimate-imagery", "facial-scraping"}}), "ai-act-art-5", "2025-02-02"},
		{"transparency", prof(profile.Use{Transparency: []string{"synthetic-content"}}), "ai-act-art-50", "2026-08-02"},
		{"gpai", prof(profile.Use{GeneralPurpose: &profile.GeneralPurpose{Model: true, SystemicRisk: true}}), "ai-act-art-55", "2025-08-02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Classify(tt.p, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range res.Obligations {
				if o.Requirement == tt.req {
					if o.AppliesFrom != tt.date {
						t.Errorf("%s applies from %s, want %s (%s)", tt.req, o.AppliesFrom, tt.date, o.Source)
					}
					if !strings.HasPrefix(o.Source, ObligationsFile+":") {
						t.Errorf("without a catalogue the source should be the obligations file, got %q", o.Source)
					}
					return
				}
			}
			t.Errorf("no obligation %s in %+v", tt.req, res.Obligations)
		})
	}
}

// TestObligationFromCatalogue: a catalogue row with the same date supplies
// the date, its verified flag and source; a row with another date leaves the
// obligations file's date in place and says so.
func TestObligationFromCatalogue(t *testing.T) {
	c := &catalog.Catalog{Requirements: []catalog.Requirement{
		{ID: "ai-act-art-50", Article: "Art. 50", Title: "Transparency (catalogue title)", Applies: []catalog.Applicability{
			{Date: "2026-08-02", Scope: "all", AsOf: "2026-11-26", Verified: true, Source: "catalogue source"},
		}},
		{ID: "ai-act-art-53", Article: "Art. 53", Title: "GPAI", Applies: []catalog.Applicability{
			{Date: "2025-09-01", Scope: "gpai", AsOf: "2026-11-26", Source: "wrong date"},
		}},
	}}
	p := prof(profile.Use{Transparency: []string{"interacts-with-persons"}, GeneralPurpose: &profile.GeneralPurpose{Model: true}})
	res, err := Classify(p, c)
	if err != nil {
		t.Fatal(err)
	}
	byID := obligationIDs(res)
	o := byID["provider-art-50-1"]
	if o == nil {
		t.Fatalf("no Art. 50(1) obligation: %+v", res.Obligations)
	}
	want := Obligation{ID: "provider-art-50-1", Roles: []string{"provider"}, Kind: KindObligation, Status: StatusApplies,
		Requirement: "ai-act-art-50", Article: "Art. 50(1)", Title: o.Title, Summary: o.Summary, Condition: o.Condition,
		AppliesFrom: "2026-08-02", Verified: true, Source: "catalog requirement ai-act-art-50: catalogue source"}
	if diff := cmp.Diff(want, *o); diff != "" {
		t.Errorf("from the catalogue (-want +got):\n%s", diff)
	}
	g := byID["gpai-art-53-1-a"]
	if g == nil {
		t.Fatalf("no Art. 53(1)(a) obligation: %+v", res.Obligations)
	}
	if g.AppliesFrom != "2025-08-02" || g.Verified || !strings.Contains(g.Source, "has no applies row dated 2025-08-02") {
		t.Errorf("fallback: %+v", g)
	}
	if !slices.Contains(res.Roles, "gpai-provider") {
		t.Errorf("a provider placing a model on the market is a gpai-provider: roles %v", res.Roles)
	}
	rs, _ := Rules()
	ob, _ := Obligations()
	problems := strings.Join(append(rs.CheckCatalog(c), ob.CheckCatalog(c)...), "\n")
	for _, w := range []string{"obligation gpai-art-53-1-a: date chapter-v (any scope) is 2025-08-02; the catalogue's ai-act-art-53 has [2025-09-01]",
		"obligation provider-art-9: requirement ai-act-art-9 is not in the catalogue", "requirement ai-act-art-6 is not in the catalogue"} {
		if !strings.Contains(problems, w) {
			t.Errorf("CheckCatalog does not report %q:\n%s", w, problems)
		}
	}
}

func TestClassifyRejectsBadProfiles(t *testing.T) {
	tests := []struct {
		name string
		p    *profile.Profile
		want string
	}{
		{"nil", nil, "no profile"},
		{"practice", prof(profile.Use{Practices: []string{"social-scorring"}}), `use.practices[0]: unknown value "social-scorring"`},
		{"derogation", prof(profile.Use{AnnexIII: refs("4a"), Derogation: []string{"narrow"}}), `use.derogation[0]: unknown value "narrow"`},
		{"transparency", prof(profile.Use{Transparency: []string{"chatbot"}}), `use.transparency[0]`},
		{"exclusion", prof(profile.Use{Exclusions: []string{"defence"}}), `use.exclusions[0]`},
		{"annex iii area", prof(profile.Use{AnnexIII: refs("9a")}), "use.annex_iii[0]: Annex III has no point 9(a)"},
		{"annex iii point", prof(profile.Use{AnnexIII: refs("1d")}), "use.annex_iii[0]: Annex III has no point 1(d)"},
		{"annex iii missing point", prof(profile.Use{AnnexIII: []profile.AnnexIIIRef{{Area: 5}}}), "use.annex_iii[0]: Annex III has no point 5"},
		{"annex i legislation", prof(profile.Use{AnnexI: &profile.AnnexIRef{Legislation: "cars"}}), `use.annex_i.legislation: unknown value "cars"`},
		{"role", func() *profile.Profile { p := prof(profile.Use{}); p.Role = "vendor"; return p }(), `role: unknown value "vendor"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Classify(tt.p, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestEveryRuleReachable: every rule of the file fires in some case above,
// and every Annex III point and practice has its rule.
func TestEveryRuleReachable(t *testing.T) {
	rs, err := Rules()
	if err != nil {
		t.Fatal(err)
	}
	firedSeen := map[string]bool{}
	for _, tc := range cases() {
		res, err := Classify(tc.p, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range res.Verdicts {
			if v.Outcome != No {
				firedSeen[v.Rule] = true
			}
		}
	}
	for _, r := range rs.Rules {
		if !firedSeen[r.ID] {
			t.Errorf("rule %s (line %d) fires in no test case", r.ID, r.Line)
		}
	}
}
