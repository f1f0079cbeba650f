package assess

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/aiassure/aiassure/lineage"
	"github.com/aiassure/aiassure/profile"
	"github.com/aiassure/aiassure/report"
)

// maxDirFiles bounds how many files of one declared directory the report
// lists with their digests.
const maxDirFiles = 1000

// artefacts lists every file the assessment rests on, with its SHA-256: the
// profile, the files its assets, artefacts, evidence and lineage name, and
// the risk-acceptance file. A directory is listed file by file. A file that
// cannot be read is listed with a note and no digest.
func artefacts(p *profile.Profile, extra []report.Artefact) []report.Artefact {
	var out []report.Artefact
	seen := map[string]bool{}
	add := func(role, rel string) {
		if rel == "" || profile.HasScheme(rel) {
			return
		}
		path, err := p.File(rel)
		if err != nil {
			// Outside the profile's folder: listed, never read or hashed.
			out = append(out, report.Artefact{Role: role, Path: p.Resolve(rel), Note: "not read: " + err.Error()})
			return
		}
		if seen[path] {
			return
		}
		seen[path] = true
		fi, err := os.Stat(path)
		if err != nil {
			out = append(out, report.Artefact{Role: role, Path: path, Note: "cannot be read: " + errText(err)})
			return
		}
		if !fi.IsDir() {
			out = append(out, digestOf(role, path))
			return
		}
		n := 0
		_ = filepath.WalkDir(path, func(f string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !d.Type().IsRegular() || seen[f] {
				return nil
			}
			if n++; n > maxDirFiles {
				return fs.SkipAll
			}
			seen[f] = true
			out = append(out, digestOf(role, f))
			return nil
		})
	}
	out = append(out, digestOf("profile", p.Path))
	seen[p.Path] = true
	for _, a := range p.Assets {
		add(a.Kind, a.Path)
	}
	add("model", p.Artefacts.Model)
	add("dataset", p.Artefacts.Data)
	for _, c := range p.Controls {
		for _, e := range c.Evidence {
			add("evidence", e.Ref)
		}
	}
	if l := p.Lineage; l != nil {
		for _, a := range l.Attestations {
			add("attestation", a)
		}
		for _, k := range l.Keys {
			add("key", k)
		}
		add("policy", l.Policy)
	}
	add("risk-acceptance", p.RiskAcceptance)
	for _, x := range extra {
		if !seen[x.Path] {
			seen[x.Path] = true
			if x.Digest == "" {
				x = digestOf(x.Role, x.Path)
			}
			out = append(out, x)
		}
	}
	return out
}

// digestOf is the artefact at path with its SHA-256, streamed by the
// lineage hasher; a file that cannot be read gets a note instead.
func digestOf(role, path string) report.Artefact {
	a := report.Artefact{Role: role, Path: path}
	hex, _, err := lineage.HashFile(context.Background(), path)
	if err != nil {
		a.Note = "cannot be read: " + errText(err)
		return a
	}
	a.Digest = "sha256:" + hex
	return a
}

func errText(err error) string {
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
