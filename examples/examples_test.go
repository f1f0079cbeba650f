// Package examples_test checks the shipped example systems as a user finds
// them: every file a profile names exists and has the declared digest, the
// signed lineage verifies, and each example still has the facts its README
// says it exercises.
package examples_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/lineage"
	"github.com/aiassure/aiassure/profile"
)

// verifiedAt is the time the attestations' ages are measured at: the
// evaluation attestations must be at most 730 days old (keys/policy.yaml).
// It is fixed so that the test does not change with the calendar; move it
// when the examples are re-signed (go run tools/make_attestations.go).
var verifiedAt = time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)

func load(t *testing.T) map[string]*profile.Profile {
	t.Helper()
	files, err := filepath.Glob("*/profile.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example profiles: %v", err)
	}
	out := map[string]*profile.Profile{}
	for _, f := range files {
		p, err := profile.Load(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Dir(f)] = p
	}
	return out
}

// declared lists the files a profile names, with the field that names them.
// An evidence reference counts as a file unless it is a URL.
func declared(p *profile.Profile) map[string]string {
	out := map[string]string{}
	for _, a := range p.Assets {
		if a.Path != "" {
			out["assets["+a.ID+"].path"] = a.Path
		}
	}
	for _, c := range p.Controls {
		for j, e := range c.Evidence {
			if !strings.Contains(e.Ref, "://") {
				out[fmt.Sprintf("controls[%s].evidence[%d].ref", c.ID, j)] = e.Ref
			}
		}
	}
	if p.Artefacts.Model != "" {
		out["artefacts.model"] = p.Artefacts.Model
	}
	if p.Artefacts.Data != "" {
		out["artefacts.data"] = p.Artefacts.Data
	}
	if l := p.Lineage; l != nil {
		for i, a := range l.Attestations {
			out[fmt.Sprintf("lineage.attestations[%d]", i)] = a
		}
		for i, k := range l.Keys {
			out[fmt.Sprintf("lineage.keys[%d]", i)] = k
		}
		if l.Policy != "" {
			out["lineage.policy"] = l.Policy
		}
	}
	if p.RiskAcceptance != "" {
		out["risk_acceptance"] = p.RiskAcceptance
	}
	if p.LLM != nil && p.LLM.SystemPrompt != "" {
		out["llm.system_prompt"] = p.LLM.SystemPrompt
	}
	return out
}

func TestDeclaredFilesExist(t *testing.T) {
	for name, p := range load(t) {
		for field, rel := range declared(p) {
			if _, err := os.Stat(filepath.Join(name, filepath.FromSlash(rel))); err != nil {
				t.Errorf("%s/profile.yaml: %s: %v", name, field, err)
			}
		}
		if _, err := os.Stat(filepath.Join(name, "README.md")); err != nil {
			t.Errorf("%s: no README.md: %v", name, err)
		}
	}
}

func TestDigests(t *testing.T) {
	for name, p := range load(t) {
		for _, a := range p.Assets {
			if a.Digest == "" || a.Path == "" {
				continue
			}
			want, ok := strings.CutPrefix(a.Digest, "sha256:")
			if !ok {
				t.Errorf("%s: assets[%s]: digest %q is not sha256", name, a.ID, a.Digest)
				continue
			}
			b, err := os.ReadFile(filepath.Join(name, filepath.FromSlash(a.Path)))
			if err != nil {
				t.Errorf("%s: assets[%s]: %v", name, a.ID, err)
				continue
			}
			sum := sha256.Sum256(b)
			if got := hex.EncodeToString(sum[:]); got != want {
				t.Errorf("%s: assets[%s]: %s has sha256 %s, the profile says %s (run tools/make_examples.py)", name, a.ID, a.Path, got, want)
			}
		}
	}
}

func TestLineageVerifies(t *testing.T) {
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range load(t) {
		if p.Lineage == nil {
			continue // support-assistant deploys a hosted model: no life cycle of its own to attest
		}
		res, err := lineage.Check(context.Background(), p, c, verifiedAt)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(res) == 0 {
			t.Errorf("%s: no lineage results", name)
		}
		for _, r := range res {
			if r.Status != aiassure.Pass {
				t.Errorf("%s: %s: %s: %s (re-sign with go run tools/make_attestations.go examples/%s)", name, r.ID, r.Status, r.Summary, name)
			}
		}
	}
}

// facts are the facts of the threat analysis an example is there to
// exercise, as its README's table states them.
type facts struct {
	federated, continuous, sensor, edge bool
	formats                             []string // model formats, sorted, unique
}

func factsOf(p *profile.Profile) facts {
	f := facts{federated: p.Lifecycle.FederatedLearning, continuous: p.Lifecycle.ContinuousLearning, edge: p.Deployment.Edge}
	for _, a := range p.Assets {
		if a.Kind == "input" && a.Capture == "sensor" {
			f.sensor = true
		}
		if a.Kind == "model" && a.Format != "" { // a hosted model has no file format
			f.formats = append(f.formats, a.Format)
		}
	}
	slices.Sort(f.formats)
	f.formats = slices.Compact(f.formats)
	return f
}

func TestFacts(t *testing.T) {
	want := map[string]facts{
		"credit-scoring":     {continuous: true, formats: []string{"onnx"}},
		"medical-diagnosis":  {formats: []string{"onnx"}},
		"border-biometrics":  {sensor: true, formats: []string{"onnx"}},
		"minimal-risk":       {formats: []string{"onnx"}},
		"federated-diabetes": {federated: true, formats: []string{"onnx"}},
		"water-meter-reader": {continuous: true, sensor: true, edge: true, formats: []string{"joblib", "onnx"}},
		"support-assistant":  {},
	}
	got := load(t)
	for name, w := range want {
		p, ok := got[name]
		if !ok {
			t.Errorf("example %s is missing", name)
			continue
		}
		g := factsOf(p)
		if g.federated != w.federated || g.continuous != w.continuous || g.sensor != w.sensor || g.edge != w.edge || !slices.Equal(g.formats, w.formats) {
			t.Errorf("%s: facts %+v, want %+v (keep the profile and its README's facts table in step)", name, g, w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("example %s: add its facts to TestFacts", name)
		}
	}
}
