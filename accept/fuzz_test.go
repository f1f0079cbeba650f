package accept

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/internal/yamlx"
)

// FuzzDecode checks that no input panics, that a file comes back whole and
// valid or not at all, that every error names the file, and that Apply on
// what was decoded keeps its promises.
func FuzzDecode(f *testing.F) {
	// The seed corpus is testdata/fuzz/FuzzDecode, kept in git.
	findings := []aiassure.Finding{
		{ID: "risk/model-extraction/scoring-api", Kind: "risk", Severity: aiassure.High, Threats: []aiassure.ThreatID{"model-extraction"}, Assets: []string{"scoring-api"}},
		{ID: "risk/evasion/a, b", Kind: "risk", Severity: aiassure.Critical, Threats: []aiassure.ThreatID{"evasion"}, Assets: []string{"a", "b"}},
		{ID: "test/x", Kind: "test", Severity: aiassure.Medium, Threats: []aiassure.ThreatID{"evasion"}},
	}
	now := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Decode("fuzz.yaml", data)
		if err != nil {
			if file != nil {
				t.Fatal("file returned with an error")
			}
			var es yamlx.Errors
			if !errors.As(err, &es) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("error is %T: %v", err, err)
			}
			if len(es) == 0 || len(es) > yamlx.DefaultMaxErrors+1 {
				t.Fatalf("%d errors", len(es))
			}
			for _, e := range es {
				if e.File != "fuzz.yaml" {
					t.Fatalf("error without the file: %v", e)
				}
			}
			return
		}
		if file.APIVersion != APIVersion || file.Kind != Kind {
			t.Fatalf("decoded %q %q", file.APIVersion, file.Kind)
		}
		for i, e := range file.Accepted {
			if e.On.IsZero() || strings.TrimSpace(e.Reason) == "" || strings.TrimSpace(e.AcceptedBy) == "" {
				t.Fatalf("accepted[%d] decoded incomplete: %+v", i, e)
			}
			if !e.Until.IsZero() && e.Until.Before(e.On) {
				t.Fatalf("accepted[%d] expires before its date", i)
			}
		}
		out, problems := file.Apply(findings, now)
		if len(out) != len(findings) {
			t.Fatalf("%d findings out of %d", len(out), len(findings))
		}
		for _, x := range out {
			if a := x.Accepted; a != nil {
				if a.Date.After(now) || (!a.Expires.IsZero() && a.Expires.Before(now.Truncate(24*time.Hour))) {
					t.Fatalf("%s accepted outside the entry's dates: %+v", x.ID, a)
				}
				if x.Severity == aiassure.Critical && a.Expires.IsZero() {
					t.Fatalf("%s: critical accepted without expiry", x.ID)
				}
			}
		}
		for _, p := range problems {
			if p.Kind != KindAcceptance || p.Fingerprint != aiassure.Fingerprint(p.ID) || len(p.Locations) != 1 {
				t.Fatalf("bad problem %+v", p)
			}
		}
	})
}
