package sarif

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/report"
	"github.com/aiassure/aiassure/report/internal/reporttest"
	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func fixture(t *testing.T) *report.Report { return reporttest.Fixture(t) }

// full is the fixture with the fields the assessment fills on findings:
// fingerprints, assets, provisions, clauses, profile locations (one of them
// with an unknown line), an evidence-file location and one accepted risk.
func full(t *testing.T) *report.Report {
	r := fixture(t)
	r.Artefacts = []report.Artefact{{Role: "evidence", Path: "examples/credit-scoring/evidence/pentest.md",
		Digest: "sha256:" + strings.Repeat("ab", 32)}}
	for i := range r.Findings {
		f := &r.Findings[i]
		f.Fingerprint = aiassure.Fingerprint(f.ID)
		f.Provisions = []string{"Art. 15(5)"}
		f.Clauses = []string{"ETSI TS 102 165-1 clause 6"}
		f.Assets = []string{"inference-interface"}
		f.Locations = []aiassure.Location{{File: r.System.Profile, Line: 20 + i, Field: "assets[0]"}}
	}
	r.Findings[1].Locations[0].Line = 0
	r.Findings[4].Locations = []aiassure.Location{{File: "examples/credit-scoring/evidence/pentest.md", Line: 3}}
	r.Findings[0].Accepted = &aiassure.Acceptance{By: "Jane Doe, CISO", Reason: "Manual review of every decision until retraining.",
		Date: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), Expires: time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC),
		Location: aiassure.Location{File: "examples/credit-scoring/accepted-risks.yaml", Line: 4}}
	return r
}

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

func validate(t *testing.T, s *jsonschema.Schema, name string, r *report.Report) {
	t.Helper()
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

// TestSchema validates the output for the fixture, the fixture with every
// finding field set, and an empty report against the SARIF 2.1.0 schema.
func TestSchema(t *testing.T) {
	s := schema(t)
	for name, r := range map[string]*report.Report{
		"fixture": fixture(t),
		"full":    full(t),
		"empty":   {SchemaVersion: report.SchemaVersion, Tool: report.Tool{Name: "aiassure", Version: "dev"}},
	} {
		validate(t, s, name, r)
	}
	// The schema check is not vacuous: a log without a version fails it.
	bad, _ := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(`{"runs": []}`)))
	if s.Validate(bad) == nil {
		t.Error("schema accepted a log without version")
	}
}

// TestGolden keeps testdata/full.sarif, the log of the full fixture, which
// .ci/run also gives to Microsoft's SARIF Multitool: it exercises regions,
// an unknown line, a second artifact and a suppression, which the examples'
// logs may not.
func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, full(t)); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("testdata/full.sarif", buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile("testdata/full.sarif")
	if err != nil {
		t.Fatalf("%v (run go test ./report/sarif -update)", err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("testdata/full.sarif is out of date (run go test ./report/sarif -update) (-want +got):\n%s", diff)
	}
}

func TestStructure(t *testing.T) {
	r := full(t)
	log, err := Build(r)
	if err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || log.Schema != Schema || len(log.Runs) != 1 {
		t.Fatalf("log = %+v", log)
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "aiassure" || run.Tool.Driver.InformationURI == "" {
		t.Errorf("driver = %+v", run.Tool.Driver)
	}
	var written []aiassure.Finding
	for _, f := range r.Findings {
		if f.Kind != "standardisation-gap" {
			written = append(written, f)
		}
	}
	if len(written) == len(r.Findings) {
		t.Fatal("fixture has no standardisation gap to leave out")
	}
	if len(run.Results) != len(written) {
		t.Fatalf("%d results for %d findings that are not standardisation gaps", len(run.Results), len(written))
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
		if rule.ShortDescription.Text == "" || rule.FullDescription.Text == "" || rule.Help.Text == "" ||
			rule.Help.Markdown == "" || !strings.HasPrefix(rule.HelpURI, "https://") {
			t.Errorf("rule %s lacks a description, help or help URI: %+v", rule.ID, rule)
		}
		if v, err := strconv.ParseFloat(rule.Properties.SecuritySeverity, 64); err != nil || v < 0 || v > 10 {
			t.Errorf("rule %s: security-severity %q", rule.ID, rule.Properties.SecuritySeverity)
		}
		if len(rule.Properties.Tags) == 0 || rule.Properties.Tags[0] != "security" {
			t.Errorf("rule %s: tags %v", rule.ID, rule.Properties.Tags)
		}
		if strings.HasPrefix(rule.ID, "standardisation-gap") {
			t.Errorf("rule %s for a standardisation gap", rule.ID)
		}
	}
	for _, id := range []string{"risk/evasion", "implementation-gap/evasion", "test/evasion", "evidence-gap", "risk/model-extraction"} {
		if !seen[id] {
			t.Errorf("no rule %s", id)
		}
	}
	// The risk rule's help names the missing controls with their catalogue names.
	ev := run.Tool.Driver.Rules[indexOf(run, "risk/evasion")]
	for _, c := range written[0].Controls {
		if !strings.Contains(ev.Help.Text, string(c)) || !strings.Contains(ev.Help.Markdown, "`"+string(c)+"`") {
			t.Errorf("risk/evasion help does not name missing control %s: %q", c, ev.Help.Text)
		}
	}
	if ev.Properties.SecuritySeverity != "9.5" || ev.DefaultConfiguration.Level != "error" {
		t.Errorf("critical risk rule: %+v", ev.Properties)
	}
	for i, res := range run.Results {
		f := written[i]
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %d: ruleIndex %d is not %s", i, res.RuleIndex, res.RuleID)
		}
		if res.Level != Level(f.Severity) {
			t.Errorf("result %d: level %s for %s", i, res.Level, f.Severity)
		}
		pl := res.Locations[0].PhysicalLocation
		want := f.Locations[0]
		if pl.ArtifactLocation.URI != want.File || pl.ArtifactLocation.URIBaseID != SrcRoot {
			t.Errorf("result %d: location %+v, want %s relative to %s", i, pl.ArtifactLocation, want.File, SrcRoot)
		}
		if got := run.Artifacts[*pl.ArtifactLocation.Index].Location.URI; got != want.File {
			t.Errorf("result %d: artifact index points at %s", i, got)
		}
		line := max(want.Line, 1)
		if pl.Region == nil || pl.Region.StartLine != line {
			t.Errorf("result %d: region %+v, want line %d", i, pl.Region, line)
		}
		if unknown := want.Line == 0; unknown != res.Properties.LineUnknown || unknown != strings.Contains(res.Message.Text, "line is not known") {
			t.Errorf("result %d: line %d, lineUnknown %v, message %q", i, want.Line, res.Properties.LineUnknown, res.Message.Text)
		}
		if res.PartialFingerprints[FingerprintKey] != f.Fingerprint || res.Properties.FindingID != f.ID {
			t.Errorf("result %d: fingerprints %v for %s", i, res.PartialFingerprints, f.Fingerprint)
		}
		if !strings.Contains(res.Message.Text, "Art. 15(5)") || !strings.Contains(res.Message.Text, "ETSI TS 102 165-1 clause 6") ||
			len(res.Properties.Provisions) != 1 || len(res.Properties.Clauses) != 1 {
			t.Errorf("result %d: provisions and clauses missing: %q %+v", i, res.Message.Text, res.Properties)
		}
		if (f.Accepted != nil) != (len(res.Suppressions) == 1) {
			t.Errorf("result %d: accepted %v, suppressions %+v", i, f.Accepted != nil, res.Suppressions)
		}
	}
	s := run.Results[0].Suppressions[0]
	if s.Kind != "external" || s.Status != "accepted" || !strings.Contains(s.Justification, "Jane Doe, CISO") ||
		!strings.Contains(s.Justification, "until 2027-04-01") || s.Location == nil ||
		s.Location.PhysicalLocation.Region.StartLine != 4 {
		t.Errorf("suppression = %+v", s)
	}
	if !strings.Contains(run.Results[0].Message.Text, "Missing controls: ") {
		t.Errorf("risk message names no remedy: %q", run.Results[0].Message.Text)
	}
	// Artifacts: the profile with its digest, the evidence file with its
	// digest, the acceptance file.
	arts := map[string]Artifact{}
	for _, a := range run.Artifacts {
		arts[a.Location.URI] = a
	}
	if len(run.Artifacts) != 3 || len(arts[r.System.Profile].Hashes["sha-256"]) != 64 ||
		arts["examples/credit-scoring/evidence/pentest.md"].Hashes["sha-256"] != strings.Repeat("ab", 32) ||
		arts["examples/credit-scoring/accepted-risks.yaml"].Roles[0] != "userSpecifiedConfiguration" {
		t.Errorf("artifacts = %+v", run.Artifacts)
	}
}

func indexOf(run Run, id string) int {
	for i, r := range run.Tool.Driver.Rules {
		if r.ID == id {
			return i
		}
	}
	return -1
}

// TestNoLocations: a finding without locations is placed on line 1 of the
// profile and says that its line is not known.
func TestNoLocations(t *testing.T) {
	r := fixture(t)
	for i := range r.Findings {
		r.Findings[i].Locations = nil
	}
	log, err := Build(r)
	if err != nil {
		t.Fatal(err)
	}
	for i, res := range log.Runs[0].Results {
		pl := res.Locations[0].PhysicalLocation
		if pl.ArtifactLocation.URI != "examples/credit-scoring/profile.yaml" || pl.Region.StartLine != 1 || !res.Properties.LineUnknown {
			t.Errorf("result %d: %+v", i, pl)
		}
	}
}

func TestLevelAndSecuritySeverity(t *testing.T) {
	for s, want := range map[aiassure.Severity][2]string{
		aiassure.Critical: {"error", "9.5"}, aiassure.High: {"error", "8.0"}, aiassure.Medium: {"warning", "5.5"},
		aiassure.Low: {"note", "2.0"}, aiassure.Info: {"note", "0.0"},
	} {
		if got := Level(s); got != want[0] {
			t.Errorf("Level(%s) = %s, want %s", s, got, want[0])
		}
		if got := SecuritySeverity(s); got != want[1] {
			t.Errorf("SecuritySeverity(%s) = %s, want %s", s, got, want[1])
		}
	}
	// GitHub's bands: critical >= 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9.
	bands := map[aiassure.Severity][2]float64{aiassure.Critical: {9, 10}, aiassure.High: {7, 8.9},
		aiassure.Medium: {4, 6.9}, aiassure.Low: {0.1, 3.9}}
	for s, b := range bands {
		v, _ := strconv.ParseFloat(SecuritySeverity(s), 64)
		if v < b[0] || v > b[1] {
			t.Errorf("%s: %v outside GitHub's band %v", s, v, b)
		}
	}
}

func TestFingerprint(t *testing.T) {
	f := aiassure.Finding{ID: "risk/evasion/api", Fingerprint: "0123456789abcdef"}
	if Fingerprint(f) != "0123456789abcdef" {
		t.Error("Fingerprint ignores Finding.Fingerprint")
	}
	f.Fingerprint = ""
	if Fingerprint(f) != aiassure.Fingerprint("risk/evasion/api") {
		t.Error("Fingerprint of a finding without one is not that of its ID")
	}
}

func TestURI(t *testing.T) {
	for in, want := range map[string][2]string{
		"examples/credit/profile.yaml":   {"examples/credit/profile.yaml", SrcRoot},
		"./examples/credit/profile.yaml": {"examples/credit/profile.yaml", SrcRoot},
		"my profile.yaml":                {"my%20profile.yaml", SrcRoot},
		"":                               {"profile.yaml", SrcRoot},
		"/srv/p/profile.yaml":            {"file:///srv/p/profile.yaml", ""},
	} {
		if uri, base := URI(in); uri != want[0] || base != want[1] {
			t.Errorf("URI(%q) = %q, %q, want %q, %q", in, uri, base, want[0], want[1])
		}
	}
}

func TestDeterministic(t *testing.T) {
	r := full(t)
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
