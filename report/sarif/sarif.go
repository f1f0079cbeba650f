// Package sarif writes the report's findings as a SARIF 2.1.0 log for code
// scanning (GitHub code scanning and other SARIF viewers), in the form that
// Microsoft's SARIF Multitool accepts with GitHub's rules (validate
// --rule-kind "Gh;Sarif"; see docs/report-formats.md).
//
// There is one rule per finding kind and threat ("risk/evasion",
// "evidence-gap"), with a full description, help that says how to fix it
// (for a risk: the controls missing against it), a help URI and a
// security-severity in GitHub's bands. There is one result per finding, at
// the file and line of the input it comes from (the profile line of
// Finding.Locations[0]), with the finding's fingerprint as partial
// fingerprint, its AI Act provisions and standard clauses in the message and
// properties, and, for an accepted risk, an external suppression with the
// acceptance's justification. Standardisation gaps of the ENISA report are
// not findings about the system and are not written.
package sarif

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/internal/safetext"
	"github.com/aiassure/aiassure/report"
)

// MediaType of a SARIF log.
const MediaType = "application/sarif+json"

// Schema is the $schema of the log: the OASIS SARIF 2.1.0 JSON schema.
const Schema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// FingerprintKey names the partial fingerprint of a result: the finding's
// Fingerprint, which a risk acceptance also names.
const FingerprintKey = "aiassureFinding/v2"

// SrcRoot is the uriBaseId of relative locations: the directory the tool
// was run from, which for code scanning is the repository root.
const SrcRoot = "%SRCROOT%"

// InformationURI is the tool's home page.
const InformationURI = "https://github.com/aiassure/aiassure"

// The public pages the rules' help points to.
const (
	ENISAReportURL = "https://www.enisa.europa.eu/publications/cybersecurity-of-ai-and-standardisation"
	AIActURL       = "https://eur-lex.europa.eu/eli/reg/2024/1689/oj"
	docsURL        = InformationURI + "/blob/main/docs/"
)

// Log is a SARIF log with the parts aiassure writes.
type Log struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []Run  `json:"runs"`
}

// Run is one run of a tool.
type Run struct {
	Tool        Tool           `json:"tool"`
	Invocations []Invocation   `json:"invocations,omitempty"`
	Artifacts   []Artifact     `json:"artifacts,omitempty"`
	Results     []Result       `json:"results"`
	Properties  *RunProperties `json:"properties,omitempty"`
}

// RunProperties carry the assessment's context.
type RunProperties struct {
	System         string `json:"system"`
	SystemVersion  string `json:"systemVersion,omitempty"`
	Tier           string `json:"tier,omitempty"`
	CatalogVersion string `json:"catalogVersion,omitempty"`
	SchemaVersion  string `json:"reportSchemaVersion"`
	Verdict        string `json:"verdict,omitempty"`
}

// Invocation records that the run completed and when.
type Invocation struct {
	ExecutionSuccessful bool   `json:"executionSuccessful"`
	EndTimeUTC          string `json:"endTimeUtc,omitempty"`
}

// Artifact is a file the results refer to.
type Artifact struct {
	Location ArtifactLocation  `json:"location"`
	Roles    []string          `json:"roles,omitempty"`
	Hashes   map[string]string `json:"hashes,omitempty"`
}

// Tool describes aiassure.
type Tool struct {
	Driver Driver `json:"driver"`
}

// Driver is the tool component that produced the results.
type Driver struct {
	Name            string `json:"name"`
	Version         string `json:"version,omitempty"`
	SemanticVersion string `json:"semanticVersion,omitempty"`
	InformationURI  string `json:"informationUri"`
	Rules           []Rule `json:"rules"`
}

// Rule describes one kind of finding.
type Rule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name"`
	ShortDescription     Message            `json:"shortDescription"`
	FullDescription      Message            `json:"fullDescription"`
	Help                 MultiformatMessage `json:"help"`
	HelpURI              string             `json:"helpUri"`
	DefaultConfiguration Configuration      `json:"defaultConfiguration"`
	Properties           RuleProperties     `json:"properties"`
}

// Configuration of a rule.
type Configuration struct {
	Level string `json:"level"`
}

// RuleProperties tag a rule. SecuritySeverity is GitHub's
// "security-severity", a number in a string.
type RuleProperties struct {
	Tags             []string `json:"tags"`
	SecuritySeverity string   `json:"security-severity"`
	Precision        string   `json:"precision"`
	Kind             string   `json:"kind"`
	Threat           string   `json:"threat,omitempty"`
}

// Message is a plain-text message.
type Message struct {
	Text string `json:"text"`
}

// MultiformatMessage has a plain-text and a Markdown form.
type MultiformatMessage struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

// Result is one finding.
type Result struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             Message           `json:"message"`
	Locations           []Location        `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Suppressions        []Suppression     `json:"suppressions,omitempty"`
	Properties          ResultProperties  `json:"properties"`
}

// Suppression marks an accepted finding (SARIF §3.35).
type Suppression struct {
	Kind          string                `json:"kind"`   // external: recorded outside the scanned files
	Status        string                `json:"status"` // accepted
	Justification string                `json:"justification"`
	Location      *Location             `json:"location,omitempty"` // the entry in the acceptance file
	Properties    SuppressionProperties `json:"properties"`
}

// SuppressionProperties are the acceptance's record.
type SuppressionProperties struct {
	AcceptedBy string `json:"acceptedBy"`
	Date       string `json:"date,omitempty"`
	Expires    string `json:"expires,omitempty"`
}

// ResultProperties carry the finding's links.
type ResultProperties struct {
	FindingID    string   `json:"findingId"`
	Fingerprint  string   `json:"fingerprint"`
	Kind         string   `json:"kind"`
	Severity     string   `json:"severity"`
	Threats      []string `json:"threats,omitempty"`
	Assets       []string `json:"assets,omitempty"`
	Controls     []string `json:"controls,omitempty"`
	Requirements []string `json:"requirements,omitempty"`
	Provisions   []string `json:"provisions,omitempty"`
	Clauses      []string `json:"clauses,omitempty"`
	Standards    []string `json:"standards,omitempty"`
	Sources      []string `json:"sources,omitempty"`
	Field        string   `json:"profileField,omitempty"`
	LineUnknown  bool     `json:"lineUnknown,omitempty"` // the input line is not known; the result is placed on line 1
}

// Location of a result.
type Location struct {
	PhysicalLocation PhysicalLocation `json:"physicalLocation"`
}

// PhysicalLocation points at a line of a file.
type PhysicalLocation struct {
	ArtifactLocation ArtifactLocation `json:"artifactLocation"`
	Region           *Region          `json:"region,omitempty"`
}

// ArtifactLocation is a file by URI, relative to UriBaseID when set.
type ArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
	Index     *int   `json:"index,omitempty"`
}

// Region is a span of lines.
type Region struct {
	StartLine int `json:"startLine"`
	EndLine   int `json:"endLine"`
}

// Level maps a severity to a SARIF level.
func Level(s aiassure.Severity) string {
	switch s {
	case aiassure.Critical, aiassure.High:
		return "error"
	case aiassure.Medium:
		return "warning"
	}
	return "note"
}

// SecuritySeverity maps a severity to GitHub's security-severity score, in
// the middle of GitHub's band for it (critical >= 9.0, high 7.0-8.9, medium
// 4.0-6.9, low 0.1-3.9). Info is 0.0, below every band.
func SecuritySeverity(s aiassure.Severity) string {
	switch s {
	case aiassure.Critical:
		return "9.5"
	case aiassure.High:
		return "8.0"
	case aiassure.Medium:
		return "5.5"
	case aiassure.Low:
		return "2.0"
	}
	return "0.0"
}

// RuleID is the rule of a finding: its kind, and its first threat if any.
func RuleID(f aiassure.Finding) string {
	kind := f.Kind
	if kind == "" {
		kind = "finding"
	}
	if len(f.Threats) > 0 {
		return kind + "/" + string(f.Threats[0])
	}
	return kind
}

// Fingerprint is the finding's stable fingerprint: Finding.Fingerprint, or
// aiassure.Fingerprint of its ID for a report that has none.
func Fingerprint(f aiassure.Finding) string {
	if f.Fingerprint != "" {
		return f.Fingerprint
	}
	return aiassure.Fingerprint(f.ID)
}

// Written reports whether a finding goes into the log: every finding but a
// standardisation gap of the ENISA report, which is about the standards, not
// the system.
func Written(f aiassure.Finding) bool { return f.Kind != "standardisation-gap" }

// URI turns a path as given to the tool into a URI reference and its
// uriBaseId: a relative path is relative to SrcRoot; an absolute one becomes
// a file URI without a base (GitHub wants relative paths: run aiassure from
// the repository root with a relative profile path).
func URI(p string) (uri, base string) {
	if p == "" {
		p = "profile.yaml"
	}
	p = filepath.ToSlash(p)
	if path.IsAbs(p) || filepath.IsAbs(p) {
		return (&url.URL{Scheme: "file", Path: p}).String(), ""
	}
	return (&url.URL{Path: path.Clean(p)}).EscapedPath(), SrcRoot
}

// names gives the catalogue's names and descriptions; nil when the embedded
// catalogue does not load (the log then names IDs only).
var names = sync.OnceValue(func() *catalog.Catalog {
	c, err := catalog.Load()
	if err != nil {
		return nil
	}
	return c
})

// Build converts the report into a SARIF log.
func Build(r *report.Report) (*Log, error) {
	if r == nil {
		return nil, errors.New("sarif report: nil report")
	}
	run := Run{
		Tool:    Tool{Driver: Driver{Name: "aiassure", Version: r.Tool.Version, InformationURI: InformationURI, Rules: []Rule{}}},
		Results: []Result{},
		Properties: &RunProperties{System: r.System.Name, SystemVersion: r.System.Version, Tier: r.Classification.Tier,
			CatalogVersion: r.CatalogVersion, SchemaVersion: r.SchemaVersion, Verdict: r.Conclusion.Verdict},
	}
	if v := strings.TrimPrefix(r.Tool.Version, "v"); strings.Count(v, ".") == 2 && !strings.ContainsAny(v, " /") {
		run.Tool.Driver.SemanticVersion = v
	}
	if !r.Generated.IsZero() {
		run.Invocations = []Invocation{{ExecutionSuccessful: true, EndTimeUTC: r.Generated.UTC().Format("2006-01-02T15:04:05.000Z")}}
	}
	arts := newArtifacts(r)
	arts.index(r.System.Profile, "analysisTarget")

	var findings []aiassure.Finding
	for _, f := range r.Findings {
		if Written(f) {
			findings = append(findings, f)
		}
	}
	rules := buildRules(findings)
	index := map[string]int{}
	for i, rl := range rules {
		index[rl.ID] = i
	}
	run.Tool.Driver.Rules = rules
	for _, f := range findings {
		run.Results = append(run.Results, result(r, f, index[RuleID(f)], arts))
	}
	run.Artifacts = arts.list
	return &Log{Schema: Schema, Version: "2.1.0", Runs: []Run{run}}, nil
}

// artifacts collects the files the results point at, with their digests
// from the report's artefacts.
type artifacts struct {
	list    []Artifact
	byPath  map[string]int
	digests map[string]string
}

func newArtifacts(r *report.Report) *artifacts {
	a := &artifacts{byPath: map[string]int{}, digests: map[string]string{}}
	for _, art := range r.Artefacts {
		if d, ok := strings.CutPrefix(art.Digest, "sha256:"); ok && d != "" {
			a.digests[filepath.ToSlash(art.Path)] = d
		}
	}
	if d, ok := strings.CutPrefix(r.System.Digest, "sha256:"); ok && d != "" {
		p := r.System.Profile
		if p == "" {
			p = "profile.yaml"
		}
		a.digests[filepath.ToSlash(p)] = d
	}
	return a
}

// index returns the artifact index of a file, adding it when new.
func (a *artifacts) index(p, role string) (ArtifactLocation, int) {
	if p == "" {
		p = "profile.yaml"
	}
	uri, base := URI(p)
	if i, ok := a.byPath[uri]; ok {
		return a.list[i].Location, i
	}
	i := len(a.list)
	a.byPath[uri] = i
	art := Artifact{Location: ArtifactLocation{URI: uri, URIBaseID: base}, Roles: []string{role}}
	if d, ok := a.digests[filepath.ToSlash(p)]; ok {
		art.Hashes = map[string]string{"sha-256": d}
	}
	a.list = append(a.list, art)
	return art.Location, i
}

func (a *artifacts) location(p, role string, line int) Location {
	al, i := a.index(p, role)
	al.Index = &i
	if line < 1 {
		line = 1
	}
	return Location{PhysicalLocation: PhysicalLocation{ArtifactLocation: al, Region: &Region{StartLine: line, EndLine: line}}}
}

func result(r *report.Report, f aiassure.Finding, ruleIndex int, arts *artifacts) Result {
	file, line, field := r.System.Profile, 0, ""
	if len(f.Locations) > 0 {
		l := f.Locations[0]
		if l.File != "" {
			file = l.File
		}
		line, field = l.Line, l.Field
	}
	res := Result{
		RuleID: RuleID(f), RuleIndex: ruleIndex, Level: Level(f.Severity),
		Message:             Message{Text: message(f, line)},
		Locations:           []Location{arts.location(file, "analysisTarget", line)},
		PartialFingerprints: map[string]string{FingerprintKey: Fingerprint(f)},
		Properties: ResultProperties{FindingID: f.ID, Fingerprint: Fingerprint(f), Kind: f.Kind, Severity: string(f.Severity),
			Threats: strs(f.Threats), Assets: f.Assets, Controls: strs(f.Controls), Requirements: strs(f.Requirements),
			Provisions: f.Provisions, Clauses: f.Clauses, Standards: strs(f.Standards), Sources: f.Sources,
			Field: field, LineUnknown: line < 1},
	}
	if a := f.Accepted; a != nil {
		s := Suppression{Kind: "external", Status: "accepted", Justification: justification(a),
			Properties: SuppressionProperties{AcceptedBy: a.By}}
		if !a.Date.IsZero() {
			s.Properties.Date = a.Date.UTC().Format("2006-01-02")
		}
		if !a.Expires.IsZero() {
			s.Properties.Expires = a.Expires.UTC().Format("2006-01-02")
		}
		if a.Location.File != "" {
			l := arts.location(a.Location.File, "userSpecifiedConfiguration", a.Location.Line)
			s.Location = &l
		}
		res.Suppressions = []Suppression{s}
	}
	return res
}

func justification(a *aiassure.Acceptance) string {
	s := "Risk accepted by " + orDefault(a.By, "an unnamed person")
	if !a.Date.IsZero() {
		s += " on " + a.Date.UTC().Format("2006-01-02")
	}
	if !a.Expires.IsZero() {
		s += ", until " + a.Expires.UTC().Format("2006-01-02")
	}
	return s + ": " + sentence(orDefault(strings.TrimSpace(a.Reason), "no reason given")) + " Recorded under AI Act Art. 9 (risk management)."
}

// message is the result's text: title, detail, remedy, provisions, clauses,
// and where the line is unknown.
func message(f aiassure.Finding, line int) string {
	parts := []string{sentence(f.Title), sentence(f.Detail)}
	if f.Kind == "risk" && len(f.Controls) > 0 {
		parts = append(parts, "Missing controls: "+controlList(f.Controls, false)+".")
	}
	if len(f.Provisions) > 0 {
		parts = append(parts, "Provisions: "+strings.Join(f.Provisions, ", ")+".")
	}
	if len(f.Clauses) > 0 {
		parts = append(parts, "Standard clauses: "+strings.Join(f.Clauses, "; ")+".")
	}
	if len(f.Assets) > 0 {
		parts = append(parts, "Assets: "+strings.Join(f.Assets, ", ")+".")
	}
	if line < 1 {
		parts = append(parts, "The input line is not known; the result is placed on line 1.")
	}
	if f.Accepted != nil {
		parts = append(parts, justification(f.Accepted))
	}
	text := strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), " ")
	if text == "" {
		text = RuleID(f)
	}
	return text
}

func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

func strs[T ~string](v []T) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = string(s)
	}
	return out
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Write writes the SARIF log as indented JSON.
func Write(w io.Writer, r *report.Report) error {
	log, err := Build(r)
	if err != nil {
		return err
	}
	// Viewers show message texts and URIs to a person: no control,
	// bidirectional or invisible character reaches them raw.
	log = safetext.Clean(log)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(log); err != nil {
		return fmt.Errorf("sarif report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("sarif report: %w", err)
	}
	return nil
}
