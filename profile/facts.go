package profile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// factsKey matches the top-level facts: key of a profile.
var factsKey = regexp.MustCompile(`(?m)^facts[ \t]*:`)

// SetFacts returns src with its top-level facts: block replaced by facts,
// written in the order of keys (keys missing from order follow, sorted).
// Everything else in src, comments included, is kept byte for byte. With no
// facts: block, the new one goes before the use: block, or at the end. The
// result is decoded again before it is returned, so that a profile that
// would no longer read is never produced.
func SetFacts(name string, src []byte, facts map[string]string, order []string) ([]byte, error) {
	block := renderFacts(facts, order)
	var out []byte
	if loc := factsKey.FindIndex(src); loc != nil {
		end := blockEnd(src, loc[1])
		out = slices.Concat(src[:loc[0]], block, src[end:])
	} else if loc := regexp.MustCompile(`(?m)^use[ \t]*:`).FindIndex(src); loc != nil {
		start := commentStart(src, loc[0])
		out = slices.Concat(src[:start], append(block, '\n'), src[start:])
	} else {
		body := src
		if len(body) > 0 && body[len(body)-1] != '\n' {
			body = append(bytes.Clone(body), '\n')
		}
		out = slices.Concat(body, []byte("\n"), block)
	}
	if _, err := Decode(name, out); err != nil {
		return nil, fmt.Errorf("the profile with the new facts block does not read: %w", err)
	}
	return out, nil
}

// blockEnd returns the offset where the top-level block that starts before
// off ends: at the next line that begins a top-level key, a document
// marker, or the end of src. Comment lines and blank lines that precede the
// next key belong to it, not to the block.
func blockEnd(src []byte, off int) int {
	i := bytes.IndexByte(src[off:], '\n')
	if i < 0 {
		return len(src)
	}
	pos := off + i + 1
	lastContent := pos
	for pos < len(src) {
		j := bytes.IndexByte(src[pos:], '\n')
		next := len(src)
		if j >= 0 {
			next = pos + j + 1
		}
		line := src[pos:next]
		trimmed := bytes.TrimSpace(line)
		switch {
		case len(trimmed) == 0 || trimmed[0] == '#':
			if line[0] == '#' {
				return lastContent // a top-level comment belongs to what follows
			}
		case line[0] != ' ' && line[0] != '\t':
			return lastContent
		default:
			lastContent = next
		}
		pos = next
	}
	return lastContent
}

// commentStart moves off back over the comment lines directly above it, so
// that an insertion keeps a key's comment with the key.
func commentStart(src []byte, off int) int {
	for off > 0 {
		prev := bytes.LastIndexByte(src[:off-1], '\n') + 1
		if !bytes.HasPrefix(src[prev:off], []byte("#")) {
			return off
		}
		off = prev
	}
	return off
}

func renderFacts(facts map[string]string, order []string) []byte {
	var b strings.Builder
	b.WriteString("facts:\n")
	seen := map[string]bool{}
	write := func(k string) {
		if v, ok := facts[k]; ok && !seen[k] {
			seen[k] = true
			fmt.Fprintf(&b, "  %s: %s\n", k, yamlScalar(v))
		}
	}
	for _, k := range order {
		write(k)
	}
	var rest []string
	for k := range facts {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		write(k)
	}
	if len(facts) == 0 {
		return []byte("facts: {}\n")
	}
	return []byte(b.String())
}

var plainScalar = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// yamlScalar writes v plain when YAML reads it back as the same string,
// else quoted.
func yamlScalar(v string) string {
	if plainScalar.MatchString(v) && v != "true" && v != "false" && v != "null" {
		return v
	}
	return fmt.Sprintf("%q", v)
}

// WriteFile writes data to path atomically: to a temporary file in the same
// directory, synced and renamed over path, keeping path's permissions.
func WriteFile(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, mode)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
