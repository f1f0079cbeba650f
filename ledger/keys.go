package ledger

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"fmt"

	"golang.org/x/mod/sumdb/note"

	"github.com/aiassure/aiassure/internal/limitio"

	"github.com/aiassure/aiassure/lineage"
)

// The ledger signs checkpoints with the same key files as lineage
// attestations (`aiassure keys generate`): a PKCS#8 PEM private key and a
// PKIX PEM public key. A checkpoint is a C2SP signed note, which this
// ledger signs with Ed25519 only (signature type 0x01).

const algEd25519 = 0x01

// noteSigner turns a lineage key into a signed-note signer named name (the
// log's origin).
func noteSigner(s *lineage.Signer, name string) (note.Signer, ed25519.PublicKey, error) {
	priv, err := ed25519Key(s, "checkpoint signer", "checkpoints (C2SP signed notes)")
	if err != nil {
		return nil, nil, err
	}
	pub := priv.Public().(ed25519.PublicKey)
	sg, err := note.NewSigner(signerKey(name, priv))
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint signer for origin %q: %w", name, err)
	}
	return sg, pub, nil
}

// ed25519Key returns the Ed25519 private key of a lineage key; what and
// need name the key's use in messages.
func ed25519Key(s *lineage.Signer, what, need string) (ed25519.PrivateKey, error) {
	if s == nil {
		return nil, fmt.Errorf("%s: no signing key", what)
	}
	der, err := s.MarshalPrivateKey()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	b, _ := pem.Decode(der)
	if b == nil {
		return nil, fmt.Errorf("%s: key not PEM", what)
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w %s: the key is %T; %s need an Ed25519 key (aiassure keys generate -type ed25519)", ErrInvalid, what, k, need)
	}
	return priv, nil
}

// signerKey is the signed-note private key string of an Ed25519 key.
func signerKey(name string, priv ed25519.PrivateKey) string {
	pub := priv.Public().(ed25519.PublicKey)
	return fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", name, keyHash(name, pub), base64.StdEncoding.EncodeToString(append([]byte{algEd25519}, priv.Seed()...)))
}

// keyHash is the signed-note key hash: the first four bytes of
// SHA-256(name || "\n" || 0x01 || public key), big-endian.
func keyHash(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write([]byte{algEd25519})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil)[:4])
}

// PublicKey is a trusted checkpoint key: an Ed25519 public key, read from
// a PKIX PEM file (the PREFIX.pub of aiassure keys generate).
type PublicKey struct {
	Key  ed25519.PublicKey
	Name string // where it came from, for messages
}

// ParsePublicKey reads a PKIX PEM Ed25519 public key.
func ParsePublicKey(data []byte) (*PublicKey, error) {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("%w public key: no PEM block of type PUBLIC KEY", ErrInvalid)
	}
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w public key: %w", ErrInvalid, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w public key: %T; ledger checkpoints are signed with Ed25519", ErrInvalid, k)
	}
	return &PublicKey{Key: pub}, nil
}

// maxKeyFile bounds a public key file (64 KiB).
const maxKeyFile = 64 << 10

// LoadPublicKey reads a PKIX PEM Ed25519 public key file.
func LoadPublicKey(path string) (*PublicKey, error) {
	data, err := limitio.ReadFile(path, maxKeyFile)
	if err != nil {
		return nil, fmt.Errorf("load public key: %w", err)
	}
	k, err := ParsePublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("load public key %s: %w", path, err)
	}
	k.Name = path
	return k, nil
}

// Verifier returns the signed-note verifier of this key for the log origin.
func (k *PublicKey) Verifier(origin string) (note.Verifier, error) {
	v, err := note.NewVerifier(k.VerifierKey(origin))
	if err != nil {
		return nil, fmt.Errorf("%w checkpoint verifier for origin %q: %w", ErrInvalid, origin, err)
	}
	return v, nil
}

// VerifierKey returns the signed-note verifier key string (name+hash+key)
// of this key for origin, the form other tlog tools take.
func (k *PublicKey) VerifierKey(origin string) string {
	return fmt.Sprintf("%s+%08x+%s", origin, keyHash(origin, k.Key), base64.StdEncoding.EncodeToString(append([]byte{algEd25519}, k.Key...)))
}
