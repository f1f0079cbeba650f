package ledger

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
)

// The tamper suite changes a ledger's files the ways an attacker or a
// failing disk would and expects Verify to fail, naming the entry index
// (and file) where the change is.

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func bundlePath(dir string, b, n uint64) string {
	return filepath.Join(logDir(dir), layout.EntriesPath(b, layout.PartialTileSize(0, b, n)))
}

func readBundle(t *testing.T, p string) [][]byte {
	t.Helper()
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var eb api.EntryBundle
	if err := eb.UnmarshalText(raw); err != nil {
		t.Fatal(err)
	}
	return eb.Entries
}

func writeBundle(t *testing.T, p string, es [][]byte) {
	t.Helper()
	var b bytes.Buffer
	for _, e := range es {
		binary.Write(&b, binary.BigEndian, uint16(len(e)))
		b.Write(e)
	}
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// offset returns where entry j's data starts in a bundle file.
func offset(es [][]byte, j int) int {
	o := 0
	for _, e := range es[:j] {
		o += 2 + len(e)
	}
	return o + 2
}

func mutateFile(t *testing.T, p string, f func([]byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, f(b), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTamper runs on the POSIX ledger's own files, and on a snapshot of a
// MySQL ledger: what an auditor is given.
func TestTamper(t *testing.T) { forDrivers(t, testTamper) }

func testTamper(t *testing.T, driver string) {
	const n = 600 // two full bundles and a partial one of 88
	l, key := testLedger(t, Config{Driver: driver})
	fill(t, l, n/2) // in two goes: the history holds an older checkpoint
	fill(t, l, n/2)
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	base := l.Dir()
	if driver != DriverPOSIX {
		base = filepath.Join(t.TempDir(), "snapshot")
		if size, err := Snapshot(context.Background(), l.Dir(), base); err != nil || size != n {
			t.Fatalf("snapshot: size %d, %v", size, err)
		}
	}
	if rep, err := Verify(context.Background(), base, key, VerifyOptions{}); err != nil || !rep.OK() {
		t.Fatalf("untouched ledger: %v %v", err, rep.Problems)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	hist, _ := filepath.Glob(filepath.Join(base, "checkpoints", "*"))

	type tc struct {
		name   string
		mutate func(t *testing.T, dir string)
		index  int64  // the entry index a problem must name
		path   string // and, if set, a path it must name
	}
	var cases []tc
	for trial := range 8 { // a byte flipped anywhere in an entry's data
		k := rng.IntN(n)
		cases = append(cases, tc{fmt.Sprintf("flip byte in entry %d (trial %d)", k, trial), func(t *testing.T, dir string) {
			b := uint64(k / 256)
			p := bundlePath(dir, b, n)
			es := readBundle(t, p)
			j := k % 256
			pos := offset(es, j) + rng.IntN(len(es[j]))
			mutateFile(t, p, func(d []byte) []byte { d[pos] ^= 1 << rng.IntN(8); return d })
		}, int64(k), ""})
	}
	cases = append(cases,
		tc{"valid JSON change in entry 300", func(t *testing.T, dir string) {
			p := bundlePath(dir, 1, n)
			es := readBundle(t, p)
			e := es[300-256]
			i := bytes.Index(e, []byte(`"recorded":"2`))
			e[i+len(`"recorded":"2`)+2]++ // the year's last digit: still canonical JSON
			writeBundle(t, p, es)
		}, 300, "log/tile/entries/001"},
		tc{"truncate the partial bundle", func(t *testing.T, dir string) {
			p := bundlePath(dir, 2, n)
			mutateFile(t, p, func(d []byte) []byte { return d[:len(d)-10] })
		}, 599, ""},
		tc{"drop the last entries of the partial bundle", func(t *testing.T, dir string) {
			p := bundlePath(dir, 2, n)
			es := readBundle(t, p)
			writeBundle(t, p, es[:80])
		}, 592, ""},
		tc{"delete entry 100", func(t *testing.T, dir string) {
			p := bundlePath(dir, 0, n)
			es := readBundle(t, p)
			writeBundle(t, p, append(es[:100:100], es[101:]...))
		}, 100, ""},
		tc{"swap entries 10 and 11", func(t *testing.T, dir string) {
			p := bundlePath(dir, 0, n)
			es := readBundle(t, p)
			es[10], es[11] = es[11], es[10]
			writeBundle(t, p, es)
		}, 10, ""},
		tc{"insert a copy of entry 5 before entry 520", func(t *testing.T, dir string) {
			p := bundlePath(dir, 2, n)
			es := readBundle(t, p)
			e0 := readBundle(t, bundlePath(dir, 0, n))[5]
			writeBundle(t, p, append(es[:8:8], append([][]byte{e0}, es[8:]...)...))
		}, 520, ""},
		tc{"delete bundle 1", func(t *testing.T, dir string) {
			os.Remove(bundlePath(dir, 1, n))
		}, 256, "log/tile/entries/001"},
		tc{"swap bundles 0 and 1", func(t *testing.T, dir string) {
			p0, p1 := bundlePath(dir, 0, n), bundlePath(dir, 1, n)
			b0, _ := os.ReadFile(p0)
			b1, _ := os.ReadFile(p1)
			os.WriteFile(p0, b1, 0o644)
			os.WriteFile(p1, b0, 0o644)
		}, 0, "log/tile/entries/000"},
		tc{"flip a byte of leaf hash 400 in the tile", func(t *testing.T, dir string) {
			p := filepath.Join(logDir(dir), layout.TilePath(0, 1, 0))
			mutateFile(t, p, func(d []byte) []byte { d[(400-256)*32+7] ^= 0x80; return d })
		}, 400, "log/tile/0/001"},
		tc{"change entry 10 and its leaf hash in the tile", func(t *testing.T, dir string) {
			p := bundlePath(dir, 0, n)
			es := readBundle(t, p)
			es[10] = bytes.Replace(es[10], []byte(`"recorded":"2`), []byte(`"recorded":"1`), 1)
			writeBundle(t, p, es)
			tp := filepath.Join(logDir(dir), layout.TilePath(0, 0, 0))
			mutateFile(t, tp, func(d []byte) []byte {
				copy(d[10*32:], rfc6962.DefaultHasher.HashLeaf(es[10]))
				return d
			})
		}, 0, "log/tile/1/000"},
		tc{"change the checkpoint's size", func(t *testing.T, dir string) {
			mutateFile(t, filepath.Join(logDir(dir), "checkpoint"), func(d []byte) []byte {
				return bytes.Replace(d, []byte("\n600\n"), []byte("\n599\n"), 1)
			})
		}, -1, "log/checkpoint"},
		tc{"roll the checkpoint back to an older one", func(t *testing.T, dir string) {
			old, _ := os.ReadFile(filepath.Join(dir, "checkpoints", filepath.Base(hist[0])))
			os.WriteFile(filepath.Join(logDir(dir), "checkpoint"), old, 0o644)
		}, -2, "checkpoints/"},
		tc{"change a history checkpoint", func(t *testing.T, dir string) {
			mutateFile(t, filepath.Join(dir, "checkpoints", filepath.Base(hist[len(hist)/2])), func(d []byte) []byte {
				d[len(d)-5] ^= 1
				return d
			})
		}, -1, "checkpoints/" + filepath.Base(hist[len(hist)/2])},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyDir(t, base)
			c.mutate(t, dir)
			rep, err := Verify(context.Background(), dir, key, VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() {
				t.Fatal("verify found nothing")
			}
			for _, p := range rep.Problems {
				if (c.index == -2 || p.Index == c.index) && strings.Contains(p.String(), c.path) {
					return
				}
			}
			var b strings.Builder
			for _, p := range rep.Problems {
				b.WriteString("\n  " + p.String())
			}
			t.Fatalf("no problem at index %d, path %q; got:%s", c.index, c.path, b.String())
		})
	}
}
