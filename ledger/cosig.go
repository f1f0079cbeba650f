package ledger

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	fnote "github.com/transparency-dev/formats/note"

	"github.com/aiassure/aiassure/internal/limitio"
)

// Witness cosignatures are C2SP tlog-cosignature v1
// (https://c2sp.org/tlog-cosignature, "Format" and "Ed25519 signed
// message"): a signed-note signature line
//
//	— NAME base64(key ID || timestamp || Ed25519 signature)
//
// where the key ID is SHA-256(NAME || "\n" || 0x04 || public key)[:4], the
// timestamp a big-endian uint64 of POSIX seconds, and the signature is
// over "cosignature/v1\ntime T\n" followed by the checkpoint's note body.
// Signing and checking are those of github.com/transparency-dev/formats/note
// (NewSignerForCosignatureV1, NewVerifierForCosignatureV1).

const algCosignatureV1 = 0x04

// maxClockSkew is how far in the future a cosignature's timestamp may be
// (tlog-cosignature: verifiers MAY reject cosignatures from the future).
const maxClockSkew = 10 * time.Minute

// WitnessKey is a trusted witness (cosigner) public key.
type WitnessKey struct {
	// Name is the cosigner's name (its key name in signature lines); ""
	// when the key came from a PEM file: then a signature line is the
	// witness's when its key ID matches the key under the line's name.
	Name   string
	Key    ed25519.PublicKey
	Source string // where it came from, for messages
}

// cosignKeyID is the tlog-cosignature key ID of an Ed25519 cosigner.
func cosignKeyID(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write([]byte{algCosignatureV1})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil)[:4])
}

// cosignVKey is the vkey (C2SP signed-note verifier key, signature type
// 0x04) of an Ed25519 cosigner.
func cosignVKey(name string, pub ed25519.PublicKey) string {
	return fmt.Sprintf("%s+%08x+%s", name, cosignKeyID(name, pub), base64.StdEncoding.EncodeToString(append([]byte{algCosignatureV1}, pub...)))
}

// VerifierKey returns the witness's vkey, NAME+KEYID+BASE64(0x04 || key),
// or "" when the name is not known.
func (k *WitnessKey) VerifierKey() string {
	if k.Name == "" {
		return ""
	}
	return cosignVKey(k.Name, k.Key)
}

// ParseWitnessKey reads a witness public key: a PKIX PEM Ed25519 key (the
// PREFIX.pub of aiassure keys generate) or a vkey line NAME+KEYID+BASE64
// with signature type 0x04 (cosignature/v1) or 0x01 (the same key as a
// plain Ed25519 signed-note key). Errors wrap ErrInvalid.
func ParseWitnessKey(data []byte) (*WitnessKey, error) {
	if bytes.Contains(data, []byte("-----BEGIN")) {
		k, err := ParsePublicKey(data)
		if err != nil {
			return nil, fmt.Errorf("witness key: %w", err)
		}
		return &WitnessKey{Key: k.Key}, nil
	}
	s := strings.TrimSpace(string(data))
	name, rest, _ := strings.Cut(s, "+")
	hash16, key64, _ := strings.Cut(rest, "+")
	key, err := base64.StdEncoding.Strict().DecodeString(key64)
	hash, herr := strconv.ParseUint(hash16, 16, 32)
	if !validKeyName(name) || len(hash16) != 8 || herr != nil || err != nil || len(key) != 1+ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w witness key: neither a PEM public key nor a vkey NAME+KEYID+BASE64 of an Ed25519 key", ErrInvalid)
	}
	pub := ed25519.PublicKey(key[1:])
	switch key[0] {
	case algCosignatureV1:
		if uint32(hash) != cosignKeyID(name, pub) {
			return nil, fmt.Errorf("%w witness key %s: the key ID %s does not match the name and key", ErrInvalid, name, hash16)
		}
	case algEd25519:
		if uint32(hash) != keyHash(name, pub) {
			return nil, fmt.Errorf("%w witness key %s: the key ID %s does not match the name and key", ErrInvalid, name, hash16)
		}
	default:
		return nil, fmt.Errorf("%w witness key %s: signature type 0x%02x; want 0x04 (cosignature/v1, Ed25519)", ErrInvalid, name, key[0])
	}
	return &WitnessKey{Name: name, Key: pub}, nil
}

// LoadWitnessKey reads a witness public key file (see ParseWitnessKey).
func LoadWitnessKey(path string) (*WitnessKey, error) {
	data, err := limitio.ReadFile(path, maxKeyFile)
	if err != nil {
		return nil, fmt.Errorf("load witness key: %w", err)
	}
	k, err := ParseWitnessKey(data)
	if err != nil {
		return nil, fmt.Errorf("load witness key %s: %w", path, err)
	}
	k.Source = path
	return k, nil
}

// validKeyName is the signed-note rule for key names: non-empty, valid
// UTF-8, no Unicode spaces, no '+'.
func validKeyName(name string) bool {
	return name != "" && utf8.ValidString(name) && strings.IndexFunc(name, unicode.IsSpace) < 0 && !strings.Contains(name, "+")
}

// noteSig is one signature line of a signed note (C2SP signed-note).
type noteSig struct {
	name string
	hash uint32
	sig  []byte // after the key ID
	line string // the whole line, with its newline
}

// splitNote splits a signed note into its text (with the final newline)
// and its signature lines, as golang.org/x/mod/sumdb/note.Open does: the
// text ends at the last blank line.
func splitNote(raw []byte) ([]byte, []noteSig, error) {
	i := bytes.LastIndex(raw, []byte("\n\n"))
	if i < 0 {
		return nil, nil, fmt.Errorf("%w signed note: no blank line before the signatures", ErrInvalid)
	}
	text := raw[:i+1]
	sigs, err := parseSigLines(raw[i+2:])
	return text, sigs, err
}

// parseSigLines reads signature lines, each "— NAME BASE64\n".
func parseSigLines(b []byte) ([]noteSig, error) {
	var out []noteSig
	for len(b) > 0 {
		j := bytes.IndexByte(b, '\n')
		if j < 0 {
			return nil, fmt.Errorf("%w signature line %d: no final newline", ErrInvalid, len(out)+1)
		}
		line := string(b[:j+1])
		b = b[j+1:]
		rest, ok := strings.CutPrefix(line[:len(line)-1], "— ")
		name, b64, ok2 := strings.Cut(rest, " ")
		sig, err := base64.StdEncoding.Strict().DecodeString(b64)
		if !ok || !ok2 || !validKeyName(name) || err != nil || len(sig) < 4 {
			return nil, fmt.Errorf("%w signature line %d: want \"— NAME BASE64\"", ErrInvalid, len(out)+1)
		}
		if len(out) == 100 {
			return nil, fmt.Errorf("%w signed note: more than 100 signatures", ErrInvalid)
		}
		out = append(out, noteSig{name: name, hash: binary.BigEndian.Uint32(sig), sig: sig[4:], line: line})
	}
	return out, nil
}

// Cosignature is a valid witness cosignature.
type Cosignature struct {
	Witness string    `json:"witness"` // the cosigner's name
	Key     string    `json:"key"`     // the key's vkey
	Time    time.Time `json:"time"`    // when the witness signed
}

// CheckCosignatures checks the cosignatures on a signed checkpoint by the
// trusted witness keys: it returns the valid ones, one per distinct key,
// and a message for each signature line of a trusted key that does not
// verify (changed or forged) or is dated after now plus ten minutes.
// Signature lines of other keys are ignored (C2SP tlog-witness: clients
// MUST ignore cosignatures from unknown keys). It does not check the
// log's own signature.
func CheckCosignatures(raw []byte, keys []*WitnessKey, now time.Time) ([]Cosignature, []string, error) {
	text, sigs, err := splitNote(raw)
	if err != nil {
		return nil, nil, err
	}
	valid, _, bad := checkCosigs(text, sigs, keys, now)
	return valid, bad, nil
}

// checkCosigs checks signature lines over a note's text; it returns the
// valid cosignatures, one per distinct key, their lines, and a message
// per bad one.
func checkCosigs(text []byte, sigs []noteSig, keys []*WitnessKey, now time.Time) ([]Cosignature, []noteSig, []string) {
	var valid []Cosignature
	var lines []noteSig
	var bad []string
	seen := map[string]bool{}
	for _, s := range sigs {
		for _, k := range keys {
			name := k.Name
			if name == "" {
				name = s.name
			}
			if s.name != name || s.hash != cosignKeyID(name, k.Key) {
				continue
			}
			who := name
			if k.Source != "" {
				who += " (" + k.Source + ")"
			}
			v, err := fnote.NewVerifierForCosignatureV1(cosignVKey(name, k.Key))
			if err != nil || !v.Verify(text, s.sig) {
				bad = append(bad, fmt.Sprintf("the cosignature of witness %s does not verify: it was changed, or made over another checkpoint", who))
				break
			}
			t := time.Unix(int64(binary.BigEndian.Uint64(s.sig)), 0).UTC()
			if t.After(now.Add(maxClockSkew)) {
				bad = append(bad, fmt.Sprintf("the cosignature of witness %s is dated %s, in the future", who, t.Format(time.RFC3339)))
				break
			}
			if id := string(k.Key); !seen[id] {
				seen[id] = true
				valid = append(valid, Cosignature{Witness: name, Key: cosignVKey(name, k.Key), Time: t})
				lines = append(lines, s)
			}
			break
		}
	}
	return valid, lines, bad
}

// addSignatures returns the signed note raw with the signature lines
// sigs added; a line replaces one of the same key name and key ID.
func addSignatures(raw []byte, sigs []noteSig) ([]byte, error) {
	text, old, err := splitNote(raw)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(text)
	b.WriteByte('\n')
	replaced := func(s noteSig) bool {
		for _, n := range sigs {
			if n.name == s.name && n.hash == s.hash {
				return true
			}
		}
		return false
	}
	for _, s := range old {
		if !replaced(s) {
			b.WriteString(s.line)
		}
	}
	for _, s := range sigs {
		b.WriteString(s.line)
	}
	return b.Bytes(), nil
}
