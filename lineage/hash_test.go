package lineage

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files and seeds")

func sum(b []byte) string { d := sha256.Sum256(b); return hex.EncodeToString(d[:]) }

func TestHashMatchesSHA256(t *testing.T) {
	root := t.TempDir()
	big := make([]byte, 3<<20+17)
	rand.Read(big)
	write(t, root, "big.bin", string(big))
	write(t, root, "sub/small.txt", "hello\n")
	write(t, root, "sub/empty", "")
	var mu sync.Mutex
	var last Progress
	m, err := Hash(context.Background(), root, HashOptions{Workers: 3, BufferSize: 4096, Progress: func(p Progress) {
		mu.Lock()
		last = p
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"big.bin": sum(big), "sub/small.txt": sum([]byte("hello\n")), "sub/empty": sum(nil)}
	if diff := cmp.Diff(want, m.FileDigests()); diff != "" {
		t.Errorf("digests (-want +got):\n%s", diff)
	}
	if !last.Done || last.BytesDone != int64(len(big)+6) || last.FilesDone != 3 {
		t.Errorf("final progress %+v", last)
	}
	// Root digest: SHA-256 over the raw digests in name order.
	h := sha256.New()
	for _, n := range []string{"big.bin", "sub/empty", "sub/small.txt"} {
		b, _ := hex.DecodeString(want[n])
		h.Write(b)
	}
	if got := m.Digest["sha256"]; got != hex.EncodeToString(h.Sum(nil)) {
		t.Errorf("root digest %s", got)
	}
	// Shards: each shard's digest is the SHA-256 of its bytes.
	const shard = 1 << 20
	ms, err := Hash(context.Background(), root, HashOptions{Method: MethodShards, ShardSize: shard, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	got := ms.FileDigests()
	for s := 0; s < len(big); s += shard {
		e := min(s+shard, len(big))
		if d := got[fmt.Sprintf("big.bin:%d:%d", s, e)]; d != sum(big[s:e]) {
			t.Errorf("shard %d:%d digest %s", s, e, d)
		}
	}
	if got["sub/empty:0:0"] != sum(nil) || len(ms.Resources) != 4+2 {
		t.Errorf("shard resources: %v", ms.Resources)
	}
	b, _ := ms.Marshal()
	if _, err := ParseManifest(b); err != nil {
		t.Errorf("sharded manifest does not parse: %v", err)
	}
	// A single file hashes to a one-resource manifest.
	one, err := Hash(context.Background(), filepath.Join(root, "sub", "small.txt"), HashOptions{})
	if err != nil || one.Resources[0].Name != "small.txt" {
		t.Errorf("single file: %v %+v", err, one)
	}
}

func TestHashCancel(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a", strings.Repeat("x", 1<<20))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Hash(ctx, root, HashOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled hash: %v", err)
	}
}

func TestHashSpecialFiles(t *testing.T) {
	root := t.TempDir()
	write(t, root, "data/a", "a")
	if err := os.Symlink("a", filepath.Join(root, "data", "link")); err != nil {
		t.Skip(err)
	}
	os.Symlink("data", filepath.Join(root, "dirlink"))
	os.Symlink("nowhere", filepath.Join(root, "dangling"))
	m, err := Hash(context.Background(), root, HashOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"data/a": sum([]byte("a")), "data/link": sum([]byte("a"))}, m.FileDigests()); diff != "" {
		t.Errorf("digests (-want +got):\n%s", diff)
	}
	if len(m.Notes) != 3 {
		t.Errorf("notes %q, want link recorded, dangling and directory link", m.Notes)
	}
}

func TestManifestStatementIsModelSigning(t *testing.T) {
	root := t.TempDir()
	write(t, root, "w.bin", "w")
	m, err := Hash(context.Background(), root, HashOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st := m.Statement()
	var pred struct {
		Serialization map[string]any `json:"serialization"`
		Resources     []Resource     `json:"resources"`
	}
	b, _ := json.Marshal(st)
	if _, err := ParseStatement(b); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(st.Predicate, &pred); err != nil {
		t.Fatal(err)
	}
	if st.PredicateType != PredicateModelSigning || pred.Serialization["method"] != "files" || len(pred.Resources) != 1 ||
		st.Subject[0].Digest["sha256"] != m.Digest["sha256"] {
		t.Errorf("statement %s", b)
	}
}

func BenchmarkHash(b *testing.B) {
	root := b.TempDir()
	data := make([]byte, 16<<20)
	rand.Read(data)
	for i := range 8 {
		os.WriteFile(filepath.Join(root, fmt.Sprintf("f%d", i)), data, 0o644)
	}
	for _, bc := range []struct {
		name string
		opts HashOptions
	}{
		{"files/1-worker", HashOptions{Workers: 1}},
		{"files/all-workers", HashOptions{}},
		{"shards-4MiB/all-workers", HashOptions{Method: MethodShards, ShardSize: 4 << 20}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(8 * int64(len(data)))
			for b.Loop() {
				if _, err := Hash(context.Background(), root, bc.opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
