package catalog

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// The two forms of an Official Journal reference. Since October 2023 each
// act is published on its own and cited by series, number and date
// ("OJ L, 2026/1234, 5.3.2026"); before, by issue, date and page
// ("OJ L 151, 7.6.2019, p. 15", an issue number may carry a letter or a
// Roman suffix: "OJ C 14 I, 14.1.2022, p. 1").
var (
	ojActRef   = regexp.MustCompile(`^OJ ([LC]), (\d{4})/(\d+), (\d{1,2})\.(\d{1,2})\.(\d{4})$`)
	ojIssueRef = regexp.MustCompile(`^OJ ([LC]) (\d+[A-Z]?(?: [IVX]+)?), (\d{1,2})\.(\d{1,2})\.(\d{4}), p\. (\d+)$`)
	enProject  = regexp.MustCompile(`^(?:Fpr|pr)?EN `)
)

// ojRefDate returns the date an OJ reference carries, as YYYY-MM-DD, or an
// error when the reference is of neither form or its date does not exist.
func ojRefDate(ref string) (string, error) {
	var d, m, y string
	if g := ojActRef.FindStringSubmatch(ref); g != nil {
		d, m, y = g[4], g[5], g[6]
	} else if g := ojIssueRef.FindStringSubmatch(ref); g != nil {
		d, m, y = g[3], g[4], g[5]
	} else {
		return "", fmt.Errorf("%q is not an OJ reference (want \"OJ L, 2026/1234, 5.3.2026\" or \"OJ L 151, 7.6.2019, p. 15\")", ref)
	}
	dd, _ := strconv.Atoi(d)
	mm, _ := strconv.Atoi(m)
	s := fmt.Sprintf("%s-%02d-%02d", y, mm, dd)
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return "", fmt.Errorf("%q: no such date %s", ref, s)
	}
	return s, nil
}

// harmonisable reports whether a document can be a harmonised standard: a
// European Standard or a project for one.
func harmonisable(s Standard) bool {
	return s.Kind == "EN" || enProject.MatchString(s.Designation)
}

// validDate reports whether s is a real calendar date written YYYY-MM-DD.
func validDate(s string) bool {
	if !datePattern.MatchString(s) {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// checkStandard checks the harmonised-standard fields of row i: the OJ
// citation, the Annex ZA mapping and a request's deliverables.
func (c *Catalog) checkStandard(k *checker, i int, s Standard) {
	const f = "standards.yaml"
	oj := s.CitedInOJ
	if oj != (OJCitation{}) {
		if !harmonisable(s) {
			k.at(f, i, "cited_in_oj: only a European Standard (kind EN, or an EN/prEN designation) can be cited in the OJ as harmonised")
		}
		if !validDate(oj.AsOf) {
			k.at(f, i, "cited_in_oj.as_of: %q is not a YYYY-MM-DD date", oj.AsOf)
		}
		if oj.Source == "" {
			k.at(f, i, "cited_in_oj.source: empty")
		}
		switch {
		case oj.Cited:
			if oj.Ref == "" || oj.Date == "" || oj.Act == "" {
				k.at(f, i, "cited_in_oj: a citation needs date, ref and act")
			}
			if oj.Date != "" && !validDate(oj.Date) {
				k.at(f, i, "cited_in_oj.date: %q is not a YYYY-MM-DD date", oj.Date)
			}
			if oj.Ref != "" {
				if d, err := ojRefDate(oj.Ref); err != nil {
					k.at(f, i, "cited_in_oj.ref: %v", err)
				} else if oj.Date != "" && d != oj.Date {
					k.at(f, i, "cited_in_oj: ref %q is dated %s, date says %s", oj.Ref, d, oj.Date)
				}
			}
			if validDate(oj.Date) && validDate(oj.AsOf) && oj.Date > oj.AsOf {
				k.at(f, i, "cited_in_oj: date %s is after as_of %s", oj.Date, oj.AsOf)
			}
		case oj.Ref != "" || oj.Date != "" || oj.Act != "":
			k.at(f, i, "cited_in_oj: not cited, so date, ref and act must be empty")
		}
	}
	if len(s.AnnexZA) > 0 && !harmonisable(s) {
		k.at(f, i, "annex_za: only a European Standard has an Annex ZA")
	}
	for j, za := range s.AnnexZA {
		if len(za.Clauses) == 0 {
			k.at(f, i, "annex_za[%d]: no clauses", j)
		}
		for _, cl := range za.Clauses {
			if cl == "" {
				k.at(f, i, "annex_za[%d]: empty clause", j)
			}
		}
		if _, ok := c.idx.requirements[string(za.Requirement)]; !ok {
			k.at(f, i, "annex_za[%d].requirement: unknown requirement %q", j, za.Requirement)
		}
		if za.Source == "" {
			k.at(f, i, "annex_za[%d].source: empty", j)
		}
	}
	if len(s.Deliverables) > 0 && s.Kind != "request" {
		k.at(f, i, "deliverables: only a standardisation request (kind request) has deliverables")
	}
	seen := map[int]bool{}
	for j, d := range s.Deliverables {
		if d.Number <= 0 || seen[d.Number] {
			k.at(f, i, "deliverables[%d]: number %d is not positive and unique", j, d.Number)
		}
		seen[d.Number] = true
		if d.Subject == "" {
			k.at(f, i, "deliverables[%d]: empty subject", j)
		}
		if len(d.Requirements) == 0 {
			k.at(f, i, "deliverables[%d]: no requirements", j)
		}
		for _, r := range d.Requirements {
			if _, ok := c.idx.requirements[string(r)]; !ok {
				k.at(f, i, "deliverables[%d].requirements: unknown requirement %q", j, r)
			}
		}
		for _, id := range d.AnsweredBy {
			a, ok := c.Standard(id)
			switch {
			case !ok:
				k.at(f, i, "deliverables[%d].answered_by: unknown standard %q", j, id)
			case harmonisable(a) && a.CitedInOJ == (OJCitation{}):
				k.at(f, i, "deliverables[%d].answered_by: %s answers the request but records no cited_in_oj", j, id)
			}
		}
	}
}
