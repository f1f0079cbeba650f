package classify

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/profile"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenProfiles are the systems whose full Result is pinned in
// testdata/<name>.json. They run without a catalogue, so the golden files
// depend on rules.yaml and obligations.yaml alone.
var goldenProfiles = map[string]*profile.Profile{
	// Credit scoring, Annex III 5(b), profiles applicants, has a chat front end.
	"credit-scoring": prof(profile.Use{AnnexIII: refs("5b"), Profiling: true, Derogation: []string{"preparatory-task"},
		Transparency: []string{"interacts-with-persons"}}),
	// A diagnosis aid that is a safety component of a medical device needing a notified body.
	"medical-mdr": prof(profile.Use{AnnexI: &profile.AnnexIRef{Legislation: "mdr", SafetyComponent: true, ThirdParty: true}}),
	// Remote biometric identification at a border, Annex III 1(a) and 7(d).
	"border-rbi": prof(profile.Use{AnnexIII: refs("1a", "7d"), Profiling: true}),
	// A CV screening tool that only prepares a shortlist for a human.
	"cv-preparatory": prof(profile.Use{AnnexIII: refs("4a"), Derogation: []string{"preparatory-task"}}),
	// A chatbot built on a third party's general-purpose model.
	"chatbot-gpai": prof(profile.Use{GeneralPurpose: &profile.GeneralPurpose{BuiltOnThirdParty: true},
		Transparency: []string{"interacts-with-persons", "synthetic-content"}}),
	// Social scoring by a public body that also uses Annex III 5(a).
	"social-scoring": prof(profile.Use{Practices: []string{"social-scoring"}, AnnexIII: refs("5a")}),
	// The same credit scoring, by a bank that builds and uses it: provider and deployer.
	"credit-scoring-bank": func() *profile.Profile {
		p := prof(profile.Use{AnnexIII: refs("5b"), Profiling: true})
		p.Role, p.Roles = "", []string{"provider", "deployer"}
		p.Facts = map[string]string{"public_authority": "no"}
		return p
	}(),
	// Remote biometric identification by a provider that applied harmonised standards in full.
	"rbi-standards": func() *profile.Profile {
		p := prof(profile.Use{AnnexIII: refs("1a")})
		p.Facts = map[string]string{"harmonised_standards_in_full": "yes", "established_outside_union": "no"}
		return p
	}(),
	// A spam filter.
	"minimal": prof(profile.Use{}),
}

func TestGolden(t *testing.T) {
	for name, p := range goldenProfiles {
		t.Run(name, func(t *testing.T) {
			res, err := Classify(p, nil)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(res); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			path := filepath.Join("testdata", name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./classify -run TestGolden -update)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s differs (-want +got); rerun with -update if the change is intended:\n%s", path, diff)
			}
		})
	}
}

// loadCatalog loads the real catalogue.
func loadCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Load()
	if err != nil {
		t.Fatalf("catalog.Load: %v", err)
	}
	return c
}

// TestRulesAgainstCatalogue: every rule's article exists in the requirements
// catalogue (through the rule's requirement ID, or for the few rules without
// one, an AI Act requirement whose article contains it), and every date of
// the date table appears in the catalogue's applies rows.
func TestRulesAgainstCatalogue(t *testing.T) {
	c := loadCatalog(t)
	rs, err := Rules()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rs.CheckCatalog(c) {
		t.Error(p)
	}
	ob, err := Obligations()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ob.CheckCatalog(c) {
		t.Error(p)
	}
	// Articles of rules that carry no requirement ID must still be findable,
	// except those the requirement conventions leave out of the catalogue
	// (Art. 2 scope and the Art. 3 definitions).
	notCatalogued := []string{"Art. 2(", "Art. 3("}
	for _, r := range rs.Rules {
		if r.Requirement != "" {
			continue
		}
		found := false
		for _, q := range c.Requirements {
			if q.Regulation == "eu-ai-act" && articleWithin(r.Article, q.Article) {
				found = true
			}
		}
		skip := false
		for _, pre := range notCatalogued {
			skip = skip || strings.HasPrefix(r.Article, pre)
		}
		if !found && !skip {
			t.Errorf("%s:%d: rule %s: article %q has no AI Act requirement in the catalogue", RulesFile, r.Line, r.ID, r.Article)
		}
		if !found && skip {
			t.Logf("rule %s: %s is not a catalogue requirement (by the ID conventions)", r.ID, r.Article)
		}
	}
}

// TestDatesFromCatalogue: with the real catalogue, the date of every
// obligation that has a catalogue requirement comes from a catalogue row,
// and is the date the obligations file gives.
func TestDatesFromCatalogue(t *testing.T) {
	c := loadCatalog(t)
	for name, p := range goldenProfiles {
		res, err := Classify(p, c)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range res.Obligations {
			if o.Requirement != "" && !strings.HasPrefix(o.Source, "catalog requirement ") {
				t.Errorf("%s: %s (%s) falls back to the obligations file: %s", name, o.ID, o.Requirement, o.Source)
			}
		}
		plain, err := Classify(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range res.Obligations {
			if o.AppliesFrom != plain.Obligations[i].AppliesFrom {
				t.Errorf("%s: %s applies from %s in the catalogue, %s in obligations.yaml", name, o.ID, o.AppliesFrom, plain.Obligations[i].AppliesFrom)
			}
		}
	}
}

// TestGoldenIsJSONOfResult guards the golden files against hand edits that
// no longer decode into a Result.
func TestGoldenIsJSONOfResult(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	if len(files) < len(goldenProfiles) {
		t.Fatalf("%d golden files, want %d", len(files), len(goldenProfiles))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var r Result
		if err := dec.Decode(&r); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
