package catalog

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadEmbedded(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatalf("the shipped catalogue does not load:\n%v", err)
	}
	if c.Version == "" {
		t.Error("no version")
	}
}

// TestLoadRejects checks that each kind of defect is reported with its file
// and line.
func TestLoadRejects(t *testing.T) {
	schemas, err := Schemas()
	if err != nil {
		t.Fatal(err)
	}
	base := func() fstest.MapFS {
		fs := fstest.MapFS{"catalog.yaml": {Data: []byte("version: 1.0.0\nchangelog: []\n")}}
		for name, b := range schemas {
			fs["schema/"+name] = &fstest.MapFile{Data: b}
		}
		return fs
	}
	threat := `threats:
  - id: evasion
    name: Evasion
    ai_specific: true
    description: d
    goals: [integrity]
    phases: [operation]
    assets: [model]
    knowledge: black-box
    access: [query]
    attack_potential: {elapsed_time: le-1-week, expertise: proficient, knowledge: public, window: easy, equipment: standard}
    sources: [enisa:table-1]
`
	tests := []struct {
		name, file, data, want string
	}{
		{"unknown field", "threats.yaml", strings.Replace(threat, "    name: Evasion\n", "    name: Evasion\n    nmae: x\n", 1), "threats.yaml:4: /threats/0: additional properties 'nmae' not allowed"},
		{"bad vocabulary", "threats.yaml", strings.Replace(threat, "[integrity]", "[integrty]", 1), "threats.yaml:6: /threats/0/goals/0"},
		{"dangling reference", "threats.yaml", strings.Replace(threat, "    ai_specific", "    parent: nowhere\n    ai_specific", 1), `threats.yaml:2: parent: unknown threat "nowhere"`},
		{"duplicate id", "threats.yaml", threat + strings.TrimPrefix(threat, "threats:\n"), `threats.yaml:13: duplicate id "evasion"`},
		{"OWASP LLM ID without its edition", "threats.yaml", strings.Replace(threat, "    attack_potential", "    owasp_llm: [LLM01]\n    attack_potential", 1), "/threats/0/owasp_llm/0"},
		{"ATLAS ID of the wrong form", "threats.yaml", strings.Replace(threat, "    attack_potential", "    atlas: [AML.M0015]\n    attack_potential", 1), `atlas: "AML.M0015" is not a MITRE ATLAS technique ID`},
		{"ETSI provision not a principle", "threats.yaml", strings.Replace(threat, "    attack_potential", "    etsi: [\"5.2.1\"]\n    attack_potential", 1), `etsi: "5.2.1"`},
		{"bad version", "catalog.yaml", "version: one\nchangelog: []\n", `catalog.yaml: version "one" is not MODEL.REVISION.ADDITION`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := base()
			fs[tt.file] = &fstest.MapFile{Data: []byte(tt.data)}
			_, err := LoadFS(fs)
			if err == nil {
				t.Fatal("loaded; want an error")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%v\nwant it to contain %q", err, tt.want)
			}
		})
	}
	// A control may not cite a 2025 entry against the 2026 list.
	fs := base()
	fs["threats.yaml"] = &fstest.MapFile{Data: []byte(threat)}
	fs["standards.yaml"] = &fstest.MapFile{Data: []byte(`standards:
  - id: owasp-llm-top-10-2026
    designation: "OWASP Top 10 for LLM Applications 2026"
    title: t
    body: OWASP
    kind: guideline
    ai_specific: true
    status: {stage: published, as_of: "2026-12-03", verified: true, source: "https://example.org/owasp"}
    scope: s
    sources: ["https://example.org/owasp"]
`)}
	fs["controls.yaml"] = &fstest.MapFile{Data: []byte(`controls:
  - id: c-filter
    name: Filter
    description: d
    threats: [evasion]
    phases: [operation]
    clauses:
      - {standard: owasp-llm-top-10-2026, clause: "LLM01:2025"}
    atlas: [AML.T0051]
    effect: likelihood
    sources: ["https://example.org/owasp"]
`)}
	_, err = LoadFS(fs)
	for _, want := range []string{`owasp-llm-top-10-2026 clause "LLM01:2025"`, `atlas: "AML.T0051" is not a MITRE ATLAS mitigation ID`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("mixed OWASP editions: error %v, want it to contain %q", err, want)
		}
	}
	// The good threat loads.
	fs = base()
	fs["threats.yaml"] = &fstest.MapFile{Data: []byte(threat)}
	c, err := LoadFS(fs)
	if err != nil {
		t.Fatal(err)
	}
	if th, ok := c.Threat("evasion"); !ok || th.Name != "Evasion" {
		t.Errorf("Threat(evasion) = %+v, %v", th, ok)
	}
}
