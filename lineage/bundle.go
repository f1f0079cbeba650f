package lineage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// MediaTypeBundle is the media type of a Sigstore bundle v0.3, the version
// MarshalBundle writes.
const MediaTypeBundle = "application/vnd.dev.sigstore.bundle.v0.3+json"

// bundleMediaTypes are the bundle versions ParseBundle reads: v0.3 in both
// spellings, and v0.1 and v0.2, whose key-based form is the same.
var bundleMediaTypes = map[string]bool{
	MediaTypeBundle: true,
	"application/vnd.dev.sigstore.bundle+json;version=0.3": true,
	"application/vnd.dev.sigstore.bundle+json;version=0.2": true,
	"application/vnd.dev.sigstore.bundle+json;version=0.1": true,
}

// bundleJSON is the proto3 JSON form of a Sigstore Bundle (protobuf-specs
// dev.sigstore.bundle.v1.Bundle), camelCase names only.
type bundleJSON struct {
	MediaType            string           `json:"mediaType"`
	VerificationMaterial *verificationMat `json:"verificationMaterial"`
	DSSEEnvelope         json.RawMessage  `json:"dsseEnvelope,omitempty"`
	MessageSignature     json.RawMessage  `json:"messageSignature,omitempty"`
}

type verificationMat struct {
	PublicKey                 *publicKeyID      `json:"publicKey,omitempty"`
	Certificate               json.RawMessage   `json:"certificate,omitempty"`
	X509CertificateChain      json.RawMessage   `json:"x509CertificateChain,omitempty"`
	TlogEntries               []json.RawMessage `json:"tlogEntries"`
	TimestampVerificationData json.RawMessage   `json:"timestampVerificationData,omitempty"`
}

type publicKeyID struct {
	Hint string `json:"hint"`
}

// MarshalBundle wraps a signed envelope in a Sigstore bundle v0.3 for a
// key-based signature: the verification material is the key's hint (its
// key ID) and no transparency log entry or timestamp, since nothing is sent
// to Rekor or a timestamp authority. A bundle carries exactly one
// signature, so the envelope must have one, with a key ID.
func MarshalBundle(e *Envelope) ([]byte, error) {
	if len(e.Signatures) != 1 {
		return nil, fmt.Errorf("sigstore bundle: want exactly one signature, the envelope has %d", len(e.Signatures))
	}
	if e.Signatures[0].KeyID == "" {
		return nil, fmt.Errorf("sigstore bundle: the signature has no key id")
	}
	env, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("sigstore bundle: %w", err)
	}
	b, err := json.Marshal(bundleJSON{
		MediaType:            MediaTypeBundle,
		VerificationMaterial: &verificationMat{PublicKey: &publicKeyID{Hint: e.Signatures[0].KeyID}, TlogEntries: []json.RawMessage{}},
		DSSEEnvelope:         env,
	})
	if err != nil {
		return nil, fmt.Errorf("sigstore bundle: %w", err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, fmt.Errorf("sigstore bundle: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// Bundle is what ParseBundle reads besides the envelope.
type Bundle struct {
	MediaType string
	Hint      string // the public key hint; not signed, never used for trust
	TlogItems int    // transparency log entries carried (not verified)
}

// ParseBundle reads a key-based Sigstore bundle (v0.1 to v0.3) holding a
// DSSE envelope with exactly one signature and returns the envelope, parsed
// as ParseEnvelope does. Message-signature bundles and certificate
// (keyless) bundles are malformed here. Transparency log entries and
// timestamps are accepted but not verified.
func ParseBundle(data []byte) (*Envelope, *Bundle, error) {
	if len(data) > MaxEnvelopeSize {
		return nil, nil, malformed("bundle larger than %d bytes", MaxEnvelopeSize)
	}
	var j bundleJSON
	if err := decodeStrict(data, &j); err != nil {
		return nil, nil, malformed("sigstore bundle: %v", err)
	}
	if !bundleMediaTypes[j.MediaType] {
		return nil, nil, malformed("sigstore bundle: mediaType %q (want %s)", j.MediaType, MediaTypeBundle)
	}
	vm := j.VerificationMaterial
	switch {
	case vm == nil:
		return nil, nil, malformed("sigstore bundle: no verificationMaterial")
	case len(vm.Certificate) > 0 || len(vm.X509CertificateChain) > 0:
		return nil, nil, malformed("sigstore bundle: certificate (keyless) verification material is not supported; sign with a key")
	case vm.PublicKey == nil:
		return nil, nil, malformed("sigstore bundle: verificationMaterial has no publicKey")
	case len(j.MessageSignature) > 0:
		return nil, nil, malformed("sigstore bundle: a messageSignature, not a dsseEnvelope")
	case len(j.DSSEEnvelope) == 0 || string(j.DSSEEnvelope) == "null":
		return nil, nil, malformed("sigstore bundle: no dsseEnvelope")
	}
	e, err := ParseEnvelope(j.DSSEEnvelope)
	if err != nil {
		return nil, nil, err
	}
	if len(e.Signatures) != 1 {
		return nil, nil, malformed("sigstore bundle: the envelope has %d signatures, a bundle carries exactly one", len(e.Signatures))
	}
	return e, &Bundle{MediaType: j.MediaType, Hint: vm.PublicKey.Hint, TlogItems: len(vm.TlogEntries)}, nil
}

// ParseSigned reads either a bare DSSE envelope or a Sigstore bundle
// holding one, telling them apart by the top-level fields.
func ParseSigned(data []byte) (*Envelope, error) {
	if isBundle(data) {
		e, _, err := ParseBundle(data)
		return e, err
	}
	return ParseEnvelope(data)
}

// isBundle reports whether data starts with a JSON object with a
// top-level mediaType, verificationMaterial, dsseEnvelope or
// messageSignature member (JSON names match case-insensitively, as the
// decoder does). Trailing data is left for the parser to reject.
func isBundle(data []byte) bool {
	if len(data) > MaxEnvelopeSize {
		return false
	}
	var top map[string]json.RawMessage
	if json.NewDecoder(bytes.NewReader(data)).Decode(&top) != nil {
		return false
	}
	for k := range top {
		switch strings.ToLower(k) {
		case "mediatype", "verificationmaterial", "dsseenvelope", "messagesignature":
			return true
		}
	}
	return false
}
