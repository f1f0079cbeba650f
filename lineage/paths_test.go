package lineage

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/aiassure/aiassure/internal/safepath"
)

// A policy's key files are confined to the policy's folder unless allowed.
func TestPolicyKeysConfined(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "policy")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(root, "other.pub")
	if err := os.WriteFile(outside, []byte("not a key"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"../other.pub", outside} {
		p := &Policy{Dir: dir, Keys: []PolicyKey{{Name: "k", File: file}}}
		if _, _, err := p.Verifiers(); !errors.Is(err, safepath.ErrOutside) {
			t.Errorf("%s: err = %v, want ErrOutside", file, err)
		}
		p.AllowOutsidePaths = true
		if _, _, err := p.Verifiers(); err == nil || errors.Is(err, safepath.ErrOutside) {
			t.Errorf("%s allowed: err = %v, want a key parse error", file, err)
		}
	}
}
