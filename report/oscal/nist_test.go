package oscal

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/internal/oscal/oscaltest"
	"github.com/aiassure/aiassure/report"
	"github.com/aiassure/aiassure/report/internal/reporttest"
)

// withSources gives the fixture's findings the fields the assessment fills
// (fingerprint, assets, provisions, clauses, profile locations) and accepts
// the first risk finding, so that the tests cover them whatever the fixture
// file holds.
func withSources(t *testing.T) *report.Report {
	r := fixture(t)
	accepted := false
	for i := range r.Findings {
		f := &r.Findings[i]
		f.Accepted = nil // the test sets its own
		f.Fingerprint = aiassure.Fingerprint(f.ID)
		f.Provisions = []string{"Art. 15(5)"}
		f.Clauses = []string{"ETSI TS 102 165-1 clause 6"}
		f.Locations = []aiassure.Location{{File: r.System.Profile, Line: 10 + i, Field: "assets"}}
		if f.Kind == "risk" && !accepted {
			accepted = true
			f.Accepted = &aiassure.Acceptance{By: "Jane Doe, CISO", Reason: "Compensated by manual review of every decision.",
				Date: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), Expires: time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC),
				Location: aiassure.Location{File: "accepted-risks.yaml", Line: 3}}
		}
	}
	if !accepted {
		t.Fatal("fixture has no risk finding")
	}
	return r
}

// TestNISTSchema validates the assessment results of the fixture, of an
// empty report and of every shipped example's golden report (assess/testdata)
// against NIST's published OSCAL JSON schema.
func TestNISTSchema(t *testing.T) {
	reports := map[string]*report.Report{
		"fixture": withSources(t),
		"empty":   {SchemaVersion: report.SchemaVersion, Generated: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
	}
	paths, _ := filepath.Glob("../../assess/testdata/*.json")
	if len(paths) == 0 {
		t.Fatal("no golden reports in assess/testdata")
	}
	for _, p := range paths {
		reports[filepath.Base(p)] = reporttest.Read(t, p)
	}
	for name, r := range reports {
		var buf bytes.Buffer
		if err := Write(&buf, r); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		oscaltest.Check(t, name, buf.Bytes())
	}
}

func TestSourcesAndAcceptance(t *testing.T) {
	r := withSources(t)
	doc, err := Build(r)
	if err != nil {
		t.Fatal(err)
	}
	res := doc.AssessmentResults.Results[0]
	for _, rk := range res.Risks {
		for _, th := range rk.ThreatIDs {
			if !strings.HasPrefix(th.ID, "urn:aiassure:threat:") || th.System != "urn:aiassure:catalog:threats" {
				t.Errorf("threat id %+v", th)
			}
		}
	}
	acc := -1
	for i, f := range r.Findings {
		if f.Accepted != nil {
			acc = i
		}
	}
	f := res.Findings[acc]
	props := map[string][]string{}
	for _, p := range f.Props {
		props[p.Name] = append(props[p.Name], p.Value)
	}
	for name, want := range map[string]string{
		"provision": "Art. 15(5)", "clause": "ETSI TS 102 165-1 clause 6", "accepted-by": "Jane Doe, CISO",
		"accepted-until": "2027-04-01T00:00:00Z", "fingerprint": r.Findings[acc].Fingerprint,
		"location": fmt.Sprintf("%s:%d (assets)", r.System.Profile, 10+acc),
	} {
		if !slices.Contains(props[name], want) {
			t.Errorf("prop %s = %v, want %q", name, props[name], want)
		}
	}
	if !strings.Contains(f.Remarks, "Risk accepted by Jane Doe, CISO") {
		t.Errorf("remarks = %q", f.Remarks)
	}
	if len(f.RelatedRisks) == 0 {
		t.Fatal("accepted risk finding has no related risk")
	}
	for _, rk := range res.Risks {
		if rk.UUID == f.RelatedRisks[0].RiskUUID && rk.Status != "deviation-approved" && rk.Status != "closed" {
			t.Errorf("accepted risk has status %s", rk.Status)
		}
	}
}
