package ledger

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
)

// Problem is one thing verification found wrong, located: the entry index
// (or -1) and the file.
type Problem struct {
	Index int64  `json:"index"` // the first entry concerned; -1: none
	Path  string `json:"path,omitempty"`
	Msg   string `json:"message"`
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Index >= 0 {
		fmt.Fprintf(&b, "entry %d: ", p.Index)
	}
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// TrustedCheckpoint is a checkpoint kept outside the ledger (by an
// auditor, a witness, a previous verification): the ledger must still
// contain the tree it signed.
type TrustedCheckpoint struct {
	Name string // where it came from (a file), for messages
	Raw  []byte
}

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// Origin, when set, is the log origin the checkpoints must carry.
	Origin string
	// Trusted are checkpoints kept by other parties.
	Trusted []TrustedCheckpoint
	// Witnesses are trusted witness keys: the latest checkpoint must carry
	// valid cosignatures (C2SP tlog-cosignature) by MinWitnesses of them
	// (0: one), in DIR/cosigned. A cosignature by one of them that does not
	// verify is a problem.
	Witnesses    []*WitnessKey
	MinWitnesses int
}

// Report is the outcome of Verify.
type Report struct {
	Origin      string         `json:"origin"`
	Size        uint64         `json:"size"`        // entries in the verified tree
	Root        string         `json:"root"`        // hex
	Checkpoints int            `json:"checkpoints"` // signed checkpoints checked against the tree
	Trusted     int            `json:"trusted_checkpoints"`
	Types       map[string]int `json:"types"`
	Incidents   int            `json:"incidents"`
	Serious     int            `json:"serious_incidents"`
	Overrides   int            `json:"overrides"`
	Personal    int            `json:"personal_fields"` // commitments in the log
	First       time.Time      `json:"first,omitzero"`
	Last        time.Time      `json:"last,omitzero"`
	Witnessed   *WitnessReport `json:"witnessed,omitempty"`
	Problems    []Problem      `json:"problems"`
	Omitted     int            `json:"problems_omitted,omitempty"` // beyond maxProblems
}

// WitnessReport says which checkpoints the trusted witnesses cosigned.
type WitnessReport struct {
	Required int `json:"required"` // cosignatures required on the latest checkpoint
	// Cosignatures are the valid ones on the latest checkpoint.
	Cosignatures []Cosignature `json:"cosignatures"`
	// Size is the largest tree, up to the latest checkpoint's, whose
	// checkpoint carries the required cosignatures (0: none).
	Size uint64 `json:"size"`
}

// OK reports whether verification found nothing wrong.
func (r *Report) OK() bool { return len(r.Problems) == 0 && r.Omitted == 0 }

const maxProblems = 100

func (r *Report) add(idx int64, path, format string, args ...any) {
	if len(r.Problems) >= maxProblems {
		r.Omitted++
		return
	}
	r.Problems = append(r.Problems, Problem{Index: idx, Path: path, Msg: fmt.Sprintf(format, args...)})
}

type signedCP struct {
	name string // a path or the trusted file's name
	cp   *log.Checkpoint
	kind string // "checkpoint", "history", "trusted"
}

// Verify checks the ledger in dir offline against the trusted key: the
// latest checkpoint's signature; every checkpoint in the history and every
// trusted one (signature, and that the tree recomputed from the entries
// has their root at their size); every entry bundle (its entries parse as
// canonical entries of known types; there are as many as the tree size
// says); every stored hash tile against the recomputed tree; and a
// consistency proof built from the tiles from each trusted checkpoint to
// the latest. It returns an error only when it cannot run; what is wrong
// with the ledger is in the report's problems.
func Verify(ctx context.Context, dir string, key *PublicKey, o VerifyOptions) (*Report, error) {
	if key == nil {
		return nil, errors.New("verify: no trusted public key")
	}
	s, err := openStore(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	defer s.close()
	cpName := s.src.name(layout.CheckpointPath)
	tileName := s.src.name("tile")
	r := &Report{Types: map[string]int{}, Problems: []Problem{}}
	origin := o.Origin
	if origin == "" {
		if c, err := ReadConfig(dir); err == nil {
			origin = c.Origin
		}
	}

	var cps []signedCP
	var latest *signedCP
	raw, err := s.readCheckpoint(ctx)
	switch {
	case err != nil:
		r.add(-1, cpName, "cannot be read: %v", err)
	default:
		c, err := openCheckpoint(raw, key, origin)
		if err != nil {
			r.add(-1, cpName, "%v", err)
		} else {
			latest = &signedCP{name: cpName, cp: c, kind: "checkpoint"}
			cps = append(cps, *latest)
		}
	}
	hist, err := os.ReadDir(historyDir(dir))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("verify: %w", err)
	}
	for _, de := range hist {
		if strings.HasPrefix(de.Name(), ".") {
			continue // a temporary file a crash left behind
		}
		name := "checkpoints/" + de.Name()
		b, err := os.ReadFile(filepath.Join(historyDir(dir), de.Name()))
		if err != nil {
			r.add(-1, name, "cannot be read: %v", err)
			continue
		}
		c, err := openCheckpoint(b, key, origin)
		if err != nil {
			r.add(-1, name, "%v", err)
			continue
		}
		if want := fmt.Sprintf("%020d", c.Size); de.Name() != want {
			r.add(-1, name, "holds the checkpoint of size %d, whose file is %s", c.Size, want)
		}
		cps = append(cps, signedCP{name: name, cp: c, kind: "history"})
	}
	cosigned, csizes, err := readCosigned(dir)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	for _, size := range csizes {
		name := fmt.Sprintf("cosigned/%020d", size)
		c, err := openCheckpoint(cosigned[size], key, origin)
		if err != nil {
			r.add(-1, name, "%v", err)
			delete(cosigned, size)
			continue
		}
		if c.Size != size {
			r.add(-1, name, "holds the checkpoint of size %d, whose file is cosigned/%020d", c.Size, c.Size)
			delete(cosigned, size)
		}
		cps = append(cps, signedCP{name: name, cp: c, kind: "cosigned"})
	}
	for _, t := range o.Trusted {
		c, err := openCheckpoint(t.Raw, key, origin)
		if err != nil {
			r.add(-1, t.Name, "trusted checkpoint: %v", err)
			continue
		}
		cps = append(cps, signedCP{name: t.Name, cp: c, kind: "trusted"})
		r.Trusted++
	}
	for _, c := range cps {
		if origin == "" {
			origin = c.cp.Origin
		}
		if c.cp.Origin != origin {
			r.add(-1, c.name, "origin %q, want %q", c.cp.Origin, origin)
		}
	}
	r.Origin = origin
	if latest == nil {
		// the published checkpoint is gone or forged: verify up to the
		// largest other valid one
		for i := range cps {
			if latest == nil || cps[i].cp.Size > latest.cp.Size {
				latest = &cps[i]
			}
		}
		if latest == nil {
			return r, nil
		}
	}
	n := latest.cp.Size
	for _, c := range cps {
		if c.cp.Size > n {
			r.add(int64(n), c.name, "signed a tree of %d entries, more than the %d of %s: entries were removed (the log was rolled back or truncated)", c.cp.Size, n, latest.name)
		}
	}
	r.Size = n

	w := &walker{ctx: ctx, s: s, r: r, n: n, tiles: map[uint64]*tileCursor{}}
	at := map[uint64][]signedCP{}
	for _, c := range cps {
		if c.cp.Size <= n {
			at[c.cp.Size] = append(at[c.cp.Size], c)
		}
	}
	if err := w.walk(ctx, at); err != nil {
		return nil, err
	}
	if w.root != nil {
		r.Root = hex.EncodeToString(w.root)
	}
	if len(o.Witnesses) > 0 || o.MinWitnesses > 0 {
		r.Witnessed = checkWitnessed(r, o, cosigned, csizes, n, latest.name)
	}
	// consistency proofs from the tiles, from each trusted checkpoint to
	// the latest: what an auditor holding only a checkpoint and the tiles
	// would check
	for _, c := range cps {
		if c.kind != "trusted" || c.cp.Size > n || c.cp.Size == 0 || w.root == nil {
			continue
		}
		pb, err := client.NewProofBuilder(ctx, n, s.ReadTile)
		if err != nil {
			r.add(-1, tileName, "consistency proof from %s: %v", c.name, err)
			continue
		}
		p, err := pb.ConsistencyProof(ctx, c.cp.Size, n)
		if err == nil {
			err = proof.VerifyConsistency(rfc6962.DefaultHasher, c.cp.Size, n, p, c.cp.Hash, latest.cp.Hash)
		}
		if err != nil {
			r.add(-1, tileName, "the consistency proof built from the tiles from %s (size %d) to size %d fails: %v", c.name, c.cp.Size, n, err)
		}
	}
	return r, ctx.Err()
}

// walker recomputes the tree from the entry bundles.
type walker struct {
	ctx   context.Context
	s     *store
	r     *Report
	n     uint64
	rng   *compact.Range
	root  []byte
	tiles map[uint64]*tileCursor // by tile level
	// mismatch counts per tile path, reported once per tile
	badTile map[string]*tileMismatch
	lastOK  uint64 // the largest checkpoint size whose root matched
}

type tileCursor struct {
	index uint64
	tile  *api.HashTile
	path  string
	err   error
}

type tileMismatch struct {
	first, count uint64
	level        uint64
}

func (w *walker) walk(ctx context.Context, at map[uint64][]signedCP) error {
	w.rng = (&compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}).NewEmptyRange(0)
	w.badTile = map[string]*tileMismatch{}
	if cs, ok := at[0]; ok {
		for _, c := range cs {
			w.checkRoot(0, c)
		}
	}
	visit := func(id compact.NodeID, h []byte) {
		if id.Level%8 == 0 {
			w.checkNode(uint64(id.Level/8), id.Index, h)
		}
	}
	for b := uint64(0); b*layout.EntryBundleWidth < w.n; b++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		first := b * layout.EntryBundleWidth
		want := min(w.n-first, layout.EntryBundleWidth)
		entries, rel, err := w.s.bundle(ctx, b, w.n)
		switch {
		case err != nil && errors.Is(err, os.ErrNotExist):
			w.r.add(int64(first), rel, "the entry bundle is missing (entries %d to %d)", first, first+want-1)
			entries = nil
		case err != nil:
			w.r.add(int64(first+uint64(len(entries))), rel, "the entry bundle is damaged: %v", err)
			if uint64(len(entries)) > want {
				entries = entries[:want]
			}
		case uint64(len(entries)) < want && layout.PartialTileSize(0, b, w.n) != 0:
			w.r.add(int64(first+uint64(len(entries))), rel, "the bundle holds %d entries, the tree size says %d: entries %d to %d are missing", len(entries), want, first+uint64(len(entries)), first+want-1)
		case uint64(len(entries)) < want:
			w.r.add(int64(first+uint64(len(entries))), rel, "the bundle holds %d entries, a full bundle %d: entries %d to %d are missing", len(entries), want, first+uint64(len(entries)), first+want-1)
		case uint64(len(entries)) > want && layout.PartialTileSize(0, b, w.n) != 0 && !strings.Contains(rel, ".p/"):
			// a full bundle read for a partial one: the log grew; fine
			entries = entries[:want]
		case uint64(len(entries)) > want:
			w.r.add(int64(first+want), rel, "the bundle holds %d entries, the tree size says %d: %d entries were inserted", len(entries), want, uint64(len(entries))-want)
			entries = entries[:want]
		}
		for j := uint64(0); j < want; j++ {
			idx := first + j
			var leaf []byte
			if j < uint64(len(entries)) {
				leaf = LeafHash(entries[j])
				w.entry(idx, rel, entries[j])
			} else if h := w.tileHash(0, idx); h != nil {
				leaf = h // carry on from the tile so later entries are still checked
			} else {
				w.r.add(int64(idx), rel, "neither the entry nor its leaf hash is stored: the tree cannot be recomputed past it")
				w.flushTiles()
				return nil
			}
			if err := w.rng.Append(leaf, visit); err != nil {
				return fmt.Errorf("verify: %w", err)
			}
			if cs, ok := at[idx+1]; ok {
				for _, c := range cs {
					w.checkRoot(idx+1, c)
				}
			}
		}
	}
	w.flushTiles()
	root, err := w.rng.GetRootHash(nil)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	w.root = root
	return nil
}

// entry checks one entry's content and counts it.
func (w *walker) entry(idx uint64, rel string, data []byte) {
	e, err := ParseEntry(data)
	if err != nil {
		w.r.add(int64(idx), rel, "%v", err)
		return
	}
	w.r.Types[e.Type]++
	switch e.Type {
	case TypeIncident:
		w.r.Incidents++
		if s, _ := e.Event["serious"].(bool); s {
			w.r.Serious++
		}
	case TypeOverride:
		w.r.Overrides++
	}
	w.r.Personal += len(e.Commitments())
	if w.r.First.IsZero() || e.Recorded.Before(w.r.First) {
		w.r.First = e.Recorded
	}
	if e.Recorded.After(w.r.Last) {
		w.r.Last = e.Recorded
	}
}

func (w *walker) checkRoot(size uint64, c signedCP) {
	root, err := w.rng.GetRootHash(nil)
	if size == 0 {
		root, err = rfc6962.DefaultHasher.EmptyRoot(), nil
	}
	if err != nil {
		w.r.add(-1, c.name, "cannot compute the root: %v", err)
		return
	}
	w.r.Checkpoints++
	if bytes.Equal(root, c.cp.Hash) {
		if size > w.lastOK {
			w.lastOK = size
		}
		return
	}
	first := int64(w.lastOK)
	w.r.add(first, c.name, "the tree of the first %d entries, recomputed from the entry bundles, does not match this signed checkpoint: an entry between index %d and %d was changed, removed, inserted or reordered", size, w.lastOK, size-1)
}

// tileHash returns the stored hash of node (8*level, index), or nil.
func (w *walker) tileHash(level, index uint64) []byte {
	cur := w.cursor(level, index/layout.TileWidth)
	if cur.err != nil || cur.tile == nil {
		return nil
	}
	j := index % layout.TileWidth
	if j >= uint64(len(cur.tile.Nodes)) {
		return nil
	}
	return cur.tile.Nodes[j]
}

func (w *walker) cursor(level, ti uint64) *tileCursor {
	cur := w.tiles[level]
	if cur != nil && cur.index == ti {
		return cur
	}
	t, name, err := w.s.tile(w.ctx, level, ti, w.n)
	cur = &tileCursor{index: ti, tile: t, path: name, err: err}
	w.tiles[level] = cur
	if err != nil {
		first := ti * layout.TileWidth << (8 * level)
		if errors.Is(err, os.ErrNotExist) {
			w.r.add(int64(first), cur.path, "the hash tile is missing")
		} else {
			w.r.add(int64(first), cur.path, "the hash tile is damaged: %v", err)
		}
	}
	return cur
}

// checkNode compares a recomputed node at tree level 8*level with the tile.
func (w *walker) checkNode(level, index uint64, h []byte) {
	cur := w.cursor(level, index/layout.TileWidth)
	if cur.err != nil {
		return
	}
	j := index % layout.TileWidth
	if j < uint64(len(cur.tile.Nodes)) && bytes.Equal(cur.tile.Nodes[j], h) {
		return
	}
	m := w.badTile[cur.path]
	if m == nil {
		m = &tileMismatch{first: index << (8 * level), level: level}
		w.badTile[cur.path] = m
	}
	m.count++
}

func (w *walker) flushTiles() {
	paths := make([]string, 0, len(w.badTile))
	for p := range w.badTile {
		paths = append(paths, p)
	}
	sort.Slice(paths, func(i, j int) bool { return w.badTile[paths[i]].first < w.badTile[paths[j]].first })
	for _, p := range paths {
		m := w.badTile[p]
		if m.level == 0 {
			b := m.first / layout.EntryBundleWidth
			bp := w.s.bundleName(b, w.n)
			w.r.add(int64(m.first), bp, "the entry's leaf hash differs from the one in %s (%d in that tile differ): the entry (or the tile) was changed, or entries were reordered", p, m.count)
		} else {
			span := uint64(1) << (8 * m.level)
			w.r.add(int64(m.first), p, "%d stored node hash(es) at tree level %d differ from the recomputed tree, the first covering entries %d to %d", m.count, 8*m.level, m.first, m.first+span-1)
		}
	}
	w.badTile = map[string]*tileMismatch{}
}

// checkWitnessed checks the cosignatures of the trusted witnesses on the
// cosigned checkpoints, and that the latest checkpoint (size n) carries
// the required number.
func checkWitnessed(r *Report, o VerifyOptions, cosigned map[uint64][]byte, sizes []uint64, n uint64, latest string) *WitnessReport {
	w := &WitnessReport{Required: max(o.MinWitnesses, 1), Cosignatures: []Cosignature{}}
	now := time.Now()
	for _, size := range sizes {
		raw, ok := cosigned[size]
		if !ok {
			continue // its log signature failed: reported
		}
		name := fmt.Sprintf("cosigned/%020d", size)
		valid, bad, err := CheckCosignatures(raw, o.Witnesses, now)
		if err != nil {
			r.add(-1, name, "%v", err)
			continue
		}
		for _, b := range bad {
			r.add(-1, name, "%s", b)
		}
		if size <= n && len(valid) >= w.Required {
			w.Size = size
		}
		if size == n {
			w.Cosignatures = valid
		}
	}
	if len(w.Cosignatures) < w.Required && n > 0 {
		what := "no checkpoint carries enough"
		if w.Size > 0 {
			what = fmt.Sprintf("the latest that does is of size %d", w.Size)
		}
		r.add(int64(w.Size), latest, "the latest checkpoint (size %d) carries %d valid cosignature(s) of trusted witnesses, %d required; %s: entries %d to %d are not witnessed (the log may have forked; run aiassure ledger cosign)", n, len(w.Cosignatures), w.Required, what, w.Size, n-1)
	}
	return w
}
