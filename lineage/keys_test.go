package lineage

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeysRoundTrip(t *testing.T) {
	for _, kind := range []string{KeyEd25519, KeyECDSAP256} {
		t.Run(kind, func(t *testing.T) {
			s := mustKey(t, kind)
			prefix := filepath.Join(t.TempDir(), "k")
			priv, pub, err := WriteKeyPair(s, prefix)
			if err != nil {
				t.Fatal(err)
			}
			if fi, _ := os.Stat(priv); fi.Mode().Perm() != 0o600 {
				t.Errorf("private key mode %v", fi.Mode().Perm())
			}
			if _, _, err := WriteKeyPair(s, prefix); err == nil {
				t.Error("overwrote an existing private key")
			}
			s2, err := LoadSigner(priv)
			if err != nil {
				t.Fatal(err)
			}
			v, err := LoadVerifier(pub)
			if err != nil {
				t.Fatal(err)
			}
			if s2.KeyID() != s.KeyID() || v.ID != s.KeyID() {
				t.Fatal("key IDs differ after a round trip")
			}
			env, err := SignEnvelope(PayloadTypeInToto, []byte("{}"), s2)
			if err != nil {
				t.Fatal(err)
			}
			if k, err := env.Verify([]*Verifier{v}); err != nil || k != v {
				t.Fatalf("verify: %v", err)
			}
			pem, _ := os.ReadFile(priv)
			t.Setenv(EnvSigningKey, string(pem))
			if s3, err := LoadSigner(""); err != nil || s3.KeyID() != s.KeyID() {
				t.Fatalf("key from the environment: %v", err)
			}
			if strings.Contains(s.String(), "PRIVATE") {
				t.Error("String shows key material")
			}
		})
	}
	t.Setenv(EnvSigningKey, "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n")
	_, err := LoadSigner("")
	if !errors.Is(err, ErrMalformed) || strings.Contains(err.Error(), "c2VjcmV0") {
		t.Fatalf("bad key from the environment: %v", err)
	}
}

func TestPAE(t *testing.T) {
	got := string(PAE("http://example.com/HelloWorld", []byte("hello world")))
	if want := "DSSEv1 29 http://example.com/HelloWorld 11 hello world"; got != want {
		t.Fatalf("PAE = %q, want %q", got, want)
	}
}
