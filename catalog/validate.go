package catalog

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/aiassure/aiassure"
)

// build indexes the rows by ID. Duplicates keep the first row; validate
// reports them.
func (c *Catalog) build() {
	mk := func(n int, id func(int) string) map[string]int {
		m := make(map[string]int, n)
		for i := 0; i < n; i++ {
			if _, dup := m[id(i)]; !dup {
				m[id(i)] = i
			}
		}
		return m
	}
	c.idx = index{
		standards:    mk(len(c.Standards), func(i int) string { return string(c.Standards[i].ID) }),
		threats:      mk(len(c.Threats), func(i int) string { return string(c.Threats[i].ID) }),
		requirements: mk(len(c.Requirements), func(i int) string { return string(c.Requirements[i].ID) }),
		controls:     mk(len(c.Controls), func(i int) string { return string(c.Controls[i].ID) }),
		gaps:         mk(len(c.Gaps), func(i int) string { return string(c.Gaps[i].ID) }),
		recs:         mk(len(c.Recommendations), func(i int) string { return string(c.Recommendations[i].ID) }),
		chars:        mk(len(c.Characteristics), func(i int) string { return c.Characteristics[i].ID }),
		terms:        mk(len(c.Glossary), func(i int) string { return c.Glossary[i].ID }),

		controlsByThreat: map[aiassure.ThreatID][]int{},
	}
	for i, ct := range c.Controls {
		for _, t := range ct.Threats {
			c.idx.controlsByThreat[t] = append(c.idx.controlsByThreat[t], i)
		}
	}
	c.idx.aliases = make([][]string, len(c.Standards))
	for i, st := range c.Standards {
		c.idx.aliases[i] = aliases(st.Designation)
	}
}

var (
	idPattern   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	seedPattern = regexp.MustCompile(`^(\d+(\.\d+)*|table-[13]|annex-a\.[1-4]|fn-\d+|box-\d+|annex-i|exec-summary)$`)
	datePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	semver      = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
	// atlasTechnique and atlasMitigation are the forms of MITRE ATLAS IDs;
	// whether an ID exists in the current release is checked by a test
	// against catalog/testdata/atlas-ids.txt.
	atlasTechnique  = regexp.MustCompile(`^AML\.T\d{4}(\.\d{3})?$`)
	atlasMitigation = regexp.MustCompile(`^AML\.M\d{4}$`)
	// etsiPrinciple is how threats cite ETSI EN 304 223: by principle, 1 to 13.
	etsiPrinciple = regexp.MustCompile(`^Principle ([1-9]|1[0-3])$`)
)

// owaspEditions ties each OWASP Top 10 row to the edition its entries carry,
// so that a control cannot cite a 2025 entry against the 2026 list.
var owaspEditions = map[aiassure.StandardID]struct {
	ids    []string
	suffix string
}{
	"owasp-llm-top-10":      {OWASPLLM, ":2025"},
	"owasp-llm-top-10-2026": {OWASPLLM, ":2026"},
	"owasp-agentic-top-10":  {OWASPAgentic, ":2026"},
}

// checker collects problems against the row lines of each file.
type checker struct {
	lines map[string][]int
	probs Problems
}

func (k *checker) at(file string, row int, format string, args ...any) {
	line := 0
	if ls := k.lines[file]; row >= 0 && row < len(ls) {
		line = ls[row]
	}
	k.probs = append(k.probs, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// validate checks what a schema cannot: unique IDs, cross-references,
// vocabularies, formats.
func (c *Catalog) validate(lines map[string][]int) Problems {
	k := &checker{lines: lines}
	if !semver.MatchString(c.Version) {
		k.at("catalog.yaml", -1, "version %q is not MODEL.REVISION.ADDITION", c.Version)
	}
	uniq := func(file string, n int, id func(int) string) {
		seen := map[string]bool{}
		for i := 0; i < n; i++ {
			v := id(i)
			if !idPattern.MatchString(v) {
				k.at(file, i, "id %q: want lower-case words joined by '-'", v)
			}
			if seen[v] {
				k.at(file, i, "duplicate id %q", v)
			}
			seen[v] = true
		}
	}
	uniq("standards.yaml", len(c.Standards), func(i int) string { return string(c.Standards[i].ID) })
	uniq("threats.yaml", len(c.Threats), func(i int) string { return string(c.Threats[i].ID) })
	uniq("requirements.yaml", len(c.Requirements), func(i int) string { return string(c.Requirements[i].ID) })
	uniq("controls.yaml", len(c.Controls), func(i int) string { return string(c.Controls[i].ID) })
	uniq("gaps.yaml", len(c.Gaps), func(i int) string { return string(c.Gaps[i].ID) })
	uniq("recommendations.yaml", len(c.Recommendations), func(i int) string { return string(c.Recommendations[i].ID) })
	uniq("characteristics.yaml", len(c.Characteristics), func(i int) string { return c.Characteristics[i].ID })
	uniq("glossary.yaml", len(c.Glossary), func(i int) string { return c.Glossary[i].ID })

	std := func(f string, i int, field string, ids ...aiassure.StandardID) {
		for _, id := range ids {
			if _, ok := c.idx.standards[string(id)]; !ok {
				k.at(f, i, "%s: unknown standard %q", field, id)
			}
		}
	}
	thr := func(f string, i int, field string, ids ...aiassure.ThreatID) {
		for _, id := range ids {
			if _, ok := c.idx.threats[string(id)]; !ok {
				k.at(f, i, "%s: unknown threat %q", field, id)
			}
		}
	}
	req := func(f string, i int, field string, ids ...aiassure.RequirementID) {
		for _, id := range ids {
			if _, ok := c.idx.requirements[string(id)]; !ok {
				k.at(f, i, "%s: unknown requirement %q", field, id)
			}
		}
	}
	ctl := func(f string, i int, field string, ids ...aiassure.ControlID) {
		for _, id := range ids {
			if _, ok := c.idx.controls[string(id)]; !ok {
				k.at(f, i, "%s: unknown control %q", field, id)
			}
		}
	}
	voc := func(f string, i int, field string, list []string, vs ...string) {
		for _, v := range vs {
			if !contains(list, v) {
				k.at(f, i, "%s: %q is not one of %v", field, v, list)
			}
		}
	}
	seed := func(f string, i int, refs []string) {
		for _, s := range refs {
			if !seedPattern.MatchString(s) {
				k.at(f, i, "seed: %q is not a place in the seed (e.g. 3.1.1, table-1, annex-a.3, fn-9)", s)
			}
		}
	}
	status := func(f string, i int, field string, s Status) {
		if !datePattern.MatchString(s.AsOf) {
			k.at(f, i, "%s.as_of: %q is not YYYY-MM-DD", field, s.AsOf)
		}
		if s.Source == "" {
			k.at(f, i, "%s.source: empty", field)
		}
	}
	sources := func(f string, i int, s []string) {
		if len(s) == 0 {
			k.at(f, i, "sources: at least one source is required")
		}
	}

	for i, s := range c.Standards {
		const f = "standards.yaml"
		voc(f, i, "kind", StandardKinds, s.Kind)
		status(f, i, "status", s.Status)
		std(f, i, "replaced_by", s.ReplacedBy...)
		std(f, i, "replaces", s.Replaces...)
		seed(f, i, s.Seed)
		sources(f, i, s.Sources)
		c.checkStandard(k, i, s)
		for _, cv := range s.Coverage {
			if (cv.Goal == "") == (cv.Threat == "") {
				k.at(f, i, "coverage: set exactly one of goal and threat")
			}
			if cv.Goal != "" {
				voc(f, i, "coverage.goal", Goals, cv.Goal)
			}
			if cv.Threat != "" {
				thr(f, i, "coverage.threat", cv.Threat)
			}
			voc(f, i, "coverage.level", CoverageLevels, cv.Level)
		}
	}
	for i, t := range c.Threats {
		const f = "threats.yaml"
		if t.Parent != "" {
			thr(f, i, "parent", t.Parent)
		}
		voc(f, i, "goals", Goals, t.Goals...)
		voc(f, i, "phases", Phases, t.Phases...)
		voc(f, i, "assets", AssetKinds, t.Assets...)
		voc(f, i, "access", AccessPaths, t.Access...)
		for _, id := range t.EvidenceFor {
			thr(f, i, "evidence_for", id)
		}
		voc(f, i, "preconditions.all", Facts, t.Preconditions.All...)
		voc(f, i, "preconditions.any", Facts, t.Preconditions.Any...)
		voc(f, i, "knowledge", Knowledge, t.Knowledge)
		for _, a := range t.Art15 {
			voc(f, i, "art15", Art15, string(a))
		}
		voc(f, i, "nist", NISTClasses, t.NIST...)
		voc(f, i, "owasp_llm", OWASPLLM, t.OWASPLLM...)
		voc(f, i, "owasp_agentic", OWASPAgentic, t.OWASPAgentic...)
		voc(f, i, "owasp_aitg", OWASPAITG, t.OWASPAITG...)
		for _, id := range t.ATLAS {
			if !atlasTechnique.MatchString(id) {
				k.at(f, i, "atlas: %q is not a MITRE ATLAS technique ID (AML.T0000 or AML.T0000.000)", id)
			}
		}
		for _, p := range t.ETSI {
			if !etsiPrinciple.MatchString(p) {
				k.at(f, i, "etsi: %q: want \"Principle N\" of ETSI EN 304 223 (1 to 13)", p)
			}
		}
		ap := t.AttackPotential
		voc(f, i, "attack_potential.elapsed_time", ElapsedTime, ap.ElapsedTime)
		voc(f, i, "attack_potential.expertise", Expertise, ap.Expertise)
		voc(f, i, "attack_potential.knowledge", KnowledgeOfTarget, ap.Knowledge)
		voc(f, i, "attack_potential.window", Window, ap.Window)
		voc(f, i, "attack_potential.equipment", Equipment, ap.Equipment)
		if len(t.Goals) == 0 || len(t.Assets) == 0 {
			k.at(f, i, "a threat needs at least one goal and one asset kind")
		}
		seed(f, i, t.Seed)
		sources(f, i, t.Sources)
	}
	for i, r := range c.Requirements {
		const f = "requirements.yaml"
		std(f, i, "regulation", r.Regulation)
		if s, ok := c.Standard(r.Regulation); ok && s.Kind != "regulation" {
			k.at(f, i, "regulation: %q is a %s, not a regulation", r.Regulation, s.Kind)
		}
		if r.Parent != "" {
			req(f, i, "parent", r.Parent)
		}
		std(f, i, "seed_standards", r.SeedStandards...)
		for _, ch := range r.Characteristic {
			if _, ok := c.idx.chars[ch]; !ok {
				k.at(f, i, "characteristics: unknown characteristic %q", ch)
			}
		}
		for _, a := range r.Applies {
			if !datePattern.MatchString(a.Date) || !datePattern.MatchString(a.AsOf) {
				k.at(f, i, "applies: date %q and as_of %q must be YYYY-MM-DD", a.Date, a.AsOf)
			}
		}
		seed(f, i, r.Seed)
		sources(f, i, r.Sources)
	}
	for i, m := range c.Crosswalk {
		const f = "crosswalk.yaml"
		req(f, i, "from", m.From)
		req(f, i, "to", m.To)
		voc(f, i, "relationship", Relationships, m.Relationship)
		sources(f, i, m.Sources)
	}
	for i, ch := range c.Characteristics {
		const f = "characteristics.yaml"
		req(f, i, "requirements", ch.Requirements...)
		for _, r := range ch.Related {
			if _, ok := c.idx.chars[r]; !ok {
				k.at(f, i, "related: unknown characteristic %q", r)
			}
		}
		seed(f, i, ch.Seed)
		sources(f, i, ch.Sources)
	}
	for i, ct := range c.Controls {
		const f = "controls.yaml"
		if len(ct.Threats) == 0 {
			k.at(f, i, "threats: a control must mitigate at least one threat")
		}
		thr(f, i, "threats", ct.Threats...)
		voc(f, i, "phases", Phases, ct.Phases...)
		for _, cl := range ct.Clauses {
			std(f, i, "clauses.standard", cl.Standard)
			if e, ok := owaspEditions[cl.Standard]; ok && (!contains(e.ids, cl.Clause) || !strings.HasSuffix(cl.Clause, e.suffix)) {
				k.at(f, i, "clauses: %s clause %q: want an entry of that list's edition, ending %q", cl.Standard, cl.Clause, e.suffix)
			}
		}
		req(f, i, "requirements", ct.Requirements...)
		voc(f, i, "evidence", EvidenceKinds, ct.Evidence...)
		voc(f, i, "effect", Effects, ct.Effect)
		for _, id := range ct.ATLAS {
			if !atlasMitigation.MatchString(id) {
				k.at(f, i, "atlas: %q is not a MITRE ATLAS mitigation ID (AML.M0000)", id)
			}
		}
		sources(f, i, ct.Sources)
	}
	for i, g := range c.Gaps {
		const f = "gaps.yaml"
		voc(f, i, "context", GapContexts, g.Context)
		thr(f, i, "threats", g.Threats...)
		req(f, i, "requirements", g.Requirements...)
		ctl(f, i, "controls", g.Controls...)
		for _, r := range g.Recommendations {
			if _, ok := c.idx.recs[string(r)]; !ok {
				k.at(f, i, "recommendations: unknown recommendation %q", r)
			}
		}
		std(f, i, "progress", g.Progress...)
		voc(f, i, "state.stage", GapStages, g.State.Stage)
		status(f, i, "state", g.State)
		if len(g.Seed) == 0 {
			k.at(f, i, "seed: a gap must say where the seed names it")
		}
		seed(f, i, g.Seed)
		sources(f, i, g.Sources)
	}
	for i, r := range c.Recommendations {
		const f = "recommendations.yaml"
		voc(f, i, "audience", Audiences, r.Audience)
		for _, g := range r.Gaps {
			if _, ok := c.idx.gaps[string(g)]; !ok {
				k.at(f, i, "gaps: unknown gap %q", g)
			}
		}
		thr(f, i, "threats", r.Threats...)
		req(f, i, "requirements", r.Requirements...)
		std(f, i, "standards", r.Standards...)
		ctl(f, i, "controls", r.Controls...)
		seed(f, i, r.Seed)
		sources(f, i, r.Sources)
	}
	for i, t := range c.Glossary {
		const f = "glossary.yaml"
		thr(f, i, "threats", t.Threats...)
		for _, r := range t.Related {
			if _, ok := c.idx.terms[r]; !ok {
				k.at(f, i, "related: unknown term %q", r)
			}
		}
		sources(f, i, t.Sources)
	}
	for i, m := range c.Matrices {
		const f = "matrices.yaml"
		req(f, i, "columns", m.Columns...)
		for j, r := range m.Rows {
			std(f, i, fmt.Sprintf("rows[%d].standard", j), r.Standard)
			if len(r.Marks) != len(m.Columns) {
				k.at(f, i, "rows[%d] (%s): %d marks for %d columns", j, r.Standard, len(r.Marks), len(m.Columns))
			}
			for _, ch := range r.Marks {
				if ch != 'x' && ch != '?' && ch != '.' {
					k.at(f, i, "rows[%d] (%s): mark %q: want x, ? or .", j, r.Standard, ch)
				}
			}
		}
		seed(f, i, m.Seed)
		sources(f, i, m.Sources)
	}
	c.checkSources(k)
	return k.probs
}

// checkSources checks that every source the catalogue records (sources lists
// and the source of each status, application date and gap state) resolves to
// a public citation with a URL. A source that does not is reported at its row.
func (c *Catalog) checkSources(k *checker) {
	each := func(file string, n int, row func(int) any) {
		for i := 0; i < n; i++ {
			for _, s := range sourcesOf(row(i)) {
				if ct := c.Cite(s); ct.URL == "" {
					k.at(file, i, "source %q does not resolve to a public reference (see docs/catalog-sources.md for the forms Cite knows)", s)
				}
			}
		}
	}
	each("standards.yaml", len(c.Standards), func(i int) any { return c.Standards[i] })
	each("threats.yaml", len(c.Threats), func(i int) any { return c.Threats[i] })
	each("requirements.yaml", len(c.Requirements), func(i int) any { return c.Requirements[i] })
	each("crosswalk.yaml", len(c.Crosswalk), func(i int) any { return c.Crosswalk[i] })
	each("characteristics.yaml", len(c.Characteristics), func(i int) any { return c.Characteristics[i] })
	each("controls.yaml", len(c.Controls), func(i int) any { return c.Controls[i] })
	each("gaps.yaml", len(c.Gaps), func(i int) any { return c.Gaps[i] })
	each("recommendations.yaml", len(c.Recommendations), func(i int) any { return c.Recommendations[i] })
	each("glossary.yaml", len(c.Glossary), func(i int) any { return c.Glossary[i] })
	each("matrices.yaml", len(c.Matrices), func(i int) any { return c.Matrices[i] })
}

// sourcesOf collects the sources of a row: every string of a field named
// Sources ([]string) or Source (string), at any depth.
func sourcesOf(row any) []string {
	var out []string
	var walk func(v reflect.Value, field string)
	walk = func(v reflect.Value, field string) {
		switch v.Kind() {
		case reflect.Struct:
			if v.IsZero() { // an optional block left out (cited_in_oj) has no sources
				return
			}
			t := v.Type()
			for i := 0; i < v.NumField(); i++ {
				if t.Field(i).IsExported() {
					walk(v.Field(i), t.Field(i).Name)
				}
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				if e := v.Index(i); field == "Sources" && e.Kind() == reflect.String {
					out = append(out, e.String())
				} else {
					walk(e, field)
				}
			}
		case reflect.String:
			if field == "Source" {
				out = append(out, v.String())
			}
		}
	}
	walk(reflect.ValueOf(row), "")
	return out
}
