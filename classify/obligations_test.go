package classify

import (
	"slices"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/profile"
)

// obligationIDs indexes a result's obligations by ID.
func obligationIDs(res Result) map[string]*Obligation {
	out := map[string]*Obligation{}
	for i := range res.Obligations {
		out[res.Obligations[i].ID] = &res.Obligations[i]
	}
	return out
}

// roled builds a profile with the given roles, use and facts.
func roled(roles []string, use profile.Use, facts map[string]string) *profile.Profile {
	p := prof(use)
	p.Role = ""
	p.Roles = roles
	p.Facts = facts
	return p
}

type dutyCase struct {
	name  string
	p     *profile.Profile
	want  map[string]string // obligation ID -> status
	not   []string          // obligation IDs that must be absent
	route string            // the Conformity procedure
	state string            // the Conformity status ("" = applies)
	roles []string          // Result.Roles, when checked
}

var (
	prov  = []string{"provider"}
	dep   = []string{"deployer"}
	both  = []string{"provider", "deployer"}
	yesTo = func(ids ...string) map[string]string {
		m := map[string]string{}
		for _, id := range ids {
			m[id] = "yes"
		}
		return m
	}
	noTo = func(ids ...string) map[string]string {
		m := map[string]string{}
		for _, id := range ids {
			m[id] = "no"
		}
		return m
	}
	annexI = func(leg string) profile.Use {
		return profile.Use{AnnexI: &profile.AnnexIRef{Legislation: leg, SafetyComponent: true, ThirdParty: true}}
	}
)

const (
	applies = StatusApplies
	cond    = StatusConditional
)

// providerHighRisk are the provider obligations of every high-risk route
// (Annex III points other than 2 add 49(1)).
var providerHighRisk = []string{"art-4", "provider-art-9", "provider-art-10", "provider-art-11", "provider-art-12", "provider-art-13",
	"provider-art-14", "provider-art-15", "provider-art-16-b", "provider-art-17", "provider-art-18", "provider-art-19", "provider-art-20",
	"provider-art-21", "provider-art-43", "provider-art-40-1", "provider-art-42-2", "provider-art-47", "provider-art-48",
	"provider-art-16-l", "provider-art-72", "provider-art-73"}

var deployerHighRisk = []string{"art-4", "deployer-art-26-1", "deployer-art-26-2", "deployer-art-26-4", "deployer-art-26-5",
	"deployer-art-26-6", "deployer-art-26-12"}

func statuses(ids []string, st string, extra map[string]string) map[string]string {
	m := map[string]string{}
	for _, id := range ids {
		m[id] = st
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func dutyCases() []dutyCase {
	return []dutyCase{
		{name: "provider annex iii 5(b)", p: roled(prov, profile.Use{AnnexIII: refs("5b")}, nil),
			want:  statuses(providerHighRisk, applies, map[string]string{"provider-art-49-1": applies, "provider-art-22": cond}),
			not:   []string{"deployer-art-26-1", "deployer-art-27", "provider-art-49-5", "art-95", "art-25-1", "importer-art-23-1"},
			route: ProcedureInternal, roles: prov},
		{name: "provider established outside the union", p: roled(prov, profile.Use{AnnexIII: refs("4a")}, yesTo(FactEstablishedOutsideEU)),
			want: map[string]string{"provider-art-22": applies}, route: ProcedureInternal},
		{name: "provider established in the union", p: roled(prov, profile.Use{AnnexIII: refs("4a")}, noTo(FactEstablishedOutsideEU)),
			not: []string{"provider-art-22"}, route: ProcedureInternal},
		{name: "provider and deployer of credit scoring", p: roled(both, profile.Use{AnnexIII: refs("5b"), Profiling: true}, nil),
			want: statuses(append(slices.Clone(providerHighRisk), deployerHighRisk...), applies, map[string]string{
				"deployer-art-27": applies, "deployer-art-49-3": cond, "deployer-art-26-8": cond, "deployer-art-26-11": applies,
				"deployer-art-26-7": cond, "deployer-art-26-9": cond, "provider-art-49-1": applies}),
			not: []string{"deployer-art-26-10", "art-25-1"}, route: ProcedureInternal, roles: both},
		{name: "deployer 5(c) insurance pricing", p: roled(dep, profile.Use{AnnexIII: refs("5c")}, noTo(FactPublicService, FactPublicAuthority)),
			want: map[string]string{"deployer-art-27": applies, "art-25-1": applies}, not: []string{"deployer-art-49-3", "deployer-art-26-8", "provider-art-9"},
			route: ProcedureInternal},
		{name: "deployer 4(a), public service unknown", p: roled(dep, profile.Use{AnnexIII: refs("4a")}, nil),
			want: map[string]string{"deployer-art-27": cond, "deployer-art-49-3": cond}, route: ProcedureInternal},
		{name: "deployer 4(a), public service", p: roled(dep, profile.Use{AnnexIII: refs("4a")}, yesTo(FactPublicService)),
			want: map[string]string{"deployer-art-27": applies}, route: ProcedureInternal},
		{name: "deployer 4(a), no public service", p: roled(dep, profile.Use{AnnexIII: refs("4a")}, noTo(FactPublicService)),
			not: []string{"deployer-art-27"}, route: ProcedureInternal},
		{name: "deployer 5(a), public authority", p: roled(dep, profile.Use{AnnexIII: refs("5a")}, yesTo(FactPublicAuthority, FactPublicService)),
			want: map[string]string{"deployer-art-49-3": applies, "deployer-art-26-8": applies, "deployer-art-27": applies}, route: ProcedureInternal},
		{name: "deployer 5(a), not a public authority", p: roled(dep, profile.Use{AnnexIII: refs("5a")}, noTo(FactPublicAuthority)),
			not: []string{"deployer-art-49-3", "deployer-art-26-8"}, want: map[string]string{"deployer-art-27": cond}, route: ProcedureInternal},
		{name: "deployer annex iii 2: no FRIA, no registration", p: roled(dep, profile.Use{AnnexIII: refs("2")}, yesTo(FactPublicAuthority, FactPublicService)),
			want: map[string]string{"deployer-art-26-8": applies}, not: []string{"deployer-art-27", "deployer-art-49-3"}, route: ProcedureInternal},
		{name: "deployer annex iii 2 and 4(a): FRIA for the 4(a) use", p: roled(dep, profile.Use{AnnexIII: refs("2", "4a")}, yesTo(FactPublicService)),
			want: map[string]string{"deployer-art-27": applies}, route: ProcedureInternal},
		{name: "provider annex iii 2: national registration", p: roled(prov, profile.Use{AnnexIII: refs("2")}, nil),
			want: map[string]string{"provider-art-49-5": applies}, not: []string{"provider-art-49-1"}, route: ProcedureInternal},
		{name: "deployer 1(a): post-remote identification", p: roled(dep, profile.Use{AnnexIII: refs("1a")}, nil),
			want: map[string]string{"deployer-art-26-10": cond}, route: ProcedureNotified, state: cond},
		{name: "1(a), harmonised standards in full: choice", p: roled(prov, profile.Use{AnnexIII: refs("1a")}, yesTo(FactHarmonisedStandards)),
			route: ProcedureChoice},
		{name: "1(a), harmonised standards not in full: notified body", p: roled(prov, profile.Use{AnnexIII: refs("1a")}, noTo(FactHarmonisedStandards)),
			route: ProcedureNotified},
		{name: "1(c) and 5(b): the biometric route governs", p: roled(prov, profile.Use{AnnexIII: refs("5b", "1c")}, noTo(FactHarmonisedStandards)),
			route: ProcedureNotified},
		{name: "mdr: sectoral", p: roled(both, annexI("mdr"), nil),
			want:  statuses(append(slices.Clone(providerHighRisk), deployerHighRisk...), applies, nil),
			not:   []string{"provider-art-49-1", "deployer-art-27", "deployer-art-49-3", "deployer-art-26-11", "annex-i-b"},
			route: ProcedureSectoral},
		{name: "annex i and iii: sectoral", p: roled(prov, profile.Use{AnnexI: &profile.AnnexIRef{Legislation: "machinery", ThirdParty: true}, AnnexIII: refs("4a")}, nil),
			want: map[string]string{"provider-art-49-1": applies}, route: ProcedureSectoral},
		{name: "section b: sectoral, art. 2(2)", p: roled(prov, annexI("rail-interoperability"), nil),
			want: map[string]string{"annex-i-b": applies, "art-4": applies}, not: []string{"provider-art-9", "provider-art-43"}, route: ProcedureSectoral},
		{name: "product manufacturer of an annex i product is its provider", p: roled([]string{"product-manufacturer"}, annexI("machinery"), nil),
			want:  statuses(providerHighRisk, applies, map[string]string{"product-manufacturer-art-25-3": applies}),
			route: ProcedureSectoral, roles: []string{"product-manufacturer", "provider"}},
		{name: "product manufacturer, annex iii only", p: roled([]string{"product-manufacturer"}, profile.Use{AnnexIII: refs("4a")}, nil),
			not: []string{"product-manufacturer-art-25-3", "provider-art-9", "art-4"}, route: ProcedureInternal, roles: []string{"product-manufacturer"}},
		{name: "importer", p: roled([]string{"importer"}, profile.Use{AnnexIII: refs("4a")}, nil),
			want: map[string]string{"importer-art-23-1": applies, "importer-art-23-2": applies, "importer-art-23-3": applies, "importer-art-23-4": applies,
				"importer-art-23-5": applies, "importer-art-23-6": applies, "art-25-1": applies},
			not: []string{"provider-art-9", "art-4", "distributor-art-24-1"}, route: ProcedureInternal},
		{name: "distributor", p: roled([]string{"distributor"}, annexI("toys"), nil),
			want: map[string]string{"distributor-art-24-1": applies, "distributor-art-24-2": applies, "distributor-art-24-3": applies,
				"distributor-art-24-4": applies, "distributor-art-24-5": applies, "art-25-1": applies},
			not: []string{"importer-art-23-1", "provider-art-9"}, route: ProcedureSectoral},
		{name: "authorised representative", p: roled([]string{"authorised-representative"}, profile.Use{AnnexIII: refs("3a")}, nil),
			want: map[string]string{"authorised-representative-art-22-3": applies, "authorised-representative-art-22-4": applies},
			not:  []string{"provider-art-22", "art-4"}, route: ProcedureInternal},
		{name: "gpai provider with systemic risk, third country", p: roled([]string{"gpai-provider"}, profile.Use{GeneralPurpose: &profile.GeneralPurpose{SystemicRisk: true}}, yesTo(FactEstablishedOutsideEU)),
			want: map[string]string{"gpai-art-53-1-a": applies, "gpai-art-53-1-b": applies, "gpai-art-53-1-c": applies, "gpai-art-53-1-d": applies,
				"gpai-art-53-4": applies, "gpai-art-54-1": applies, "gpai-art-52-1": applies, "gpai-art-55-1-a": applies, "gpai-art-55-1-b": applies,
				"gpai-art-55-1-c": applies, "gpai-art-55-1-d": applies},
			not: []string{"art-4"}, route: ProcedureNone},
		{name: "provider placing a model on the market", p: roled(prov, profile.Use{GeneralPurpose: &profile.GeneralPurpose{Model: true}}, nil),
			want: map[string]string{"gpai-art-53-1-a": applies, "gpai-art-54-1": cond, "art-4": applies, "art-95": applies},
			not:  []string{"gpai-art-55-1-a", "gpai-art-52-1"}, route: ProcedureNone, roles: []string{"provider", "gpai-provider"}},
		{name: "authorised representative of a model provider", p: roled([]string{"authorised-representative"}, profile.Use{GeneralPurpose: &profile.GeneralPurpose{Model: true}}, nil),
			want: map[string]string{"authorised-representative-art-54-3": applies}, not: []string{"gpai-art-53-1-a"}, route: ProcedureNone},
		{name: "system on a third party's model", p: roled(prov, profile.Use{GeneralPurpose: &profile.GeneralPurpose{BuiltOnThirdParty: true}}, nil),
			not: []string{"gpai-art-53-1-a"}, route: ProcedureNone, roles: prov},
		{name: "transparency: provider duties only", p: roled(prov, profile.Use{Transparency: []string{"interacts-with-persons", "deep-fake"}}, nil),
			want: map[string]string{"provider-art-50-1": applies, "art-4": applies, "art-95": applies},
			not:  []string{"deployer-art-50-4-deep-fake", "provider-art-50-2"}, route: ProcedureNone},
		{name: "transparency: deployer duties", p: roled(dep, profile.Use{Transparency: []string{"emotion-recognition", "deep-fake", "public-interest-text"}}, nil),
			want: map[string]string{"deployer-art-50-3": applies, "deployer-art-50-4-deep-fake": applies, "deployer-art-50-4-text": applies, "art-95": applies},
			not:  []string{"provider-art-50-1"}, route: ProcedureNone},
		{name: "transparency with high-risk", p: roled(both, profile.Use{AnnexIII: refs("4a"), Transparency: []string{"synthetic-content", "biometric-categorisation"}}, nil),
			want: map[string]string{"provider-art-50-2": applies, "deployer-art-50-3": applies}, not: []string{"art-95"}, route: ProcedureInternal},
		{name: "minimal", p: roled(both, profile.Use{}, nil),
			want: map[string]string{"art-4": applies, "art-95": applies}, not: []string{"provider-art-9", "art-25-1"}, route: ProcedureNone},
		{name: "prohibited: art. 5 alone", p: roled(dep, profile.Use{Practices: []string{"social-scoring"}, AnnexIII: refs("5a")}, nil),
			want: map[string]string{"art-5": applies}, not: []string{"art-4", "deployer-art-26-1", "art-95"}, route: ProcedureNone},
		{name: "out of scope: nothing", p: roled(prov, profile.Use{Exclusions: []string{"military"}, AnnexIII: refs("6a")}, nil),
			not: []string{"art-4", "provider-art-9", "art-95"}, route: ProcedureNone},
		{name: "derogation", p: roled(both, profile.Use{AnnexIII: refs("4a"), Derogation: []string{"preparatory-task"}}, nil),
			want: map[string]string{"provider-art-6-4": applies, "provider-art-49-2": applies, "art-95": applies},
			not:  []string{"provider-art-9", "deployer-art-26-1"}, route: ProcedureNone},
	}
}

func TestObligationsByRole(t *testing.T) {
	for _, tc := range dutyCases() {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Classify(tc.p, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := obligationIDs(res)
			for id, st := range tc.want {
				o := got[id]
				if o == nil {
					t.Errorf("no obligation %s", id)
					continue
				}
				if o.Status != st {
					t.Errorf("%s: status %s, want %s (%s)", id, o.Status, st, o.Condition)
				}
			}
			for _, id := range tc.not {
				if o := got[id]; o != nil {
					t.Errorf("unexpected obligation %s: %+v", id, *o)
				}
			}
			if res.Conformity.Procedure != tc.route {
				t.Errorf("conformity %s, want %s: %s", res.Conformity.Procedure, tc.route, res.Conformity.Reason)
			}
			st := tc.state
			if st == "" {
				st = applies
			}
			if res.Conformity.Status != st {
				t.Errorf("conformity status %s, want %s", res.Conformity.Status, st)
			}
			if tc.roles != nil && !slices.Equal(res.Roles, tc.roles) {
				t.Errorf("roles %v, want %v", res.Roles, tc.roles)
			}
			for _, o := range res.Obligations {
				for _, r := range o.Roles {
					if !slices.Contains(res.Roles, r) {
						t.Errorf("%s binds %s, not a role of the system %v", o.ID, r, res.Roles)
					}
				}
				if o.Status == cond && !strings.Contains(o.Condition, "Applies ") {
					t.Errorf("%s is conditional but does not say on what: %q", o.ID, o.Condition)
				}
			}
		})
	}
}

// TestEveryObligationReachable: every obligation of the file appears in
// some case above.
func TestEveryObligationReachable(t *testing.T) {
	ob, err := Obligations()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, tc := range dutyCases() {
		res, err := Classify(tc.p, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range res.Obligations {
			seen[o.ID] = true
		}
	}
	for _, d := range ob.Obligations {
		if !seen[d.ID] {
			t.Errorf("obligation %s (%s:%d) appears in no case", d.ID, ObligationsFile, d.Line)
		}
	}
}

func TestConditionalWording(t *testing.T) {
	res, err := Classify(roled(dep, profile.Use{AnnexIII: refs("4a")}, map[string]string{FactPublicService: "unknown"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	o := obligationIDs(res)["deployer-art-27"]
	if o == nil {
		t.Fatal("no Art. 27")
	}
	if !strings.HasSuffix(o.Condition, "Applies if facts.public_service is yes: answer it.") {
		t.Errorf("condition %q", o.Condition)
	}
	if !slices.Equal(o.Facts, []string{"facts.public_service = unknown"}) {
		t.Errorf("facts %v", o.Facts)
	}
	res, _ = Classify(roled(dep, profile.Use{AnnexIII: refs("5b")}, nil), nil)
	if o := obligationIDs(res)["deployer-art-27"]; o == nil || o.Status != applies || !slices.Equal(o.Facts, []string{"facts.public_service = unknown"}) {
		t.Errorf("5(b) brings Art. 27 whatever the answer: %+v", o)
	}
}

func TestConformityDetails(t *testing.T) {
	tests := []struct {
		name              string
		p                 *profile.Profile
		article, leg, has string
	}{
		{"annex vi", roled(prov, profile.Use{AnnexIII: refs("8a")}, nil), "Art. 43(2)", "", "Annex VI"},
		{"annex vii unknown", roled(prov, profile.Use{AnnexIII: refs("1b")}, nil), "Art. 43(1)", "", "answer it"},
		{"mdr", roled(prov, annexI("mdr"), nil), "Art. 43(3)", "Regulation (EU) 2017/745 on medical devices (MDR)", "notified body"},
		{"ivdr", roled(prov, annexI("ivdr"), nil), "Art. 43(3)", "Regulation (EU) 2017/746 on in vitro diagnostic medical devices (IVDR)", "Section 2"},
		{"section b", roled(prov, annexI("civil-aviation"), nil), "Art. 2(2), Art. 6(1)", "Regulation (EU) 2018/1139 on common rules in the field of civil aviation", "102 to 109"},
		{"derogation", roled(prov, profile.Use{AnnexIII: refs("4a"), Derogation: []string{"narrow-procedural-task"}}, nil), "Art. 43", "", "Art. 6(4)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Classify(tt.p, nil)
			if err != nil {
				t.Fatal(err)
			}
			cf := res.Conformity
			if cf.Article != tt.article || cf.Legislation != tt.leg || !strings.Contains(cf.Reason, tt.has) {
				t.Errorf("conformity %+v", cf)
			}
			if res.Tier == HighRisk {
				if !slices.ContainsFunc(cf.Notes, func(n string) bool { return strings.HasPrefix(n, "Art. 43(4)") }) {
					t.Errorf("no Art. 43(4) note: %v", cf.Notes)
				}
				if o := obligationIDs(res)["provider-art-43"]; o != nil && o.Article != cf.Article {
					t.Errorf("the Art. 43 obligation cites %s, the route %s", o.Article, cf.Article)
				}
			}
		})
	}
}

func TestObligationKinds(t *testing.T) {
	ob, err := Obligations()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"provider-art-42-2": KindPresumption, "provider-art-40-1": KindPresumption, "gpai-art-53-4": KindPresumption,
		"art-95": KindVoluntary, "art-25-1": KindNote, "provider-art-9": KindObligation}
	for _, d := range ob.Obligations {
		if k, ok := want[d.ID]; ok && d.Kind != k {
			t.Errorf("%s: kind %s, want %s", d.ID, d.Kind, k)
		}
		if !strings.Contains(d.Article, "(") && d.Article != "Art. 4" && !d.Route {
			t.Errorf("%s: article %q names no paragraph", d.ID, d.Article)
		}
	}
}

func TestObligationDatesByRoute(t *testing.T) {
	tests := []struct {
		name, id, date string
		p              *profile.Profile
	}{
		{"annex iii deployer", "deployer-art-26-6", "2027-12-02", roled(dep, profile.Use{AnnexIII: refs("4a")}, nil)},
		{"annex i deployer", "deployer-art-26-6", "2028-08-02", roled(dep, annexI("lifts"), nil)},
		{"literacy", "art-4", "2025-02-02", roled(dep, profile.Use{}, nil)},
		{"value chain note", "art-25-1", "2027-12-02", roled(dep, profile.Use{}, nil)},
		{"codes of conduct", "art-95", "2026-08-02", roled(prov, profile.Use{}, nil)},
		{"gpai", "gpai-art-55-1-d", "2025-08-02", roled([]string{"gpai-provider"}, profile.Use{GeneralPurpose: &profile.GeneralPurpose{SystemicRisk: true}}, nil)},
		{"registration after a derogation", "provider-art-49-2", "2027-12-02", roled(prov, profile.Use{AnnexIII: refs("4a"), Derogation: []string{"detect-patterns"}}, nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Classify(tt.p, nil)
			if err != nil {
				t.Fatal(err)
			}
			o := obligationIDs(res)[tt.id]
			if o == nil {
				t.Fatalf("no %s", tt.id)
			}
			if o.AppliesFrom != tt.date || o.Verified || !strings.HasPrefix(o.Source, ObligationsFile+":") {
				t.Errorf("%s: %s verified=%v (%s)", tt.id, o.AppliesFrom, o.Verified, o.Source)
			}
		})
	}
}

// minimalObligations is a valid obligations file; tests splice errors in.
const minimalObligations = `version: 1
as_of: 2026-12-03
dates:
  - id: general
    date: 2026-08-02
    article: a
    source: s
    as_of: 2026-12-03
    verified: false
obligations:
  - id: o1
    roles: [deployer]
    on: art-50
    article: "Art. 50(3)"
    title: t
    summary: s
    kind: obligation
    condition: c
    when: {transparency: [emotion-recognition]}
    date: general
`

func TestParseObligationsErrors(t *testing.T) {
	if _, err := ParseObligations("o.yaml", []byte(minimalObligations)); err != nil {
		t.Fatalf("minimal file: %v", err)
	}
	tests := []struct{ name, old, new, want string }{
		{"unknown role", "[deployer]", "[user]", `o.yaml:12: unknown role "user"`},
		{"unknown trigger", "on: art-50", "on: limited", `o.yaml:13: unknown trigger "limited"`},
		{"unknown kind", "kind: obligation", "kind: duty", `o.yaml:17: unknown kind "duty"`},
		{"unknown fact", "{transparency: [emotion-recognition]}", "{fact: is_public}", `o.yaml:19: unknown fact "is_public"`},
		{"bad point", "{transparency: [emotion-recognition]}", `{annex_iii: ["5(e)"]}`, `o.yaml:19: Annex III has no point "5(e)"`},
		{"two forms", "{transparency: [emotion-recognition]}", `{fact: public_service, annex_iii: ["2"]}`, `o.yaml:19: a condition has exactly one of`},
		{"no date", "    date: general\n", "    date: later\n", `o.yaml:11: obligation o1: no date "later"`},
		{"scopes without high-risk", "    on: art-50\n", "    on: art-50\n    scopes: [annex-iii]\n", `o.yaml:11: obligation "o1": scopes go only with on: high-risk`},
		{"missing key", "    condition: c\n", "", `o.yaml:11: missing key "condition"`},
		{"duplicate id", "    date: general\n", "    date: general\n  - id: o1\n    roles: [provider]\n    on: any\n    article: a\n    title: t\n    summary: s\n    kind: note\n    condition: c\n    date: general\n",
			`obligation id "o1" already used at line 11`},
		{"bad date", "date: 2026-08-02", "date: 2026-08-32", `o.yaml:5: want a date`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(minimalObligations, tt.old) {
				t.Fatalf("test is broken: %q not in the minimal file", tt.old)
			}
			_, err := ParseObligations("o.yaml", []byte(strings.Replace(minimalObligations, tt.old, tt.new, 1)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestNothingVerifiedUnread: the obligations file marks no date verified;
// none was read in the text on EUR-Lex (docs/classification.md).
func TestNothingVerifiedUnread(t *testing.T) {
	ob, err := Obligations()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ob.Dates {
		if e.Verified && !strings.Contains(e.Source, "eur-lex.europa.eu") {
			t.Errorf("%s:%d: date %s verified without a EUR-Lex source", ObligationsFile, e.Line, e.ID)
		}
	}
}

// FuzzParseObligations: any input parses or fails with an error, and a set
// that parses derives obligations without panicking.
func FuzzParseObligations(f *testing.F) {
	f.Add(obligationsYAML)
	f.Add([]byte(minimalObligations))
	f.Add([]byte("obligations: &a [*a]\n"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		os, err := ParseObligations("fuzz.yaml", data)
		if err != nil {
			return
		}
		for _, p := range fuzzProfiles {
			in := dutyInput{p: p, active: map[string][]string{"any": {""}, HighRisk: {"annex-iii", "annex-i"}, "art-50": {""}, "gpai-model": {""}}, points: []string{"5(b)", "2"}}
			_ = os.derive(in, Roles, Conformity{}, nil)
		}
	})
}

// TestSoleRole: the rules' role field reads roles with one item as role.
func TestSoleRole(t *testing.T) {
	p := roled(dep, profile.Use{Exclusions: []string{"personal"}}, nil)
	res, err := Classify(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Tier != OutOfScope {
		t.Errorf("roles: [deployer] with a personal use: tier %s, want out-of-scope", res.Tier)
	}
	p = roled(both, profile.Use{Exclusions: []string{"personal"}}, nil)
	if res, _ = Classify(p, nil); res.Tier == OutOfScope {
		t.Error("a provider and deployer is not relieved by Art. 2(10)")
	}
}
