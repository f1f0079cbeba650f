package catalog

import (
	"strings"
	"testing"

	"github.com/aiassure/aiassure"
)

func reqs(ids ...string) []aiassure.RequirementID {
	out := make([]aiassure.RequirementID, len(ids))
	for i, id := range ids {
		out[i] = aiassure.RequirementID(id)
	}
	return out
}

func ids(ids ...string) []aiassure.StandardID {
	out := make([]aiassure.StandardID, len(ids))
	for i, id := range ids {
		out[i] = aiassure.StandardID(id)
	}
	return out
}

// TestCheckStandard checks the validation of the OJ citation, the Annex ZA
// mapping and a request's deliverables, one defect at a time.
func TestCheckStandard(t *testing.T) {
	notCited := OJCitation{AsOf: "2026-12-03", Source: "https://eur-lex.europa.eu/"}
	cited := OJCitation{Cited: true, Date: "2026-03-05", Ref: "OJ L, 2026/1234, 5.3.2026",
		Act: "Commission Implementing Decision (EU) 2026/1234", AsOf: "2026-12-03", Verified: true, Source: "https://eur-lex.europa.eu/eli/dec_impl/2026/1234/oj"}
	en := func(oj OJCitation) Standard {
		return Standard{ID: "cen-clc-en-1", Designation: "prEN 1", Kind: "EN", CitedInOJ: oj}
	}
	with := func(f func(*OJCitation)) Standard {
		oj := cited
		f(&oj)
		return en(oj)
	}
	request := func(ds ...Deliverable) Standard {
		return Standard{ID: "m-1", Designation: "M/1", Kind: "request", Deliverables: ds}
	}
	za := func(m ZAMapping) Standard { s := en(notCited); s.AnnexZA = []ZAMapping{m}; return s }
	tests := []struct {
		name string
		s    Standard
		want string // "" for no problem
	}{
		{"no citation recorded", Standard{ID: "iso-1", Designation: "ISO 1", Kind: "IS"}, ""},
		{"not cited", en(notCited), ""},
		{"cited, act form", en(cited), ""},
		{"cited, issue form", with(func(o *OJCitation) { o.Ref, o.Date = "OJ C 14 I, 14.1.2022, p. 1", "2022-01-14" }), ""},
		{"cited, issue form with page", with(func(o *OJCitation) { o.Ref, o.Date = "OJ L 151, 7.6.2019, p. 15", "2019-06-07" }), ""},
		{"not an EN", Standard{ID: "iso-1", Designation: "ISO 1", Kind: "IS", CitedInOJ: notCited}, "only a European Standard"},
		{"EN adoption of an ISO standard", Standard{ID: "x", Designation: "prEN ISO/IEC 23282", Kind: "IS", CitedInOJ: notCited}, ""},
		{"as_of missing", en(OJCitation{Source: "x"}), "cited_in_oj.as_of"},
		{"as_of not a date", en(OJCitation{AsOf: "2026-02-30", Source: "x"}), "cited_in_oj.as_of"},
		{"source missing", en(OJCitation{AsOf: "2026-12-03"}), "cited_in_oj.source: empty"},
		{"not cited but a ref", en(OJCitation{AsOf: "2026-12-03", Source: "x", Ref: "OJ L, 2026/1, 1.1.2026"}), "must be empty"},
		{"cited without act", with(func(o *OJCitation) { o.Act = "" }), "needs date, ref and act"},
		{"cited without ref", with(func(o *OJCitation) { o.Ref = "" }), "needs date, ref and act"},
		{"date format", with(func(o *OJCitation) { o.Date = "5.3.2026" }), "cited_in_oj.date"},
		{"ref form", with(func(o *OJCitation) { o.Ref = "OJ 2026/1234" }), "is not an OJ reference"},
		{"ref series", with(func(o *OJCitation) { o.Ref = "OJ X, 2026/1234, 5.3.2026" }), "is not an OJ reference"},
		{"ref without page", with(func(o *OJCitation) { o.Ref = "OJ L 151, 7.6.2019" }), "is not an OJ reference"},
		{"ref date impossible", with(func(o *OJCitation) { o.Ref = "OJ L, 2026/1234, 31.2.2026" }), "no such date"},
		{"ref and date disagree", with(func(o *OJCitation) { o.Ref = "OJ L, 2026/1234, 6.3.2026" }), "is dated 2026-03-06"},
		{"cited after the check", with(func(o *OJCitation) { o.Date, o.Ref = "2027-01-05", "OJ L, 2027/1, 5.1.2027" }), "after as_of"},
		{"annex ZA", za(ZAMapping{Clauses: []string{"5.1", "5.2"}, Requirement: "r-1", Source: "x"}), ""},
		{"annex ZA unknown requirement", za(ZAMapping{Clauses: []string{"5"}, Requirement: "r-9", Source: "x"}), `unknown requirement "r-9"`},
		{"annex ZA no clauses", za(ZAMapping{Requirement: "r-1", Source: "x"}), "no clauses"},
		{"annex ZA no source", za(ZAMapping{Clauses: []string{"5"}, Requirement: "r-1"}), "annex_za[0].source: empty"},
		{"annex ZA on an IS", Standard{ID: "iso-1", Designation: "ISO 1", Kind: "IS", AnnexZA: []ZAMapping{{Clauses: []string{"5"}, Requirement: "r-1", Source: "x"}}}, "only a European Standard has an Annex ZA"},
		{"deliverables", request(Deliverable{Number: 1, Subject: "risk", Requirements: reqs("r-1"), AnsweredBy: ids("cen-clc-en-2")}), ""},
		{"deliverable answered by an EN without cited_in_oj", request(Deliverable{Number: 1, Subject: "risk", Requirements: reqs("r-1"), AnsweredBy: ids("cen-clc-en-3")}), "records no cited_in_oj"},
		{"deliverable answered by an ISO standard", request(Deliverable{Number: 1, Subject: "risk", Requirements: reqs("r-1"), AnsweredBy: ids("iso-2")}), ""},
		{"deliverable unknown standard", request(Deliverable{Number: 1, Subject: "risk", Requirements: reqs("r-1"), AnsweredBy: ids("nowhere")}), `unknown standard "nowhere"`},
		{"deliverable unknown requirement", request(Deliverable{Number: 1, Subject: "risk", Requirements: reqs("r-9")}), `unknown requirement "r-9"`},
		{"deliverable without requirements", request(Deliverable{Number: 1, Subject: "risk"}), "no requirements"},
		{"deliverable without subject", request(Deliverable{Number: 1, Requirements: reqs("r-1")}), "empty subject"},
		{"deliverable numbers repeat", request(Deliverable{Number: 1, Subject: "a", Requirements: reqs("r-1")}, Deliverable{Number: 1, Subject: "b", Requirements: reqs("r-1")}), "not positive and unique"},
		{"deliverables on an EN", func() Standard {
			s := en(notCited)
			s.Deliverables = []Deliverable{{Number: 1, Subject: "a", Requirements: reqs("r-1")}}
			return s
		}(), "only a standardisation request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Catalog{
				Standards: []Standard{tt.s,
					{ID: "cen-clc-en-2", Designation: "prEN 2", Kind: "EN", CitedInOJ: notCited},
					{ID: "cen-clc-en-3", Designation: "prEN 3", Kind: "EN"},
					{ID: "iso-2", Designation: "ISO 2", Kind: "IS"},
				},
				Requirements: []Requirement{{ID: "r-1"}},
			}
			c.build()
			k := &checker{}
			c.checkStandard(k, 0, tt.s)
			switch {
			case tt.want == "" && len(k.probs) > 0:
				t.Errorf("problems %v, want none", k.probs)
			case tt.want != "" && !strings.Contains(k.probs.Error(), tt.want):
				t.Errorf("problems %v, want one containing %q", k.probs, tt.want)
			}
		})
	}
}

// TestShippedRequests checks the standardisation requests the catalogue
// ships: the ten subjects of the AI request, each answered, and a recorded
// OJ status for every JTC 21 European Standard project.
func TestShippedRequests(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []aiassure.StandardID{"m-593", "m-613"} {
		s, ok := c.Standard(id)
		if !ok {
			t.Errorf("no standardisation request %s", id)
			continue
		}
		if s.Kind != "request" || len(s.Deliverables) != 10 {
			t.Errorf("%s: kind %s with %d deliverables, want a request with the ten subjects", id, s.Kind, len(s.Deliverables))
		}
		for i, d := range s.Deliverables {
			if d.Number != i+1 || len(d.AnsweredBy) == 0 {
				t.Errorf("%s: deliverable %d: number %d, answered by %v", id, i, d.Number, d.AnsweredBy)
			}
		}
	}
	for _, s := range c.Standards {
		if strings.HasPrefix(s.Committee, "CEN-CENELEC JTC 21") && harmonisable(s) && s.Status.Stage != "replaced" && s.CitedInOJ == (OJCitation{}) {
			t.Errorf("%s: a JTC 21 European Standard project without cited_in_oj", s.ID)
		}
		if s.CitedInOJ.Cited && !s.CitedInOJ.Verified {
			t.Errorf("%s: cited in the OJ but not read there; record a citation only from EUR-Lex", s.ID)
		}
	}
}
