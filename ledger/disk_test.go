package ledger

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/aiassure/aiassure/lineage"
)

// mountTmpfs mounts a tmpfs of size bytes at a new directory, or skips the
// test when this process may not mount (not root, no CAP_SYS_ADMIN).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v): the disk-full and read-only tests need one", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

func TestReadOnly(t *testing.T) {
	s, _ := lineage.GenerateKey(lineage.KeyEd25519)
	var dir string
	if os.Geteuid() != 0 {
		dir = filepath.Join(t.TempDir(), "l")
		if err := Init(context.Background(), dir, Config{Origin: "ro.example/ledger"}); err != nil {
			t.Fatal(err)
		}
		os.Chmod(dir, 0o555)
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
	} else {
		mnt := mountTmpfs(t, "4m")
		dir = filepath.Join(mnt, "l")
		if err := Init(context.Background(), dir, Config{Origin: "ro.example/ledger"}); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mount("tmpfs", mnt, "tmpfs", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
			t.Skipf("cannot remount read-only: %v", err)
		}
	}
	_, err := Open(context.Background(), dir, Options{Signer: s})
	if err == nil || !errors.Is(err, ErrStorage) || !(strings.Contains(err.Error(), "read-only") || strings.Contains(err.Error(), "permission denied")) {
		t.Fatalf("open on a read-only directory: %v", err)
	}
	if !strings.Contains(err.Error(), "not writable") {
		t.Errorf("the message does not say the directory is not writable: %v", err)
	}
}

func TestDiskFull(t *testing.T) {
	mnt := mountTmpfs(t, "512k")
	dir := filepath.Join(mnt, "l")
	if err := Init(context.Background(), dir, Config{Origin: "full.example/ledger"}); err != nil {
		t.Fatal(err)
	}
	s, _ := lineage.GenerateKey(lineage.KeyEd25519)
	l, err := Open(context.Background(), dir, Options{Signer: s})
	if err != nil {
		t.Fatal(err)
	}
	var acked []*Receipt
	var full error
	for i := 0; i < 5000 && full == nil; i++ {
		r, err := l.AppendJSON(context.Background(), []byte(event(i)))
		if err != nil {
			full = err
			break
		}
		acked = append(acked, r)
	}
	if full == nil {
		t.Fatal("5000 appends fit in 512 KiB")
	}
	if !errors.Is(full, ErrStorage) || !strings.Contains(full.Error(), "disk is full") {
		t.Fatalf("the error does not say the disk is full: %v", full)
	}
	l.Close(context.Background())
	// every acknowledged entry is there and the tree verifies
	pemPub, _ := s.Verifier().MarshalPublicKey()
	key, _ := ParsePublicKey(pemPub)
	p, err := NewProver(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range acked {
		data, err := p.Entry(context.Background(), r.Index)
		if err != nil {
			t.Fatalf("acknowledged entry %d lost: %v", r.Index, err)
		}
		if LeafHash(data) == nil || r.LeafHash != hexLeaf(data) {
			t.Fatalf("entry %d differs from its receipt", r.Index)
		}
	}
	rep, err := Verify(context.Background(), dir, key, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("after disk full (%d acknowledged): %v", len(acked), rep.Problems)
	}
	t.Logf("%d appends acknowledged before the disk was full: %v", len(acked), full)
}
