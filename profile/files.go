package profile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/aiassure/aiassure/internal/yamlx"
)

// CheckFiles checks that every file the profile declares exists and can be
// read: artefacts.model and artefacts.data, assets[].path,
// controls[].evidence[].ref, lineage.attestations, lineage.keys,
// lineage.policy and risk_acceptance. Paths resolve relative to the
// profile's directory (Resolve).
//
// An evidence ref is a file unless it has a URI scheme: two or more letters,
// digits, "+", "-" or "." starting with a letter, then ":" (https://...,
// urn:..., doc:DPIA-2024-03). Such a ref names a document outside the
// assessment and is not looked up. A one-letter scheme is a Windows drive
// (C:\...) and so a path.
//
// Model, key, policy and risk-acceptance paths must be regular files; data
// sets, asset paths, attestations and evidence may also be directories,
// which must be listable. Anything else (a device, a pipe) is refused
// without being opened.
//
// The error is a yamlx.Errors with one entry per problem, carrying the
// profile's file, the line and column of the declaring value (for a profile
// from Load or Decode) and its field path, in document order; nil when
// every file is there.
func CheckFiles(p *Profile) error {
	if p == nil {
		return errors.New("check profile files: nil profile")
	}
	var errs yamlx.Errors
	check := func(path, value string, dirOK bool) {
		if value == "" {
			return
		}
		file, err := p.File(value)
		msg := ""
		if err != nil {
			msg = err.Error()
		} else {
			msg = fileProblem(file, dirOK)
		}
		if msg == "" {
			return
		}
		e := &yamlx.Error{File: p.Path, Path: path, Msg: msg}
		e.Line, e.Col = p.Position(path)
		errs = append(errs, e)
	}
	check("artefacts.model", p.Artefacts.Model, false)
	check("artefacts.data", p.Artefacts.Data, true)
	check("artefacts.ledger", p.Artefacts.Ledger, true)
	check("artefacts.ledger_public_key", p.Artefacts.LedgerPublicKey, false)
	check("artefacts.train_data", p.Artefacts.TrainData, false)
	check("artefacts.heldout_data", p.Artefacts.HeldoutData, false)
	check("artefacts.reference_data", p.Artefacts.ReferenceData, false)
	for i, a := range p.Assets {
		check(fmt.Sprintf("assets[%d].path", i), a.Path, true)
	}
	for i, c := range p.Controls {
		for j, ev := range c.Evidence {
			if HasScheme(ev.Ref) {
				continue
			}
			check(fmt.Sprintf("controls[%d].evidence[%d].ref", i, j), ev.Ref, true)
		}
	}
	if l := p.Lineage; l != nil {
		for i, a := range l.Attestations {
			check(fmt.Sprintf("lineage.attestations[%d]", i), a, true)
		}
		for i, k := range l.Keys {
			check(fmt.Sprintf("lineage.keys[%d]", i), k, false)
		}
		check("lineage.policy", l.Policy, false)
	}
	if p.LLM != nil {
		check("llm.system_prompt", p.LLM.SystemPrompt, false)
	}
	if e := p.Artefacts.LLMEndpoint; e != nil {
		check("artefacts.llm_endpoint.mapping", e.Mapping, false)
	}
	check("risk_acceptance", p.RiskAcceptance, false)
	errs.Sort()
	return errs.Err()
}

// HasScheme reports whether ref starts with a URI scheme of two or more
// characters followed by a colon (RFC 3986, section 3.1), so that it names a
// document rather than a file: "https://example.org/x", "urn:isbn:...",
// "doc:DPIA-2024-03". "C:\x" (a drive letter) and "model/x.onnx" have none.
func HasScheme(ref string) bool {
	i := strings.IndexByte(ref, ':')
	if i < 2 {
		return false
	}
	for k := 0; k < i; k++ {
		c := ref[k]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case k > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// fileProblem says what is wrong with the file at path, or "" when it can
// be read. It names the resolved path so that the user can look for it.
func fileProblem(path string, dirOK bool) string {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Sprintf("%s does not exist", path)
		}
		return fmt.Sprintf("cannot read %s: %v", path, unwrapPath(err))
	}
	switch {
	case st.IsDir():
		if !dirOK {
			return fmt.Sprintf("%s is a directory, want a file", path)
		}
		if _, err := os.ReadDir(path); err != nil {
			return fmt.Sprintf("cannot read directory %s: %v", path, unwrapPath(err))
		}
		return ""
	case !st.Mode().IsRegular():
		return fmt.Sprintf("%s is not a regular file (%s)", path, st.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("cannot read %s: %v", path, unwrapPath(err))
	}
	defer f.Close()
	if _, err := f.Read(make([]byte, 1)); err != nil && err != io.EOF {
		return fmt.Sprintf("cannot read %s: %v", path, unwrapPath(err))
	}
	return ""
}

// unwrapPath drops the *fs.PathError around err, whose path the message
// already names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
