package scan

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"path"
	"strings"

	"github.com/aiassure/aiassure"
)

// zipView is an opened zip archive.
type zipView struct{ z *zip.Reader }

func openZip(r io.ReaderAt, size int64) (*zipView, error) {
	z, err := zip.NewReader(r, size)
	if err == nil {
		return &zipView{z}, nil
	}
	// Data in front of the archive (a self-extractor, or a polyglot): the
	// directory's offsets are relative to where the archive starts, which
	// the end record locates.
	if base := zipBase(r, size); base > 0 {
		if z, err2 := zip.NewReader(io.NewSectionReader(r, base, size-base), size-base); err2 == nil {
			return &zipView{z}, nil
		}
	}
	return nil, fmt.Errorf("zip: %w", err)
}

// zipBase is the offset where a zip archive starts that has other data in
// front of it, from its end-of-central-directory record; 0 if none.
func zipBase(r io.ReaderAt, size int64) int64 {
	n := min(size, 65535+22)
	tail, err := readAll(r, size-n, n)
	if err != nil {
		return 0
	}
	i := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	if i < 0 || len(tail)-i < 22 {
		return 0
	}
	end := size - n + int64(i)
	cdSize := int64(binary.LittleEndian.Uint32(tail[i+12:]))
	cdOff := int64(binary.LittleEndian.Uint32(tail[i+16:]))
	// zip64: the directory ends where the zip64 end record begins, and
	// that record has the 64-bit size and offset
	if j := bytes.LastIndex(tail[:i], []byte("PK\x06\x06")); j >= 0 && i-j >= 56 {
		end = size - n + int64(j)
		cdSize = int64(binary.LittleEndian.Uint64(tail[j+40:]))
		cdOff = int64(binary.LittleEndian.Uint64(tail[j+48:]))
	}
	base := end - cdSize - cdOff
	if base <= 0 || base >= size {
		return 0
	}
	return base
}

// kind names what the zip holds: torch.save's archive has */data.pkl,
// Keras 3's config.json with metadata.json or model.weights.h5 at the
// root, NumPy's .npz only .npy members.
func (v *zipView) kind() Format {
	npy, keras := 0, 0
	for _, f := range v.z.File {
		n := f.Name
		switch {
		case n == "data.pkl" || strings.HasSuffix(n, "/data.pkl"):
			return FormatPyTorchZip
		case n == "config.json":
			keras++
		case n == "metadata.json" || n == "model.weights.h5":
			keras += 2
		}
		if strings.HasSuffix(n, ".npy") {
			npy++
		}
	}
	switch {
	case keras >= 3:
		return FormatKeras
	case npy > 0 && npy == len(v.z.File):
		return FormatNPZ
	}
	return FormatZip
}

// memberPathIssue says what is wrong with an archive member's name for
// whoever extracts it: absolute, climbing out with "..", or a drive.
func memberPathIssue(name string) string {
	n := strings.ReplaceAll(name, `\`, "/")
	switch {
	case strings.HasPrefix(n, "/"):
		return "is absolute"
	case len(n) >= 2 && n[1] == ':':
		return "names a drive"
	}
	for _, p := range strings.Split(n, "/") {
		if p == ".." {
			return "climbs out of the extraction directory with .."
		}
	}
	return ""
}

func (c *ctxScan) zipArchive(p string, v *zipView, f Format, depth int) []string {
	if v == nil {
		c.addf("archive/malformed", aiassure.Medium, p, 0, "it begins like a zip archive but its directory does not read")
		return nil
	}
	if depth >= c.lim.ArchiveDepth {
		c.addf("limits/archive-depth", aiassure.High, p, 0, "an archive nested more than %d deep: not opened", c.lim.ArchiveDepth)
		return nil
	}
	files := v.z.File
	if len(files) > c.lim.Members {
		c.addf("limits/archive-members", aiassure.High, p, 0, "%d members, over the limit of %d: only the first %d were read",
			len(files), c.lim.Members, c.lim.Members)
		files = files[:c.lim.Members]
	}
	seen := map[string]bool{}
	pickles := 0
	for _, zf := range files {
		if c.ctx.Err() != nil {
			break
		}
		name := zf.Name
		inner := p + "!" + name
		if seen[name] {
			c.addf("archive/duplicate-member", aiassure.High, inner, 0,
				"two members share the name %q: loaders disagree on which one they read", name)
		}
		seen[name] = true
		if s := memberPathIssue(name); s != "" {
			c.addf("archive/path-traversal", aiassure.High, inner, 0, "the member's name %s: extracting the archive writes outside its directory", s)
		}
		if zf.FileInfo().IsDir() {
			continue
		}
		if zf.Mode()&0o170000 == 0o120000 || zf.Mode()&(1<<27) != 0 {
			c.addf("archive/link", aiassure.Medium, inner, 0, "a symbolic link in the archive")
			continue
		}
		if strings.HasSuffix(name, ".pkl") {
			pickles++
		}
		comp, unc := zf.CompressedSize64, zf.UncompressedSize64
		if comp > 0 && unc/max(comp, 1) > uint64(c.lim.Ratio) {
			c.addf("archive/bomb", aiassure.High, inner, 0, "it declares %d bytes from %d compressed (ratio %d, limit %d): not decompressed",
				unc, comp, unc/comp, c.lim.Ratio)
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			c.addf("archive/malformed", aiassure.Medium, inner, 0, "the member does not open: %v", err)
			continue
		}
		c.member(inner, rc, int64(unc), zf.Method != zip.Store, depth)
		rc.Close()
	}
	notes := []string{fmt.Sprintf("%d members", len(v.z.File))}
	if f == FormatPyTorchZip && pickles == 0 {
		c.addf("archive/malformed", aiassure.Low, p, 0, "a torch.save archive whose data.pkl is not named .pkl")
	}
	return notes
}

// member reads one archive member within the limits and scans it. A large
// member whose start is none of the formats (raw tensor storage) is hashed
// while streaming and not kept.
func (c *ctxScan) member(inner string, r io.Reader, declared int64, compressed bool, depth int) {
	limit := min(c.lim.MemberBytes, c.budget)
	var h hash.Hash
	if c.hash {
		h = sha256.New()
		r = io.TeeReader(r, h)
	}
	head := make([]byte, 4096)
	n, err := io.ReadFull(r, head)
	head = head[:n]
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		c.addf("archive/malformed", aiassure.Medium, inner, 0, "reading the member: %v", err)
		return
	}
	f, _ := sniff(head, bytesReaderAt(head), int64(len(head)))
	keep := n < len(head) || declared <= 64<<20 || f != FormatUnknown
	var buf bytes.Buffer
	buf.Write(head)
	var total int64
	if keep {
		m, err := io.Copy(&buf, io.LimitReader(r, limit-int64(n)+1))
		total = int64(n) + m
		if err != nil {
			c.addf("archive/malformed", aiassure.Medium, inner, total, "reading the member: %v", err)
			return
		}
		if total > limit {
			c.addf("limits/member-size", aiassure.High, inner, 0,
				"the member is over %d bytes (the member or total archive limit): not analysed", limit)
			return
		}
	} else {
		m, err := io.Copy(io.Discard, io.LimitReader(r, c.lim.TotalBytes))
		total = int64(n) + m
		if err != nil {
			c.addf("archive/malformed", aiassure.Medium, inner, total, "reading the member: %v", err)
			return
		}
	}
	if compressed && declared >= 0 && total != declared {
		c.addf("archive/size-mismatch", aiassure.High, inner, 0,
			"the member decompresses to %d bytes but its header declares %d: a bomb or a file edited to mislead", total, declared)
	}
	digest := ""
	if h != nil {
		digest = hex.EncodeToString(h.Sum(nil))
	}
	if !keep {
		c.rep.Artifacts = append(c.rep.Artifacts, Artifact{Path: inner, Format: FormatUnknown, Size: total, SHA256: digest,
			Notes: []string{"raw data: hashed, not parsed"}})
		return
	}
	c.budget -= total
	c.scan(inner, bytesReaderAt(buf.Bytes()), int64(buf.Len()), digest, depth+1)
}

func (c *ctxScan) tarArchive(p string, r io.ReaderAt, size int64, depth int) []string {
	if depth >= c.lim.ArchiveDepth {
		c.addf("limits/archive-depth", aiassure.High, p, 0, "an archive nested more than %d deep: not opened", c.lim.ArchiveDepth)
		return nil
	}
	tr := tar.NewReader(io.NewSectionReader(r, 0, size))
	n := 0
	for {
		if c.ctx.Err() != nil {
			break
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			c.addf("archive/malformed", aiassure.Medium, p, 0, "the tar archive does not read past member %d: %v", n, err)
			break
		}
		n++
		if n > c.lim.Members {
			c.addf("limits/archive-members", aiassure.High, p, 0, "over %d members: the rest were not read", c.lim.Members)
			break
		}
		inner := p + "!" + hdr.Name
		if s := memberPathIssue(hdr.Name); s != "" {
			c.addf("archive/path-traversal", aiassure.High, inner, 0, "the member's name %s: extracting the archive writes outside its directory", s)
		}
		switch hdr.Typeflag {
		case tar.TypeReg:
			c.member(inner, tr, hdr.Size, false, depth)
		case tar.TypeSymlink, tar.TypeLink:
			sev := aiassure.Medium
			if memberPathIssue(hdr.Linkname) != "" {
				sev = aiassure.High
			}
			c.add(Finding{Rule: "archive/link", Severity: sev, Path: inner, Message: "a link in the archive: extracted, it points at " + hdr.Linkname,
				Evidence: []string{hdr.Linkname}})
		case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
			c.addf("archive/device", aiassure.High, inner, 0, "a device or pipe in the archive")
		}
	}
	return []string{fmt.Sprintf("%d members", n)}
}

// decompress reads gzip, zlib or bzip2 data within the limits and scans
// what it holds.
func (c *ctxScan) decompress(p string, f Format, r io.ReaderAt, size int64, depth int) []string {
	if depth >= c.lim.ArchiveDepth {
		c.addf("limits/archive-depth", aiassure.High, p, 0, "compressed data nested more than %d deep: not opened", c.lim.ArchiveDepth)
		return nil
	}
	src := io.NewSectionReader(r, 0, size)
	var zr io.Reader
	name := strings.TrimSuffix(path.Base(p), ".gz")
	switch f {
	case FormatGzip:
		g, err := gzip.NewReader(src)
		if err != nil {
			c.addf("archive/malformed", aiassure.Medium, p, 0, "gzip: %v", err)
			return nil
		}
		defer g.Close()
		if g.Name != "" {
			name = g.Name
		}
		zr = g
	case FormatZlib:
		z, err := zlib.NewReader(src)
		if err != nil {
			c.addf("archive/malformed", aiassure.Medium, p, 0, "zlib: %v", err)
			return nil
		}
		defer z.Close()
		zr, name = z, "<zlib>"
	default:
		zr, name = bzip2.NewReader(src), "<bzip2>"
	}
	limit := min(c.lim.MemberBytes, c.budget, size*c.lim.Ratio+1<<20)
	data, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil && len(data) == 0 {
		c.addf("archive/malformed", aiassure.Medium, p, 0, "%s: %v", f, err)
		return nil
	}
	if err != nil {
		c.addf("archive/malformed", aiassure.Low, p, int64(len(data)), "%s: %v after %d bytes: what came before is analysed", f, err, len(data))
	}
	if int64(len(data)) > limit {
		c.addf("archive/bomb", aiassure.High, p, 0, "it decompresses to more than %d bytes (ratio or size limit): not analysed", limit)
		return nil
	}
	c.budget -= int64(len(data))
	digest := ""
	if c.hash {
		s := sha256.Sum256(data)
		digest = hex.EncodeToString(s[:])
	}
	c.scan(p+"!"+name, bytesReaderAt(data), int64(len(data)), digest, depth+1)
	return []string{fmt.Sprintf("%s, %d bytes decompressed", f, len(data))}
}
