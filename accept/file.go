// Package accept reads a risk-acceptance file and applies it to the findings
// of an assessment.
//
// A risk-acceptance file (docs/risk-acceptance.md) is the provider's record,
// under AI Act Art. 9(5), that the residual risk behind a finding has been
// judged acceptable: by whom, why, on what date and until when. It is named
// by the profile's risk_acceptance field, in the manner of trivy's
// .trivyignore.yaml and of OpenVEX statements. Each entry names what it
// accepts by a finding's fingerprint, by a finding's ID, or by a threat and,
// optionally, an asset.
//
// Apply marks the findings a valid entry covers (Finding.Accepted): they stay
// in the report and do not count toward a failure threshold (Counts). Entries
// that have expired, are dated in the future, name a threat or asset the
// assessment does not know, or match nothing come back as findings of kind
// "acceptance", and the findings they would have covered count again.
package accept

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/internal/yamlx"
)

// APIVersion and Kind are the only api_version and kind this release reads.
const (
	APIVersion = "aiassure.dev/v1"
	Kind       = "RiskAcceptance"
)

// Limits on a risk-acceptance file.
const (
	MaxSize       = 1 << 20 // bytes
	MaxEntries    = 10_000
	MaxReason     = 4000 // characters of a reason
	MaxText       = 200  // characters of accepted_by, reviewed_by, ref, threat, asset
	MaxFindingID  = 500  // characters of a finding ID
	dateLayout    = "2006-01-02"
	fingerprintRE = `^[0-9a-f]{16}$`
	threatRE      = `^[a-z0-9]+(-[a-z0-9]+)*$`
)

var (
	fingerprintPattern = regexp.MustCompile(fingerprintRE)
	threatPattern      = regexp.MustCompile(threatRE)
)

// File is a decoded risk-acceptance file.
type File struct {
	APIVersion string  `yaml:"api_version"`
	Kind       string  `yaml:"kind"`
	Accepted   []Entry `yaml:"accepted"`

	// Path is the name the file was decoded under; not part of the document.
	Path string `yaml:"-"`

	at      yamlx.Positions            // where each value was
	threats map[aiassure.ThreatID]bool // known threats (SetVocabulary); nil: not checked
	assets  map[string]bool            // known assets (SetVocabulary); nil: not checked
}

// Entry is one acceptance. It names what it accepts by exactly one of
// Fingerprint, Finding or Threat (with an optional Asset).
type Entry struct {
	Fingerprint string            `yaml:"fingerprint,omitempty"` // aiassure.Fingerprint of a finding's ID
	Finding     string            `yaml:"finding,omitempty"`     // a finding's ID
	Threat      aiassure.ThreatID `yaml:"threat,omitempty"`      // a catalogue threat: covers risk findings of that threat
	Asset       string            `yaml:"asset,omitempty"`       // with Threat only: a profile asset ID
	AcceptedBy  string            `yaml:"accepted_by"`           // the person or role who accepted the risk
	ReviewedBy  string            `yaml:"reviewed_by,omitempty"` // a second person or role, not AcceptedBy
	Reason      string            `yaml:"reason"`                // why the residual risk is acceptable
	Date        string            `yaml:"date"`                  // YYYY-MM-DD, when it was accepted
	Expires     string            `yaml:"expires,omitempty"`     // YYYY-MM-DD, the last day it holds
	Ref         string            `yaml:"ref,omitempty"`         // a ticket or risk-register reference

	// Decoded from Date and Expires (midnight UTC); Until is zero when the
	// entry has no expiry.
	On    time.Time `yaml:"-"`
	Until time.Time `yaml:"-"`
	// Line and Col are where the entry starts in the file.
	Line int `yaml:"-"`
	Col  int `yaml:"-"`
}

// Selector names what e accepts, as it appears in problem IDs:
// "fingerprint/F", "finding/ID", "threat/T" or "threat/T/ASSET".
func (e *Entry) Selector() string {
	switch {
	case e.Fingerprint != "":
		return "fingerprint/" + e.Fingerprint
	case e.Finding != "":
		return "finding/" + e.Finding
	case e.Asset != "":
		return "threat/" + string(e.Threat) + "/" + e.Asset
	}
	return "threat/" + string(e.Threat)
}

// key identifies what e accepts, for the duplicate check: an entry by
// finding ID and one by that ID's fingerprint accept the same finding.
func (e *Entry) key() string {
	switch {
	case e.Fingerprint != "":
		return "fp:" + e.Fingerprint
	case e.Finding != "":
		return "fp:" + aiassure.Fingerprint(e.Finding)
	}
	return "threat:" + string(e.Threat) + "\x00" + e.Asset
}

// ErrInvalid is what every error of Decode (and Load's decoding errors)
// matches with errors.Is: the file is the user's input and it is wrong. The
// problems themselves are a yamlx.Errors, for errors.As.
var ErrInvalid = errors.New("invalid risk-acceptance file")

// invalid is a yamlx.Errors that also matches ErrInvalid.
type invalid struct{ errs yamlx.Errors }

func (e invalid) Error() string   { return e.errs.Error() }
func (e invalid) Unwrap() []error { return []error{ErrInvalid, e.errs} }

// Load reads and decodes the risk-acceptance file at path.
func Load(path string) (*File, error) {
	data, err := yamlx.ReadFile(path, MaxSize)
	if err != nil {
		return nil, fmt.Errorf("read risk acceptance: %w", err)
	}
	return Decode(path, data)
}

// Decode decodes and validates a risk-acceptance file; name is the file it
// came from (used in errors and locations, and set as Path). On failure the
// error lists every problem, sorted by position, one per line as
// "file:line:col: field.path: message"; it matches ErrInvalid (errors.Is) and
// holds a yamlx.Errors (errors.As). The File is then nil.
func Decode(name string, data []byte) (*File, error) {
	f := &File{}
	pos, err := yamlx.DecodeLimits(name, data, f, yamlx.Limits{MaxBytes: MaxSize})
	var errs yamlx.Errors
	if err != nil {
		if !errors.As(err, &errs) {
			return nil, fmt.Errorf("decode risk acceptance %s: %w", name, err)
		}
		if pos == nil {
			return nil, invalid{errs} // nothing decoded: syntax error, empty or oversized document
		}
	}
	f.Path = name
	v := &validator{file: name, pos: pos}
	v.check(f)
	for _, e := range v.errs {
		if !under(e.Path, errs) {
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		errs.Sort()
		if len(errs) > yamlx.DefaultMaxErrors {
			errs = append(errs[:yamlx.DefaultMaxErrors:yamlx.DefaultMaxErrors], &yamlx.Error{File: name, Msg: "too many errors; stopped"})
		}
		return nil, invalid{errs}
	}
	f.at = pos
	return f, nil
}

// under reports whether path, or a value it is within, already has a
// decoding error.
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

type validator struct {
	file string
	pos  yamlx.Positions
	errs yamlx.Errors
}

func (v *validator) add(path, format string, args ...any) {
	at, _ := v.pos.Near(path)
	v.errs = append(v.errs, &yamlx.Error{File: v.file, Line: at.Line, Col: at.Col, Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) present(path string) bool {
	_, ok := v.pos[path]
	return ok
}

func (v *validator) check(f *File) {
	switch {
	case !v.present("api_version"):
		v.add("api_version", "required field is missing (want %q)", APIVersion)
	case f.APIVersion != APIVersion:
		v.add("api_version", "unsupported version %q; this release reads %q", f.APIVersion, APIVersion)
	}
	switch {
	case !v.present("kind"):
		v.add("kind", "required field is missing (want %q)", Kind)
	case f.Kind != Kind:
		v.add("kind", "kind is %q; a risk-acceptance file has kind %q", f.Kind, Kind)
	}
	if !v.present("accepted") {
		v.add("accepted", "required field is missing (a list of entries; it may be empty)")
	}
	if len(f.Accepted) > MaxEntries {
		v.add("accepted", "%d entries, over the limit of %d", len(f.Accepted), MaxEntries)
		return
	}
	seen := map[string]int{}
	for i := range f.Accepted {
		e := &f.Accepted[i]
		path := fmt.Sprintf("accepted[%d]", i)
		at := v.pos[path]
		e.Line, e.Col = at.Line, at.Col
		if !v.entry(e, path) {
			continue
		}
		k := e.key()
		if j, dup := seen[k]; dup {
			first := &f.Accepted[j]
			what := "the same finding"
			if e.Threat != "" {
				what = "the same threat and asset"
			}
			v.add(path, "duplicate entry: accepts %s as accepted[%d] (line %d); merge them into one", what, j, first.Line)
			continue
		}
		seen[k] = i
	}
}

// entry validates one entry and reports whether it names what it accepts
// well enough for the duplicate check.
func (v *validator) entry(e *Entry, path string) bool {
	selectors := 0
	for _, s := range []string{e.Fingerprint, e.Finding, string(e.Threat)} {
		if s != "" {
			selectors++
		}
	}
	named := true
	switch selectors {
	case 0:
		v.add(path, "names nothing: give one of fingerprint, finding, or threat (with an optional asset)")
		named = false
	case 1:
	default:
		v.add(path, "names more than one of fingerprint, finding and threat; give exactly one")
		named = false
	}
	if e.Fingerprint != "" && !fingerprintPattern.MatchString(e.Fingerprint) {
		v.add(path+".fingerprint", "invalid fingerprint %q: want the 16 lower-case hex digits a report prints for the finding", clip(e.Fingerprint))
		named = false
	}
	if e.Finding != "" {
		switch {
		case !v.text(path+".finding", e.Finding, MaxFindingID, false):
			named = false
		case strings.HasPrefix(e.Finding, "acceptance/"):
			v.add(path+".finding", "findings of kind acceptance report problems with this file; they cannot be accepted, fix the entry instead")
			named = false
		}
	}
	if e.Threat != "" {
		if !threatPattern.MatchString(string(e.Threat)) || len(e.Threat) > MaxText {
			v.add(path+".threat", "invalid threat ID %q: want a catalogue threat such as \"model-extraction\"", clip(string(e.Threat)))
			named = false
		}
	}
	if v.present(path+".asset") && e.Asset == "" {
		v.add(path+".asset", "must not be empty; leave the field out to accept the threat on every asset")
	}
	if e.Asset != "" {
		if e.Threat == "" {
			v.add(path+".asset", "an asset narrows a threat entry; give threat too, or drop asset")
		}
		if !v.text(path+".asset", e.Asset, MaxText, false) {
			named = false
		}
	}
	v.required(path+".accepted_by", e.AcceptedBy, MaxText, false)
	v.required(path+".reason", e.Reason, MaxReason, true)
	if e.ReviewedBy != "" && v.text(path+".reviewed_by", e.ReviewedBy, MaxText, false) &&
		strings.EqualFold(strings.TrimSpace(e.ReviewedBy), strings.TrimSpace(e.AcceptedBy)) {
		v.add(path+".reviewed_by", "the reviewer is the person who accepted the risk; name a second person or leave reviewed_by out")
	}
	if e.Ref != "" {
		v.text(path+".ref", e.Ref, MaxText, false)
	}
	if !v.present(path + ".date") {
		v.add(path+".date", "required field is missing (the day the risk was accepted, YYYY-MM-DD)")
	} else {
		e.On = v.date(path+".date", e.Date)
	}
	if v.present(path + ".expires") {
		e.Until = v.date(path+".expires", e.Expires)
		if !e.On.IsZero() && !e.Until.IsZero() && e.Until.Before(e.On) {
			v.add(path+".expires", "expires %s is before the acceptance date %s", e.Expires, e.Date)
		}
	}
	return named
}

func (v *validator) required(path, s string, limit int, multiline bool) {
	if !v.present(path) {
		v.add(path, "required field is missing")
		return
	}
	v.text(path, s, limit, multiline)
}

// text checks a free-text value: not blank, within limit, no control
// characters (a multi-line one may hold newlines and tabs).
func (v *validator) text(path, s string, limit int, multiline bool) bool {
	if strings.TrimSpace(s) == "" {
		v.add(path, "must not be empty")
		return false
	}
	if !utf8.ValidString(s) {
		v.add(path, "is not valid UTF-8")
		return false
	}
	if n := utf8.RuneCountInString(s); n > limit {
		v.add(path, "is %d characters long, over the limit of %d", n, limit)
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t')) {
			v.add(path, "contains the control character %U", r)
			return false
		}
	}
	return true
}

func (v *validator) date(path, s string) time.Time {
	t, err := time.Parse(dateLayout, s)
	if err != nil || t.Format(dateLayout) != s {
		v.add(path, "invalid date %q: want YYYY-MM-DD, e.g. 2026-06-30", clip(s))
		return time.Time{}
	}
	if t.Year() < 2000 || t.Year() > 2999 {
		v.add(path, "date %s is out of range (2000 to 2999)", s)
		return time.Time{}
	}
	return t
}

func clip(s string) string {
	if utf8.RuneCountInString(s) > 60 {
		return string([]rune(s)[:60]) + "..."
	}
	return s
}
