package classify

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aiassure/aiassure/profile"
)

// TestExamplesFromPurposeText is the new user's case: each shipped example
// with its use: claims and its facts removed must still be flagged, from its
// purpose text alone, for every tier-bringing conclusion it claims, and a
// system that claims none must not be flagged at all.
func TestExamplesFromPurposeText(t *testing.T) {
	paths, err := filepath.Glob("../examples/*/profile.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(filepath.Dir(path)), func(t *testing.T) {
			p, err := profile.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, r := range p.Use.AnnexIII {
				id := fmt.Sprintf("annex-iii-%d%s", r.Area, r.Point)
				if r.Area == 2 {
					id = "annex-iii-2"
				}
				want = append(want, id)
			}
			if a := p.Use.AnnexI; a != nil && a.ThirdParty {
				want = append(want, "annex-i")
			}
			qs, _ := Questions()
			for _, c := range qs.Conclusions {
				if c.Sets.Kind == "practice" && slices.Contains(p.Use.Practices, c.Sets.Value) ||
					c.Sets.Kind == "transparency" && slices.Contains(p.Use.Transparency, c.Sets.Value) {
					want = append(want, c.ID)
				}
			}
			bare := *p
			bare.Use, bare.Facts = profile.Use{}, nil
			r, err := Classify(&bare, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := openIDs(r)
			for _, id := range want {
				if !slices.Contains(got, id) {
					t.Errorf("claims %s, but from its text alone it is not flagged (open: %v)", id, got)
				}
			}
			if len(want) == 0 && len(got) > 0 {
				t.Errorf("claims nothing, but its text is flagged: %v", got)
			}
			if len(want) > 0 && !r.Provisional {
				t.Errorf("not provisional: tier %s", r.Tier)
			}
		})
	}
}

// TestPurposeOnlyProfile is the README's example of a system described by
// its purpose only.
func TestPurposeOnlyProfile(t *testing.T) {
	p, err := profile.Load("testdata/cv-screener.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Classify(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Tier != Minimal || !r.Provisional || !slices.Equal(openIDs(r), []string{"annex-iii-4a"}) {
		t.Errorf("tier %s provisional %v open %v", r.Tier, r.Provisional, openIDs(r))
	}
}

// BenchmarkClassify measures the classification of each shipped example
// (facts, claims, indicators, rules, obligations), without the catalogue.
func BenchmarkClassify(b *testing.B) {
	paths, _ := filepath.Glob("../examples/*/profile.yaml")
	for _, path := range paths {
		p, err := profile.Load(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(filepath.Dir(path)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Classify(p, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
