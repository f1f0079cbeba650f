package ledger

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

// Query selects entries for Export; zero fields select everything.
type Query struct {
	Since, Until time.Time // the event's time: Since <= time < Until
	Types        []string
	ModelVersion string
	Decision     string // of an inference decision or a human override
	Proofs       bool   // attach an inclusion proof to each entry
}

// Matches reports whether the entry is selected.
func (q *Query) Matches(e *Entry) bool {
	switch {
	case !q.Since.IsZero() && e.Time.Before(q.Since):
		return false
	case !q.Until.IsZero() && !e.Time.Before(q.Until):
		return false
	case len(q.Types) > 0 && !slices.Contains(q.Types, e.Type):
		return false
	case q.ModelVersion != "" && e.String("model_version") != q.ModelVersion:
		return false
	case q.Decision != "" && e.Decision() != q.Decision:
		return false
	}
	return true
}

// Exported is one entry as Export writes it: the event with its personal
// fields revealed from the private store, or "erased" once their key is
// deleted.
type Exported struct {
	Index    uint64         `json:"index"`
	LeafHash string         `json:"leaf_hash"`
	Type     string         `json:"type"`
	Recorded time.Time      `json:"recorded"`
	Event    map[string]any `json:"event"`
	Proof    string         `json:"proof,omitempty"` // C2SP tlog-proof
}

// Export reads the entries of the ledger's latest checkpoint that q
// selects, in log order, and calls fn for each. It does not verify the
// log (Verify does); an entry that does not parse stops it with an error.
func Export(ctx context.Context, dir string, q Query, fn func(*Exported) error) error {
	p, err := NewProver(ctx, dir)
	if err != nil {
		return err
	}
	defer p.Close()
	v, err := openVault(dir, false)
	if err != nil {
		v = nil // no private store: personal fields show as erased
	}
	for i := uint64(0); i < p.Size(); i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		data, err := p.Entry(ctx, i)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		e, err := ParseEntry(data)
		if err != nil {
			return fmt.Errorf("export: entry %d: %w (run aiassure ledger verify)", i, err)
		}
		if !q.Matches(e) {
			continue
		}
		ev := make(map[string]any, len(e.Event))
		for k, val := range e.Event {
			ev[k] = val
		}
		for k, val := range v.reveal(e) {
			ev[k] = val
		}
		x := &Exported{Index: i, LeafHash: hex.EncodeToString(LeafHash(data)), Type: e.Type, Recorded: e.Recorded, Event: ev}
		if q.Proofs {
			pr, err := p.Prove(ctx, i)
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			x.Proof = string(pr.Marshal())
		}
		if err := fn(x); err != nil {
			return err
		}
	}
	return nil
}

// Forget deletes every key of subject in the ledger's private store, so
// that the plaintext of their personal fields cannot be recovered; the log
// and its proofs are untouched. It returns how many keys were deleted.
func Forget(dir, subject string) (int, error) {
	if subject == "" {
		return 0, fmt.Errorf("%w forget: no subject", ErrInvalid)
	}
	v, err := openVault(dir, false)
	if err != nil {
		return 0, fmt.Errorf("forget: %w", err)
	}
	n, err := v.forget(subject)
	return n, diskError(err)
}

// Prune applies the ledger's retention setting at now: it deletes the keys
// of every month that ended more than the retention period before now. It
// returns how many keys were deleted, and 0 when the ledger keeps personal
// data until forgotten (no retention).
func Prune(dir string, now time.Time) (int, error) {
	c, err := ReadConfig(dir)
	if err != nil {
		return 0, err
	}
	if c.Retention == "" {
		return 0, nil
	}
	d, _ := time.ParseDuration(c.Retention) // checked by ReadConfig
	v, err := openVault(dir, false)
	if err != nil {
		return 0, fmt.Errorf("prune: %w", err)
	}
	n, err := v.prune(now.Add(-d))
	return n, diskError(err)
}
