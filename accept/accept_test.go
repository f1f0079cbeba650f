package accept

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/internal/yamlx"
	"github.com/aiassure/aiassure/profile"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with the golden file, or rewrites it with -update.
func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", file, d)
	}
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestDecodeGood(t *testing.T) {
	files, _ := filepath.Glob("testdata/good/*.yaml")
	if len(files) == 0 {
		t.Fatal("no good files")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			f, err := Load(filepath.ToSlash(file))
			if err != nil {
				t.Fatal(err)
			}
			for i, e := range f.Accepted {
				if e.Line == 0 || e.On.IsZero() {
					t.Errorf("accepted[%d]: no line or date: %+v", i, e)
				}
			}
			golden(t, strings.TrimSuffix(file, ".yaml")+".json", marshal(t, f))
		})
	}
}

func TestDecodeBad(t *testing.T) {
	files, _ := filepath.Glob("testdata/bad/*.yaml")
	if len(files) == 0 {
		t.Fatal("no bad files")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			name := filepath.ToSlash(file)
			f, err := Load(name)
			if err == nil {
				t.Fatalf("Load succeeded: %+v", f)
			}
			if f != nil {
				t.Error("Load returned a file with its error")
			}
			var es yamlx.Errors
			if !errors.As(err, &es) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("error is %T, not yamlx.Errors and ErrInvalid: %v", err, err)
			}
			for _, e := range es {
				if e.File != name {
					t.Errorf("error without the file name: %v", e)
				}
			}
			golden(t, strings.TrimSuffix(file, ".yaml")+".err", []byte(err.Error()+"\n"))
		})
	}
}

func TestLoadMissing(t *testing.T) {
	_, err := Load("testdata/no-such-file.yaml")
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v, want a not-exist error", err)
	}
}

func TestLimits(t *testing.T) {
	head := "api_version: aiassure.dev/v1\nkind: RiskAcceptance\naccepted:\n"
	entry := func(i int) string {
		return fmt.Sprintf("  - {threat: t%d, accepted_by: CISO, reason: r, date: 2026-01-01}\n", i)
	}
	var many strings.Builder
	many.WriteString(head)
	for i := range MaxEntries + 1 {
		many.WriteString(entry(i))
	}
	tests := []struct {
		name, doc, want string
	}{
		{"size", head + "  - reason: " + strings.Repeat("x", MaxSize) + "\n", "over the limit of 1048576"},
		{"entries", many.String(), "accepted: 10001 entries, over the limit of 10000"},
		{"reason", head + "  - {threat: t, accepted_by: CISO, date: 2026-01-01, reason: " + strings.Repeat("y", MaxReason+1) + "}\n", "accepted[0].reason: is 4001 characters long, over the limit of 4000"},
		{"finding", head + "  - {finding: " + strings.Repeat("f", MaxFindingID+1) + ", accepted_by: CISO, date: 2026-01-01, reason: r}\n", "over the limit of 500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode("limits.yaml", []byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrInvalid) {
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
	// MaxEntries entries are fine.
	var ok strings.Builder
	ok.WriteString(head)
	for i := range MaxEntries {
		ok.WriteString(entry(i))
	}
	if _, err := Decode("limits.yaml", []byte(ok.String())); err != nil {
		t.Errorf("%d entries: %v", MaxEntries, err)
	}
}

// now is the day of the assessment in the Apply tests.
var now = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

func vocabulary(t *testing.T) ([]aiassure.ThreatID, []string) {
	t.Helper()
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	var threats []aiassure.ThreatID
	for _, th := range c.Threats {
		threats = append(threats, th.ID)
	}
	p, err := profile.Load("../examples/credit-scoring/profile.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var assets []string
	for _, a := range p.Assets {
		assets = append(assets, a.ID)
	}
	return threats, assets
}

// applied is what a golden file of Apply holds.
type applied struct {
	Accepted map[string]*aiassure.Acceptance `json:"accepted"` // finding ID -> acceptance
	Counting []string                        `json:"counting"` // IDs of the findings that count
	AtLeast  map[aiassure.Severity]int       `json:"at_least"` // AtLeast of findings and problems together
	Problems []aiassure.Finding              `json:"problems"`
}

func TestApply(t *testing.T) {
	data, err := os.ReadFile("testdata/apply/findings.json")
	if err != nil {
		t.Fatal(err)
	}
	var findings []aiassure.Finding
	if err := json.Unmarshal(data, &findings); err != nil {
		t.Fatal(err)
	}
	for i := range findings {
		findings[i].Fingerprint = aiassure.Fingerprint(findings[i].ID)
	}
	before := marshal(t, findings)
	threats, assets := vocabulary(t)

	files, _ := filepath.Glob("testdata/apply/*.yaml")
	if len(files) < 7 {
		t.Fatalf("%d cases", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			f, err := Load(filepath.ToSlash(file))
			if err != nil {
				t.Fatal(err)
			}
			f.SetVocabulary(threats, assets)
			out, problems := f.Apply(findings, now)
			if !bytes.Equal(marshal(t, findings), before) {
				t.Fatal("Apply changed its input")
			}
			if len(out) != len(findings) {
				t.Fatalf("%d findings out of %d", len(out), len(findings))
			}
			got := applied{Accepted: map[string]*aiassure.Acceptance{}, AtLeast: map[aiassure.Severity]int{}, Problems: append([]aiassure.Finding{}, problems...)}
			for i, x := range out {
				if x.ID != findings[i].ID {
					t.Fatalf("finding %d is %s, want %s", i, x.ID, findings[i].ID)
				}
				if x.Accepted != nil {
					got.Accepted[x.ID] = x.Accepted
				}
				if Counts(x) {
					got.Counting = append(got.Counting, x.ID)
				}
			}
			all := append(out, problems...)
			for _, s := range []aiassure.Severity{aiassure.Low, aiassure.Medium, aiassure.High, aiassure.Critical} {
				got.AtLeast[s] = AtLeast(all, s)
			}
			checkProblems(t, f, problems)
			golden(t, strings.TrimSuffix(file, ".yaml")+".golden.json", marshal(t, got))
		})
	}
}

// checkProblems checks what every problem finding must be: of kind
// acceptance, with a stable ID and fingerprint, at a line of the file.
func checkProblems(t *testing.T, f *File, problems []aiassure.Finding) {
	t.Helper()
	ids := map[string]bool{}
	for _, p := range problems {
		if p.Kind != KindAcceptance || p.Accepted != nil {
			t.Errorf("%s: kind %s, accepted %v", p.ID, p.Kind, p.Accepted)
		}
		if p.Fingerprint != aiassure.Fingerprint(p.ID) || !strings.HasPrefix(p.ID, "acceptance/") {
			t.Errorf("%s: fingerprint %s", p.ID, p.Fingerprint)
		}
		if ids[p.ID] {
			t.Errorf("%s twice", p.ID)
		}
		ids[p.ID] = true
		if len(p.Locations) != 1 || p.Locations[0].File != f.Path || p.Locations[0].Line == 0 {
			t.Errorf("%s: locations %+v", p.ID, p.Locations)
		}
		if p.Severity.Rank() < 0 {
			t.Errorf("%s: severity %q", p.ID, p.Severity)
		}
	}
}

func TestApplyNil(t *testing.T) {
	var f *File
	in := []aiassure.Finding{{ID: "risk/x", Kind: "risk", Severity: aiassure.High, Accepted: &aiassure.Acceptance{By: "stale"}}}
	out, problems := f.Apply(in, now)
	if len(problems) != 0 || len(out) != 1 || out[0].Accepted != nil {
		t.Errorf("got %+v, %+v", out, problems)
	}
	if in[0].Accepted == nil {
		t.Error("Apply changed its input")
	}
}

// A finding of kind acceptance is never accepted, not even by its fingerprint.
func TestAcceptanceFindingsCannotBeAccepted(t *testing.T) {
	id := "acceptance/expired/threat/model-extraction"
	doc := fmt.Sprintf("api_version: aiassure.dev/v1\nkind: RiskAcceptance\naccepted:\n"+
		"  - {fingerprint: %s, accepted_by: CISO, reason: r, date: 2026-01-01, expires: 2027-01-01}\n"+
		"  - {threat: model-extraction, accepted_by: CISO, reason: r, date: 2026-01-01, expires: 2027-01-01}\n", aiassure.Fingerprint(id))
	f, err := Decode("a.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	in := []aiassure.Finding{{ID: id, Fingerprint: aiassure.Fingerprint(id), Kind: KindAcceptance, Severity: aiassure.Medium, Threats: []aiassure.ThreatID{"model-extraction"}}}
	out, problems := f.Apply(in, now)
	if out[0].Accepted != nil || !Counts(out[0]) {
		t.Errorf("an acceptance finding was accepted: %+v", out[0].Accepted)
	}
	if len(problems) != 2 {
		t.Errorf("got %d problems, want both entries unmatched: %+v", len(problems), problems)
	}
}

// The example's file decodes, names a threat of the catalogue and assets of
// the example's profile, and on the day of the assessment accepts the model
// extraction risk and reports the drift acceptance as expired.
func TestCreditExample(t *testing.T) {
	const file = "../examples/credit-scoring/accepted-risks.yaml"
	f, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	threats, assets := vocabulary(t)
	f.SetVocabulary(threats, assets)
	findings := []aiassure.Finding{
		{ID: "risk/model-extraction", Kind: "risk", Severity: aiassure.High, Threats: []aiassure.ThreatID{"model-extraction"}, Assets: []string{"scoring-model", "challenger-model", "scoring-api"}},
		{ID: "risk/model-flaws-drift", Kind: "risk", Severity: aiassure.Medium, Threats: []aiassure.ThreatID{"model-flaws-drift"}, Assets: []string{"scoring-model"}},
	}
	out, problems := f.Apply(findings, now)
	if a := out[0].Accepted; a == nil || a.Expires.Year() != 2027 || a.Location.File != file || a.Location.Line == 0 {
		t.Errorf("model extraction: accepted %+v", a)
	}
	if out[1].Accepted != nil {
		t.Errorf("drift accepted by an expired entry: %+v", out[1].Accepted)
	}
	if len(problems) != 1 || problems[0].ID != "acceptance/expired/threat/model-flaws-drift/scoring-model" {
		t.Fatalf("problems: %+v", problems)
	}
	if !strings.Contains(problems[0].Detail, "These findings count again: risk/model-flaws-drift.") {
		t.Errorf("detail: %s", problems[0].Detail)
	}
	// On its last day the drift entry held, and the model extraction one,
	// made in September, did not yet.
	out, problems = f.Apply(findings, time.Date(2026, 6, 30, 23, 59, 0, 0, time.UTC))
	if out[1].Accepted == nil || out[0].Accepted != nil || len(problems) != 1 || problems[0].ID != "acceptance/not-yet-valid/threat/model-extraction" {
		t.Errorf("on 2026-06-30: accepted %v, problems %+v", out[1].Accepted, problems)
	}
}
