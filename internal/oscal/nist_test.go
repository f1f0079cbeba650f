package oscal

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/internal/oscal/oscaltest"
)

// TestNISTSchema validates the catalog and mapping-collection exports, of the
// test fixture and of the shipped catalogue, against NIST's published OSCAL
// JSON schema (testdata/nist).
func TestNISTSchema(t *testing.T) {
	shipped, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*catalog.Catalog{"fixture": fixture(), "shipped": shipped} {
		for what, export := range map[string]func(*catalog.Catalog) ([]byte, error){"catalog": Catalog, "mapping": MappingCollection} {
			b, err := export(c)
			if err != nil {
				t.Fatalf("%s %s: %v", name, what, err)
			}
			oscaltest.Check(t, name+" "+what, b)
		}
	}
	ar := minimalResults()
	b, err := Marshal(ar)
	if err != nil {
		t.Fatal(err)
	}
	oscaltest.Check(t, "minimal assessment results", b)
}

// minimalResults is a small assessment-results document with one risk.
func minimalResults() AssessmentResultsDocument {
	origin := []Origin{{Actors: []Actor{{Type: "tool", ActorUUID: UUID("tool")}}}}
	return AssessmentResultsDocument{AssessmentResults: AssessmentResults{
		UUID:     UUID("ar"),
		Metadata: Metadata{Title: "t", LastModified: "2026-01-02T03:04:05Z", Version: "1", OSCALVersion: Version},
		ImportAP: ImportAP{Href: "#" + UUID("res")},
		Results: []Result{{
			UUID: UUID("result"), Title: "r", Description: "d", Start: "2026-01-02T03:04:05Z",
			LocalDefinitions: &LocalDefinitions{Components: []Component{{UUID: UUID("tool"), Type: "software",
				Title: "aiassure", Description: "tool", Status: ComponentStatus{State: "operational"}}}},
			ReviewedControls: ReviewedControls{ControlSelections: []ControlSelection{{IncludeAll: &struct{}{}}}},
			Risks: []Risk{{UUID: UUID("risk"), Title: "Evasion", Description: "d", Statement: "s", Status: "open",
				Origins: origin, ThreatIDs: []ThreatID{{System: ThreatSystem, ID: ThreatURI("evasion")}}}},
		}},
		BackMatter: &BackMatter{Resources: []Resource{{UUID: UUID("res"), Title: "profile"}}},
	}}
}

// TestNISTSchemaRejects proves the schema check is not vacuous: each broken
// document fails it, with the offending path in the error.
func TestNISTSchemaRejects(t *testing.T) {
	base, err := Catalog(fixture())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(m map[string]any)
		want   string
	}{
		{"missing oscal-version", func(m map[string]any) { delete(md(m), "oscal-version") }, "oscal-version"},
		{"unknown key", func(m map[string]any) { md(m)["lastModified"] = "x" }, "lastModified"},
		{"bad uuid", func(m map[string]any) { cat(m)["uuid"] = "not-a-uuid" }, "/uuid"},
		{"date without time", func(m map[string]any) { md(m)["last-modified"] = "2026-09-15" }, "last-modified"},
		{"empty array", func(m map[string]any) { md(m)["props"] = []any{} }, "props"},
		{"bad token", func(m map[string]any) { group(m, 0)["id"] = "1controls" }, "/groups/0/id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(base, &m); err != nil {
				t.Fatal(err)
			}
			tc.change(m)
			b, _ := json.Marshal(m)
			err := oscaltest.Validate(b)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate = %v, want an error naming %q", err, tc.want)
			}
		})
	}
	// The known failure of issue 8: a threat ID that is not a URI.
	ar := minimalResults()
	ar.AssessmentResults.Results[0].Risks[0].ThreatIDs[0].ID = "evasion"
	b, _ := Marshal(ar)
	if err := oscaltest.Validate(b); err == nil || !strings.Contains(err.Error(), "threat-ids/0/id") {
		t.Errorf("a bare threat ID passed the schema: %v", err)
	}
	if err := Check(b); err == nil || !strings.Contains(err.Error(), "not an absolute URI") {
		t.Errorf("a bare threat ID passed Check: %v", err)
	}
}

func TestThreatURI(t *testing.T) {
	for in, want := range map[string]string{
		"evasion":              "urn:aiassure:threat:evasion",
		"data-poisoning-label": "urn:aiassure:threat:data-poisoning-label",
		"odd id/with space":    "urn:aiassure:threat:odd%20id%2Fwith%20space",
	} {
		if got := ThreatURI(in); got != want {
			t.Errorf("ThreatURI(%q) = %q, want %q", in, got, want)
		}
	}
}
