package catalog

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aiassure/aiassure"
	"github.com/google/go-cmp/cmp"
)

// These tests compare the requirements, gaps and recommendations of the
// catalogue with independent transcriptions of the seed report kept under
// testdata/seed: table 3 (table-3.tsv) and the gaps of §4.1, §4.2, §4.3 and
// §5.1 (gaps.txt).

// readTSV reads a tab-separated file, skipping blank lines and # comments, and
// checks that every row has n fields.
func readTSV(t *testing.T, path string, n int) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		s := sc.Text()
		if strings.TrimSpace(s) == "" || strings.HasPrefix(s, "#") {
			continue
		}
		fields := strings.Split(s, "\t")
		if len(fields) != n {
			t.Fatalf("%s:%d: %d fields, want %d", path, line, len(fields), n)
		}
		rows = append(rows, fields)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// seedCatalogLoad loads the catalogue these tests check.
var seedCatalogLoad = Load

func loadSeedCatalog(t *testing.T) *Catalog {
	t.Helper()
	c, err := seedCatalogLoad()
	if err != nil {
		t.Fatalf("the shipped catalogue does not load:\n%v", err)
	}
	return c
}

// TestSeedTable3 checks that every row of the seed's table 3 maps to exactly
// one requirement carrying its draft-Act name, the standards the row names,
// and table 3 as a source; and that no other requirement claims a table-3 name.
func TestSeedTable3(t *testing.T) {
	c := loadSeedCatalog(t)
	rows := readTSV(t, "testdata/seed/table-3.tsv", 3)
	if len(rows) != 8 {
		t.Fatalf("table-3.tsv has %d rows, the seed's table 3 has 8", len(rows))
	}
	names := map[string]bool{}
	for _, row := range rows {
		name, ids := row[0], row[2]
		names[name] = true
		t.Run(name, func(t *testing.T) {
			var found []Requirement
			for _, r := range c.Requirements {
				if r.SeedName == name {
					found = append(found, r)
				}
			}
			if len(found) != 1 {
				t.Fatalf("%d requirements have seed_name %q, want 1", len(found), name)
			}
			r := found[0]
			want := []aiassure.StandardID{}
			if ids != "-" {
				for _, id := range strings.Split(ids, ",") {
					want = append(want, aiassure.StandardID(id))
				}
			}
			got := slices.Clone(r.SeedStandards)
			if got == nil {
				got = []aiassure.StandardID{}
			}
			slices.Sort(got)
			slices.Sort(want)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%s seed_standards (-table 3 +catalogue):\n%s", r.ID, d)
			}
			if !slices.Contains(r.Sources, "enisa:table-3") {
				t.Errorf("%s: sources %v lack enisa:table-3", r.ID, r.Sources)
			}
			if !slices.Contains(r.Seed, "table-3") {
				t.Errorf("%s: seed %v lacks table-3", r.ID, r.Seed)
			}
			if r.Cybersecurity == "" {
				t.Errorf("%s: no cybersecurity relevance (the table's third column)", r.ID)
			}
			if r.Regulation != "eu-ai-act" {
				t.Errorf("%s: regulation %q, want eu-ai-act", r.ID, r.Regulation)
			}
		})
	}
	for _, r := range c.Requirements {
		if r.SeedName != "" && !names[r.SeedName] {
			t.Errorf("%s: seed_name %q is not a row of table 3", r.ID, r.SeedName)
		}
	}
}

// gapContext is the context a gap gets from the places the seed names it:
// §4.1 (and its Box 3) make it a CIA gap, else §4.3 an AI Act gap, else it
// belongs to the wrap-up (§4.2, §5.1).
func gapContext(places []string) string {
	switch {
	case slices.Contains(places, "4.1") || slices.Contains(places, "box-3"):
		return "cia"
	case slices.Contains(places, "4.3"):
		return "ai-act"
	}
	return "wrap-up"
}

// TestSeedGaps checks that every gap the seed names is in the catalogue with
// the place the seed names it, that the catalogue has no gap the seed does
// not name, and that each gap's context follows from its places.
func TestSeedGaps(t *testing.T) {
	c := loadSeedCatalog(t)
	places := map[aiassure.GapID][]string{}
	for _, row := range readTSV(t, "testdata/seed/gaps.txt", 3) {
		place, id := row[0], aiassure.GapID(row[1])
		places[id] = append(places[id], place)
		g, ok := c.Gap(id)
		if !ok {
			t.Errorf("seed %s names gap %s (%s); the catalogue lacks it", place, id, row[2])
			continue
		}
		if !slices.Contains(g.Seed, place) {
			t.Errorf("%s: seed %v lacks %s, where the seed names it", id, g.Seed, place)
		}
	}
	for _, g := range c.Gaps {
		ps, ok := places[g.ID]
		if !ok {
			t.Errorf("%s: not a gap the seed names (not in testdata/seed/gaps.txt)", g.ID)
			continue
		}
		if want := gapContext(ps); g.Context != want {
			t.Errorf("%s: context %q, want %q (seed places %v)", g.ID, g.Context, want, ps)
		}
		if !slices.ContainsFunc(g.Sources, func(s string) bool { return strings.HasPrefix(s, "enisa:") }) {
			t.Errorf("%s: no seed source in %v", g.ID, g.Sources)
		}
		if g.State.AsOf == "" || g.State.Source == "" {
			t.Errorf("%s: state lacks as_of or source: %+v", g.ID, g.State)
		}
	}
	for _, ctx := range GapContexts {
		if !slices.ContainsFunc(c.Gaps, func(g Gap) bool { return g.Context == ctx }) {
			t.Errorf("no gap with context %q", ctx)
		}
	}
}

// TestSeedRecommendations checks the eight recommendations of §5.2: their
// numbering, audience and section, and that they and the gaps point at each
// other.
func TestSeedRecommendations(t *testing.T) {
	c := loadSeedCatalog(t)
	if len(c.Recommendations) != 8 {
		t.Fatalf("%d recommendations, the seed has 8", len(c.Recommendations))
	}
	for i, r := range c.Recommendations {
		n := i + 1
		audience, section := "ai-act-preparation", "5.2.3"
		switch {
		case n == 1:
			audience, section = "all-organisations", "5.2.1"
		case n <= 4:
			audience, section = "standards-developers", "5.2.2"
		}
		if r.Number != n || string(r.ID) != fmt.Sprintf("rec-%d", n) {
			t.Errorf("row %d: id %s number %d, want rec-%d", i, r.ID, r.Number, n)
		}
		if r.Audience != audience {
			t.Errorf("%s: audience %q, want %q", r.ID, r.Audience, audience)
		}
		if !slices.Contains(r.Seed, section) || !slices.Contains(r.Sources, "enisa:"+section) {
			t.Errorf("%s: seed %v / sources %v lack §%s", r.ID, r.Seed, r.Sources, section)
		}
		if r.Summary == "" {
			t.Errorf("%s: no summary", r.ID)
		}
		for _, gid := range r.Gaps {
			if g, ok := c.Gap(gid); ok && !slices.Contains(g.Recommendations, r.ID) {
				t.Errorf("%s lists gap %s, which does not list it back", r.ID, gid)
			}
		}
	}
	for _, g := range c.Gaps {
		for _, rid := range g.Recommendations {
			i := slices.IndexFunc(c.Recommendations, func(r Recommendation) bool { return r.ID == rid })
			if i >= 0 && !slices.Contains(c.Recommendations[i].Gaps, g.ID) {
				t.Errorf("gap %s lists %s, which does not list it back", g.ID, rid)
			}
		}
	}
}

// TestSeedCharacteristics checks the seven HLEG characteristics of the
// seed's footnote 14 and that requirements and characteristics point at each
// other.
func TestSeedCharacteristics(t *testing.T) {
	c := loadSeedCatalog(t)
	// Footnote 14, in its order.
	fn14 := []string{
		"human agency and oversight", "technical robustness and safety", "privacy and data governance",
		"transparency", "diversity, non-discrimination and fairness", "societal and environmental well-being",
		"accountability",
	}
	var hleg []string
	for _, ch := range c.Characteristics {
		if ch.Framework == "hleg" {
			hleg = append(hleg, strings.ToLower(ch.Name))
			if !slices.Contains(ch.Seed, "fn-14") {
				t.Errorf("%s: seed %v lacks fn-14", ch.ID, ch.Seed)
			}
		}
	}
	if d := cmp.Diff(fn14, hleg); d != "" {
		t.Errorf("HLEG characteristics (-seed fn 14 +catalogue):\n%s", d)
	}
	byID := map[string]Characteristic{}
	for _, ch := range c.Characteristics {
		byID[ch.ID] = ch
	}
	for _, r := range c.Requirements {
		for _, id := range r.Characteristic {
			if ch, ok := byID[id]; ok && !slices.Contains(ch.Requirements, r.ID) {
				t.Errorf("%s names characteristic %s, whose requirements lack it", r.ID, id)
			}
		}
	}
	for _, ch := range c.Characteristics {
		for _, rid := range ch.Requirements {
			if r, ok := c.Requirement(rid); ok && !slices.Contains(r.Characteristic, ch.ID) {
				t.Errorf("characteristic %s lists %s, whose characteristics lack it", ch.ID, rid)
			}
		}
		for _, rel := range ch.Related {
			if o, ok := byID[rel]; ok && (o.Framework == ch.Framework || !slices.Contains(o.Related, ch.ID)) {
				t.Errorf("characteristic %s: related %s must be of the other framework and relate back", ch.ID, rel)
			}
		}
	}
}

// TestRequirementsStructure checks what the classification and the crosswalk
// rely on: the articles of the seed's annex matrices exist, the Art. 15
// paragraphs hang under Art. 15, every superseded application date has its
// replacement, and crosswalk mappings join different regulations.
func TestRequirementsStructure(t *testing.T) {
	c := loadSeedCatalog(t)
	for _, id := range []aiassure.RequirementID{
		"ai-act-art-9", "ai-act-art-10", "ai-act-art-12", "ai-act-art-13", "ai-act-art-14",
		"ai-act-art-15-3", "ai-act-art-15-4", "ai-act-art-15-5", "ai-act-art-17", "ai-act-art-43",
		"ai-act-art-5", "ai-act-art-6", "ai-act-art-11", "ai-act-art-42-2", "ai-act-art-50", "ai-act-art-53",
		"ai-act-art-55", "ai-act-art-72", "ai-act-art-73", "cra-art-12", "cra-art-13", "cra-art-14",
		"cra-annex-i-part-i", "cra-annex-i-part-ii", "csa-art-51", "csa-art-52", "csa-art-54",
	} {
		if _, ok := c.Requirement(id); !ok {
			t.Errorf("missing requirement %s", id)
		}
	}
	for i := 1; i <= 5; i++ {
		id := aiassure.RequirementID(fmt.Sprintf("ai-act-art-15-%d", i))
		if r, ok := c.Requirement(id); !ok || r.Parent != "ai-act-art-15" {
			t.Errorf("%s: want a paragraph of ai-act-art-15, got %+v", id, r)
		}
	}
	for _, p := range []string{"1", "2a", "2b", "2c", "2d", "2e", "2f", "2g", "2h", "2i", "2j", "2k", "2l", "2m"} {
		id := aiassure.RequirementID("cra-annex-i-part-i-" + p)
		if r, ok := c.Requirement(id); !ok || r.Parent != "cra-annex-i-part-i" {
			t.Errorf("%s: want a point of cra-annex-i-part-i, got %+v", id, r)
		}
	}
	for _, lvl := range []string{"basic", "substantial", "high"} {
		if r, ok := c.Requirement(aiassure.RequirementID("csa-art-52-" + lvl)); !ok || r.Parent != "csa-art-52" {
			t.Errorf("csa-art-52-%s: want an assurance level under csa-art-52", lvl)
		}
	}
	for _, r := range c.Requirements {
		for _, a := range r.Applies {
			route, _, ok := strings.Cut(a.Scope, ":")
			if !ok {
				t.Errorf("%s: scope %q does not start with a route", r.ID, a.Scope)
				continue
			}
			base, superseded := strings.CutSuffix(route, " (superseded)")
			if !slices.Contains([]string{"all", "gpai", "annex-iii", "annex-i"}, base) {
				t.Errorf("%s: scope route %q is not all, gpai, annex-iii or annex-i", r.ID, route)
			}
			if !superseded {
				continue
			}
			if !slices.ContainsFunc(r.Applies, func(b Applicability) bool {
				return strings.HasPrefix(b.Scope, base+":") && b.Date > a.Date
			}) {
				t.Errorf("%s: superseded date %s (%s) has no later replacement", r.ID, a.Date, base)
			}
		}
	}
	for _, m := range c.Crosswalk {
		from, okf := c.Requirement(m.From)
		to, okt := c.Requirement(m.To)
		if okf && okt && from.Regulation == to.Regulation {
			t.Errorf("crosswalk %s -> %s joins two requirements of %s", m.From, m.To, from.Regulation)
		}
		if m.Note == "" {
			t.Errorf("crosswalk %s -> %s: no note", m.From, m.To)
		}
	}
}
