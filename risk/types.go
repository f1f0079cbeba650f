package risk

import (
	"strings"

	"github.com/aiassure/aiassure"
)

// Analysis is a TVRA-style threat, vulnerability and risk analysis of one
// system (ETSI TS 102 165-1), one Entry per threat and asset.
type Analysis struct {
	Method        string      `json:"method"`  // the method and scoring table version
	Entries       []Entry     `json:"entries"` // most severe residual risk first
	NotApplicable []Exclusion `json:"not_applicable"`
	Counts        Counts      `json:"counts"`
}

// Reason is one fact of the system that a threat's applicability turns on,
// with the profile field and line it comes from.
type Reason struct {
	Fact  string `json:"fact"`            // a catalogue fact, e.g. "federated-learning"
	Holds bool   `json:"holds"`           // whether the fact holds for this system
	Text  string `json:"text"`            // why, in words
	Field string `json:"field,omitempty"` // profile field path, e.g. "lifecycle.federated_learning"
	Line  int    `json:"line,omitempty"`  // its line in the profile, 0 when the field is absent
}

// Exclusion is a catalogue threat that applies to no asset of the system,
// with the reason.
type Exclusion struct {
	Threat aiassure.ThreatID `json:"threat"`
	Name   string            `json:"name"`
	Reason Reason            `json:"reason"`
}

// Counts tallies risk levels before and after the implemented controls.
type Counts struct {
	Inherent map[string]int `json:"inherent"` // level -> count
	Residual map[string]int `json:"residual"`
}

// Factor is one attack-potential factor at a level, with its points.
type Factor struct {
	Name   string `json:"name"`
	Level  string `json:"level"`
	Points int    `json:"points"`
	Why    string `json:"why,omitempty"`
}

// Score is a level with its ordinal value.
type Score struct {
	Level string `json:"level"`
	Value int    `json:"value"`
}

// Entry is the analysis of one threat against one asset.
type Entry struct {
	Threat             aiassure.ThreatID    `json:"threat"`
	ThreatName         string               `json:"threat_name"`
	Assets             []string             `json:"assets"`      // one or more assets the analysis rates alike
	AssetKinds         []string             `json:"asset_kinds"` // their kinds, in order of first appearance
	Applies            []Reason             `json:"applies"`     // the facts that make the threat possible here
	Goal               string               `json:"goal"`        // the security goal hit hardest
	Factors            []Factor             `json:"factors"`
	AttackPotential    int                  `json:"attack_potential"`
	Resistance         string               `json:"resistance"` // ISO/IEC 18045 band of the attack potential
	Likelihood         Score                `json:"likelihood"`
	Impact             Score                `json:"impact"`
	Risk               Score                `json:"risk"` // value = likelihood x impact
	Implemented        []aiassure.ControlID `json:"implemented,omitempty"`
	Missing            []aiassure.ControlID `json:"missing,omitempty"`
	ResidualLikelihood Score                `json:"residual_likelihood"`
	ResidualImpact     Score                `json:"residual_impact"`
	Residual           Score                `json:"residual"`
	Evidence           []string             `json:"evidence,omitempty"` // Result IDs that changed the likelihood
	Reasoning          []string             `json:"reasoning"`
}

// AssetList is the entry's assets, comma-separated.
func (e Entry) AssetList() string { return strings.Join(e.Assets, ", ") }
