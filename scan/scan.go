// Package scan looks inside model files for what runs, reads or writes when
// they are loaded, without loading them: pickle and the formats built on it
// (PyTorch, joblib, NumPy), safetensors, ONNX, GGUF, Keras, TensorFlow
// SavedModel, and zip and tar archives of these. Formats are recognised by
// their content (sniff.go), never by the file's extension.
//
// Pickles are judged by an allow-list (allow.go): a symbolic pickle machine
// (pickle.go) follows every opcode and reports each global it imports and
// each call it makes; a global outside the allow-list is a finding, one in a
// module known to run code or touch the system is a critical one. The other
// formats are parsed as far as their structure goes (headers, tables,
// offsets, graphs) and checked for what a loader would trust.
//
// Hostile input is bounded (Limits): archive depth, members, total and
// per-member uncompressed size and compression ratio, pickle values and
// nesting. What goes past a bound is a finding, not a crash.
package scan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aiassure/aiassure"
)

// Severity is the severity of a finding, in aiassure's order.
type Severity = aiassure.Severity

// Finding is one thing the scanner found in a file.
type Finding struct {
	Rule     string   `json:"rule"` // a rule of Rules, e.g. "pickle/unsafe-global"
	Severity Severity `json:"severity"`
	Path     string   `json:"path"`             // the file; an archive member is "outer!inner"
	Offset   int64    `json:"offset,omitempty"` // byte offset in the (innermost) file, when known
	Message  string   `json:"message"`
	Evidence []string `json:"evidence,omitempty"` // names, node names, the text at fault
}

// Artifact is one file the scanner looked at.
type Artifact struct {
	Path    string   `json:"path"`
	Format  Format   `json:"format"`
	Size    int64    `json:"size"`
	SHA256  string   `json:"sha256,omitempty"`  // of the file's bytes; archive members too
	Globals []string `json:"globals,omitempty"` // pickle: every global imported, module.name
	Calls   []string `json:"calls,omitempty"`   // pickle: every callable called
	Notes   []string `json:"notes,omitempty"`   // what the parser saw (tensor counts, opsets)
}

// Report is the result of a scan.
type Report struct {
	Artifacts []Artifact `json:"artifacts"`
	Findings  []Finding  `json:"findings"`
}

// Worst is the highest severity of the findings, or "" when there are none.
func (r *Report) Worst() Severity {
	var w Severity
	for _, f := range r.Findings {
		if f.Severity.Rank() > w.Rank() {
			w = f.Severity
		}
	}
	return w
}

// AtOrAbove counts the findings at or above severity s.
func (r *Report) AtOrAbove(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity.Rank() >= s.Rank() {
			n++
		}
	}
	return n
}

// Limits bound the work and memory a hostile file can cost.
type Limits struct {
	ArchiveDepth  int   // nested archives (a zip in a tar in a zip is depth 3)
	Members       int   // members of one archive
	MemberBytes   int64 // uncompressed bytes of one member read for analysis
	TotalBytes    int64 // uncompressed bytes read from all archives of one top-level file
	Ratio         int64 // largest uncompressed/compressed ratio of a member
	PickleValues  int   // symbolic values one pickle may create
	PickleNesting int   // pickles inside pickles
	HeaderBytes   int64 // safetensors header, GGUF strings and arrays, JSON configs
}

// DefaultLimits are generous for real models and small for bombs.
func DefaultLimits() Limits {
	return Limits{
		ArchiveDepth: 4, Members: 100_000, MemberBytes: 1 << 30, TotalBytes: 4 << 30, Ratio: 200,
		PickleValues: 2_000_000, PickleNesting: 4, HeaderBytes: 100 << 20,
	}
}

// Options configure a scan.
type Options struct {
	Allow  *AllowList // nil: DefaultAllowList()
	Limits Limits     // zero: DefaultLimits()
	NoHash bool       // skip SHA-256 of files and members
}

// Scanner scans files with fixed options.
type Scanner struct {
	allow *AllowList
	lim   Limits
	hash  bool
}

// New returns a scanner with the options.
func New(o Options) *Scanner {
	s := &Scanner{allow: o.Allow, lim: o.Limits, hash: !o.NoHash}
	if s.allow == nil {
		s.allow = DefaultAllowList()
	}
	if s.lim == (Limits{}) {
		s.lim = DefaultLimits()
	}
	return s
}

// ErrInput marks an input the scanner cannot read at all (a missing path).
var ErrInput = errors.New("scan input")

// Paths scans files and directories (walked, symlinks not followed) and
// returns their report. A file that cannot be parsed is a finding, not an
// error; a path that does not exist is an error wrapping ErrInput.
func (s *Scanner) Paths(ctx context.Context, paths []string) (*Report, error) {
	rep := &Report{Artifacts: []Artifact{}, Findings: []Finding{}}
	for _, p := range paths {
		info, err := os.Lstat(p)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
		if !info.IsDir() {
			if err := s.file(ctx, rep, p, info); err != nil {
				return nil, err
			}
			continue
		}
		err = filepath.WalkDir(p, func(q string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			return s.file(ctx, rep, q, fi)
		})
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", p, err)
		}
	}
	sortFindings(rep.Findings)
	return rep, nil
}

func (s *Scanner) file(ctx context.Context, rep *Report, p string, info os.FileInfo) error {
	if info.Mode()&os.ModeSymlink != 0 {
		t, _ := os.Readlink(p)
		sev := aiassure.Medium
		if memberPathIssue(t) != "" {
			sev = aiassure.High // absolute, or out of the directory
		}
		rep.Findings = append(rep.Findings, Finding{Rule: "file/symlink", Severity: sev, Path: p,
			Message: "a symbolic link among the model files: a loader following it reads a file outside what was reviewed", Evidence: []string{t}})
		return nil
	}
	if !info.Mode().IsRegular() {
		rep.Findings = append(rep.Findings, Finding{Rule: "file/not-regular", Severity: aiassure.Medium, Path: p,
			Message: "not a regular file (a device, pipe or socket): not read"})
		return nil
	}
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInput, err)
	}
	defer f.Close()
	digest := ""
	if s.hash {
		h := sha256.New()
		if _, err := io.CopyBuffer(h, f, make([]byte, 1<<20)); err != nil {
			return fmt.Errorf("scan %s: %w", p, err)
		}
		digest = hex.EncodeToString(h.Sum(nil))
	}
	c := &ctxScan{Scanner: s, ctx: ctx, rep: rep, dir: filepath.Dir(p), onDisk: true}
	c.budget = s.lim.TotalBytes
	c.scan(p, f, info.Size(), digest, 0)
	return nil
}

// Bytes scans one file's content held in memory; name is used in the
// report and for nothing else.
func (s *Scanner) Bytes(ctx context.Context, name string, data []byte) *Report {
	rep := &Report{Artifacts: []Artifact{}, Findings: []Finding{}}
	c := &ctxScan{Scanner: s, ctx: ctx, rep: rep, budget: s.lim.TotalBytes}
	digest := ""
	if s.hash {
		sum := sha256.Sum256(data)
		digest = hex.EncodeToString(sum[:])
	}
	c.scan(name, bytesReaderAt(data), int64(len(data)), digest, 0)
	sortFindings(rep.Findings)
	return rep
}

// ctxScan is one top-level file's scan.
type ctxScan struct {
	*Scanner
	ctx    context.Context
	rep    *Report
	dir    string // the directory of the top-level file, for ONNX external data
	onDisk bool   // the top-level file is on disk (external data can be checked)
	budget int64  // uncompressed archive bytes left
}

func (c *ctxScan) add(f Finding) { c.rep.Findings = append(c.rep.Findings, f) }

func (c *ctxScan) addf(rule string, sev Severity, path string, off int64, format string, args ...any) {
	c.add(Finding{Rule: rule, Severity: sev, Path: path, Offset: off, Message: fmt.Sprintf(format, args...)})
}

// scan dispatches on the content's format. depth is the archive depth.
func (c *ctxScan) scan(path string, r io.ReaderAt, size int64, digest string, depth int) {
	head := make([]byte, min(size, 4096))
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	art := Artifact{Path: path, Size: size, SHA256: digest}
	var zr *zipView
	art.Format, zr = sniff(head, r, size)
	idx := len(c.rep.Artifacts)
	c.rep.Artifacts = append(c.rep.Artifacts, art)
	a := &c.rep.Artifacts[idx]
	var notes []string
	var globals, calls []string
	switch a.Format {
	case FormatPickle:
		globals, calls = c.pickleFile(path, r, size)
	case FormatSafetensors:
		notes = c.safetensors(path, r, size)
	case FormatONNX:
		notes = c.onnx(path, r, size, depth == 0)
	case FormatGGUF:
		notes = c.gguf(path, r, size)
	case FormatHDF5:
		notes = c.hdf5(path, r, size)
	case FormatSavedModel:
		notes = c.savedModel(path, r, size)
	case FormatNPY:
		globals, calls, notes = c.npy(path, r, size)
	case FormatKerasConfig:
		notes = c.kerasConfigFile(path, r, size)
	case FormatZip, FormatPyTorchZip, FormatKeras, FormatNPZ:
		notes = c.zipArchive(path, zr, a.Format, depth)
	case FormatTar:
		notes = c.tarArchive(path, r, size, depth)
	case FormatGzip, FormatZlib, FormatBzip2:
		notes = c.decompress(path, a.Format, r, size, depth)
	case FormatXZ, FormatLZ4:
		c.addf("archive/not-decompressed", aiassure.Medium, path, 0,
			"%s-compressed data (joblib writes it with compress=%q): not decompressed, its content is not analysed", a.Format, a.Format)
	case FormatUnknown:
		if size == 0 {
			notes = []string{"empty file"}
		}
	}
	a = &c.rep.Artifacts[idx] // the archive cases appended
	a.Notes, a.Globals, a.Calls = notes, globals, calls
	if zr == nil && a.Format != FormatZip && a.Format != FormatTar && a.Format != FormatGzip && a.Format != FormatZlib && a.Format != FormatBzip2 && size >= 22 {
		// A zip's directory is at its end, other formats are read from the
		// start: one file can be both, and loaders disagree on which it is.
		if z, err := openZip(r, size); err == nil && len(z.z.File) > 0 {
			c.addf("file/polyglot", aiassure.High, path, 0,
				"the file is %s from its start and a zip archive (%d members) from its end: loaders disagree on what it is", a.Format, len(z.z.File))
			c.zipArchive(path+"!<zip>", z, z.kind(), depth)
		}
	}
	if strings.Contains(path, "!") {
		return
	}
	c.extensionCheck(path, a.Format)
}

// extensionCheck reports a file whose extension names a format its content
// is not: a reviewer trusting the name (".safetensors" is safe) is misled.
func (c *ctxScan) extensionCheck(path string, f Format) {
	ext := strings.ToLower(filepath.Ext(path))
	claims := map[string][]Format{
		".safetensors": {FormatSafetensors},
		".onnx":        {FormatONNX},
		".gguf":        {FormatGGUF},
		".npy":         {FormatNPY},
		".json":        {FormatKerasConfig, FormatUnknown},
		".h5":          {FormatHDF5}, ".hdf5": {FormatHDF5},
		".keras": {FormatKeras},
	}
	want, ok := claims[ext]
	if !ok || slices.Contains(want, f) || f == FormatUnknown {
		return
	}
	sev := aiassure.Medium
	if f == FormatPickle || f == FormatPyTorchZip || f == FormatNPY {
		sev = aiassure.High
	}
	c.addf("file/misleading-extension", sev, path, 0, "the extension says %s but the content is %s", ext, f)
}

func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if d := b.Severity.Rank() - a.Severity.Rank(); d != 0 {
			return d
		}
		if a.Path != b.Path {
			return strings.Compare(a.Path, b.Path)
		}
		if a.Offset != b.Offset {
			return int(min(max(a.Offset-b.Offset, -1), 1))
		}
		return strings.Compare(a.Rule, b.Rule)
	})
}

// bytesReaderAt reads from memory.
type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// readAll reads [off, off+n) of r, n bounded by the caller.
func readAll(r io.ReaderAt, off, n int64) ([]byte, error) {
	if n < 0 {
		return nil, errors.New("negative length")
	}
	if b, ok := r.(bytesReaderAt); ok {
		if off < 0 || off+n > int64(len(b)) {
			return nil, io.ErrUnexpectedEOF
		}
		return b[off : off+n], nil
	}
	buf := make([]byte, n)
	m, err := r.ReadAt(buf, off)
	if int64(m) == n {
		return buf, nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return nil, err
}
