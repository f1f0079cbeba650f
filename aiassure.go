// Package aiassure holds the vocabulary shared by every part of aiassure: the
// identifier types of the catalogue, the status of a check, and the Result and
// Finding values that tests, lineage checks and analyses hand to the assessment.
//
// It depends on the standard library only. Engines (catalog, profile, classify,
// risk, coverage, model, probe, lineage) speak in these types; the assess package
// joins them into one report.
package aiassure

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Identifier types of the catalogue. Each is a stable, lower-case, dash-separated
// key such as "iso-iec-27001", "evasion", "art-15" or "c-adv-training".
type (
	StandardID       string // a standard, report, framework or regulation
	ThreatID         string // a threat of the taxonomy
	ControlID        string // a security control
	RequirementID    string // a requirement of a regulation (an article or clause)
	GapID            string // a standardisation gap named by the seed or found since
	RecommendationID string // one of the seed's recommendations
)

// Status is the outcome of one check.
type Status string

// The statuses of a check. Unknown means the check could not run; its Result
// says why. It never aborts an assessment.
const (
	Pass          Status = "pass"
	Fail          Status = "fail"
	NotApplicable Status = "not_applicable"
	Unknown       Status = "unknown"
)

// Severity ranks a finding. The order is that of the constants.
type Severity string

// Severities, least to most severe.
const (
	Info     Severity = "info"
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Rank returns the position of s in the order info < low < medium < high <
// critical, or -1 for an unknown severity.
func (s Severity) Rank() int {
	switch s {
	case Info:
		return 0
	case Low:
		return 1
	case Medium:
		return 2
	case High:
		return 3
	case Critical:
		return 4
	}
	return -1
}

// Art15Category is one of the attack categories that AI Act Art. 15(5) names.
type Art15Category string

// The categories of Regulation (EU) 2024/1689, Art. 15(5), third subparagraph.
const (
	DataPoisoning          Art15Category = "data_poisoning"
	ModelPoisoning         Art15Category = "model_poisoning"
	AdversarialExamples    Art15Category = "adversarial_examples"
	ConfidentialityAttacks Art15Category = "confidentiality_attacks"
	ModelFlaws             Art15Category = "model_flaws"
)

// Result is the outcome of one piece of evidence-producing work: a model test,
// a lineage verification, a log check. Results tie themselves to the threats,
// controls and requirements they speak to; the risk analysis uses them to
// adjust likelihoods and the gap analysis to close or open evidence gaps.
type Result struct {
	ID           string             `json:"id"`               // stable within a report, e.g. "evasion/pgd-linf"
	Check        string             `json:"check"`            // the plug-in that produced it
	Status       Status             `json:"status"`           // pass, fail, not_applicable, unknown
	Summary      string             `json:"summary"`          // one line, for people
	Reason       string             `json:"reason,omitempty"` // why, for unknown and fail
	Threats      []ThreatID         `json:"threats,omitempty"`
	Controls     []ControlID        `json:"controls,omitempty"`
	Requirements []RequirementID    `json:"requirements,omitempty"`
	Category     Art15Category      `json:"art15_category,omitempty"`
	Metrics      map[string]float64 `json:"metrics,omitempty"`
	Evidence     []string           `json:"evidence,omitempty"` // paths or digests the result rests on
	Time         time.Time          `json:"time,omitzero"`
}

// Finding is one statement of the assessment that calls for attention: a risk
// with the controls missing against it, a failed check, an evidence or
// implementation gap. Every finding carries its sources: the AI Act
// provisions it bears on, the standard clauses where one is known, and the
// profile lines it comes from.
type Finding struct {
	ID           string          `json:"id"`
	Fingerprint  string          `json:"fingerprint"` // stable across runs: what a risk acceptance names
	Kind         string          `json:"kind"`        // "risk", "implementation-gap", "evidence-gap", "test", "classification", "input", "acceptance"
	Severity     Severity        `json:"severity"`
	Title        string          `json:"title"`
	Detail       string          `json:"detail,omitempty"`
	Threats      []ThreatID      `json:"threats,omitempty"`
	Assets       []string        `json:"assets,omitempty"`   // profile asset IDs it concerns
	Controls     []ControlID     `json:"controls,omitempty"` // for a risk: the missing controls, its remedy
	Requirements []RequirementID `json:"requirements,omitempty"`
	Standards    []StandardID    `json:"standards,omitempty"`
	Provisions   []string        `json:"provisions,omitempty"` // AI Act provisions at paragraph level, e.g. "Art. 15(5)"
	Clauses      []string        `json:"clauses,omitempty"`    // standard clauses, e.g. "ETSI TS 102 165-1 clause 6"
	Locations    []Location      `json:"locations,omitempty"`  // where in the inputs it comes from; the first is the primary one
	Sources      []string        `json:"sources,omitempty"`    // public references: the ENISA report with section, articles, standards
	Accepted     *Acceptance     `json:"accepted,omitempty"`   // set when a valid risk acceptance covers it
}

// Location is a place in an input file: a profile line, an evidence file.
type Location struct {
	File  string `json:"file"`            // path as given to the tool
	Line  int    `json:"line,omitempty"`  // 1-based; 0 when unknown
	Field string `json:"field,omitempty"` // the profile field path, e.g. "lifecycle.continuous_learning"
}

// Acceptance records who accepted a finding's risk, why, and until when
// (the AI Act Art. 9 risk-management record). An accepted finding stays in
// the report and does not count toward a failure threshold.
type Acceptance struct {
	By       string    `json:"by"`
	Reason   string    `json:"reason"`
	Date     time.Time `json:"date"`
	Expires  time.Time `json:"expires,omitzero"`
	Location Location  `json:"location"` // the entry in the acceptance file
}

// Fingerprint is the stable fingerprint of a finding with the given ID: the
// first 16 hex digits of the SHA-256 of the ID. A risk acceptance names a
// finding by it.
func Fingerprint(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:8])
}
