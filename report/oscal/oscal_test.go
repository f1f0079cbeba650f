package oscal

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/aiassure/aiassure"
	ioscal "github.com/aiassure/aiassure/internal/oscal"
	"github.com/aiassure/aiassure/report"
	"github.com/aiassure/aiassure/report/internal/reporttest"
	"github.com/aiassure/aiassure/risk"
)

func fixture(t *testing.T) *report.Report { return reporttest.Fixture(t) }

// TestCheck validates the document structurally (required and allowed
// keys, patterns, vocabularies, internal references) with oscal.Check.
func TestCheck(t *testing.T) {
	for name, r := range map[string]*report.Report{
		"fixture": fixture(t),
		"empty":   {SchemaVersion: report.SchemaVersion, Generated: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
	} {
		var buf bytes.Buffer
		if err := Write(&buf, r); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := ioscal.Check(buf.Bytes()); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestMapping(t *testing.T) {
	r := fixture(t)
	doc, err := Build(r)
	if err != nil {
		t.Fatal(err)
	}
	ar := doc.AssessmentResults
	if ar.Metadata.OSCALVersion != ioscal.Version || ar.Metadata.LastModified != "2026-11-20T09:30:00Z" {
		t.Errorf("metadata = %+v", ar.Metadata)
	}
	if ar.ImportAP.Href != "#"+ar.BackMatter.Resources[0].UUID {
		t.Errorf("import-ap %s does not point at the profile resource", ar.ImportAP.Href)
	}
	if h := ar.BackMatter.Resources[0].Rlinks[0]; h.Href != r.System.Profile || len(h.Hashes) != 1 {
		t.Errorf("profile rlink = %+v", h)
	}
	res := ar.Results[0]
	if len(res.Observations) != len(r.Results) || len(res.Findings) != len(r.Findings) || len(res.Risks) != len(r.Risk.Entries) {
		t.Fatalf("%d observations, %d findings, %d risks", len(res.Observations), len(res.Findings), len(res.Risks))
	}
	// Statuses: critical residual risks are open, minor ones closed.
	for i, want := range []string{"open", "open", "closed", "closed"} {
		if got := res.Risks[i].Status; got != want {
			t.Errorf("risk %d (%s): status %s, want %s", i, r.Risk.Entries[i].Threat, got, want)
		}
	}
	// Evasion: one implemented control, two missing, evidence from the PGD result.
	ev := res.Risks[0]
	if len(ev.MitigatingFactors) != 1 || len(ev.Remediations) != 2 || len(ev.RelatedObservations) != 1 ||
		ev.RelatedObservations[0].ObservationUUID != res.Observations[0].UUID {
		t.Errorf("evasion risk = %+v", ev)
	}
	if len(ev.Characterizations) != 2 || ev.Characterizations[1].Facets[2].Value != "critical" {
		t.Errorf("characterizations = %+v", ev.Characterizations)
	}
	// Findings: info is satisfied, the rest not; targets are requirements first.
	for i, f := range res.Findings {
		want := "not-satisfied"
		if r.Findings[i].Severity == aiassure.Info {
			want = "satisfied"
		}
		if f.Target.Status.State != want {
			t.Errorf("finding %d: state %s, want %s", i, f.Target.Status.State, want)
		}
	}
	if got := res.Findings[0].Target.TargetID; got != "art-15-5" {
		t.Errorf("first finding target = %s", got)
	}
	if got := res.Findings[5].Target.TargetID; got != "c-rate-limit" {
		t.Errorf("finding without requirement targets %s, want its control", got)
	}
	// The test finding rests on its result; the risk finding on its risks.
	if len(res.Findings[2].RelatedObservations) != 1 || res.Findings[2].RelatedObservations[0].ObservationUUID != res.Observations[0].UUID {
		t.Errorf("test finding observations = %+v", res.Findings[2].RelatedObservations)
	}
	if len(res.Findings[0].RelatedRisks) != 1 || res.Findings[0].RelatedRisks[0].RiskUUID != ev.UUID {
		t.Errorf("risk finding risks = %+v", res.Findings[0].RelatedRisks)
	}
	// Reviewed controls: every control named, sorted.
	sel := res.ReviewedControls.ControlSelections[0].IncludeControls
	if len(sel) != 5 || sel[0].ControlID != "c-adv-training" {
		t.Errorf("reviewed controls = %+v", sel)
	}
}

func TestStableUUIDs(t *testing.T) {
	a, _ := Build(fixture(t))
	b, _ := Build(fixture(t))
	if a.AssessmentResults.UUID != b.AssessmentResults.UUID || a.AssessmentResults.Results[0].Findings[3].UUID != b.AssessmentResults.Results[0].Findings[3].UUID {
		t.Error("UUIDs differ between two builds of the same report")
	}
	r := fixture(t)
	r.Generated = r.Generated.Add(time.Hour)
	c, _ := Build(r)
	if c.AssessmentResults.UUID == a.AssessmentResults.UUID {
		t.Error("another assessment time gives the same document UUID")
	}
}

func TestErrors(t *testing.T) {
	if _, err := Build(nil); err == nil {
		t.Error("Build(nil) succeeded")
	}
	r := fixture(t)
	r.Generated = time.Time{}
	if _, err := Build(r); err == nil || !strings.Contains(err.Error(), "generated") {
		t.Errorf("zero time: %v", err)
	}
}

func TestRiskStatus(t *testing.T) {
	for level, want := range map[string]string{"minor": "closed", "Low": "closed", "major": "open", "critical": "open", "": "open"} {
		if got := RiskStatus(risk.Entry{Residual: risk.Score{Level: level}}); got != want {
			t.Errorf("RiskStatus(%q) = %s, want %s", level, got, want)
		}
	}
}
