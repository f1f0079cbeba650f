package store

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/lineage"
)

// fixture is two models on disk with signed attestations: model A from a
// prepared data set made of raw a.csv and b.csv, model B from raw c.csv
// alone, and an evaluation of A.
type fixture struct {
	root   string
	inputs []lineage.Input
	keys   []*lineage.Verifier
	signer *lineage.Signer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{root: t.TempDir()}
	for name, content := range map[string]string{
		"raw/a.csv": "x\n1\n", "raw/b.csv": "x\n2\n", "raw/c.csv": "x\n3\n", "train.csv": "x\n1\n2\n",
		"train.py": "fit()\n", "a.onnx": "weights A", "b.onnx": "weights B",
	} {
		p := filepath.Join(f.root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if f.signer, err = lineage.GenerateKey(lineage.KeyEd25519); err != nil {
		t.Fatal(err)
	}
	f.keys = []*lineage.Verifier{f.signer.Verifier()}
	res, _ := json.Marshal([]aiassure.Result{{ID: "metrics/accuracy", Check: "metrics", Status: aiassure.Pass, Summary: "ok"}})
	when := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, o := range []lineage.AttestOptions{
		{Step: lineage.StepData, Subjects: []string{"train.csv"}, Materials: []lineage.Material{{Path: "raw/a.csv", Role: lineage.RoleInput}, {Path: "raw/b.csv", Role: lineage.RoleInput}}},
		{Step: lineage.StepTraining, Subjects: []string{"a.onnx"}, Materials: []lineage.Material{{Path: "train.csv", Role: lineage.RoleDataset}, {Path: "train.py", Role: lineage.RoleCode}}},
		{Step: lineage.StepTraining, Subjects: []string{"b.onnx"}, Materials: []lineage.Material{{Path: "raw/c.csv", Role: lineage.RoleDataset}, {Path: "train.py", Role: lineage.RoleCode}}},
		{Step: lineage.StepEvaluation, Subjects: []string{"a.onnx"}, Predicate: res},
	} {
		o.Root, o.Finished = f.root, when
		f.inputs = append(f.inputs, f.attest(t, o, f.signer))
		when = when.Add(time.Hour)
	}
	return f
}

func (f *fixture) attest(t *testing.T, o lineage.AttestOptions, s *lineage.Signer) lineage.Input {
	t.Helper()
	if o.Root == "" {
		o.Root = f.root
	}
	env, _, err := lineage.Attest(context.Background(), o, s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return lineage.Input{Name: string(o.Step) + "-" + o.Subjects[0] + ".json", Data: b}
}

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// names lists the graph's artefact names and step kinds, sorted.
func names(g *lineage.Graph) []string {
	var out []string
	for _, n := range g.Nodes {
		if n.Kind == "artefact" {
			out = append(out, strings.Join(n.Names, ","))
		} else {
			out = append(out, "step "+string(n.Step))
		}
	}
	sort.Strings(out)
	return out
}

func modelNames(g *lineage.Graph) []string {
	var out []string
	for _, m := range g.Models() {
		out = append(out, strings.Join(m.Names, ","))
	}
	sort.Strings(out)
	return out
}

func TestIndexAndQuery(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	db := filepath.Join(t.TempDir(), "lineage.db")
	s := open(t, db)
	out, err := s.Index(ctx, f.inputs, f.keys)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out {
		if o.Err != nil || !o.New || len(o.Payload) != 64 {
			t.Errorf("%s: %+v", o.Name, o)
		}
	}
	// In memory, from the same attestations: the reference answers.
	var atts []*lineage.Attestation
	for _, in := range f.inputs {
		a, err := lineage.VerifyEnvelope(in, f.keys)
		if err != nil {
			t.Fatal(err)
		}
		atts = append(atts, a)
	}
	mem := lineage.BuildGraph(atts)

	tests := []struct {
		name, ref string
		forward   bool
		want      []string
		models    []string
	}{
		{"which models used a.csv", "raw/a.csv", true, []string{"a.onnx", "raw/a.csv", "step data", "step evaluation", "step training", "train.csv"}, []string{"a.onnx"}},
		{"which models used c.csv", "raw/c.csv", true, []string{"b.onnx", "raw/c.csv", "step training"}, []string{"b.onnx"}},
		{"which models used the code", "train.py", true, []string{"a.onnx", "b.onnx", "step evaluation", "step training", "step training", "train.py"}, []string{"a.onnx", "b.onnx"}},
		{"what did a.onnx come from", "a.onnx", false, []string{"a.onnx", "raw/a.csv", "raw/b.csv", "step data", "step training", "train.csv", "train.py"}, []string{"a.onnx"}},
		{"what did b.onnx come from", "b.onnx", false, []string{"b.onnx", "raw/c.csv", "step training", "train.py"}, []string{"b.onnx"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, err := s.Find(ctx, tt.ref)
			if err != nil || len(ids) != 1 {
				t.Fatalf("find %s: %v %v", tt.ref, ids, err)
			}
			var g, ref *lineage.Graph
			if tt.forward {
				g, err = s.Descendants(ctx, ids)
				ref = mem.Descendants(mem.Find(tt.ref)...)
			} else {
				g, err = s.Ancestors(ctx, ids)
				ref = mem.Ancestors(mem.Find(tt.ref)...)
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, names(g)); diff != "" {
				t.Errorf("nodes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(names(ref), names(g)); diff != "" {
				t.Errorf("store differs from the in-memory graph (-memory +store):\n%s", diff)
			}
			if len(g.Edges) != len(ref.Edges) {
				t.Errorf("%d edges, in memory %d", len(g.Edges), len(ref.Edges))
			}
			if diff := cmp.Diff(tt.models, modelNames(g)); diff != "" {
				t.Errorf("models (-want +got):\n%s", diff)
			}
		})
	}
	// A digest prefix finds the same artefact; a short prefix does not.
	ids, _ := s.Find(ctx, "a.onnx")
	if got, _ := s.Find(ctx, strings.TrimPrefix(ids[0], "sha256:")[:10]); !cmp.Equal(got, ids) {
		t.Errorf("find by prefix: %v, want %v", got, ids)
	}
	if got, _ := s.Find(ctx, strings.TrimPrefix(ids[0], "sha256:")[:6]); len(got) != 0 {
		t.Errorf("6-digit prefix found %v", got)
	}
	// The whole graph equals the in-memory one, step times and signers included.
	all, err := s.Graph(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(names(mem), names(all)); diff != "" {
		t.Errorf("whole graph (-memory +store):\n%s", diff)
	}
	for _, n := range all.Nodes {
		if n.Kind == "step" && (n.Time.IsZero() || n.Signer == "" || !strings.HasSuffix(n.Attestation, ".json")) {
			t.Errorf("step node lost its details: %+v", n)
		}
	}

	// Re-indexing is idempotent; the store survives closing.
	s.Close()
	s2 := open(t, db)
	out, err = s2.Index(ctx, f.inputs[:1], f.keys)
	if err != nil || out[0].New || out[0].Err != nil {
		t.Errorf("re-index: %+v, %v", out, err)
	}
	again, err := s2.Graph(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(names(all), names(again)); diff != "" {
		t.Errorf("after reopening (-before +after):\n%s", diff)
	}
}

// TestIndexOnlyVerified checks that envelopes that fail verification leave
// nothing in the store, whatever they claim.
func TestIndexOnlyVerified(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	other, err := lineage.GenerateKey(lineage.KeyEd25519)
	if err != nil {
		t.Fatal(err)
	}
	// Signed by an untrusted key: claims c.csv made a.onnx.
	untrusted := f.attest(t, lineage.AttestOptions{Step: lineage.StepTraining, Subjects: []string{"a.onnx"},
		Materials: []lineage.Material{{Path: "raw/c.csv", Role: lineage.RoleDataset}}}, other)
	// Signed by the trusted key, then altered.
	tampered := f.attest(t, lineage.AttestOptions{Step: lineage.StepTraining, Subjects: []string{"b.onnx"},
		Materials: []lineage.Material{{Path: "raw/a.csv", Role: lineage.RoleDataset}}}, f.signer)
	env, err := lineage.ParseEnvelope(tampered.Data)
	if err != nil {
		t.Fatal(err)
	}
	env.Payload = []byte(strings.Replace(string(env.Payload), "b.onnx", "x.onnx", 1))
	tampered.Data, _ = env.Marshal()
	garbage := lineage.Input{Name: "garbage.json", Data: []byte("{")}

	s := open(t, filepath.Join(t.TempDir(), "l.db"))
	out, err := s.Index(ctx, []lineage.Input{untrusted, tampered, garbage, f.inputs[2]}, f.keys)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []error{lineage.ErrWrongKey, lineage.ErrBadSignature, lineage.ErrMalformed, nil} {
		if !errors.Is(out[i].Err, want) || (want == nil) != out[i].New {
			t.Errorf("%s: %+v, want %v", out[i].Name, out[i], want)
		}
	}
	g, err := s.Graph(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"b.onnx", "raw/c.csv", "step training", "train.py"}, names(g)); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
	ids, _ := s.Find(ctx, "raw/a.csv")
	if len(ids) != 0 {
		t.Errorf("a.csv is in the store: %v", ids)
	}
}

func TestOpenRejectsOtherSchema(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "l.db")
	s := open(t, p)
	if _, err := s.db.ExecContext(ctx, "PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(ctx, p); err == nil || !strings.Contains(err.Error(), "schema version 99") {
		t.Errorf("open: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "not.db")
	os.WriteFile(bad, []byte("not a database, just text that is long enough to look like a header......"), 0o644)
	if _, err := Open(ctx, bad); err == nil {
		t.Error("opened a text file as a database")
	}
}
