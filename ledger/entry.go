package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/transparency-dev/merkle/rfc6962"
)

// EntryVersion is the version of the entry format, its "v".
const EntryVersion = 1

// MaxEntrySize is the largest entry Tessera's bundles can hold (a uint16
// length prefix).
const MaxEntrySize = 1<<16 - 1

// Entry is one log entry, as stored: canonical JSON
//
//	{"event":{...},"recorded":"2026-12-03T17:00:00.123456789Z","v":1}
//
// where event is the event with every personal field replaced by a
// commitment object {"commitment":"hmac-sha256:HEX","key":"KEYID"}.
type Entry struct {
	Index    uint64         `json:"index"`
	Type     string         `json:"type"`
	Recorded time.Time      `json:"recorded"`
	Time     time.Time      `json:"time"`
	Event    map[string]any `json:"event"`
	Raw      []byte         `json:"-"`
}

// LeafHash returns the RFC 6962 leaf hash of the entry bytes.
func LeafHash(data []byte) []byte { return rfc6962.DefaultHasher.HashLeaf(data) }

var (
	commitRe = regexp.MustCompile(`^hmac-sha256:[0-9a-f]{64}$`)
	keyIDRe  = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// Commitment is what the log holds of a personal field.
type Commitment struct {
	Commitment string `json:"commitment"` // hmac-sha256:HEX
	Key        string `json:"key"`        // the key ID, 32 hex digits
}

// asCommitment reads v as a commitment object.
func asCommitment(v any) (Commitment, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 2 {
		return Commitment{}, false
	}
	c, _ := m["commitment"].(string)
	k, _ := m["key"].(string)
	if !commitRe.MatchString(c) || !keyIDRe.MatchString(k) {
		return Commitment{}, false
	}
	return Commitment{Commitment: c, Key: k}, true
}

// ParseEntry parses and checks one stored entry: canonical JSON (the bytes
// are exactly what re-encoding gives), version 1, a known event type, every
// personal field a commitment (no plaintext), every other field one the
// type's schema has, the required ones present. Errors wrap ErrInvalid.
func ParseEntry(data []byte) (*Entry, error) {
	if len(data) > MaxEntrySize {
		return nil, fmt.Errorf("%w entry: %d bytes, more than %d", ErrInvalid, len(data), MaxEntrySize)
	}
	v, err := decodeJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%w entry: %w", ErrInvalid, err)
	}
	c, err := canonical(v)
	if err != nil {
		return nil, fmt.Errorf("%w entry: %w", ErrInvalid, err)
	}
	if !bytes.Equal(c, data) {
		return nil, fmt.Errorf("%w entry: not in canonical JSON form", ErrInvalid)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w entry: not a JSON object", ErrInvalid)
	}
	for k := range obj {
		if k != "v" && k != "recorded" && k != "event" {
			return nil, fmt.Errorf("%w entry: unknown member %q", ErrInvalid, k)
		}
	}
	if ver, _ := obj["v"].(float64); ver != EntryVersion {
		return nil, fmt.Errorf("%w entry: version %v, want %d", ErrInvalid, obj["v"], EntryVersion)
	}
	rs, _ := obj["recorded"].(string)
	rec, err := time.Parse(time.RFC3339Nano, rs)
	if err != nil {
		return nil, fmt.Errorf("%w entry: recorded: %w", ErrInvalid, err)
	}
	ev, ok := obj["event"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w entry: no event object", ErrInvalid)
	}
	name, _ := ev["type"].(string)
	t, err := Type(name)
	if err != nil {
		return nil, fmt.Errorf("entry: %w", err)
	}
	for k, fv := range ev {
		if !t.has(k) {
			return nil, fmt.Errorf("%w entry: %s event has no field %q", ErrInvalid, name, k)
		}
		_, isCommit := asCommitment(fv)
		if t.IsPersonal(k) && !isCommit {
			return nil, fmt.Errorf("%w entry: personal field %q is not a commitment", ErrInvalid, k)
		}
	}
	for _, k := range t.Required {
		if _, ok := ev[k]; !ok {
			return nil, fmt.Errorf("%w entry: %s event lacks required field %q", ErrInvalid, name, k)
		}
	}
	ts, _ := ev["time"].(string)
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return nil, fmt.Errorf("%w entry: event time: %w", ErrInvalid, err)
	}
	return &Entry{Type: name, Recorded: rec.UTC(), Time: at.UTC(), Event: ev, Raw: data}, nil
}

func (t *EventType) has(field string) bool {
	_, ok := t.props[field]
	return ok
}

// String returns a string field of the stored event, "" when absent or not
// a string (a commitment).
func (e *Entry) String(field string) string {
	s, _ := e.Event[field].(string)
	return s
}

// Commitments returns the entry's personal fields, sorted by name.
func (e *Entry) Commitments() map[string]Commitment {
	out := map[string]Commitment{}
	for k, v := range e.Event {
		if c, ok := asCommitment(v); ok {
			out[k] = c
		}
	}
	return out
}

// Decision is the entry's decision: that of an inference decision or of a
// human override, else "".
func (e *Entry) Decision() string { return e.String("decision") }

// personalFields returns the names of an event's personal fields that are
// set, sorted.
func personalFields(t *EventType, fields map[string]any) []string {
	var out []string
	for _, p := range t.Personal {
		if _, ok := fields[p]; ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// entryID names an entry in the private store: the hex SHA-256 of its bytes.
func entryID(data []byte) string {
	d := sha256.Sum256(data)
	return hex.EncodeToString(d[:])
}

// describe is a short description of an entry for messages.
func (e *Entry) describe() string {
	var b strings.Builder
	b.WriteString(e.Type)
	if v := e.String("model_version"); v != "" {
		b.WriteString(" model " + v)
	}
	b.WriteString(" at " + e.Time.Format(time.RFC3339))
	return b.String()
}
