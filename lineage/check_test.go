package lineage

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/profile"
)

func statuses(rs []aiassure.Result) map[string]aiassure.Status {
	m := map[string]aiassure.Status{}
	for _, r := range rs {
		m[r.Check] = r.Status
	}
	return m
}

func exampleProfile(t *testing.T, name string) *profile.Profile {
	t.Helper()
	p, err := profile.Load(filepath.Join("..", "examples", name, "profile.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p.Lineage = &profile.Lineage{
		Attestations: []string{"attestations"},
		Keys:         []string{"keys/data-steward.pub", "keys/ml-team.pub"},
		Policy:       "keys/policy.yaml",
	}
	return p
}

func TestCheckExamples(t *testing.T) {
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	all := func(s aiassure.Status) map[string]aiassure.Status {
		return map[string]aiassure.Status{"lineage/data": s, "lineage/training": s, "lineage/scan": s, "lineage/evaluation": s, "lineage/release": s}
	}
	for _, ex := range []string{"credit-scoring", "border-biometrics", "medical-diagnosis", "minimal-risk"} {
		t.Run(ex, func(t *testing.T) {
			rs, err := Check(context.Background(), exampleProfile(t, ex), c, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(all(aiassure.Pass), statuses(rs)); diff != "" {
				t.Errorf("statuses (-want +got):\n%s\n%+v", diff, rs)
			}
			for _, r := range rs {
				if len(r.Controls) == 0 || len(r.Threats) == 0 || len(r.Requirements) == 0 || len(r.Evidence) == 0 {
					t.Errorf("%s: missing controls, threats, requirements or evidence: %+v", r.Check, r)
				}
				for _, id := range r.Controls {
					if _, ok := c.Control(id); !ok {
						t.Errorf("%s: control %s not in the catalogue", r.Check, id)
					}
				}
			}
		})
	}
	t.Run("no lineage section", func(t *testing.T) {
		p := exampleProfile(t, "minimal-risk")
		p.Lineage = nil
		rs, err := Check(context.Background(), p, c, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(all(aiassure.Unknown), statuses(rs)); diff != "" {
			t.Errorf("statuses (-want +got):\n%s", diff)
		}
		if rs[0].Reason == "" {
			t.Error("unknown result without a reason")
		}
	})
	t.Run("tampered model in a copy", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "examples", "minimal-risk"))); err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, "model", "mlp.onnx")
		b, _ := os.ReadFile(f)
		b[len(b)/2] ^= 1
		os.WriteFile(f, b, 0o644)
		p := exampleProfile(t, "minimal-risk")
		p.Path = filepath.Join(dir, "profile.yaml")
		rs, err := Check(context.Background(), p, c, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		// The last step to attest the model is the release: the change is
		// reported there, and the policy then finds no training, scan,
		// evaluation or release attestation of the model on disk.
		want := map[string]aiassure.Status{"lineage/data": aiassure.Pass, "lineage/training": aiassure.Fail,
			"lineage/scan": aiassure.Fail, "lineage/evaluation": aiassure.Fail, "lineage/release": aiassure.Fail}
		if diff := cmp.Diff(want, statuses(rs)); diff != "" {
			t.Errorf("statuses (-want +got):\n%s\n%+v", diff, rs)
		}
	})
}
