package classify

import "github.com/aiassure/aiassure"

// Tiers of the AI Act, most severe first.
const (
	Prohibited   = "prohibited"   // Art. 5
	HighRisk     = "high-risk"    // Art. 6
	Transparency = "transparency" // Art. 50 only
	Minimal      = "minimal"      // none of the above
	OutOfScope   = "out-of-scope" // Art. 2 exclusions
)

// Result is the AI Act classification of one system.
type Result struct {
	Tier           string       `json:"tier"`
	Route          string       `json:"route,omitempty"` // annex-i (Art. 6(1)) or annex-iii (Art. 6(2)) for high-risk
	GeneralPurpose bool         `json:"general_purpose"`
	SystemicRisk   bool         `json:"systemic_risk,omitempty"`
	Transparency   bool         `json:"transparency"` // Art. 50 obligations apply (with any tier)
	Verdicts       []Verdict    `json:"verdicts"`
	Obligations    []Obligation `json:"obligations"`
}

// Verdict is what one rule concluded, with the article and the profile
// fields that produced it.
type Verdict struct {
	Rule    string   `json:"rule"`
	Outcome string   `json:"outcome"` // the tier or flag the rule sets, or "no"
	Article string   `json:"article"`
	Fields  []string `json:"fields"` // profile field paths, e.g. "use.annex_iii[0]"
	Reason  string   `json:"reason"`
}

// Obligation is a requirement that follows from the classification, with
// the date it applies from.
type Obligation struct {
	Requirement aiassure.RequirementID `json:"requirement"`
	Article     string                 `json:"article"`
	Title       string                 `json:"title"`
	AppliesFrom string                 `json:"applies_from"`
	Verified    bool                   `json:"verified"`
	Source      string                 `json:"source"`
}
