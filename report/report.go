// Package report holds the canonical assessment report: the JSON document that
// every other output format (text, Markdown, HTML, SARIF, OSCAL) is converted
// from. SchemaVersion changes with every change to its shape.
package report

import (
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/classify"
	"github.com/aiassure/aiassure/coverage"
	"github.com/aiassure/aiassure/risk"
)

// SchemaVersion of the JSON report, MODEL.REVISION.ADDITION.
const SchemaVersion = "3.1.0"

// Report is the result of one assessment.
type Report struct {
	SchemaVersion  string             `json:"schema_version"`
	Tool           Tool               `json:"tool"`
	CatalogVersion string             `json:"catalog_version"`
	Generated      time.Time          `json:"generated"`
	System         System             `json:"system"`
	Classification classify.Result    `json:"classification"`
	Risk           risk.Analysis      `json:"risk"`
	Coverage       coverage.Analysis  `json:"coverage"`
	Results        []aiassure.Result  `json:"results"`
	LLM            *LLMTests          `json:"llm,omitempty"` // the LLM tests' answers that show a success, when they ran
	Findings       []aiassure.Finding `json:"findings"`      // most severe first
	Summary        Summary            `json:"summary"`
	Conclusion     Conclusion         `json:"conclusion"`
	Scope          Scope              `json:"scope"`
	Artefacts      []Artefact         `json:"artefacts"`  // every file the report rests on, with its digest
	References     []Reference        `json:"references"` // the public documents the report cites
}

// Conclusion is the readiness verdict that opens the report.
type Conclusion struct {
	Verdict    string   `json:"verdict"`     // one of the Verdict constants
	Reasons    []string `json:"reasons"`     // why, most important first
	FirstSteps []string `json:"first_steps"` // what to do first
}

// Verdicts of a Conclusion.
const (
	NotReady           = "not-ready"           // a declared claim fails, a critical risk stands, or an artefact does not verify
	ReadyWithFindings  = "ready-with-findings" // no blocking finding, but findings remain open
	Ready              = "ready"               // no open finding at or above medium
	NotAssessedVerdict = "not-assessed"        // the assessment could not run its checks
)

// Scope says what was assessed, what was not and why, and the limits of the method.
type Scope struct {
	Assessed    []string    `json:"assessed"`
	NotAssessed []ScopeItem `json:"not_assessed"`
	Limits      []string    `json:"limits"`
}

// ScopeItem is something left out of the assessment, with the reason.
type ScopeItem struct {
	What string `json:"what"`
	Why  string `json:"why"`
}

// Artefact is one input of the assessment with its digest.
type Artefact struct {
	Role   string `json:"role"` // profile, model, dataset, evidence, attestation, key, policy, results, risk-acceptance, catalogue
	Path   string `json:"path"`
	Digest string `json:"digest,omitempty"` // sha256:...; empty for a directory or a file that could not be read
	Note   string `json:"note,omitempty"`
}

// Reference is a public document the report cites: the ENISA report with
// section, an AI Act provision on EUR-Lex, a standard's catalogue page.
type Reference struct {
	Label string `json:"label"` // as the findings cite it, e.g. "ENISA report, section 4.1"
	Title string `json:"title,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Tool names the program that made the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// System is what the report says of the assessed system, from its profile.
type System struct {
	Name      string `json:"name"`
	Version   string `json:"version,omitempty"`
	Provider  string `json:"provider,omitempty"`
	Purpose   string `json:"intended_purpose"`
	Sector    string `json:"sector"`
	Role      string `json:"role"`
	Assurance string `json:"assurance"`
	Profile   string `json:"profile"`        // path as given
	Digest    string `json:"profile_digest"` // sha256 of the profile file
}

// Summary counts findings by severity and gives the overall verdict.
type Summary struct {
	Findings map[aiassure.Severity]int `json:"findings"`
	Accepted int                       `json:"accepted"` // findings covered by a valid risk acceptance
	Highest  aiassure.Severity         `json:"highest"`  // of the findings not accepted
	Results  map[aiassure.Status]int   `json:"results"`
}
