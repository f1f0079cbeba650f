package coverage

import "github.com/aiassure/aiassure"

// Gap kinds.
const (
	Standardisation = "standardisation-gap" // no published standard covers it
	Implementation  = "implementation-gap"  // a control the risk calls for is not implemented
	Evidence        = "evidence-gap"        // a claim with no test, attestation or log behind it
)

// Analysis is the coverage and gap analysis of one system.
type Analysis struct {
	Gaps         []Gap         `json:"gaps"`
	Requirements []ReqCover    `json:"requirements"` // coverage of each applicable requirement
	Threats      []ThreatCover `json:"threats"`      // coverage of each applicable threat
}

// Gap is one finding of the gap analysis.
type Gap struct {
	ID           string                   `json:"id"`
	Kind         string                   `json:"kind"`
	Severity     aiassure.Severity        `json:"severity"`
	Title        string                   `json:"title"`
	Detail       string                   `json:"detail"`
	Threats      []aiassure.ThreatID      `json:"threats,omitempty"`
	Requirements []aiassure.RequirementID `json:"requirements,omitempty"`
	Standards    []aiassure.StandardID    `json:"standards,omitempty"`
	Controls     []aiassure.ControlID     `json:"controls,omitempty"` // controls that would close it
	CatalogGap   aiassure.GapID           `json:"catalog_gap,omitempty"`
	Sources      []string                 `json:"sources"`
}

// ReqCover says, for one requirement, which standards and controls address it
// and how many of those controls the system implements.
type ReqCover struct {
	Requirement aiassure.RequirementID `json:"requirement"`
	Standards   []aiassure.StandardID  `json:"standards"`
	Controls    int                    `json:"controls"`
	Implemented int                    `json:"implemented"`
	Evidenced   int                    `json:"evidenced"`
}

// ThreatCover says, for one threat, how many standards address it and how
// many of its mitigating controls the system implements.
type ThreatCover struct {
	Threat      aiassure.ThreatID     `json:"threat"`
	Standards   []aiassure.StandardID `json:"standards"`
	Specific    bool                  `json:"specific"` // an AI-specific published standard covers it
	Controls    int                   `json:"controls"`
	Implemented int                   `json:"implemented"`
}
