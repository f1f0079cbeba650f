package sarif

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/report"
	"github.com/aiassure/aiassure/report/internal/reporttest"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

func fixture(t *testing.T) *report.Report { return reporttest.Fixture(t) }

func schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSchema validates the output for the fixture, and for an empty report,
// against the SARIF 2.1.0 JSON schema.
func TestSchema(t *testing.T) {
	s := schema(t)
	for name, r := range map[string]*report.Report{
		"fixture": fixture(t),
		"empty":   {SchemaVersion: report.SchemaVersion, Tool: report.Tool{Name: "aiassure", Version: "dev"}},
	} {
		var buf bytes.Buffer
		if err := Write(&buf, r); err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(inst); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The schema check is not vacuous: a log without a version fails it.
	bad, _ := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(`{"runs": []}`)))
	if s.Validate(bad) == nil {
		t.Error("schema accepted a log without version")
	}
}

func TestStructure(t *testing.T) {
	r := fixture(t)
	log, err := Build(r)
	if err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || log.Schema != Schema || len(log.Runs) != 1 {
		t.Fatalf("log = %+v", log)
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "aiassure" {
		t.Errorf("driver = %q", run.Tool.Driver.Name)
	}
	if len(run.Results) != len(r.Findings) {
		t.Fatalf("%d results for %d findings", len(run.Results), len(r.Findings))
	}
	seen := map[string]bool{}
	for i, rule := range run.Tool.Driver.Rules {
		if seen[rule.ID] {
			t.Errorf("rule %s twice", rule.ID)
		}
		seen[rule.ID] = true
		if i > 0 && run.Tool.Driver.Rules[i-1].ID >= rule.ID {
			t.Errorf("rules not sorted at %s", rule.ID)
		}
	}
	// evasion appears as risk, implementation-gap, test and standardisation-gap.
	for _, id := range []string{"risk/evasion", "implementation-gap/evasion", "test/evasion", "standardisation-gap/evasion",
		"evidence-gap", "risk/model-extraction", "test/data-poisoning"} {
		if !seen[id] {
			t.Errorf("no rule %s", id)
		}
	}
	for i, res := range run.Results {
		f := r.Findings[i]
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %d: ruleIndex %d is not %s", i, res.RuleIndex, res.RuleID)
		}
		if res.Level != Level(f.Severity) {
			t.Errorf("result %d: level %s for %s", i, res.Level, f.Severity)
		}
		uri := res.Locations[0].PhysicalLocation.ArtifactLocation.URI
		if uri != r.System.Profile {
			t.Errorf("result %d: location %q, want the profile %q", i, uri, r.System.Profile)
		}
		if res.PartialFingerprints[FingerprintKey] == "" || res.Properties.FindingID != f.ID || len(res.Properties.Sources) != len(f.Sources) {
			t.Errorf("result %d: %+v", i, res)
		}
	}
	if got := run.Artifacts[0].Hashes["sha-256"]; len(got) != 64 {
		t.Errorf("artifact hash = %q", got)
	}
}

func TestLevel(t *testing.T) {
	for s, want := range map[aiassure.Severity]string{
		aiassure.Critical: "error", aiassure.High: "error", aiassure.Medium: "warning",
		aiassure.Low: "note", aiassure.Info: "note",
	} {
		if got := Level(s); got != want {
			t.Errorf("Level(%s) = %s, want %s", s, got, want)
		}
	}
}

func TestFingerprint(t *testing.T) {
	f := aiassure.Finding{ID: "risk/evasion/api", Kind: "risk", Severity: aiassure.High, Title: "t",
		Threats: []aiassure.ThreatID{"evasion", "oracle"}, Controls: []aiassure.ControlID{"c-a", "c-b"}}
	base := Fingerprint(f)
	same := f
	same.Title, same.Detail, same.Severity, same.Sources = "reworded", "more", aiassure.Critical, []string{"x"}
	same.Threats = []aiassure.ThreatID{"oracle", "evasion"}
	if Fingerprint(same) != base {
		t.Error("fingerprint changed with wording, severity or order")
	}
	for name, change := range map[string]func(*aiassure.Finding){
		"id":      func(g *aiassure.Finding) { g.ID = "risk/evasion/model" },
		"kind":    func(g *aiassure.Finding) { g.Kind = "test" },
		"control": func(g *aiassure.Finding) { g.Controls = []aiassure.ControlID{"c-a"} },
		"req":     func(g *aiassure.Finding) { g.Requirements = []aiassure.RequirementID{"art-15"} },
	} {
		g := f
		change(&g)
		if Fingerprint(g) == base {
			t.Errorf("fingerprint did not change with %s", name)
		}
	}
}

func TestURI(t *testing.T) {
	for in, want := range map[string]string{
		"examples/credit/profile.yaml": "examples/credit/profile.yaml",
		"my profile.yaml":              "my%20profile.yaml",
		"":                             "profile.yaml",
	} {
		if got := URI(in); got != want {
			t.Errorf("URI(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDeterministic(t *testing.T) {
	r := fixture(t)
	var a, b bytes.Buffer
	_ = Write(&a, r)
	_ = Write(&b, r)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two writes differ")
	}
	var v map[string]any
	if err := json.Unmarshal(a.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
}
