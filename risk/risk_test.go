package risk

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/classify"
	"github.com/aiassure/aiassure/profile"
)

// fixture loads a small catalogue of three threats and two controls.
func fixture(t *testing.T) *catalog.Catalog {
	t.Helper()
	schemas, err := catalog.Schemas()
	if err != nil {
		t.Fatal(err)
	}
	fs := fstest.MapFS{"catalog.yaml": {Data: []byte("version: 1.0.0\nchangelog: []\n")}}
	for name, b := range schemas {
		fs["schema/"+name] = &fstest.MapFile{Data: b}
	}
	for _, f := range []string{"threats", "controls"} {
		b, err := os.ReadFile(filepath.Join("testdata", "catalog-"+f+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		fs[f+".yaml"] = &fstest.MapFile{Data: b}
	}
	c, err := catalog.LoadFS(fs)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func base() *profile.Profile {
	return &profile.Profile{
		Assets: []profile.Asset{
			{ID: "train", Kind: "dataset", Sensitivity: "personal", Origin: "internal"},
			{ID: "clf", Kind: "model", Origin: "internal"},
			{ID: "api", Kind: "inference-interface", Exposure: &profile.Exposure{Public: true, Outputs: "score"}},
		},
	}
}

type row struct {
	Threat, Asset            string
	AP                       int
	Likelihood, Impact, Risk string
	Residual                 string
}

func rows(a Analysis) []row {
	var out []row
	for _, e := range a.Entries {
		out = append(out, row{string(e.Threat), e.AssetList(), e.AttackPotential, e.Likelihood.Level, e.Impact.Level, e.Risk.Level, e.Residual.Level})
	}
	return out
}

func TestAnalyze(t *testing.T) {
	c := fixture(t)
	high := classify.Result{Tier: classify.HighRisk}
	minimal := classify.Result{Tier: classify.Minimal}
	tests := []struct {
		name    string
		edit    func(p *profile.Profile)
		cls     classify.Result
		results []aiassure.Result
		want    []row
	}{
		{
			// evasion: 1+3+3+0(unlimited)+0 = 7 basic -> likely; high-risk integrity -> high; 9 critical.
			// membership: 2+6+3+0+0 = 11 -> possible; personal data in high-risk -> high; 6 critical.
			name: "public unauthenticated scores, high-risk",
			cls:  high,
			want: []row{
				{"evasion", "clf", 7, "likely", "high", "critical", "critical"},
				{"membership-inference", "train", 11, "possible", "high", "critical", "critical"},
			},
		},
		{
			// Authentication (easy, 1) and a rate limit (one step: moderate, 4) -> evasion 1+3+3+4 = 11.
			name: "authenticated and rate limited, minimal risk",
			edit: func(p *profile.Profile) {
				p.Assets[2].Exposure.Authentication = true
				p.Assets[2].Exposure.RateLimit = 60
			},
			cls: minimal,
			want: []row{
				{"membership-inference", "train", 15, "possible", "medium", "major", "major"},
				{"evasion", "clf", 11, "possible", "low", "minor", "minor"},
			},
		},
		{
			// Labels only: evasion elapsed time and expertise one step up: 2+6+3+0+0 = 11.
			name: "labels only",
			edit: func(p *profile.Profile) { p.Assets[2].Exposure.Outputs = "label" },
			cls:  high,
			want: []row{
				{"evasion", "clf", 11, "possible", "high", "critical", "critical"},
				{"membership-inference", "train", 15, "possible", "high", "critical", "critical"},
			},
		},
		{
			name: "third-party data opens poisoning; implemented control lowers residual",
			edit: func(p *profile.Profile) {
				p.Assets[0].Origin = "third-party"
				p.Controls = []profile.Control{{ID: "c-rate-limiting", Status: "implemented"}}
			},
			cls: high,
			// data poisoning: 4+3+3+4+0 = 14 -> possible; integrity high-risk -> high -> critical, no control.
			// Rate limiting takes evasion from likely to possible (still critical) and membership inference
			// from possible to unlikely (major).
			want: []row{
				{"evasion", "clf", 7, "likely", "high", "critical", "critical"},
				{"data-poisoning", "train", 14, "possible", "high", "critical", "critical"},
				{"membership-inference", "train", 11, "possible", "high", "critical", "major"},
			},
		},
		{
			name: "a failed evasion test makes the attack likely and voids controls",
			edit: func(p *profile.Profile) {
				p.Controls = []profile.Control{{ID: "c-adversarial-training", Status: "implemented"}}
			},
			cls:     minimal,
			results: []aiassure.Result{{ID: "evasion/pgd", Check: "evasion/pgd", Status: aiassure.Fail, Threats: []aiassure.ThreatID{"evasion"}}},
			want: []row{
				{"membership-inference", "train", 11, "possible", "medium", "major", "major"},
				{"evasion", "clf", 7, "likely", "low", "major", "major"},
			},
		},
		{
			name: "a passed test and a control lower the residual two steps",
			edit: func(p *profile.Profile) {
				p.Controls = []profile.Control{{ID: "c-adversarial-training", Status: "implemented"}}
			},
			cls:     minimal,
			results: []aiassure.Result{{ID: "evasion/pgd", Check: "evasion/pgd", Status: aiassure.Pass, Threats: []aiassure.ThreatID{"evasion"}}},
			want: []row{
				{"membership-inference", "train", 11, "possible", "medium", "major", "major"},
				{"evasion", "clf", 7, "likely", "low", "major", "minor"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base()
			if tt.edit != nil {
				tt.edit(p)
			}
			a, err := Analyze(Input{Profile: p, Catalog: c, Classification: tt.cls, Results: tt.results})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, rows(a)); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScoringMatchesVocabulary(t *testing.T) {
	s, err := LoadScoring()
	if err != nil {
		t.Fatal(err)
	}
	// Spot-check the TVRA matrix: likely x high is critical, unlikely x low minor, possible x medium major.
	for _, tc := range []struct {
		l, i int
		want string
	}{{3, 3, "critical"}, {1, 1, "minor"}, {2, 2, "major"}, {1, 3, "major"}, {2, 3, "critical"}} {
		got := s.risk(s.Likelihood.byValue(tc.l), s.Impact.byValue(tc.i))
		if got.Level != tc.want {
			t.Errorf("risk(%d x %d) = %s, want %s", tc.l, tc.i, got.Level, tc.want)
		}
	}
}

// TestEvidenceScope checks which threats a result is evidence about: the
// threat it names and the broader threats above it, never the refinements
// of a broader threat it names; and the threats the catalogue says its
// results bound (a white-box evasion test bounds black-box evasion).
func TestEvidenceScope(t *testing.T) {
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		result, entry aiassure.ThreatID
		want          bool
	}{
		{"evasion-white-box", "evasion-white-box", true},
		{"evasion-white-box", "evasion", true},
		{"evasion", "evasion-white-box", false},
		{"model-flaws", "model-flaws-memorisation", false},
		{"evasion-white-box", "evasion-black-box-score", true},
		{"evasion-white-box", "evasion-transfer", true},
		{"evasion-black-box-score", "evasion-white-box", false},
		{"evasion-white-box", "evasion-physical", false},
	} {
		if got := speaksTo(c, []aiassure.ThreatID{tc.result}, tc.entry); got != tc.want {
			t.Errorf("a result on %s is evidence about %s: %v, want %v", tc.result, tc.entry, got, tc.want)
		}
	}
}
