package ledger

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
)

// ProofHeader is the first line of a C2SP tlog-proof file.
const ProofHeader = "c2sp.org/tlog-proof@v1"

// MaxProofSize bounds a proof file: a checkpoint, an entry of at most
// 64 KiB in base64, and at most 64 hashes.
const MaxProofSize = 128 << 10

// Proof is an offline-verifiable proof that an entry is in the log: a
// C2SP tlog-proof with the entry's bytes as its extra data.
//
//	c2sp.org/tlog-proof@v1
//	extra BASE64(entry)
//	index N
//	BASE64(hash)...
//	(blank line)
//	signed checkpoint
type Proof struct {
	Index      uint64
	Hashes     [][]byte
	Checkpoint []byte // the signed note
	Extra      []byte // the entry's bytes
}

// Marshal writes the proof in the tlog-proof text format.
func (p *Proof) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString(ProofHeader + "\n")
	if len(p.Extra) > 0 {
		b.WriteString("extra " + base64.StdEncoding.EncodeToString(p.Extra) + "\n")
	}
	fmt.Fprintf(&b, "index %d\n", p.Index)
	for _, h := range p.Hashes {
		b.WriteString(base64.StdEncoding.EncodeToString(h) + "\n")
	}
	b.WriteString("\n")
	b.Write(p.Checkpoint)
	return b.Bytes()
}

// ParseProof reads a tlog-proof file. Errors wrap ErrInvalid.
func ParseProof(data []byte) (*Proof, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w proof: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	if len(data) > MaxProofSize {
		return nil, bad("%d bytes, more than %d", len(data), MaxProofSize)
	}
	head, cp, ok := bytes.Cut(data, []byte("\n\n"))
	if !ok {
		return nil, bad("no blank line before the checkpoint")
	}
	if len(cp) == 0 {
		return nil, bad("no checkpoint after the blank line")
	}
	lines := strings.Split(string(head), "\n")
	if lines[0] != ProofHeader {
		return nil, bad("first line %q, want %q", trunc(lines[0]), ProofHeader)
	}
	p := &Proof{Checkpoint: cp}
	i := 1
	if i < len(lines) && strings.HasPrefix(lines[i], "extra ") {
		x, err := base64.StdEncoding.Strict().DecodeString(strings.TrimPrefix(lines[i], "extra "))
		if err != nil || len(x) == 0 {
			return nil, bad("line %d: extra is not non-empty standard base64", i+1)
		}
		p.Extra = x
		i++
	}
	if i >= len(lines) || !strings.HasPrefix(lines[i], "index ") {
		return nil, bad("line %d: want \"index N\"", i+1)
	}
	s := strings.TrimPrefix(lines[i], "index ")
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || (len(s) > 1 && s[0] == '0') {
		return nil, bad("line %d: index %q is not a decimal number", i+1, trunc(s))
	}
	p.Index = n
	for i++; i < len(lines); i++ {
		h, err := base64.StdEncoding.Strict().DecodeString(lines[i])
		if err != nil || len(h) != 32 {
			return nil, bad("line %d: not a base64 SHA-256 hash", i+1)
		}
		if len(p.Hashes) == 64 {
			return nil, bad("more than 64 hashes")
		}
		p.Hashes = append(p.Hashes, h)
	}
	return p, nil
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// VerifyProof checks a proof offline: the checkpoint's signature by the
// trusted key (origin: "" takes the checkpoint's), and the inclusion of the
// entry (the proof's extra data) at its index in the checkpoint's tree. It
// returns the parsed entry and the checkpoint.
func VerifyProof(p *Proof, key *PublicKey, origin string) (*Entry, *log.Checkpoint, error) {
	c, err := openCheckpoint(p.Checkpoint, key, origin)
	if err != nil {
		return nil, nil, fmt.Errorf("verify proof: %w", err)
	}
	if len(p.Extra) == 0 {
		return nil, c, fmt.Errorf("%w verify proof: no entry (extra) in the proof", ErrInvalid)
	}
	if p.Index >= c.Size {
		return nil, c, fmt.Errorf("%w verify proof: index %d is outside the checkpoint's tree of %d entries", ErrInvalid, p.Index, c.Size)
	}
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, p.Index, c.Size, LeafHash(p.Extra), p.Hashes, c.Hash); err != nil {
		return nil, c, fmt.Errorf("%w verify proof: the entry is not at index %d of the signed tree: %w", ErrInvalid, p.Index, err)
	}
	e, err := ParseEntry(p.Extra)
	if err != nil {
		return nil, c, fmt.Errorf("verify proof: %w", err)
	}
	e.Index = p.Index
	return e, c, nil
}

// Prover builds inclusion proofs against the ledger's latest checkpoint.
type Prover struct {
	s     *store
	owned bool // s was opened by NewProver: Close closes it
	raw   []byte
	cp    log.Checkpoint
	pb    *client.ProofBuilder
	last  struct {
		i       uint64
		entries [][]byte
	}
}

// NewProver reads the ledger's latest checkpoint (it does not check its
// signature: the proof's reader does). Close releases the log's storage.
func NewProver(ctx context.Context, dir string) (*Prover, error) {
	s, err := openStore(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("prove: %w", err)
	}
	p, err := newProver(ctx, s)
	if err != nil {
		s.close()
		return nil, err
	}
	p.owned = true
	return p, nil
}

func newProver(ctx context.Context, s *store) (*Prover, error) {
	cpName := s.src.name(layout.CheckpointPath)
	raw, err := s.readCheckpoint(ctx)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w prove: %s has no checkpoint (nothing appended yet)", ErrInvalid, cpName)
		}
		return nil, fmt.Errorf("prove: %w", err)
	}
	p := &Prover{s: s, raw: raw}
	if _, err := p.cp.Unmarshal(raw); err != nil {
		return nil, fmt.Errorf("prove: %s: %w", cpName, err)
	}
	// the same checkpoint with the witnesses' cosignatures, if collected
	if c, err := os.ReadFile(filepath.Join(cosignedDir(s.dir), fmt.Sprintf("%020d", p.cp.Size))); err == nil {
		t1, _, err1 := splitNote(c)
		t2, _, err2 := splitNote(raw)
		if err1 == nil && err2 == nil && bytes.Equal(t1, t2) {
			p.raw = c
		}
	}
	p.pb, err = client.NewProofBuilder(ctx, p.cp.Size, s.ReadTile)
	if err != nil {
		return nil, fmt.Errorf("prove: %w", err)
	}
	p.last.i = ^uint64(0)
	return p, nil
}

// Close releases the storage NewProver opened.
func (p *Prover) Close() error {
	if !p.owned {
		return nil
	}
	return p.s.close()
}

// Size is the size of the tree proofs are built against.
func (p *Prover) Size() uint64 { return p.cp.Size }

// Entry returns the bytes of entry i.
func (p *Prover) Entry(ctx context.Context, i uint64) ([]byte, error) {
	if i >= p.cp.Size {
		return nil, fmt.Errorf("%w: entry %d: the log has %d entries", ErrInvalid, i, p.cp.Size)
	}
	b := i / layout.EntryBundleWidth
	if p.last.i != b {
		es, name, err := p.s.bundle(ctx, b, p.cp.Size)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %s: %w", i, name, err)
		}
		p.last.i, p.last.entries = b, es
	}
	j := i % layout.EntryBundleWidth
	if j >= uint64(len(p.last.entries)) {
		return nil, fmt.Errorf("entry %d: the bundle holds only %d entries", i, len(p.last.entries))
	}
	return p.last.entries[j], nil
}

// Prove returns the inclusion proof of entry i, checked against the
// checkpoint's root before it is returned.
func (p *Prover) Prove(ctx context.Context, i uint64) (*Proof, error) {
	data, err := p.Entry(ctx, i)
	if err != nil {
		return nil, fmt.Errorf("prove: %w", err)
	}
	hs, err := p.pb.InclusionProof(ctx, i)
	if err != nil {
		return nil, fmt.Errorf("prove entry %d: %w", i, err)
	}
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, i, p.cp.Size, LeafHash(data), hs, p.cp.Hash); err != nil {
		return nil, fmt.Errorf("prove entry %d: the proof built from the tiles does not verify (run aiassure ledger verify): %w", i, err)
	}
	return &Proof{Index: i, Hashes: hs, Checkpoint: p.raw, Extra: data}, nil
}
