package lineage

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// PayloadTypeInToto is the DSSE payload type of an in-toto Statement.
const PayloadTypeInToto = "application/vnd.in-toto+json"

// MaxEnvelopeSize bounds the envelopes ParseEnvelope reads.
const MaxEnvelopeSize = 64 << 20

// Envelope is a DSSE envelope. Payload holds the decoded bytes; JSON
// encodes it in standard base64.
type Envelope struct {
	PayloadType string      `json:"payloadType"`
	Payload     []byte      `json:"payload"`
	Signatures  []Signature `json:"signatures"`
}

// Signature is one DSSE signature; Sig holds the decoded bytes.
type Signature struct {
	KeyID string `json:"keyid,omitempty"`
	Sig   []byte `json:"sig"`
}

// PAE is DSSE's pre-authentication encoding: "DSSEv1 len(type) type
// len(body) body", lengths in ASCII decimal bytes, one space between.
func PAE(payloadType string, payload []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(payloadType) + len(payload) + 32)
	b.WriteString("DSSEv1 ")
	b.WriteString(strconv.Itoa(len(payloadType)))
	b.WriteByte(' ')
	b.WriteString(payloadType)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(len(payload)))
	b.WriteByte(' ')
	b.Write(payload)
	return b.Bytes()
}

// SignEnvelope signs payload with every signer.
func SignEnvelope(payloadType string, payload []byte, signers ...*Signer) (*Envelope, error) {
	if len(signers) == 0 {
		return nil, fmt.Errorf("sign envelope: no signer")
	}
	e := &Envelope{PayloadType: payloadType, Payload: payload}
	msg := PAE(payloadType, payload)
	for _, s := range signers {
		sig, err := s.Sign(msg)
		if err != nil {
			return nil, fmt.Errorf("sign envelope: %w", err)
		}
		e.Signatures = append(e.Signatures, Signature{KeyID: s.KeyID(), Sig: sig})
	}
	return e, nil
}

// Verify checks the signatures against the trusted keys and returns the
// first key that verifies one. It fails with ErrBadSignature when a
// signature names (or is tried against) a trusted key and does not verify
// while none does, and with ErrWrongKey when no trusted key is involved.
// The payload must not be used before Verify succeeds.
func (e *Envelope) Verify(keys []*Verifier) (*Verifier, error) {
	msg := PAE(e.PayloadType, e.Payload)
	named := false
	var ids []string
	for _, s := range e.Signatures {
		ids = append(ids, shortID(s.KeyID))
		for _, k := range keys {
			if s.KeyID != "" && s.KeyID != k.ID {
				continue
			}
			if k.Verify(msg, s.Sig) {
				return k, nil
			}
			if s.KeyID != "" {
				named = true
			}
		}
	}
	if named {
		return nil, fmt.Errorf("%w: a signature names a trusted key but does not verify (the envelope was changed after signing)", ErrBadSignature)
	}
	return nil, fmt.Errorf("%w: signed by key %s, trusted: %s", ErrWrongKey, strings.Join(ids, ", "), keyList(keys))
}

func shortID(id string) string {
	if id == "" {
		return "(no key id)"
	}
	if len(id) > 16 {
		return id[:16]
	}
	return id
}

func keyList(keys []*Verifier) string {
	if len(keys) == 0 {
		return "none"
	}
	var s []string
	for _, k := range keys {
		s = append(s, shortID(k.ID))
	}
	return strings.Join(s, ", ")
}

type envelopeJSON struct {
	PayloadType string          `json:"payloadType"`
	Payload     string          `json:"payload"`
	Signatures  []signatureJSON `json:"signatures"`
}

type signatureJSON struct {
	KeyID string `json:"keyid,omitempty"`
	Sig   string `json:"sig"`
}

// MarshalJSON encodes the envelope with standard base64.
func (e *Envelope) MarshalJSON() ([]byte, error) {
	j := envelopeJSON{PayloadType: e.PayloadType, Payload: base64.StdEncoding.EncodeToString(e.Payload), Signatures: []signatureJSON{}}
	for _, s := range e.Signatures {
		j.Signatures = append(j.Signatures, signatureJSON{KeyID: s.KeyID, Sig: base64.StdEncoding.EncodeToString(s.Sig)})
	}
	return json.Marshal(j)
}

// Marshal returns the envelope's JSON, indented, with a final newline.
func (e *Envelope) Marshal() ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// ParseEnvelope reads a DSSE envelope: exactly one JSON object with a
// payload type, a base64 payload (standard or URL-safe, padded or not) and
// at least one signature. Unknown fields are rejected.
func ParseEnvelope(data []byte) (*Envelope, error) {
	if len(data) > MaxEnvelopeSize {
		return nil, malformed("envelope larger than %d bytes", MaxEnvelopeSize)
	}
	var j envelopeJSON
	if err := decodeStrict(data, &j); err != nil {
		return nil, malformed("envelope: %v", err)
	}
	if j.PayloadType == "" {
		return nil, malformed("envelope: no payloadType")
	}
	if len(j.Signatures) == 0 {
		return nil, malformed("envelope: no signatures")
	}
	p, err := decodeBase64(j.Payload)
	if err != nil {
		return nil, malformed("envelope: payload: %v", err)
	}
	e := &Envelope{PayloadType: j.PayloadType, Payload: p}
	for i, s := range j.Signatures {
		b, err := decodeBase64(s.Sig)
		if err != nil || len(b) == 0 {
			return nil, malformed("envelope: signature %d: not base64 or empty", i)
		}
		e.Signatures = append(e.Signatures, Signature{KeyID: s.KeyID, Sig: b})
	}
	return e, nil
}

func decodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("not base64")
}
