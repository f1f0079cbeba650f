package lineage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aiassure/aiassure/internal/safepath"
)

// Serialization methods of a manifest, as in the OpenSSF model-signing
// v1.0 format.
const (
	// MethodFiles gives one resource per file, its digest the SHA-256 of the
	// whole file (what sha256sum prints). Files are hashed in parallel; one
	// file is hashed by one worker.
	MethodFiles = "files"
	// MethodShards splits every file into shards of ShardSize bytes, named
	// "path:start:end", hashed in parallel. A file no larger than a shard has
	// one shard whose digest is the SHA-256 of the file.
	MethodShards = "shards"

	// DefaultShardSize is model-signing's default shard size (1 GB).
	DefaultShardSize = 1_000_000_000
	// DefaultBufferSize is each worker's read buffer. Peak memory of Hash is
	// about Workers × BufferSize plus the list of files.
	DefaultBufferSize = 1 << 20
)

// Symlink policies of HashOptions.Symlinks.
const (
	// SymlinksInTree (the default) records a link to a regular file inside
	// the root under the link's name with the target's digest, notes and
	// skips links to directories and dangling links, and refuses (an error
	// wrapping ErrUnsafePath) a link that points outside the root.
	SymlinksInTree = ""
	// SymlinksSkip skips every symbolic link with a note.
	SymlinksSkip = "skip"
	// SymlinksFollow records links to regular files wherever they point.
	SymlinksFollow = "follow"
)

// HashOptions configure Hash. The zero value hashes whole files with
// GOMAXPROCS workers.
type HashOptions struct {
	Method     string   // MethodFiles (default) or MethodShards
	ShardSize  int64    // for MethodShards; DefaultShardSize if 0
	Workers    int      // GOMAXPROCS if 0
	BufferSize int      // DefaultBufferSize if 0
	Symlinks   string   // SymlinksInTree (default), SymlinksSkip or SymlinksFollow
	Ignore     []string // slash paths relative to the root; a directory excludes what is below it
	// Progress, if set, is called from one goroutine every ProgressInterval
	// (default 250 ms) while hashing, and once more at the end with Done set.
	Progress         func(Progress)
	ProgressInterval time.Duration
}

// Progress is a snapshot of a running Hash.
type Progress struct {
	Files, FilesDone int
	Bytes, BytesDone int64
	Done             bool
}

// entry is one file to hash.
type entry struct {
	name string // slash path relative to the root
	abs  string // the file to read (the target for a symbolic link)
	size int64
}

// job is one contiguous range of one file.
type job struct {
	e          int // index into entries
	start, end int64
	whole      bool // hash to EOF (MethodFiles)
}

// Hash hashes the file or directory root and returns its manifest. Resources
// are sorted by name; the manifest's digest is the SHA-256 of the resources'
// digests in that order, as in model-signing v1.0. Memory stays bounded by
// the workers' buffers whatever the file sizes.
func Hash(ctx context.Context, root string, opts HashOptions) (*Manifest, error) {
	if opts.Method == "" {
		opts.Method = MethodFiles
	}
	if opts.Method != MethodFiles && opts.Method != MethodShards {
		return nil, fmt.Errorf("hash: unknown method %q (want %s or %s)", opts.Method, MethodFiles, MethodShards)
	}
	if opts.ShardSize <= 0 {
		opts.ShardSize = DefaultShardSize
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.BufferSize <= 0 {
		opts.BufferSize = DefaultBufferSize
	}
	if opts.ProgressInterval <= 0 {
		opts.ProgressInterval = 250 * time.Millisecond
	}
	switch opts.Symlinks {
	case SymlinksInTree, SymlinksSkip, SymlinksFollow:
	default:
		return nil, fmt.Errorf("hash: unknown symlink policy %q", opts.Symlinks)
	}
	entries, notes, err := collect(root, opts)
	if err != nil {
		return nil, err
	}
	var jobs []job
	var total int64
	for i, e := range entries {
		total += e.size
		if opts.Method == MethodFiles {
			jobs = append(jobs, job{e: i, end: e.size, whole: true})
			continue
		}
		if e.size == 0 {
			jobs = append(jobs, job{e: i})
		}
		for s := int64(0); s < e.size; s += opts.ShardSize {
			jobs = append(jobs, job{e: i, start: s, end: min(s+opts.ShardSize, e.size)})
		}
	}
	digests, err := runJobs(ctx, entries, jobs, total, opts)
	if err != nil {
		return nil, err
	}
	m := &Manifest{
		Name: manifestName(root),
		Serialization: Serialization{
			Method: opts.Method, HashType: "sha256",
			AllowSymlinks: opts.Symlinks != SymlinksSkip,
			IgnorePaths:   append([]string(nil), opts.Ignore...),
		},
		Files: len(entries), Size: total, Notes: notes,
	}
	algo := "sha256"
	if opts.Method == MethodShards {
		m.Serialization.ShardSize = opts.ShardSize
		algo = fmt.Sprintf("sha256-sharded-%d", opts.ShardSize)
	}
	for i, j := range jobs {
		name := entries[j.e].name
		if opts.Method == MethodShards {
			name = fmt.Sprintf("%s:%d:%d", name, j.start, j.end)
		}
		m.Resources = append(m.Resources, Resource{Name: name, Algorithm: algo, Digest: hex.EncodeToString(digests[i][:])})
	}
	m.sortResources()
	m.Digest = DigestSet{"sha256": m.rootDigest()}
	return m, nil
}

func manifestName(root string) string {
	abs, err := filepath.Abs(root)
	if err != nil {
		return filepath.Base(root)
	}
	return filepath.Base(abs)
}

// collect lists the files under root, sorted by name.
func collect(root string, opts HashOptions) ([]entry, []string, error) {
	fi, err := os.Lstat(root)
	if err != nil {
		return nil, nil, fmt.Errorf("hash: %w", err)
	}
	if !fi.IsDir() {
		if fi.Mode()&fs.ModeSymlink != 0 {
			t, err := filepath.EvalSymlinks(root)
			if err != nil {
				return nil, nil, fmt.Errorf("hash: %w", err)
			}
			if fi, err = os.Stat(t); err != nil {
				return nil, nil, fmt.Errorf("hash: %w", err)
			}
			root = t
		}
		if !fi.Mode().IsRegular() {
			return nil, nil, fmt.Errorf("hash: %s is not a regular file or directory", root)
		}
		return []entry{{name: fi.Name(), abs: root, size: fi.Size()}}, nil, nil
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, nil, fmt.Errorf("hash: %w", err)
	}
	realRoot, _ = filepath.Abs(realRoot)
	ignored := map[string]bool{}
	for _, p := range opts.Ignore {
		ignored[path.Clean(p)] = true
	}
	var entries []entry
	var notes []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("hash: %w", err)
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return fmt.Errorf("hash: %w", err)
		}
		name := filepath.ToSlash(rel)
		if name == "." {
			return nil
		}
		if ignored[name] {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		mode := d.Type()
		switch {
		case d.IsDir():
			return nil
		case mode.IsRegular():
			info, err := d.Info()
			if err != nil {
				return fmt.Errorf("hash: %w", err)
			}
			entries = append(entries, entry{name: name, abs: p, size: info.Size()})
		case mode&fs.ModeSymlink != 0:
			e, note, err := symlinkEntry(p, name, realRoot, opts.Symlinks)
			if err != nil {
				return err
			}
			if note != "" {
				notes = append(notes, note)
			}
			if e != nil {
				entries = append(entries, *e)
			}
		default:
			notes = append(notes, fmt.Sprintf("%s: skipped special file (%s)", name, specialKind(mode)))
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	return entries, notes, nil
}

func symlinkEntry(p, name, realRoot, policy string) (*entry, string, error) {
	if policy == SymlinksSkip {
		return nil, name + ": skipped symbolic link", nil
	}
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		return nil, name + ": skipped dangling symbolic link", nil
	}
	target, _ = filepath.Abs(target)
	if policy != SymlinksFollow && !safepath.Within(realRoot, target) {
		return nil, "", fmt.Errorf("hash: %s: %w: symbolic link points outside the root", name, ErrUnsafePath)
	}
	fi, err := os.Stat(target)
	if err != nil {
		return nil, "", fmt.Errorf("hash: %w", err)
	}
	if fi.IsDir() {
		return nil, name + ": symbolic link to a directory not followed", nil
	}
	if !fi.Mode().IsRegular() {
		return nil, name + ": skipped symbolic link to a special file", nil
	}
	return &entry{name: name, abs: target, size: fi.Size()}, name + ": symbolic link recorded with its target's content", nil
}

func specialKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "irregular"
}

// runJobs hashes the jobs with a worker pool, largest first, and returns
// the digests in job order.
func runJobs(ctx context.Context, entries []entry, jobs []job, total int64, opts HashOptions) ([][sha256.Size]byte, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	order := make([]int, len(jobs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return jobs[order[a]].end-jobs[order[a]].start > jobs[order[b]].end-jobs[order[b]].start
	})
	digests := make([][sha256.Size]byte, len(jobs))
	var bytesDone atomic.Int64
	var filesDone atomic.Int64
	// remaining counts unfinished jobs per entry, for FilesDone.
	remaining := make([]atomic.Int32, len(entries))
	for _, j := range jobs {
		remaining[j.e].Add(1)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(opts.Workers, max(len(jobs), 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, opts.BufferSize)
			for i := range next {
				d, err := hashRange(ctx, entries[jobs[i].e], jobs[i], buf, &bytesDone)
				if err != nil {
					cancel(err)
					continue
				}
				digests[i] = d
				if remaining[jobs[i].e].Add(-1) == 0 {
					filesDone.Add(1)
				}
			}
		}()
	}
	stop := make(chan struct{})
	var pwg sync.WaitGroup
	snapshot := func(done bool) Progress {
		return Progress{Files: len(entries), FilesDone: int(filesDone.Load()), Bytes: total, BytesDone: bytesDone.Load(), Done: done}
	}
	if opts.Progress != nil {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			t := time.NewTicker(opts.ProgressInterval)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					opts.Progress(snapshot(false))
				}
			}
		}()
	}
feed:
	for _, i := range order {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	close(stop)
	pwg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	if opts.Progress != nil {
		opts.Progress(snapshot(true))
	}
	return digests, nil
}

// errSizeChanged is returned when a file changes size while it is hashed.
var errSizeChanged = errors.New("file changed size while being hashed")

func hashRange(ctx context.Context, e entry, j job, buf []byte, done *atomic.Int64) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	f, err := os.Open(e.abs)
	if err != nil {
		return sum, fmt.Errorf("hash %s: %w", e.name, err)
	}
	defer f.Close()
	h := sha256.New()
	var r io.Reader = f
	want := j.end - j.start
	if !j.whole {
		r = io.NewSectionReader(f, j.start, want)
	}
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		k, err := r.Read(buf)
		if k > 0 {
			h.Write(buf[:k])
			n += int64(k)
			done.Add(int64(k))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return sum, fmt.Errorf("hash %s: %w", e.name, err)
		}
	}
	if n != want {
		return sum, fmt.Errorf("hash %s: %w (%d bytes, expected %d)", e.name, errSizeChanged, n, want)
	}
	h.Sum(sum[:0])
	return sum, nil
}

// HashFile returns the hex SHA-256 of one file, streamed.
func HashFile(ctx context.Context, p string) (string, int64, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return "", 0, err
	}
	var done atomic.Int64
	// A small file needs no more buffer than its size.
	buf := make([]byte, min(int64(DefaultBufferSize), max(fi.Size(), 4<<10)))
	d, err := hashRange(ctx, entry{name: p, abs: p, size: fi.Size()}, job{end: fi.Size(), whole: true}, buf, &done)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(d[:]), fi.Size(), nil
}
