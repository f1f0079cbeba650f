package lineage

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aiassure/aiassure"
)

// chain is a small life cycle on disk: raw data, a prepared data set, code,
// a model, signed attestations of the four steps and a policy.
type chain struct {
	root, atts string
	data, ml   *Signer
	policy     *Policy
	now        time.Time
}

func write(t *testing.T, root, name, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustKey(t *testing.T, kind string) *Signer {
	t.Helper()
	s, err := GenerateKey(kind)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (c *chain) attest(t *testing.T, name string, opts AttestOptions, s *Signer) {
	t.Helper()
	opts.Root = c.root
	env, _, err := Attest(context.Background(), opts, s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.atts, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

var results = []aiassure.Result{{ID: "metrics/accuracy", Check: "metrics", Status: aiassure.Pass, Summary: "accuracy 0.9"}}

func newChain(t *testing.T) *chain {
	t.Helper()
	c := &chain{root: t.TempDir(), atts: t.TempDir(), data: mustKey(t, KeyEd25519), ml: mustKey(t, KeyECDSAP256)}
	c.now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	write(t, c.root, "data/raw/a.csv", "x,y\n1,0\n")
	write(t, c.root, "data/raw/b.csv", "x,y\n2,1\n")
	write(t, c.root, "data/train.csv", "x,y\n1,0\n2,1\n")
	write(t, c.root, "code/prep.py", "print('prep')\n")
	write(t, c.root, "code/train.py", "print('train')\n")
	write(t, c.root, "model/model.onnx", "weights v1")
	res, _ := json.Marshal(results)
	day := func(d int) time.Time { return c.now.AddDate(0, 0, -d) }
	c.attest(t, "1-data.json", AttestOptions{Step: StepData, Subjects: []string{"data/train.csv"},
		Materials:  []Material{{Path: "data/raw", Role: RoleInput}, {Path: "code/prep.py", Role: RoleCode}},
		Parameters: map[string]any{"split": "70/30"}, Finished: day(10)}, c.data)
	c.attest(t, "2-training.json", AttestOptions{Step: StepTraining, Subjects: []string{"model/model.onnx"},
		Materials: []Material{{Path: "data/train.csv", Role: RoleDataset}, {Path: "code/train.py", Role: RoleCode}}, Finished: day(9)}, c.ml)
	c.attest(t, "3-evaluation.json", AttestOptions{Step: StepEvaluation, Subjects: []string{"model/model.onnx"}, Predicate: res, Finished: day(8)}, c.ml)
	c.attest(t, "4-release.json", AttestOptions{Step: StepRelease, Subjects: []string{"model/model.onnx"},
		Materials: []Material{{Path: "data/train.csv", Role: RoleDataset}}, Finished: day(7)}, c.ml)
	keys := t.TempDir()
	for n, s := range map[string]*Signer{"data": c.data, "ml": c.ml} {
		b, err := s.Verifier().MarshalPublicKey()
		if err != nil {
			t.Fatal(err)
		}
		write(t, keys, n+".pub", string(b))
	}
	pol := `version: 1
model: model/model.onnx
keys:
  - {name: data-steward, file: data.pub}
  - {name: ml-team, file: ml.pub}
steps:
  data: {required: true, signers: [data-steward]}
  training: {required: true, signers: [ml-team], datasets_from: data}
  evaluation: {required: true, signers: [ml-team], max_age: 30d, require_pass: true}
  release: {required: true, signers: [ml-team]}
`
	write(t, keys, "policy.yaml", pol)
	p, err := LoadPolicy(filepath.Join(keys, "policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c.policy = p
	return c
}

func (c *chain) verify(t *testing.T, policy bool) *Report {
	t.Helper()
	in, err := LoadInputs([]string{c.atts})
	if err != nil {
		t.Fatal(err)
	}
	opts := VerifyOptions{Root: c.root, Now: c.now}
	if policy {
		opts.Policy = c.policy
	} else {
		opts.Keys = []*Verifier{c.data.Verifier(), c.ml.Verifier()}
	}
	r, err := Verify(context.Background(), in, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// got summarises problems as kind, path, step, attestation base name.
type got struct{ Kind, Path, Step, Att string }

func summarise(r *Report) []got {
	var out []got
	for _, p := range r.Problems {
		att := ""
		if p.Attestation != "" {
			att = filepath.Base(p.Attestation)
		}
		out = append(out, got{p.KindName(), p.Path, string(p.Step), att})
	}
	return out
}

func TestVerifyIntact(t *testing.T) {
	c := newChain(t)
	for _, pol := range []bool{false, true} {
		r := c.verify(t, pol)
		if err := r.Err(); err != nil {
			t.Fatalf("policy=%v: intact chain fails: %v", pol, err)
		}
		if len(r.Attestations) != 4 {
			t.Fatalf("verified %d attestations, want 4", len(r.Attestations))
		}
	}
}

func TestVerifyTamper(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy bool
		tamper func(t *testing.T, c *chain)
		want   []got
		kind   error
	}{
		{"changed byte in data file", false, func(t *testing.T, c *chain) {
			write(t, c.root, "data/train.csv", "x,y\n1,0\n2,0\n")
		}, []got{{"digest-mismatch", "data/train.csv", "release", "4-release.json"}}, ErrDigestMismatch},
		{"changed raw file", false, func(t *testing.T, c *chain) {
			write(t, c.root, "data/raw/b.csv", "x,y\n2,9\n")
		}, []got{{"digest-mismatch", "data/raw/b.csv", "data", "1-data.json"}}, ErrDigestMismatch},
		{"added file", false, func(t *testing.T, c *chain) {
			write(t, c.root, "data/raw/c.csv", "x,y\n3,1\n")
		}, []got{{"file-added", "data/raw/c.csv", "data", "1-data.json"}}, ErrFileAdded},
		{"removed file", false, func(t *testing.T, c *chain) {
			os.Remove(filepath.Join(c.root, "data/raw/a.csv"))
		}, []got{{"file-removed", "data/raw/a.csv", "data", "1-data.json"}}, ErrFileRemoved},
		{"renamed file", false, func(t *testing.T, c *chain) {
			os.Rename(filepath.Join(c.root, "data/raw/a.csv"), filepath.Join(c.root, "data/raw/z.csv"))
		}, []got{{"file-renamed", "data/raw/a.csv", "data", "1-data.json"}}, ErrFileRenamed},
		{"changed model", false, func(t *testing.T, c *chain) {
			write(t, c.root, "model/model.onnx", "weights v2")
		}, []got{{"digest-mismatch", "model/model.onnx", "release", "4-release.json"}}, ErrDigestMismatch},
		{"wrong key", false, func(t *testing.T, c *chain) {
			c.attest(t, "1-data.json", AttestOptions{Step: StepData, Subjects: []string{"data/train.csv"}}, mustKey(t, KeyEd25519))
		}, []got{{"wrong-key", "", "", "1-data.json"}}, ErrWrongKey},
		{"wrong signer for step", true, func(t *testing.T, c *chain) {
			c.attest(t, "1-data.json", AttestOptions{Step: StepData, Subjects: []string{"data/train.csv"}, Finished: c.now}, c.ml)
		}, []got{
			{"wrong-key", "", "data", "1-data.json"},
			// The training data set is then no longer attested by an allowed data step.
			{"unattested-source", "data/train.csv", "training", "2-training.json"},
		}, ErrWrongKey},
		{"payload altered after signing", false, func(t *testing.T, c *chain) {
			p := filepath.Join(c.atts, "3-evaluation.json")
			b, _ := os.ReadFile(p)
			e, err := ParseEnvelope(b)
			if err != nil {
				t.Fatal(err)
			}
			e.Payload = []byte(string(e.Payload[:len(e.Payload)-1]) + " }")
			b, _ = e.Marshal()
			os.WriteFile(p, b, 0o644)
		}, []got{{"bad-signature", "", "", "3-evaluation.json"}}, ErrBadSignature},
		{"expired evaluation", true, func(t *testing.T, c *chain) {
			res, _ := json.Marshal(results)
			c.attest(t, "3-evaluation.json", AttestOptions{Step: StepEvaluation, Subjects: []string{"model/model.onnx"}, Predicate: res, Finished: c.now.AddDate(0, 0, -31)}, c.ml)
		}, []got{{"expired", "", "evaluation", "3-evaluation.json"}}, ErrExpired},
		{"missing evaluation", true, func(t *testing.T, c *chain) {
			os.Remove(filepath.Join(c.atts, "3-evaluation.json"))
		}, []got{{"missing-attestation", "model/model.onnx", "evaluation", ""}}, ErrMissingAttestation},
		{"replayed attestation for another subject", true, func(t *testing.T, c *chain) {
			// An evaluation signed for another model, placed beside the chain.
			res, _ := json.Marshal(results)
			write(t, c.root, "model/model.onnx", "weights other")
			c.attest(t, "5-evaluation-other.json", AttestOptions{Step: StepEvaluation, Subjects: []string{"model/model.onnx"}, Predicate: res, Finished: c.now}, c.ml)
			write(t, c.root, "model/model.onnx", "weights v1")
		}, []got{{"replayed", "model/model.onnx", "evaluation", "5-evaluation-other.json"}}, ErrReplayed},
		{"data poisoned between data step and training", true, func(t *testing.T, c *chain) {
			write(t, c.root, "data/train.csv", "x,y\n1,1\n2,1\n")
			c.attest(t, "2-training.json", AttestOptions{Step: StepTraining, Subjects: []string{"model/model.onnx"},
				Materials: []Material{{Path: "data/train.csv", Role: RoleDataset}}, Finished: c.now.AddDate(0, 0, -9)}, c.ml)
			os.Remove(filepath.Join(c.atts, "4-release.json"))
			c.attest(t, "4-release.json", AttestOptions{Step: StepRelease, Subjects: []string{"model/model.onnx"}, Finished: c.now}, c.ml)
		}, []got{
			{"digest-mismatch", "data/train.csv", "data", "1-data.json"},
			{"unattested-source", "data/train.csv", "training", "2-training.json"},
		}, ErrDigestMismatch},
		{"malformed envelope", false, func(t *testing.T, c *chain) {
			write(t, c.atts, "0-bad.json", `{"payloadType":"x","payload":"!!","signatures":[]}`)
		}, []got{{"malformed", "", "", "0-bad.json"}}, ErrMalformed},
		{"failed evaluation", true, func(t *testing.T, c *chain) {
			res, _ := json.Marshal([]aiassure.Result{{ID: "evasion/pgd", Status: aiassure.Fail}})
			c.attest(t, "3-evaluation.json", AttestOptions{Step: StepEvaluation, Subjects: []string{"model/model.onnx"}, Predicate: res, Finished: c.now}, c.ml)
		}, []got{{"evaluation-failed", "model/model.onnx", "evaluation", "3-evaluation.json"}}, ErrEvaluationFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newChain(t)
			tc.tamper(t, c)
			r := c.verify(t, tc.policy)
			if diff := cmp.Diff(tc.want, summarise(r)); diff != "" {
				t.Errorf("problems (-want +got):\n%s\n%v", diff, r.Err())
			}
			if !errors.Is(r.Err(), tc.kind) {
				t.Errorf("errors.Is(%v, %v) = false", r.Err(), tc.kind)
			}
		})
	}
}

func TestSymlinkOutsideRefused(t *testing.T) {
	root, out := t.TempDir(), t.TempDir()
	write(t, out, "secret", "s")
	write(t, root, "a", "a")
	if err := os.Symlink(filepath.Join(out, "secret"), filepath.Join(root, "link")); err != nil {
		t.Skip(err)
	}
	if _, err := Hash(context.Background(), root, HashOptions{}); !errors.Is(err, ErrUnsafePath) {
		t.Fatalf("Hash with a link outside the root: %v, want ErrUnsafePath", err)
	}
	m, err := Hash(context.Background(), root, HashOptions{Symlinks: SymlinksSkip})
	if err != nil || len(m.Resources) != 1 || len(m.Notes) != 1 {
		t.Fatalf("skip links: %v %+v", err, m)
	}
}
