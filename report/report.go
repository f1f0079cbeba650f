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
const SchemaVersion = "1.0.0"

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
	Findings       []aiassure.Finding `json:"findings"` // most severe first
	Summary        Summary            `json:"summary"`
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
	Highest  aiassure.Severity         `json:"highest"`
	Results  map[aiassure.Status]int   `json:"results"`
}
