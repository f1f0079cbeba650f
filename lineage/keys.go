package lineage

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"

	"github.com/aiassure/aiassure/internal/limitio"
)

// Key types of GenerateKey.
const (
	KeyEd25519   = "ed25519"
	KeyECDSAP256 = "ecdsa-p256"
)

// EnvSigningKey names the environment variable that may hold a PEM private key.
const EnvSigningKey = "AIASSURE_SIGNING_KEY"

// Signer signs DSSE envelopes. It never exposes or logs its private key.
type Signer struct {
	id  string
	key crypto.Signer
}

// Verifier checks signatures of one public key.
type Verifier struct {
	ID   string // hex SHA-256 of the PKIX DER public key
	Name string // where the key came from (a file), for messages
	pub  crypto.PublicKey
}

// GenerateKey makes a new private key of the given type.
func GenerateKey(kind string) (*Signer, error) {
	var k crypto.Signer
	var err error
	switch kind {
	case KeyEd25519, "":
		_, k, err = ed25519.GenerateKey(rand.Reader)
	case KeyECDSAP256:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return nil, fmt.Errorf("generate key: unknown type %q (want %s or %s)", kind, KeyEd25519, KeyECDSAP256)
	}
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return newSigner(k)
}

func newSigner(k crypto.Signer) (*Signer, error) {
	id, err := keyID(k.Public())
	if err != nil {
		return nil, err
	}
	return &Signer{id: id, key: k}, nil
}

// KeyID returns the signer's key ID.
func (s *Signer) KeyID() string { return s.id }

// Verifier returns the verifier of the signer's public key.
func (s *Signer) Verifier() *Verifier { return &Verifier{ID: s.id, pub: s.key.Public()} }

// String never shows key material.
func (s *Signer) String() string { return "signer " + s.id }

// Sign signs msg: Ed25519 over msg, ECDSA P-256 over SHA-256(msg) in ASN.1 DER.
func (s *Signer) Sign(msg []byte) ([]byte, error) {
	switch k := s.key.(type) {
	case ed25519.PrivateKey:
		return ed25519.Sign(k, msg), nil
	case *ecdsa.PrivateKey:
		d := sha256.Sum256(msg)
		return ecdsa.SignASN1(rand.Reader, k, d[:])
	}
	return nil, fmt.Errorf("sign: unsupported key type %T", s.key)
}

// Verify reports whether sig is a valid signature of msg.
func (v *Verifier) Verify(msg, sig []byte) bool {
	switch k := v.pub.(type) {
	case ed25519.PublicKey:
		return len(sig) == ed25519.SignatureSize && ed25519.Verify(k, msg, sig)
	case *ecdsa.PublicKey:
		d := sha256.Sum256(msg)
		return ecdsa.VerifyASN1(k, d[:], sig)
	}
	return false
}

func keyID(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("key id: %w", err)
	}
	d := sha256.Sum256(der)
	return hex.EncodeToString(d[:]), nil
}

// MarshalPrivateKey returns the PKCS#8 PEM encoding of the signer's key.
func (s *Signer) MarshalPrivateKey() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(s.key)
	if err != nil {
		return nil, fmt.Errorf("marshal private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// MarshalPublicKey returns the PKIX PEM encoding of the public key.
func (v *Verifier) MarshalPublicKey() ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(v.pub)
	if err != nil {
		return nil, fmt.Errorf("marshal public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePrivateKey reads a PKCS#8 PEM private key (Ed25519 or ECDSA P-256).
// Errors never quote the input.
func ParsePrivateKey(data []byte) (*Signer, error) {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, malformed("private key: no PEM block of type PRIVATE KEY (PKCS#8)")
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, malformed("private key: not a PKCS#8 key")
	}
	switch k := k.(type) {
	case ed25519.PrivateKey:
		return newSigner(k)
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, malformed("private key: ECDSA curve %s (want P-256)", k.Curve.Params().Name)
		}
		return newSigner(k)
	}
	return nil, malformed("private key: unsupported type %T (want Ed25519 or ECDSA P-256)", k)
}

// ParsePublicKey reads a PKIX PEM public key (Ed25519 or ECDSA P-256).
func ParsePublicKey(data []byte) (*Verifier, error) {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PUBLIC KEY" {
		return nil, malformed("public key: no PEM block of type PUBLIC KEY")
	}
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, malformed("public key: %v", err)
	}
	switch k := k.(type) {
	case ed25519.PublicKey:
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, malformed("public key: ECDSA curve %s (want P-256)", k.Curve.Params().Name)
		}
	default:
		return nil, malformed("public key: unsupported type %T", k)
	}
	id, err := keyID(k)
	if err != nil {
		return nil, err
	}
	return &Verifier{ID: id, pub: k}, nil
}

// LoadSigner reads a private key from the file path or, when path is empty,
// from the environment variable AIASSURE_SIGNING_KEY.
func LoadSigner(path string) (*Signer, error) {
	if path == "" {
		v := os.Getenv(EnvSigningKey)
		if v == "" {
			return nil, fmt.Errorf("load signing key: no key file given and %s is empty", EnvSigningKey)
		}
		s, err := ParsePrivateKey([]byte(v))
		if err != nil {
			return nil, fmt.Errorf("load signing key from %s: %w", EnvSigningKey, err)
		}
		return s, nil
	}
	data, err := limitio.ReadFile(path, MaxKeySize)
	if err != nil {
		return nil, fmt.Errorf("load signing key: %w", err)
	}
	s, err := ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("load signing key %s: %w", path, err)
	}
	return s, nil
}

// MaxKeySize bounds a key file: a PEM key is well under 1 KiB.
const MaxKeySize = 64 << 10

// LoadVerifier reads a public key file, of at most MaxKeySize bytes.
func LoadVerifier(path string) (*Verifier, error) {
	data, err := limitio.ReadFile(path, MaxKeySize)
	if err != nil {
		return nil, fmt.Errorf("load public key: %w", err)
	}
	v, err := ParsePublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("load public key %s: %w", path, err)
	}
	v.Name = path
	return v, nil
}

// WriteKeyPair writes PREFIX.key (PKCS#8 PEM, mode 0600, refusing to
// overwrite) and PREFIX.pub (PKIX PEM).
func WriteKeyPair(s *Signer, prefix string) (priv, pub string, err error) {
	privPEM, err := s.MarshalPrivateKey()
	if err != nil {
		return "", "", err
	}
	pubPEM, err := s.Verifier().MarshalPublicKey()
	if err != nil {
		return "", "", err
	}
	priv, pub = prefix+".key", prefix+".pub"
	f, err := os.OpenFile(priv, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", "", fmt.Errorf("write private key: %w", err)
	}
	if _, err := f.Write(privPEM); err != nil {
		f.Close()
		return "", "", fmt.Errorf("write private key: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", "", fmt.Errorf("write private key: %w", err)
	}
	if err := os.WriteFile(pub, pubPEM, 0o644); err != nil {
		return "", "", fmt.Errorf("write public key: %w", err)
	}
	return priv, pub, nil
}
