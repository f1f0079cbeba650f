package oscal

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fixture is a small catalogue with every kind of row the export reads.
func fixture() *catalog.Catalog {
	return &catalog.Catalog{
		Version: "1.2.0",
		Changelog: []catalog.Change{
			{Version: "1.0.0", Date: "2026-03-01", Changes: []string{"first"}},
			{Version: "1.2.0", Date: "2026-09-15", Changes: []string{"crosswalk"}},
		},
		Standards: []catalog.Standard{
			{ID: "eu-ai-act", Designation: "Regulation (EU) 2024/1689", Title: "Artificial Intelligence Act", Body: "EU", Kind: "regulation",
				Status: catalog.Status{Stage: "in-force", Date: "2024-08-01"}, Scope: "Harmonised rules on AI systems."},
			{ID: "eu-cra", Designation: "Regulation (EU) 2024/2847", Title: "Cyber Resilience Act", Body: "EU", Kind: "regulation",
				Status: catalog.Status{Stage: "in-force"}, Scope: "Cybersecurity requirements for products with digital elements."},
			{ID: "iso-iec-27001", Designation: "ISO/IEC 27001:2022", Title: "Information security management systems", Body: "ISO/IEC",
				Kind: "IS", Status: catalog.Status{Stage: "published", Date: "2022-10"}, Scope: "Requirements for an ISMS."},
		},
		Requirements: []catalog.Requirement{
			{ID: "art-15", Regulation: "eu-ai-act", Article: "Art. 15", Title: "Accuracy, robustness and cybersecurity",
				Summary: "High-risk systems reach appropriate accuracy, robustness and cybersecurity.", Cybersecurity: "Central.",
				SeedStandards: []aiassure.StandardID{"iso-iec-27001"}, Sources: []string{"eur-lex 2024/1689 Art. 15"}},
			{ID: "art-15-5", Regulation: "eu-ai-act", Article: "Art. 15(5)", Parent: "art-15", Title: "Resilience against attacks",
				Summary: "Resilience against attempts to alter use or performance.", Applies: []catalog.Applicability{{Date: "2026-08-02"}}},
			{ID: "art-12", Regulation: "eu-ai-act", Article: "Art. 12", Title: "Record-keeping", Summary: "Automatic logging of events."},
			{ID: "cra-annex-i-1", Regulation: "eu-cra", Article: "Annex I part I (1)", Title: "Appropriate level of cybersecurity",
				Summary: "Products are designed for an appropriate level of cybersecurity."},
			{ID: "cra-annex-i-2-l", Regulation: "eu-cra", Article: "Annex I part I (2)(l)", Title: "Security logging",
				Summary: "Products record relevant internal activity."},
		},
		Crosswalk: []catalog.Mapping{
			{From: "art-15", To: "cra-annex-i-1", Relationship: "intersects-with", Note: "Both ask for cybersecurity by design.", Sources: []string{"cra Art. 12"}},
			{From: "art-12", To: "cra-annex-i-2-l", Relationship: "subset-of", Note: "Logging."},
		},
		Controls: []catalog.Control{
			{ID: "c-adv-training", Name: "Adversarial training", Description: "Train on adversarial examples.",
				Threats: []aiassure.ThreatID{"evasion"}, Phases: []string{"training"}, Effect: "likelihood",
				Clauses:      []catalog.Clause{{Standard: "iso-iec-27001", Clause: "A.8.25"}, {Standard: "etsi-ts-104-223"}},
				Requirements: []aiassure.RequirementID{"art-15-5"}, Evidence: []string{"test/evasion"}, Sources: []string{"seed 4.1"}},
			{ID: "c-logging", Name: "Inference logging", Description: "Log queries and outputs.",
				Threats: []aiassure.ThreatID{"model-extraction", "evasion"}, Phases: []string{"operation"}, Effect: "both",
				Requirements: []aiassure.RequirementID{"art-12", "cra-annex-i-2-l"}},
			{ID: "c-rate-limit", Name: "Query rate limiting", Description: "Limit queries per client.",
				Threats: []aiassure.ThreatID{"model-extraction"}, Phases: []string{"operation"}, Effect: "likelihood"},
		},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

func TestCatalogGolden(t *testing.T) {
	got, err := Catalog(fixture())
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(got); err != nil {
		t.Errorf("check: %v", err)
	}
	golden(t, "catalog.golden", got)
	again, _ := Catalog(fixture())
	if !bytes.Equal(got, again) {
		t.Error("two exports of the same catalogue differ")
	}
}

func TestCatalogShape(t *testing.T) {
	m, err := CatalogModelOf(fixture())
	if err != nil {
		t.Fatal(err)
	}
	if m.Metadata.LastModified != "2026-09-15T00:00:00Z" || m.Metadata.OSCALVersion != Version || m.Metadata.Version != "1.2.0" {
		t.Errorf("metadata = %+v", m.Metadata)
	}
	if len(m.Groups) != 2 || m.Groups[0].ID != GroupControls || m.Groups[1].ID != GroupRequirements {
		t.Fatalf("groups = %+v", m.Groups)
	}
	// art-15-5 nests under art-15; the top level keeps art-15, art-12 and the two CRA rows.
	reqs := m.Groups[1].Controls
	if len(reqs) != 4 || reqs[0].ID != "art-15" || len(reqs[0].Controls) != 1 || reqs[0].Controls[0].ID != "art-15-5" {
		t.Errorf("requirement tree = %+v", reqs)
	}
	// A clause naming a standard the catalogue does not list still resolves.
	var found bool
	for _, r := range m.BackMatter.Resources {
		if r.Title == "etsi-ts-104-223" {
			found = true
		}
	}
	if !found {
		t.Error("no back-matter resource for the unlisted standard etsi-ts-104-223")
	}
}

func TestMappingGolden(t *testing.T) {
	got, err := MappingCollection(fixture())
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(got); err != nil {
		t.Errorf("check: %v", err)
	}
	golden(t, "mapping.golden", got)
}

func TestMappingShape(t *testing.T) {
	m, err := MappingCollectionModelOf(fixture())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Mappings) != 2 {
		t.Fatalf("got %d mappings, want 2 (one regulation pair, one control mapping)", len(m.Mappings))
	}
	cw := m.Mappings[0]
	if len(cw.Maps) != 2 || cw.Maps[0].Relationship != "intersects-with" || cw.Maps[1].Relationship != "subset-of" {
		t.Errorf("crosswalk maps = %+v", cw.Maps)
	}
	// art-15-5 is an AI Act requirement no crosswalk row covers; every CRA row is covered.
	if cw.SourceGapSummary == nil || !cmp.Equal(cw.SourceGapSummary.UnmappedControls[0].WithIDs, []string{"art-15-5"}) {
		t.Errorf("source gap = %+v", cw.SourceGapSummary)
	}
	if cw.TargetGapSummary != nil {
		t.Errorf("target gap = %+v, want none", cw.TargetGapSummary)
	}
	cm := m.Mappings[1]
	if len(cm.Maps) != 3 {
		t.Errorf("control maps = %d, want 3", len(cm.Maps))
	}
	if !cmp.Equal(cm.SourceGapSummary.UnmappedControls[0].WithIDs, []string{"c-rate-limit"}) {
		t.Errorf("idle controls = %+v", cm.SourceGapSummary)
	}
	if !cmp.Equal(cm.TargetGapSummary.UnmappedControls[0].WithIDs, []string{"art-15", "cra-annex-i-1"}) {
		t.Errorf("unserved requirements = %+v", cm.TargetGapSummary)
	}
}

func TestExportErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(c *catalog.Catalog)
		want   string
	}{
		{"no changelog", func(c *catalog.Catalog) { c.Changelog = nil }, "no dated changelog"},
		{"bad date", func(c *catalog.Catalog) { c.Changelog[0].Date = "March" }, "date"},
		{"no version", func(c *catalog.Catalog) { c.Version = "" }, "no version"},
		{"bad relationship", func(c *catalog.Catalog) { c.Crosswalk[0].Relationship = "related-to" }, "related-to"},
		{"unknown crosswalk requirement", func(c *catalog.Catalog) { c.Crosswalk[0].To = "art-99" }, "unknown requirement"},
		{"unknown control requirement", func(c *catalog.Catalog) { c.Controls[0].Requirements = []aiassure.RequirementID{"art-99"} }, "art-99"},
		{"nothing to map", func(c *catalog.Catalog) {
			c.Crosswalk = nil
			for i := range c.Controls {
				c.Controls[i].Requirements = nil
			}
		}, "no crosswalk rows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fixture()
			tc.change(c)
			_, err1 := Catalog(c)
			_, err2 := MappingCollection(c)
			if (err1 == nil || !strings.Contains(err1.Error(), tc.want)) && (err2 == nil || !strings.Contains(err2.Error(), tc.want)) {
				t.Errorf("errors %v / %v, want one containing %q", err1, err2, tc.want)
			}
		})
	}
	if _, err := Catalog(nil); err == nil {
		t.Error("Catalog(nil) succeeded")
	}
}

func TestEmbeddedCatalog(t *testing.T) {
	c, err := catalog.Load()
	if err != nil {
		t.Fatalf("load embedded catalogue: %v", err)
	}
	doc, err := Catalog(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(doc); err != nil {
		t.Errorf("catalog: %v", err)
	}
	if len(c.Crosswalk) == 0 || len(c.Controls) == 0 {
		t.Fatal("embedded catalogue has no crosswalk or no controls to map")
	}
	doc, err = MappingCollection(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(doc); err != nil {
		t.Errorf("mapping: %v", err)
	}
}

func TestUUID(t *testing.T) {
	// RFC 9562 test vector: UUIDv5(DNS namespace, "www.example.com").
	got := formatUUID(uuid5(mustParseUUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), []byte("www.example.com")))
	if want := "2ed6657d-e927-568b-95e1-2665a8aea6a2"; got != want {
		t.Errorf("uuid5 = %s, want %s", got, want)
	}
	a, b := UUID("finding", "x"), UUID("finding", "x")
	if a != b || !uuidRE.MatchString(a) || a[14] != '5' {
		t.Errorf("UUID not stable or not v5: %s %s", a, b)
	}
	if UUID("ab", "c") == UUID("a", "bc") {
		t.Error("UUID parts are not separated")
	}
}

func TestToken(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"art-15", "art-15"},
		{"evasion/pgd-linf", "evasion-pgd-linf"},
		{"15-5", "_15-5"},
		{"/x", "_x"},
		{"", "_"},
		{"a b", "a-b"},
		{"Ärger_1.2", "Ärger_1.2"},
	} {
		if got := Token(tc.in); got != tc.want || !tokenRE.MatchString(got) {
			t.Errorf("Token(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestCheckRejects proves Check finds each kind of structural error.
func TestCheckRejects(t *testing.T) {
	base, err := Catalog(fixture())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(m map[string]any)
		want   string
	}{
		{"missing required", func(m map[string]any) { delete(md(m), "oscal-version") }, `missing required "oscal-version"`},
		{"unknown key", func(m map[string]any) { md(m)["lastModified"] = "x" }, `key "lastModified" not allowed`},
		{"bad uuid", func(m map[string]any) { cat(m)["uuid"] = "not-a-uuid" }, "not a version 4 or 5 UUID"},
		{"bad time", func(m map[string]any) { md(m)["last-modified"] = "2026-09-15" }, "not a date-time"},
		{"empty array", func(m map[string]any) { md(m)["props"] = []any{} }, "empty array"},
		{"blank", func(m map[string]any) { md(m)["title"] = " " }, "blank string"},
		{"untrimmed", func(m map[string]any) { md(m)["title"] = "x " }, "white space"},
		{"bad token", func(m map[string]any) { group(m, 0)["id"] = "1controls" }, "not an OSCAL token"},
		{"dangling link", func(m map[string]any) {
			ctl := group(m, 0)["controls"].([]any)[0].(map[string]any)
			ctl["links"] = []any{map[string]any{"href": "#nowhere"}}
		}, "undefined #nowhere"},
		{"duplicate id", func(m map[string]any) {
			ctls := group(m, 0)["controls"].([]any)
			ctls[1].(map[string]any)["id"] = ctls[0].(map[string]any)["id"]
		}, "already used"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(base, &m); err != nil {
				t.Fatal(err)
			}
			tc.change(m)
			b, _ := json.Marshal(m)
			err := Check(b)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Check = %v, want error containing %q", err, tc.want)
			}
		})
	}
	for _, bad := range []string{`[]`, `{"a":1,"b":2}`, `{"profile":{}}`, `{`} {
		if Check([]byte(bad)) == nil {
			t.Errorf("Check(%s) passed", bad)
		}
	}
}

func cat(m map[string]any) map[string]any { return m["catalog"].(map[string]any) }
func md(m map[string]any) map[string]any  { return cat(m)["metadata"].(map[string]any) }
func group(m map[string]any, i int) map[string]any {
	return cat(m)["groups"].([]any)[i].(map[string]any)
}
