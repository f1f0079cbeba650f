package profile

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"weak"

	"github.com/aiassure/aiassure/internal/safepath"
	"github.com/aiassure/aiassure/internal/yamlx"
)

// MaxSize is the largest profile Load and Decode accept, in bytes.
const MaxSize = yamlx.DefaultMaxBytes

// Load reads, decodes and validates the profile at path.
func Load(path string) (*Profile, error) {
	data, err := yamlx.ReadFile(path, MaxSize)
	if err != nil {
		return nil, fmt.Errorf("read profile: %w", err)
	}
	return Decode(path, data)
}

// Decode decodes and validates a profile; name is the file it came from
// (used in errors and set as Path). On failure the error is a yamlx.Errors
// listing every problem, sorted by position, and the profile is nil.
func Decode(name string, data []byte) (*Profile, error) {
	p := &Profile{}
	pos, err := yamlx.Decode(name, data, p)
	var errs yamlx.Errors
	if err != nil {
		if !errors.As(err, &errs) {
			return nil, fmt.Errorf("decode profile %s: %w", name, err)
		}
		if pos == nil {
			return nil, errs // nothing was decoded: a syntax error, an empty or oversized document
		}
	}
	p.Path = name
	for _, e := range errs {
		if e.Path == "role" && strings.HasPrefix(e.Msg, "expected a string") {
			e.Msg += "; for several roles, write roles: [provider, deployer]"
		}
	}
	for _, e := range validate(p, name, pos) {
		if !under(e.Path, errs) {
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		errs.Sort()
		if len(errs) > yamlx.DefaultMaxErrors {
			errs = append(errs[:yamlx.DefaultMaxErrors:yamlx.DefaultMaxErrors], &yamlx.Error{File: name, Msg: "too many errors; stopped"})
		}
		return nil, errs
	}
	remember(p, pos)
	return p, nil
}

// under reports whether path, or a value it is within, already has a
// decoding error: validating what could not be decoded would only repeat it.
func under(path string, errs yamlx.Errors) bool {
	for _, e := range errs {
		if e.Path == "" {
			continue
		}
		if path == e.Path || strings.HasPrefix(path, e.Path+".") || strings.HasPrefix(path, e.Path+"[") {
			return true
		}
	}
	return false
}

// File returns the file a path in the profile names (written with / or the
// system's separator), resolved against the profile's folder and confined
// to it: an absolute path, a ".." that climbs out, or a symbolic link that
// points out fails with an error wrapping safepath.ErrOutside, unless
// AllowOutsidePaths is set. Use File for every path that is read. A profile
// built in code (no Path) is not confined: its paths are taken as given.
func (p *Profile) File(rel string) (string, error) {
	if rel == "" {
		return "", nil
	}
	if p.Path == "" || p.AllowOutsidePaths {
		return p.Resolve(rel), nil
	}
	path, err := safepath.Resolve(filepath.Dir(p.Path), rel)
	if err != nil {
		return "", fmt.Errorf("%w (give -allow-outside-paths to read it)", err)
	}
	return path, nil
}

// Resolve returns rel (a path in the profile, written with / or the
// system's separator) relative to the profile's directory. Absolute paths
// and the empty string come back cleaned and unchanged. Resolve does not
// confine the path: to read a file the profile names, use File.
func (p *Profile) Resolve(rel string) string {
	if rel == "" {
		return ""
	}
	rel = filepath.FromSlash(rel)
	if filepath.IsAbs(rel) || p.Path == "" {
		return filepath.Clean(rel)
	}
	return filepath.Join(filepath.Dir(p.Path), rel)
}

// Position returns where the value at a field path (as in errors:
// "assets[2].exposure.rate_limit") was in the file the profile was decoded
// from, or the nearest enclosing value that was there. It returns 0, 0 for a
// profile that was not decoded by Load or Decode.
func (p *Profile) Position(path string) (line, col int) {
	pos := positionsOf(p)
	if pos == nil {
		return 0, 0
	}
	at, _ := pos.Near(path)
	return at.Line, at.Col
}

// positions remembers where each decoded profile's values were, keyed weakly
// so that a profile's entry goes when the profile does. It keeps the
// Profile type free of bookkeeping.
var positions sync.Map // weak.Pointer[Profile] -> yamlx.Positions

func remember(p *Profile, pos yamlx.Positions) {
	k := weak.Make(p)
	positions.Store(k, pos)
	runtime.AddCleanup(p, func(k weak.Pointer[Profile]) { positions.Delete(k) }, k)
}

func positionsOf(p *Profile) yamlx.Positions {
	if p == nil {
		return nil
	}
	v, ok := positions.Load(weak.Make(p))
	if !ok {
		return nil
	}
	return v.(yamlx.Positions)
}

// Line returns the line of the value at path in the file the profile was
// decoded from and whether the value itself is there; when it is not, the
// line is that of the nearest enclosing value (0 when none is known).
func (p *Profile) Line(path string) (line int, present bool) {
	pos := positionsOf(p)
	if pos == nil {
		return 0, false
	}
	at, ok := pos.Near(path)
	return at.Line, ok
}
