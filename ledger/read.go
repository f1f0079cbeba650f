package ledger

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"
)

// store reads a ledger's log files (Tessera's tlog-tiles layout) without
// opening it for writing: it is what verify, prove and export use.
type store struct {
	dir  string // the ledger directory
	root string // DIR/log
}

func newStore(dir string) *store { return &store{dir: dir, root: logDir(dir)} }

// rel returns a path relative to the ledger directory, for messages.
func (s *store) rel(p string) string { return filepath.ToSlash(filepath.Join("log", p)) }

func (s *store) readCheckpoint() ([]byte, error) {
	return os.ReadFile(filepath.Join(s.root, layout.CheckpointPath))
}

// readResource reads a tile or bundle of width p (0: full): the partial
// file, or the full one when the partial is gone (Tessera removes partials
// once the full resource exists). It returns the path it read.
func (s *store) readResource(full func(p uint8) string, p uint8) ([]byte, string, error) {
	path := full(p)
	b, err := os.ReadFile(filepath.Join(s.root, path))
	if err == nil || p == 0 || !errors.Is(err, os.ErrNotExist) {
		return b, path, err
	}
	path0 := full(0)
	b, err0 := os.ReadFile(filepath.Join(s.root, path0))
	if err0 != nil {
		return nil, path, err // report the partial that should be there
	}
	return b, path0, nil
}

// bundle reads entry bundle i of a tree of size n and returns its entries
// (at most the n mod 256 of a partial one) and its path.
func (s *store) bundle(i, n uint64) ([][]byte, string, error) {
	p := layout.PartialTileSize(0, i, n)
	b, path, err := s.readResource(func(p uint8) string { return layout.EntriesPath(i, p) }, p)
	if err != nil {
		return nil, path, err
	}
	es, err := parseBundle(b)
	if err != nil {
		return es, path, fmt.Errorf("%w: %s: %w", ErrInvalid, s.rel(path), err)
	}
	return es, path, nil
}

// parseBundle splits a tlog-tiles entry bundle (entries with a big-endian
// uint16 length prefix). On damage it returns the entries before it.
func parseBundle(b []byte) ([][]byte, error) {
	var out [][]byte
	for i := 0; i < len(b); {
		if i+2 > len(b) {
			return out, fmt.Errorf("entry %d of the bundle: dangling byte at offset %d", len(out), i)
		}
		n := int(binary.BigEndian.Uint16(b[i:]))
		if i+2+n > len(b) {
			return out, fmt.Errorf("entry %d of the bundle: %d bytes at offset %d, but the file ends %d bytes later", len(out), n, i+2, len(b)-i-2)
		}
		out = append(out, b[i+2:i+2+n])
		i += 2 + n
		if len(out) > layout.EntryBundleWidth {
			return out[:layout.EntryBundleWidth], fmt.Errorf("more than %d entries", layout.EntryBundleWidth)
		}
	}
	return out, nil
}

// tile reads hash tile (level, index) of a tree of size n.
func (s *store) tile(level, index, n uint64) (*api.HashTile, string, error) {
	p := layout.PartialTileSize(level, index, n)
	b, path, err := s.readResource(func(p uint8) string { return layout.TilePath(level, index, p) }, p)
	if err != nil {
		return nil, path, err
	}
	var t api.HashTile
	if err := t.UnmarshalText(b); err != nil {
		return nil, path, fmt.Errorf("%w: %s: %w", ErrInvalid, s.rel(path), err)
	}
	return &t, path, nil
}

// ReadTile serves Tessera's client.TileFetcherFunc from the files.
func (s *store) ReadTile(_ context.Context, level, index uint64, p uint8) ([]byte, error) {
	b, _, err := s.readResource(func(p uint8) string { return layout.TilePath(level, index, p) }, p)
	return b, err
}

// openCheckpoint verifies a signed checkpoint with key and parses it. The
// origin is the checkpoint's first line unless want is set.
func openCheckpoint(raw []byte, key *PublicKey, want string) (*log.Checkpoint, error) {
	origin := want
	if origin == "" {
		var c log.Checkpoint
		if _, err := c.Unmarshal(raw); err != nil {
			return nil, fmt.Errorf("%w checkpoint: %w", ErrInvalid, err)
		}
		origin = c.Origin
	}
	v, err := key.Verifier(origin)
	if err != nil {
		return nil, err
	}
	c, _, _, err := log.ParseCheckpoint(raw, origin, v)
	if err != nil {
		var unv *note.UnverifiedNoteError
		if errors.As(err, &unv) {
			return nil, fmt.Errorf("%w checkpoint: no valid signature of origin %q by the trusted key", ErrInvalid, origin)
		}
		return nil, fmt.Errorf("%w checkpoint: %w", ErrInvalid, err)
	}
	return c, nil
}
