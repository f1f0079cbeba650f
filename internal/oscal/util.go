package oscal

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
)

// namespace is the UUIDv5 namespace of aiassure's OSCAL UUIDs: the UUIDv5 of
// NS in the RFC 9562 URL namespace.
var namespace = uuid5(mustParseUUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8"), []byte(NS))

// UUID returns a deterministic version 5 UUID for the given parts, which
// should say what the object is and which one ("finding", id). The same parts
// always give the same UUID, so documents are stable across runs.
func UUID(parts ...string) string {
	// A unit separator cannot occur in identifiers, so ("a","bc") and
	// ("ab","c") differ.
	u := uuid5(namespace, []byte(strings.Join(parts, "\x1f")))
	return formatUUID(u)
}

func uuid5(ns [16]byte, name []byte) [16]byte {
	h := sha1.New()
	h.Write(ns[:])
	h.Write(name)
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = (u[6] & 0x0f) | 0x50 // version 5
	u[8] = (u[8] & 0x3f) | 0x80 // RFC 9562 variant
	return u
}

func formatUUID(u [16]byte) string {
	s := hex.EncodeToString(u[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

func mustParseUUID(s string) [16]byte {
	var u [16]byte
	b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(b) != 16 {
		panic("oscal: bad namespace UUID " + s) // a constant above; cannot happen at run time
	}
	copy(u[:], b)
	return u
}

// Token turns an identifier into an OSCAL token (a letter or underscore,
// then letters, digits, '.', '-' or '_'). Other characters become '-'; an
// identifier that does not start with a letter gets a leading '_'. Token("")
// is "_".
func Token(s string) string {
	var b strings.Builder
	for i, r := range s {
		ok := unicode.IsLetter(r) || r == '_' || (i > 0 && (unicode.IsDigit(r) || r == '.' || r == '-'))
		if i == 0 && !ok {
			b.WriteByte('_')
			if unicode.IsDigit(r) || r == '.' || r == '-' {
				b.WriteRune(r)
				continue
			}
		}
		if ok {
			b.WriteRune(r)
		} else if i > 0 {
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

// Time formats t as an OSCAL date-time with time zone (UTC).
func Time(t time.Time) (string, error) {
	if t.IsZero() {
		return "", fmt.Errorf("zero time")
	}
	if y := t.UTC().Year(); y < 1900 || y > 2999 {
		return "", fmt.Errorf("year %d outside the range OSCAL accepts", y)
	}
	return t.UTC().Format(time.RFC3339Nano), nil
}

// Clean trims s and folds inner runs of white space, so that it satisfies
// OSCAL's string type (no leading or trailing white space).
func Clean(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// P returns an aiassure property, or nil when the value is blank, so that
// callers can append it unconditionally.
func P(name, value string) []Prop {
	v := Clean(value)
	if v == "" {
		return nil
	}
	return []Prop{{Name: Token(name), Ns: NS, Value: v}}
}

// PS returns one property per non-blank value, in order.
func PS[T ~string](name string, values []T) []Prop {
	var out []Prop
	for _, v := range values {
		out = append(out, P(name, string(v))...)
	}
	return out
}

// Marshal encodes v as indented JSON without HTML escaping, ending in a
// newline.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode oscal: %w", err)
	}
	return buf.Bytes(), nil
}

// ThreatSystem is the identification system of the catalogue's threats: the
// system of every threat-ids entry aiassure writes.
const ThreatSystem = "urn:aiassure:catalog:threats"

// ThreatURI is the URI of a catalogue threat in OSCAL threat-ids, whose id
// must be a URI: urn:aiassure:threat:<id>, the threat's catalogue ID
// percent-encoded where it holds a character a URN cannot (catalogue IDs are
// lower-case letters, digits and dashes, which it can).
func ThreatURI(id string) string {
	return "urn:aiassure:threat:" + url.PathEscape(id)
}
