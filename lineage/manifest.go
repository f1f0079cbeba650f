package lineage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
)

// DigestSet maps an algorithm name to a lower-case hex digest, as in the
// in-toto DigestSet ("sha256" → "e3b0...").
type DigestSet map[string]string

// Manifest lists the digests of the files of a model or data set. Its
// serialization and resources fields have the shape of the OpenSSF
// model-signing v1.0 predicate; Statement wraps them into that predicate.
type Manifest struct {
	Name          string        `json:"name"`
	Digest        DigestSet     `json:"digest"` // sha256 over the resources' digests, in order
	Serialization Serialization `json:"serialization"`
	Resources     []Resource    `json:"resources"`
	Files         int           `json:"files"`
	Size          int64         `json:"size"`
	Notes         []string      `json:"notes,omitempty"` // skipped special files, links
}

// Serialization says how the resources were computed.
type Serialization struct {
	Method        string   `json:"method"`    // files or shards
	HashType      string   `json:"hash_type"` // sha256
	AllowSymlinks bool     `json:"allow_symlinks"`
	ShardSize     int64    `json:"shard_size,omitempty"`
	IgnorePaths   []string `json:"ignore_paths,omitempty"`
}

// Resource is one file or shard and its digest.
type Resource struct {
	Name      string `json:"name"` // slash path; "path:start:end" for a shard
	Algorithm string `json:"algorithm"`
	Digest    string `json:"digest"`
}

// PredicateModelSigning is the predicate type of model-signing v1.0.
const PredicateModelSigning = "https://model_signing/signature/v1.0"

// MaxManifestSize bounds the manifests ParseManifest reads.
const MaxManifestSize = 256 << 20

// resourceKey orders resources by file path, then shard start.
func resourceKey(name string) (string, int64) {
	i := strings.LastIndexByte(name, ':')
	if i < 0 {
		return name, -1
	}
	j := strings.LastIndexByte(name[:i], ':')
	if j < 0 {
		return name, -1
	}
	s, err := strconv.ParseInt(name[j+1:i], 10, 64)
	if err != nil {
		return name, -1
	}
	return name[:j], s
}

func (m *Manifest) sortResources() {
	sort.SliceStable(m.Resources, func(a, b int) bool {
		pa, sa := resourceKey(m.Resources[a].Name)
		pb, sb := resourceKey(m.Resources[b].Name)
		if pa != pb {
			return pa < pb
		}
		return sa < sb
	})
}

// rootDigest is the hex SHA-256 over the raw digests in resource order.
func (m *Manifest) rootDigest() string {
	h := sha256.New()
	for _, r := range m.Resources {
		b, _ := hex.DecodeString(r.Digest)
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// FileDigests returns path → hex SHA-256 for a MethodFiles manifest.
func (m *Manifest) FileDigests() map[string]string {
	out := make(map[string]string, len(m.Resources))
	for _, r := range m.Resources {
		out[r.Name] = r.Digest
	}
	return out
}

// Statement returns the unsigned in-toto Statement of model-signing v1.0:
// the manifest's name and root digest as subject, its serialization and
// resources as predicate.
func (m *Manifest) Statement() *Statement {
	pred, _ := json.Marshal(struct {
		Serialization Serialization `json:"serialization"`
		Resources     []Resource    `json:"resources"`
	}{m.Serialization, m.Resources})
	return &Statement{
		Type:          StatementType,
		Subject:       []ResourceDescriptor{{Name: m.Name, Digest: DigestSet{"sha256": m.Digest["sha256"]}}},
		PredicateType: PredicateModelSigning,
		Predicate:     pred,
	}
}

// Marshal returns the canonical JSON of the manifest, indented, with a
// final newline.
func (m *Manifest) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ParseManifest reads a manifest and checks it: known method and
// algorithms, clean relative names, no duplicates, hex digests, shards that
// tile each file, and a root digest that matches the resources.
func ParseManifest(data []byte) (*Manifest, error) {
	if len(data) > MaxManifestSize {
		return nil, malformed("manifest larger than %d bytes", MaxManifestSize)
	}
	var m Manifest
	if err := decodeStrict(data, &m); err != nil {
		return nil, malformed("manifest: %v", err)
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	return &m, nil
}

func (m *Manifest) check() error {
	s := m.Serialization
	if s.HashType != "sha256" {
		return malformed("manifest: hash_type %q (want sha256)", s.HashType)
	}
	want := "sha256"
	switch s.Method {
	case MethodFiles:
		if s.ShardSize != 0 {
			return malformed("manifest: shard_size with method files")
		}
	case MethodShards:
		if s.ShardSize <= 0 {
			return malformed("manifest: method shards needs a positive shard_size")
		}
		want = fmt.Sprintf("sha256-sharded-%d", s.ShardSize)
	default:
		return malformed("manifest: unknown method %q", s.Method)
	}
	if m.Files < 0 || m.Size < 0 {
		return malformed("manifest: negative files or size")
	}
	seen := map[string]bool{}
	ends := map[string]int64{} // shards: where the next shard of a file must start
	for i, r := range m.Resources {
		if r.Algorithm != want {
			return malformed("manifest: resource %d: algorithm %q (want %s)", i, r.Algorithm, want)
		}
		if !isHexDigest(r.Digest, sha256.Size) {
			return malformed("manifest: resource %d: digest is not 64 lower-case hex digits", i)
		}
		if seen[r.Name] {
			return malformed("manifest: duplicate resource %q", r.Name)
		}
		seen[r.Name] = true
		name := r.Name
		if s.Method == MethodShards {
			p, start, end, err := parseShard(r.Name)
			if err != nil {
				return malformed("manifest: resource %d: %v", i, err)
			}
			if end-start > s.ShardSize || start != ends[p] || (start > 0 && end == start) {
				return malformed("manifest: resource %q: shards of %s do not tile the file", r.Name, p)
			}
			ends[p] = end
			name = p
		}
		if !cleanRelative(name) {
			return malformed("manifest: resource name %q is not a clean relative path", name)
		}
	}
	for i := 1; i < len(m.Resources); i++ {
		pa, sa := resourceKey(m.Resources[i-1].Name)
		pb, sb := resourceKey(m.Resources[i].Name)
		if pa > pb || (pa == pb && sa >= sb) {
			return malformed("manifest: resources not sorted at %q", m.Resources[i].Name)
		}
	}
	if len(m.Digest) != 1 || !isHexDigest(m.Digest["sha256"], sha256.Size) {
		return malformed("manifest: digest must be one sha256")
	}
	if got := m.rootDigest(); got != m.Digest["sha256"] {
		return malformed("manifest: root digest %s does not match the resources (%s)", m.Digest["sha256"], got)
	}
	return nil
}

func parseShard(name string) (p string, start, end int64, err error) {
	i := strings.LastIndexByte(name, ':')
	j := -1
	if i > 0 {
		j = strings.LastIndexByte(name[:i], ':')
	}
	if j <= 0 {
		return "", 0, 0, fmt.Errorf("shard name %q is not path:start:end", name)
	}
	start, err1 := strconv.ParseInt(name[j+1:i], 10, 64)
	end, err2 := strconv.ParseInt(name[i+1:], 10, 64)
	if err1 != nil || err2 != nil || start < 0 || end < start {
		return "", 0, 0, fmt.Errorf("shard name %q has a bad range", name)
	}
	return name[:j], start, end, nil
}

// cleanRelative reports whether p is a clean, relative slash path that
// stays below its root.
func cleanRelative(p string) bool {
	if p == "" || p == "." || strings.HasPrefix(p, "/") || strings.Contains(p, "\\") || strings.ContainsRune(p, 0) {
		return false
	}
	if path.Clean(p) != p {
		return false
	}
	return p != ".." && !strings.HasPrefix(p, "../")
}

func isHexDigest(s string, size int) bool {
	if len(s) != 2*size {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// decodeStrict decodes exactly one JSON value with no unknown fields.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}
