package lineage

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seeds adds the files of testdata/seeds whose names start with prefix.
func seeds(f *testing.F, prefix string) {
	files, _ := filepath.Glob(filepath.Join("testdata", "seeds", prefix+"*"))
	if len(files) == 0 {
		f.Fatalf("no seeds %s*", prefix)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzParseManifest(f *testing.F) {
	seeds(f, "manifest")
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"name":"x","digest":{"sha256":""},"serialization":{"method":"shards","hash_type":"sha256","shard_size":4},"resources":[{"name":"a:0:4","algorithm":"sha256-sharded-4","digest":"00"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			return
		}
		// A manifest that parses survives a round trip unchanged.
		b, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		m2, err := ParseManifest(b)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if m2.Digest["sha256"] != m.Digest["sha256"] || len(m2.Resources) != len(m.Resources) {
			t.Fatal("round trip changed the manifest")
		}
	})
}

func FuzzParseEnvelope(f *testing.F) {
	seeds(f, "envelope")
	f.Add([]byte(`{"payloadType":"a","payload":"","signatures":[{"sig":"AA"}]}`))
	key, err := GenerateKey(KeyEd25519)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEnvelope(data)
		if err != nil {
			return
		}
		// No fuzzed envelope verifies with a key that did not sign it.
		if _, err := e.Verify([]*Verifier{key.Verifier()}); err == nil {
			t.Fatal("a fuzzed envelope verified")
		}
		if _, err := ParseStatement(e.Payload); err == nil {
			if st, _ := ParseStatement(e.Payload); st != nil {
				interpret(st) // must not panic
			}
		}
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseEnvelope(b); err != nil {
			t.Fatalf("re-parse: %v", err)
		}
	})
}

func FuzzParsePolicy(f *testing.F) {
	seeds(f, "policy")
	f.Add([]byte("version: 1\nsteps: {data: {max_age: 1d}}\n"))
	f.Add([]byte("version: 1\nsteps: {training: {datasets_from: release}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy("fuzz.yaml", data)
		if err != nil {
			if !strings.Contains(err.Error(), "malformed") {
				t.Fatalf("error without the malformed kind: %v", err)
			}
			return
		}
		if p.Version != PolicyVersion {
			t.Fatal("accepted a wrong version")
		}
		for s, sp := range p.Steps {
			if !s.Valid() {
				t.Fatalf("accepted step %q", s)
			}
			if sp.MaxAge != "" && p.maxAge[s] <= 0 {
				t.Fatalf("max_age %q parsed to %v", sp.MaxAge, p.maxAge[s])
			}
		}
	})
}

// TestWriteManifestSeed keeps the manifest seed current: run with -update.
func TestWriteManifestSeed(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a.bin", strings.Repeat("a", 10))
	write(t, root, "d/b.bin", "b")
	write(t, root, "d/empty", "")
	for _, tc := range []struct {
		file string
		opts HashOptions
	}{
		{"manifest-files.json", HashOptions{}},
		{"manifest-shards.json", HashOptions{Method: MethodShards, ShardSize: 4}},
	} {
		m, err := Hash(context.Background(), root, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		m.Name = "tree"
		b, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join("testdata", "seeds", tc.file)
		if *update {
			os.WriteFile(p, b, 0o644)
		}
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if string(want) != string(b) {
			t.Errorf("%s differs from the manifest of the same tree (run with -update if intended):\n%s", p, b)
		}
		if _, err := ParseManifest(want); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// FuzzParseKey checks that no key file panics the PEM and key parsers, and
// that a public key that parses has an ID.
func FuzzParseKey(f *testing.F) {
	for _, p := range []string{"../examples/credit-scoring/keys/ml-team.pub", "../examples/credit-scoring/keys/data-steward.pub"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n"))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if v, err := ParsePublicKey(data); err == nil && v.ID == "" {
			t.Fatal("public key without an ID")
		}
		_, _ = ParsePrivateKey(data)
	})
}
