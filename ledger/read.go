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

// store reads a ledger's log without opening it for writing: it is what
// verify, prove, export and the server's read API use. Its source is the
// files of Tessera's POSIX driver (the tlog-tiles layout under DIR/log) or
// the database of its MySQL driver, as ledger.json says.
type store struct {
	dir string // the ledger directory
	src source
}

// source reads the checkpoint, hash tiles and entry bundles of a log. The
// names it returns identify what it read, for messages.
type source interface {
	checkpoint(ctx context.Context) ([]byte, error)
	tile(ctx context.Context, level, index uint64, p uint8) ([]byte, string, error)
	bundle(ctx context.Context, index uint64, p uint8) ([]byte, string, error)
	// name gives the name of a tlog-tiles path ("checkpoint", a tile's or
	// a bundle's) in this source
	name(path string) string
	close() error
}

// openStore opens the log of the ledger in dir for reading. A directory
// without a readable ledger.json is read as POSIX files (a copy of the log
// alone).
func openStore(ctx context.Context, dir string) (*store, error) {
	if c, err := ReadConfig(dir); err == nil && c.Driver == DriverMySQL {
		m, err := openMySQLSource(ctx, c)
		if err != nil {
			return nil, err
		}
		return &store{dir: dir, src: m}, nil
	}
	if st, err := os.Stat(logDir(dir)); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%w: %s has no log directory (not a ledger, or nothing appended yet)", ErrInvalid, dir)
	}
	return &store{dir: dir, src: fileSource{root: logDir(dir)}}, nil
}

func (s *store) close() error { return s.src.close() }

func (s *store) readCheckpoint(ctx context.Context) ([]byte, error) { return s.src.checkpoint(ctx) }

// fileSource reads the files of Tessera's POSIX driver.
type fileSource struct{ root string } // DIR/log

func (f fileSource) name(path string) string { return filepath.ToSlash(filepath.Join("log", path)) }

func (f fileSource) close() error { return nil }

func (f fileSource) checkpoint(context.Context) ([]byte, error) {
	return os.ReadFile(filepath.Join(f.root, layout.CheckpointPath))
}

func (f fileSource) tile(_ context.Context, level, index uint64, p uint8) ([]byte, string, error) {
	return f.read(func(p uint8) string { return layout.TilePath(level, index, p) }, p)
}

func (f fileSource) bundle(_ context.Context, index uint64, p uint8) ([]byte, string, error) {
	return f.read(func(p uint8) string { return layout.EntriesPath(index, p) }, p)
}

// read reads a tile or bundle of width p (0: full): the partial file, or
// the full one when the partial is gone (Tessera removes partials once the
// full resource exists). It returns the name of the file it read.
func (f fileSource) read(full func(p uint8) string, p uint8) ([]byte, string, error) {
	path := full(p)
	b, err := os.ReadFile(filepath.Join(f.root, path))
	if err == nil || p == 0 || !errors.Is(err, os.ErrNotExist) {
		return b, f.name(path), err
	}
	path0 := full(0)
	b, err0 := os.ReadFile(filepath.Join(f.root, path0))
	if err0 != nil {
		return nil, f.name(path), err // report the partial that should be there
	}
	return b, f.name(path0), nil
}

// bundleName names entry bundle i of a tree of size n.
func (s *store) bundleName(i, n uint64) string {
	return s.src.name(layout.EntriesPath(i, layout.PartialTileSize(0, i, n)))
}

// bundle reads entry bundle i of a tree of size n and returns its entries
// (at most the n mod 256 of a partial one) and its name.
func (s *store) bundle(ctx context.Context, i, n uint64) ([][]byte, string, error) {
	b, name, err := s.src.bundle(ctx, i, layout.PartialTileSize(0, i, n))
	if err != nil {
		return nil, name, err
	}
	es, err := parseBundle(b)
	if err != nil {
		return es, name, fmt.Errorf("%w: %s: %w", ErrInvalid, name, err)
	}
	return es, name, nil
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
func (s *store) tile(ctx context.Context, level, index, n uint64) (*api.HashTile, string, error) {
	b, name, err := s.src.tile(ctx, level, index, layout.PartialTileSize(level, index, n))
	if err != nil {
		return nil, name, err
	}
	var t api.HashTile
	if err := t.UnmarshalText(b); err != nil {
		return nil, name, fmt.Errorf("%w: %s: %w", ErrInvalid, name, err)
	}
	return &t, name, nil
}

// ReadTile serves Tessera's client.TileFetcherFunc.
func (s *store) ReadTile(ctx context.Context, level, index uint64, p uint8) ([]byte, error) {
	b, _, err := s.src.tile(ctx, level, index, p)
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
