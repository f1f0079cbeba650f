// Package sarif writes the report's findings as a SARIF 2.1.0 log, for
// code-scanning dashboards. There is one rule per distinct finding kind and
// threat, one result per finding, each located at the system profile, with
// a level mapped from the severity (critical and high: error; medium:
// warning; low and info: note) and a fingerprint that stays the same across
// runs for the same finding.
package sarif

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/report"
)

// MediaType of a SARIF log.
const MediaType = "application/sarif+json"

// Schema is the $schema of the log: the OASIS SARIF 2.1.0 JSON schema.
const Schema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// FingerprintKey names the partial fingerprint of a result.
const FingerprintKey = "aiassureFinding/v1"

// Log is a SARIF log with the parts aiassure writes.
type Log struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []Run  `json:"runs"`
}

// Run is one run of a tool.
type Run struct {
	Tool        Tool          `json:"tool"`
	Invocations []Invocation  `json:"invocations,omitempty"`
	Artifacts   []Artifact    `json:"artifacts,omitempty"`
	Results     []Result      `json:"results"`
	Properties  *RunProperies `json:"properties,omitempty"`
}

// RunProperies carries the assessment's context.
type RunProperies struct {
	System         string `json:"system"`
	SystemVersion  string `json:"systemVersion,omitempty"`
	Tier           string `json:"tier,omitempty"`
	CatalogVersion string `json:"catalogVersion,omitempty"`
	SchemaVersion  string `json:"reportSchemaVersion"`
}

// Invocation records that the run completed and when.
type Invocation struct {
	ExecutionSuccessful bool   `json:"executionSuccessful"`
	EndTimeUTC          string `json:"endTimeUtc,omitempty"`
}

// Artifact is a file the results refer to.
type Artifact struct {
	Location ArtifactLocation  `json:"location"`
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
	Rules           []Rule `json:"rules"`
}

// Rule describes one kind of finding.
type Rule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     Message        `json:"shortDescription"`
	FullDescription      *Message       `json:"fullDescription,omitempty"`
	DefaultConfiguration Configuration  `json:"defaultConfiguration"`
	Properties           RuleProperties `json:"properties"`
}

// Configuration of a rule.
type Configuration struct {
	Level string `json:"level"`
}

// RuleProperties tag a rule.
type RuleProperties struct {
	Tags   []string `json:"tags"`
	Kind   string   `json:"kind"`
	Threat string   `json:"threat,omitempty"`
}

// Message is a plain-text message.
type Message struct {
	Text string `json:"text"`
}

// Result is one finding.
type Result struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             Message           `json:"message"`
	Locations           []Location        `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          ResultProperties  `json:"properties"`
}

// ResultProperties carry the finding's links.
type ResultProperties struct {
	FindingID    string   `json:"findingId"`
	Kind         string   `json:"kind"`
	Severity     string   `json:"severity"`
	Threats      []string `json:"threats,omitempty"`
	Controls     []string `json:"controls,omitempty"`
	Requirements []string `json:"requirements,omitempty"`
	Standards    []string `json:"standards,omitempty"`
	Sources      []string `json:"sources,omitempty"`
}

// Location of a result.
type Location struct {
	PhysicalLocation PhysicalLocation `json:"physicalLocation"`
}

// PhysicalLocation points at a file.
type PhysicalLocation struct {
	ArtifactLocation ArtifactLocation `json:"artifactLocation"`
}

// ArtifactLocation is a file by URI.
type ArtifactLocation struct {
	URI   string `json:"uri"`
	Index *int   `json:"index,omitempty"`
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

// Fingerprint is stable across runs for the same finding: it hashes what
// identifies the finding (ID, kind, threats, controls, requirements), not
// its wording or severity, which may change as evidence changes.
func Fingerprint(f aiassure.Finding) string {
	h := sha256.New()
	parts := [][]string{{f.ID, f.Kind}}
	for _, l := range [][]string{strs(f.Threats), strs(f.Controls), strs(f.Requirements)} {
		parts = append(parts, slices.Sorted(slices.Values(l)))
	}
	for _, p := range parts {
		h.Write([]byte(strings.Join(p, "\x1f")))
		h.Write([]byte{0x1e})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

func strs[T ~string](v []T) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = string(s)
	}
	return out
}

// URI turns a profile path as given into a relative URI reference.
func URI(path string) string {
	if path == "" {
		return "profile.yaml"
	}
	return (&url.URL{Path: filepath.ToSlash(path)}).EscapedPath()
}

// Build converts the report into a SARIF log.
func Build(r *report.Report) (*Log, error) {
	if r == nil {
		return nil, errors.New("sarif report: nil report")
	}
	uri := URI(r.System.Profile)
	zero := 0
	run := Run{
		Tool:      Tool{Driver: Driver{Name: "aiassure", Version: r.Tool.Version, Rules: []Rule{}}},
		Artifacts: []Artifact{{Location: ArtifactLocation{URI: uri}}},
		Results:   []Result{},
		Properties: &RunProperies{System: r.System.Name, SystemVersion: r.System.Version, Tier: r.Classification.Tier,
			CatalogVersion: r.CatalogVersion, SchemaVersion: r.SchemaVersion},
	}
	if strings.Count(r.Tool.Version, ".") == 2 && !strings.ContainsAny(r.Tool.Version, " /") {
		run.Tool.Driver.SemanticVersion = strings.TrimPrefix(r.Tool.Version, "v")
	}
	if d, ok := strings.CutPrefix(r.System.Digest, "sha256:"); ok && d != "" {
		run.Artifacts[0].Hashes = map[string]string{"sha-256": d}
	}
	if !r.Generated.IsZero() {
		run.Invocations = []Invocation{{ExecutionSuccessful: true, EndTimeUTC: r.Generated.UTC().Format("2006-01-02T15:04:05.000Z")}}
	}

	// Rules: one per distinct kind/threat, sorted, each at the level of its
	// most severe finding.
	worst := map[string]aiassure.Severity{}
	first := map[string]aiassure.Finding{}
	for _, f := range r.Findings {
		id := RuleID(f)
		if _, ok := first[id]; !ok {
			first[id] = f
		}
		if f.Severity.Rank() > worst[id].Rank() {
			worst[id] = f.Severity
		}
	}
	ids := make([]string, 0, len(first))
	for id := range first {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	index := map[string]int{}
	for i, id := range ids {
		f := first[id]
		index[id] = i
		threat := ""
		if len(f.Threats) > 0 {
			threat = string(f.Threats[0])
		}
		short := describe(f.Kind, threat)
		tags := []string{"security", f.Kind}
		if threat != "" {
			tags = append(tags, "threat:"+threat)
		}
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, Rule{
			ID: id, Name: ruleName(id), ShortDescription: Message{Text: short},
			DefaultConfiguration: Configuration{Level: Level(worst[id])},
			Properties:           RuleProperties{Tags: tags, Kind: f.Kind, Threat: threat},
		})
	}

	for _, f := range r.Findings {
		id := RuleID(f)
		text := strings.TrimSpace(f.Title)
		if d := strings.TrimSpace(f.Detail); d != "" {
			text += ". " + d
		}
		if text == "" {
			text = id
		}
		run.Results = append(run.Results, Result{
			RuleID: id, RuleIndex: index[id], Level: Level(f.Severity), Message: Message{Text: text},
			Locations:           []Location{{PhysicalLocation: PhysicalLocation{ArtifactLocation: ArtifactLocation{URI: uri, Index: &zero}}}},
			PartialFingerprints: map[string]string{FingerprintKey: Fingerprint(f)},
			Properties: ResultProperties{FindingID: f.ID, Kind: f.Kind, Severity: string(f.Severity),
				Threats: strs(f.Threats), Controls: strs(f.Controls), Requirements: strs(f.Requirements),
				Standards: strs(f.Standards), Sources: f.Sources},
		})
	}
	return &Log{Schema: Schema, Version: "2.1.0", Runs: []Run{run}}, nil
}

func describe(kind, threat string) string {
	what := map[string]string{
		"risk":                "Risk from the threat and vulnerability analysis",
		"standardisation-gap": "Standardisation gap: no published standard covers it",
		"implementation-gap":  "Implementation gap: a control the risk calls for is missing",
		"evidence-gap":        "Evidence gap: a claim without test, attestation or log",
		"test":                "Failed or inconclusive model or lineage test",
	}[kind]
	if what == "" {
		what = "Finding of kind " + kind
	}
	if threat != "" {
		what += " (threat " + threat + ")"
	}
	return what
}

// ruleName is the rule ID in PascalCase, as SARIF viewers expect.
func ruleName(id string) string {
	var b strings.Builder
	up := true
	for _, r := range id {
		if r == '-' || r == '/' || r == '_' || r == '.' || r == ' ' {
			up = true
			continue
		}
		if up {
			b.WriteString(strings.ToUpper(string(r)))
			up = false
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Write writes the SARIF log as indented JSON.
func Write(w io.Writer, r *report.Report) error {
	log, err := Build(r)
	if err != nil {
		return err
	}
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
