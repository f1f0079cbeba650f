// Package safepath confines the paths an input file names to that file's
// folder. A profile, an attestation or a policy is written by someone other
// than the person who runs the tool; the files it names are read, hashed and
// sometimes quoted in a report meant for third parties. A name that leaves
// the folder (an absolute path, a ".." that climbs out, a symbolic link
// anywhere along the way that points out) is refused unless the caller
// allows it, so that a profile cannot make the tool read /etc/passwd or a
// private key and put a line of it in the report.
//
// The check resolves symbolic links when it is made; a link changed between
// the check and the read is not caught (the tool does not defend against a
// concurrent local attacker, only against what the input files say).
package safepath

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrOutside is wrapped by the error of a path that leaves its folder.
var ErrOutside = errors.New("path outside its folder")

// Resolve returns name, a slash- or OS-separated path relative to dir, as a
// path to open: dir joined with name. It fails with ErrOutside when name is
// absolute, climbs out of dir with "..", or resolves, through symbolic links
// in dir or in name, to a place outside dir's own resolved location. A name
// that does not exist is checked lexically and through the part of it that
// does; opening it then fails as usual.
func Resolve(dir, name string) (string, error) {
	if name == "" {
		return "", errors.New("empty path")
	}
	if dir == "" {
		dir = "."
	}
	native := filepath.FromSlash(name)
	if filepath.IsAbs(native) || filepath.VolumeName(native) != "" || strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`) {
		return "", fmt.Errorf("%s is an absolute path: %w", quote(name), ErrOutside)
	}
	if !filepath.IsLocal(native) {
		return "", fmt.Errorf("%s climbs out with \"..\": %w", quote(name), ErrOutside)
	}
	path := filepath.Join(dir, native)
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return path, nil // the folder itself cannot be resolved: opening will fail
	}
	realDir, err = filepath.Abs(realDir)
	if err != nil {
		return path, nil
	}
	real, err := evalExisting(path)
	if err != nil {
		return path, nil
	}
	if !Within(realDir, real) {
		return "", fmt.Errorf("%s goes through a symbolic link that points out: %w", quote(name), ErrOutside)
	}
	return path, nil
}

// Join is Resolve when allowOutside is false; when it is true it only joins
// a relative name to dir (an absolute name is kept), as the tool did before
// paths were confined.
func Join(dir, name string, allowOutside bool) (string, error) {
	if !allowOutside {
		return Resolve(dir, name)
	}
	native := filepath.FromSlash(name)
	if filepath.IsAbs(native) {
		return filepath.Clean(native), nil
	}
	if dir == "" {
		dir = "."
	}
	return filepath.Join(dir, native), nil
}

// Within reports whether the absolute, cleaned path p is root or below it.
func Within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// evalExisting resolves the symbolic links of path, or of its longest prefix
// that exists when path does not, and returns it absolute.
func evalExisting(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	rest := ""
	for p := abs; ; {
		real, err := filepath.EvalSymlinks(p)
		if err == nil {
			return filepath.Join(real, rest), nil
		}
		if t, lerr := os.Readlink(p); lerr == nil { // a link that cannot be followed
			if !filepath.IsAbs(t) {
				t = filepath.Join(filepath.Dir(p), t)
			}
			return filepath.Join(filepath.Clean(t), rest), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(p)
		if parent == p {
			return "", err
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// quote shows at most 64 bytes of a name in a message.
func quote(s string) string {
	if len(s) > 64 {
		return fmt.Sprintf("%q... (%d bytes)", s[:64], len(s))
	}
	return fmt.Sprintf("%q", s)
}
