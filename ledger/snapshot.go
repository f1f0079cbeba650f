package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/tessera/api/layout"
)

// Snapshot copies the log of the ledger in dir as of its latest checkpoint
// into the new directory out, whatever the driver, as the files of the
// POSIX layout (C2SP tlog-tiles): out/log/checkpoint, the hash tiles and
// the entry bundles (partial ones cut to the checkpoint's size), the
// checkpoint history up to that size, and a ledger.json marked as a
// snapshot, which Open refuses. The private store is not copied. An auditor
// verifies the copy offline (Verify, aiassure ledger verify -dir OUT) and
// builds proofs from it; what is missing from the log is missing from the
// copy, for verification to find. It returns the snapshot's tree size.
func Snapshot(ctx context.Context, dir, out string) (uint64, error) {
	cfg, err := ReadConfig(dir)
	if err != nil {
		return 0, err
	}
	if err := os.Mkdir(out, 0o755); err != nil {
		if errors.Is(err, os.ErrExist) {
			return 0, fmt.Errorf("%w snapshot: %s exists; give a new directory", ErrInvalid, out)
		}
		return 0, fmt.Errorf("snapshot: %w", err)
	}
	s, err := openStore(ctx, dir)
	if err != nil {
		return 0, fmt.Errorf("snapshot: %w", err)
	}
	defer s.close()
	raw, err := s.readCheckpoint(ctx)
	if err != nil {
		return 0, fmt.Errorf("snapshot: %s: %w", s.src.name(layout.CheckpointPath), err)
	}
	var cp log.Checkpoint
	if _, err := cp.Unmarshal(raw); err != nil {
		return 0, fmt.Errorf("%w snapshot: %s: %w", ErrInvalid, s.src.name(layout.CheckpointPath), err)
	}
	n := cp.Size
	put := func(rel string, b []byte) error {
		p := filepath.Join(out, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, b, 0o644)
	}
	copyRes := func(rel string, b []byte, err error) error {
		if errors.Is(err, os.ErrNotExist) {
			return nil // missing in the log: missing in the copy
		}
		if err != nil {
			return err
		}
		return put(rel, b)
	}
	for i := uint64(0); i*layout.EntryBundleWidth < n; i++ {
		p := layout.PartialTileSize(0, i, n)
		b, _, err := s.src.bundle(ctx, i, p)
		if err := copyRes("log/"+layout.EntriesPath(i, p), b, err); err != nil {
			return 0, fmt.Errorf("snapshot: entry bundle %d: %w", i, err)
		}
	}
	for level := uint64(0); level < 8 && n>>(8*level) > 0; level++ {
		nodes := n >> (8 * level)
		for i := uint64(0); i*layout.TileWidth < nodes; i++ {
			p := layout.PartialTileSize(level, i, n)
			b, _, err := s.src.tile(ctx, level, i, p)
			if err := copyRes("log/"+layout.TilePath(level, i, p), b, err); err != nil {
				return 0, fmt.Errorf("snapshot: tile %d/%d: %w", level, i, err)
			}
		}
	}
	hist, err := os.ReadDir(historyDir(dir))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("snapshot: %w", err)
	}
	for _, de := range hist {
		if strings.HasPrefix(de.Name(), ".") {
			continue
		}
		if size, err := strconv.ParseUint(de.Name(), 10, 64); err == nil && size > n {
			continue // handed out after the checkpoint read above
		}
		b, err := os.ReadFile(filepath.Join(historyDir(dir), de.Name()))
		if err != nil {
			return 0, fmt.Errorf("snapshot: %w", err)
		}
		if err := put("checkpoints/"+de.Name(), b); err != nil {
			return 0, fmt.Errorf("snapshot: %w", err)
		}
	}
	cosigned, csizes, err := readCosigned(dir)
	if err != nil {
		return 0, fmt.Errorf("snapshot: %w", err)
	}
	for _, size := range csizes {
		if size <= n {
			if err := put(fmt.Sprintf("cosigned/%020d", size), cosigned[size]); err != nil {
				return 0, fmt.Errorf("snapshot: %w", err)
			}
		}
	}
	sc := Config{
		Origin:   cfg.Origin,
		Driver:   DriverPOSIX,
		Snapshot: fmt.Sprintf("the %s log at tree size %d, copied %s", cfg.Driver, n, time.Now().UTC().Format(time.RFC3339)),
	}
	b, err := json.MarshalIndent(sc, "", "  ")
	if err != nil {
		return 0, fmt.Errorf("snapshot: %w", err)
	}
	// the checkpoint last: a copy that stopped half-way has none
	if err := put(ConfigFile, append(b, '\n')); err != nil {
		return 0, fmt.Errorf("snapshot: %w", err)
	}
	if err := put("log/"+layout.CheckpointPath, raw); err != nil {
		return 0, fmt.Errorf("snapshot: %w", err)
	}
	return n, nil
}
