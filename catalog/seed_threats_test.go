package catalog

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aiassure/aiassure"
)

var seedCat struct {
	once sync.Once
	c    *Catalog
	err  error
}

// seedCatalog loads the embedded catalogue once for the tests of this file.
func seedCatalog(t *testing.T) *Catalog {
	t.Helper()
	seedCat.once.Do(func() { seedCat.c, seedCat.err = Load() })
	if seedCat.err != nil {
		t.Fatalf("load: %v", seedCat.err)
	}
	return seedCat.c
}

// table1Row is one attack of the seed's table 1, as transcribed in
// testdata/seed/table-1.tsv.
type table1Row struct {
	line                 int
	goal, family, attack string
}

// readTable1 reads the transcription of the seed's table 1: tab-separated
// goal, family and attack, with '#' comments and one header line.
func readTable1(t *testing.T) []table1Row {
	t.Helper()
	f, err := os.Open("testdata/seed/table-1.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []table1Row
	sc := bufio.NewScanner(f)
	header := true
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 3 {
			t.Fatalf("table-1.tsv:%d: %d columns, want 3", n, len(cols))
		}
		if header {
			header = false
			continue
		}
		rows = append(rows, table1Row{line: n, goal: cols[0], family: cols[1], attack: cols[2]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// slug turns a name into the catalogue's ID form.
func slug(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), "-")
}

// resolveAttack finds the threat an attack name of the seed denotes: the
// threat whose ID is the slugged name; else the first threat of the glossary
// term of that name (terms are singular); else the one threat whose ID ends
// in "-" plus the slugged name.
func resolveAttack(c *Catalog, name string) (Threat, string) {
	s := slug(name)
	if th, ok := c.Threat(aiassure.ThreatID(s)); ok {
		return th, "id"
	}
	for _, term := range c.Glossary {
		if term.ID == s && len(term.Threats) > 0 {
			th, ok := c.Threat(term.Threats[0])
			if ok {
				return th, "glossary " + term.ID
			}
		}
	}
	var found []Threat
	for _, th := range c.Threats {
		if strings.HasSuffix(string(th.ID), "-"+s) {
			found = append(found, th)
		}
	}
	if len(found) == 1 {
		return found[0], "suffix"
	}
	return Threat{}, ""
}

// ancestors returns t and the IDs above it in the taxonomy.
func ancestors(c *Catalog, id aiassure.ThreatID) []aiassure.ThreatID {
	var out []aiassure.ThreatID
	seen := map[aiassure.ThreatID]bool{}
	for id != "" && !seen[id] {
		seen[id] = true
		out = append(out, id)
		th, ok := c.Threat(id)
		if !ok {
			break
		}
		id = th.Parent
	}
	return out
}

// TestSeedTable1 checks that every attack of the seed's table 1, transcribed
// independently of the catalogue, is a threat of the catalogue with the
// table's security goal and the table as its source, and that no threat
// claims the table as its source unless it is one of those attacks or a
// refinement of one.
func TestSeedTable1(t *testing.T) {
	c := seedCatalog(t)
	rows := readTable1(t)
	if len(rows) == 0 {
		t.Fatal("no rows in table-1.tsv")
	}
	goals := map[string]bool{}
	matched := map[aiassure.ThreatID]bool{}
	for _, r := range rows {
		if !contains(Goals, r.goal) {
			t.Errorf("table-1.tsv:%d: goal %q is not one of %v", r.line, r.goal, Goals)
		}
		goals[r.goal] = true
		th, how := resolveAttack(c, r.attack)
		if how == "" {
			t.Errorf("table-1.tsv:%d: attack %q: no threat in the catalogue", r.line, r.attack)
			continue
		}
		matched[th.ID] = true
		if !contains(th.Goals, r.goal) {
			t.Errorf("table-1.tsv:%d: %q -> threat %s (by %s): goals %v lack %q", r.line, r.attack, th.ID, how, th.Goals, r.goal)
		}
		if !contains(th.Sources, "enisa:table-1") {
			t.Errorf("table-1.tsv:%d: %q -> threat %s: sources %v lack enisa:table-1", r.line, r.attack, th.ID, th.Sources)
		}
		if !contains(th.Seed, "table-1") {
			t.Errorf("table-1.tsv:%d: %q -> threat %s: seed %v lacks table-1", r.line, r.attack, th.ID, th.Seed)
		}
		if !th.AISpecific {
			t.Errorf("table-1.tsv:%d: %q -> threat %s: not marked ai_specific", r.line, r.attack, th.ID)
		}
	}
	for _, g := range Goals {
		if !goals[g] {
			t.Errorf("table-1.tsv has no row for the goal %s", g)
		}
	}
	for _, th := range c.Threats {
		if !contains(th.Sources, "enisa:table-1") {
			continue
		}
		ok := false
		for _, a := range ancestors(c, th.ID) {
			ok = ok || matched[a]
		}
		if !ok {
			t.Errorf("threat %s cites enisa:table-1 but is neither an attack of the table nor a refinement of one", th.ID)
		}
	}
}

var (
	atlasID = regexp.MustCompile(`^AML\.T\d{4}(\.\d{3})?$`)
	owaspID = regexp.MustCompile(`^ML(0[1-9]|10)$`)
	// nistClasses are the NIST AI 100-2 E2025 classes a threat may cite.
	nistClasses = NISTClasses
	// fixedThreats are the top-level threat IDs of the catalogue conventions.
	fixedThreats = []string{
		"oracle", "model-extraction", "membership-inference", "model-inversion", "model-disclosure",
		"evasion", "data-poisoning", "model-poisoning", "backdoor", "denial-of-service", "sponge-examples",
		"model-flaws", "sw-unauthorised-access", "sw-supply-chain", "sw-data-breach", "sw-tampering",
		"sw-log-tampering", "sw-network-dos", "sw-model-substitution",
	}
)

// TestThreatTaxonomy checks the shape of the threat rows beyond what the
// schema checks: the fixed IDs exist, cross-reference IDs are well formed,
// AI-specific threats carry their Art. 15(5) or NIST class where one applies,
// and every threat has a control.
func TestThreatTaxonomy(t *testing.T) {
	c := seedCatalog(t)
	for _, id := range fixedThreats {
		if _, ok := c.Threat(aiassure.ThreatID(id)); !ok {
			t.Errorf("threat %s (fixed by the ID conventions) is missing", id)
		}
	}
	for _, th := range c.Threats {
		for _, a := range th.ATLAS {
			if !atlasID.MatchString(a) {
				t.Errorf("threat %s: ATLAS ID %q is not AML.Tnnnn[.nnn]", th.ID, a)
			}
		}
		for _, o := range th.OWASP {
			if !owaspID.MatchString(o) {
				t.Errorf("threat %s: OWASP ID %q is not ML01..ML10", th.ID, o)
			}
		}
		for _, n := range th.NIST {
			if !contains(nistClasses, n) {
				t.Errorf("threat %s: NIST class %q is not one of %v", th.ID, n, nistClasses)
			}
		}
		// Art. 15(5) names no availability category: only attacks on
		// confidentiality or integrity must carry one.
		if th.AISpecific && len(th.Art15) == 0 && (contains(th.Goals, "confidentiality") || contains(th.Goals, "integrity")) {
			t.Errorf("threat %s: AI-specific attack on confidentiality or integrity without an AI Act Art. 15(5) category", th.ID)
		}
		if strings.HasPrefix(string(th.ID), "sw-") && th.AISpecific {
			t.Errorf("threat %s: conventional software threat marked ai_specific", th.ID)
		}
		if len(c.ControlsFor(th.ID)) == 0 {
			t.Errorf("threat %s: no control mitigates it or a threat above it", th.ID)
		}
		if th.Parent != "" {
			p, _ := c.Threat(th.Parent)
			if p.AISpecific != th.AISpecific {
				t.Errorf("threat %s: ai_specific %v differs from its parent %s", th.ID, th.AISpecific, p.ID)
			}
		}
	}
}

// requiredControls are the control IDs the catalogue conventions name.
var requiredControls = []string{
	"c-adversarial-training", "c-input-validation", "c-rate-limiting", "c-output-minimisation",
	"c-query-monitoring", "c-data-provenance", "c-data-sanitisation", "c-model-signing", "c-access-control",
	"c-differential-privacy", "c-robustness-testing", "c-accuracy-testing", "c-event-logging", "c-log-integrity",
	"c-human-oversight", "c-supply-chain-review", "c-backdoor-scanning", "c-secure-development", "c-encryption",
	"c-resource-limits", "c-incident-response", "c-risk-management", "c-quality-management",
	"c-technical-documentation", "c-model-integrity-verification", "c-ensemble-or-detection", "c-drift-monitoring",
}

// TestControls checks the control catalogue: at least 40 controls, the
// conventional IDs present, each mitigating at least one known threat, and
// each AI-specific threat family reachable by a control with test evidence.
func TestControls(t *testing.T) {
	c := seedCatalog(t)
	if n := len(c.Controls); n < 40 {
		t.Errorf("%d controls, want at least 40", n)
	}
	for _, id := range requiredControls {
		if _, ok := c.Control(aiassure.ControlID(id)); !ok {
			t.Errorf("control %s (named by the ID conventions) is missing", id)
		}
	}
	for _, ct := range c.Controls {
		if !strings.HasPrefix(string(ct.ID), "c-") {
			t.Errorf("control %s: ID does not start with c-", ct.ID)
		}
		if len(ct.Threats) == 0 {
			t.Errorf("control %s mitigates no threat", ct.ID)
		}
		for _, id := range ct.Threats {
			if _, ok := c.Threat(id); !ok {
				t.Errorf("control %s: unknown threat %s", ct.ID, id)
			}
		}
		if len(ct.Phases) == 0 {
			t.Errorf("control %s: no life-cycle phase", ct.ID)
		}
		if len(ct.Evidence) == 0 {
			t.Errorf("control %s: no evidence kind would show that it works", ct.ID)
		}
	}
	// Each attack family of table 1 has a control whose evidence is a test
	// of that family.
	tested := map[string]string{
		"evasion":              "test/evasion",
		"data-poisoning":       "test/poisoning",
		"backdoor":             "test/poisoning",
		"membership-inference": "test/privacy",
		"model-extraction":     "test/privacy",
		"model-inversion":      "test/privacy",
		"sponge-examples":      "test/availability",
	}
	for th, ev := range tested {
		found := false
		for _, ct := range c.ControlsFor(aiassure.ThreatID(th)) {
			found = found || contains(ct.Evidence, ev)
		}
		if !found {
			t.Errorf("threat %s: no control offers %s evidence", th, ev)
		}
	}
}

// TestGlossary checks the glossary of recommendation 1: at least 40 terms,
// IDs that are the slugged term (or a stated abbreviation), and the core
// terms of the seed's table 1 and section 4.1 present.
func TestGlossary(t *testing.T) {
	c := seedCatalog(t)
	if n := len(c.Glossary); n < 40 {
		t.Errorf("%d glossary terms, want at least 40", n)
	}
	ids := map[string]bool{}
	for _, term := range c.Glossary {
		ids[term.ID] = true
		if term.ID != slug(term.Term) && term.ID != "cia-triad" {
			t.Errorf("term %q: id %q, want %q", term.Term, term.ID, slug(term.Term))
		}
		if strings.TrimSpace(term.Definition) == "" {
			t.Errorf("term %s: no definition", term.ID)
		}
	}
	for _, want := range []string{
		"adversarial-example", "evasion-attack", "data-poisoning", "backdoor", "membership-inference",
		"model-extraction", "model-inversion", "oracle-attack", "sponge-example", "robustness", "accuracy",
		"data-provenance", "lineage", "concept-drift", "continuous-learning", "attack-surface",
		"white-box-attack", "black-box-attack", "transferability",
	} {
		if !ids[want] {
			t.Errorf("glossary lacks %s", want)
		}
	}
}
