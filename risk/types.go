package risk

import "github.com/aiassure/aiassure"

// Analysis is a TVRA-style threat, vulnerability and risk analysis of one
// system (ETSI TS 102 165-1), one Entry per threat and asset.
type Analysis struct {
	Method  string  `json:"method"`  // the method and scoring table version
	Entries []Entry `json:"entries"` // most severe residual risk first
	Counts  Counts  `json:"counts"`
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
	Asset              string               `json:"asset"`
	Goal               string               `json:"goal"` // the security goal hit hardest
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
